//! `sensitivity.json`, `sensitivity.csv` and `sensitivity_over_time.csv`: the results of
//! `leversim sensitivity`.
//!
//! A value a method did not compute (Morris fields after a Sobol' analysis, say) is `null` in
//! JSON and empty in CSV.

use serde::{Deserialize, Serialize};

use super::kinds::{AnalysedKind, InputKind};
use super::provenance::{Provenance, Timing};

/// Everything the numbers depend on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SensitivityManifest {
    /// Everything the numbers depend on; `runs` counts every model run of the design,
    /// `bundles` is the bundle analysed.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Bundle whose lever settings hold.
    pub bundle: String,
    /// Methods run: `sobol`, `morris`, `oat`.
    pub methods: Vec<String>,
    /// Sobol' base samples N.
    pub samples: usize,
    /// Morris trajectories.
    pub trajectories: usize,
    /// Morris grid levels.
    pub levels: usize,
    /// Runs per one-at-a-time point.
    pub oat_runs: usize,
    /// Bootstrap resamples of outcomes' intervals.
    pub bootstrap: usize,
    /// Bootstrap resamples of each month of a series.
    pub series_bootstrap: usize,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Whether levers are inputs.
    pub levers: bool,
    /// Whether the model draws random numbers in its runs (then `(noise)` is an input).
    pub noise: bool,
    /// How the design and the estimators work, in words.
    pub method_notes: Vec<String>,
    /// `--on-fault`: `stop` or `count`. Absent in reports written before it existed.
    #[serde(default)]
    pub on_fault: String,
    /// Design rows left out because one of their runs faulted (`--on-fault count`).
    #[serde(default)]
    pub left_out: u64,
    /// Wall time of the runs and estimates.
    #[serde(flatten)]
    pub timing: Timing,
}

/// The scenario, as charts need it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SensitivityScenario {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Source line for charts.
    pub source: String,
    /// First month.
    pub start: String,
    /// Last month.
    pub end: String,
    /// Label of the bundle analysed.
    pub bundle_label: String,
}

/// An input of the analysis.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    /// Name (`(noise)` for the model's own random draws).
    pub name: String,
    /// `param`, `lever` or `noise`.
    pub kind: InputKind,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Distribution sampled (a lever: uniform over its range).
    pub distribution: String,
    /// Low end of the swing range (5th percentile; a lever's minimum).
    pub low: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// High end of the swing range (95th percentile; a lever's maximum).
    pub high: Option<f64>,
}

/// An outcome (or a series) analysed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutcomeSummary {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Kind (`final`, `sum`, ..., for series the variable kind).
    pub kind: AnalysedKind,
    /// Mean over the Sobol' A and B samples.
    pub mean: Option<f64>,
    /// Variance over the Sobol' A and B samples.
    pub variance: Option<f64>,
    /// One-at-a-time base: mean with every input at its median.
    pub oat_base: Option<f64>,
    /// Why some numbers are missing, if they are.
    pub note: String,
}

/// One (outcome, input) pair: every method's numbers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SensitivityRecord {
    /// Outcome.
    pub outcome: String,
    /// Input.
    pub input: String,
    /// `param`, `lever` or `noise`.
    pub input_kind: InputKind,
    /// Sobol' first-order index (Saltelli 2010).
    pub s1: Option<f64>,
    /// Lower end of its bootstrap interval.
    pub s1_ci_low: Option<f64>,
    /// Upper end.
    pub s1_ci_high: Option<f64>,
    /// Sobol' total index (Jansen 1999).
    pub st: Option<f64>,
    /// Lower end of its bootstrap interval.
    pub st_ci_low: Option<f64>,
    /// Upper end.
    pub st_ci_high: Option<f64>,
    /// Morris mean absolute elementary effect, outcome units per swing range.
    pub mu_star: Option<f64>,
    /// Lower end of its bootstrap interval.
    pub mu_star_ci_low: Option<f64>,
    /// Upper end.
    pub mu_star_ci_high: Option<f64>,
    /// Morris mean elementary effect (its sign is the direction).
    pub mu: Option<f64>,
    /// Morris standard deviation of the elementary effects.
    pub sigma: Option<f64>,
    /// One-at-a-time: the input's low value.
    pub input_low: Option<f64>,
    /// One-at-a-time: the input's high value.
    pub input_high: Option<f64>,
    /// Mean outcome with every input at its median.
    pub outcome_base: Option<f64>,
    /// Mean outcome with this input low, the others at their medians.
    pub outcome_low: Option<f64>,
    /// Mean outcome with this input high.
    pub outcome_high: Option<f64>,
    /// `outcome_high − outcome_low`.
    pub swing: Option<f64>,
    /// Standard error of the swing (paired runs).
    pub swing_se: Option<f64>,
}

/// Sobol' indices of one series in one month.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OverTimeRecord {
    /// Series (variable) name.
    pub series: String,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// Input.
    pub input: String,
    /// First-order index.
    pub s1: Option<f64>,
    /// Lower end of its bootstrap interval.
    pub s1_ci_low: Option<f64>,
    /// Upper end.
    pub s1_ci_high: Option<f64>,
    /// Total index.
    pub st: Option<f64>,
    /// Lower end of its bootstrap interval.
    pub st_ci_low: Option<f64>,
    /// Upper end.
    pub st_ci_high: Option<f64>,
    /// Mean of the series that month.
    pub mean: Option<f64>,
    /// Variance of the series that month.
    pub variance: Option<f64>,
}

/// `sensitivity.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SensitivityReport {
    /// Everything the numbers depend on.
    pub manifest: SensitivityManifest,
    /// The scenario.
    pub scenario: SensitivityScenario,
    /// Inputs, in analysis order (`(noise)` last).
    pub inputs: Vec<InputRecord>,
    /// Outcomes, in scenario order.
    pub outcomes: Vec<OutcomeSummary>,
    /// Series analysed month by month.
    pub series: Vec<OutcomeSummary>,
    /// One record per (outcome, input), outcome-major, inputs in analysis order.
    pub records: Vec<SensitivityRecord>,
    /// One record per (series, month, input).
    pub over_time: Vec<OverTimeRecord>,
}

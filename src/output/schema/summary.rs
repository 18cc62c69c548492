//! `summary.json`, `runs.csv` and `series.csv`: the results of `leversim run` (and the runs of
//! `leversim compare`).
//!
//! `summary.json` is [`Summary`]. Field names follow the brief and are a public interface: add
//! fields, never rename them. Numbers that may be undefined are `Option`s and serialise as `null`.

use serde::{Deserialize, Serialize};

use super::kinds::{Better, InputKind, OutcomeKind, VariableKind};
use super::provenance::{Provenance, Timing};

/// `summary.json`'s `manifest`: the provenance, where the runs start, and how long they took.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Everything the numbers depend on.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Index of the first run (non-zero when reproducing single runs).
    pub first_run: u64,
    /// Wall time of the simulation.
    #[serde(flatten)]
    pub timing: Timing,
}

/// Columns of `series.csv`: per (bundle, variable, month) the mean and percentiles over runs.
pub const SERIES_COLUMNS: [&str; 9] = [
    "bundle", "variable", "month", "mean", "p05", "p25", "p50", "p75", "p95",
];

/// First columns of `runs.csv`; one column per outcome follows, in scenario order, then one
/// column per input ([`Summary::inputs`]: params as `param.NAME`, levers as `lever.NAME`), and
/// with counted faults a last `fault` column names the fault that retired a run.
pub const RUNS_COLUMNS: [&str; 2] = ["bundle", "run"];

/// Prefix of a param's column in `runs.csv`: the value the run drew.
pub const RUNS_PARAM_PREFIX: &str = "param.";

/// Prefix of a lever's column in `runs.csv`: the bundle's value, stated as [`LEVER_STATED_AS`].
pub const RUNS_LEVER_PREFIX: &str = "lever.";

/// How `runs.csv` states a lever whose value changes over the months (a setting that starts
/// late, ramps or follows a schedule): its mean over the months of the horizon.
pub const LEVER_STATED_AS: &str = "mean over the horizon";

/// An input column of `runs.csv`: what a run was made of, beside what it came to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputInfo {
    /// Param or lever name.
    pub name: String,
    /// Its column in `runs.csv` (`param.NAME`, `lever.NAME`).
    pub column: String,
    /// `param` (drawn per run, the same in every bundle's run k) or `lever` (set by the bundle).
    pub kind: InputKind,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// How the value is stated: `drawn` for a param, [`LEVER_STATED_AS`] for a lever.
    pub stated_as: String,
}

/// Last column of `runs.csv` when faults were counted.
pub const RUNS_FAULT_COLUMN: &str = "fault";

/// Distribution of one outcome in one bundle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutcomeRecord {
    /// Bundle.
    pub bundle: String,
    /// Outcome name.
    pub outcome: String,
    /// Unit (`probability` for 0/1 outcomes, `year` for months of first crossing).
    pub unit: String,
    /// Runs with a value (fewer than `runs` only for `first` outcomes that never happened).
    pub n: u64,
    /// Mean; for a 0/1 outcome, the probability.
    pub mean: Option<f64>,
    /// Standard deviation across runs.
    pub sd: Option<f64>,
    /// Standard error of the mean.
    pub se: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// 5th percentile.
    pub p05: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

/// A reported figure checked against a bundle's runs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ObservationRecord {
    /// Bundle checked.
    pub bundle: String,
    /// The observation's id (`variable@month` when the scenario gives none).
    #[serde(default)]
    pub id: String,
    /// Variable.
    pub variable: String,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// Reported value.
    pub observed: f64,
    /// 5th percentile of the runs at that month.
    pub p05: f64,
    /// Median of the runs.
    pub p50: f64,
    /// 95th percentile of the runs.
    pub p95: f64,
    /// Whether the reported value lies in [p05, p95].
    pub inside: bool,
    /// |p50 - observed| / |observed|.
    pub median_rel_error: f64,
    /// Allowed relative error of the median.
    pub tolerance: f64,
    /// `inside` and the median within tolerance.
    pub pass: bool,
    /// Source of the report.
    pub note: String,
}

/// An outcome's description.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutcomeInfo {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Kind (`final`, `max`, ..., `probability`).
    pub kind: OutcomeKind,
    /// `lower`, `higher` or `none`.
    pub better: Better,
    /// Whether this outcome is the bundle's cost.
    pub is_cost: bool,
}

/// A variable's description.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VariableInfo {
    /// Name.
    pub name: String,
    /// Kind (`stock`, `flow`, `aux`, `event`, `lever_cost`).
    pub kind: VariableKind,
    /// Unit.
    pub unit: String,
    /// Label.
    pub label: String,
    /// Actor, if any.
    pub actor: String,
    /// Whether series.csv has it.
    pub recorded: bool,
}

/// A bundle's description.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BundleInfo {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: String,
    /// The levers the bundle sets, in the order written (the others keep their defaults).
    /// Absent in results written before it existed.
    #[serde(default)]
    pub settings: Vec<SettingInfo>,
}

/// One lever setting of a bundle.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SettingInfo {
    /// Lever name.
    pub lever: String,
    /// The value it is set to (for a schedule, the last value).
    pub value: f64,
    /// First month of the setting (`YYYY-MM`; empty: from the lever's own start).
    pub from: String,
    /// Whether the setting is a schedule (then `value` is its last value and `from` its first
    /// month). Absent in results written before it existed.
    #[serde(default)]
    pub schedule: bool,
}

/// A lever's description.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LeverInfo {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// What the lever does, in the scenario's words.
    pub note: String,
    /// Value when a bundle does not set it.
    pub default: f64,
    /// First month in which bundles' settings apply (`YYYY-MM`; empty: from the start).
    pub from: String,
    /// Cost per year as the scenario writes it (a formula, in `cost_unit`; empty: none).
    pub cost: String,
}

/// The scenario's `[report]`: what the briefing page says and shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ReportInfo {
    /// The question the scenario answers.
    pub question: String,
    /// Outcomes reported, in order (empty: the default choice).
    pub outcomes: Vec<String>,
    /// Series drawn as fan charts (empty: the default choice).
    pub series: Vec<String>,
    /// Assumptions, in the scenario's words.
    pub assumptions: Vec<String>,
    /// Limitations, in the scenario's words.
    pub limitations: Vec<String>,
}

/// Chart settings from the scenario's `[charts]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChartsInfo {
    /// Series drawn as fan charts (empty: the default choice).
    pub series: Vec<String>,
    /// Outcomes charted (empty: all).
    pub outcomes: Vec<String>,
    /// Outcomes on the dashboard (empty: the default choice).
    pub dashboard: Vec<String>,
    /// Bundles drawn in fan charts, distributions and exceedance curves (empty: every bundle
    /// run). Absent in results written before it existed.
    #[serde(default)]
    pub bundles: Vec<String>,
    /// Titles by name.
    pub titles: Vec<(String, String)>,
}

/// What the scenario declared, for readers of the results.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScenarioInfo {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Source line for charts.
    pub source: String,
    /// First month.
    pub start: String,
    /// Last month.
    pub end: String,
    /// Unit of costs.
    pub cost_unit: String,
    /// Baseline bundle.
    pub baseline: String,
    /// Bundles declared.
    pub bundles: Vec<BundleInfo>,
    /// Outcomes declared.
    pub outcomes: Vec<OutcomeInfo>,
    /// Variables declared.
    pub variables: Vec<VariableInfo>,
    /// Chart settings.
    pub charts: ChartsInfo,
    /// Levers declared. Absent in results written before it existed.
    #[serde(default)]
    pub levers: Vec<LeverInfo>,
    /// The briefing report's settings. Absent in results written before it existed.
    #[serde(default)]
    pub report: ReportInfo,
}

/// Numeric faults counted with `--on-fault count`, per bundle and variable: the runs they
/// retired are left out of every statistic.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FaultRecord {
    /// Bundle.
    pub bundle: String,
    /// Variable (or `x.hazard`, `outcome y`) that took a bad value.
    pub variable: String,
    /// `non-finite`, `stock-bound` or `bad-hazard`.
    pub kind: String,
    /// Runs retired by this fault.
    pub count: u64,
    /// The first such run (to reproduce with `--run`).
    pub first_run: u64,
    /// Its month (`YYYY-MM`, or `init` for initial values).
    pub first_month: String,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Everything the numbers depend on.
    pub manifest: Manifest,
    /// One record per (bundle, outcome).
    pub outcomes: Vec<OutcomeRecord>,
    /// One record per (bundle, observation).
    pub observations: Vec<ObservationRecord>,
    /// Faults counted with `--on-fault count` (empty otherwise).
    #[serde(default)]
    pub faults: Vec<FaultRecord>,
    /// The scenario's declarations.
    pub scenario: ScenarioInfo,
    /// The input columns of `runs.csv`, in column order (empty in results written before
    /// runs.csv held its inputs).
    #[serde(default)]
    pub inputs: Vec<InputInfo>,
    /// Bounds and ranges reported for a recorded variable at a month, for the charts (empty in
    /// results written before they were kept).
    #[serde(default)]
    pub bounds: Vec<BoundRecord>,
    /// Every reported figure of the scenario (`[[observations]]`: points, bounds and ranges,
    /// of variables and of expressions), in scenario order, against the baseline bundle's runs
    /// (empty in results written before they were kept, and when the scenario reports none).
    #[serde(default)]
    pub figures: Vec<FigureRecord>,
}

/// One reported figure (an `[[observations]]` entry) against the distribution over the
/// baseline bundle's runs of what it reports: the observation's variable at its month, or its
/// expression (window sums, differences, ...) read at its month, evaluated in every run by the
/// compiled observables that `leversim calibrate` fits.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FigureRecord {
    /// Bundle whose runs are compared (the scenario's baseline).
    pub bundle: String,
    /// The observation's id.
    pub id: String,
    /// `fit` or `check` (its role in calibration).
    pub role: String,
    /// What is reported: a variable name or an expression.
    pub target: String,
    /// The variable, for observations of a variable.
    pub variable: Option<String>,
    /// Unit of the variable (empty for expressions).
    pub unit: String,
    /// Month at whose end the target is read, `YYYY-MM`.
    pub month: String,
    /// `point`, `min` (at least), `max` (at most) or `range`.
    pub figure: String,
    /// The reported value (points).
    pub value: Option<f64>,
    /// The lower bound (`min`) or low end (`range`).
    pub low: Option<f64>,
    /// The upper bound (`max`) or high end (`range`).
    pub high: Option<f64>,
    /// The report's own 90% range of a point value, from its stated spread or the history
    /// check's tolerance: low end.
    pub stated_p05: Option<f64>,
    /// Its high end.
    pub stated_p95: Option<f64>,
    /// Runs with a value (fewer than `runs` only when faults were counted).
    pub n: u64,
    /// 5th percentile of the runs' values.
    pub p05: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// A point inside [p05, p95]; a bound or range that [p05, p95] reaches.
    pub inside: bool,
    /// Whether the median satisfies a bound or range (points: none).
    pub met: Option<bool>,
    /// Share of runs that satisfy a bound or range (points: none).
    pub p_met: Option<f64>,
    /// |median − value| / |value| (points only; |median| for a value of 0).
    pub rel_error: Option<f64>,
    /// Where the figure comes from.
    pub source: String,
    /// Notes.
    pub note: String,
}

impl FigureRecord {
    /// Whether the runs reproduce the figure: a point inside [p05, p95], a bound or range that
    /// the median meets.
    pub fn reproduced(&self) -> bool {
        match self.figure.as_str() {
            "point" => self.inside,
            _ => self.met == Some(true),
        }
    }
}

/// A bound or range reported for a recorded variable at a month (`min`, `max` or `range` in
/// the scenario). Fan charts draw it as a ≥ / ≤ marker; `leversim calibrate` scores it; the
/// history check of `run`, which compares point values with medians, does not.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BoundRecord {
    /// The observation's id.
    pub id: String,
    /// Variable.
    pub variable: String,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// The reported lower bound ("more than"), if any.
    pub low: Option<f64>,
    /// The reported upper bound ("up to"), if any.
    pub high: Option<f64>,
    /// Source of the report.
    pub note: String,
}

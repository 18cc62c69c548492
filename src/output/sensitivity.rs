//! The results folder of `leversim sensitivity`: its public format and its writer.
//!
//! The folder (default `output/<name>-sensitivity/`, a sibling of the run results so that a
//! later `leversim run` never replaces it) holds:
//! - `sensitivity.json`: [`SensitivityReport`], written last;
//! - `sensitivity.csv`: [`SensitivityRecord`]s, one row per (outcome, input);
//! - `sensitivity_over_time.csv`: [`OverTimeRecord`]s, one row per (series, month, input);
//! - `charts/`: tornado, first-order against total, Morris and over-time charts.
//!
//! Field names are a public interface: add fields, never rename them. A value a method did not
//! compute (Morris fields after a Sobol' analysis, say) is `null` in JSON and empty in CSV.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::schema::{FileHash, RngInfo};
use super::summary::outcome_unit;
use crate::model::Model;
use crate::scenario::Scenario;
use crate::sensitivity::sobol::SobolColumn;
use crate::sensitivity::{Analysis, Input, NOISE, Settings};

/// Everything the numbers depend on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SensitivityManifest {
    /// Scenario path as given.
    pub scenario: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Files read, in load order, with their SHA-256.
    pub files: Vec<FileHash>,
    /// leversim version.
    pub version: String,
    /// Random-number generation.
    pub rng: RngInfo,
    /// Master seed (design, bootstrap and the model's draws).
    pub seed: u64,
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
    /// Model runs done.
    pub runs: u64,
    /// `--on-fault`: `stop` or `count`. Absent in reports written before it existed.
    #[serde(default)]
    pub on_fault: String,
    /// Design rows left out because one of their runs faulted (`--on-fault count`).
    #[serde(default)]
    pub left_out: u64,
    /// Worker threads (the numbers do not depend on it).
    pub threads: usize,
    /// Wall time of the runs and estimates, seconds.
    pub elapsed_s: f64,
    /// Runs per second of wall time.
    pub runs_per_s: f64,
    /// The command that reproduces these results.
    pub command: String,
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
    pub kind: String,
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
    pub kind: String,
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
    pub input_kind: String,
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

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Builds the report's inputs, outcomes and records (the manifest is the caller's).
pub fn report(
    s: &Scenario,
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    analysis: &Analysis,
    manifest: SensitivityManifest,
) -> SensitivityReport {
    let noise = analysis.sobol.as_ref().is_some_and(|r| r.noise);
    let mut input_records: Vec<InputRecord> = inputs
        .iter()
        .map(|i| InputRecord {
            name: i.name.clone(),
            kind: i.kind.as_str().to_string(),
            label: i.label.clone(),
            unit: i.unit.clone(),
            distribution: i.dist.describe(),
            low: finite(i.swing_value(0.0)),
            median: finite(i.value(0.5)),
            high: finite(i.swing_value(1.0)),
        })
        .collect();
    if noise {
        input_records.push(InputRecord {
            name: NOISE.to_string(),
            kind: "noise".into(),
            label: "Noise: random draws within runs".into(),
            unit: String::new(),
            distribution: "the run's own random numbers".into(),
            low: None,
            median: None,
            high: None,
        });
    }

    let mut outcomes = Vec::new();
    let mut records = Vec::new();
    for (k, o) in model.outcomes.iter().enumerate() {
        let declared = s.outcomes.iter().find(|d| d.name.value == o.name);
        let sobol = analysis.sobol.as_ref().and_then(|r| r.outcomes[k].as_ref());
        let morris = analysis.morris.as_ref().map(|r| &r.outcomes[k]);
        let oat = analysis.oat.as_ref().and_then(|r| r.outcomes[k].as_ref());
        let oat_base = analysis.oat.as_ref().and_then(|r| r.base[k]);
        let mut notes = Vec::new();
        if analysis.missing.get(k).copied().unwrap_or(false) {
            notes.push(
                "not analysed: some runs have no value (the event of a `first` outcome did not always happen); analyse a `probability` outcome of the same event instead",
            );
        } else if analysis.sobol.is_some() && sobol.is_none() {
            notes.push("no Sobol' indices: the outcome does not vary");
        }
        outcomes.push(OutcomeSummary {
            name: o.name.clone(),
            label: declared
                .and_then(|d| d.info.label.clone())
                .unwrap_or_else(|| o.name.clone()),
            unit: declared
                .map(|d| outcome_unit(d.kind, &d.info.unit))
                .unwrap_or_default(),
            kind: o.kind.as_str().to_string(),
            mean: sobol.map(|c| c.mean),
            variance: sobol.map(|c| c.variance),
            oat_base,
            note: notes.join("; "),
        });
        for (i, input) in input_records.iter().enumerate() {
            let ix = sobol.and_then(|c| c.indices.get(i));
            let m = morris.and_then(|m| m.get(i).copied().flatten());
            let sw = oat.and_then(|s| s.get(i));
            let points = analysis.oat.as_ref().and_then(|r| r.points.get(i));
            records.push(SensitivityRecord {
                outcome: o.name.clone(),
                input: input.name.clone(),
                input_kind: input.kind.clone(),
                s1: ix.and_then(|x| finite(x.s1)),
                s1_ci_low: ix.and_then(|x| finite(x.s1_ci.0)),
                s1_ci_high: ix.and_then(|x| finite(x.s1_ci.1)),
                st: ix.and_then(|x| finite(x.st)),
                st_ci_low: ix.and_then(|x| finite(x.st_ci.0)),
                st_ci_high: ix.and_then(|x| finite(x.st_ci.1)),
                mu_star: m.and_then(|m| finite(m.mu_star)),
                mu_star_ci_low: m.and_then(|m| finite(m.mu_star_ci.0)),
                mu_star_ci_high: m.and_then(|m| finite(m.mu_star_ci.1)),
                mu: m.and_then(|m| finite(m.mu)),
                sigma: m.and_then(|m| finite(m.sigma)),
                input_low: points.and_then(|p| finite(p.0)),
                input_high: points.and_then(|p| finite(p.2)),
                outcome_base: sw.and(oat_base),
                outcome_low: sw.and_then(|s| finite(s.low)),
                outcome_high: sw.and_then(|s| finite(s.high)),
                swing: sw.and_then(|s| finite(s.high - s.low)),
                swing_se: sw.and_then(|s| finite(s.se)),
            });
        }
    }

    let mut series = Vec::new();
    let mut over_time = Vec::new();
    if let Some(sobol) = &analysis.sobol {
        for (&v, months) in settings.series.iter().zip(&sobol.series) {
            let var = &model.vars[v];
            series.push(OutcomeSummary {
                name: var.name.clone(),
                label: var.label.clone(),
                unit: var.unit.clone(),
                kind: var.kind.as_str().to_string(),
                mean: None,
                variance: None,
                oat_base: None,
                note: String::new(),
            });
            for (m, column) in months.iter().enumerate() {
                push_month(
                    &mut over_time,
                    &var.name,
                    &model.month_at(m).to_string(),
                    column.as_ref(),
                    &input_records,
                );
            }
        }
    }

    SensitivityReport {
        manifest,
        scenario: SensitivityScenario {
            name: s.meta.name.value.clone(),
            title: s.meta.title.clone(),
            source: s.meta.source.clone(),
            start: s.meta.start.value.to_string(),
            end: s.meta.end.value.to_string(),
            bundle_label: model
                .bundles
                .get(settings.bundle)
                .map(|b| b.label.clone())
                .unwrap_or_default(),
        },
        inputs: input_records,
        outcomes,
        series,
        records,
        over_time,
    }
}

fn push_month(
    out: &mut Vec<OverTimeRecord>,
    series: &str,
    month: &str,
    column: Option<&SobolColumn>,
    inputs: &[InputRecord],
) {
    for (i, input) in inputs.iter().enumerate() {
        let ix = column.and_then(|c| c.indices.get(i));
        out.push(OverTimeRecord {
            series: series.to_string(),
            month: month.to_string(),
            input: input.name.clone(),
            s1: ix.and_then(|x| finite(x.s1)),
            s1_ci_low: ix.and_then(|x| finite(x.s1_ci.0)),
            s1_ci_high: ix.and_then(|x| finite(x.s1_ci.1)),
            st: ix.and_then(|x| finite(x.st)),
            st_ci_low: ix.and_then(|x| finite(x.st_ci.0)),
            st_ci_high: ix.and_then(|x| finite(x.st_ci.1)),
            mean: column.and_then(|c| finite(c.mean)),
            variance: column.and_then(|c| finite(c.variance)),
        });
    }
}

/// Writes `sensitivity.csv`, `sensitivity_over_time.csv` and, last, `sensitivity.json` into
/// `dir` (a [`super::ResultsWriter`]'s temporary folder).
///
/// # Errors
/// On I/O failure.
pub fn write_report(dir: &Path, report: &SensitivityReport) -> Result<()> {
    let blank = OverTimeRecord {
        series: String::new(),
        month: String::new(),
        input: String::new(),
        s1: None,
        s1_ci_low: None,
        s1_ci_high: None,
        st: None,
        st_ci_low: None,
        st_ci_high: None,
        mean: None,
        variance: None,
    };
    let blank_record = SensitivityRecord {
        outcome: String::new(),
        input: String::new(),
        input_kind: String::new(),
        s1: None,
        s1_ci_low: None,
        s1_ci_high: None,
        st: None,
        st_ci_low: None,
        st_ci_high: None,
        mu_star: None,
        mu_star_ci_low: None,
        mu_star_ci_high: None,
        mu: None,
        sigma: None,
        input_low: None,
        input_high: None,
        outcome_base: None,
        outcome_low: None,
        outcome_high: None,
        swing: None,
        swing_se: None,
    };
    write_csv(&dir.join("sensitivity.csv"), &report.records, &blank_record)?;
    write_csv(
        &dir.join("sensitivity_over_time.csv"),
        &report.over_time,
        &blank,
    )?;
    let path = dir.join("sensitivity.json");
    let text = serde_json::to_string_pretty(report).context("could not encode sensitivity.json")?;
    std::fs::write(&path, text + "\n")
        .with_context(|| format!("could not write '{}' (is the disk full?)", path.display()))
}

/// Reads `sensitivity.json` from a results folder.
///
/// # Errors
/// When the file is missing or not a sensitivity report.
pub fn read_report(dir: &Path) -> Result<SensitivityReport> {
    let path = dir.join("sensitivity.json");
    let text = super::folder::read_bounded(&path, super::folder::MAX_JSON_BYTES)?;
    serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a sensitivity report", path.display()))
}

/// Writes `rows` with a header; with no rows, the header of `empty` alone (the csv crate
/// takes the header from the first record), so that scripts always find the columns.
fn write_csv<T: Serialize>(path: &Path, rows: &[T], empty: &T) -> Result<()> {
    if rows.is_empty() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(empty)
            .context("could not encode a CSV header")?;
        let bytes = w.into_inner().context("could not encode a CSV header")?;
        let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        return std::fs::write(path, [header, b"\n"].concat())
            .with_context(|| format!("could not write '{}'", path.display()));
    }
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("could not create '{}'", path.display()))?;
    for row in rows {
        w.serialize(row)
            .with_context(|| format!("could not write '{}'", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("could not write '{}'", path.display()))
}

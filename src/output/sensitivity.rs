//! The results folder of `leversim sensitivity`: its records, built from an analysis, and its
//! writer.
//!
//! The folder (default `output/<name>-sensitivity/`, a sibling of the run results so that a
//! later `leversim run` never replaces it) holds:
//! - `sensitivity.json`: [`SensitivityReport`], written last;
//! - `sensitivity.csv`: [`SensitivityRecord`]s, one row per (outcome, input);
//! - `sensitivity_over_time.csv`: [`OverTimeRecord`]s, one row per (series, month, input);
//! - `charts/`: tornado, first-order against total, Morris and over-time charts.
//!
//! The format itself is defined in [`crate::output::schema::sensitivity`] (re-exported here).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

pub use super::schema::sensitivity::{
    InputRecord, OutcomeSummary, OverTimeRecord, SensitivityManifest, SensitivityRecord,
    SensitivityReport, SensitivityScenario,
};
use super::schema::{AnalysedKind, InputKind};
use super::write::text_cell;
use crate::model::Model;
use crate::scenario::Scenario;
use crate::sensitivity::sobol::SobolColumn;
use crate::sensitivity::{Analysis, Input, NOISE, Settings, noise_inputs};

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
            kind: match i.kind {
                crate::sensitivity::InputKind::Param(_) => InputKind::Param,
                crate::sensitivity::InputKind::Lever(_) => InputKind::Lever,
            },
            label: i.label.clone(),
            unit: i.unit.clone(),
            distribution: if i.posterior.is_some() {
                format!("posterior marginal (prior {})", i.dist.describe())
            } else {
                i.dist.describe()
            },
            low: finite(i.swing_value(0.0)),
            median: finite(i.value(0.5)),
            high: finite(i.swing_value(1.0)),
        })
        .collect();
    if noise {
        for n in noise_inputs(Some(s), model, settings.noise) {
            input_records.push(InputRecord {
                distribution: if n.name == NOISE {
                    "the run's own random numbers".into()
                } else {
                    "the random numbers this item draws in a run".into()
                },
                name: n.name,
                kind: InputKind::Noise,
                label: n.label,
                unit: String::new(),
                low: None,
                median: None,
                high: None,
            });
        }
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
                .map(|d| d.kind.unit(&d.info.unit))
                .unwrap_or_default(),
            kind: AnalysedKind::Outcome(o.kind),
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
                input_kind: input.kind,
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
                kind: AnalysedKind::Variable(var.kind),
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
        input_kind: InputKind::Param,
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

/// Writes `rows` with a header; with no rows, the header of `empty` alone (the csv crate
/// takes the header from the first record), so that scripts always find the columns. Every cell
/// passes through [`text_cell`], as in every other CSV leversim writes, so that no text can
/// reach a spreadsheet as a formula.
fn write_csv<T: Serialize>(path: &Path, rows: &[T], empty: &T) -> Result<()> {
    let encoded = encode_csv(rows, empty).context("could not encode a CSV table")?;
    std::fs::write(path, encoded).with_context(|| format!("could not write '{}'", path.display()))
}

/// The CSV bytes of `rows` (or of `empty`'s header alone), every cell neutralised.
fn encode_csv<T: Serialize>(rows: &[T], empty: &T) -> Result<Vec<u8>> {
    let mut raw = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        raw.serialize(empty)?;
    }
    for row in rows {
        raw.serialize(row)?;
    }
    let raw = raw.into_inner()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(raw.as_slice());
    let mut out = csv::Writer::from_writer(Vec::new());
    for (i, record) in reader.records().enumerate() {
        if rows.is_empty() && i > 0 {
            break;
        }
        out.write_record(record?.iter().map(|c| text_cell(c).into_owned()))?;
    }
    Ok(out.into_inner()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::encode_csv;

    #[derive(serde::Serialize)]
    struct Row {
        input: String,
        value: Option<f64>,
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_neutralised() {
        let rows = [
            Row {
                input: "=cmd|' /C calc'!A0".into(),
                value: Some(-2.5),
            },
            Row {
                input: "@SUM(A1)".into(),
                value: None,
            },
        ];
        let empty = Row {
            input: String::new(),
            value: None,
        };
        let text = String::from_utf8(encode_csv(&rows, &empty).unwrap()).unwrap();
        assert_eq!(text, "input,value\n'=cmd|' /C calc'!A0,-2.5\n'@SUM(A1),\n");
        let header_only = String::from_utf8(encode_csv(&[], &empty).unwrap()).unwrap();
        assert_eq!(header_only, "input,value\n");
    }
}

//! Paired comparisons recomputed from `runs.csv`, for a folder of `leversim run` that has no
//! `comparison.json`.
//!
//! Run *k* of every bundle saw the same random draws (common random numbers), so the rows of
//! `runs.csv` with the same `run` index are pairs. The statistics are those of `leversim
//! compare` ([`crate::stats::paired::compare`], a pure function of the two columns): a pair in
//! which either run was retired by a counted fault is left out, as `compare` leaves it out. This
//! module reads the file only; it never touches the engine.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::output::folder::{MAX_CSV_BYTES, open_bounded};
use crate::output::schema::{
    Comparison, ComparisonRecord, RUNS_COLUMNS, RUNS_FAULT_COLUMN, RUNS_LEVER_PREFIX,
    RUNS_PARAM_PREFIX, Summary,
};
use crate::stats::paired::compare;

/// One bundle's runs: the value of each outcome in each run (NaN: none), by run index.
#[derive(Clone, Debug, Default)]
struct BundleRuns {
    /// Outcome values, `values[outcome][row]`.
    values: Vec<Vec<f64>>,
    /// Run index of each row.
    run: Vec<u64>,
    /// Whether each row's run was retired by a fault.
    retired: Vec<bool>,
}

/// The paired comparison of every bundle run with `reference`, from `dir/runs.csv`; `None` when
/// the reference was not run.
///
/// # Errors
/// When `runs.csv` cannot be read or does not have the columns `summary.json` describes.
pub fn comparison_from_runs(
    dir: &Path,
    summary: &Summary,
    reference: &str,
) -> Result<Option<Comparison>> {
    let bundles = read_runs(&dir.join("runs.csv"))?;
    let (names, by_bundle) = bundles;
    let Some(y_runs) = by_bundle.get(reference) else {
        return Ok(None);
    };
    let mut records = Vec::new();
    for outcome in &summary.scenario.outcomes {
        let Some(k) = names.iter().position(|n| *n == outcome.name) else {
            bail!(
                "runs.csv has no column for the outcome `{}` that summary.json lists",
                outcome.name
            );
        };
        for bundle in &summary.manifest.provenance.bundles {
            if bundle == reference {
                continue;
            }
            let Some(x_runs) = by_bundle.get(bundle) else {
                continue;
            };
            let (x, y) = pairs(x_runs, y_runs, k);
            let c = compare(&x, &y, outcome.better.into());
            records.push(ComparisonRecord {
                bundle: bundle.clone(),
                reference: reference.to_string(),
                outcome: outcome.name.clone(),
                unit: outcome.unit.clone(),
                better: outcome.better,
                n: c.n,
                improvement: outcome
                    .better
                    .improvement_sign()
                    .zip(c.mean_diff)
                    .map(|(s, d)| s * d),
                mean_diff: c.mean_diff,
                se_paired: c.se_paired,
                se_independent: c.se_independent,
                ci95_low: c.ci95_low,
                ci95_high: c.ci95_high,
                median_diff: c.median_diff,
                p_better: c.p_better,
                p_tie: c.p_tie,
                rel_change: c.rel_change,
            });
        }
    }
    Ok(Some(Comparison {
        reference: reference.to_string(),
        cost_outcome: summary
            .scenario
            .outcomes
            .iter()
            .find(|o| o.is_cost)
            .map(|o| o.name.clone()),
        records,
        cost_effect: Vec::new(),
        manifest: summary.manifest.provenance.clone(),
    }))
}

/// The values of outcome `k` in the runs both bundles have and neither retired, in run order.
fn pairs(x: &BundleRuns, y: &BundleRuns, k: usize) -> (Vec<f64>, Vec<f64>) {
    let row_of: BTreeMap<u64, usize> = y.run.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for (i, run) in x.run.iter().enumerate() {
        let Some(&j) = row_of.get(run) else {
            continue;
        };
        if x.retired[i] || y.retired[j] {
            continue;
        }
        xs.push(x.values[k][i]);
        ys.push(y.values[k][j]);
    }
    (xs, ys)
}

type Runs = (Vec<String>, BTreeMap<String, BundleRuns>);

/// Reads `runs.csv`: the outcome columns' names and every bundle's rows.
fn read_runs(path: &Path) -> Result<Runs> {
    let file = open_bounded(path, MAX_CSV_BYTES)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("could not read '{}'", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < 2 || header[..2] != RUNS_COLUMNS {
        bail!(
            "'{}' does not start with the columns bundle,run",
            path.display()
        );
    }
    let fault =
        (header.last().map(String::as_str) == Some(RUNS_FAULT_COLUMN)).then(|| header.len() - 1);
    let end = fault.unwrap_or(header.len());
    let end = (2..end)
        .find(|&c| {
            header[c].starts_with(RUNS_PARAM_PREFIX) || header[c].starts_with(RUNS_LEVER_PREFIX)
        })
        .unwrap_or(end);
    let names: Vec<String> = header[2..end].to_vec();
    let mut out: BTreeMap<String, BundleRuns> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.with_context(|| format!("could not read '{}'", path.display()))?;
        let bundle = out
            .entry(record[0].to_string())
            .or_insert_with(|| BundleRuns {
                values: vec![Vec::new(); names.len()],
                ..BundleRuns::default()
            });
        let run: u64 = record[1].parse().with_context(|| {
            format!(
                "'{}' line {line}: `{}` is not a run index",
                path.display(),
                &record[1]
            )
        })?;
        bundle.run.push(run);
        bundle
            .retired
            .push(fault.is_some_and(|c| record.get(c).is_some_and(|f| !f.is_empty())));
        for (k, column) in bundle.values.iter_mut().enumerate() {
            let cell = record.get(k + 2).unwrap_or("");
            let v = if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().with_context(|| {
                    format!("'{}' line {line}: `{cell}` is not a number", path.display())
                })?
            };
            column.push(v);
        }
    }
    Ok((names, out))
}

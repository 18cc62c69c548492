//! Lever sweeps: outcomes across a grid of one or two levers.
//!
//! Each grid point becomes a bundle: the base bundle with the swept levers set as constants (from
//! each lever's `from` month, ramping as it declares, exactly like `--set`). All points run on
//! the same run indices, so they share their random numbers and the response curves are smooth:
//! differences between neighbouring points are the levers' effect, not sampling noise.

use crate::engine::RunOutput;
use crate::model::{BundlePlan, Model};
pub use crate::output::schema::sweep::{SweepLever, SweepRecord, SweepReport};
use crate::scenario::Scenario;
use crate::stats::summarize;

/// Most grid points a sweep may have.
pub const MAX_POINTS: usize = 2000;

/// One swept lever and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct LeverGrid {
    /// Lever index in the model.
    pub lever: usize,
    /// Lever name.
    pub name: String,
    /// Values, increasing.
    pub values: Vec<f64>,
}

/// Parses `NAME=FROM:TO:STEP` against the scenario's levers.
///
/// # Errors
/// A message for the user when the name is unknown, the numbers are malformed, the grid is
/// empty or too large, or it leaves the lever's range.
pub fn parse_grid(spec: &str, s: &Scenario) -> Result<LeverGrid, String> {
    let usage =
        || format!("--lever {spec}: expected NAME=FROM:TO:STEP, e.g. --lever enforcement=0:1:0.1");
    let (name, range) = spec.split_once('=').ok_or_else(usage)?;
    let name = name.trim();
    let Some(lever) = s.levers.iter().position(|l| l.name.value == name) else {
        let hint = crate::diag::suggest::did_you_mean(
            name,
            s.levers.iter().map(|l| l.name.value.as_str()),
        )
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
        return Err(format!(
            "--lever {spec}: `{name}` is not a lever of this scenario{hint}"
        ));
    };
    let parts: Vec<f64> = range
        .split(':')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(usage)?;
    let [from, to, step] = parts[..] else {
        return Err(usage());
    };
    if step <= 0.0 || to < from {
        return Err(format!("--lever {spec}: need FROM <= TO and STEP > 0"));
    }
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if count > MAX_POINTS as f64 {
        return Err(format!(
            "--lever {spec}: {count} values; a sweep takes at most {MAX_POINTS} points"
        ));
    }
    let values: Vec<f64> = (0..count as usize)
        .map(|i| from + step * i as f64)
        .collect();
    let (lo, hi) = s.levers[lever].range.value;
    if let Some(v) = values.iter().find(|v| **v < lo - 1e-12 || **v > hi + 1e-12) {
        return Err(format!(
            "--lever {spec}: {v} is outside the range [{lo}, {hi}] of `{name}`"
        ));
    }
    Ok(LeverGrid {
        lever,
        name: name.to_string(),
        values,
    })
}

/// A copy of `model` whose bundles are the grid points (the base bundle with the swept levers
/// set), and each point's lever values.
///
/// # Errors
/// When the grid has too many points or sweeps a lever twice.
pub fn grid_model(
    model: &Model,
    base: usize,
    grids: &[LeverGrid],
) -> Result<(Model, Vec<Vec<f64>>), String> {
    if grids.len() == 2 && grids[0].lever == grids[1].lever {
        return Err("the two --lever flags name the same lever".into());
    }
    let points: Vec<Vec<f64>> = match grids {
        [a] => a.values.iter().map(|v| vec![*v]).collect(),
        [a, b] => a
            .values
            .iter()
            .flat_map(|x| b.values.iter().map(move |y| vec![*x, *y]))
            .collect(),
        _ => return Err("give one or two --lever flags".into()),
    };
    if points.len() > MAX_POINTS {
        return Err(format!(
            "{} grid points; a sweep takes at most {MAX_POINTS}",
            points.len()
        ));
    }
    let n_levers = model.lever_slots.len();
    let base_plan = &model.bundles[base];
    let bundles = points
        .iter()
        .map(|point| {
            let mut levers = base_plan.levers.clone();
            for (grid, value) in grids.iter().zip(point) {
                let j = grid.lever;
                let default = model.lever_defaults[j];
                for m in 0..model.n_months {
                    let share = model.lever_share[m * n_levers + j];
                    levers[m * n_levers + j] = default + (value - default) * share;
                }
            }
            let name = grids
                .iter()
                .zip(point)
                .map(|(g, v)| format!("{}={v}", g.name))
                .collect::<Vec<_>>()
                .join(",");
            BundlePlan {
                label: name.clone(),
                name,
                levers,
            }
        })
        .collect();
    let mut swept = model.clone();
    swept.bundles = bundles;
    swept.baseline = 0;
    Ok((swept, points))
}

/// The records of a finished sweep (`out` from running the grid model).
pub fn sweep_records(
    s: &Scenario,
    model: &Model,
    out: &RunOutput,
    points: &[Vec<f64>],
) -> Vec<SweepRecord> {
    let n_out = model.outcomes.len();
    let mut records = Vec::new();
    for (b, point) in points.iter().enumerate() {
        for (k, o) in s.outcomes.iter().enumerate() {
            // Run k of every point shares its random numbers: the paired difference from the
            // first point measures how precisely differences between points are known.
            let first = out.outcomes[0].chunks_exact(n_out).map(|r| r[k]);
            let diffs: Vec<f64> = out.outcomes[b]
                .chunks_exact(n_out)
                .map(|r| r[k])
                .zip(first)
                .map(|(a, z)| a - z)
                .filter(|d| !d.is_nan())
                .collect();
            let values: Vec<f64> = out.outcomes[b]
                .chunks_exact(n_out)
                .map(|r| r[k])
                .filter(|v| !v.is_nan())
                .collect();
            let summary = summarize(&values);
            records.push(SweepRecord {
                levers: point.clone(),
                outcome: o.name.value.clone(),
                n: values.len() as u64,
                mean: summary.as_ref().map(|s| s.mean),
                se: summary.as_ref().and_then(|s| s.se),
                p05: summary.as_ref().map(|s| s.p05),
                p50: summary.as_ref().map(|s| s.p50),
                p95: summary.as_ref().map(|s| s.p95),
                diff_se: paired_se(&diffs),
            });
        }
    }
    records
}

/// The standard error of the mean of paired differences `d`; `None` with fewer than two.
fn paired_se(d: &[f64]) -> Option<f64> {
    let n = d.len();
    if n < 2 {
        return None;
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((var / n as f64).sqrt())
}

/// The swept levers' descriptions: label, unit, range, the base bundle's setting at the last
/// month, and the values swept.
pub fn lever_info(
    s: &Scenario,
    model: &Model,
    base: usize,
    grids: &[LeverGrid],
) -> Vec<SweepLever> {
    let n_levers = model.lever_slots.len();
    let last = model.n_months.saturating_sub(1);
    grids
        .iter()
        .map(|g| {
            let lever = &s.levers[g.lever];
            SweepLever {
                name: g.name.clone(),
                label: lever.info.label.clone().unwrap_or_else(|| g.name.clone()),
                unit: lever.info.unit.clone(),
                range: lever.range.value,
                base: model.bundles[base]
                    .levers
                    .get(last * n_levers + g.lever)
                    .copied()
                    .unwrap_or(lever.default.value),
                values: g.values.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_se_is_the_sample_sd_over_root_n() {
        // Mean 2.5, sample variance 5/3, so the standard error is sqrt(5/3 / 4).
        let se = paired_se(&[1.0, 2.0, 3.0, 4.0]).unwrap_or(f64::NAN);
        assert!((se - (5.0f64 / 12.0).sqrt()).abs() < 1e-15, "{se}");
        assert_eq!(paired_se(&[2.0, 2.0]), Some(0.0));
        assert_eq!(paired_se(&[1.0]), None);
        assert_eq!(paired_se(&[]), None);
    }
}

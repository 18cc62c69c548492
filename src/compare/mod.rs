//! Comparing bundles: paired differences against a reference, cost-effectiveness and the
//! Pareto front, and lever sweeps.
//!
//! Everything here works on [`RunOutput`]s whose bundles ran on common random numbers, so that
//! run k of every bundle saw the same draws. The records they make are defined, as every
//! results format, in [`crate::output::schema`].

pub mod sweep;

use crate::engine::RunOutput;
use crate::model::Model;
pub use crate::output::schema::comparison::{Comparison, ComparisonRecord, CostEffectRecord};
use crate::output::summary::{outcome_values, retired};
use crate::scenario::Scenario;
use crate::stats::paired::compare;

/// All values of outcome `k` in planned bundle `b`, NaN where a run has none.
fn column(model: &Model, out: &RunOutput, b: usize, k: usize) -> Vec<f64> {
    out.outcomes[b]
        .chunks_exact(model.outcomes.len())
        .map(|row| row[k])
        .collect()
}

/// Mean of the values of outcome `k` in bundle `b`, without missing values and retired runs.
fn mean_defined(model: &Model, out: &RunOutput, b: usize, k: usize) -> f64 {
    let v = outcome_values(model, out, b, k);
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Compares every planned bundle with `reference` (an index into the planned bundles).
pub fn compare_bundles(
    s: &Scenario,
    model: &Model,
    out: &RunOutput,
    reference: usize,
) -> Comparison {
    let name = |b: usize| model.bundles[out.plan.bundles[b]].name.clone();
    let mut records = Vec::new();
    let retired: Vec<Vec<bool>> = (0..out.plan.bundles.len())
        .map(|b| retired(out, b))
        .collect();
    for (k, o) in s.outcomes.iter().enumerate() {
        let y_all = column(model, out, reference, k);
        for b in (0..out.plan.bundles.len()).filter(|&b| b != reference) {
            // Pairs in which either run was retired by a counted fault are left out.
            let keep = |i: &usize| !retired[b][*i] && !retired[reference][*i];
            let x_all = column(model, out, b, k);
            let x: Vec<f64> = (0..x_all.len()).filter(keep).map(|i| x_all[i]).collect();
            let y: Vec<f64> = (0..y_all.len()).filter(keep).map(|i| y_all[i]).collect();
            let c = compare(&x, &y, o.better.into());
            records.push(ComparisonRecord {
                bundle: name(b),
                reference: name(reference),
                outcome: o.name.value.clone(),
                unit: o.kind.unit(&o.info.unit),
                better: o.better,
                n: c.n,
                improvement: o
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
    let cost_index = s.outcomes.iter().position(|o| o.is_cost);
    let cost_effect =
        cost_index.map_or_else(Vec::new, |ck| cost_effect(s, model, out, reference, ck));
    Comparison {
        reference: name(reference),
        cost_outcome: cost_index.map(|k| s.outcomes[k].name.value.clone()),
        records,
        cost_effect,
        // The caller, which knows the command and the files read, fills this in.
        manifest: Default::default(),
    }
}

fn cost_effect(
    s: &Scenario,
    model: &Model,
    out: &RunOutput,
    reference: usize,
    ck: usize,
) -> Vec<CostEffectRecord> {
    let bundles = out.plan.bundles.len();
    let costs: Vec<f64> = (0..bundles)
        .map(|b| mean_defined(model, out, b, ck))
        .collect();
    let mut records = Vec::new();
    for (k, o) in s.outcomes.iter().enumerate() {
        let Some(sign) = o.better.improvement_sign() else {
            continue;
        };
        if k == ck {
            continue;
        }
        let means: Vec<f64> = (0..bundles)
            .map(|b| mean_defined(model, out, b, k))
            .collect();
        let effects: Vec<f64> = means
            .iter()
            .map(|m| sign * (m - means[reference]))
            .collect();
        for b in 0..bundles {
            let extra_cost = costs[b] - costs[reference];
            let dominated = (0..bundles).any(|j| {
                j != b
                    && costs[j] <= costs[b]
                    && effects[j] >= effects[b]
                    && (costs[j] < costs[b] || effects[j] > effects[b])
            });
            records.push(CostEffectRecord {
                bundle: model.bundles[out.plan.bundles[b]].name.clone(),
                outcome: o.name.value.clone(),
                cost: costs[b],
                extra_cost,
                effect: effects[b],
                effect_per_cost: (extra_cost > 0.0).then(|| effects[b] / extra_cost),
                pareto: !dominated,
            });
        }
    }
    records
}

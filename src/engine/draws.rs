//! What one run drew: the values of its params, for reproducing and explaining a single run and
//! for the per-run inputs of `runs.csv`.

use super::rng::{PARAM_MONTH, run_key, stream};
use super::sample;
use crate::model::Model;

/// The value each of the model's params takes in run `run` of seed `seed`, in
/// [`Model::params`] order: the very draws the engine makes (same stream, same sampler, and the
/// same posterior member when the model draws from a calibration), so `leversim run --run K`
/// can show what run K was made of and `runs.csv` can hold it beside the outcomes.
pub fn param_values(model: &Model, seed: u64, run: u64) -> Vec<f64> {
    let mut values = vec![0.0; model.params.len()];
    param_values_into(model, seed, run, &mut values);
    values
}

/// [`param_values`] into `values` (one per param), without allocating.
pub fn param_values_into(model: &Model, seed: u64, run: u64, values: &mut [f64]) {
    let key = run_key(seed, run);
    for (value, p) in values.iter_mut().zip(&model.params) {
        *value = p.dist.sample(&mut stream(key, p.site, PARAM_MONTH));
    }
    // As in the engine's batch: one posterior member per run, from the run's own stream,
    // replacing the params it sets.
    if let Some(post) = &model.posterior {
        let mut rng = stream(key, post.site, PARAM_MONTH);
        let row = post.row(post.pick(sample::standard_uniform(&mut rng)));
        for (&p, &value) in post.params.iter().zip(row) {
            if let Some(slot) = values.get_mut(p) {
                *slot = value;
            }
        }
    }
}

/// Each lever's mean over the horizon in bundle `bundle` (an index into [`Model::bundles`]), in
/// lever order: how `runs.csv` states a bundle's levers, one number for settings that start
/// late, ramp or follow a schedule.
pub fn lever_means(model: &Model, bundle: usize) -> Vec<f64> {
    let n = model.lever_names.len();
    let mut sums = vec![0.0; n];
    let table = &model.bundles[bundle].levers;
    let months = (table.len() / n.max(1)).max(1);
    for row in table.chunks_exact(n.max(1)) {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    sums.iter().map(|s| s / months as f64).collect()
}

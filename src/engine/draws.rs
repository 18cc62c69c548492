//! What one run drew: the values of its params, for reproducing and explaining a single run.

use super::rng::{PARAM_MONTH, run_key, stream};
use crate::model::Model;

/// The value each of the model's params takes in run `run` of seed `seed`, in
/// [`Model::params`] order: the very draws the engine makes (same stream, same sampler), so
/// `leversim run --run K` can show what run K was made of.
pub fn param_values(model: &Model, seed: u64, run: u64) -> Vec<f64> {
    let key = run_key(seed, run);
    model
        .params
        .iter()
        .map(|p| p.dist.sample(&mut stream(key, p.site, PARAM_MONTH)))
        .collect()
}

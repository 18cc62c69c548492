//! Every observation's target in each run of one bundle, for the record check of `run` and
//! `compare` (`summary.json`'s `figures`).
//!
//! The main runs keep only the outcomes and streaming statistics of recorded variables; an
//! observation that is an expression (`sum(shells, '2023-09', '2023-11')`) or reads a variable
//! that is not recorded has no value there. So the bundle is simulated again with the model
//! whose outcomes are the observations' targets ([`Model::observing`], the compiled observables
//! that calibration fits), stopping after the last observed month and recording no series. The
//! same (seed, run, site) streams give the very runs of the main job, bit for bit, so the values
//! are those of its runs.

use std::sync::atomic::AtomicBool;

use super::{FaultMode, RunError, RunPlan};
use crate::model::Model;

/// Per-run values of the observations' targets in bundle `bundle` (an index into the model's
/// bundles), for the runs of `plan` (its seed, first run, runs and threads): `plan.runs` rows of
/// one value per observation, in the order of [`Model::observables`]. A run that faults is
/// retired (its row is NaN) rather than stopping: the main runs, which ran first, have already
/// reported or counted their faults.
///
/// # Errors
/// Only cancellation.
pub fn observed(
    model: &Model,
    plan: &RunPlan,
    bundle: usize,
    cancel: &AtomicBool,
) -> Result<Vec<f64>, RunError> {
    if model.observables.is_empty() || plan.runs == 0 {
        return Ok(Vec::new());
    }
    let observing = model.observing(Vec::new(), true);
    let plan = RunPlan {
        seed: plan.seed,
        runs: plan.runs,
        first_run: plan.first_run,
        bundles: vec![bundle],
        threads: plan.threads,
        inputs: None,
        on_fault: FaultMode::Count,
    };
    let mut out = super::run(&observing, &plan, &|_| {}, cancel)?;
    Ok(out.outcomes.pop().unwrap_or_default())
}

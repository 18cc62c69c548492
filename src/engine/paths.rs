//! Month-by-month paths of chosen variables for the first runs of each bundle (`[output] paths`),
//! so that fan charts and spaghetti plots can be redrawn outside leversim.
//!
//! The main runs keep only streaming statistics of each month (memory must not grow with the
//! runs), so the sampled runs are simulated again here: the same (seed, run, site) streams give
//! the very values those runs had in the main job, bit for bit. The sample is runs `first_run` to
//! `first_run + runs - 1`: the runs are exchangeable, so the first ones are a random sample, and
//! a reader can match them with the rows of `runs` by run index.

use super::batch::{Batch, BatchSpec, Recorder, simulate};
use super::exec::LANES;
use super::{FaultMode, RunPlan};
use crate::model::Model;

/// The paths of some runs: per planned bundle, per sampled run, per variable, per month.
#[derive(Clone, Debug, PartialEq)]
pub struct Paths {
    /// The variables (indices into `Model::vars`), in the order asked for.
    pub vars: Vec<usize>,
    /// Run index of the first sampled run.
    pub first_run: u64,
    /// Sampled runs per bundle.
    pub runs: u64,
    /// Months of each path.
    pub months: usize,
    /// Per planned bundle: values laid out `[run][var][month]`; NaN where a run was retired by
    /// a counted fault.
    pub values: Vec<Vec<f64>>,
}

impl Paths {
    /// The value of variable number `v` (an index into [`Paths::vars`]) in sampled run `run`
    /// (0 = `first_run`) of planned bundle `b` at month `m`.
    pub fn get(&self, b: usize, run: usize, v: usize, m: usize) -> f64 {
        self.values[b][(run * self.vars.len() + v) * self.months + m]
    }
}

/// Stores what a batch records into its lanes' rows.
struct PathRecorder<'a> {
    /// The batch's rows, `[lane][var][month]`.
    rows: &'a mut [f64],
    vars: usize,
    months: usize,
    active: usize,
}

impl Recorder for PathRecorder<'_> {
    fn record(&mut self, m: usize, r: usize, values: &[f64]) {
        // Fewer values than lanes: retired runs were left out, and which lane each value
        // belongs to is unknown (batches of one lane are used when faults were counted).
        if values.len() != self.active {
            return;
        }
        for (lane, &v) in values.iter().enumerate() {
            self.rows[(lane * self.vars + r) * self.months + m] = v;
        }
    }
}

/// Simulates runs `plan.first_run ..` (at most `runs` of them, and no more than the plan has) of
/// every planned bundle again, recording `vars`. One thread: the sample is small beside the
/// main job. With [`FaultMode::Count`], runs are simulated one per batch so that a retired run
/// leaves NaN in its own path only.
///
/// # Errors
/// The first numeric fault, under [`FaultMode::Stop`] (the main job, which ran first, would
/// have stopped on it already).
pub fn paths(
    model: &Model,
    plan: &RunPlan,
    vars: &[usize],
    runs: u64,
) -> Result<Paths, Box<super::Fault>> {
    let mut model = model.clone();
    model.recorded = vars.to_vec();
    let runs = runs.min(plan.runs);
    let months = model.n_months;
    let width = vars.len() * months;
    let lanes = match plan.on_fault {
        FaultMode::Stop => LANES,
        FaultMode::Count => 1,
    };
    let mut batch = Batch::new(&model);
    let mut values = Vec::with_capacity(plan.bundles.len());
    for &b in &plan.bundles {
        let bundle = &model.bundles[b];
        let mut table = vec![f64::NAN; runs as usize * width];
        let mut outcomes = vec![0.0; LANES * model.outcomes.len()];
        let mut counted = Vec::new();
        let mut done = 0u64;
        while done < runs {
            let active = (runs - done).min(lanes as u64) as usize;
            let spec = BatchSpec {
                bundle,
                bundle_name: &bundle.name,
                seed: plan.seed,
                first_run: plan.first_run + done,
                active,
                inputs: None,
                on_fault: plan.on_fault,
            };
            let start = done as usize * width;
            let mut recorder = PathRecorder {
                rows: &mut table[start..start + active * width],
                vars: vars.len(),
                months,
                active,
            };
            let out = &mut outcomes[..active * model.outcomes.len()];
            simulate(&model, &mut batch, &spec, out, &mut recorder, &mut counted)
                .map_err(Box::new)?;
            done += active as u64;
        }
        values.push(table);
    }
    Ok(Paths {
        vars: vars.to_vec(),
        first_run: plan.first_run,
        runs,
        months,
        values,
    })
}

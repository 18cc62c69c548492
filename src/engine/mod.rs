//! The Monte Carlo engine: a compiled [`Model`] and a [`RunPlan`] in, per-run outcomes and
//! per-month series statistics out.
//!
//! Runs are grouped in fixed chunks of [`CHUNK_RUNS`] per bundle; worker threads take chunks in
//! order from a shared counter. Everything that could depend on which thread did what is made
//! not to: outcome values are stored by run index, series means are summed per chunk and the
//! chunk sums added in chunk order, and the quantile sketches merge exactly (integer counts).
//! So the numbers are bit-identical for any thread count. The engine knows nothing of files.

mod batch;
pub mod draws;
mod ensemble;
pub mod exec;
pub mod observed;
mod parallel;
pub mod paths;
mod resume;
pub mod rng;
pub mod sample;
mod shard;
pub mod vmath;
pub mod vrand;

pub use batch::Recorder;
pub use ensemble::{Ensemble, EnsembleError, POSTERIOR_SITE};
pub use parallel::{
    CHUNK_RUNS, MemoryEstimate, Progress, Stopped, estimate_memory, run, run_from, run_shard,
};
pub use resume::{Partial, UnitDone};
pub use shard::{MAX_SHARDS, Shard};

use crate::model::Model;
use crate::scenario::Month;

/// What went wrong numerically in a run.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// NaN or an infinity (often a division by zero, `ln` of a negative number, an overflow).
    NonFinite,
    /// A stock crossed a declared bound with `bound = "error"`.
    Bound {
        /// Declared minimum.
        min: f64,
        /// Declared maximum.
        max: f64,
    },
    /// A hazard outside [0, 1].
    Hazard,
}

/// A numeric fault, with everything needed to reproduce the one run that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// Variable (or `x.hazard`, `outcome y`) that took the bad value.
    pub var: String,
    /// Month, or `None` for initial values.
    pub month: Option<Month>,
    /// Bundle.
    pub bundle: String,
    /// Run index.
    pub run: u64,
    /// The value.
    pub value: f64,
    /// What is wrong with it.
    pub kind: FaultKind,
}

impl Fault {
    /// A stable code for the kind of fault, as diagnostics have.
    pub fn code(&self) -> &'static str {
        match self.kind {
            FaultKind::NonFinite => "non-finite",
            FaultKind::Bound { .. } => "stock-bound",
            FaultKind::Hazard => "bad-hazard",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let when = self
            .month
            .map_or_else(|| "its initial value".to_string(), |m| m.to_string());
        match &self.kind {
            FaultKind::NonFinite => match self.var.strip_prefix("param ") {
                Some(param) => write!(f, "param `{param}` drew {}", self.value)?,
                None => write!(f, "`{}` became {} in {when}", self.var, self.value)?,
            },
            FaultKind::Bound { min, max } => {
                let bound = if self.value < *min {
                    format!("below its minimum {min}")
                } else {
                    format!("above its maximum {max}")
                };
                write!(
                    f,
                    "stock `{}` went to {} in {when}, {bound}",
                    self.var, self.value
                )?;
            }
            FaultKind::Hazard => write!(
                f,
                "`{}` was {} in {when}, not a probability between 0 and 1",
                self.var, self.value
            )?,
        }
        write!(f, " (bundle `{}`, run {})", self.bundle, self.run)
    }
}

/// What a numeric fault (NaN, infinity, a crossed stock bound, a hazard outside [0, 1]) does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultMode {
    /// Stop at the first fault and report it (the default: a fault is a modelling error).
    #[default]
    Stop,
    /// Retire the faulting run, count the fault, and go on; the run is left out of every
    /// statistic.
    Count,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// Master seed.
    pub seed: u64,
    /// Number of runs per bundle.
    pub runs: u64,
    /// Index of the first run (to reproduce one run: `first_run = k`, `runs = 1`).
    pub first_run: u64,
    /// Bundles to run (indices into the model's bundles), in output order.
    pub bundles: Vec<usize>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Fixed per-run values for some params and levers, replacing their draws or bundle
    /// settings (used by sensitivity analysis); `None` for ordinary runs.
    pub inputs: Option<std::sync::Arc<RunInputs>>,
    /// What a numeric fault does.
    pub on_fault: FaultMode,
}

impl RunPlan {
    /// A plan of `runs` runs of the given bundles, from run 0, stopping at the first fault.
    pub fn new(seed: u64, runs: u64, bundles: Vec<usize>, threads: usize) -> RunPlan {
        RunPlan {
            seed,
            runs,
            first_run: 0,
            bundles,
            threads,
            inputs: None,
            on_fault: FaultMode::Stop,
        }
    }
}

/// Per-run values of chosen params and levers, for designed experiments (Sobol, Morris,
/// one-at-a-time). A lever value applies like a constant bundle setting: from the lever's `from`
/// month, ramping as the lever declares.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInputs {
    /// Params set (indices into `Model::params`).
    pub params: Vec<usize>,
    /// Levers set (indices into `Model::lever_slots`).
    pub levers: Vec<usize>,
    /// Row-major values: for each run of the plan (0 = `first_run`), the params' values then
    /// the levers' values.
    pub values: Vec<f64>,
    /// When not empty, the run index of each row (which keys its random streams) instead of
    /// `first_run + row`: calibration simulates a particle again on the same random numbers.
    pub run_ids: Vec<u64>,
}

impl RunInputs {
    /// Values per run.
    pub fn width(&self) -> usize {
        self.params.len() + self.levers.len()
    }
}

/// Per-month statistics of one recorded variable in one bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct CellStats {
    /// Mean over runs.
    pub mean: f64,
    /// Runs that contributed (all runs, unless faults were counted).
    pub n: u64,
    /// Percentiles 5, 25, 50, 75, 95 (from the streaming sketch).
    pub p: [f64; 5],
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// The percentiles of [`CellStats::p`].
pub const SERIES_PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Everything one run plan produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The plan.
    pub plan: RunPlan,
    /// Per planned bundle: `runs` rows of one value per outcome (NaN = no value, for `first`).
    pub outcomes: Vec<Vec<f64>>,
    /// Per planned bundle: per recorded variable, per month.
    pub series: Vec<Vec<Vec<CellStats>>>,
    /// Faults counted under [`FaultMode::Count`], one per retired run, by planned bundle then
    /// run (empty under [`FaultMode::Stop`]).
    pub faults: Vec<(usize, Fault)>,
    /// Wall time of the runs.
    pub elapsed: std::time::Duration,
    /// Runs (over all bundles) that an interrupted run had finished and this one took over
    /// (`--resume`): not simulated in `elapsed`.
    pub resumed_runs: u64,
}

/// Why a run plan did not complete.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A run produced a numeric fault (the earliest by bundle, then run).
    Fault(Box<Fault>),
    /// The cancel flag was raised.
    Cancelled,
}

/// The model's bundle names for a plan.
pub fn bundle_names(model: &Model, plan: &RunPlan) -> Vec<String> {
    plan.bundles
        .iter()
        .map(|&b| model.bundles[b].name.clone())
        .collect()
}

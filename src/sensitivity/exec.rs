//! Running design points on the engine, in parallel, reproducibly.
//!
//! A design is a list of [`Block`]s: rows of fixed input values and the run index of the first
//! row (rows take consecutive run indices, so two blocks starting at the same index share the
//! model's own random draws row by row: common random numbers). Blocks are cut into units of at
//! most [`CHUNK_RUNS`] rows, and rayon spreads the units over the worker threads; each unit is an
//! ordinary one-thread engine run with [`RunInputs`], so its numbers are those of the engine and
//! cannot depend on which thread ran it. Outcome values come back in block and row order.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use crate::engine::{
    self, CHUNK_RUNS, Fault, FaultMode, Progress, RunError, RunInputs, RunPlan, Shard,
};
use crate::model::Model;

/// Rows of a design that take consecutive run indices.
#[derive(Clone, Debug)]
pub struct Block {
    /// Run index of the first row.
    pub first_run: u64,
    /// Rows of input values, row-major, in the order of the [`RunInputs`] columns (params, then
    /// levers).
    pub values: Vec<f64>,
}

/// Why a design did not complete.
#[derive(Clone, Debug, PartialEq)]
pub enum DesignError {
    /// A run faulted; `values` are the inputs of that run, in column order.
    Fault {
        /// The engine's report.
        fault: Box<Fault>,
        /// The design values of the faulting run.
        values: Vec<f64>,
    },
    /// Cancelled.
    Cancelled,
}

/// Runs every block of the design for `bundle`. `columns` says which params and levers the
/// values set (its `values` are ignored). Returns, per block, one row of outcomes per design row.
///
/// # Errors
/// The fault of the earliest faulting unit (in block and row order, whatever the thread count),
/// or cancellation.
#[allow(clippy::too_many_arguments)]
pub fn run_blocks(
    model: &Model,
    columns: &RunInputs,
    bundle: usize,
    seed: u64,
    threads: usize,
    blocks: &[Block],
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<f64>>, DesignError> {
    let design = Design {
        model,
        columns,
        bundle,
        seed,
        threads,
        on_fault: FaultMode::Stop,
        kept: None,
        shard: None,
    };
    run_design(&design, blocks, progress, cancel).map(|out| out.outcomes)
}

/// A finished unit of a design.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptUnit {
    /// Design rows in the unit.
    pub rows: usize,
    /// Outcome values, one row of outcomes per design row.
    pub outcomes: Vec<f64>,
    /// Rows (in the block) whose run faulted, with [`FaultMode::Count`].
    pub faulted: Vec<usize>,
}

/// The finished units of the designs of one analysis, by (design number, unit): what an
/// interrupted analysis keeps, so that `--resume` runs only the rest. A unit's rows are an
/// ordinary engine run's, so a kept unit gives exactly what running it again would.
#[derive(Debug, Default)]
pub struct Kept {
    /// Finished units.
    pub units: std::sync::Mutex<std::collections::BTreeMap<(usize, usize), KeptUnit>>,
}

impl Kept {
    /// Design rows (runs) finished.
    pub fn rows(&self) -> u64 {
        let units = self.units.lock().unwrap_or_else(|e| e.into_inner());
        units.values().map(|u| u.rows as u64).sum()
    }
}

/// What runs a design: the model, the input columns, the bundle, seed, threads and what a
/// numeric fault does.
pub struct Design<'a> {
    /// The model.
    pub model: &'a Model,
    /// Which params and levers the blocks' values set (its `values` are ignored).
    pub columns: &'a RunInputs,
    /// Bundle whose lever settings hold.
    pub bundle: usize,
    /// Master seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Stop at the first fault, or count faulting runs (their outcomes are NaN).
    pub on_fault: FaultMode,
    /// Where finished units are kept (and taken from, when an earlier run kept them), with this
    /// design's number in the analysis; `None` keeps nothing.
    pub kept: Option<(&'a Kept, usize)>,
    /// With a shard, only its units run (the others are left empty), with the number of this
    /// design's first unit among all the analysis's units.
    pub shard: Option<(Shard, usize)>,
}

/// The outcomes of a design's runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DesignOutput {
    /// Per block, one row of outcomes per design row.
    pub outcomes: Vec<Vec<f64>>,
    /// Per block, the rows whose run faulted (with [`FaultMode::Count`]), in order.
    pub faulted: Vec<Vec<usize>>,
    /// Units of work the design was cut into.
    pub units: usize,
}

/// Runs every block of `design`, as [`run_blocks`] does, and with [`FaultMode::Count`] says
/// which rows faulted instead of stopping.
///
/// # Errors
/// With [`FaultMode::Stop`], the fault of the earliest faulting unit; cancellation.
pub fn run_design(
    design: &Design<'_>,
    blocks: &[Block],
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<DesignOutput, DesignError> {
    let Design {
        model,
        columns,
        bundle,
        seed,
        threads,
        on_fault,
        kept,
        shard,
    } = *design;
    let width = columns.width();
    let chunk = CHUNK_RUNS as usize;
    let units: Vec<(usize, usize, usize)> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, block)| {
            let rows = block.values.len().checked_div(width).unwrap_or(0);
            (0..rows.div_ceil(chunk)).map(move |c| (b, c * chunk, ((c + 1) * chunk).min(rows)))
        })
        .collect();
    let run_unit = |(index, &(b, from, to)): (usize, &(usize, usize, usize))| {
        if let Some((shard, first)) = shard
            && !shard.takes(first + index)
        {
            // Another shard's unit: counted as covered, so the bar shows the design's progress.
            progress((to - from) as u64);
            return Ok((Vec::new(), Vec::new()));
        }
        if let Some((kept, number)) = kept {
            let units = kept.units.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(done) = units.get(&(number, index)) {
                progress((to - from) as u64);
                return Ok((done.outcomes.clone(), done.faulted.clone()));
            }
        }
        let block = &blocks[b];
        let plan = RunPlan {
            seed,
            runs: (to - from) as u64,
            first_run: block.first_run + from as u64,
            bundles: vec![bundle],
            threads: 1,
            inputs: Some(Arc::new(RunInputs {
                params: columns.params.clone(),
                levers: columns.levers.clone(),
                values: block.values[from * width..to * width].to_vec(),
                run_ids: Vec::new(),
            })),
            // By default a fault stops the design: every row is needed, and a fault is a
            // modelling error. Counted, a faulting row is left out by the caller.
            on_fault,
        };
        match engine::run(model, &plan, progress, cancel) {
            Ok(mut out) => {
                let faulted: Vec<usize> = out
                    .faults
                    .iter()
                    .map(|(_, f)| from + (f.run - plan.first_run) as usize)
                    .collect();
                let outcomes = out.outcomes.swap_remove(0);
                if let Some((kept, number)) = kept {
                    let mut units = kept.units.lock().unwrap_or_else(|e| e.into_inner());
                    let unit = KeptUnit {
                        rows: to - from,
                        outcomes: outcomes.clone(),
                        faulted: faulted.clone(),
                    };
                    units.insert((number, index), unit);
                }
                Ok((outcomes, faulted))
            }
            Err(RunError::Cancelled) => Err(DesignError::Cancelled),
            Err(RunError::Fault(fault)) => {
                let row = from + (fault.run - plan.first_run) as usize;
                let values = block.values[row * width..(row + 1) * width].to_vec();
                Err(DesignError::Fault { fault, values })
            }
        }
    };
    type UnitResult = Result<(Vec<f64>, Vec<usize>), DesignError>;
    let results: Vec<UnitResult> =
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| units.par_iter().enumerate().map(run_unit).collect()),
            // Without a pool (thread creation refused), work on this thread: same numbers.
            Err(_) => units.iter().enumerate().map(run_unit).collect(),
        };
    let mut out = DesignOutput {
        outcomes: vec![Vec::new(); blocks.len()],
        faulted: vec![Vec::new(); blocks.len()],
        units: units.len(),
    };
    let mut cancelled = false;
    for ((b, _, _), result) in units.iter().zip(results) {
        match result {
            Ok((values, faulted)) => {
                out.outcomes[*b].extend_from_slice(&values);
                out.faulted[*b].extend(faulted);
            }
            Err(DesignError::Cancelled) => cancelled = true,
            Err(fault) => return Err(fault),
        }
    }
    if cancelled {
        return Err(DesignError::Cancelled);
    }
    Ok(out)
}

/// Leaves out of every block the rows that faulted in any block (rows of the same index are
/// paired across blocks: Saltelli rows, Morris trajectories, one-at-a-time runs), so that the
/// estimators still compare like with like. Returns the outcomes and the rows kept.
pub fn drop_faulted_rows(out: DesignOutput, n_cols: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let rows = out
        .outcomes
        .first()
        .map_or(0, |b| b.len().checked_div(n_cols).unwrap_or(0));
    let mut bad = vec![false; rows];
    for &row in out.faulted.iter().flatten() {
        if let Some(flag) = bad.get_mut(row) {
            *flag = true;
        }
    }
    let kept: Vec<usize> = (0..rows).filter(|&r| !bad[r]).collect();
    if kept.len() == rows {
        return (out.outcomes, kept);
    }
    let outcomes = out
        .outcomes
        .into_iter()
        .map(|block| {
            kept.iter()
                .flat_map(|&r| block[r * n_cols..(r + 1) * n_cols].iter().copied())
                .collect()
        })
        .collect();
    (outcomes, kept)
}

//! Spreading runs over threads so that the result cannot depend on the spreading.
//!
//! The work is cut into units of (bundle, chunk of [`CHUNK_RUNS`] runs). `threads` workers take
//! units in increasing order from an atomic counter. Each unit returns its outcome values and
//! its per-month series sums; each worker merges series values into its own quantile sketches.
//! At the end, outcome values are laid out by run index, series sums are added unit by unit in
//! order, and the workers' sketches are merged (exact integer counts, so order is irrelevant).
//!
//! When a run faults, units after the faulting one are skipped, units before it still finish,
//! and the fault of the earliest unit (then earliest run) is reported: the same fault for any
//! thread count.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::batch::{Batch, BatchSpec, Recorder, simulate};
use super::exec::LANES;
use super::{CellStats, Fault, RunError, RunOutput, RunPlan, SERIES_PERCENTILES};
use crate::model::Model;
use crate::stats::QuantileSketch;

/// Runs per unit of work. Fixed (never derived from the thread count) because the order of
/// floating-point sums follows the units.
pub const CHUNK_RUNS: u64 = 1024;

/// Progress reports: called after each unit with the number of runs it completed.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// What a unit of work returns.
struct UnitOut {
    outcomes: Vec<f64>,
    sums: Vec<f64>,
}

/// A worker's series accumulators: one sketch per (planned bundle, recorded var, month).
struct SeriesAcc {
    sketches: Vec<QuantileSketch>,
    sums: Vec<f64>,
    /// Offset of the current unit's bundle in `sketches`.
    base: usize,
    n_months: usize,
}

impl Recorder for SeriesAcc {
    #[inline]
    fn record(&mut self, m: usize, r: usize, values: &[f64]) {
        let cell = r * self.n_months + m;
        let sketch = &mut self.sketches[self.base + cell];
        let mut sum = 0.0;
        for &v in values {
            sketch.push(v);
            sum += v;
        }
        self.sums[cell] += sum;
    }
}

/// Runs the plan. `cancel` is polled between units.
pub fn run(
    model: &Model,
    plan: &RunPlan,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<RunOutput, RunError> {
    let started = Instant::now();
    let chunks = plan.runs.div_ceil(CHUNK_RUNS) as usize;
    let n_units = chunks * plan.bundles.len();
    let cells = model.recorded.len() * model.n_months;
    let results: Mutex<Vec<Option<UnitOut>>> = Mutex::new((0..n_units).map(|_| None).collect());
    let faults: Mutex<Vec<(usize, Fault)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let stop_after = AtomicUsize::new(usize::MAX);
    let threads = plan.threads.max(1);

    let worker = || -> SeriesAcc {
        let mut acc = SeriesAcc {
            sketches: vec![QuantileSketch::new(); cells * plan.bundles.len()],
            sums: vec![0.0; cells],
            base: 0,
            n_months: model.n_months,
        };
        let mut batch = Batch::new(model);
        loop {
            let unit = next.fetch_add(1, Ordering::Relaxed);
            if unit >= n_units
                || unit > stop_after.load(Ordering::Relaxed)
                || cancel.load(Ordering::Relaxed)
            {
                break;
            }
            let (b, chunk) = (unit / chunks, (unit % chunks) as u64);
            let bundle = &model.bundles[plan.bundles[b]];
            let first = chunk * CHUNK_RUNS;
            let runs = CHUNK_RUNS.min(plan.runs - first);
            acc.base = b * cells;
            acc.sums = vec![0.0; cells];
            let n_out = model.outcomes.len();
            let mut outcomes = vec![0.0; runs as usize * n_out];
            let mut done = 0u64;
            while done < runs {
                let active = (runs - done).min(LANES as u64) as usize;
                let spec = BatchSpec {
                    bundle,
                    bundle_name: &bundle.name,
                    seed: plan.seed,
                    first_run: plan.first_run + first + done,
                    active,
                    inputs: plan.inputs.as_deref().map(|i| (i, (first + done) as usize)),
                };
                let out = &mut outcomes[done as usize * n_out..(done as usize + active) * n_out];
                if let Err(fault) = simulate(model, &mut batch, &spec, out, &mut acc) {
                    stop_after.fetch_min(unit, Ordering::Relaxed);
                    lock(&faults).push((unit, fault));
                    break;
                }
                done += active as u64;
            }
            let sums = std::mem::take(&mut acc.sums);
            lock(&results)[unit] = Some(UnitOut { outcomes, sums });
            progress(runs);
        }
        acc
    };

    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let accs: Vec<SeriesAcc> = match pool {
        Ok(pool) => pool.install(|| {
            let out = Mutex::new(Vec::new());
            rayon::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|_| {
                        let acc = worker();
                        lock(&out).push(acc);
                    });
                }
            });
            out.into_inner().unwrap_or_else(|e| e.into_inner())
        }),
        // Without a pool (thread creation refused), work on this thread: same numbers, slower.
        Err(_) => vec![worker()],
    };

    let mut faults = faults.into_inner().unwrap_or_else(|e| e.into_inner());
    faults.sort_by_key(|a| (a.0, a.1.run));
    if let Some((_, fault)) = faults.into_iter().next() {
        return Err(RunError::Fault(Box::new(fault)));
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(RunError::Cancelled);
    }
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut units = Vec::with_capacity(n_units);
    for unit in results {
        match unit {
            Some(u) => units.push(u),
            None => return Err(RunError::Cancelled),
        }
    }
    let elapsed = started.elapsed();
    Ok(assemble(model, plan, units, accs, chunks, elapsed))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lays out outcomes by run and turns sums and sketches into per-month statistics.
fn assemble(
    model: &Model,
    plan: &RunPlan,
    units: Vec<UnitOut>,
    accs: Vec<SeriesAcc>,
    chunks: usize,
    elapsed: std::time::Duration,
) -> RunOutput {
    let cells = model.recorded.len() * model.n_months;
    let mut sketches: Vec<QuantileSketch> = vec![QuantileSketch::new(); cells * plan.bundles.len()];
    for acc in &accs {
        for (total, part) in sketches.iter_mut().zip(&acc.sketches) {
            total.merge(part);
        }
    }
    drop(accs);
    let mut outcomes = Vec::with_capacity(plan.bundles.len());
    let mut series = Vec::with_capacity(plan.bundles.len());
    let mut units = units.into_iter();
    for b in 0..plan.bundles.len() {
        let mut values = Vec::with_capacity(plan.runs as usize * model.outcomes.len());
        let mut sums = vec![0.0; cells];
        for unit in units.by_ref().take(chunks) {
            values.extend_from_slice(&unit.outcomes);
            for (s, u) in sums.iter_mut().zip(&unit.sums) {
                *s += u;
            }
        }
        outcomes.push(values);
        let n = plan.runs as f64;
        let table = (0..model.recorded.len())
            .map(|r| {
                (0..model.n_months)
                    .map(|m| {
                        let cell = r * model.n_months + m;
                        let sketch = &sketches[b * cells + cell];
                        let q = |p: f64| sketch.quantile(p).unwrap_or(f64::NAN);
                        CellStats {
                            mean: sums[cell] / n,
                            p: SERIES_PERCENTILES.map(q),
                            min: sketch.min().unwrap_or(f64::NAN),
                            max: sketch.max().unwrap_or(f64::NAN),
                        }
                    })
                    .collect()
            })
            .collect();
        series.push(table);
    }
    RunOutput {
        plan: plan.clone(),
        outcomes,
        series,
        elapsed,
    }
}

//! Spreading runs over threads so that the result cannot depend on the spreading.
//!
//! The work is cut into units of (bundle, chunk of [`CHUNK_RUNS`] runs). `threads` workers take
//! units in increasing order from an atomic counter. Each unit returns its outcome values and
//! its per-month series sums; each worker merges series values into its own quantile sketches.
//! Series sums are folded into running totals strictly in unit order as units complete (a
//! unit finishing early waits in a small queue), so memory stays bounded and the floating-point
//! additions happen in the same order for any thread count. At the end, outcome values are laid
//! out by run index and the workers' sketches are merged (exact integer counts, so order is
//! irrelevant).
//!
//! When a run faults, units after the faulting one are skipped, units before it still finish,
//! and the fault of the earliest unit (then earliest run) is reported: the same fault for any
//! thread count.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::batch::{Batch, BatchSpec, Recorder, simulate};
use super::exec::LANES;
use super::resume::{Partial, UnitDone, fold_waiting};
use super::shard::Shard;
use super::{CellStats, Fault, RunError, RunOutput, RunPlan, SERIES_PERCENTILES};
use crate::model::Model;
use crate::stats::QuantileSketch;

/// Runs per unit of work. Fixed (never derived from the thread count) because the order of
/// floating-point sums follows the units.
pub const CHUNK_RUNS: u64 = 1024;

/// Progress reports: called after each unit with the number of runs it completed.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// What a unit of work leaves: its outcome values and the faults it counted.
type UnitOut = (Vec<f64>, Vec<Fault>);

/// Running totals of the series sums, folded in unit order.
struct OrderedSums {
    /// The next unit to fold.
    next: usize,
    /// Units finished ahead of `next`, with their sums.
    waiting: std::collections::BTreeMap<usize, Vec<f64>>,
    /// Per planned bundle, per cell: the sum over the units folded so far.
    totals: Vec<Vec<f64>>,
    /// Units per bundle.
    chunks: usize,
}

impl OrderedSums {
    fn finish_unit(&mut self, unit: usize, sums: Vec<f64>) {
        self.waiting.insert(unit, sums);
        fold_waiting(
            &mut self.next,
            &mut self.waiting,
            &mut self.totals,
            self.chunks,
        );
    }
}

/// Bytes of series values a worker buffers before adding them to its sketches.
///
/// Pushing one batch's 64 values into each of thousands of sketches touches every sketch's
/// counts once per batch, and those counts are long gone from the cache by the next batch: the
/// profile of the Russia–North Korea scenario put a quarter of the time on the counter
/// increments. Buffering up to a chunk of runs per cell and adding them cell by cell loads each
/// sketch's counts once per buffer instead (see docs/performance.md).
const SERIES_BUFFER_BYTES: usize = 16 << 20;

/// Values buffered per cell: as many runs as fit in [`SERIES_BUFFER_BYTES`] for all cells,
/// between one batch and one chunk, in whole batches. It depends on the model only (never on
/// the thread count), because the order of the floating-point sums follows the buffer.
fn buffer_runs(cells: usize) -> usize {
    let fit = SERIES_BUFFER_BYTES / (cells.max(1) * 8);
    (fit / LANES * LANES).clamp(LANES, CHUNK_RUNS as usize)
}

/// A worker's series accumulators: one sketch per (planned bundle, recorded var, month), and a
/// buffer of values not yet added to them.
struct SeriesAcc {
    sketches: Vec<QuantileSketch>,
    sums: Vec<f64>,
    /// Offset of the current unit's bundle in `sketches`.
    base: usize,
    n_months: usize,
    /// `capacity` values per cell.
    buffer: Vec<f64>,
    /// Values waiting in each cell's part of `buffer`.
    filled: Vec<usize>,
    capacity: usize,
}

impl SeriesAcc {
    /// Accumulators for `bundles` × `cells`, buffering at most `unit_runs` values a cell (the
    /// runs of the largest unit: a plan of 10 runs needs no room for 64).
    fn new(cells: usize, bundles: usize, n_months: usize, unit_runs: usize) -> SeriesAcc {
        // The sums of a cell are the same for any capacity of at least the unit's runs (one
        // flush per unit), so capping it by the unit's runs changes no number.
        let capacity = buffer_runs(cells).min(unit_runs.max(1));
        SeriesAcc {
            sketches: vec![QuantileSketch::new(); cells * bundles],
            sums: vec![0.0; cells],
            base: 0,
            n_months,
            buffer: vec![0.0; cells * capacity],
            filled: vec![0; cells],
            capacity,
        }
    }

    /// Adds the buffered values of `cell` to its sketch and sum.
    fn flush(&mut self, cell: usize) {
        let values = &self.buffer[cell * self.capacity..cell * self.capacity + self.filled[cell]];
        let sketch = &mut self.sketches[self.base + cell];
        // All at once: the sketch widens its range once per flush, not at each new extreme.
        sketch.push_slice(values);
        let mut sum = 0.0;
        for &v in values {
            sum += v;
        }
        self.sums[cell] += sum;
        self.filled[cell] = 0;
    }

    /// Flushes every cell (at the end of a unit, so that no buffer spans two units).
    fn flush_all(&mut self) {
        for cell in 0..self.filled.len() {
            if self.filled[cell] > 0 {
                self.flush(cell);
            }
        }
    }
}

impl Recorder for SeriesAcc {
    #[inline]
    fn record(&mut self, m: usize, r: usize, values: &[f64]) {
        let cell = r * self.n_months + m;
        if self.filled[cell] + values.len() > self.capacity {
            self.flush(cell);
        }
        let start = cell * self.capacity + self.filled[cell];
        self.buffer[start..start + values.len()].copy_from_slice(values);
        self.filled[cell] += values.len();
    }
}

/// Runs the plan. `cancel` is polled between units.
///
/// # Errors
/// The earliest fault (under [`FaultMode::Stop`](super::FaultMode::Stop)), or cancellation.
pub fn run(
    model: &Model,
    plan: &RunPlan,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<RunOutput, RunError> {
    run_from(model, plan, progress, cancel, None).map_err(|stopped| stopped.error)
}

/// Why [`run_from`] stopped, with the finished part of the plan when it was cancelled.
#[derive(Debug)]
pub struct Stopped {
    /// The fault, or cancellation.
    pub error: RunError,
    /// After cancellation, the finished units (`None` if none had finished).
    pub partial: Option<Box<Partial>>,
}

/// Runs the plan, continuing from `resume` (the finished part of an interrupted run of the
/// same plan, checked with [`Partial::fits`]): only the missing units run, and the result is
/// bit-identical to an uninterrupted run. `cancel` is polled between units; on cancellation
/// the finished units come back in [`Stopped::partial`].
///
/// # Errors
/// As [`run`], with the finished part after cancellation.
pub fn run_from(
    model: &Model,
    plan: &RunPlan,
    progress: Progress<'_>,
    cancel: &AtomicBool,
    resume: Option<Partial>,
) -> Result<RunOutput, Stopped> {
    match execute(model, plan, progress, cancel, resume, None)? {
        Ended::Complete(out) => Ok(out),
        // Without a range, only a cancelled run ends with a part (returned as an error).
        Ended::Part(partial) => Err(Stopped {
            error: RunError::Cancelled,
            partial: Some(partial),
        }),
    }
}

/// Runs only `shard`'s units of the plan (continuing from `resume`, the finished part of an
/// interrupted run of the same shard) and returns them as the mergeable state of the plan's
/// statistics: their outcome values, their series sums waiting to be folded in unit order, and
/// their sketches. [`Partial::absorb`] unites the shards; [`run_from`] on the union assembles
/// the results of the whole plan, bit-identical to one uninterrupted run.
///
/// # Errors
/// As [`run_from`].
pub fn run_shard(
    model: &Model,
    plan: &RunPlan,
    shard: Shard,
    progress: Progress<'_>,
    cancel: &AtomicBool,
    resume: Option<Partial>,
) -> Result<Partial, Stopped> {
    let units = plan.runs.div_ceil(CHUNK_RUNS) as usize * plan.bundles.len();
    let only = shard.range(units);
    let partial = match execute(model, plan, progress, cancel, resume, Some(only))? {
        Ended::Part(partial) => *partial,
        Ended::Complete(_) => unreachable!("a shard's run never assembles the whole plan"),
    };
    Ok(partial)
}

/// How [`execute`] ended without a fault.
enum Ended {
    /// Every unit of the plan is done: the assembled results.
    Complete(RunOutput),
    /// The units of the range are done (or some of them, after cancellation): their state.
    Part(Box<Partial>),
}

/// Runs the units of the plan (or of `only`, a range of units) that `resume` does not hold.
/// Returns the assembled results of the whole plan, or with `only` the state of its units.
fn execute(
    model: &Model,
    plan: &RunPlan,
    progress: Progress<'_>,
    cancel: &AtomicBool,
    resume: Option<Partial>,
    only: Option<std::ops::Range<usize>>,
) -> Result<Ended, Stopped> {
    let started = Instant::now();
    let chunks = plan.runs.div_ceil(CHUNK_RUNS) as usize;
    let n_units = chunks * plan.bundles.len();
    let cells = model.recorded.len() * model.n_months;
    let mut initial: Vec<Option<UnitOut>> = (0..n_units).map(|_| None).collect();
    let mut sums = OrderedSums {
        next: 0,
        waiting: std::collections::BTreeMap::new(),
        totals: vec![vec![0.0; cells]; plan.bundles.len()],
        chunks,
    };
    let mut resumed_sketches = None;
    let mut resumed_runs = 0;
    if let Some(partial) = resume {
        resumed_runs = partial.runs_done(plan);
        progress(resumed_runs);
        for (unit, done) in partial.done {
            if let Some(slot) = initial.get_mut(unit) {
                *slot = Some((done.outcomes, done.faults));
            }
        }
        sums.next = partial.sums_next;
        sums.waiting = partial.sums_waiting;
        sums.totals = partial.sums_totals;
        resumed_sketches = Some(partial.sketches);
    }
    let range = only.clone().unwrap_or(0..n_units);
    let skip: Vec<bool> = initial
        .iter()
        .enumerate()
        .map(|(unit, done)| done.is_some() || !range.contains(&unit))
        .collect();
    let results: Mutex<Vec<Option<UnitOut>>> = Mutex::new(initial);
    let sums = Mutex::new(sums);
    let faults: Mutex<Vec<(usize, Fault)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let stop_after = AtomicUsize::new(usize::MAX);
    let threads = plan.threads.max(1);

    let worker = || -> SeriesAcc {
        let unit_runs = plan.runs.min(CHUNK_RUNS) as usize;
        let mut acc = SeriesAcc::new(cells, plan.bundles.len(), model.n_months, unit_runs);
        let mut batch = Batch::new(model);
        loop {
            let unit = next.fetch_add(1, Ordering::Relaxed);
            if unit >= n_units
                || unit > stop_after.load(Ordering::Relaxed)
                || cancel.load(Ordering::Relaxed)
            {
                break;
            }
            if skip[unit] {
                continue;
            }
            let (b, chunk) = (unit / chunks, (unit % chunks) as u64);
            let bundle = &model.bundles[plan.bundles[b]];
            let first = chunk * CHUNK_RUNS;
            let runs = CHUNK_RUNS.min(plan.runs - first);
            acc.base = b * cells;
            acc.sums = vec![0.0; cells];
            let n_out = model.outcomes.len();
            let mut outcomes = vec![0.0; runs as usize * n_out];
            let mut counted = Vec::new();
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
                    on_fault: plan.on_fault,
                };
                let out = &mut outcomes[done as usize * n_out..(done as usize + active) * n_out];
                if let Err(fault) = simulate(model, &mut batch, &spec, out, &mut acc, &mut counted)
                {
                    stop_after.fetch_min(unit, Ordering::Relaxed);
                    lock(&faults).push((unit, fault));
                    break;
                }
                done += active as u64;
            }
            acc.flush_all();
            lock(&sums).finish_unit(unit, std::mem::take(&mut acc.sums));
            lock(&results)[unit] = Some((outcomes, counted));
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
        return Err(Stopped {
            error: RunError::Fault(Box::new(fault)),
            partial: None,
        });
    }
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let sums = sums.into_inner().unwrap_or_else(|e| e.into_inner());
    // Merge into the first worker's sketches (or the resumed ones), dropping each worker's
    // as it is merged, so that at most one extra set is alive.
    let mut accs = accs.into_iter();
    let mut sketches = match resumed_sketches {
        Some(sketches) => sketches,
        None => accs
            .next()
            .map(|acc| acc.sketches)
            .unwrap_or_else(|| vec![QuantileSketch::new(); cells * plan.bundles.len()]),
    };
    for acc in accs {
        for (total, part) in sketches.iter_mut().zip(&acc.sketches) {
            total.merge(part);
        }
    }
    let cancelled =
        cancel.load(Ordering::Relaxed) || results[range.clone()].iter().any(Option::is_none);
    if cancelled || only.is_some() {
        let done: std::collections::BTreeMap<usize, UnitDone> = results
            .into_iter()
            .enumerate()
            .filter_map(|(unit, r)| {
                r.map(|(outcomes, faults)| (unit, UnitDone { outcomes, faults }))
            })
            .collect();
        let nothing = done.is_empty();
        let partial = Box::new(Partial {
            done,
            sums_next: sums.next,
            sums_totals: sums.totals,
            sums_waiting: sums.waiting,
            sketches,
        });
        if !cancelled {
            return Ok(Ended::Part(partial));
        }
        return Err(Stopped {
            error: RunError::Cancelled,
            partial: (!nothing).then_some(partial),
        });
    }
    let units: Vec<UnitOut> = results.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let mut out = assemble(model, plan, units, sums.totals, sketches, chunks, elapsed);
    out.resumed_runs = resumed_runs;
    Ok(Ended::Complete(out))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lays out outcomes by run and turns sums and sketches into per-month statistics.
fn assemble(
    model: &Model,
    plan: &RunPlan,
    units: Vec<UnitOut>,
    totals: Vec<Vec<f64>>,
    sketches: Vec<QuantileSketch>,
    chunks: usize,
    elapsed: std::time::Duration,
) -> RunOutput {
    let cells = model.recorded.len() * model.n_months;
    let mut outcomes = Vec::with_capacity(plan.bundles.len());
    let mut series = Vec::with_capacity(plan.bundles.len());
    let mut faults = Vec::new();
    let mut units = units.into_iter();
    for b in 0..plan.bundles.len() {
        let mut values = Vec::with_capacity(plan.runs as usize * model.outcomes.len());
        for (unit, counted) in units.by_ref().take(chunks) {
            values.extend_from_slice(&unit);
            faults.extend(counted.into_iter().map(|f| (b, f)));
        }
        outcomes.push(values);
        let sums = &totals[b];
        let table = (0..model.recorded.len())
            .map(|r| {
                (0..model.n_months)
                    .map(|m| {
                        let cell = r * model.n_months + m;
                        let sketch = &sketches[b * cells + cell];
                        let q = |p: f64| sketch.quantile(p).unwrap_or(f64::NAN);
                        // The sketch counts the runs recorded in this cell: all runs, unless
                        // faulted runs were retired.
                        let n = sketch.count();
                        CellStats {
                            mean: if n == 0 {
                                f64::NAN
                            } else {
                                sums[cell] / n as f64
                            },
                            n,
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
        faults,
        elapsed,
        resumed_runs: 0,
    }
}

/// Bytes a plan will hold in memory, by part, for refusing plans that cannot fit (and for
/// `--memory-report`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryEstimate {
    /// Every run's outcome values (kept for exact percentiles and `runs.csv`), with the
    /// run-sized columns made while they are summarised, compared and written.
    pub outcomes: u64,
    /// Running sums of the recorded series, the workers' series buffers, and the per-month
    /// statistics table.
    pub series_sums: u64,
    /// Quantile sketches of the recorded series: one set per worker, merged into the first.
    pub sketches: u64,
    /// Each worker's batch state: every variable's value for [`LANES`] runs.
    pub workers: u64,
    /// The program, the compiled model and the writers: a constant measured on small plans.
    pub fixed: u64,
}

impl MemoryEstimate {
    /// Total bytes.
    pub fn total(&self) -> u64 {
        self.outcomes + self.series_sums + self.sketches + self.workers + self.fixed
    }
}

/// Bytes per outcome value at the peak: the value itself and the allocator's slack as the
/// units' values are laid out by bundle (measured 1.06 to 1.16 copies on 30,000 to 120,000
/// runs of 60 outcomes, `--memory-report`).
const BYTES_PER_OUTCOME_VALUE: u64 = 10;

/// Bytes per run (and bundle) besides its outcome values: run-sized columns made while
/// summarising, comparing and writing (a sorted copy per summary, paired differences, the
/// params of `runs.csv`). Measured 3.7 columns of 8 bytes for `run` and 5.4 for `compare` on
/// 100,000 to 400,000 runs of 3 outcomes.
const BYTES_PER_RUN: u64 = 40;

/// Resident memory of leversim besides the parts above: code, embedded fonts, allocator
/// arenas, the scenario and model. A 10-run plan of a tiny model peaked at 7 MB (release
/// build, `--memory-report`); remeasured when the PDF chart converter was linked in (issue
/// 14): a 10-run plan of one lever, 100 outcomes and 4 bundles peaked at 9.3 MB before it
/// and 10.3 MB with it (release build).
const FIXED_BYTES: u64 = 10 << 20;

/// Heap bytes of one sketch holding `values` values of a continuous series: the short list
/// form (16 bytes an entry, capacity doubling) up to 32 distinct buckets; beyond, the dense form,
/// whose range the 2 KiB measured for typical series (a spread of one to two orders of
/// magnitude) stands for. Constant series cost less; the estimate is meant to catch requests
/// that are off by factors, not bytes.
fn sketch_heap(values: u64) -> u64 {
    if values <= 32 {
        16 * values.max(4).next_power_of_two()
    } else {
        std::mem::size_of::<crate::stats::QuantileSketch>() as u64 + 2048
    }
}

/// Estimates the memory a plan needs (see [`MemoryEstimate`] for the parts).
pub fn estimate_memory(model: &Model, plan: &RunPlan) -> MemoryEstimate {
    let bundles = plan.bundles.len() as u64;
    let threads = plan.threads.max(1) as u64;
    let cells = (model.recorded.len() * model.n_months) as u64;
    let capacity = if cells == 0 {
        0
    } else {
        buffer_runs(cells as usize).min(plan.runs.clamp(1, CHUNK_RUNS) as usize) as u64
    };
    let inline = std::mem::size_of::<crate::stats::QuantileSketch>() as u64;
    // The first worker's set ends up holding every run's values (the others are merged into
    // it); the others each see their share of the runs.
    let per_cell = threads * inline
        + sketch_heap(plan.runs)
        + (threads - 1) * sketch_heap(plan.runs.div_ceil(threads));
    let cell_stats = std::mem::size_of::<super::CellStats>() as u64;
    MemoryEstimate {
        outcomes: plan
            .runs
            .saturating_mul(bundles)
            .saturating_mul(model.outcomes.len() as u64 * BYTES_PER_OUTCOME_VALUE + BYTES_PER_RUN),
        series_sums: (bundles + 2 * threads)
            .saturating_mul(cells * 8)
            .saturating_add(threads.saturating_mul(cells * capacity * 8))
            .saturating_add(bundles.saturating_mul(cells * cell_stats)),
        sketches: bundles.saturating_mul(cells).saturating_mul(per_cell),
        workers: threads
            .saturating_mul((model.n_slots + 2 * model.outcomes.len()) as u64 * LANES as u64 * 8),
        fixed: FIXED_BYTES,
    }
}

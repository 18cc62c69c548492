//! Global sensitivity analysis: which uncertain params (and, on request, which levers) drive
//! each outcome.
//!
//! Three methods, from cheap to thorough:
//! - **one-at-a-time swings** ([`oat`]): each input from the low to the high end of its swing
//!   range, the others at their medians; the bars of a tornado chart;
//! - **Morris elementary effects** ([`morris`]): `mu*` and `sigma` from r trajectories, a screen
//!   that also sees non-linearity and interactions;
//! - **Sobol' indices** ([`sobol`]): first-order and total indices with bootstrap intervals from
//!   a Saltelli design ([`design`]), for every outcome and, month by month, for recorded series.
//!
//! Inputs enter through the unit interval: a param's value is its distribution's inverse CDF
//! ([`crate::scenario::dist::Dist::quantile`]) at a probability u (with a calibration attached
//! to the model, its posterior marginal's quantile: the analysis then runs over the posterior,
//! its params treated as independent as Sobol' and Morris require), a lever's is its range's
//! `min + u (max − min)` (a lever counts as uniform over its range). The swing range of a param
//! is its 5th to 95th percentile (the 90% range analysts elicit); of a lever, its whole range.
//!
//! **Noise.** Most scenarios draw random numbers inside their formulas (the monthly noise of a
//! flow, an event's hazard draw). For a fixed run index those draws are fixed, so a run index is
//! one more input, ω, which this module treats as such:
//! - in the Saltelli design, row j of A and every `A_B^(i)` use run index j, and row j of B uses
//!   run index N + j. So `f(A)` and `f(A_B^(i))` share ω (common random numbers: their
//!   difference, which the total index squares, is free of noise), while `f(B)` has ω of its
//!   own. The first-order index of a param is then exactly `Var(E[Y | x_i]) / Var(Y)`, with the
//!   noise averaged out, and its total index includes its interactions with noise. With
//!   [`NoiseInputs::Total`] an extra block, A with B's run indices, gives ω's own indices,
//!   reported as the input `(noise)`: the share of the outcome's variance that no param
//!   explains. With [`NoiseInputs::Sources`] ω is split by where the randomness comes from
//!   ([`noise`]: each event's timing, each flow's monthly noise, …), each source an input of
//!   its own with a block of A in which that source's draws alone are resampled (B then has
//!   every source resampled on A's run indices instead of runs N..2N), so that "the timing of
//!   the ceasefire" is a driver by name;
//! - a Morris trajectory keeps one run index throughout, so every elementary effect compares
//!   runs with the same draws;
//! - one-at-a-time points each average the same runs (common random numbers), so a swing is a
//!   paired difference of means, with its standard error.
//!
//! The engine does the runs ([`exec`]); the estimators are pure functions tested against closed
//! forms. Everything is reproducible from the seed, on any thread count.

pub mod design;
pub mod exec;
pub mod morris;
pub mod noise;
pub mod oat;
pub mod sobol;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::{FaultMode, Progress, RunInputs, Shard};
use crate::model::{Model, OutcomePlan};
use crate::scenario::dist::Dist;
use crate::scenario::{OutcomeKind, Scenario};
use design::SaltelliDesign;
use exec::{Block, Design, DesignError, drop_faulted_rows, run_design};
use morris::MorrisStats;
use noise::{NoiseSource, noise_sources, resampled};
use oat::Swing;
use sobol::SobolColumn;

/// Name of the pseudo-input standing for the model's own random draws.
pub const NOISE: &str = "(noise)";

/// What an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A param (index into [`Model::params`]).
    Param(usize),
    /// A lever (index into [`Model::lever_slots`]).
    Lever(usize),
}

impl InputKind {
    /// `param` or `lever`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Param(_) => "param",
            InputKind::Lever(_) => "lever",
        }
    }
}

/// An input of the analysis: a param or a lever, with the distribution it is sampled from.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// Name as in the scenario.
    pub name: String,
    /// Human label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// What it is.
    pub kind: InputKind,
    /// Its distribution; a lever's is uniform over its range.
    pub dist: Dist,
    /// Probabilities of the ends of its swing range: (0.05, 0.95) for a param, (0, 1) for a lever.
    pub swing: (f64, f64),
    /// With a calibration attached to the model, the param's posterior values, sorted: its
    /// value at probability u is their type-7 quantile instead of `dist`'s.
    pub posterior: Option<std::sync::Arc<Vec<f64>>>,
}

impl Input {
    /// The value at probability `u` of its distribution (its posterior marginal, with a
    /// calibration).
    pub fn value(&self, u: f64) -> f64 {
        match &self.posterior {
            Some(sorted) => crate::stats::quantile_sorted(sorted, u).unwrap_or(f64::NAN),
            None => self.dist.quantile(u),
        }
    }

    /// The value at `x` in [0, 1] along its swing range (0 = low end, 1 = high end).
    pub fn swing_value(&self, x: f64) -> f64 {
        let (lo, hi) = self.swing;
        self.value(lo + (hi - lo) * x)
    }
}

/// The inputs of a scenario: every param that is not a constant (a `--set` makes one
/// constant), then, if `levers`, every lever. Labels and units come from the scenario.
pub fn inputs(scenario: &Scenario, model: &Model, levers: bool) -> Vec<Input> {
    let mut out = Vec::new();
    for (k, p) in model.params.iter().enumerate() {
        if matches!(p.dist, Dist::Constant { .. }) {
            continue;
        }
        let declared = scenario.params.iter().find(|q| q.name.value == p.name);
        let (label, unit) = declared.map_or_else(
            || (p.name.clone(), String::new()),
            |q| {
                (
                    q.info.label.clone().unwrap_or_else(|| p.name.clone()),
                    q.info.unit.clone(),
                )
            },
        );
        // With a calibration, the param varies over its posterior marginal (sorted members,
        // each repeated in proportion to its weight; calibrations write equal weights).
        let posterior = model.posterior.as_ref().and_then(|e| {
            let col = e.params.iter().position(|&q| q == k)?;
            let mut values: Vec<f64> = (0..e.len()).map(|i| e.row(i)[col]).collect();
            values.sort_by(f64::total_cmp);
            Some(std::sync::Arc::new(values))
        });
        out.push(Input {
            name: p.name.clone(),
            label,
            unit,
            kind: InputKind::Param(k),
            dist: p.dist.clone(),
            swing: (0.05, 0.95),
            posterior,
        });
    }
    if levers {
        for (j, name) in model.lever_names.iter().enumerate() {
            let Some(l) = scenario.levers.iter().find(|l| l.name.value == *name) else {
                continue;
            };
            let (min, max) = l.range.value;
            if max <= min {
                continue;
            }
            out.push(Input {
                name: name.clone(),
                label: l.info.label.clone().unwrap_or_else(|| name.clone()),
                unit: l.info.unit.clone(),
                kind: InputKind::Lever(j),
                dist: Dist::Uniform { min, max },
                swing: (0.0, 1.0),
                posterior: None,
            });
        }
    }
    out
}

/// Whether runs of the model draw random numbers besides the params: random calls in formulas
/// or events with a hazard.
pub fn has_noise(model: &Model) -> bool {
    !model.sites.is_empty() || model.events.iter().any(|e| e.hazard.is_some())
}

/// How a Sobol' analysis treats the model's own random draws (when it has any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoiseInputs {
    /// One input, [`NOISE`]: all of them at once.
    Total,
    /// One input per source ([`noise::noise_sources`]): each event's timing, each flow's
    /// monthly noise, each auxiliary's draws, …
    #[default]
    Sources,
}

/// A method of analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// Sobol' indices.
    Sobol,
    /// Morris elementary effects.
    Morris,
    /// One-at-a-time swings.
    Oat,
}

impl Method {
    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Sobol => "sobol",
            Method::Morris => "morris",
            Method::Oat => "oat",
        }
    }
}

/// How to analyse.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Master seed: of the design, the bootstrap and the model's draws.
    pub seed: u64,
    /// Bundle whose lever settings hold (for levers that are not inputs).
    pub bundle: usize,
    /// Worker threads.
    pub threads: usize,
    /// Methods, each at most once.
    pub methods: Vec<Method>,
    /// Sobol' base samples N: N (d + 2) runs, N (d + 3) with noise.
    pub samples: usize,
    /// Morris trajectories r: r (d + 1) runs.
    pub trajectories: usize,
    /// Morris grid levels p (even).
    pub levels: usize,
    /// Runs per one-at-a-time point: (2d + 1) points.
    pub oat_runs: usize,
    /// Bootstrap resamples for outcomes' intervals.
    pub resamples: usize,
    /// Bootstrap resamples for each month of a series (fewer: there are many months).
    pub series_resamples: usize,
    /// Confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// Recorded series analysed month by month (indices into [`Model::vars`]).
    pub series: Vec<usize>,
    /// The model's own random draws as one input or one per source.
    pub noise: NoiseInputs,
}

/// Sobol' indices of every outcome and every month of the chosen series.
#[derive(Clone, Debug)]
pub struct SobolResult {
    /// Whether the inputs include noise (as [`SobolResult::noise_inputs`], after the params
    /// and levers).
    pub noise: bool,
    /// The noise inputs after the params and levers, in order: [`NOISE`] alone, or one per
    /// source.
    pub noise_inputs: Vec<NoiseInput>,
    /// Per outcome (model order): indices, or `None` if undefined (constant outcome, or a value
    /// missing in some run).
    pub outcomes: Vec<Option<SobolColumn>>,
    /// Per chosen series, per month.
    pub series: Vec<Vec<Option<SobolColumn>>>,
}

/// An input of a Sobol' analysis that stands for random draws within runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoiseInput {
    /// Name in reports: [`NOISE`], or a source's (`ceasefire (timing)`).
    pub name: String,
    /// Human label.
    pub label: String,
}

/// The noise inputs a Sobol' analysis of `model` has with `mode`, in order (the scenario, if
/// given, supplies outcomes' labels).
pub fn noise_inputs(
    scenario: Option<&Scenario>,
    model: &Model,
    mode: NoiseInputs,
) -> Vec<NoiseInput> {
    if !has_noise(model) {
        return Vec::new();
    }
    match mode {
        NoiseInputs::Total => vec![NoiseInput {
            name: NOISE.to_string(),
            label: "Noise: random draws within runs".to_string(),
        }],
        NoiseInputs::Sources => noise_sources(scenario, model)
            .into_iter()
            .map(|s| NoiseInput {
                name: s.name,
                label: s.label,
            })
            .collect(),
    }
}

/// Morris statistics per outcome and input.
#[derive(Clone, Debug)]
pub struct MorrisResult {
    /// `[outcome][input]`; `None` where an outcome value is missing.
    pub outcomes: Vec<Vec<Option<MorrisStats>>>,
}

/// One-at-a-time swings per outcome.
#[derive(Clone, Debug)]
pub struct OatResult {
    /// Per input: the values at the low end, median and high end.
    pub points: Vec<(f64, f64, f64)>,
    /// Per outcome: the swings, or `None` if a value is missing in some run.
    pub outcomes: Vec<Option<Vec<Swing>>>,
    /// Per outcome: its mean with every input at its median.
    pub base: Vec<Option<f64>>,
}

/// Everything an analysis produced.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Sobol' indices, if asked for.
    pub sobol: Option<SobolResult>,
    /// Morris statistics, if asked for.
    pub morris: Option<MorrisResult>,
    /// One-at-a-time swings, if asked for.
    pub oat: Option<OatResult>,
    /// Per outcome: whether some run had no value for it (a `first` outcome whose event did
    /// not happen), which leaves it without indices.
    pub missing: Vec<bool>,
    /// Model runs done.
    pub runs: u64,
    /// Design rows left out because one of their runs faulted (`--on-fault count`): Saltelli
    /// rows, Morris trajectories and one-at-a-time run indices, over all methods.
    pub left_out: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// The number of runs the settings need for `d` inputs, with one noise input if `noise`
/// ([`NoiseInputs::Total`]).
pub fn planned_runs(settings: &Settings, d: usize, noise: bool) -> u64 {
    planned_runs_with(settings, d, usize::from(noise))
}

/// The number of runs the settings need for `d` inputs and `noise` noise inputs
/// ([`noise_inputs`]).
pub fn planned_runs_with(settings: &Settings, d: usize, noise: usize) -> u64 {
    settings
        .methods
        .iter()
        .map(|m| match m {
            Method::Sobol => settings.samples * (d + 2 + noise),
            Method::Morris => settings.trajectories * (d + 1),
            Method::Oat => settings.oat_runs * (2 * d + 1),
        } as u64)
        .sum()
}

/// Callbacks that follow an analysis: `runs` after each unit of runs with their number,
/// `estimated` after each outcome or series month whose Sobol' indices are estimated (the
/// bootstrap of many series months can take as long as the runs).
#[derive(Clone, Copy)]
pub struct Monitor<'a> {
    /// Runs completed.
    pub runs: Progress<'a>,
    /// Columns estimated.
    pub estimated: Progress<'a>,
}

impl Monitor<'_> {
    /// A monitor that reports nothing.
    pub fn silent() -> Monitor<'static> {
        Monitor {
            runs: &|_| {},
            estimated: &|_| {},
        }
    }
}

/// The number of columns [`Monitor::estimated`] counts: outcomes plus series months, when
/// Sobol' indices are asked for.
pub fn estimated_columns(model: &Model, settings: &Settings) -> u64 {
    if settings.methods.contains(&Method::Sobol) {
        (model.outcomes.len() + settings.series.len() * model.n_months) as u64
    } else {
        0
    }
}

/// Runs the analysis. `cancel` is polled between units of runs (the estimates that follow are
/// not interrupted).
///
/// # Errors
/// A numeric fault in a run (with the design values of that run), or cancellation.
pub fn analyse(
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    monitor: Monitor<'_>,
    cancel: &AtomicBool,
) -> Result<Analysis, DesignError> {
    analyse_with(model, inputs, settings, FaultMode::Stop, monitor, cancel)
}

/// [`analyse`], with a choice of what a numeric fault does: stop, or leave the design rows of
/// faulting runs out of every estimate ([`Analysis::left_out`] counts them).
///
/// # Errors
/// As [`analyse`]; with [`FaultMode::Count`] only cancellation.
pub fn analyse_with(
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    on_fault: FaultMode,
    monitor: Monitor<'_>,
    cancel: &AtomicBool,
) -> Result<Analysis, DesignError> {
    analyse_kept(model, inputs, settings, on_fault, monitor, cancel, None)
}

/// [`analyse_with`], keeping every finished unit of the designs in `kept` (and taking the
/// units already there instead of running them): an interrupted analysis leaves its finished
/// work there, and continuing with it gives exactly the numbers of an uninterrupted one.
///
/// # Errors
/// As [`analyse_with`].
pub fn analyse_kept(
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    on_fault: FaultMode,
    monitor: Monitor<'_>,
    cancel: &AtomicBool,
    kept: Option<&exec::Kept>,
) -> Result<Analysis, DesignError> {
    analyse_inner(
        model, inputs, settings, on_fault, monitor, cancel, kept, None,
    )
}

/// Runs only `shard`'s units of the analysis's designs (every N-th unit, in the order the
/// designs run), keeping them in `kept` (which may hold the shard's units of an interrupted
/// run already), and estimates nothing: `leversim merge` unites the shards' kept units and
/// runs [`analyse_kept`] on them, which then runs nothing and gives the numbers of one
/// uninterrupted analysis. Returns the wall time.
///
/// # Errors
/// As [`analyse_kept`].
#[allow(clippy::too_many_arguments)]
pub fn run_shard(
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    on_fault: FaultMode,
    monitor: Monitor<'_>,
    cancel: &AtomicBool,
    kept: &exec::Kept,
    shard: Shard,
) -> Result<Duration, DesignError> {
    let analysis = analyse_inner(
        model,
        inputs,
        settings,
        on_fault,
        monitor,
        cancel,
        Some(kept),
        Some(shard),
    )?;
    Ok(analysis.elapsed)
}

#[allow(clippy::too_many_arguments)]
fn analyse_inner(
    model: &Model,
    inputs: &[Input],
    settings: &Settings,
    on_fault: FaultMode,
    monitor: Monitor<'_>,
    cancel: &AtomicBool,
    kept: Option<&exec::Kept>,
    shard: Option<Shard>,
) -> Result<Analysis, DesignError> {
    let started = Instant::now();
    let columns = RunInputs {
        params: inputs
            .iter()
            .filter_map(|i| match i.kind {
                InputKind::Param(k) => Some(k),
                InputKind::Lever(_) => None,
            })
            .collect(),
        levers: inputs
            .iter()
            .filter_map(|i| match i.kind {
                InputKind::Lever(j) => Some(j),
                InputKind::Param(_) => None,
            })
            .collect(),
        values: Vec::new(),
        run_ids: Vec::new(),
    };
    // Params first, then levers: the order of `RunInputs` columns. `inputs` already has it.
    let ordered: Vec<&Input> = inputs
        .iter()
        .filter(|i| matches!(i.kind, InputKind::Param(_)))
        .chain(
            inputs
                .iter()
                .filter(|i| matches!(i.kind, InputKind::Lever(_))),
        )
        .collect();
    assert!(
        ordered.iter().zip(inputs).all(|(a, b)| *a == b),
        "sensitivity inputs must list params before levers"
    );
    let mut base = model.clone();
    // Series statistics are not needed: skip their per-month sketches.
    base.recorded.clear();
    let noise = has_noise(model);
    let mut analysis = Analysis {
        sobol: None,
        morris: None,
        oat: None,
        missing: vec![false; base.outcomes.len()],
        runs: 0,
        left_out: 0,
        elapsed: Duration::ZERO,
    };
    let note_missing = |out: &[Vec<f64>], n_cols: usize, missing: &mut [bool]| {
        for block in out {
            for row in block.chunks_exact(n_cols) {
                for (m, v) in missing.iter_mut().zip(row) {
                    *m |= v.is_nan();
                }
            }
        }
    };
    // Runs a design, each part's blocks on its own model (copies that resample sources of
    // noise); with counted faults, the rows of faulting runs are left out of every block.
    // Returns the outcomes of every block in order, the rows kept and how many were left out.
    // Designs are numbered in the order they run, which is fixed by the settings, so that the
    // kept units of an interrupted analysis are found again.
    let designs_run = std::cell::Cell::new(0usize);
    // Units of the designs run so far: a shard takes every N-th unit of the whole analysis.
    let units_before = std::cell::Cell::new(0usize);
    let run_parts = |parts: &[(&Model, &[Block])]| {
        let mut out = exec::DesignOutput::default();
        let mut n_cols = 0;
        for (m, blocks) in parts {
            let number = designs_run.replace(designs_run.get() + 1);
            let design = Design {
                model: m,
                columns: &columns,
                bundle: settings.bundle,
                seed: settings.seed,
                threads: settings.threads,
                on_fault,
                kept: kept.map(|k| (k, number)),
                shard: shard.map(|s| (s, units_before.get())),
            };
            let part = run_design(&design, blocks, monitor.runs, cancel)?;
            units_before.set(units_before.get() + part.units);
            out.outcomes.extend(part.outcomes);
            out.faulted.extend(part.faulted);
            n_cols = m.outcomes.len();
        }
        if shard.is_some() {
            // A shard's outcomes are incomplete; they are kept, and estimated at the merge.
            return Ok((Vec::new(), Vec::new(), 0));
        }
        let rows = parts.first().and_then(|(_, b)| b.first()).map_or(0, |b| {
            b.values.len().checked_div(columns.width()).unwrap_or(0)
        });
        let (out, kept) = drop_faulted_rows(out, n_cols);
        let left_out = (rows - kept.len()) as u64;
        Ok::<_, DesignError>((out, kept, left_out))
    };
    let run = |m: &Model, blocks: &[Block]| run_parts(&[(m, blocks)]);
    for method in &settings.methods {
        match method {
            Method::Sobol => {
                let (with_series, n_series) = with_series_outcomes(&base, &settings.series);
                let sources = match (noise, settings.noise) {
                    (true, NoiseInputs::Sources) => noise_sources(None, model),
                    _ => Vec::new(),
                };
                let (blocks, d_all, rows) =
                    sobol_blocks(inputs, settings.samples, noise, &sources, settings.seed);
                let (out, kept, left_out) = if sources.is_empty() {
                    run(&with_series, &blocks)?
                } else {
                    // A and every A_B^(i) on the model; B with every source resampled; each
                    // source's block with that source alone resampled.
                    let all = resampled(&with_series, &sources);
                    let each: Vec<Model> = sources
                        .iter()
                        .map(|s| resampled(&with_series, std::iter::once(s)))
                        .collect();
                    let d = inputs.len();
                    let mut parts: Vec<(&Model, &[Block])> = vec![
                        (&with_series, &blocks[..1]),
                        (&all, &blocks[1..2]),
                        (&with_series, &blocks[2..2 + d]),
                    ];
                    for (g, m) in each.iter().enumerate() {
                        parts.push((m, &blocks[2 + d + g..3 + d + g]));
                    }
                    run_parts(&parts)?
                };
                if shard.is_some() {
                    continue;
                }
                analysis.left_out += left_out;
                let rows = kept_blocks(&rows, &kept);
                note_missing(&out, with_series.outcomes.len(), &mut analysis.missing);
                analysis.runs += (settings.samples * blocks.len()) as u64;
                let noise_names = if !noise {
                    Vec::new()
                } else if sources.is_empty() {
                    noise_inputs(None, model, NoiseInputs::Total)
                } else {
                    sources
                        .iter()
                        .map(|s| NoiseInput {
                            name: s.name.clone(),
                            label: s.label.clone(),
                        })
                        .collect()
                };
                let mut result = sobol_estimates(
                    &with_series,
                    &out,
                    d_all,
                    n_series,
                    &rows,
                    settings,
                    monitor.estimated,
                );
                result.noise_inputs = noise_names;
                analysis.sobol = Some(result);
            }
            Method::Morris => {
                let trajectories = design::morris(
                    settings.seed,
                    settings.trajectories,
                    inputs.len(),
                    settings.levels,
                );
                let blocks = morris_blocks(inputs, &trajectories);
                let (out, kept, left_out) = run(&base, &blocks)?;
                if shard.is_some() {
                    continue;
                }
                analysis.left_out += left_out;
                let trajectories: Vec<design::Trajectory> =
                    kept.iter().map(|&t| trajectories[t].clone()).collect();
                note_missing(&out, base.outcomes.len(), &mut analysis.missing);
                analysis.runs += (settings.trajectories * blocks.len()) as u64;
                analysis.morris = Some(morris_estimates(&base, &out, &trajectories, settings));
            }
            Method::Oat => {
                let (blocks, points) = oat::blocks(inputs, settings.oat_runs);
                let (out, _, left_out) = run(&base, &blocks)?;
                if shard.is_some() {
                    continue;
                }
                analysis.left_out += left_out;
                note_missing(&out, base.outcomes.len(), &mut analysis.missing);
                analysis.runs += (settings.oat_runs * blocks.len()) as u64;
                let n_out = base.outcomes.len();
                let (swings, means): (Vec<_>, Vec<_>) = (0..n_out)
                    .map(|k| {
                        let col = |b: usize| -> Vec<f64> {
                            out[b].chunks_exact(n_out).map(|r| r[k]).collect()
                        };
                        let cols: Vec<Vec<f64>> = (0..blocks.len()).map(col).collect();
                        match oat::swings(&cols) {
                            Some((base, s)) => (Some(s), Some(base)),
                            None => (None, None),
                        }
                    })
                    .unzip();
                analysis.oat = Some(OatResult {
                    points,
                    outcomes: swings,
                    base: means,
                });
            }
        }
    }
    analysis.elapsed = started.elapsed();
    Ok(analysis)
}

/// The design's blocks of rows after faulting rows were left out: block r keeps the positions,
/// among the `kept` rows (ascending), of its own rows.
fn kept_blocks(blocks: &[std::ops::Range<usize>], kept: &[usize]) -> Vec<std::ops::Range<usize>> {
    blocks
        .iter()
        .map(|b| kept.partition_point(|&r| r < b.start)..kept.partition_point(|&r| r < b.end))
        .collect()
}

/// The model with one `final` outcome per month of each series appended (named
/// `series@month-index`), and the number of such outcomes.
fn with_series_outcomes(model: &Model, series: &[usize]) -> (Model, usize) {
    let mut m = model.clone();
    for &v in series {
        let var = &model.vars[v];
        for month in 0..model.n_months {
            m.outcomes.push(OutcomePlan {
                name: format!("{}@{month}", var.name),
                slot: var.slot,
                kind: OutcomeKind::Final,
                from: month,
                to: month,
            });
        }
    }
    (m, series.len() * model.n_months)
}

/// Design values of a unit-cube matrix: each row's u mapped through each input's inverse CDF.
fn to_values(inputs: &[Input], unit: &[f64]) -> Vec<f64> {
    let d = inputs.len();
    unit.iter()
        .enumerate()
        .map(|(k, &u)| inputs[k % d].value(u))
        .collect()
}

/// The Saltelli blocks: A (runs 0..N), B (runs N..2N), each `A_B^(i)` (runs 0..N) and, with
/// noise, A again on B's runs. With `sources` of noise, B takes runs 0..N too (the caller
/// resamples every source in it) and A follows once per source (the caller resamples that
/// source). Returns them, the number of inputs counting noise, and the design's independently
/// scrambled groups of rows.
fn sobol_blocks(
    inputs: &[Input],
    n: usize,
    noise: bool,
    sources: &[NoiseSource],
    seed: u64,
) -> (Vec<Block>, usize, Vec<std::ops::Range<usize>>) {
    let d = inputs.len();
    let design = SaltelliDesign::new(seed, n, d);
    let a = to_values(inputs, &design.a);
    let mut blocks = vec![
        Block {
            first_run: 0,
            values: a.clone(),
        },
        Block {
            first_run: if sources.is_empty() { n as u64 } else { 0 },
            values: to_values(inputs, &design.b),
        },
    ];
    for i in 0..d {
        blocks.push(Block {
            first_run: 0,
            values: to_values(inputs, &design.ab(i)),
        });
    }
    if !sources.is_empty() {
        for _ in sources {
            blocks.push(Block {
                first_run: 0,
                values: a.clone(),
            });
        }
        return (blocks, d + sources.len(), design.blocks);
    }
    if noise {
        blocks.push(Block {
            first_run: n as u64,
            values: a,
        });
    }
    (blocks, d + usize::from(noise), design.blocks)
}

/// Sobol' indices of every output column, in parallel over columns (each column's numbers are
/// independent of the others, so the order of work does not matter).
fn sobol_estimates(
    model: &Model,
    out: &[Vec<f64>],
    d_all: usize,
    n_series: usize,
    rows: &[std::ops::Range<usize>],
    settings: &Settings,
    estimated: Progress<'_>,
) -> SobolResult {
    let noise = has_noise(model);
    let n_cols = model.outcomes.len();
    let n_out = n_cols - n_series;
    let column = |b: usize, k: usize| -> Vec<f64> {
        out[b].chunks_exact(n_cols).map(|row| row[k]).collect()
    };
    let estimate = |k: usize| -> Option<SobolColumn> {
        let ya = column(0, k);
        let yb = column(1, k);
        let yab: Vec<Vec<f64>> = (0..d_all).map(|i| column(2 + i, k)).collect();
        let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
        let column = sobol::sobol_blocks(&ya, &yb, &refs, rows, settings.confidence);
        estimated(1);
        column
    };
    let all: Vec<Option<SobolColumn>> = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
    {
        Ok(pool) => pool.install(|| (0..n_cols).into_par_iter().map(estimate).collect()),
        Err(_) => (0..n_cols).map(estimate).collect(),
    };
    let mut all = all.into_iter();
    let outcomes: Vec<_> = all.by_ref().take(n_out).collect();
    let series = if n_series == 0 {
        Vec::new()
    } else {
        let rest: Vec<_> = all.collect();
        rest.chunks(model.n_months).map(<[_]>::to_vec).collect()
    };
    SobolResult {
        noise,
        // Named by the caller, which knows how the noise was split.
        noise_inputs: Vec::new(),
        outcomes,
        series,
    }
}

/// One block per trajectory point k (rows = trajectories, run index = trajectory index).
fn morris_blocks(inputs: &[Input], trajectories: &[design::Trajectory]) -> Vec<Block> {
    let d = inputs.len();
    (0..=d)
        .map(|k| Block {
            first_run: 0,
            values: trajectories
                .iter()
                .flat_map(|tr| {
                    tr.points[k * d..(k + 1) * d]
                        .iter()
                        .zip(inputs)
                        .map(|(&x, input)| input.swing_value(x))
                })
                .collect(),
        })
        .collect()
}

/// Morris statistics per outcome and input.
fn morris_estimates(
    model: &Model,
    out: &[Vec<f64>],
    trajectories: &[design::Trajectory],
    settings: &Settings,
) -> MorrisResult {
    let n_out = model.outcomes.len();
    let d = out.len() - 1;
    let outcomes = (0..n_out)
        .map(|k| {
            // y[t * (d + 1) + point]
            let mut y = vec![0.0; trajectories.len() * (d + 1)];
            for (point, block) in out.iter().enumerate() {
                for (t, row) in block.chunks_exact(n_out).enumerate() {
                    y[t * (d + 1) + point] = row[k];
                }
            }
            morris::elementary_effects(trajectories, &y, d)
                .iter()
                .map(|e| {
                    morris::morris_stats(e, settings.resamples, settings.confidence, settings.seed)
                })
                .collect()
        })
        .collect();
    MorrisResult { outcomes }
}

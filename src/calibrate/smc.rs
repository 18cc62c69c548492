//! Likelihood-tempered sequential Monte Carlo with pseudo-marginal rejuvenation moves.
//!
//! The target at temperature φ ∈ [0, 1] is p(z) L̂(z)^φ, where p is the standard normal prior of
//! the sampler's coordinates ([`super::prior`]) and L̂ the likelihood of the fitted observations
//! estimated from `sims` simulations of the world at z ([`Simulator::log_liks`]): an unbiased
//! estimate of the likelihood under the stated observation-error model, so that at φ = 1 the
//! particles target the exact posterior of that model (Andrieu & Roberts 2009, pseudo-marginal;
//! Wilkinson 2013, ABC with the observation error as kernel). Each stage:
//!
//! 1. the next temperature is found by bisection so that the effective sample size of the
//!    incremental weights L̂^(φ'−φ) is `ess_fraction · N` (Jasra et al. 2011), or is 1 if the
//!    ESS at φ = 1 is at least that;
//! 2. the particles are resampled (systematic resampling);
//! 3. the particles move by Metropolis–Hastings steps that leave p(z) p(u) L̂(z, u)^φ invariant,
//!    u being the random numbers of a particle's `sims` simulations (their run indices). Each
//!    move has two blocks (Gibbs on the extended space, as in the block pseudo-marginal sampler
//!    of Tran, Kohn, Quiroz & Villani 2016):
//!    - **params given the noise**: alternately a random walk in z with proposal covariance
//!      `scale² Σ` and an independent proposal from N(μ, Σ), μ and Σ the weighted mean and
//!      covariance of the cloud before resampling (South, Pettitt & Drovandi 2019), simulated
//!      on the particle's own random numbers (common random numbers), so that for a step of
//!      the walk the ratio L̂(z′, u) / L̂(z, u) is free of the noise that makes a plain
//!      pseudo-marginal sampler stick, and an accepted independent proposal forgets where the
//!      particle was;
//!    - **the noise given the params**: one of the `sims` simulations is replaced by a fresh one
//!      (new run index), accepted with probability min(1, (L̂′/L̂)^φ).
//!
//!    The number of moves follows Drovandi & Pettitt (2011): after each move,
//!    R = ⌈ln c / ln(1 − a)⌉ with `a` the acceptance rate of the param steps so far and
//!    c = 0.01, so that a particle keeps its params with probability about 1%, up to
//!    `max_moves`; `scale` starts at 2.38/√d (Roberts & Rosenthal 2001) and is adapted between
//!    stages towards an acceptance rate of 0.234, within [1/4, 2] of its start.
//!
//! Every random number of the sampler comes from streams keyed by the seed, the stage and the
//! move, and every simulation from the engine with fixed run indices, so the result is
//! bit-identical for any thread count.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::linalg::{lower_mul, robust_cholesky, weighted_cov};
use super::observe::ErrorModel;
use super::prior::Prior;
use crate::engine::rng::{run_key, site_key, stream};
use crate::engine::sample::{normal, standard_uniform};
use crate::engine::{self, FaultMode, Progress, RunError, RunInputs, RunOutput, RunPlan};
use crate::model::Model;

/// How the sampler runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SmcSettings {
    /// Particles N.
    pub particles: usize,
    /// Simulations per likelihood estimate.
    pub sims: usize,
    /// Master seed of the sampler and of the simulations.
    pub seed: u64,
    /// Worker threads (the result does not depend on it).
    pub threads: usize,
    /// Bundle simulated (index into the model's bundles).
    pub bundle: usize,
    /// Target effective sample size of each reweighting, as a share of N.
    pub ess_fraction: f64,
    /// Most moves per stage, by the acceptance rule.
    pub max_moves: usize,
    /// Most moves of the last stage, which moves on until the genealogy ESS reaches
    /// `ess_fraction · N`.
    pub final_moves: usize,
    /// Wanted probability that a particle is not moved in a stage (Drovandi & Pettitt's c).
    pub unmoved: f64,
    /// Probability that a report is a gross error ([`super::observe`]).
    pub gross_error: f64,
}

impl SmcSettings {
    /// The default settings for `particles` particles.
    pub fn new(particles: usize, sims: usize, seed: u64, threads: usize, bundle: usize) -> Self {
        SmcSettings {
            particles,
            sims,
            seed,
            threads,
            bundle,
            ess_fraction: 0.5,
            max_moves: 50,
            final_moves: 200,
            unmoved: 0.01,
            gross_error: super::observe::DEFAULT_GROSS_ERROR,
        }
    }
}

/// What one stage did.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Temperature reached.
    pub phi: f64,
    /// Effective sample size of the reweighting.
    pub ess: f64,
    /// Moves made.
    pub moves: usize,
    /// Share of random-walk param steps accepted.
    pub acceptance: f64,
    /// Share of independent param proposals accepted.
    pub independent: f64,
    /// Share of noise refreshes accepted.
    pub refresh: f64,
    /// Proposal scale (multiplying the cloud's covariance factor).
    pub scale: f64,
    /// Share of particles moved at least once.
    pub moved: f64,
    /// Largest correlation, over params, between a particle's coordinate before and after the
    /// stage's moves (how much the moves decorrelated the resampled cloud).
    pub carryover: f64,
    /// Distinct prior draws the particles descend from.
    pub ancestors: usize,
    /// The smallest, over params, genealogy ESS of the cloud after the moves
    /// ([`genealogy_ess`]).
    pub genealogy_ess: f64,
    /// Simulations of the stage.
    pub sims: u64,
    /// Seconds since the sampler started.
    pub elapsed: f64,
}

/// The sampler's result.
#[derive(Clone, Debug)]
pub struct SmcResult {
    /// Final coordinates, N rows of d.
    pub z: Vec<f64>,
    /// Final param values, N rows of d.
    pub theta: Vec<f64>,
    /// Final weights (equal: the last stage resamples and moves).
    pub weights: Vec<f64>,
    /// Final log-likelihood estimates.
    pub log_lik: Vec<f64>,
    /// Initial coordinates (prior draws).
    pub prior_z: Vec<f64>,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Estimate of the log marginal likelihood of the fitted observations.
    pub log_evidence: f64,
    /// Simulations that faulted (and counted as impossible).
    pub faults: u64,
    /// Simulations in all.
    pub sims: u64,
    /// Wall time, seconds.
    pub elapsed: f64,
}

/// Why the sampler stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum SmcError {
    /// Interrupted.
    Cancelled,
    /// No particle has a finite likelihood: no draw of the prior can produce the figures.
    Impossible,
    /// Nothing to calibrate.
    NoParams,
}

/// The fitted observations: for each, its column among the model's outcomes and its model.
#[derive(Clone, Debug)]
pub struct Likelihood {
    /// (outcome column, error model).
    pub terms: Vec<(usize, ErrorModel)>,
}

impl Likelihood {
    /// The log-likelihood of one simulation's outcome row.
    pub fn of_row(&self, row: &[f64]) -> f64 {
        self.terms.iter().map(|(c, m)| m.log_lik(row[*c])).sum()
    }
}

/// Runs the world for the sampler: particles' params as fixed run inputs, each simulation on
/// a run index of its own (its random numbers), handed out in order from 0.
pub struct Simulator<'a> {
    /// The model whose outcomes are the observations (stopping after the last fitted one).
    pub model: &'a Model,
    /// Coordinates to params.
    pub prior: &'a Prior,
    /// Fitted observations.
    pub likelihood: &'a Likelihood,
    /// Seed, threads, bundle, sims.
    pub settings: &'a SmcSettings,
    /// Next unused run index.
    pub next_run: u64,
    /// Runs done.
    pub runs: u64,
    /// Runs that faulted.
    pub faults: u64,
    /// Progress of the runs.
    pub progress: Progress<'a>,
    /// Raised to stop.
    pub cancel: &'a AtomicBool,
}

impl Simulator<'_> {
    /// `n` unused run indices.
    pub fn fresh(&mut self, n: usize) -> Vec<u64> {
        let ids = (self.next_run..self.next_run + n as u64).collect();
        self.next_run += n as u64;
        ids
    }

    /// Simulates `model` once per row of param values (`theta`, rows of `dim` values) on the
    /// run index `ids[row]`, counting faulted runs (their outcomes are NaN and they are left out
    /// of the series).
    pub fn run(
        &mut self,
        model: &Model,
        theta: &[f64],
        ids: &[u64],
    ) -> Result<RunOutput, SmcError> {
        let plan = RunPlan {
            seed: self.settings.seed,
            runs: ids.len() as u64,
            first_run: 0,
            bundles: vec![self.settings.bundle],
            threads: self.settings.threads,
            inputs: Some(Arc::new(RunInputs {
                params: self.prior.params.clone(),
                levers: Vec::new(),
                values: theta.to_vec(),
                run_ids: ids.to_vec(),
            })),
            on_fault: FaultMode::Count,
        };
        self.runs += ids.len() as u64;
        match engine::run(model, &plan, self.progress, self.cancel) {
            Ok(out) => {
                self.faults += out.faults.len() as u64;
                Ok(out)
            }
            Err(RunError::Cancelled) => Err(SmcError::Cancelled),
            // Counted faults never stop a plan.
            Err(RunError::Fault(_)) => Err(SmcError::Cancelled),
        }
    }

    /// The outcome rows of [`Simulator::run`].
    pub fn outcomes(
        &mut self,
        model: &Model,
        theta: &[f64],
        ids: &[u64],
    ) -> Result<Vec<f64>, SmcError> {
        Ok(self.run(model, theta, ids)?.outcomes.swap_remove(0))
    }

    /// The log-likelihood of the fitted observations in each simulation: row `i` of
    /// coordinates `z` simulated on each of the `per_row` run indices `ids[i * per_row..]`.
    pub fn log_liks(
        &mut self,
        z: &[f64],
        ids: &[u64],
        per_row: usize,
    ) -> Result<Vec<f64>, SmcError> {
        let d = self.prior.dim();
        let mut theta = Vec::with_capacity(ids.len() * d);
        let mut row = vec![0.0; d];
        for zr in z.chunks_exact(d) {
            self.prior.values_into(zr, &mut row);
            for _ in 0..per_row {
                theta.extend_from_slice(&row);
            }
        }
        let out = self.outcomes(self.model, &theta, ids)?;
        let n_out = self.model.outcomes.len();
        Ok(out
            .chunks_exact(n_out.max(1))
            .map(|r| self.likelihood.of_row(r))
            .collect())
    }
}

/// ln((1/n) Σ exp(x_i)), −∞ when every x is −∞.
pub fn log_mean_exp(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY || x.is_empty() {
        return f64::NEG_INFINITY;
    }
    let sum: f64 = x.iter().map(|v| (v - max).exp()).sum();
    max + (sum / x.len() as f64).ln()
}

/// Normalised weights ∝ exp(delta · ll) and their effective sample size.
fn weights(ll: &[f64], delta: f64) -> (Vec<f64>, f64) {
    let logw: Vec<f64> = ll.iter().map(|l| delta * l).collect();
    let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut w: Vec<f64> = logw
        .iter()
        .map(|l| {
            if max.is_finite() {
                (l - max).exp()
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    if total > 0.0 {
        for x in &mut w {
            *x /= total;
        }
    }
    let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
    (w, ess)
}

/// The next temperature: the φ' in (φ, 1] whose weights have an ESS of `target`, by bisection
/// (the ESS falls as φ' grows), or 1 if its ESS is at least `target`.
fn next_phi(ll: &[f64], phi: f64, target: f64) -> f64 {
    if weights(ll, 1.0 - phi).1 >= target {
        return 1.0;
    }
    let (mut lo, mut hi) = (phi, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if weights(ll, mid - phi).1 >= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // A last step of under 2% of this one is not worth a stage of its own: take it now (the
    // ESS then falls a little below the target).
    if 1.0 - lo < 0.02 * (lo - phi) {
        return 1.0;
    }
    // Always advance, even when only a few particles have a finite likelihood.
    lo.max(phi + 1e-12).min(1.0)
}

/// Systematic resampling: the indices of N draws with probabilities `w`, from one uniform.
fn systematic(w: &[f64], u: f64) -> Vec<usize> {
    let n = w.len();
    let mut out = Vec::with_capacity(n);
    let mut cum = 0.0;
    let mut i = 0;
    for k in 0..n {
        let target = (k as f64 + u) / n as f64;
        while i + 1 < n && cum + w[i] < target {
            cum += w[i];
            i += 1;
        }
        out.push(i);
    }
    out
}

/// Per column of an equally weighted cloud, the effective sample size of its mean estimated
/// from the particles' genealogy (Chan & Lai 2013; Lee & Whiteley 2018): the variance of the
/// mean is estimated by Σ_g (Σ_{i∈g} (x_i − x̄))² / N², g running over the groups of particles
/// that descend from the same initial particle, and the ESS is the cloud's variance over it. For
/// N independent particles it is about N; for a cloud of copies of a few ancestors, about the
/// number of ancestors (weighted by their shares).
pub fn genealogy_ess(x: &[f64], d: usize, ancestor: &[usize]) -> Vec<f64> {
    let n = ancestor.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| ancestor[i]);
    (0..d)
        .map(|k| {
            let mean = x.chunks_exact(d).map(|r| r[k]).sum::<f64>() / n as f64;
            let var = x
                .chunks_exact(d)
                .map(|r| (r[k] - mean).powi(2))
                .sum::<f64>()
                / n as f64;
            let mut between = 0.0;
            let mut group = 0.0;
            for (pos, &i) in order.iter().enumerate() {
                group += x[i * d + k] - mean;
                let last = pos + 1 == n || ancestor[order[pos + 1]] != ancestor[i];
                if last {
                    between += group * group;
                    group = 0.0;
                }
            }
            if between > 0.0 {
                var * (n * n) as f64 / between
            } else {
                f64::NAN
            }
        })
        .collect()
}

fn min_ess(x: &[f64], d: usize, ancestor: &[usize]) -> f64 {
    genealogy_ess(x, d, ancestor)
        .into_iter()
        .filter(|e| !e.is_nan())
        .fold(f64::INFINITY, f64::min)
}

/// Largest correlation over columns between two clouds of `d` columns.
fn carryover(before: &[f64], after: &[f64], d: usize) -> f64 {
    let n = before.len() / d.max(1);
    if n < 3 {
        return f64::NAN;
    }
    let mut worst: f64 = 0.0;
    for k in 0..d {
        let col = |x: &[f64]| -> Vec<f64> { x.chunks_exact(d).map(|r| r[k]).collect() };
        let (a, b) = (col(before), col(after));
        let (ma, mb) = (
            a.iter().sum::<f64>() / n as f64,
            b.iter().sum::<f64>() / n as f64,
        );
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(&b) {
            sab += (x - ma) * (y - mb);
            saa += (x - ma) * (x - ma);
            sbb += (y - mb) * (y - mb);
        }
        if saa > 0.0 && sbb > 0.0 {
            worst = worst.max(sab / (saa * sbb).sqrt());
        }
    }
    worst
}

/// Particles: coordinates, the run indices of their simulations and the log-likelihood of each.
#[derive(Clone, Debug, PartialEq)]
pub struct Particles {
    /// Coordinates, N rows of d.
    pub z: Vec<f64>,
    /// Run indices of each particle's simulations, N rows of `sims`.
    pub ids: Vec<u64>,
    /// Log-likelihood of each of those simulations, N rows of `sims`.
    pub blocks: Vec<f64>,
    /// Each particle's log-likelihood estimate (log-mean-exp of its blocks).
    pub ll: Vec<f64>,
    /// The prior draw each particle descends from.
    pub ancestor: Vec<usize>,
}

/// The sampler's state at the end of a stage: everything the next stages depend on (the rest
/// of its random numbers are keyed by seed and stage), so that continuing from it gives the
/// result of an uninterrupted run bit for bit. `leversim calibrate --resume` keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The particles after the stage's moves.
    pub particles: Particles,
    /// Initial coordinates (prior draws).
    pub prior_z: Vec<f64>,
    /// Proposal scale for the next stage.
    pub scale: f64,
    /// Temperature reached.
    pub phi: f64,
    /// Log evidence so far.
    pub log_evidence: f64,
    /// The stages finished.
    pub stages: Vec<Stage>,
    /// The simulator's next unused run index.
    pub next_run: u64,
    /// The simulator's runs done.
    pub runs: u64,
    /// The simulator's faulted runs.
    pub faults: u64,
}

impl Checkpoint {
    /// Whether this state has the shapes of a sampler of `n` particles, `k` simulations per
    /// estimate and `d` params.
    pub fn fits(&self, n: usize, k: usize, d: usize) -> bool {
        let p = &self.particles;
        p.z.len() == n * d
            && self.prior_z.len() == n * d
            && p.ids.len() == n * k
            && p.blocks.len() == n * k
            && p.ll.len() == n
            && p.ancestor.len() == n
            && p.ancestor.iter().all(|&a| a < n)
            && (0.0..=1.0).contains(&self.phi)
            && !self.stages.is_empty()
    }
}

impl Particles {
    fn resample(&mut self, picks: &[usize], d: usize, k: usize) {
        let take = |x: &[f64], w: usize| -> Vec<f64> {
            picks
                .iter()
                .flat_map(|&i| x[i * w..(i + 1) * w].to_vec())
                .collect()
        };
        self.z = take(&self.z, d);
        self.blocks = take(&self.blocks, k);
        self.ids = picks
            .iter()
            .flat_map(|&i| self.ids[i * k..(i + 1) * k].to_vec())
            .collect();
        self.ll = picks.iter().map(|&i| self.ll[i]).collect();
        self.ancestor = picks.iter().map(|&i| self.ancestor[i]).collect();
    }
}

/// Runs the sampler. `on_stage` is told of each stage as it ends.
///
/// # Errors
/// Cancellation, no param to calibrate, or no prior draw with a finite likelihood.
pub fn run(
    sim: &mut Simulator<'_>,
    on_stage: &mut dyn FnMut(&Stage),
) -> Result<SmcResult, SmcError> {
    run_from(sim, on_stage, None, &mut None)
}

/// Runs the sampler as [`run`] does, continuing from `resume` (the state after a stage of an
/// interrupted run with the same settings) when given, and leaving in `kept` the state after
/// each stage it finishes, so that an interrupted caller can keep it.
///
/// # Errors
/// As [`run`]; a `resume` whose shapes do not fit the settings is refused as
/// [`SmcError::Impossible`] would be, so callers check it with [`Checkpoint::fits`] first.
pub fn run_from(
    sim: &mut Simulator<'_>,
    on_stage: &mut dyn FnMut(&Stage),
    resume: Option<Checkpoint>,
    kept: &mut Option<Checkpoint>,
) -> Result<SmcResult, SmcError> {
    let started = Instant::now();
    let settings = sim.settings.clone();
    let n = settings.particles;
    let k = settings.sims.max(1);
    let d = sim.prior.dim();
    if d == 0 {
        return Err(SmcError::NoParams);
    }
    let seed = settings.seed;
    let base_scale = 2.38 / (d as f64).sqrt();
    let (mut p, prior_z, mut scale, mut phi, mut log_evidence, mut stages) = match resume {
        Some(c) => {
            if !c.fits(n, k, d) {
                return Err(SmcError::Impossible);
            }
            sim.next_run = c.next_run;
            sim.runs = c.runs;
            sim.faults = c.faults;
            (
                c.particles,
                c.prior_z,
                c.scale,
                c.phi,
                c.log_evidence,
                c.stages,
            )
        }
        None => {
            let mut rng = stream(run_key(seed, 0), site_key("calibrate:init"), 0);
            let z: Vec<f64> = (0..n * d).map(|_| normal(&mut rng, 0.0, 1.0)).collect();
            let prior_z = z.clone();
            let ids = sim.fresh(n * k);
            let blocks = sim.log_liks(&z, &ids, k)?;
            let ll = blocks.chunks_exact(k).map(log_mean_exp).collect();
            let p = Particles {
                z,
                ids,
                blocks,
                ll,
                ancestor: (0..n).collect(),
            };
            (p, prior_z, base_scale, 0.0, 0.0, Vec::new())
        }
    };
    let mut step = vec![0.0; d];
    let mut eps = vec![0.0; d];
    let norm2 = |r: &[f64]| r.iter().map(|x| x * x).sum::<f64>();
    for stage in stages.len() as u64 + 1.. {
        // A run interrupted after its last stage continues with what follows the sampler.
        if phi >= 1.0 {
            break;
        }
        if p.ll.iter().all(|l| *l == f64::NEG_INFINITY) {
            return Err(SmcError::Impossible);
        }
        let sims_before = sim.runs;
        let target = settings.ess_fraction * n as f64;
        let next = next_phi(&p.ll, phi, target);
        let delta = next - phi;
        let (w, ess) = weights(&p.ll, delta);
        log_evidence += log_mean_exp(&p.ll.iter().map(|l| delta * l).collect::<Vec<_>>());
        let (mean, cov) = weighted_cov(&p.z, d, &w);
        let factor = robust_cholesky(&cov, d, 1e-12);
        let mut rng = stream(run_key(seed, stage), site_key("calibrate:resample"), 0);
        let picks = systematic(&w, standard_uniform(&mut rng));
        p.resample(&picks, d, k);
        phi = next;

        // Moves: params given the noise, then the noise given the params.
        let start = p.z.clone();
        let mut moved = vec![false; n];
        let (mut accepted, mut jumped, mut refreshed) = (0u64, 0u64, 0u64);
        let mut moves = 0;
        loop {
            let mut rng = stream(
                run_key(seed, stage),
                site_key("calibrate:move"),
                moves as u64,
            );
            // Odd moves propose independently from the normal fitted to the cloud (a draw
            // that forgets where the particle was, when accepted), even moves a random walk
            // (local, so that on the same random numbers the likelihood changes smoothly).
            let independent = moves % 2 == 1;
            let mut proposal = p.z.clone();
            let mut log_q = vec![0.0; n];
            for (i, row) in proposal.chunks_exact_mut(d).enumerate() {
                for e in eps.iter_mut() {
                    *e = normal(&mut rng, 0.0, 1.0);
                }
                lower_mul(&factor, d, &eps, &mut step);
                if independent {
                    for ((x, s), m) in row.iter_mut().zip(&step).zip(&mean) {
                        *x = m + s;
                    }
                    // ln q(old) − ln q(new), q the fitted normal (constants cancel).
                    let old = &p.z[i * d..(i + 1) * d];
                    log_q[i] = -0.5 * (mahalanobis(&factor, d, old, &mean) - norm2(&eps));
                } else {
                    for (x, s) in row.iter_mut().zip(&step) {
                        *x += scale * s;
                    }
                }
            }
            let blocks_new = sim.log_liks(&proposal, &p.ids, k)?;
            for i in 0..n {
                let ll_new = log_mean_exp(&blocks_new[i * k..(i + 1) * k]);
                let (old, new) = (&p.z[i * d..(i + 1) * d], &proposal[i * d..(i + 1) * d]);
                let log_ratio =
                    mh_ratio(phi, p.ll[i], ll_new) - 0.5 * (norm2(new) - norm2(old)) + log_q[i];
                let counter = if independent {
                    &mut jumped
                } else {
                    &mut accepted
                };
                if standard_uniform(&mut rng).ln() < log_ratio {
                    *counter += 1;
                    moved[i] = true;
                    p.z[i * d..(i + 1) * d].copy_from_slice(&proposal[i * d..(i + 1) * d]);
                    p.blocks[i * k..(i + 1) * k].copy_from_slice(&blocks_new[i * k..(i + 1) * k]);
                    p.ll[i] = ll_new;
                }
            }
            // A fresh simulation for block `b` of every particle.
            let b = moves % k;
            let fresh = sim.fresh(n);
            let fresh_ll = sim.log_liks(&p.z, &fresh, 1)?;
            let mut trial = vec![0.0; k];
            for i in 0..n {
                trial.copy_from_slice(&p.blocks[i * k..(i + 1) * k]);
                trial[b] = fresh_ll[i];
                let ll_new = log_mean_exp(&trial);
                if standard_uniform(&mut rng).ln() < mh_ratio(phi, p.ll[i], ll_new) {
                    refreshed += 1;
                    p.blocks[i * k + b] = fresh_ll[i];
                    p.ids[i * k + b] = fresh[i];
                    p.ll[i] = ll_new;
                }
            }
            moves += 1;
            let rate = (accepted + jumped) as f64 / (moves * n) as f64;
            let wanted = if rate >= 1.0 {
                1
            } else if rate <= 0.0 {
                settings.max_moves
            } else {
                (settings.unmoved.ln() / (1.0 - rate).ln()).ceil() as usize
            };
            if moves >= wanted.clamp(1, settings.max_moves) {
                // The last stage goes on until the ensemble's genealogy ESS reaches the target
                // (or the budget of moves is spent): its particles are the posterior sample.
                if phi < 1.0
                    || moves >= settings.final_moves
                    || min_ess(&p.z, d, &p.ancestor) >= target
                {
                    break;
                }
            }
        }
        let walks = moves.div_ceil(2);
        let acceptance = accepted as f64 / (walks * n).max(1) as f64;
        let independent = jumped as f64 / ((moves - walks) * n).max(1) as f64;
        let distinct = |x: &[usize]| {
            let mut v = x.to_vec();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        let record = Stage {
            phi,
            ess,
            moves,
            acceptance,
            independent,
            refresh: refreshed as f64 / (moves * n).max(1) as f64,
            scale,
            moved: moved.iter().filter(|m| **m).count() as f64 / n as f64,
            carryover: carryover(&start, &p.z, d),
            ancestors: distinct(&p.ancestor),
            genealogy_ess: min_ess(&p.z, d, &p.ancestor),
            sims: sim.runs - sims_before,
            elapsed: started.elapsed().as_secs_f64(),
        };
        on_stage(&record);
        stages.push(record);
        scale = (scale * (acceptance - 0.234).exp()).clamp(0.25 * base_scale, 2.0 * base_scale);
        *kept = Some(Checkpoint {
            particles: p.clone(),
            prior_z: prior_z.clone(),
            scale,
            phi,
            log_evidence,
            stages: stages.clone(),
            next_run: sim.next_run,
            runs: sim.runs,
            faults: sim.faults,
        });
        if phi >= 1.0 {
            break;
        }
    }
    let mut theta = vec![0.0; p.z.len()];
    for (zr, tr) in p.z.chunks_exact(d).zip(theta.chunks_exact_mut(d)) {
        sim.prior.values_into(zr, tr);
    }
    Ok(SmcResult {
        theta,
        z: p.z,
        weights: vec![1.0 / n as f64; n],
        log_lik: p.ll,
        prior_z,
        stages,
        log_evidence,
        faults: sim.faults,
        sims: sim.runs,
        elapsed: started.elapsed().as_secs_f64(),
    })
}

/// (x − m)ᵀ Σ⁻¹ (x − m) for Σ = L Lᵀ, by forward substitution.
fn mahalanobis(l: &[f64], d: usize, x: &[f64], m: &[f64]) -> f64 {
    let mut y = vec![0.0; d];
    let mut total = 0.0;
    for i in 0..d {
        let mut s = x[i] - m[i];
        for k in 0..i {
            s -= l[i * d + k] * y[k];
        }
        y[i] = s / l[i * d + i];
        total += y[i] * y[i];
    }
    total
}

/// The log of the Metropolis–Hastings ratio (L̂′/L̂)^φ, with −∞ likelihoods (faulted
/// simulations) never entered and always left.
fn mh_ratio(phi: f64, ll: f64, ll_new: f64) -> f64 {
    if ll_new == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if ll == f64::NEG_INFINITY {
        f64::INFINITY
    } else {
        phi * (ll_new - ll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_fits_only_the_shapes_it_was_saved_with() {
        // Two particles, two simulations per estimate, two params: ids and blocks hold n · k.
        let stage = Stage {
            phi: 0.5,
            ess: 2.0,
            moves: 1,
            acceptance: 0.5,
            independent: 0.0,
            refresh: 0.0,
            scale: 1.0,
            moved: 1.0,
            carryover: f64::NAN,
            ancestors: 2,
            genealogy_ess: 2.0,
            sims: 4,
            elapsed: 0.0,
        };
        let c = Checkpoint {
            particles: Particles {
                z: vec![0.1, -0.2, 0.3, 0.4],
                ids: vec![1, 2, 3, 4],
                blocks: vec![-1.0, -2.0, -3.0, -4.0],
                ll: vec![-1.5, -3.5],
                ancestor: vec![0, 1],
            },
            prior_z: vec![1.0, 2.0, 3.0, 4.0],
            scale: 1.0,
            phi: 0.5,
            log_evidence: -1.0,
            stages: vec![stage],
            next_run: 5,
            runs: 4,
            faults: 0,
        };
        assert!(c.fits(2, 2, 2));
        assert!(!c.fits(2, 1, 2), "one simulation per estimate");
        assert!(!c.fits(2, 4, 2), "four simulations per estimate");
        assert!(!c.fits(1, 2, 4), "one particle of four params");
        assert!(!c.fits(4, 1, 1), "four particles of one param");
        let mut far = c.clone();
        far.particles.ancestor[1] = 2;
        assert!(!far.fits(2, 2, 2), "an ancestor beyond the particles");
        let mut hot = c.clone();
        hot.phi = 1.5;
        assert!(!hot.fits(2, 2, 2), "a temperature above 1");
        let mut fresh = c;
        fresh.stages.clear();
        assert!(!fresh.fits(2, 2, 2), "no stage finished");
    }

    #[test]
    fn carryover_is_the_largest_correlation_over_columns() {
        // Two columns: the first kept as it was (correlation 1), the second replaced by values
        // unrelated to it (correlation 0 by construction: even and odd rows cancel).
        let before = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0];
        let after = [0.0, 5.0, 1.0, 5.0, 2.0, 5.0, 3.0, 5.0];
        assert!((carryover(&before, &after, 2) - 1.0).abs() < 1e-12);
        let moved = [3.0, 1.0, 0.0, 2.0, 2.0, 3.0, 1.0, 4.0];
        let c = carryover(&before, &moved, 2);
        // Column 0: corr((0,1,2,3), (3,0,2,1)) = -0.4; column 1: (1,2,3,4) kept, 1.
        assert!((c - 1.0).abs() < 1e-12, "{c}");
        let first_only = [3.0, 9.0, 0.0, 9.0, 2.0, 9.0, 1.0, 9.0];
        // Column 0 anti-correlated (-0.4), column 1 constant: nothing carried over.
        assert_eq!(carryover(&before, &first_only, 2), 0.0);
        let half = [1.0, 9.0, 0.0, 9.0, 3.0, 9.0, 2.0, 9.0];
        // corr((0,1,2,3), (1,0,3,2)) = 0.6.
        assert!((carryover(&before, &half, 2) - 0.6).abs() < 1e-12);
        assert!(carryover(&before[..4], &after[..4], 2).is_nan());
    }

    #[test]
    fn temperatures_hit_the_target_ess() {
        let ll: Vec<f64> = (0..1000).map(|i| -0.01 * f64::from(i)).collect();
        let next = next_phi(&ll, 0.0, 500.0);
        assert!(next < 1.0);
        assert!((weights(&ll, next).1 - 500.0).abs() < 1e-6);
        // Flat likelihoods: straight to 1.
        assert_eq!(next_phi(&[0.0; 10], 0.3, 5.0), 1.0);
        assert_eq!(log_mean_exp(&[0.0, 0.0]), 0.0);
        assert!((log_mean_exp(&[1000.0, f64::NEG_INFINITY]) - (1000.0 - 2f64.ln())).abs() < 1e-9);
    }

    #[test]
    fn genealogy_ess_counts_independent_draws() {
        // 1000 distinct values, each its own ancestor: ESS 1000 exactly.
        let x: Vec<f64> = (0..1000).map(|i| f64::from(i).sin()).collect();
        let own: Vec<usize> = (0..1000).collect();
        assert!((genealogy_ess(&x, 1, &own)[0] - 1000.0).abs() < 1e-6);
        // Ten copies each of 100 values: ESS 100.
        let copies: Vec<f64> = (0..1000).map(|i| f64::from(i / 10).sin()).collect();
        let groups: Vec<usize> = (0..1000).map(|i| i / 10).collect();
        assert!((genealogy_ess(&copies, 1, &groups)[0] - 100.0).abs() < 1e-6);
    }

    #[test]
    fn systematic_resampling_keeps_expected_counts() {
        let w = [0.1, 0.0, 0.6, 0.3];
        let picks = systematic(&w, 0.5);
        let count = |i| picks.iter().filter(|&&p| p == i).count();
        assert_eq!(picks.len(), 4);
        assert_eq!(count(1), 0);
        // Each count is the expected 4 w_i rounded down or up.
        assert!((2..=3).contains(&count(2)));
        assert!((1..=2).contains(&count(3)));
    }
}

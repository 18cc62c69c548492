//! Calibration: conditioning a world's params on what was reported, and scoring the world on
//! what was not.
//!
//! The scenario's observations with role `fit` define a likelihood through their stated
//! uncertainty ([`observe`]); [`smc`] samples the posterior of the free params with
//! likelihood-tempered sequential Monte Carlo whose likelihood is estimated by simulating the
//! world (pseudo-marginal), in coordinates where every prior is a standard normal ([`prior`]).
//! Then prior and posterior predictive runs give each observation, fitted or held out (`check`),
//! its predicted band, and [`report`] turns them into the summaries and the scoring table of a
//! calibration folder. [`posterior`] reads such a folder back as an ensemble that `run`,
//! `compare`, `sweep` and `sensitivity` draw params from.
//!
//! The method, its choices and how to read the diagnostics are documented in
//! `docs/calibration.md`.

pub mod linalg;
pub mod observe;
pub mod posterior;
pub mod prior;
pub mod report;
pub mod smc;

use std::sync::atomic::AtomicBool;

use crate::engine::rng::{run_key, site_key, stream};
use crate::engine::sample::normal;
use crate::engine::{Progress, RunOutput};
use crate::model::{Model, params_influencing};
use crate::output::schema::calibration::{ObservationFit, ParamSummary, PredictiveRow, Score};
use crate::scenario::{Month, ObservationRole, Scenario};
use observe::ErrorModel;
use prior::Prior;
use smc::{Likelihood, Simulator, SmcError, SmcResult, SmcSettings, Stage};

/// Particles when neither the command line nor the scenario says: with the ESS kept at half
/// the particles, the last reweighting keeps an effective sample of at least 1,000.
pub const DEFAULT_PARTICLES: usize = 2000;

/// Particles whose likelihood noise is measured after the sampler ends, and simulations each.
const NOISE_PARTICLES: usize = 200;
const NOISE_SIMS: usize = 4;

/// Why a calibration could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum CalibrateError {
    /// No observation has role `fit`.
    NothingToFit,
    /// No free param.
    NoParams,
    /// No prior draw reproduces the fitted figures at all (every likelihood is zero).
    Impossible,
    /// No param can change a fitted observation.
    Uninformed,
    /// Interrupted.
    Cancelled,
}

impl std::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalibrateError::NothingToFit => write!(
                f,
                "the scenario has no observation to fit (every one has role = \"check\", or there are none)"
            ),
            CalibrateError::NoParams => write!(
                f,
                "the scenario has no uncertain param to calibrate (all are constants)"
            ),
            CalibrateError::Impossible => write!(
                f,
                "no draw of the priors can produce the fitted figures: every simulation faulted"
            ),
            CalibrateError::Uninformed => write!(
                f,
                "no uncertain param can change any fitted observation: the figures say nothing about the params"
            ),
            CalibrateError::Cancelled => write!(f, "interrupted"),
        }
    }
}

impl CalibrateError {
    /// What the analyst can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            CalibrateError::NothingToFit => {
                "add an [[observations]] entry with a `value`, `min` or `max` (role = \"fit\" is the default)"
            }
            CalibrateError::NoParams => {
                "give the params the figures should inform a distribution, e.g. { dist = \"normal\", mean = 10, sd = 2 }"
            }
            CalibrateError::Impossible => {
                "run `leversim run` on the scenario to see the faults, then widen the priors or fix the formulas"
            }
            CalibrateError::Uninformed => {
                "the fitted observations' variables depend on no uncertain param: observe a variable the params drive"
            }
            CalibrateError::Cancelled => "run the same command again to resume",
        }
    }
}

impl From<SmcError> for CalibrateError {
    fn from(e: SmcError) -> Self {
        match e {
            SmcError::Cancelled => CalibrateError::Cancelled,
            SmcError::Impossible => CalibrateError::Impossible,
            SmcError::NoParams => CalibrateError::NoParams,
        }
    }
}

/// A finished calibration, with everything its folder holds.
#[derive(Clone, Debug)]
pub struct Calibrated {
    /// Every free param.
    pub prior: Prior,
    /// Per free param: whether it can change a fitted observation (else its posterior is its
    /// prior, and the sampler leaves it out).
    pub informed: Vec<bool>,
    /// The posterior ensemble's coordinates: a row of every free param per particle.
    pub z: Vec<f64>,
    /// The posterior ensemble: a row of every free param's value per particle (weights:
    /// `smc.weights`).
    pub theta: Vec<f64>,
    /// The sampler's result, over the informed params.
    pub smc: SmcResult,
    /// Per free param: prior and posterior.
    pub params: Vec<ParamSummary>,
    /// Per observation: prior and posterior predictive fit.
    pub observations: Vec<ObservationFit>,
    /// The scoring table.
    pub scores: Vec<Score>,
    /// Predictive bands of the observed variables, month by month.
    pub predictive: Vec<PredictiveRow>,
    /// Sd of a single simulation's log-likelihood at the posterior.
    pub noise_sd: Option<f64>,
    /// Last month simulated while fitting.
    pub last_month: Month,
    /// Things to look at.
    pub warnings: Vec<String>,
}

/// Calibrates the scenario's model (which must carry no posterior of its own). `progress`
/// counts simulations; `on_stage` hears of each stage of the sampler.
///
/// # Errors
/// See [`CalibrateError`].
pub fn calibrate(
    scenario: &Scenario,
    model: &Model,
    settings: &SmcSettings,
    progress: Progress<'_>,
    cancel: &AtomicBool,
    on_stage: &mut dyn FnMut(&Stage),
) -> Result<Calibrated, CalibrateError> {
    calibrate_from(
        scenario, model, settings, progress, cancel, on_stage, None, &mut None,
    )
}

/// Calibrates as [`calibrate`] does, the sampler continuing from `resume` (the state after a
/// stage of an interrupted calibration with the same scenario and settings) when given, and
/// leaving in `kept` the state after each stage it finishes ([`smc::run_from`]).
///
/// # Errors
/// See [`CalibrateError`].
#[allow(clippy::too_many_arguments)]
pub fn calibrate_from(
    scenario: &Scenario,
    model: &Model,
    settings: &SmcSettings,
    progress: Progress<'_>,
    cancel: &AtomicBool,
    on_stage: &mut dyn FnMut(&Stage),
    resume: Option<smc::Checkpoint>,
    kept: &mut Option<smc::Checkpoint>,
) -> Result<Calibrated, CalibrateError> {
    let errors: Vec<ErrorModel> = scenario
        .observations
        .iter()
        .map(|o| ErrorModel::new(o, settings.gross_error))
        .collect();
    let terms: Vec<(usize, ErrorModel)> = scenario
        .observations
        .iter()
        .zip(&errors)
        .enumerate()
        .filter(|(_, (o, _))| o.role == ObservationRole::Fit)
        .map(|(j, (_, e))| (j, e.clone()))
        .collect();
    if terms.is_empty() {
        return Err(CalibrateError::NothingToFit);
    }
    let mut base = model.clone();
    base.posterior = None;
    let full = Prior::of(&base);
    if full.dim() == 0 {
        return Err(CalibrateError::NoParams);
    }
    // While fitting, runs stop after the last fitted month and record no series.
    let mut fitting = base.observing(Vec::new(), false);
    let last = terms
        .iter()
        .map(|(j, _)| fitting.outcomes[*j].to + 1)
        .max()
        .unwrap_or(fitting.n_months);
    fitting.run_months = last.min(fitting.n_months);
    // Params that cannot change any fitted observation keep their priors exactly; the sampler
    // works on the others.
    let targets: Vec<_> = terms
        .iter()
        .map(|(j, _)| fitting.outcomes[*j].slot)
        .collect();
    let reach = params_influencing(&fitting, &targets);
    let informed: Vec<bool> = full.params.iter().map(|&k| reach[k]).collect();
    let prior = full.restricted(&informed);
    if prior.dim() == 0 {
        return Err(CalibrateError::Uninformed);
    }
    let likelihood = Likelihood { terms };
    let mut sim = Simulator {
        model: &fitting,
        prior: &prior,
        likelihood: &likelihood,
        settings,
        next_run: 0,
        runs: 0,
        faults: 0,
        progress,
        cancel,
    };
    let result = smc::run_from(&mut sim, on_stage, resume, kept)?;

    // Noise of one simulation's log-likelihood at the posterior.
    let d = prior.dim();
    let m = NOISE_PARTICLES.min(settings.particles);
    // The noise of the likelihood at the posterior: each of `m` particles simulated
    // NOISE_SIMS more times; the sd, within particles, of the log-likelihood of all fitted
    // observations and of each one.
    let (noise_sd, term_noise) = {
        let rows: Vec<f64> = result.z[..m * d]
            .chunks_exact(d)
            .flat_map(|r| std::iter::repeat_n(r, NOISE_SIMS).flatten().copied())
            .collect();
        let ids = sim.fresh(m * NOISE_SIMS);
        let mut theta = vec![0.0; rows.len()];
        for (zr, tr) in rows.chunks_exact(d).zip(theta.chunks_exact_mut(d)) {
            prior.values_into(zr, tr);
        }
        let out = sim.outcomes(&fitting, &theta, &ids)?;
        let n_out = fitting.outcomes.len().max(1);
        let within_sd = |value: &dyn Fn(&[f64]) -> f64| -> Option<f64> {
            let mut var_sum = 0.0;
            let mut count = 0usize;
            for group in out.chunks_exact(n_out * NOISE_SIMS) {
                let v: Vec<f64> = group.chunks_exact(n_out).map(value).collect();
                if v.iter().all(|l| l.is_finite()) {
                    let mean = v.iter().sum::<f64>() / NOISE_SIMS as f64;
                    var_sum +=
                        v.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (NOISE_SIMS - 1) as f64;
                    count += 1;
                }
            }
            (count > 0).then(|| (var_sum / count as f64).sqrt())
        };
        let total = within_sd(&|row| likelihood.of_row(row));
        let terms: Vec<(usize, Option<f64>)> = likelihood
            .terms
            .iter()
            .map(|(j, e)| (*j, within_sd(&|row| e.log_lik(row[*j]))))
            .collect();
        (total, terms)
    };

    // Every free param of every particle: the sampled ones, and the others from their priors
    // (from a stream of their own). The same for the prior draws.
    let n = settings.particles;
    let widen = |sampled: &[f64], site: &str| -> Vec<f64> {
        let mut rng = stream(run_key(settings.seed, 0), site_key(site), 0);
        let mut out = Vec::with_capacity(n * full.dim());
        for row in sampled.chunks_exact(d) {
            let mut it = row.iter();
            for &inf in &informed {
                let z = if inf {
                    it.next().copied().unwrap_or(0.0)
                } else {
                    normal(&mut rng, 0.0, 1.0)
                };
                out.push(z);
            }
        }
        out
    };
    let z = widen(&result.z, "calibrate:unfitted");
    let prior_z = widen(&result.prior_z, "calibrate:unfitted-prior");
    let values = |z: &[f64]| -> Vec<f64> {
        let mut theta = vec![0.0; z.len()];
        for (zr, tr) in z
            .chunks_exact(full.dim())
            .zip(theta.chunks_exact_mut(full.dim()))
        {
            full.values_into(zr, tr);
        }
        theta
    };
    let theta = values(&z);
    let prior_theta = values(&prior_z);

    // Prior and posterior predictive runs of the whole horizon, with the observed variables'
    // series.
    let mut recorded: Vec<usize> = scenario
        .observations
        .iter()
        .filter_map(|o| o.var.as_ref())
        .filter_map(|v| base.var_index(&v.value))
        .collect();
    recorded.sort_unstable();
    recorded.dedup();
    let whole = base.observing(recorded, false);
    let mut sim = Simulator {
        model: &whole,
        prior: &full,
        likelihood: &likelihood,
        settings,
        next_run: sim.next_run,
        runs: sim.runs,
        faults: sim.faults,
        progress,
        cancel,
    };
    let prior_run = predictive_run(&mut sim, &whole, &prior_theta)?;
    let posterior_run = predictive_run(&mut sim, &whole, &theta)?;

    let params = report::param_summaries(scenario, &full, &z, &theta, &informed);
    let mut observations = report::observation_fits(
        scenario,
        &whole,
        &errors,
        &prior_run.outcomes[0],
        &posterior_run.outcomes[0],
    );
    for (j, sd) in term_noise {
        observations[j].noise = sd;
    }
    let scores = report::scores(&observations);
    let predictive = report::predictive_rows(&whole, &prior_run, &posterior_run);
    let warnings = report::warnings(&result, noise_sd, settings.sims);
    Ok(Calibrated {
        prior: full,
        informed,
        z,
        theta,
        params,
        observations,
        scores,
        predictive,
        noise_sd,
        last_month: model.month_at(last - 1),
        warnings,
        smc: result,
    })
}

/// One run per particle of `model` with the particles' params.
fn predictive_run(
    sim: &mut Simulator<'_>,
    model: &Model,
    theta: &[f64],
) -> Result<RunOutput, CalibrateError> {
    let ids = sim.fresh(theta.len() / sim.prior.dim().max(1));
    Ok(sim.run(model, theta, &ids)?)
}

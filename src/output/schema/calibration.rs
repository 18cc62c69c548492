//! The public format of a calibration folder (`output/<name>-calibration/`), written by
//! `leversim calibrate`.
//!
//! - `calibration.json` is [`CalibrationFile`]: provenance, settings, diagnostics, and the
//!   summaries of params, observations and scores;
//! - `posterior.csv`: one row per particle (`particle`, `weight`, `log_likelihood`, then one
//!   column per free param, by name);
//! - `params.csv`, `observations.csv`, `scores.csv`: the summaries as tables ([`ParamSummary`],
//!   [`ObservationFit`], [`Score`]);
//! - `predictive.csv`: per (`which` = prior or posterior, variable, month) the 5th, 50th and
//!   95th percentiles of each observed variable's predictive series ([`PredictiveRow`]).
//!
//! Field names are a public interface: add fields, never rename them. Results that rest on a
//! calibration record it in their provenance ([`super::Posterior`]: the path of its
//! `posterior.csv` and that file's SHA-256).

use serde::{Deserialize, Serialize};

use super::provenance::{Provenance, Timing};

/// Everything a calibration depends on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalibrationManifest {
    /// The one provenance block: the scenario and the SHA-256 of every file it read (a
    /// posterior is used only with these), the build, seed, threads, overrides, the command;
    /// `runs` counts every simulation, `bundles` is the bundle simulated.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// SHA-256 of `posterior.csv`.
    pub posterior_sha256: String,
    /// Wall time of the sampler, and simulations per second.
    #[serde(flatten)]
    pub timing: Timing,
}

/// How the sampler ran.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalibrationSettings {
    /// The method, in words.
    pub method: String,
    /// Particles.
    pub particles: usize,
    /// Simulations per likelihood estimate.
    pub sims: usize,
    /// Target ESS of each reweighting, as a share of the particles.
    pub ess_fraction: f64,
    /// Most moves per stage, by the acceptance rule.
    pub max_moves: usize,
    /// Most moves of the last stage.
    pub final_moves: usize,
    /// Wanted share of particles left unmoved by a stage's moves.
    pub unmoved: f64,
    /// Softness of bounds and ranges without a stated spread, on the log scale.
    pub default_softness: f64,
    /// Probability that a report is a gross error.
    pub gross_error: f64,
    /// Observations fitted.
    pub fitted: usize,
    /// Observations only scored.
    pub checked: usize,
    /// Free params.
    pub params: usize,
    /// Free params that can change a fitted observation (the sampler's dimension).
    pub informed: usize,
    /// Last month simulated while fitting.
    pub last_month: String,
}

/// One stage of the sampler.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StageRecord {
    /// Stage number, from 1.
    pub stage: usize,
    /// Temperature reached (1: the posterior).
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
    /// Proposal scale.
    pub scale: f64,
    /// Share of particles moved at least once.
    pub moved: f64,
    /// Largest correlation over params between the coordinates before and after the moves.
    pub carryover: f64,
    /// Distinct prior draws the particles descend from.
    pub ancestors: usize,
    /// Smallest, over the sampled params, effective sample size of the cloud estimated from
    /// its genealogy (Chan & Lai 2013).
    pub genealogy_ess: f64,
    /// Simulations.
    pub sims: u64,
    /// Seconds since the start.
    pub elapsed_s: f64,
}

/// Diagnostics of the run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalibrationDiagnostics {
    /// Every stage.
    pub stages: Vec<StageRecord>,
    /// Effective sample size of the last reweighting (to the posterior).
    pub final_ess: f64,
    /// Effective sample size of the posterior ensemble from its genealogy, smallest over the
    /// sampled params (Chan & Lai 2013).
    pub ensemble_ess: f64,
    /// Distinct particles in the ensemble.
    pub unique_particles: usize,
    /// Acceptance of the last stage's moves.
    pub final_acceptance: f64,
    /// Sd of the log-likelihood of one simulation at the posterior particles (the noise of the
    /// estimate; above about 1.5 particles tend to stick).
    pub log_lik_noise_sd: Option<f64>,
    /// Estimate of the log marginal likelihood of the fitted observations.
    pub log_evidence: f64,
    /// Simulations, in all.
    pub simulations: u64,
    /// Simulations that faulted (counted as impossible).
    pub faults: u64,
    /// Wall time of the sampler, seconds.
    pub elapsed_s: f64,
    /// What to look at.
    pub warnings: Vec<String>,
}

/// A param before and after.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ParamSummary {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Whether the param can change a fitted observation (if not, its posterior is its prior
    /// and the sampler leaves it out).
    pub informed: bool,
    /// The prior, e.g. `lognormal(mu=12.42, sigma=0.334)`.
    pub prior: String,
    /// Prior mean.
    pub prior_mean: f64,
    /// Prior 5th percentile.
    pub prior_p05: f64,
    /// Prior median.
    pub prior_p50: f64,
    /// Prior 95th percentile.
    pub prior_p95: f64,
    /// Posterior mean.
    pub posterior_mean: f64,
    /// Posterior sd.
    pub posterior_sd: f64,
    /// Posterior 5th percentile.
    pub posterior_p05: f64,
    /// Posterior median.
    pub posterior_p50: f64,
    /// Posterior 95th percentile.
    pub posterior_p95: f64,
    /// How much the observations narrowed the 90% range: 1 − posterior width / prior width.
    pub narrowing: f64,
    /// How much the observations taught, narrowing or moving it: 1 − the share of the prior's
    /// 90% range (in the prior's percentiles) that the posterior's 90% range still covers.
    pub learned: f64,
    /// Where the posterior 5th, 50th and 95th percentiles sit in the prior (its CDF, 0 to 1).
    pub prior_cdf: [f64; 3],
}

/// A 90% predictive band and median.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Band {
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// How one prediction (prior or posterior) fits one figure.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Fit {
    /// The predictive band of the simulated quantity (none if every simulation faulted).
    pub band: Option<Band>,
    /// A point inside the band; a bound or range that the band reaches.
    pub inside: bool,
    /// Whether the median satisfies a bound or range (points: none).
    pub met: Option<bool>,
    /// Share of simulations that satisfy a bound or range (points: none).
    pub p_met: Option<f64>,
    /// |median − value| / |value| (points only).
    pub rel_error: Option<f64>,
    /// Interval score of the 90% band (points only), on the observation's scale: in log units
    /// on the log scale, in units of the report's sd on the linear.
    pub interval_score: Option<f64>,
    /// (p95 − p05) / |median| (none for a median of 0).
    pub width: Option<f64>,
}

/// One observation and what prior and posterior predict for it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ObservationFit {
    /// Id.
    pub id: String,
    /// `fit` or `check`.
    pub role: String,
    /// The target: a variable name or an expression.
    pub target: String,
    /// The variable, for `var` observations.
    pub variable: Option<String>,
    /// Unit of the variable, if known.
    pub unit: String,
    /// Month the target is read at.
    pub month: String,
    /// `point`, `min`, `max` or `range`.
    pub figure: String,
    /// The reported value (points).
    pub value: Option<f64>,
    /// Lower bound or low end.
    pub low: Option<f64>,
    /// Upper bound or high end.
    pub high: Option<f64>,
    /// `log` or `linear`.
    pub scale: String,
    /// The report's own 90% range of a point value, from its stated spread.
    pub stated_p05: Option<f64>,
    /// Its top.
    pub stated_p95: Option<f64>,
    /// The prior predictive fit.
    pub prior: Fit,
    /// The posterior predictive fit.
    pub posterior: Fit,
    /// For a fitted figure, the sd of its log-likelihood from one simulation to the next at
    /// the posterior: how much the world's own randomness blurs it (above about 1, the world
    /// cannot reproduce the figure as closely as the report states it).
    pub noise: Option<f64>,
    /// Where the figure comes from.
    pub source: String,
    /// The report's words.
    pub quote: String,
    /// Notes.
    pub note: String,
}

/// One line of the scoring table: one role, prior or posterior.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Score {
    /// `fit` or `check`.
    pub role: String,
    /// `prior` or `posterior`.
    pub stage: String,
    /// Point figures.
    pub points: usize,
    /// Share of point figures inside the 90% band.
    pub inside: Option<f64>,
    /// Bounds and ranges.
    pub bounds: usize,
    /// Share of bounds and ranges that the median meets.
    pub bounds_met: Option<f64>,
    /// Median over points of |median − value| / |value|.
    pub median_rel_error: Option<f64>,
    /// Mean interval score of the points' 90% bands.
    pub interval_score: Option<f64>,
    /// Median over points of the band width relative to the median.
    pub band_width: Option<f64>,
}

/// One row of `predictive.csv`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PredictiveRow {
    /// `prior` or `posterior`.
    pub which: String,
    /// Variable.
    pub variable: String,
    /// Month.
    pub month: String,
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// What the charts need to know of the scenario.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalibrationScenario {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Source line for charts.
    pub source: String,
    /// First month.
    pub start: String,
    /// Last month.
    pub end: String,
}

/// `calibration.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CalibrationFile {
    /// Provenance.
    pub manifest: CalibrationManifest,
    /// The scenario, for charts.
    pub scenario: CalibrationScenario,
    /// Settings.
    pub settings: CalibrationSettings,
    /// Diagnostics.
    pub diagnostics: CalibrationDiagnostics,
    /// Per free param.
    pub params: Vec<ParamSummary>,
    /// Per observation.
    pub observations: Vec<ObservationFit>,
    /// The scoring table.
    pub scores: Vec<Score>,
}

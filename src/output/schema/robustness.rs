//! `robustness.json`, `regret.csv`, `regret_runs.csv` and `satisfice.csv`: the results of
//! `leversim robustness`, bundles judged by their regret in each run and by the share of runs
//! that meet thresholds (see [`crate::discover::regret`]).

use serde::{Deserialize, Serialize};

use super::kinds::Better;
use super::number_cell;
use super::provenance::{Provenance, Timing};
use super::summary::ScenarioInfo;

/// Everything the numbers depend on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RobustnessManifest {
    /// The provenance of the runs read, with `command` the command that wrote this report and
    /// `version` and `commit` those of its build.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The results folder read.
    pub results: String,
    /// Runs compared: those every bundle has (a run a fault retired in one bundle is left out
    /// of all).
    pub runs_compared: u64,
    /// The `--satisfice` conditions, as given.
    pub satisfice: Vec<String>,
    /// How regret and missing values are treated, in words.
    pub method: String,
    /// Wall time.
    #[serde(flatten)]
    pub timing: Timing,
}

/// Columns of `regret.csv`: a [`RegretRecord`] per row.
pub const REGRET_COLUMNS: [&str; 10] = [
    "outcome",
    "bundle",
    "better",
    "mean",
    "mean_regret",
    "p90_regret",
    "max_regret",
    "best_share",
    "minimax",
    "runs",
];

/// One bundle's regret on one outcome with a direction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RegretRecord {
    /// Outcome.
    pub outcome: String,
    /// Bundle.
    pub bundle: String,
    /// The outcome's direction: `lower` or `higher`.
    pub better: Better,
    /// Mean of the outcome over the runs compared.
    pub mean: Option<f64>,
    /// Mean regret: how far, on average, the bundle falls short of the best bundle in the same
    /// run, in the outcome's unit.
    pub mean_regret: Option<f64>,
    /// 90th percentile of the regret over runs.
    pub p90_regret: Option<f64>,
    /// Largest regret in any run.
    pub max_regret: Option<f64>,
    /// Share of runs in which the bundle is the best (or tied for it).
    pub best_share: Option<f64>,
    /// Whether the bundle has the smallest maximum regret on this outcome (ties: all of them).
    pub minimax: bool,
    /// Runs with a value.
    pub runs: u64,
}

impl RegretRecord {
    /// The record's row of `regret.csv` ([`REGRET_COLUMNS`]).
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.outcome.clone(),
            self.bundle.clone(),
            self.better.as_str().to_string(),
            number_cell(self.mean),
            number_cell(self.mean_regret),
            number_cell(self.p90_regret),
            number_cell(self.max_regret),
            number_cell(self.best_share),
            self.minimax.to_string(),
            self.runs.to_string(),
        ]
    }
}

/// Columns of `satisfice.csv`: a [`SatisficeRecord`] per row.
pub const SATISFICE_COLUMNS: [&str; 4] = ["bundle", "condition", "share", "runs"];

/// The share of a bundle's runs that meet a `--satisfice` condition (or all of them at once,
/// condition `all`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SatisficeRecord {
    /// Bundle.
    pub bundle: String,
    /// The condition, as `OUTCOME OP VALUE`, or `all`.
    pub condition: String,
    /// Share of the runs compared that meet it.
    pub share: f64,
    /// Runs compared.
    pub runs: u64,
}

impl SatisficeRecord {
    /// The record's row of `satisfice.csv` ([`SATISFICE_COLUMNS`]).
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.bundle.clone(),
            self.condition.clone(),
            format!("{}", self.share),
            self.runs.to_string(),
        ]
    }
}

/// `robustness.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RobustnessReport {
    /// Everything the numbers depend on.
    pub manifest: RobustnessManifest,
    /// The scenario, as the runs' `summary.json` describes it.
    pub scenario: ScenarioInfo,
    /// Bundles, in run order.
    pub bundles: Vec<String>,
    /// Per (outcome with a direction, bundle), outcome-major in scenario order.
    pub regret: Vec<RegretRecord>,
    /// Per (bundle, condition), then per bundle `all` when there are several conditions.
    pub satisfice: Vec<SatisficeRecord>,
}

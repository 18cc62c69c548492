//! `drivers.json` and `drivers.csv`: the results of `leversim drivers`, feature scores of every
//! input for every outcome of a results folder (see [`crate::discover::drivers`]).

use serde::{Deserialize, Serialize};

use super::kinds::{InputKind, OutcomeKind};
use super::number_cell;
use super::provenance::{Provenance, Timing};
use super::summary::ScenarioInfo;

/// Everything the scores depend on: the runs' provenance (scenario, seed, runs per bundle) with
/// this command, and the forest's settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DriversManifest {
    /// The provenance of the runs read, with `command` the command that wrote these scores and
    /// `version` and `commit` those of its build.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The results folder read.
    pub results: String,
    /// How the scores are computed, in words.
    pub method: String,
    /// Trees per outcome.
    pub trees: usize,
    /// Inputs drawn at each node.
    pub max_features: usize,
    /// Fewest runs in a leaf.
    pub min_leaf: usize,
    /// Most runs a tree grows on.
    pub sample: usize,
    /// Seed of the trees.
    pub forest_seed: u64,
    /// Wall time of the scoring.
    #[serde(flatten)]
    pub timing: Timing,
}

/// An input scored: a param drawn per run or a lever set by the bundle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DriversInput {
    /// Name.
    pub name: String,
    /// `param` or `lever`.
    pub kind: InputKind,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
}

/// An outcome scored in one bundle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DriversOutcome {
    /// Bundle.
    pub bundle: String,
    /// Outcome name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Kind.
    pub kind: OutcomeKind,
    /// Runs scored.
    pub runs: u64,
    /// Runs of a `first` outcome whose crossing never happened (ranked after every run where
    /// it did).
    pub never: u64,
    /// Runs left out for a missing value.
    pub dropped: u64,
    /// Why there are no scores, if there are none.
    pub note: String,
}

/// Columns of `drivers.csv`: a [`DriversRecord`] per row.
pub const DRIVERS_COLUMNS: [&str; 6] =
    ["bundle", "outcome", "input", "input_kind", "score", "rank"];

/// The score of one input for one outcome in one bundle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DriversRecord {
    /// Bundle.
    pub bundle: String,
    /// Outcome.
    pub outcome: String,
    /// Input.
    pub input: String,
    /// `param` or `lever`.
    pub input_kind: InputKind,
    /// Share of the outcome's explained variation (the scores of an outcome sum to 1); `null`
    /// when the outcome does not vary.
    pub score: Option<f64>,
    /// 1 for the input with the highest score.
    pub rank: Option<u32>,
}

impl DriversRecord {
    /// The record's row of `drivers.csv` ([`DRIVERS_COLUMNS`]).
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.bundle.clone(),
            self.outcome.clone(),
            self.input.clone(),
            self.input_kind.as_str().to_string(),
            number_cell(self.score),
            self.rank.map_or_else(String::new, |r| r.to_string()),
        ]
    }
}

/// `drivers.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DriversReport {
    /// Everything the numbers depend on.
    pub manifest: DriversManifest,
    /// The scenario, as the runs' `summary.json` describes it.
    pub scenario: ScenarioInfo,
    /// Bundles scored, in run order.
    pub bundles: Vec<String>,
    /// Inputs, in `runs.csv` order.
    pub inputs: Vec<DriversInput>,
    /// Per bundle, the outcomes in scenario order.
    pub outcomes: Vec<DriversOutcome>,
    /// One record per (bundle, outcome, input), inputs in `runs.csv` order.
    pub records: Vec<DriversRecord>,
}

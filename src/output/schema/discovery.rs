//! `discovery.json` and `discovery.csv`: the results of `leversim discover` (scenario
//! discovery, issue 13).
//!
//! `discovery.json` is [`DiscoveryFile`]: `target`, `base_rate`, `trajectory` (a list of
//! [`TrajectoryPoint`]) and `boxes` (a list of [`BoxRecord`], each with its `limits`), as the
//! issue sets them out, beside a `manifest` with the shared [`Provenance`] and what the charts
//! need (the inputs' full ranges, the scenario's title and source). `discovery.csv` has one row
//! per run analysed ([`DISCOVERY_COLUMNS`], then one column per input restricted by a box).

use serde::{Deserialize, Serialize};

use super::kinds::{InputKind, OutcomeKind};
use super::provenance::Provenance;

/// What was looked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryTarget {
    /// The outcome.
    pub outcome: String,
    /// Its label.
    pub label: String,
    /// Its unit.
    pub unit: String,
    /// Its kind.
    pub kind: OutcomeKind,
    /// The bundle analysed; `null` for every bundle run, pooled.
    pub bundle: Option<String>,
    /// The reference bundle: with one, the value is `bundle`'s minus the reference's in the
    /// same run.
    pub versus: Option<String>,
    /// The condition on the value, as `> 0.5`.
    pub condition: String,
    /// The question in words.
    pub description: String,
    /// Runs analysed.
    pub runs: u64,
    /// Runs where the condition holds.
    pub of_interest: u64,
    /// Runs left out for want of a value (a paired difference of two first-crossing months
    /// when neither happened).
    pub left_out: u64,
}

/// One box on the peeling trajectory of the first box.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    /// Share of the runs where the condition holds that are in the box.
    pub coverage: f64,
    /// Share of the box's runs where the condition holds.
    pub density: f64,
    /// Share of all runs analysed that are in the box.
    pub mass: f64,
    /// Inputs the box restricts.
    pub n_restricted: u64,
}

/// A box's limit on one input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitRecord {
    /// The input (param or lever) name.
    pub input: String,
    /// Lower limit; `null` when the box does not restrict this side.
    pub low: Option<f64>,
    /// Upper limit; `null` when the box does not restrict this side.
    pub high: Option<f64>,
    /// Quasi-p-value of the restriction (Bryant and Lempert 2010): the chance of a box at least
    /// this dense were the restriction dropped, by a one-sided binomial test; of the two sides,
    /// the larger (the restriction is as doubtful as its weaker side). `null` for CART boxes
    /// that could not be tested.
    pub qp_value: Option<f64>,
}

/// A box chosen: where the condition holds much more often than elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoxRecord {
    /// Share of the runs where the condition holds that are in the box (of all runs analysed,
    /// also for boxes after the first).
    pub coverage: f64,
    /// Share of the box's runs where the condition holds.
    pub density: f64,
    /// Share of all runs analysed that are in the box.
    pub mass: f64,
    /// The restricted inputs, most significant first.
    pub limits: Vec<LimitRecord>,
}

/// An input as the charts show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryInput {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Param or lever.
    pub kind: InputKind,
    /// Smallest value among the runs analysed.
    pub min: f64,
    /// Largest value among the runs analysed.
    pub max: f64,
}

/// `discovery.json`'s `manifest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryManifest {
    /// The runs' provenance (scenario, seed, runs, bundles), with `command` the discover
    /// command that reproduces this file.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The results folder analysed.
    pub results: String,
    /// `prim` or `cart`.
    pub method: String,
    /// PRIM's peeling alpha.
    pub peel_alpha: f64,
    /// PRIM's pasting alpha.
    pub paste_alpha: f64,
    /// Smallest box, as a share of the runs.
    pub mass_min: f64,
    /// Density a box must reach to be chosen.
    pub threshold: f64,
    /// Whether the first box reaches the threshold (when not, it is the densest box found).
    pub meets_threshold: bool,
    /// The inputs that vary among the runs analysed, with their ranges.
    pub inputs: Vec<DiscoveryInput>,
    /// Scenario title, for charts.
    pub title: String,
    /// Scenario source, for charts.
    pub source: String,
}

/// `discovery.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryFile {
    /// Provenance and settings.
    pub manifest: DiscoveryManifest,
    /// What was looked for.
    pub target: DiscoveryTarget,
    /// Share of the runs analysed where the condition holds.
    pub base_rate: f64,
    /// The first box's peeling (then pasting) trajectory, from the box around every run.
    /// Empty for CART.
    pub trajectory: Vec<TrajectoryPoint>,
    /// The boxes chosen: the first, then those covering the rest.
    pub boxes: Vec<BoxRecord>,
}

/// First columns of `discovery.csv`: the run, its value, whether the condition holds, and the
/// box it falls in (1-based; empty when in none). One column per input a box restricts follows,
/// named after the input.
pub const DISCOVERY_COLUMNS: [&str; 5] = ["bundle", "run", "value", "condition", "box"];

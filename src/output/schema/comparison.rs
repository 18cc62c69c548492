//! `comparison.json` and `comparison.csv`: the results of `leversim compare` (beside the
//! `summary.json`, `runs.csv` and `series.csv` of its runs).

use serde::{Deserialize, Serialize};

use super::kinds::Better;
use super::number_cell;
use super::provenance::Provenance;

/// The paired comparison of one bundle with the reference on one outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRecord {
    /// Bundle compared.
    pub bundle: String,
    /// Reference bundle.
    pub reference: String,
    /// Outcome.
    pub outcome: String,
    /// Unit of the outcome.
    pub unit: String,
    /// `lower`, `higher` or `none`.
    pub better: Better,
    /// Pairs with a value in both runs.
    pub n: u64,
    /// Mean of bundle - reference.
    pub mean_diff: Option<f64>,
    /// Standard error of the mean difference, from the paired differences.
    pub se_paired: Option<f64>,
    /// Standard error that independent samples would have given.
    pub se_independent: Option<f64>,
    /// 95% interval of the mean difference, lower end.
    pub ci95_low: Option<f64>,
    /// 95% interval of the mean difference, upper end.
    pub ci95_high: Option<f64>,
    /// Median of the paired differences.
    pub median_diff: Option<f64>,
    /// Share of runs in which the bundle does better than the reference.
    pub p_better: Option<f64>,
    /// Share of runs with exactly equal values.
    pub p_tie: f64,
    /// Mean difference relative to the reference mean.
    pub rel_change: Option<f64>,
    /// The mean difference signed so that positive is an improvement (`None` without direction).
    pub improvement: Option<f64>,
}

/// Cost and effect of a bundle on one outcome, relative to the reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostEffectRecord {
    /// Bundle.
    pub bundle: String,
    /// Outcome judged.
    pub outcome: String,
    /// Mean cost of the bundle (the cost outcome's mean).
    pub cost: f64,
    /// Extra mean cost over the reference.
    pub extra_cost: f64,
    /// Improvement of the outcome's mean over the reference (positive is better).
    pub effect: f64,
    /// Improvement per unit of extra cost (`None` when the bundle costs no more).
    pub effect_per_cost: Option<f64>,
    /// On the Pareto front: no other bundle is at least as cheap and at least as good, and
    /// strictly better in one of the two.
    pub pareto: bool,
}

/// `comparison.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Reference bundle.
    pub reference: String,
    /// The cost outcome, if the scenario marks one (`cost = true`).
    pub cost_outcome: Option<String>,
    /// One record per (bundle other than the reference, outcome).
    pub records: Vec<ComparisonRecord>,
    /// One record per (bundle, outcome with a direction), when there is a cost outcome.
    pub cost_effect: Vec<CostEffectRecord>,
    /// Everything the numbers depend on (the same as in the folder's `summary.json`). Absent
    /// in comparisons written before it existed.
    #[serde(default)]
    pub manifest: Provenance,
}

/// Columns of `comparison.csv`: a [`ComparisonRecord`] per row, and the variance reduction
/// that pairing bought, `(se_independent / se_paired)²`.
pub const COMPARISON_COLUMNS: [&str; 17] = [
    "bundle",
    "reference",
    "outcome",
    "unit",
    "better",
    "n",
    "mean_diff",
    "se_paired",
    "se_independent",
    "ci95_low",
    "ci95_high",
    "median_diff",
    "p_better",
    "p_tie",
    "rel_change",
    "improvement",
    "variance_reduction",
];

impl ComparisonRecord {
    /// The record's row of `comparison.csv` (see [`COMPARISON_COLUMNS`]).
    pub fn csv_row(&self) -> Vec<String> {
        let reduction = match (self.se_paired, self.se_independent) {
            (Some(p), Some(i)) if p > 0.0 => Some((i / p).powi(2)),
            _ => None,
        };
        vec![
            self.bundle.clone(),
            self.reference.clone(),
            self.outcome.clone(),
            self.unit.clone(),
            self.better.as_str().to_string(),
            self.n.to_string(),
            number_cell(self.mean_diff),
            number_cell(self.se_paired),
            number_cell(self.se_independent),
            number_cell(self.ci95_low),
            number_cell(self.ci95_high),
            number_cell(self.median_diff),
            number_cell(self.p_better),
            number_cell(Some(self.p_tie)),
            number_cell(self.rel_change),
            number_cell(self.improvement),
            number_cell(reduction),
        ]
    }
}

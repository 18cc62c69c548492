//! `sweep.json` and `sweep.csv`: the results of `leversim sweep`.

use serde::{Deserialize, Serialize};

use super::number_cell;
use super::provenance::Provenance;
use super::summary::ScenarioInfo;

/// One outcome at one grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRecord {
    /// Lever values of the point, in the order of the `--lever` flags.
    pub levers: Vec<f64>,
    /// Outcome.
    pub outcome: String,
    /// Runs with a value.
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Standard error of the mean.
    pub se: Option<f64>,
    /// 5th percentile.
    pub p05: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// Standard error of the paired difference between this point and the grid's first point
    /// (every swept lever at its lowest value), run by run on common random numbers: the
    /// simulation precision of differences between points, far smaller than `se` when the
    /// runs are correlated. Absent in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_se: Option<f64>,
}

/// A swept lever as `sweep.json` describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepLever {
    /// Name.
    pub name: String,
    /// Label (the name when the scenario gives none).
    pub label: String,
    /// Unit, if the scenario gives one.
    pub unit: String,
    /// The lever's allowed range.
    pub range: (f64, f64),
    /// The base bundle's setting (at the last month), which the sweep varies.
    pub base: f64,
    /// The values swept, increasing.
    pub values: Vec<f64>,
}

/// `sweep.json`: the records of a sweep and what its charts need.
///
/// The provenance's fields are at the top level (as `scenario`, `seed` and `runs` always were).
/// `lever_info` and `info` came with the sweep charts; `leversim plot` needs them (a
/// `sweep.json` without them is from an older leversim: run the sweep again).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Everything the numbers depend on; `runs` is per grid point, `bundles` the base bundle.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The bundle whose other lever settings the sweep keeps.
    pub base_bundle: String,
    /// Names of the swept levers, in the order of the `--lever` flags.
    pub levers: Vec<String>,
    /// One record per (grid point, outcome).
    pub records: Vec<SweepRecord>,
    /// The swept levers: labels, units, base settings and values.
    #[serde(default)]
    pub lever_info: Vec<SweepLever>,
    /// What the scenario declares: title, source, outcomes with their labels, units and
    /// directions, bundles, chart settings.
    #[serde(default)]
    pub info: Option<ScenarioInfo>,
}

/// Columns of `sweep.csv` after one column per swept lever (named after it): a
/// [`SweepRecord`] per row.
pub const SWEEP_COLUMNS: [&str; 7] = ["outcome", "n", "mean", "se", "p05", "p50", "p95"];

impl SweepRecord {
    /// The record's row of `sweep.csv`: the lever values, then [`SWEEP_COLUMNS`].
    pub fn csv_row(&self) -> Vec<String> {
        let mut row: Vec<String> = self.levers.iter().map(|v| format!("{v}")).collect();
        row.push(self.outcome.clone());
        row.push(self.n.to_string());
        row.extend([self.mean, self.se, self.p05, self.p50, self.p95].map(number_cell));
        row
    }
}

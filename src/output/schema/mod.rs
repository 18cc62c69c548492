//! The one home of every results format: each file leversim writes is defined here, and
//! nowhere else.
//!
//! | file | type | module |
//! |---|---|---|
//! | `summary.json` | [`Summary`] (its `manifest`: [`Manifest`]) | [`summary`] |
//! | `runs.csv` | [`RUNS_COLUMNS`], an outcome per column, an input per column ([`InputInfo`]), [`RUNS_FAULT_COLUMN`] | [`summary`] |
//! | `series.csv` | [`SERIES_COLUMNS`] | [`summary`] |
//! | `runs.parquet`, `series.parquet`, `paths.csv`, `paths.parquet` | [`runs_schema`], [`series_schema`], [`PATHS_COLUMNS`], [`paths_schema`] | [`tables`] |
//! | `comparison.json`, `comparison.csv` | [`Comparison`], [`COMPARISON_COLUMNS`] | [`comparison`] |
//! | `sweep.json`, `sweep.csv` | [`SweepReport`], [`SWEEP_COLUMNS`] | [`sweep`] |
//! | `sensitivity.json`, `sensitivity.csv`, `sensitivity_over_time.csv` | [`SensitivityReport`] | [`sensitivity`] |
//! | `discovery.json`, `discovery.csv` | [`DiscoveryFile`], [`DISCOVERY_COLUMNS`] | [`discovery`] |
//! | `calibration.json`, `posterior.csv`, `params.csv`, `observations.csv`, `scores.csv`, `predictive.csv` | [`CalibrationFile`] and its records | [`calibration`] |
//! | `drivers.json`, `drivers.csv` | [`DriversReport`], [`DRIVERS_COLUMNS`] | [`drivers`] |
//! | `robustness.json`, `regret.csv`, `regret_runs.csv`, `satisfice.csv` | [`RobustnessReport`], [`REGRET_COLUMNS`], [`SATISFICE_COLUMNS`] | [`robustness`] |
//! | `.leversim` | [`crate::output::folder::Marker`] | (the folder's own) |
//!
//! The results of commands added later (calibration, discovery) get a module here of their own,
//! with [`Provenance`] flattened into their manifest.
//!
//! Shared by all: [`Provenance`] (scenario and its SHA-256, version and git commit of the build,
//! seed, runs, threads, bundles, overrides, the command, the posterior the runs rest on),
//! flattened into every file's manifest under the same field names; and the kinds
//! ([`OutcomeKind`], [`Better`], [`VariableKind`], [`InputKind`]) as enums that serialise as the
//! words the files have always held. Units are text for people: a reader decides how to show a
//! value from its kind ([`OutcomeKind::value`]), never by parsing a unit.
//!
//! This module depends on nothing else in leversim but the [`Month`] value type, so that
//! everything that reads results (`leversim plot`, later `report`) can depend on it alone. Field names are a public
//! interface: add fields (with `#[serde(default)]`, so older files still read), never rename.

pub mod calibration;
pub mod comparison;
pub mod discovery;
pub mod drivers;
pub mod kinds;
pub mod provenance;
pub mod robustness;
pub mod sensitivity;
pub mod summary;
pub mod sweep;
pub mod tables;

pub use calibration::{
    Band, CalibrationDiagnostics, CalibrationFile, CalibrationManifest, CalibrationScenario,
    CalibrationSettings, Fit, ObservationFit, ParamSummary, PredictiveRow, Score, StageRecord,
};
pub use comparison::{COMPARISON_COLUMNS, Comparison, ComparisonRecord, CostEffectRecord};
pub use discovery::{
    BoxRecord, DISCOVERY_COLUMNS, DiscoveryFile, DiscoveryInput, DiscoveryManifest,
    DiscoveryTarget, LimitRecord, TrajectoryPoint,
};
pub use drivers::{
    DRIVERS_COLUMNS, DriversInput, DriversManifest, DriversOutcome, DriversRecord, DriversReport,
};
pub use kinds::{AnalysedKind, Better, InputKind, OutcomeKind, ValueKind, VariableKind};
pub use provenance::{FileHash, Override, Posterior, Provenance, RngInfo, Timing, build_commit};
pub use robustness::{
    REGRET_COLUMNS, RegretRecord, RobustnessManifest, RobustnessReport, SATISFICE_COLUMNS,
    SatisficeRecord,
};
pub use sensitivity::{
    InputRecord, OutcomeSummary, OverTimeRecord, SensitivityManifest, SensitivityRecord,
    SensitivityReport, SensitivityScenario,
};
pub use summary::{
    BoundRecord, BundleInfo, ChartsInfo, FaultRecord, FigureRecord, InputInfo, LEVER_STATED_AS,
    LeverInfo, Manifest, ObservationRecord, OutcomeInfo, OutcomeRecord, RUNS_COLUMNS,
    RUNS_FAULT_COLUMN, RUNS_LEVER_PREFIX, RUNS_PARAM_PREFIX, ReportInfo, SERIES_COLUMNS,
    ScenarioInfo, SettingInfo, Summary, VariableInfo,
};
pub use sweep::{SWEEP_COLUMNS, SweepLever, SweepRecord, SweepReport};
pub use tables::{
    DEFAULT_PATH_RUNS, PATHS_COLUMNS, PROVENANCE_KEY, TABLE_KEY, TableFormat, month_days,
    paths_schema, runs_schema, series_schema,
};

/// A calendar month, as the files write it (`YYYY-MM`): parse those with [`Month::parse`].
pub use crate::scenario::Month;

/// A number as a CSV cell: the shortest text that reads back as the same `f64`, empty when
/// missing (or NaN).
///
/// # Examples
/// ```
/// use leversim::output::schema::number_cell;
/// assert_eq!(number_cell(Some(0.25)), "0.25");
/// assert_eq!(number_cell(None), "");
/// ```
pub fn number_cell(v: Option<f64>) -> String {
    match v {
        Some(v) if !v.is_nan() => format!("{v}"),
        _ => String::new(),
    }
}

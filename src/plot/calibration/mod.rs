//! Calibration charts, drawn from a calibration folder alone (`calibration.json` and
//! `predictive.csv`), so that `leversim plot DIR` redraws them.
//!
//! | file | chart |
//! |---|---|
//! | `calibration-observations-<k>` | every reported figure against the prior and posterior predictive 90% bands of what it reports, over time: one panel per quantity (a variable, or an expression with its months left out), six panels a page; points with the report's own 90% range, lower bounds as ▲ (≥), upper bounds as ▼ (≤), ranges as brackets; held-out figures hollow |
//! | `calibration-params` | where each sampled param's posterior lies within its prior: the posterior's 5–95% range and median on the scale of the prior's percentiles, those the figures taught most first, with both 90% ranges in the param's unit |

mod observations;
mod params;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use observations::{Group, ObservationPage, quantity_groups};
pub use params::ParamsChart;

use super::theme;
use anyhow::Context;

use crate::output::folder::{MAX_CSV_BYTES, open_bounded, read_bounded};
use crate::output::schema::calibration::{CalibrationFile, PredictiveRow};

/// Panels per page of the observations chart.
pub const PANELS_PER_PAGE: usize = 6;

/// Everything the calibration charts read.
pub struct CalibrationResults {
    /// `calibration.json`.
    pub file: CalibrationFile,
    /// `predictive.csv`.
    pub predictive: Vec<PredictiveRow>,
}

impl CalibrationResults {
    /// Reads a calibration folder.
    ///
    /// # Errors
    /// When a file cannot be read or parsed.
    pub fn read(dir: &Path) -> Result<CalibrationResults> {
        Ok(CalibrationResults {
            file: read_calibration(dir)?,
            predictive: read_predictive(dir)?,
        })
    }

    /// Scenario, particles, seed.
    pub fn subtitle(&self) -> String {
        let f = &self.file;
        format!(
            "{} · {} particles, seed {} · fitted to {} reported figures, {} more held out",
            if f.scenario.title.is_empty() {
                &f.scenario.name
            } else {
                &f.scenario.title
            },
            f.settings.particles,
            f.manifest.provenance.seed,
            f.settings.fitted,
            f.settings.checked
        )
    }

    /// The source line: the scenario's sources and the calibration.
    pub fn source_line(&self) -> String {
        super::read::source_line(
            &self.file.manifest.provenance,
            "calibration",
            &self.file.scenario.source,
        )
    }
}

/// Reads `calibration.json`.
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn read_calibration(dir: &Path) -> Result<CalibrationFile> {
    let path = dir.join("calibration.json");
    let text = read_bounded(&path, MAX_CSV_BYTES)?;
    serde_json::from_slice(&text).with_context(|| {
        format!(
            "'{}' is not a leversim calibration (written by another version?)",
            path.display()
        )
    })
}

/// Reads the predictive bands of a calibration folder (`predictive.csv`).
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn read_predictive(dir: &Path) -> Result<Vec<PredictiveRow>> {
    let path = dir.join("predictive.csv");
    let mut reader = csv::Reader::from_reader(open_bounded(&path, MAX_CSV_BYTES)?);
    let mut rows = Vec::new();
    for record in reader.deserialize() {
        rows.push(record.with_context(|| format!("could not read '{}'", path.display()))?);
    }
    Ok(rows)
}

/// Draws every calibration chart of the folder `dir` into `dir/charts/`.
///
/// # Errors
/// When the folder cannot be read or a chart cannot be drawn or written.
pub fn render_calibration(dir: &Path) -> Result<Vec<PathBuf>> {
    let results = CalibrationResults::read(dir)?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)?;
    let mut written = Vec::new();
    let groups = observations::groups(&results);
    let pages = groups.len().div_ceil(PANELS_PER_PAGE);
    for (k, page) in groups.chunks(PANELS_PER_PAGE).enumerate() {
        written.extend(theme::save(
            &ObservationPage::new(&results, page, k + 1, pages),
            &charts,
        )?);
    }
    if results.file.params.iter().any(|p| p.informed) {
        written.extend(theme::save(&ParamsChart::new(&results), &charts)?);
    }
    Ok(written)
}

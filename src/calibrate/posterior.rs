//! Reading a calibration folder back as the ensemble that runs draw their params from.
//!
//! A posterior is used only with the scenario it was made from: the SHA-256 of every file the
//! scenario reads (itself and the files it extends) must equal those in the folder's
//! `calibration.json`, and `posterior.csv` must be the file the calibration wrote (its hash is in
//! the manifest too). A param fixed with `--set` keeps its value; every other param must have a
//! column.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::engine::Ensemble;
use crate::model::Model;
use crate::output::folder::{MAX_CSV_BYTES, read_bounded};
use crate::output::schema::{FileHash, Posterior};
use crate::scenario::dist::Dist;

/// A calibration folder read and checked.
#[derive(Clone, Debug)]
pub struct LoadedPosterior {
    /// The ensemble over the model's params.
    pub ensemble: Ensemble,
    /// What results record of it: the path of its `posterior.csv` and that file's SHA-256.
    pub reference: Posterior,
}

/// What the check needs of `calibration.json` (the rest of the file may change shape).
#[derive(serde::Deserialize)]
struct Head {
    manifest: HeadManifest,
}

#[derive(serde::Deserialize)]
struct HeadManifest {
    files: Vec<FileHash>,
    posterior_sha256: String,
}

/// Why a calibration folder cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PosteriorError {
    /// There is no calibration there.
    #[error("there is no calibration in '{}' (no calibration.json)", .0.display())]
    Missing(PathBuf),
    /// A file of the folder cannot be read or parsed.
    #[error("could not read the calibration in '{}': {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The scenario (or a file it extends) changed since the calibration was made.
    #[error("the calibration in '{}' was made from another version of {file} (sha256 {then} then, {now} now)", dir.display())]
    Stale {
        /// The folder.
        dir: PathBuf,
        /// The file that differs.
        file: String,
        /// Its hash in the calibration (first 12 digits).
        then: String,
        /// Its hash now (first 12 digits).
        now: String,
    },
    /// `posterior.csv` is not the file the calibration wrote.
    #[error("'{}' was changed after the calibration wrote it (its sha256 differs from calibration.json)", .0.display())]
    Edited(PathBuf),
    /// A free param has no column.
    #[error("'{}' has no column for the param `{param}`", path.display())]
    NoColumn {
        /// `posterior.csv`.
        path: PathBuf,
        /// The param.
        param: String,
    },
}

/// Reads the calibration in `dir` for `model`, whose scenario read `files` (in load order).
///
/// # Errors
/// See [`PosteriorError`].
pub fn load(
    dir: &Path,
    files: &[FileHash],
    model: &Model,
) -> Result<LoadedPosterior, PosteriorError> {
    let json = dir.join("calibration.json");
    if !json.is_file() {
        return Err(PosteriorError::Missing(dir.to_path_buf()));
    }
    let unreadable = |path: &Path, reason: String| PosteriorError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(&json).map_err(|e| unreadable(&json, e.to_string()))?;
    let file: Head = serde_json::from_str(&text).map_err(|e| unreadable(&json, e.to_string()))?;
    let short = |h: &str| h.chars().take(12).collect::<String>();
    let then = &file.manifest.files;
    for (k, now) in files.iter().enumerate() {
        let before = then.get(k);
        if before.is_none_or(|b| b.sha256 != now.sha256) {
            return Err(PosteriorError::Stale {
                dir: dir.to_path_buf(),
                file: now.path.clone(),
                then: before.map_or_else(|| "none".into(), |b| short(&b.sha256)),
                now: short(&now.sha256),
            });
        }
    }
    if then.len() > files.len()
        && let Some(extra) = then.get(files.len())
    {
        return Err(PosteriorError::Stale {
            dir: dir.to_path_buf(),
            file: extra.path.clone(),
            then: short(&extra.sha256),
            now: "none".into(),
        });
    }
    let csv_path = dir.join("posterior.csv");
    let bytes = read_bounded(&csv_path, MAX_CSV_BYTES)
        .map_err(|e| unreadable(&csv_path, format!("{e:#}")))?;
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if sha != file.manifest.posterior_sha256 {
        return Err(PosteriorError::Edited(csv_path));
    }
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| unreadable(&csv_path, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let weight_col = header
        .iter()
        .position(|h| h == "weight")
        .ok_or_else(|| unreadable(&csv_path, "no `weight` column".into()))?;
    let mut params = Vec::new();
    let mut columns = Vec::new();
    for (k, p) in model.params.iter().enumerate() {
        if matches!(p.dist, Dist::Constant { .. }) {
            continue;
        }
        let col =
            header
                .iter()
                .position(|h| *h == p.name)
                .ok_or_else(|| PosteriorError::NoColumn {
                    path: csv_path.clone(),
                    param: p.name.clone(),
                })?;
        params.push(k);
        columns.push(col);
    }
    let mut values = Vec::new();
    let mut weights = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(&csv_path, e.to_string()))?;
        let number = |c: usize| -> Result<f64, PosteriorError> {
            record
                .get(c)
                .and_then(|t| t.parse::<f64>().ok())
                .ok_or_else(|| unreadable(&csv_path, format!("row {} is not all numbers", i + 2)))
        };
        weights.push(number(weight_col)?);
        for &c in &columns {
            values.push(number(c)?);
        }
    }
    let ensemble = Ensemble::new(params, values, &weights)
        .map_err(|e| unreadable(&csv_path, e.to_string()))?;
    let reference = Posterior {
        path: csv_path.display().to_string(),
        sha256: sha,
    };
    Ok(LoadedPosterior {
        ensemble,
        reference,
    })
}

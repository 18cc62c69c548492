//! Writing a results folder so that it is complete or absent, never half-written.
//!
//! Files go into a hidden sibling, `.<name>.tmp-<pid>`, with `summary.json` written last; only
//! then is the folder renamed over the previous results. A failed or interrupted run removes its
//! temporary folder (or, if killed outright, leaves one that the next run removes), so a folder
//! named like results always holds a complete set.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::schema::Summary;
use crate::engine::{RunOutput, SERIES_PERCENTILES};
use crate::model::Model;

/// A results folder being written.
pub struct ResultsWriter {
    final_dir: PathBuf,
    tmp_dir: PathBuf,
    committed: bool,
}

impl ResultsWriter {
    /// Starts writing the folder `final_dir`: removes temporary folders left by killed runs and
    /// creates a fresh temporary folder.
    ///
    /// # Errors
    /// When the parent folder cannot be created or written.
    pub fn begin(final_dir: &Path) -> Result<ResultsWriter> {
        let parent = final_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the results folder needs a name")?;
        fs::create_dir_all(parent)
            .with_context(|| format!("could not create the folder '{}'", parent.display()))?;
        remove_stale(parent, &name);
        let tmp_dir = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp_dir.exists() {
            fs::remove_dir_all(&tmp_dir).ok();
        }
        fs::create_dir_all(tmp_dir.join("charts")).with_context(|| {
            format!(
                "could not create a folder in '{}' (is it writable?)",
                parent.display()
            )
        })?;
        Ok(ResultsWriter {
            final_dir: final_dir.to_path_buf(),
            tmp_dir,
            committed: false,
        })
    }

    /// The folder files are written into until [`ResultsWriter::commit`].
    pub fn dir(&self) -> &Path {
        &self.tmp_dir
    }

    /// Writes `runs.csv`: one row per (bundle, run), a column per outcome, empty where an
    /// outcome has no value.
    ///
    /// # Errors
    /// On I/O failure (disk full, permissions).
    pub fn write_runs(&self, model: &Model, out: &RunOutput) -> Result<()> {
        let path = self.tmp_dir.join("runs.csv");
        let mut w = csv_file(&path)?;
        let mut header = String::from("bundle,run");
        for o in &model.outcomes {
            header.push(',');
            header.push_str(&o.name);
        }
        // With counted faults, a last column names the fault that retired a run.
        let with_faults = !out.faults.is_empty();
        if with_faults {
            header.push_str(",fault");
        }
        writeln!(w, "{header}").with_context(|| write_error(&path))?;
        let n_out = model.outcomes.len();
        let mut line = String::new();
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = &model.bundles[bundle].name;
            let faults: Vec<&crate::engine::Fault> = out
                .faults
                .iter()
                .filter(|(fb, _)| *fb == b)
                .map(|(_, f)| f)
                .collect();
            for (i, row) in out.outcomes[b].chunks_exact(n_out.max(1)).enumerate() {
                line.clear();
                line.push_str(name);
                line.push(',');
                push_u64(&mut line, out.plan.first_run + i as u64);
                for v in row.iter().take(n_out) {
                    line.push(',');
                    push_f64(&mut line, *v);
                }
                if with_faults {
                    line.push(',');
                    let run = out.plan.first_run + i as u64;
                    if let Some(f) = faults.iter().find(|f| f.run == run) {
                        line.push_str(&format!("{} {}", f.code(), f.var));
                    }
                }
                line.push('\n');
                w.write_all(line.as_bytes())
                    .with_context(|| write_error(&path))?;
            }
        }
        w.flush().with_context(|| write_error(&path))
    }

    /// Writes `series.csv`: per (bundle, variable, month) the mean and percentiles.
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_series(&self, model: &Model, out: &RunOutput) -> Result<()> {
        let path = self.tmp_dir.join("series.csv");
        let mut w = csv_file(&path)?;
        writeln!(w, "bundle,variable,month,mean,p05,p25,p50,p75,p95")
            .with_context(|| write_error(&path))?;
        debug_assert_eq!(SERIES_PERCENTILES.len(), 5);
        let mut line = String::new();
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = &model.bundles[bundle].name;
            for (r, &var) in model.recorded.iter().enumerate() {
                for (m, cell) in out.series[b][r].iter().enumerate() {
                    line.clear();
                    line.push_str(name);
                    line.push(',');
                    line.push_str(&model.vars[var].name);
                    line.push(',');
                    line.push_str(&model.month_at(m).to_string());
                    for v in std::iter::once(cell.mean).chain(cell.p) {
                        line.push(',');
                        push_f64(&mut line, v);
                    }
                    line.push('\n');
                    w.write_all(line.as_bytes())
                        .with_context(|| write_error(&path))?;
                }
            }
        }
        w.flush().with_context(|| write_error(&path))
    }

    /// Writes `summary.json` (what `leversim plot` reads; completeness is marked by the folder
    /// being renamed into place, not by this file).
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_summary(&self, summary: &Summary) -> Result<()> {
        let path = self.tmp_dir.join("summary.json");
        let text =
            serde_json::to_string_pretty(summary).context("could not encode summary.json")?;
        fs::write(&path, text + "\n").with_context(|| write_error(&path))
    }

    /// Writes any serialisable value as pretty JSON to `file_name` in the folder.
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_json<T: serde::Serialize>(&self, file_name: &str, value: &T) -> Result<()> {
        let path = self.tmp_dir.join(file_name);
        let text = serde_json::to_string_pretty(value)
            .with_context(|| format!("could not encode {file_name}"))?;
        fs::write(&path, text + "\n").with_context(|| write_error(&path))
    }

    /// Writes a CSV file from a header and rows of already formatted cells (quoted as needed).
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_csv(
        &self,
        file_name: &str,
        header: &[&str],
        rows: impl IntoIterator<Item = Vec<String>>,
    ) -> Result<()> {
        let path = self.tmp_dir.join(file_name);
        let mut w = csv::Writer::from_writer(csv_file(&path)?);
        w.write_record(header).with_context(|| write_error(&path))?;
        for row in rows {
            w.write_record(&row).with_context(|| write_error(&path))?;
        }
        w.flush().with_context(|| write_error(&path))
    }

    /// Moves the finished folder into place, replacing earlier results.
    ///
    /// # Errors
    /// When the rename fails.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.final_dir.with_file_name(format!(
            ".{}.old-{}",
            self.final_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.final_dir.exists();
        if had_old {
            fs::rename(&self.final_dir, &old).with_context(|| {
                format!(
                    "could not move the previous results '{}' aside",
                    self.final_dir.display()
                )
            })?;
        }
        if let Err(err) = fs::rename(&self.tmp_dir, &self.final_dir) {
            if had_old {
                fs::rename(&old, &self.final_dir).ok();
            }
            return Err(err).with_context(|| {
                format!(
                    "could not move the results into '{}'",
                    self.final_dir.display()
                )
            });
        }
        if had_old {
            fs::remove_dir_all(&old).ok();
        }
        self.committed = true;
        Ok(self.final_dir.clone())
    }
}

impl Drop for ResultsWriter {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.tmp_dir).ok();
        }
    }
}

/// Removes `.<name>.tmp-<pid>` and `.<name>.old-<pid>` folders whose process is gone.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = file_name
            .strip_prefix(&format!(".{name}.tmp-"))
            .or_else(|| file_name.strip_prefix(&format!(".{name}.old-")))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !process_alive(pid)
        {
            fs::remove_dir_all(entry.path()).ok();
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc = Path::new("/proc");
    if proc.is_dir() {
        proc.join(pid.to_string()).exists()
    } else {
        // Without /proc we cannot tell; keep the folder rather than risk removing a live run's.
        true
    }
}

fn csv_file(path: &Path) -> Result<BufWriter<fs::File>> {
    let file =
        fs::File::create(path).with_context(|| format!("could not create '{}'", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn write_error(path: &Path) -> String {
    format!("could not write '{}' (is the disk full?)", path.display())
}

fn push_u64(s: &mut String, v: u64) {
    use std::fmt::Write as _;
    let _ = write!(s, "{v}");
}

/// The shortest text that reads back as the same f64; empty for NaN (a missing value).
fn push_f64(s: &mut String, v: f64) {
    use std::fmt::Write as _;
    if v.is_nan() {
        return;
    }
    let _ = write!(s, "{v}");
}

/// A number as a CSV cell: shortest round-trip text, empty when missing.
pub fn cell(v: Option<f64>) -> String {
    match v {
        Some(v) if !v.is_nan() => format!("{v}"),
        _ => String::new(),
    }
}

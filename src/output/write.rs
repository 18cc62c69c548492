//! Writing a results folder so that it is complete or absent, never half-written, and never
//! in place of something leversim did not write.
//!
//! [`ResultsWriter`] is the only way a results folder is created or replaced: every command
//! (`run`, `compare`, `sweep`, `sensitivity`, `plot`, and any added later) writes through it.
//! Files go into a hidden sibling, `.<name>.tmp-<pid>`, locked while it is written; the marker
//! ([`folder::MARKER`]) is written last, and only then is the folder renamed over the previous
//! results, which must be absent, empty, or a results folder leversim wrote ([`folder::inspect`]).
//! A failed or interrupted run removes its temporary folder; one killed outright leaves it
//! unlocked, and the next run removes it (or restores it, if it holds the newest complete
//! results: [`folder::recover`]).

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::folder::{self, DirLock, Refused, Target};
use super::schema::{RUNS_LEVER_PREFIX, RUNS_PARAM_PREFIX, Summary};
use crate::engine::draws::{lever_means, param_values_into};
use crate::engine::{RunOutput, SERIES_PERCENTILES};
use crate::model::Model;

/// A results folder being written.
pub struct ResultsWriter {
    final_dir: PathBuf,
    tmp_dir: PathBuf,
    /// Held while the temporary folder is written, so no other run takes it for a leftover.
    lock: Option<DirLock>,
    committed: bool,
}

impl ResultsWriter {
    /// Starts writing the folder `final_dir`: refuses a path that is not absent, empty or a
    /// results folder leversim wrote; cleans up after killed runs; creates a fresh temporary
    /// folder.
    ///
    /// # Errors
    /// [`Refused`] for a path leversim must not replace; an I/O error when the parent folder
    /// cannot be created or written.
    pub fn begin(final_dir: &Path) -> Result<ResultsWriter> {
        let (parent, name) = split(final_dir)?;
        let final_dir = clean(final_dir, &parent, &name);
        folder::inspect(&final_dir, "replace")?;
        fs::create_dir_all(&parent)
            .with_context(|| format!("could not create the folder '{}'", parent.display()))?;
        folder::recover(&parent, &name);
        let tmp_dir = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if fs::symlink_metadata(&tmp_dir).is_ok() {
            // Left by an earlier process with this PID (the lock says whether it is alive).
            if let Ok(Some(_stale)) = folder::try_lock(&tmp_dir) {
                fs::remove_dir_all(&tmp_dir).ok();
            }
        }
        fs::create_dir(&tmp_dir).with_context(|| {
            format!(
                "could not create a folder in '{}' (is it writable?)",
                parent.display()
            )
        })?;
        let lock = folder::try_lock(&tmp_dir)
            .ok()
            .flatten()
            .with_context(|| format!("could not lock '{}'", tmp_dir.display()))?;
        let writer = ResultsWriter {
            final_dir,
            tmp_dir,
            lock: Some(lock),
            committed: false,
        };
        fs::create_dir(writer.tmp_dir.join("charts")).with_context(|| {
            format!(
                "could not create a folder in '{}' (is it writable?)",
                parent.display()
            )
        })?;
        Ok(writer)
    }

    /// Checks, before any work is done, that `final_dir` can be written: it has a name, leversim
    /// may replace what is there, and its parent folder can be created and written. Leaves
    /// nothing behind but the parent folder.
    ///
    /// # Errors
    /// As [`ResultsWriter::begin`].
    pub fn check(final_dir: &Path) -> Result<()> {
        ResultsWriter::begin(final_dir).map(drop)
    }

    /// Starts rewriting the results folder `dir` (for `leversim plot`): the folder must be one
    /// leversim wrote; its files except the charts are carried over (hard-linked, or copied
    /// where links are not possible) into the new folder, whose charts the caller draws.
    ///
    /// # Errors
    /// [`Refused`] when `dir` is not a results folder leversim wrote; an I/O error.
    pub fn reopen(dir: &Path) -> Result<ResultsWriter> {
        let marker = match folder::inspect(dir, "redraw")? {
            Target::Owned(marker) => marker,
            Target::Absent => anyhow::bail!("'{}' does not exist", dir.display()),
            Target::Empty => {
                return Err(Refused {
                    verb: "redraw",
                    path: dir.display().to_string(),
                    reason: "it is empty, not a results folder".into(),
                }
                .into());
            }
        };
        let writer = ResultsWriter::begin(dir)?;
        for entry in &marker.entries {
            if entry.starts_with("charts/") {
                continue;
            }
            let (from, to) = (dir.join(entry), writer.tmp_dir.join(entry));
            if entry.ends_with('/') {
                fs::create_dir_all(&to)
                    .with_context(|| format!("could not create '{}'", to.display()))?;
                continue;
            }
            // Listed but since deleted by the user: nothing to carry over.
            if fs::symlink_metadata(&from).is_err() {
                continue;
            }
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to)
                    .with_context(|| format!("could not copy '{}'", from.display()))?;
            }
        }
        Ok(writer)
    }

    /// The folder files are written into until [`ResultsWriter::commit`].
    pub fn dir(&self) -> &Path {
        &self.tmp_dir
    }

    /// Writes `runs.csv`: one row per (bundle, run), a column per outcome, empty where an
    /// outcome has no value, then a column per param (the value the run drew) and per lever
    /// (the bundle's mean over the horizon).
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
        // Then what each run was made of (listed in `summary.json`'s `inputs`): the params it
        // drew and the bundle's levers.
        for param in &model.params {
            header.push(',');
            header.push_str(RUNS_PARAM_PREFIX);
            header.push_str(&param.name);
        }
        for lever in &model.lever_names {
            header.push(',');
            header.push_str(RUNS_LEVER_PREFIX);
            header.push_str(lever);
        }
        // With counted faults, a last column names the fault that retired a run.
        let with_faults = !out.faults.is_empty();
        if with_faults {
            header.push_str(",fault");
        }
        writeln!(w, "{header}").with_context(|| write_error(&path))?;
        let n_out = model.outcomes.len();
        let mut line = String::new();
        let mut params = vec![0.0; model.params.len()];
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = text_cell(&model.bundles[bundle].name);
            let levers = lever_means(model, bundle);
            let faults: Vec<&crate::engine::Fault> = out
                .faults
                .iter()
                .filter(|(fb, _)| *fb == b)
                .map(|(_, f)| f)
                .collect();
            for (i, row) in out.outcomes[b].chunks_exact(n_out.max(1)).enumerate() {
                line.clear();
                line.push_str(&name);
                line.push(',');
                push_u64(&mut line, out.plan.first_run + i as u64);
                for v in row.iter().take(n_out) {
                    line.push(',');
                    push_f64(&mut line, *v);
                }
                // The same draws the engine made for this run (common to every bundle).
                param_values_into(
                    model,
                    out.plan.seed,
                    out.plan.first_run + i as u64,
                    &mut params,
                );
                for v in params.iter().chain(&levers) {
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
            let name = text_cell(&model.bundles[bundle].name);
            for (r, &var) in model.recorded.iter().enumerate() {
                for (m, cell) in out.series[b][r].iter().enumerate() {
                    line.clear();
                    line.push_str(&name);
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
        w.write_record(header.iter().map(|h| text_cell(h).into_owned()))
            .with_context(|| write_error(&path))?;
        for row in rows {
            w.write_record(row.iter().map(|c| text_cell(c).into_owned()))
                .with_context(|| write_error(&path))?;
        }
        w.flush().with_context(|| write_error(&path))
    }

    /// Writes the marker and moves the finished folder into place, replacing earlier results
    /// (which must still be absent, empty or leversim's own).
    ///
    /// # Errors
    /// [`Refused`] when something else has appeared at the path since [`ResultsWriter::begin`];
    /// an I/O error when a rename fails.
    pub fn commit(mut self) -> Result<PathBuf> {
        folder::write_marker(&self.tmp_dir)?;
        let target = folder::inspect(&self.final_dir, "replace")?;
        let name = self
            .final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = self
            .final_dir
            .with_file_name(format!(".{name}.old-{}", std::process::id()));
        // Locked like the temporary folder, so that another run never takes the previous
        // results for a leftover while they are set aside.
        let mut old_lock = None;
        if !matches!(target, Target::Absent) {
            old_lock = Some(folder::lock(&self.final_dir).with_context(|| {
                format!(
                    "could not lock the previous results '{}'",
                    self.final_dir.display()
                )
            })?);
            fs::rename(&self.final_dir, &old).with_context(|| {
                format!(
                    "could not move the previous results '{}' aside",
                    self.final_dir.display()
                )
            })?;
        }
        if let Err(err) = fs::rename(&self.tmp_dir, &self.final_dir) {
            if old_lock.is_some() {
                fs::rename(&old, &self.final_dir).ok();
            }
            return Err(err).with_context(|| {
                format!(
                    "could not move the results into '{}'",
                    self.final_dir.display()
                )
            });
        }
        self.committed = true;
        match target {
            Target::Owned(_) => {
                fs::remove_dir_all(&old).ok();
            }
            // Empty when inspected: remove it only if it still is.
            Target::Empty => {
                fs::remove_dir(&old).ok();
            }
            Target::Absent => {}
        }
        drop(old_lock);
        self.lock = None;
        Ok(self.final_dir.clone())
    }
}

impl Drop for ResultsWriter {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.tmp_dir).ok();
        }
        self.lock = None;
    }
}

/// The parent folder and the name of a results folder path (`output/x/.` is `output` and `x`).
fn split(final_dir: &Path) -> Result<(PathBuf, String)> {
    let name = final_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .with_context(|| {
            format!(
                "'{}' cannot be a results folder: give a folder name, e.g. --out results",
                final_dir.display()
            )
        })?;
    let parent = final_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok((parent, name))
}

/// `final_dir` without a trailing `/` or `/.` (which renames refuse), otherwise as the user
/// wrote it, for messages.
fn clean(final_dir: &Path, parent: &Path, name: &str) -> PathBuf {
    match final_dir.parent() {
        Some(p) if p.as_os_str().is_empty() => PathBuf::from(name),
        _ => parent.join(name),
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

/// A cell of text as a CSV cell that a spreadsheet will not run: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return (a unit written `=cmd|' /C calc'!A0`) gets a leading
/// `'`, which spreadsheets show as text (OWASP's advice on CSV injection). Numbers, negative ones
/// included, are left as they are.
///
/// # Examples
/// ```
/// use leversim::output::write::text_cell;
/// assert_eq!(text_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
/// assert_eq!(text_cell("-2.5"), "-2.5");
/// assert_eq!(text_cell("shells"), "shells");
/// ```
pub fn text_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && text.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A number as a CSV cell: shortest round-trip text, empty when missing.
pub use super::schema::number_cell as cell;

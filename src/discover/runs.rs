//! A results folder's `runs.csv` as typed column matrices: per bundle, every run's inputs
//! (params drawn, levers set) beside its outcomes, for scenario discovery and feature scores.
//!
//! Reads `summary.json` (through [`crate::output::schema`], which says which columns are
//! inputs and what kind each is) and `runs.csv`; writes nothing. Runs that a counted fault
//! retired (a non-empty `fault` cell) are left out, as they are out of every statistic; each
//! row keeps its run index, so that bundles can still be paired run by run
//! ([`RunsTable::paired`]), which is what common random numbers make meaningful.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::suggest::did_you_mean;
use crate::output::folder::{MAX_CSV_BYTES, MAX_JSON_BYTES, open_bounded, read_bounded};
use crate::output::schema::{
    InputInfo, OutcomeInfo, RUNS_COLUMNS, RUNS_FAULT_COLUMN, RUNS_LEVER_PREFIX, RUNS_PARAM_PREFIX,
    Summary,
};

/// Why a results folder cannot be read for discovery. Messages name the folder or file and say
/// what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunsError {
    /// The folder has no `summary.json`.
    #[error(
        "'{dir}' is not a results folder of `leversim run`: it has no summary.json (make one with `leversim run SCENARIO --out {dir}`)"
    )]
    NotResults {
        /// The folder, as given.
        dir: String,
    },
    /// `runs.csv` holds outcomes only: written before runs.csv recorded each run's inputs.
    #[error(
        "'{dir}' has no per-run inputs: its runs.csv holds outcomes but no param.* or lever.* columns (it was written by an older leversim); run the scenario again with `leversim run` to record them"
    )]
    NoInputs {
        /// The folder, as given.
        dir: String,
    },
    /// No outcome of that name.
    #[error("no outcome `{name}` in '{dir}'{hint}; its outcomes are: {known}")]
    UnknownOutcome {
        /// The name asked for.
        name: String,
        /// The folder.
        dir: String,
        /// ` (did you mean `x`?)` or empty.
        hint: String,
        /// The outcomes there are, comma-separated.
        known: String,
    },
    /// No bundle of that name among those run.
    #[error("no bundle `{name}` in '{dir}'{hint}; its bundles are: {known}")]
    UnknownBundle {
        /// The name asked for.
        name: String,
        /// The folder.
        dir: String,
        /// ` (did you mean `x`?)` or empty.
        hint: String,
        /// The bundles run, comma-separated.
        known: String,
    },
    /// No input (param or lever) of that name.
    #[error("no input `{name}` in '{dir}'{hint}; its inputs are: {known}")]
    UnknownInput {
        /// The name asked for.
        name: String,
        /// The folder.
        dir: String,
        /// ` (did you mean `x`?)` or empty.
        hint: String,
        /// The params and levers, comma-separated.
        known: String,
    },
    /// A file could not be read, or is not what leversim writes.
    #[error("could not read '{path}': {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A line of `runs.csv` is malformed.
    #[error("'{path}' line {line}: {reason}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// One input column: a param (drawn per run, the same in every bundle's run k) or a lever (set
/// by the bundle), as `summary.json` describes it.
pub type Input = InputInfo;

/// The runs of one bundle as columns: `inputs[i][r]` and `outcomes[o][r]` belong to run
/// `runs[r]`.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleRuns {
    /// Bundle name.
    pub name: String,
    /// Run index of each row, ascending (as `runs.csv` holds them).
    pub runs: Vec<u64>,
    /// One column per input, in [`RunsTable::inputs`] order.
    pub inputs: Vec<Vec<f64>>,
    /// One column per outcome, in [`RunsTable::outcomes`] order; NaN where a run has no value
    /// (a `first` outcome whose crossing never happens).
    pub outcomes: Vec<Vec<f64>>,
}

impl BundleRuns {
    /// Number of runs (rows).
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether the bundle has no runs.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

/// A results folder's runs, read for discovery.
#[derive(Clone, Debug)]
pub struct RunsTable {
    /// The folder.
    pub dir: PathBuf,
    /// Its `summary.json`.
    pub summary: Summary,
    /// Input columns, in `runs.csv` order.
    pub inputs: Vec<Input>,
    /// Outcome columns, in `runs.csv` order.
    pub outcomes: Vec<OutcomeInfo>,
    /// Bundles, in run order.
    pub bundles: Vec<BundleRuns>,
}

/// Rows of two bundles that share a run index: `(row in a, row in b)`, in run order.
pub type Pairs = Vec<(usize, usize)>;

impl RunsTable {
    /// Reads `summary.json` and `runs.csv` of the folder `dir`.
    ///
    /// # Errors
    /// [`RunsError::NotResults`] without `summary.json`, [`RunsError::NoInputs`] when
    /// `runs.csv` holds no inputs, [`RunsError::Read`] or [`RunsError::Line`] when a file
    /// cannot be read or does not match the other.
    pub fn read(dir: &Path) -> Result<RunsTable, RunsError> {
        let shown = dir.display().to_string();
        let summary_path = dir.join("summary.json");
        if !summary_path.is_file() {
            return Err(RunsError::NotResults { dir: shown });
        }
        let read_err = |path: &Path, err: anyhow::Error| RunsError::Read {
            path: path.display().to_string(),
            reason: format!("{err:#}"),
        };
        let text =
            read_bounded(&summary_path, MAX_JSON_BYTES).map_err(|e| read_err(&summary_path, e))?;
        let summary: Summary = serde_json::from_slice(&text).map_err(|e| RunsError::Read {
            path: summary_path.display().to_string(),
            reason: format!("it is not a leversim summary ({e})"),
        })?;
        if summary.inputs.is_empty() {
            return Err(RunsError::NoInputs { dir: shown });
        }
        let runs_path = dir.join("runs.csv");
        let file = open_bounded(&runs_path, MAX_CSV_BYTES).map_err(|e| read_err(&runs_path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(std::io::BufReader::new(file));
        let path_text = runs_path.display().to_string();
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| RunsError::Read {
                path: path_text.clone(),
                reason: e.to_string(),
            })?
            .iter()
            .map(str::to_string)
            .collect();
        let layout = Layout::of(&header, &summary, &path_text, &shown)?;
        let mut bundles: Vec<BundleRuns> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut record = csv::StringRecord::new();
        let mut line = 1u64;
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(RunsError::Read {
                        path: path_text,
                        reason: e.to_string(),
                    });
                }
            }
            line += 1;
            let bad = |reason: String| RunsError::Line {
                path: path_text.clone(),
                line,
                reason,
            };
            if record.len() != header.len() {
                return Err(bad(format!(
                    "{} cells, but the header has {}",
                    record.len(),
                    header.len()
                )));
            }
            if layout
                .fault
                .is_some_and(|c| record.get(c).is_some_and(|f| !f.is_empty()))
            {
                continue;
            }
            let name = &record[0];
            let b = match index.get(name) {
                Some(&b) => b,
                None => {
                    index.insert(name.to_string(), bundles.len());
                    bundles.push(BundleRuns {
                        name: name.to_string(),
                        runs: Vec::new(),
                        inputs: vec![Vec::new(); layout.inputs.len()],
                        outcomes: vec![Vec::new(); layout.outcomes.len()],
                    });
                    bundles.len() - 1
                }
            };
            let run: u64 = record[1]
                .parse()
                .map_err(|_| bad(format!("run `{}` is not a run index", &record[1])))?;
            let bundle = &mut bundles[b];
            if bundle.runs.last().is_some_and(|&last| last >= run) {
                return Err(bad(format!(
                    "run {run} of bundle `{name}` is out of order (runs.csv lists each bundle's runs once, ascending)"
                )));
            }
            bundle.runs.push(run);
            for (column, &c) in bundle.outcomes.iter_mut().zip(&layout.outcomes) {
                column.push(number(&record[c], &header[c]).map_err(&bad)?);
            }
            for (column, &c) in bundle.inputs.iter_mut().zip(&layout.inputs) {
                let v = number(&record[c], &header[c]).map_err(&bad)?;
                if v.is_nan() {
                    return Err(bad(format!("input `{}` has no value", header[c])));
                }
                column.push(v);
            }
        }
        // Bundles in the order they were run, as the manifest lists them.
        let order = &summary.manifest.provenance.bundles;
        bundles.sort_by_key(|b| {
            order
                .iter()
                .position(|n| *n == b.name)
                .unwrap_or(usize::MAX)
        });
        let inputs = layout
            .inputs
            .iter()
            .map(|&c| layout.input_info[&c].clone())
            .collect();
        let outcomes = layout
            .outcomes
            .iter()
            .map(|&c| layout.outcome_info[&c].clone())
            .collect();
        Ok(RunsTable {
            dir: dir.to_path_buf(),
            summary,
            inputs,
            outcomes,
            bundles,
        })
    }

    /// The bundle `name`.
    ///
    /// # Errors
    /// [`RunsError::UnknownBundle`], with the closest name and the list of bundles.
    pub fn bundle(&self, name: &str) -> Result<&BundleRuns, RunsError> {
        self.bundles.iter().find(|b| b.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.bundles.iter().map(|b| b.name.as_str()).collect();
            RunsError::UnknownBundle {
                name: name.to_string(),
                dir: self.dir.display().to_string(),
                hint: hint(name, &names),
                known: names.join(", "),
            }
        })
    }

    /// The column index of outcome `name` in every bundle's [`BundleRuns::outcomes`].
    ///
    /// # Errors
    /// [`RunsError::UnknownOutcome`], with the closest name and the list of outcomes.
    pub fn outcome(&self, name: &str) -> Result<usize, RunsError> {
        self.outcomes
            .iter()
            .position(|o| o.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.outcomes.iter().map(|o| o.name.as_str()).collect();
                RunsError::UnknownOutcome {
                    name: name.to_string(),
                    dir: self.dir.display().to_string(),
                    hint: hint(name, &names),
                    known: names.join(", "),
                }
            })
    }

    /// The column index of input `name` (a param or lever name, or its `runs.csv` column) in
    /// every bundle's [`BundleRuns::inputs`].
    ///
    /// # Errors
    /// [`RunsError::UnknownInput`], with the closest name and the list of inputs.
    pub fn input(&self, name: &str) -> Result<usize, RunsError> {
        self.inputs
            .iter()
            .position(|i| i.name == name || i.column == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
                RunsError::UnknownInput {
                    name: name.to_string(),
                    dir: self.dir.display().to_string(),
                    hint: hint(name, &names),
                    known: names.join(", "),
                }
            })
    }

    /// The rows of bundles `a` and `b` that hold the same run (the same draws, by common random
    /// numbers), in run order. Runs retired by a fault in either bundle have no pair.
    pub fn paired(a: &BundleRuns, b: &BundleRuns) -> Pairs {
        let mut pairs = Vec::with_capacity(a.len().min(b.len()));
        let (mut i, mut j) = (0, 0);
        while i < a.runs.len() && j < b.runs.len() {
            match a.runs[i].cmp(&b.runs[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    pairs.push((i, j));
                    i += 1;
                    j += 1;
                }
            }
        }
        pairs
    }
}

/// Which `runs.csv` columns are what.
struct Layout {
    /// Column of each outcome.
    outcomes: Vec<usize>,
    /// Column of each input.
    inputs: Vec<usize>,
    /// The `fault` column, if any.
    fault: Option<usize>,
    /// Description of the input in each input column.
    input_info: BTreeMap<usize, InputInfo>,
    /// Description of the outcome in each outcome column.
    outcome_info: BTreeMap<usize, OutcomeInfo>,
}

impl Layout {
    /// Checks the header against `summary.json` and sorts its columns.
    fn of(
        header: &[String],
        summary: &Summary,
        path: &str,
        dir: &str,
    ) -> Result<Layout, RunsError> {
        let bad = |reason: String| RunsError::Line {
            path: path.to_string(),
            line: 1,
            reason,
        };
        if header.len() < 2 || header[..2] != RUNS_COLUMNS {
            return Err(bad("it does not start with the columns bundle,run".into()));
        }
        let fault = (header.last().map(String::as_str) == Some(RUNS_FAULT_COLUMN))
            .then(|| header.len() - 1);
        let end = fault.unwrap_or(header.len());
        let is_input =
            |c: &str| c.starts_with(RUNS_PARAM_PREFIX) || c.starts_with(RUNS_LEVER_PREFIX);
        let mut layout = Layout {
            outcomes: Vec::new(),
            inputs: Vec::new(),
            fault,
            input_info: BTreeMap::new(),
            outcome_info: BTreeMap::new(),
        };
        for (c, name) in header.iter().enumerate().take(end).skip(2) {
            if is_input(name) {
                let info = summary
                    .inputs
                    .iter()
                    .find(|i| i.column == *name)
                    .ok_or_else(|| {
                        bad(format!(
                            "column `{name}` is not among the inputs summary.json lists"
                        ))
                    })?;
                layout.inputs.push(c);
                layout.input_info.insert(c, info.clone());
            } else {
                let info = summary
                    .scenario
                    .outcomes
                    .iter()
                    .find(|o| o.name == *name)
                    .ok_or_else(|| {
                        bad(format!(
                            "column `{name}` is not among the outcomes summary.json lists"
                        ))
                    })?;
                layout.outcomes.push(c);
                layout.outcome_info.insert(c, info.clone());
            }
        }
        if layout.inputs.is_empty() {
            return Err(RunsError::NoInputs {
                dir: dir.to_string(),
            });
        }
        Ok(layout)
    }
}

/// A cell as a number: empty is missing (NaN).
fn number(cell: &str, column: &str) -> Result<f64, String> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    cell.parse()
        .map_err(|_| format!("`{cell}` in column `{column}` is not a number"))
}

/// ` (did you mean `x`?)` for the closest of `names`, or nothing.
fn hint(name: &str, names: &[&str]) -> String {
    did_you_mean(name, names.iter().copied())
        .map(|h| format!(" ({h})"))
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::output::schema::{
        Better, InputKind, Manifest, OutcomeKind, Provenance, ScenarioInfo, Timing,
    };

    /// A `summary.json` for the given outcomes (name, kind), inputs (name, kind) and bundles.
    pub(crate) fn summary(
        outcomes: &[(&str, OutcomeKind)],
        inputs: &[(&str, InputKind)],
        bundles: &[&str],
    ) -> Summary {
        Summary {
            manifest: Manifest {
                provenance: Provenance {
                    scenario: "world.toml".into(),
                    runs: 4,
                    seed: 1,
                    bundles: bundles.iter().map(|b| b.to_string()).collect(),
                    ..Provenance::default()
                },
                first_run: 0,
                timing: Timing::default(),
            },
            outcomes: Vec::new(),
            observations: Vec::new(),
            faults: Vec::new(),
            bounds: Vec::new(),
            figures: Vec::new(),
            scenario: ScenarioInfo {
                name: "world".into(),
                title: "World".into(),
                description: String::new(),
                source: String::new(),
                start: "2024-01".into(),
                end: "2024-12".into(),
                cost_unit: String::new(),
                baseline: bundles.first().map(|b| b.to_string()).unwrap_or_default(),
                bundles: Vec::new(),
                outcomes: outcomes
                    .iter()
                    .map(|(name, kind)| OutcomeInfo {
                        name: name.to_string(),
                        label: name.to_string(),
                        unit: String::new(),
                        kind: *kind,
                        better: Better::Lower,
                        is_cost: false,
                    })
                    .collect(),
                variables: Vec::new(),
                charts: Default::default(),
                levers: Vec::new(),
                report: Default::default(),
            },
            inputs: inputs
                .iter()
                .map(|(name, kind)| InputInfo {
                    name: name.to_string(),
                    column: match kind {
                        InputKind::Lever => format!("{RUNS_LEVER_PREFIX}{name}"),
                        _ => format!("{RUNS_PARAM_PREFIX}{name}"),
                    },
                    kind: *kind,
                    label: name.to_string(),
                    unit: String::new(),
                    stated_as: String::new(),
                })
                .collect(),
        }
    }

    /// Writes a folder with `summary` and `runs` as its runs.csv.
    pub(crate) fn folder(tag: &str, summary: &Summary, runs: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("leversim-discover-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("summary.json"),
            serde_json::to_string(summary).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join("runs.csv"), runs).unwrap();
        dir
    }

    fn two_bundles() -> Summary {
        summary(
            &[
                ("hit", OutcomeKind::Probability),
                ("when", OutcomeKind::First),
            ],
            &[("x", InputKind::Param), ("push", InputKind::Lever)],
            &["none", "pushed"],
        )
    }

    const RUNS: &str = "bundle,run,hit,when,param.x,lever.push,fault
none,0,1,2024.5,0.25,0,
none,1,0,,0.75,0,
none,2,1,2025,0.5,0,
pushed,0,0,,0.25,2,
pushed,1,0,,0.75,2,non-finite s
pushed,2,1,2024.25,0.5,2,
";

    #[test]
    fn reads_inputs_and_outcomes_per_bundle() {
        let dir = folder("read", &two_bundles(), RUNS);
        let t = RunsTable::read(&dir).unwrap();
        assert_eq!(
            t.inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["x", "push"]
        );
        assert_eq!(t.inputs[1].kind, InputKind::Lever);
        assert_eq!(t.outcomes[1].kind, OutcomeKind::First);
        let none = t.bundle("none").unwrap();
        assert_eq!(none.runs, [0, 1, 2]);
        assert_eq!(none.inputs[t.input("x").unwrap()], [0.25, 0.75, 0.5]);
        assert_eq!(none.inputs[t.input("lever.push").unwrap()], [0.0; 3]);
        let when = t.outcome("when").unwrap();
        assert_eq!(none.outcomes[when][0], 2024.5);
        assert!(none.outcomes[when][1].is_nan(), "an empty cell is missing");
        // The run a fault retired is left out, and pairing skips it.
        let pushed = t.bundle("pushed").unwrap();
        assert_eq!(pushed.runs, [0, 2]);
        assert_eq!(RunsTable::paired(pushed, none), [(0, 0), (1, 2)]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unknown_names_get_the_closest_and_the_list() {
        let dir = folder("names", &two_bundles(), RUNS);
        let t = RunsTable::read(&dir).unwrap();
        let shown = dir.display();
        assert_eq!(
            t.outcome("hits").unwrap_err().to_string(),
            format!(
                "no outcome `hits` in '{shown}' (did you mean `hit`?); its outcomes are: hit, when"
            )
        );
        assert_eq!(
            t.bundle("zzz").unwrap_err().to_string(),
            format!("no bundle `zzz` in '{shown}'; its bundles are: none, pushed")
        );
        assert!(matches!(
            t.input("psuh").unwrap_err(),
            RunsError::UnknownInput { ref hint, .. } if hint.contains("`push`")
        ));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn folders_without_inputs_or_summary_are_refused_plainly() {
        let mut old = two_bundles();
        old.inputs.clear();
        let dir = folder("old", &old, "bundle,run,hit,when\nnone,0,1,\n");
        assert_eq!(
            RunsTable::read(&dir).unwrap_err(),
            RunsError::NoInputs {
                dir: dir.display().to_string()
            }
        );
        std::fs::remove_file(dir.join("summary.json")).unwrap();
        assert!(matches!(
            RunsTable::read(&dir).unwrap_err(),
            RunsError::NotResults { .. }
        ));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let dir = folder(
            "bad",
            &two_bundles(),
            "bundle,run,hit,when,param.x,lever.push\nnone,0,1,,0.5,0\nnone,1,1,,zero,0\n",
        );
        let err = RunsTable::read(&dir).unwrap_err();
        assert!(
            matches!(err, RunsError::Line { line: 3, ref reason, .. } if reason.contains("`zero` in column `param.x`")),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_table_not_starting_with_bundle_and_run_is_refused_at_line_1() {
        for header in ["run,bundle,hit,when,param.x,lever.push", "bundle"] {
            let dir = folder(
                "columns",
                &two_bundles(),
                &format!("{header}\nnone,0,1,,0.5,0\n"),
            );
            let err = RunsTable::read(&dir).unwrap_err();
            assert!(
                matches!(err, RunsError::Line { line: 1, ref reason, .. } if reason == "it does not start with the columns bundle,run"),
                "{header}: {err}"
            );
            std::fs::remove_dir_all(&dir).ok();
        }
    }
}

//! Loading a results folder for charting: `summary.json`, `series.csv` and `runs.csv`, and
//! `comparison.json` in a folder of `leversim compare`.
//!
//! Charts depend on these files only, never on engine types, so that `leversim plot DIR` draws
//! exactly what `leversim run` drew. Everything is read into memory once; `runs.csv` costs
//! eight bytes per (run, outcome).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::theme::{BundleStyle, bundle_style, humanize};
use crate::output::folder::{MAX_CSV_BYTES, MAX_JSON_BYTES, open_bounded, read_bounded};
use crate::output::schema::{
    BundleInfo, Comparison, Month, OutcomeInfo, OutcomeRecord, Provenance, RUNS_COLUMNS,
    RUNS_FAULT_COLUMN, RUNS_LEVER_PREFIX, RUNS_PARAM_PREFIX, SERIES_COLUMNS, SensitivityReport,
    Summary, VariableInfo,
};

/// One month of a recorded series in one bundle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesPoint {
    /// The month as a decimal year (2024-10 is 2024.75).
    pub t: f64,
    /// Mean over runs.
    pub mean: f64,
    /// 5th, 25th, 50th, 75th and 95th percentiles over runs.
    pub p: [f64; 5],
}

/// The values of one outcome in one bundle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunValues {
    /// Values of the runs that have one, sorted ascending.
    pub sorted: Vec<f64>,
    /// Runs in the bundle, with or without a value.
    pub total: usize,
}

impl RunValues {
    /// The `q` quantile of the values (linear interpolation between order statistics); NaN
    /// when there are none.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return f64::NAN;
        }
        let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let i = pos.floor() as usize;
        let frac = pos - i as f64;
        match self.sorted.get(i + 1) {
            Some(next) => self.sorted[i] + frac * (next - self.sorted[i]),
            None => self.sorted[i],
        }
    }

    /// Share of runs (of all runs, including those without a value) with a value at most `x`.
    pub fn share_at_most(&self, x: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        self.sorted.partition_point(|v| *v <= x) as f64 / self.total as f64
    }
}

/// A results folder in memory.
#[derive(Clone, Debug)]
pub struct Results {
    /// The folder.
    pub dir: PathBuf,
    /// `summary.json`.
    pub summary: Summary,
    /// `series.csv` by (bundle, variable), months in order.
    pub series: BTreeMap<(String, String), Vec<SeriesPoint>>,
    /// `runs.csv` by (bundle, outcome).
    pub runs: BTreeMap<(String, String), RunValues>,
    /// A hash of each (bundle, outcome)'s values in run order (see [`Results::same_runs`]).
    pub run_hashes: BTreeMap<(String, String), u64>,
    /// What `leversim plot`'s options ask for (bundles, outcomes, source line).
    pub view: View,
}

/// Which bundles and outcomes are charted, and how the source line reads: `leversim plot`'s
/// `--bundles`, `--outcomes` and `--source` (the defaults draw what the scenario's `[charts]`
/// chooses, with the full source line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Bundles drawn, by name (the reference bundle is always kept when it was run); empty:
    /// the scenario's choice.
    pub bundles: Vec<String>,
    /// Outcomes (and series) charted, by name; empty: the scenario's choice.
    pub outcomes: Vec<String>,
    /// How much the source line under each chart says.
    pub source: SourceStyle,
}

/// How much the source line under a chart says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SourceStyle {
    /// The scenario's whole `source`, then the leversim version, scenario file, its hash and
    /// the seed: everything needed to reproduce the numbers.
    #[default]
    Full,
    /// One line: the first item of the scenario's `source` (up to its first `;`), the
    /// leversim version and the seed.
    Short,
}

impl Results {
    /// Reads the folder `dir`.
    ///
    /// # Errors
    /// When `dir` has no `summary.json` (it is not a results folder) or a file cannot be read or
    /// parsed.
    pub fn read(dir: &Path) -> Result<Results> {
        let summary = Results::read_summary(dir)?;
        let series = read_series(&dir.join("series.csv"))?;
        let (runs, run_hashes) = read_runs(&dir.join("runs.csv"))?;
        Ok(Results {
            dir: dir.to_path_buf(),
            summary,
            series,
            runs,
            run_hashes,
            view: View::default(),
        })
    }

    /// These results charted as `view` asks.
    pub fn with_view(mut self, view: View) -> Results {
        self.view = view;
        self
    }

    /// Whether bundle `name` is drawn: every bundle run unless `--bundles` names some, and
    /// then those and the reference.
    pub fn shows(&self, name: &str) -> bool {
        self.view.bundles.is_empty()
            || name == self.reference()
            || self.view.bundles.iter().any(|b| b == name)
    }

    /// Whether bundle `bundle` has, in every run, the same value of `outcome` as the
    /// reference bundle in the same run (common random numbers make this exact when the
    /// bundle's levers do not touch the outcome): its runs are then drawn once, as the
    /// reference's (issue 14). Compares the sorted values and a hash of the values in run
    /// order, so two bundles whose values are a reordering of each other are not taken as
    /// the same.
    pub fn same_runs(&self, bundle: &str, outcome: &str) -> bool {
        let reference = self.reference();
        if bundle == reference {
            return false;
        }
        let key = |b: &str| (b.to_string(), outcome.to_string());
        match (self.runs.get(&key(bundle)), self.runs.get(&key(reference))) {
            (Some(a), Some(b)) => {
                a == b
                    && self.run_hashes.contains_key(&key(bundle))
                    && self.run_hashes.get(&key(bundle)) == self.run_hashes.get(&key(reference))
            }
            _ => false,
        }
    }

    /// Whether bundle `bundle`'s recorded series of `variable` equals the reference bundle's
    /// in every month and every statistic (mean and percentiles): it is then drawn once, as
    /// the reference's. (The per-run paths are not kept, so equal statistics stand for equal
    /// paths: under common random numbers they differ when any run differs, unless
    /// differences cancel in the mean and leave every percentile in place in every month.)
    pub fn same_series(&self, bundle: &str, variable: &str) -> bool {
        let reference = self.reference();
        bundle != reference
            && matches!(
                (self.series(bundle, variable), self.series(reference, variable)),
                (Some(a), Some(b)) if a == b
            )
    }

    /// Reads `summary.json` of the folder `dir`.
    ///
    /// # Errors
    /// When `dir` has no `summary.json` (it is not a results folder) or it cannot be read or
    /// parsed.
    pub fn read_summary(dir: &Path) -> Result<Summary> {
        let summary_path = dir.join("summary.json");
        if !summary_path.is_file() {
            bail!(
                "'{}' is not a results folder: it has no summary.json, sweep.json or sensitivity.json (make one with `leversim run`, `compare`, `sweep` or `sensitivity`)",
                dir.display()
            );
        }
        let text = read_bounded(&summary_path, MAX_JSON_BYTES)?;
        let summary: Summary = serde_json::from_slice(&text).with_context(|| {
            format!(
                "'{}' is not a leversim summary (written by another version?)",
                summary_path.display()
            )
        })?;
        Ok(summary)
    }

    /// Bundles in the results, in run order, with their position among the scenario's bundles
    /// (which decides their colour).
    pub fn bundles(&self) -> Vec<(usize, BundleInfo)> {
        self.summary
            .manifest
            .provenance
            .bundles
            .iter()
            .filter(|name| self.shows(name))
            .map(|name| {
                let all = &self.summary.scenario.bundles;
                match all.iter().position(|b| &b.name == name) {
                    Some(i) => (i, all[i].clone()),
                    None => (
                        all.len(),
                        BundleInfo {
                            name: name.clone(),
                            label: name.clone(),
                            ..BundleInfo::default()
                        },
                    ),
                }
            })
            .collect()
    }

    /// Bundles drawn in the charts that show each bundle's runs (fan charts, distributions,
    /// exceedance curves): the scenario's `[charts] bundles` among those run, in run order; or
    /// every bundle run.
    pub fn charted_bundles(&self) -> Vec<(usize, BundleInfo)> {
        let chosen = &self.summary.scenario.charts.bundles;
        let mut bundles = self.bundles();
        // Bundles named on the command line replace the scenario's choice.
        if !chosen.is_empty() && self.view.bundles.is_empty() {
            bundles.retain(|(_, b)| chosen.contains(&b.name));
        }
        bundles
    }

    /// How the bundle at position `index` among the scenario's bundles is drawn: the same in
    /// every chart of the folder. Styles go in scenario order, first to the bundles of
    /// `[charts] bundles` (so that those drawn together get the most distinct looks), then to
    /// the others.
    pub fn style(&self, index: usize) -> BundleStyle {
        let all = &self.summary.scenario.bundles;
        let chosen = &self.summary.scenario.charts.bundles;
        let charted = |i: &usize| chosen.is_empty() || chosen.contains(&all[*i].name);
        let order: Vec<usize> = (0..all.len())
            .filter(charted)
            .chain((0..all.len()).filter(|i| !charted(i)))
            .collect();
        let slot = |i: usize| order.iter().position(|&o| o == i).unwrap_or(i);
        let reference = all
            .iter()
            .position(|b| b.name == self.summary.scenario.baseline)
            .map(slot);
        bundle_style(slot(index), reference)
    }

    /// The reference bundle's name (the scenario's baseline).
    pub fn reference(&self) -> &str {
        &self.summary.scenario.baseline
    }

    /// The label of bundle `name` for people (its name made readable when it is not one of
    /// the scenario's bundles).
    pub fn bundle_label(&self, name: &str) -> String {
        self.summary
            .scenario
            .bundles
            .iter()
            .find(|b| b.name == name)
            .map_or_else(|| humanize(name), label_of)
    }

    /// The description of outcome `name`.
    pub fn outcome(&self, name: &str) -> Option<&OutcomeInfo> {
        self.summary
            .scenario
            .outcomes
            .iter()
            .find(|o| o.name == name)
    }

    /// The description of variable `name`.
    pub fn variable(&self, name: &str) -> Option<&VariableInfo> {
        self.summary
            .scenario
            .variables
            .iter()
            .find(|v| v.name == name)
    }

    /// The summary record of `outcome` in `bundle`.
    pub fn record(&self, bundle: &str, outcome: &str) -> Option<&OutcomeRecord> {
        self.summary
            .outcomes
            .iter()
            .find(|r| r.bundle == bundle && r.outcome == outcome)
    }

    /// The runs of `outcome` in `bundle`.
    pub fn values(&self, bundle: &str, outcome: &str) -> Option<&RunValues> {
        self.runs.get(&(bundle.to_string(), outcome.to_string()))
    }

    /// Whether `outcome` has one value in every run of each bundle run (a bundle's cost, say):
    /// a distribution of it says nothing. An outcome some runs lack is not constant.
    pub fn is_constant(&self, outcome: &str) -> bool {
        self.bundles().iter().all(|(_, b)| {
            self.values(&b.name, outcome)
                .is_none_or(|v| v.sorted.len() == v.total && v.sorted.first() == v.sorted.last())
        })
    }

    /// The month from which the levers act (the earliest `from` of the scenario's levers), as
    /// a decimal year; `None` when every lever acts from the start (or the results predate
    /// the levers' record).
    pub fn levers_start(&self) -> Option<f64> {
        let s = &self.summary.scenario;
        let start = Month::parse(&s.start).ok()?.decimal_year();
        s.levers
            .iter()
            .filter_map(|l| Month::parse(&l.from).ok())
            .map(|m| m.decimal_year())
            .filter(|t| *t > start)
            .min_by(f64::total_cmp)
    }

    /// The series of `variable` in `bundle`.
    pub fn series(&self, bundle: &str, variable: &str) -> Option<&[SeriesPoint]> {
        self.series
            .get(&(bundle.to_string(), variable.to_string()))
            .map(Vec::as_slice)
    }

    /// The chart title the scenario sets for `name`, if any.
    pub fn custom_title(&self, name: &str) -> Option<&str> {
        self.summary
            .scenario
            .charts
            .titles
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    /// The title the scenario sets for chart `stem` (about series or outcome `name`): the
    /// `[charts.titles]` entry for the chart itself (`dist-p_ssn`), else the one for `name`.
    pub fn title_for(&self, stem: &str, name: &str) -> Option<&str> {
        self.custom_title(stem).or_else(|| self.custom_title(name))
    }

    /// The title and subtitle of chart `stem` about `name`, whose own title is
    /// "`label`: `kind`", over the subtitle `subtitle`. A `[charts.titles]` entry (see
    /// [`Results::title_for`]) replaces the title entirely, the chart's kind opening the
    /// subtitle, so that a briefing's title can state the message (issue 14).
    pub fn titles(
        &self,
        stem: &str,
        name: &str,
        label: &str,
        kind: &str,
        subtitle: String,
    ) -> (String, String) {
        match self.title_for(stem, name) {
            Some(title) => (
                title.to_string(),
                format!("{} · {subtitle}", capitalize(kind)),
            ),
            None => (format!("{label}: {kind}"), subtitle),
        }
    }

    /// The subtitle of a chart of every bundle run: scenario, bundles, runs and seed.
    pub fn subtitle(&self) -> String {
        self.subtitle_of(&self.bundles())
    }

    /// The subtitle of a chart that shows the bundles `shown` (with their positions, as from
    /// [`Results::bundles`]): scenario, bundles, runs and seed. Up to three bundles are named;
    /// more are counted (the legend or the panels name them).
    pub fn subtitle_of(&self, shown: &[(usize, BundleInfo)]) -> String {
        let s = &self.summary;
        let title = if s.scenario.title.is_empty() {
            &s.scenario.name
        } else {
            &s.scenario.title
        };
        let n = s.manifest.provenance.bundles.len();
        let count = if shown.len() < n {
            format!("{} of {n} bundles", shown.len())
        } else {
            format!("{n} bundle{}", if n == 1 { "" } else { "s" })
        };
        let labels: Vec<String> = shown.iter().map(|(_, b)| label_of(b)).collect();
        let names = labels.join(", ");
        let bundles = if labels.len() <= 3 && names.chars().count() <= 80 {
            format!("{count}: {names}")
        } else {
            count
        };
        format!(
            "{title} · {bundles} · {} runs each · seed {}",
            thousands(s.manifest.provenance.runs),
            s.manifest.provenance.seed
        )
    }

    /// The source line of every chart: the scenario's source and how to reproduce the numbers.
    pub fn source_line(&self) -> String {
        let p = &self.summary.manifest.provenance;
        match self.view.source {
            SourceStyle::Full => source_line(p, "simulation", &self.summary.scenario.source),
            SourceStyle::Short => short_source_line(p, &self.summary.scenario.source),
        }
    }
}

/// The source line of a chart: the scenario's `source`, then which leversim did `what` (a
/// simulation, a sweep, a sensitivity analysis) of which scenario file, with its hash and seed,
/// from the results' provenance.
pub fn source_line(p: &Provenance, what: &str, source: &str) -> String {
    let file = Path::new(&p.scenario)
        .file_name()
        .map_or_else(|| p.scenario.clone(), |f| f.to_string_lossy().into_owned());
    let sha = p.scenario_sha256.get(..12).unwrap_or(&p.scenario_sha256);
    let model = format!(
        "leversim {} {what} of {file} (sha256 {sha}…), seed {}",
        p.version, p.seed
    );
    let source = scenario_source(source);
    // `leversim` is what a scenario without a `source` gets.
    if source.is_empty() || source == "leversim" {
        format!("Source: {model}.")
    } else {
        format!("Source: {source}. Model: {model}.")
    }
}

/// The one-line source line of `--source short`: the first item of the scenario's `source` (the
/// publication, before any `;`), then the leversim version and seed. The scenario file's hash is
/// left out; the results folder keeps it.
///
/// ```
/// use leversim::plot::read::short_source_line;
/// use leversim::output::schema::Provenance;
/// let p = Provenance { version: "0.1.0".into(), seed: 7, ..Provenance::default() };
/// assert_eq!(
///     short_source_line(&p, "Source: A report (2025); figures.md; model."),
///     "Source: A report (2025); leversim 0.1.0, seed 7."
/// );
/// assert_eq!(short_source_line(&p, ""), "Source: leversim 0.1.0, seed 7.");
/// ```
pub fn short_source_line(p: &Provenance, source: &str) -> String {
    let source = scenario_source(source);
    let first = source.split(';').next().unwrap_or("").trim();
    let model = format!("leversim {}, seed {}", p.version, p.seed);
    if first.is_empty() || first == "leversim" {
        format!("Source: {model}.")
    } else {
        format!("Source: {first}; {model}.")
    }
}

/// `sensitivity.json` of a folder written by `leversim sensitivity`.
///
/// # Errors
/// When the file is missing, unreadable or not a sensitivity report.
pub fn read_sensitivity(dir: &Path) -> Result<SensitivityReport> {
    let path = dir.join("sensitivity.json");
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a sensitivity report", path.display()))
}

/// `comparison.json` of a folder written by `leversim compare`, if the folder has one.
///
/// # Errors
/// When the file exists but cannot be read or parsed.
pub fn read_comparison(dir: &Path) -> Result<Option<Comparison>> {
    let path = dir.join("comparison.json");
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    let comparison = serde_json::from_slice(&text).with_context(|| {
        format!(
            "'{}' is not a leversim comparison (written by another version?)",
            path.display()
        )
    })?;
    Ok(Some(comparison))
}

/// A scenario's `source` as it goes into a chart's source line, which starts with "Source:"
/// itself: without a leading "Source:" (in any case) and a final full stop, so neither is
/// doubled.
pub fn scenario_source(source: &str) -> &str {
    let source = source.trim();
    let source = match source.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("source:") => source[7..].trim_start(),
        _ => source,
    };
    source.trim_end_matches('.')
}

/// A bundle's name for people: its label, or its name made readable.
pub fn label_of(b: &BundleInfo) -> String {
    if b.label.is_empty() || b.label == b.name {
        humanize(&b.name)
    } else {
        b.label.clone()
    }
}

/// An outcome's name for people.
pub fn outcome_label(o: &OutcomeInfo) -> String {
    if o.label.is_empty() || o.label == o.name {
        humanize(&o.name)
    } else {
        o.label.clone()
    }
}

/// A variable's name for people.
pub fn variable_label(v: &VariableInfo) -> String {
    if v.label.is_empty() || v.label == v.name {
        humanize(&v.name)
    } else {
        v.label.clone()
    }
}

/// `s` with its first letter upper case.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `2000` → `2,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A CSV file of the folder: a regular file (never a device or a pipe) of bounded size.
fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = open_bounded(path, MAX_CSV_BYTES)?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file))
}

/// An empty cell is a missing value (NaN).
fn number(cell: &str, path: &Path, line: u64) -> Result<f64> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    cell.parse()
        .with_context(|| format!("'{}' line {line}: `{cell}` is not a number", path.display()))
}

fn read_series(path: &Path) -> Result<BTreeMap<(String, String), Vec<SeriesPoint>>> {
    let mut reader = csv_reader(path)?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("could not read '{}'", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let expected = SERIES_COLUMNS;
    if header != expected {
        bail!(
            "'{}' has the columns {header:?}, expected {expected:?}",
            path.display()
        );
    }
    let mut out: BTreeMap<(String, String), Vec<SeriesPoint>> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.with_context(|| format!("could not read '{}'", path.display()))?;
        let month = Month::parse(&record[2])
            .with_context(|| format!("'{}' line {line}", path.display()))?;
        let mut values = [0.0; 6];
        for (k, v) in values.iter_mut().enumerate() {
            *v = number(&record[3 + k], path, line)?;
        }
        out.entry((record[0].to_string(), record[1].to_string()))
            .or_default()
            .push(SeriesPoint {
                t: month.decimal_year(),
                mean: values[0],
                p: [values[1], values[2], values[3], values[4], values[5]],
            });
    }
    for points in out.values_mut() {
        points.sort_by(|a, b| a.t.total_cmp(&b.t));
    }
    Ok(out)
}

/// The values of each (bundle, outcome) of `runs.csv`, and a hash of them in run order.
type RunTables = (
    BTreeMap<(String, String), RunValues>,
    BTreeMap<(String, String), u64>,
);

/// FNV-1a over the bits of a value, continuing from `hash`: a cheap fingerprint of a column
/// in run order (collisions only make two bundles' sorted values, compared as well, decide).
fn fnv(hash: u64, v: f64) -> u64 {
    v.to_bits().to_le_bytes().iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The FNV-1a offset basis.
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn read_runs(path: &Path) -> Result<RunTables> {
    let mut reader = csv_reader(path)?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("could not read '{}'", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < 2 || header[..2] != RUNS_COLUMNS {
        bail!(
            "'{}' does not start with the columns bundle,run",
            path.display()
        );
    }
    // With `--on-fault count` a last `fault` column names the fault that retired a run; such
    // runs are left out of the charts as they are out of every statistic.
    let fault_column =
        (header.last().map(String::as_str) == Some(RUNS_FAULT_COLUMN)).then(|| header.len() - 1);
    // Outcomes come first; the inputs of each run (`param.*`, `lever.*`) follow them.
    let end = fault_column.unwrap_or(header.len());
    let end = (2..end)
        .find(|&c| {
            header[c].starts_with(RUNS_PARAM_PREFIX) || header[c].starts_with(RUNS_LEVER_PREFIX)
        })
        .unwrap_or(end);
    let outcomes = &header[2..end];
    let mut out: BTreeMap<(String, String), RunValues> = BTreeMap::new();
    let mut hashes: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut bundle = String::new();
    let mut current: Vec<RunValues> = Vec::new();
    let mut flush = |bundle: &str, current: &mut Vec<RunValues>| {
        for (name, values) in outcomes.iter().zip(current.drain(..)) {
            let key = (bundle.to_string(), name.clone());
            // In run order: the values are sorted only once every row is read.
            let hash = hashes.entry(key.clone()).or_insert(FNV_START);
            *hash = values.sorted.iter().fold(*hash, |h, v| fnv(h, *v));
            let entry = out.entry(key).or_default();
            entry.total += values.total;
            entry.sorted.extend(values.sorted);
        }
    };
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.with_context(|| format!("could not read '{}'", path.display()))?;
        if fault_column.is_some_and(|c| record.get(c).is_some_and(|f| !f.is_empty())) {
            continue;
        }
        if record[0] != *bundle {
            flush(&bundle, &mut current);
            bundle = record[0].to_string();
        }
        if current.is_empty() {
            current = vec![RunValues::default(); outcomes.len()];
        }
        for (k, values) in current.iter_mut().enumerate() {
            let v = number(record.get(k + 2).unwrap_or(""), path, line)?;
            values.total += 1;
            if !v.is_nan() {
                values.sorted.push(v);
            } else {
                // A missing value still counts in the run-order hash, as a mark of its own.
                values.sorted.push(f64::NAN);
            }
        }
    }
    flush(&bundle, &mut current);
    for values in out.values_mut() {
        values.sorted.retain(|v| !v.is_nan());
        values.sorted.sort_by(f64::total_cmp);
    }
    Ok((out, hashes))
}

//! `leversim drivers DIR`: what drives each outcome, from the per-run inputs and outcomes of a
//! results folder (feature scores by extremely randomised trees, [`crate::discover::drivers`]).
//!
//! Reads the folder through [`RunsTable`], scores every input for every outcome of each bundle
//! asked for, prints the top inputs per outcome and writes `<DIR>-drivers/` atomically:
//! `drivers.json` ([`DriversReport`]), `drivers.csv` and a heat map per bundle in `charts/`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::Failure;
use super::common::{check_output, interrupted, output_failure, shell_quote, threads};
use crate::discover::drivers::{ForestSettings, Target, feature_scores};
use crate::discover::{RunsError, RunsTable};
use crate::output::ResultsWriter;
use crate::output::schema::{
    DRIVERS_COLUMNS, DriversInput, DriversManifest, DriversOutcome, DriversRecord, DriversReport,
    OutcomeKind, Timing, build_commit,
};

/// `leversim drivers`.
#[derive(Args, Debug)]
pub struct DriversArgs {
    /// Results folder of `leversim run` (its runs.csv holds each run's inputs).
    pub results: PathBuf,
    /// Bundle whose runs are scored; repeatable [default: the baseline].
    #[arg(long = "bundle", value_name = "NAME")]
    pub bundles: Vec<String>,
    /// Outcome scored; repeatable [default: every outcome].
    #[arg(long = "outcome", value_name = "NAME")]
    pub outcomes: Vec<String>,
    /// Trees per outcome.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub trees: usize,
    /// Most runs a tree grows on (a subsample without replacement when there are more).
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    pub sample: usize,
    /// Fewest runs in a leaf of a tree.
    #[arg(long = "min-leaf", value_name = "N", default_value_t = 20)]
    pub min_leaf: usize,
    /// Inputs drawn at each node [default: the square root of the number of inputs].
    #[arg(long = "max-features", value_name = "K")]
    pub max_features: Option<usize>,
    /// Seed of the trees [default: the runs' seed].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Inputs printed per outcome.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub top: usize,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Folder written [default: the results folder's name with `-drivers`, beside it].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts; draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
}

/// The sibling folder `<dir>-<suffix>` of a results folder.
pub fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!("{name}-{suffix}"))
}

/// A reader error as the user sees it: exit 1 with its message.
pub fn runs_failure(err: RunsError) -> Failure {
    Failure::Scenario(Some(format!("error: {err}")))
}

/// Runs the command.
pub fn drivers(args: &DriversArgs) -> Result<(), Failure> {
    if args.trees == 0 || args.sample < 2 || args.min_leaf == 0 {
        return Err(Failure::Usage(
            "--trees and --min-leaf must be at least 1, --sample at least 2".into(),
        ));
    }
    let table = RunsTable::read(&args.results).map_err(runs_failure)?;
    let bundle_names: Vec<String> = if args.bundles.is_empty() {
        let baseline = &table.summary.scenario.baseline;
        match table.bundles.iter().find(|b| b.name == *baseline) {
            Some(b) => vec![b.name.clone()],
            None => table
                .bundles
                .first()
                .map(|b| b.name.clone())
                .into_iter()
                .collect(),
        }
    } else {
        args.bundles.clone()
    };
    let mut bundles = Vec::new();
    for name in &bundle_names {
        bundles.push(table.bundle(name).map_err(runs_failure)?);
    }
    let outcomes: Vec<usize> = if args.outcomes.is_empty() {
        (0..table.outcomes.len()).collect()
    } else {
        args.outcomes
            .iter()
            .map(|name| table.outcome(name))
            .collect::<Result<_, _>>()
            .map_err(runs_failure)?
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| sibling(&args.results, "drivers"));
    check_output(&dir)?;

    let provenance_runs = &table.summary.manifest.provenance;
    let settings = ForestSettings {
        trees: args.trees,
        max_features: args.max_features.unwrap_or(0),
        min_leaf: args.min_leaf,
        sample: args.sample,
        seed: args.seed.unwrap_or(provenance_runs.seed),
        threads: threads(args.threads)?,
    };
    let started = Instant::now();
    let mut report_outcomes = Vec::new();
    let mut records = Vec::new();
    let mut scored_runs = 0u64;
    for bundle in &bundles {
        let targets: Vec<Target> = outcomes
            .iter()
            .map(|&o| {
                let info = &table.outcomes[o];
                Target::new(
                    &info.name,
                    &bundle.outcomes[o],
                    info.kind == OutcomeKind::First,
                )
            })
            .collect();
        let columns: Vec<&[f64]> = bundle.inputs.iter().map(Vec::as_slice).collect();
        let scores = feature_scores(&columns, &targets, &settings);
        scored_runs += (bundle.len() * outcomes.len()) as u64;
        for ((&o, target), score) in outcomes.iter().zip(&targets).zip(&scores) {
            let info = &table.outcomes[o];
            let kept = (bundle.len() - target.dropped) as u64;
            report_outcomes.push(DriversOutcome {
                bundle: bundle.name.clone(),
                name: info.name.clone(),
                label: info.label.clone(),
                kind: info.kind,
                runs: kept,
                never: target.never as u64,
                dropped: target.dropped as u64,
                note: match score {
                    Some(_) => String::new(),
                    None => "no scores: the outcome does not vary in these runs".into(),
                },
            });
            let ranks = score.as_ref().map(|s| ranks(s));
            for (i, input) in table.inputs.iter().enumerate() {
                records.push(DriversRecord {
                    bundle: bundle.name.clone(),
                    outcome: info.name.clone(),
                    input: input.name.clone(),
                    input_kind: input.kind,
                    score: score.as_ref().map(|s| s[i]),
                    rank: ranks.as_ref().map(|r| r[i]),
                });
            }
        }
    }
    let elapsed = started.elapsed();
    let k = match settings.max_features {
        0 => (table.inputs.len() as f64).sqrt().ceil() as usize,
        k => k.min(table.inputs.len()),
    };
    let mut provenance = provenance_runs.clone();
    provenance.version = env!("CARGO_PKG_VERSION").to_string();
    provenance.commit = build_commit();
    provenance.threads = settings.threads;
    provenance.command = command(args, &bundle_names, &settings, &dir);
    let report = DriversReport {
        manifest: DriversManifest {
            provenance,
            results: args.results.display().to_string(),
            method: format!(
                "extremely randomised trees (Geurts et al. 2006): {} trees per outcome, each on at most {} runs drawn without replacement, {k} inputs drawn per node, one uniform cut each, leaves of at least {} runs; score = mean decrease in the variance of the outcome's rank (mid-ranks for ties), normalised per tree, averaged and scaled to sum to 1; a `first` outcome that never happened ranks after every run where it did",
                settings.trees, settings.sample, settings.min_leaf
            ),
            trees: settings.trees,
            max_features: k,
            min_leaf: settings.min_leaf,
            sample: settings.sample,
            forest_seed: settings.seed,
            timing: Timing::of(scored_runs, elapsed),
        },
        scenario: table.summary.scenario.clone(),
        bundles: bundle_names.clone(),
        inputs: table
            .inputs
            .iter()
            .map(|i| DriversInput {
                name: i.name.clone(),
                kind: i.kind,
                label: i.label.clone(),
                unit: i.unit.clone(),
            })
            .collect(),
        outcomes: report_outcomes,
        records,
    };

    let writer = ResultsWriter::begin(&dir).map_err(output_failure)?;
    let charts = if args.no_charts || interrupted() {
        Vec::new()
    } else {
        crate::plot::drivers::render_drivers_report(&report, &writer.dir().join("charts"))
            .map_err(Failure::Io)?
    };
    writer
        .write_csv(
            "drivers.csv",
            &DRIVERS_COLUMNS,
            report.records.iter().map(DriversRecord::csv_row),
        )
        .map_err(Failure::Io)?;
    writer
        .write_json("drivers.json", &report)
        .map_err(Failure::Io)?;
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    print_table(&report, args.top);
    say!(
        "results: {}/ (drivers.json, drivers.csv, {} charts)",
        dir.display(),
        charts.len() / 2
    );
    Ok(())
}

/// Rank of each score, 1 for the highest (ties broken by input order).
fn ranks(scores: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut out = vec![0; scores.len()];
    for (r, &i) in order.iter().enumerate() {
        out[i] = r as u32 + 1;
    }
    out
}

/// The command that reproduces the scores.
fn command(args: &DriversArgs, bundles: &[String], s: &ForestSettings, dir: &Path) -> String {
    let mut c = format!(
        "leversim drivers {}",
        shell_quote(&args.results.display().to_string())
    );
    for b in bundles {
        c.push_str(&format!(" --bundle {}", shell_quote(b)));
    }
    for o in &args.outcomes {
        c.push_str(&format!(" --outcome {}", shell_quote(o)));
    }
    c.push_str(&format!(
        " --trees {} --sample {} --min-leaf {} --seed {}",
        s.trees, s.sample, s.min_leaf, s.seed
    ));
    if s.max_features > 0 {
        c.push_str(&format!(" --max-features {}", s.max_features));
    }
    c.push_str(&format!(
        " --out {}",
        shell_quote(&dir.display().to_string())
    ));
    c
}

/// Per bundle and outcome, the top inputs by score.
fn print_table(r: &DriversReport, top: usize) {
    let m = &r.manifest;
    say!(
        "{}: what drives each outcome, feature scores of {} inputs ({} trees per outcome, seed {}), {:.2} s",
        r.scenario.name,
        r.inputs.len(),
        m.trees,
        m.forest_seed,
        m.timing.elapsed_s
    );
    for o in &r.outcomes {
        say!("\n{} — {} ({} runs)", o.bundle, o.label, o.runs);
        if !o.note.is_empty() {
            say!("  note: {}", o.note);
            continue;
        }
        if o.never > 0 {
            say!(
                "  note: never reached in {} runs (ranked after every run where it was)",
                o.never
            );
        }
        let mut rows: Vec<&DriversRecord> = r
            .records
            .iter()
            .filter(|x| x.bundle == o.bundle && x.outcome == o.name)
            .collect();
        rows.sort_by_key(|x| x.rank.unwrap_or(u32::MAX));
        let width = rows
            .iter()
            .take(top)
            .map(|x| x.input.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        say!("  {:>4}  {:<width$}  {:>6}", "rank", "input", "score");
        for x in rows.iter().take(top) {
            say!(
                "  {:>4}  {:<width$}  {:>5.1}%",
                x.rank.unwrap_or(0),
                x.input,
                x.score.unwrap_or(0.0) * 100.0
            );
        }
        if rows.len() > top {
            say!("  ({} more in drivers.csv)", rows.len() - top);
        }
    }
}

//! `leversim robustness DIR`: bundles judged by their regret in each run and by the share of
//! runs that meet thresholds (`--satisfice`), from a results folder's per-run outcomes
//! ([`crate::discover::regret`]).
//!
//! A command of its own rather than a flag of `compare`: `compare` runs a scenario and measures
//! each bundle against one reference, while robustness judges every bundle against the best
//! in each run, from a results folder that already exists (as `drivers` and `discover` do), so
//! the runs are not repeated. Writes `<DIR>-robustness/` atomically: `robustness.json`
//! ([`RobustnessReport`]), `regret.csv`, `regret_runs.csv` (the regret in each run),
//! `satisfice.csv` and charts.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::Failure;
use super::common::{check_output, interrupted, output_failure, shell_quote};
use super::drivers::{runs_failure, sibling};
use crate::discover::RunsTable;
use crate::discover::regret::{Condition, common_runs, minimax, regrets, summarise};
use crate::output::ResultsWriter;
use crate::output::format::human;
use crate::output::schema::{
    Better, Month, OutcomeKind, REGRET_COLUMNS, RegretRecord, RobustnessManifest, RobustnessReport,
    SATISFICE_COLUMNS, SatisficeRecord, Timing, ValueKind, build_commit,
};

/// `leversim robustness`.
#[derive(Args, Debug)]
pub struct RobustnessArgs {
    /// Results folder of `leversim run` with two or more bundles.
    pub results: PathBuf,
    /// A threshold runs should meet, `OUTCOME OP VALUE` (OP: <, <=, >, >=, ==, !=), e.g.
    /// "ssn_by_2030 < 0.5"; repeatable.
    #[arg(long = "satisfice", value_name = "CONDITION")]
    pub satisfice: Vec<String>,
    /// Folder written [default: the results folder's name with `-robustness`, beside it].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts; draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
}

/// How regret and missing values are treated, for the manifest and the docs.
const METHOD: &str = "regret of a bundle in run k: its shortfall from the best bundle in the same run (common random numbers: the same world), y - min over bundles for lower-is-better outcomes, max - y for higher-is-better; mean, 90th percentile (type 7) and maximum over the runs every bundle has; minimax: the bundle with the smallest maximum regret; a `first` outcome that never happened counts as the first month after the horizon; a satisficing condition is met by a run whose value satisfies it";

/// Runs the command.
pub fn robustness(args: &RobustnessArgs) -> Result<(), Failure> {
    let conditions: Vec<Condition> = args
        .satisfice
        .iter()
        .map(|c| Condition::parse(c))
        .collect::<Result<_, _>>()
        .map_err(|e| Failure::Scenario(Some(format!("error: {e}"))))?;
    let table = RunsTable::read(&args.results).map_err(runs_failure)?;
    let condition_columns: Vec<usize> = conditions
        .iter()
        .map(|c| table.outcome(&c.outcome))
        .collect::<Result<_, _>>()
        .map_err(runs_failure)?;
    if table.bundles.len() < 2 && conditions.is_empty() {
        return Err(Failure::Scenario(Some(format!(
            "error: '{}' holds one bundle ({}); regret compares bundles: run two or more, or give --satisfice thresholds",
            args.results.display(),
            table.bundles.first().map_or("none", |b| b.name.as_str())
        ))));
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| sibling(&args.results, "robustness"));
    check_output(&dir)?;
    let started = Instant::now();
    let bundles: Vec<&crate::discover::BundleRuns> = table.bundles.iter().collect();
    let rows = common_runs(&bundles);
    // A `first` outcome that never happened: the first month after the horizon.
    let after = Month::parse(&table.summary.scenario.end)
        .map_or(f64::INFINITY, |m| m.decimal_year() + 1.0 / 12.0);
    let column = |b: usize, o: usize| -> Vec<f64> {
        let first = table.outcomes[o].kind == OutcomeKind::First;
        rows.iter()
            .map(|r| {
                let v = bundles[b].outcomes[o][r[b]];
                if v.is_nan() && first { after } else { v }
            })
            .collect()
    };

    let mut regret = Vec::new();
    let mut per_run: Vec<(usize, Vec<Vec<f64>>)> = Vec::new();
    for (o, info) in table.outcomes.iter().enumerate() {
        if info.better == Better::Neither || bundles.len() < 2 {
            continue;
        }
        let values: Vec<Vec<f64>> = (0..bundles.len()).map(|b| column(b, o)).collect();
        let r = regrets(&values, info.better);
        let summaries: Vec<_> = r.iter().map(|v| summarise(v)).collect();
        let best = minimax(
            &summaries
                .iter()
                .map(|s| s.map(|s| s.max))
                .collect::<Vec<_>>(),
        );
        for (b, s) in summaries.iter().enumerate() {
            let kept: Vec<f64> = values[b].iter().copied().filter(|v| !v.is_nan()).collect();
            regret.push(RegretRecord {
                outcome: info.name.clone(),
                bundle: bundles[b].name.clone(),
                better: info.better,
                mean: (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64),
                mean_regret: s.map(|s| s.mean),
                p90_regret: s.map(|s| s.p90),
                max_regret: s.map(|s| s.max),
                best_share: s.map(|s| s.best_share),
                minimax: best[b],
                runs: s.map_or(0, |s| s.runs),
            });
        }
        per_run.push((o, r));
    }
    let mut satisfice = Vec::new();
    for (b, bundle) in bundles.iter().enumerate() {
        let mut all = vec![true; rows.len()];
        for (c, &o) in conditions.iter().zip(&condition_columns) {
            let values = column(b, o);
            let met: Vec<bool> = values.iter().map(|&v| c.holds(v)).collect();
            for (a, m) in all.iter_mut().zip(&met) {
                *a &= m;
            }
            satisfice.push(SatisficeRecord {
                bundle: bundle.name.clone(),
                condition: c.to_string(),
                share: share(&met),
                runs: rows.len() as u64,
            });
        }
        if conditions.len() > 1 {
            satisfice.push(SatisficeRecord {
                bundle: bundle.name.clone(),
                condition: "all".into(),
                share: share(&all),
                runs: rows.len() as u64,
            });
        }
    }

    let mut provenance = table.summary.manifest.provenance.clone();
    provenance.version = env!("CARGO_PKG_VERSION").to_string();
    provenance.commit = build_commit();
    provenance.command = command(args, &dir);
    let report = RobustnessReport {
        manifest: RobustnessManifest {
            provenance,
            results: args.results.display().to_string(),
            runs_compared: rows.len() as u64,
            satisfice: conditions.iter().map(ToString::to_string).collect(),
            method: METHOD.into(),
            timing: Timing::of((rows.len() * bundles.len()) as u64, started.elapsed()),
        },
        scenario: table.summary.scenario.clone(),
        bundles: bundles.iter().map(|b| b.name.clone()).collect(),
        regret,
        satisfice,
    };

    let writer = ResultsWriter::begin(&dir).map_err(output_failure)?;
    let charts = if args.no_charts || interrupted() {
        Vec::new()
    } else {
        crate::plot::robustness::render_robustness_report(&report, &writer.dir().join("charts"))
            .map_err(Failure::Io)?
    };
    writer
        .write_csv(
            "regret.csv",
            &REGRET_COLUMNS,
            report.regret.iter().map(RegretRecord::csv_row),
        )
        .map_err(Failure::Io)?;
    let mut header = vec!["bundle".to_string(), "run".to_string()];
    header.extend(per_run.iter().map(|(o, _)| table.outcomes[*o].name.clone()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let run_rows = (0..bundles.len()).flat_map(|b| {
        let per_run = &per_run;
        let rows = &rows;
        let bundles = &bundles;
        (0..rows.len()).map(move |k| {
            let mut row = vec![
                bundles[b].name.clone(),
                bundles[b].runs[rows[k][b]].to_string(),
            ];
            row.extend(
                per_run
                    .iter()
                    .map(|(_, r)| crate::output::schema::number_cell(Some(r[b][k]))),
            );
            row
        })
    });
    writer
        .write_csv("regret_runs.csv", &header, run_rows)
        .map_err(Failure::Io)?;
    if !report.satisfice.is_empty() {
        writer
            .write_csv(
                "satisfice.csv",
                &SATISFICE_COLUMNS,
                report.satisfice.iter().map(SatisficeRecord::csv_row),
            )
            .map_err(Failure::Io)?;
    }
    writer
        .write_json("robustness.json", &report)
        .map_err(Failure::Io)?;
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    print_table(&report, &table);
    say!(
        "results: {}/ (robustness.json, regret.csv, regret_runs.csv{}, {} charts)",
        dir.display(),
        if report.satisfice.is_empty() {
            ""
        } else {
            ", satisfice.csv"
        },
        charts.len() / 2
    );
    Ok(())
}

/// The share of `true`s (0 for none).
fn share(met: &[bool]) -> f64 {
    if met.is_empty() {
        0.0
    } else {
        met.iter().filter(|&&m| m).count() as f64 / met.len() as f64
    }
}

/// The command that reproduces the report.
fn command(args: &RobustnessArgs, dir: &std::path::Path) -> String {
    let mut c = format!(
        "leversim robustness {}",
        shell_quote(&args.results.display().to_string())
    );
    for s in &args.satisfice {
        c.push_str(&format!(" --satisfice {}", shell_quote(s)));
    }
    c.push_str(&format!(
        " --out {}",
        shell_quote(&dir.display().to_string())
    ));
    c
}

/// A regret as people read it: percentage points for probabilities and shares, months for
/// months, else the outcome's number.
pub fn regret_text(v: Option<f64>, kind: ValueKind) -> String {
    match (v, kind) {
        (None, _) => "–".into(),
        (Some(v), ValueKind::Probability | ValueKind::Share) => format!("{:.1} pp", v * 100.0),
        (Some(v), ValueKind::Month) => format!("{:.1} mo", v * 12.0),
        (Some(v), ValueKind::Number) => human(v, 3),
    }
}

/// Per outcome with a direction, each bundle's regret; then the satisficing shares.
fn print_table(r: &RobustnessReport, table: &RunsTable) {
    say!(
        "{}: robustness of {} bundles over {} runs (regret: shortfall from the best bundle in the same run)",
        r.scenario.name,
        r.bundles.len(),
        r.manifest.runs_compared
    );
    for info in &table.outcomes {
        let recs: Vec<&RegretRecord> = r.regret.iter().filter(|x| x.outcome == info.name).collect();
        if recs.is_empty() {
            continue;
        }
        let kind = info.kind.value();
        let unit = match kind {
            ValueKind::Number if !info.unit.is_empty() => format!("; regret in {}", info.unit),
            _ => String::new(),
        };
        say!(
            "\n{} ({} is better{unit})",
            info.label,
            info.better.as_str()
        );
        // When every bundle ties for the smallest maximum (a 0/1 outcome, where some world
        // always goes against each bundle), the mark would say nothing.
        let all_tie = recs.iter().all(|x| x.minimax);
        let width = recs
            .iter()
            .map(|x| x.bundle.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        say!(
            "  {:<width$}  {:>12}  {:>12}  {:>12}  {:>7}",
            "bundle",
            "mean regret",
            "p90 regret",
            "max regret",
            "best in"
        );
        for x in &recs {
            say!(
                "  {:<width$}  {:>12}  {:>12}  {:>12}  {:>6.1}%{}",
                x.bundle,
                regret_text(x.mean_regret, kind),
                regret_text(x.p90_regret, kind),
                regret_text(x.max_regret, kind),
                x.best_share.unwrap_or(0.0) * 100.0,
                if x.minimax && !all_tie {
                    "  ← minimax regret"
                } else {
                    ""
                }
            );
        }
        if all_tie {
            say!("  (every bundle has the same maximum regret: no minimax choice)");
        }
    }
    if !r.satisfice.is_empty() {
        say!("\nshare of runs meeting the thresholds");
        let width = r
            .bundles
            .iter()
            .map(|b| b.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let conditions: Vec<&str> = r
            .satisfice
            .iter()
            .filter(|s| s.bundle == r.bundles[0])
            .map(|s| s.condition.as_str())
            .collect();
        let mut header = format!("  {:<width$}", "bundle");
        for c in &conditions {
            header.push_str(&format!("  {c:>14}"));
        }
        say!("{header}");
        for b in &r.bundles {
            let mut line = format!("  {b:<width$}");
            for c in &conditions {
                let s = r
                    .satisfice
                    .iter()
                    .find(|s| s.bundle == *b && s.condition == *c)
                    .map_or(0.0, |s| s.share);
                line.push_str(&format!(
                    "  {:>w$.1}%",
                    s * 100.0,
                    w = c.chars().count().max(14) - 1
                ));
            }
            say!("{line}");
        }
    }
}

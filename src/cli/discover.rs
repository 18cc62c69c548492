//! `leversim discover`: scenario discovery on a results folder of `leversim run`.
//!
//! Reads the folder's runs (inputs beside outcomes), asks where a condition on an outcome (or
//! on the paired difference of two bundles) holds, finds boxes with PRIM or CART, prints the
//! trajectory and the boxes in words, and writes `discovery.json`, `discovery.csv` and the
//! charts into a new results folder (default: the analysed folder's name plus `-discover`,
//! beside it), through [`ResultsWriter`], so nothing leversim did not write is replaced.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::Failure;
use super::common::{output_failure, shell_quote};
use crate::discover::prim::{PrimSettings, prim};
use crate::discover::report::{
    box_record, box_sentence, input_records, target_record, trajectory_records,
};
use crate::discover::target::{Condition, Question, TargetError, target};
use crate::discover::{Found, RunsTable, cart::cart};
use crate::output::ResultsWriter;
use crate::output::format::percent;
use crate::output::schema::{
    DISCOVERY_COLUMNS, DiscoveryFile, DiscoveryManifest, build_commit, number_cell,
};
use crate::plot::discover::render_discovery;

/// A discovery method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiscoverMethod {
    /// PRIM: peel the input space box by box (Friedman and Fisher 1999).
    Prim,
    /// CART: a classification tree whose leaves are boxes.
    Cart,
}

/// `leversim discover`.
#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// Results folder written by `leversim run` (its runs.csv holds each run's inputs).
    #[arg(value_name = "RESULTS_DIR")]
    pub results: PathBuf,
    /// The outcome the condition is on.
    #[arg(long, value_name = "NAME")]
    pub outcome: String,
    /// The condition on the outcome: a comparison and a number, e.g. "> 0.5", "== 1", "<= 6e6".
    #[arg(long = "when", value_name = "CONDITION", allow_hyphen_values = true)]
    pub when: String,
    /// Analyse only this bundle's runs [default: every bundle's, pooled, so levers count too].
    #[arg(long, value_name = "NAME")]
    pub bundle: Option<String>,
    /// With --bundle: the condition is on the bundle's outcome minus this reference's, run by
    /// run (the same draws, by common random numbers).
    #[arg(long, value_name = "REF")]
    pub versus: Option<String>,
    /// Method.
    #[arg(long, value_enum, default_value_t = DiscoverMethod::Prim)]
    pub method: DiscoverMethod,
    /// PRIM: share of the box's runs peeled off per step.
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    pub alpha: f64,
    /// PRIM: share used when pasting back.
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    pub paste_alpha: f64,
    /// Smallest box, as a share of the runs.
    #[arg(long, value_name = "M", default_value_t = 0.05)]
    pub mass_min: f64,
    /// Density a box must reach to be chosen: the box with the most coverage at this density.
    #[arg(long, value_name = "D", default_value_t = 0.8)]
    pub threshold: f64,
    /// Most boxes: the first, then boxes covering the runs the earlier ones leave.
    #[arg(long, value_name = "K", default_value_t = 3)]
    pub boxes: usize,
    /// Results folder [default: RESULTS_DIR-discover, beside RESULTS_DIR]. It must not exist
    /// yet, be empty, or be a results folder leversim wrote.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
}

/// A message for exit 1.
fn data_error(message: impl std::fmt::Display) -> Failure {
    Failure::Scenario(Some(format!("error: {message}")))
}

/// Runs the command.
pub fn discover(args: &DiscoverArgs) -> Result<(), Failure> {
    let condition = Condition::parse(&args.when).map_err(|e| Failure::Usage(e.to_string()))?;
    let settings = PrimSettings {
        peel_alpha: args.alpha,
        paste_alpha: args.paste_alpha,
        mass_min: args.mass_min,
        threshold: args.threshold,
        max_boxes: args.boxes,
    };
    check_settings(&settings)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.results));
    ResultsWriter::check(&out).map_err(output_failure)?;
    let table = RunsTable::read(&args.results).map_err(data_error)?;
    // With a single bundle run, "every bundle pooled" is that bundle.
    let bundle = args
        .bundle
        .clone()
        .or_else(|| match table.bundles.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        });
    let question = Question {
        outcome: args.outcome.clone(),
        bundle,
        versus: args.versus.clone(),
    };
    let t = target(&table, &question, &condition).map_err(|e| match e {
        TargetError::Usage(m) => Failure::Usage(m),
        other => data_error(other),
    })?;
    if t.inputs.is_empty() {
        return Err(data_error(format!(
            "no input varies among the runs analysed in '{}': there is nothing to explain the condition by",
            args.results.display()
        )));
    }
    let started = Instant::now();
    let found = match args.method {
        DiscoverMethod::Prim => Found::from_prim(prim(&t.x, &t.y, &settings).map_err(data_error)?),
        DiscoverMethod::Cart => cart(&t.x, &t.y, args.mass_min, args.threshold, args.boxes),
    };
    let elapsed = started.elapsed().as_secs_f64();
    let inputs = input_records(&t);
    let bundle_label = |name: &str| {
        table
            .summary
            .scenario
            .bundles
            .iter()
            .find(|b| b.name == name)
            .map_or_else(|| name.to_string(), crate::plot::read::label_of)
    };
    let target_rec = target_record(&question, &condition, &t, &bundle_label);
    let base_rate = target_rec.of_interest as f64 / target_rec.runs as f64;
    let boxes: Vec<_> = found
        .boxes
        .iter()
        .map(|b| box_record(&found, b, &inputs))
        .collect();
    let mut provenance = table.summary.manifest.provenance.clone();
    provenance.command = command_line(args);
    provenance.commit = build_commit().or(provenance.commit);
    let file = DiscoveryFile {
        manifest: DiscoveryManifest {
            provenance,
            results: args.results.display().to_string(),
            method: match args.method {
                DiscoverMethod::Prim => "prim",
                DiscoverMethod::Cart => "cart",
            }
            .into(),
            peel_alpha: args.alpha,
            paste_alpha: args.paste_alpha,
            mass_min: args.mass_min,
            threshold: args.threshold,
            meets_threshold: found.meets_threshold,
            inputs: inputs.clone(),
            title: if table.summary.scenario.title.is_empty() {
                table.summary.scenario.name.clone()
            } else {
                table.summary.scenario.title.clone()
            },
            source: table.summary.scenario.source.clone(),
        },
        target: target_rec,
        base_rate,
        trajectory: trajectory_records(&found),
        boxes,
    };

    print_report(&file, &found, elapsed);

    let writer = ResultsWriter::begin(&out).map_err(output_failure)?;
    writer
        .write_json("discovery.json", &file)
        .map_err(Failure::Io)?;
    write_runs(&writer, &file, &found, &t).map_err(Failure::Io)?;
    let charts = if args.no_charts {
        Vec::new()
    } else {
        render_discovery(writer.dir()).map_err(Failure::Io)?
    };
    let dir = writer.commit().map_err(output_failure)?;
    say!();
    say!(
        "results: {}/ (discovery.json, discovery.csv)",
        dir.display()
    );
    if !charts.is_empty() {
        say!(
            "charts:  {}/ ({} charts, PNG and SVG)",
            dir.join("charts").display(),
            charts.len() / 2
        );
    }
    Ok(())
}

fn check_settings(s: &PrimSettings) -> Result<(), Failure> {
    let open = |flag: &str, v: f64, hi: f64| {
        if v > 0.0 && v < hi {
            Ok(())
        } else {
            Err(Failure::Usage(format!(
                "{flag} {v}: must be above 0 and below {hi}"
            )))
        }
    };
    open("--alpha", s.peel_alpha, 0.5)?;
    open("--paste-alpha", s.paste_alpha, 0.5)?;
    open("--mass-min", s.mass_min, 1.0)?;
    if !(s.threshold > 0.0 && s.threshold <= 1.0) {
        return Err(Failure::Usage(format!(
            "--threshold {}: a density, above 0 and at most 1",
            s.threshold
        )));
    }
    if s.max_boxes == 0 {
        return Err(Failure::Usage("--boxes 0: ask for at least one box".into()));
    }
    Ok(())
}

/// `output/korea-russia` → `output/korea-russia-discover`.
fn default_out(results: &Path) -> PathBuf {
    let name = results
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    results.with_file_name(format!("{name}-discover"))
}

fn command_line(args: &DiscoverArgs) -> String {
    let mut cmd = format!(
        "leversim discover {} --outcome {} --when {}",
        shell_quote(&args.results.display().to_string()),
        shell_quote(&args.outcome),
        shell_quote(&args.when)
    );
    if let Some(b) = &args.bundle {
        cmd.push_str(&format!(" --bundle {}", shell_quote(b)));
    }
    if let Some(r) = &args.versus {
        cmd.push_str(&format!(" --versus {}", shell_quote(r)));
    }
    if args.method == DiscoverMethod::Cart {
        cmd.push_str(" --method cart");
    }
    cmd.push_str(&format!(
        " --alpha {} --paste-alpha {} --mass-min {} --threshold {} --boxes {}",
        args.alpha, args.paste_alpha, args.mass_min, args.threshold, args.boxes
    ));
    cmd
}

/// Prints the question, the trajectory and the boxes in words.
fn print_report(file: &DiscoveryFile, found: &Found, elapsed: f64) {
    let t = &file.target;
    let m = &file.manifest;
    say!(
        "Discovery ({}): where {}",
        m.method.to_uppercase(),
        t.description
    );
    say!(
        "  the condition holds in {} of {} runs ({}){}; {} inputs vary; {:.2} s",
        t.of_interest,
        t.runs,
        percent(file.base_rate),
        if t.left_out > 0 {
            format!(", {} runs without a value left out", t.left_out)
        } else {
            String::new()
        },
        m.inputs.len(),
        elapsed
    );
    if !file.trajectory.is_empty() {
        say!();
        say!("Peeling trajectory (box 1): coverage against density");
        say!(
            "  {:>4}  {:>8}  {:>8}  {:>8}  {:>10}",
            "step",
            "coverage",
            "density",
            "mass",
            "restricted"
        );
        let chosen = found.chosen.unwrap_or(usize::MAX);
        for (i, p) in file.trajectory.iter().enumerate() {
            say!(
                "  {:>4}  {:>8}  {:>8}  {:>8}  {:>10}{}",
                i,
                percent(p.coverage),
                percent(p.density),
                percent(p.mass),
                p.n_restricted,
                if i == chosen { "  ← chosen" } else { "" }
            );
        }
    }
    say!();
    if !m.meets_threshold {
        say!(
            "No box reaches a density of {}; the densest found is shown. Lower --threshold to trade density for coverage.",
            percent(m.threshold)
        );
    }
    for (i, b) in file.boxes.iter().enumerate() {
        say!(
            "Box {}: coverage {}, density {}, mass {}",
            i + 1,
            percent(b.coverage),
            percent(b.density),
            percent(b.mass)
        );
        for l in &b.limits {
            let side = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.4}"));
            say!(
                "  {:<28} {:>12} .. {:<12} quasi-p {}",
                l.input,
                side(l.low),
                side(l.high),
                l.qp_value.map_or_else(|| "–".into(), qp_text)
            );
        }
        say!(
            "  {}",
            box_sentence(&t.description, b, &m.inputs, file.base_rate)
        );
        say!();
    }
}

/// `discovery.csv`: each run analysed, its value, the condition, its box and the values of the
/// inputs the boxes restrict.
fn write_runs(
    writer: &ResultsWriter,
    file: &DiscoveryFile,
    found: &Found,
    t: &crate::discover::target::Target,
) -> anyhow::Result<()> {
    let mut restricted: Vec<usize> = Vec::new();
    for b in &found.boxes {
        for (j, lim) in b.limits.iter().enumerate() {
            if *lim != found.init[j] && !restricted.contains(&j) {
                restricted.push(j);
            }
        }
    }
    restricted.sort_unstable();
    let mut header: Vec<&str> = DISCOVERY_COLUMNS.to_vec();
    let names: Vec<String> = restricted
        .iter()
        .map(|&j| file.manifest.inputs[j].name.clone())
        .collect();
    header.extend(names.iter().map(String::as_str));
    // Each run falls in the first box that holds it (boxes after the first were found on the
    // runs the earlier ones left).
    let rows = (0..t.y.len()).map(|i| {
        let in_box = found.boxes.iter().position(|b| {
            b.limits
                .iter()
                .enumerate()
                .all(|(j, [lo, hi])| *lo <= t.x[j][i] && t.x[j][i] <= *hi)
        });
        let value = t.values[i];
        let mut row = vec![
            t.rows[i].0.clone(),
            t.rows[i].1.to_string(),
            // A first crossing that never happened is written empty, as in runs.csv.
            number_cell(value.is_finite().then_some(value)),
            u8::from(t.y[i]).to_string(),
            in_box.map_or_else(String::new, |b| (b + 1).to_string()),
        ];
        row.extend(restricted.iter().map(|&j| format!("{}", t.x[j][i])));
        row
    });
    writer.write_csv("discovery.csv", &header, rows)
}

/// A quasi-p-value for the terminal: two significant digits; a value too small for a double
/// (the binomial tail underflows) as `<1e-300`.
fn qp_text(q: f64) -> String {
    if q < 1e-300 {
        "<1e-300".into()
    } else {
        format!("{q:.2e}")
    }
}

//! `leversim sensitivity`: which uncertain params (and levers) drive each outcome.
//!
//! Loads and compiles the scenario like `run`, builds the inputs and the design, runs it on the
//! engine with a progress bar, writes `output/<name>-sensitivity/` atomically (charts, CSV, then
//! `sensitivity.json`) and prints the top inputs per outcome.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::common::{
    Prepared, Resume, STREAMS, attach_posterior, check_output, fingerprint, interrupt_flag, keep,
    output_failure, prepare, provenance, rng_info, select_bundles, shell_quote, take_kept, threads,
};
use super::shard::{MergeSource, ShardJob, Sharding};
use super::{Failure, OnFault};
use crate::model::Model;
use crate::output::ResultsWriter;
use crate::output::format::human;
use crate::output::partial::{decode_kept, encode_kept, partial_dir};
use crate::output::schema::{Timing, ValueKind};
use crate::output::sensitivity::{
    SensitivityManifest, SensitivityRecord, SensitivityReport, report, write_report,
};
use crate::plot::sensitivity::render_report;
use crate::sensitivity::exec::{DesignError, Kept};
use crate::sensitivity::{
    self, Input, Method, Monitor, NoiseInputs, Settings, analyse_kept, estimated_columns,
    has_noise, noise_inputs, planned_runs_with,
};

/// Largest design held in memory (outcome values of every run), bytes.
const MAX_DESIGN_BYTES: u64 = 2 << 30;

/// A method on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Sobol' first-order and total indices with bootstrap intervals.
    Sobol,
    /// Morris elementary effects (mu*, sigma): a cheap screen.
    Morris,
    /// One-at-a-time swings (5th to 95th percentile), for tornado charts.
    Oat,
}

/// How `--noise` splits the model's own random draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NoiseArg {
    /// One input per source of randomness, named after the scenario item.
    Sources,
    /// One input, `(noise)`, for all random draws within runs.
    Total,
}

/// `leversim sensitivity`.
#[derive(Args, Debug)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Bundle whose lever settings hold [default: the baseline].
    #[arg(long, value_name = "NAME")]
    pub bundle: Option<String>,
    /// Sobol' base samples N; the design runs N × (inputs + 2) times (+ N with noise).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub samples: usize,
    /// Master seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Methods, comma-separated or repeated.
    #[arg(
        long = "method",
        value_name = "METHOD",
        value_enum,
        value_delimiter = ',',
        default_values_t = [MethodArg::Sobol, MethodArg::Oat]
    )]
    pub methods: Vec<MethodArg>,
    /// Treat levers as inputs too, uniform over their ranges.
    #[arg(long)]
    pub levers: bool,
    /// Series analysed month by month with Sobol' (repeatable; `none` for none) [default: the
    /// scenario's charted series, else stocks with observations].
    #[arg(long = "series", value_name = "NAME")]
    pub series: Vec<String>,
    /// Morris trajectories r: r × (inputs + 1) runs.
    #[arg(long, value_name = "R", default_value_t = 64)]
    pub trajectories: usize,
    /// Morris grid levels (even).
    #[arg(long, value_name = "P", default_value_t = 4)]
    pub levels: usize,
    /// Runs per one-at-a-time point [default: 256, or 1 for a model without noise].
    #[arg(long = "oat-runs", value_name = "M")]
    pub oat_runs: Option<usize>,
    /// Bootstrap resamples for the intervals of Morris statistics (0: none); Sobol' intervals
    /// come from the design's independently scrambled blocks.
    #[arg(long, value_name = "B", default_value_t = 1000)]
    pub bootstrap: usize,
    /// Confidence level of the bootstrap intervals, between 0 and 1.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Override a param (as a constant, so no longer an input) or a lever; repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Results folder [default: output/NAME-sensitivity, NAME being the scenario's name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Inputs printed per outcome.
    #[arg(long, value_name = "K", default_value_t = 6)]
    pub top: usize,
    /// On a numeric fault in a run of the design: stop at the first (exit 1), or count faults
    /// and leave the design rows of faulting runs out of every estimate.
    #[arg(long, value_enum, default_value_t = OnFault::Stop, value_name = "MODE")]
    pub on_fault: OnFault,
    /// The model's own random draws in a Sobol' analysis: one input per source (each event's
    /// timing, each flow's monthly noise, each auxiliary's draws) or one input, `(noise)`, for
    /// all of them (N fewer runs per source beyond the first).
    #[arg(long, value_enum, default_value_t = NoiseArg::Sources, value_name = "HOW")]
    pub noise: NoiseArg,
    /// Skip the charts; draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
    /// Analyse params over this calibration's posterior marginals (a folder written by
    /// `leversim calibrate`) [default: the one the scenario names under `[calibration]
    /// posterior`].
    #[arg(long, value_name = "DIR", conflicts_with = "prior")]
    pub posterior: Option<PathBuf>,
    /// Analyse params over their priors, even when the scenario names a calibration.
    #[arg(long)]
    pub prior: bool,
    /// Continue this same command after an interruption (Ctrl-C, kill) from the runs it kept in
    /// `<out>.partial/`; the results are bit-identical to an uninterrupted run. A changed
    /// scenario, seed or flag is refused.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard I of N of the design (I from 1 to N: every N-th chunk of 1,024 runs, over
    /// all methods) and write it to `<out>.shard-I-of-N/`; `leversim merge` combines the N
    /// shard folders and estimates, as one machine would (docs/cluster.md).
    #[arg(long, value_name = "I/N", value_parser = super::shard::parse_shard)]
    pub shard: Option<crate::engine::Shard>,
    /// The shards `leversim merge` combines (never a flag).
    #[arg(skip)]
    pub merge: Option<std::sync::Arc<super::shard::MergeSource>>,
}

/// Bootstrap resamples per month of a series: months are many and their intervals are
/// secondary (the chart shows the point estimates), so at most this many.
const SERIES_BOOTSTRAP: usize = 200;

/// Runs the command.
pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let mut p = prepare(&args.scenario, &args.set)?;
    attach_posterior(
        &mut p,
        &args.scenario,
        args.posterior.as_deref(),
        args.prior,
    )?;
    let model = &p.model;
    let bundle = match &args.bundle {
        Some(name) => select_bundles(model, std::slice::from_ref(name))?[0],
        None => model.baseline,
    };
    let inputs = sensitivity::inputs(&p.scenario, model, args.levers);
    if inputs.is_empty() {
        return Err(Failure::Scenario(Some(format!(
            "error: {} has no uncertain params to analyse{}",
            args.scenario.display(),
            if args.levers {
                " and no levers with a range"
            } else {
                " (add --levers to analyse its levers)"
            }
        ))));
    }
    let mut methods: Vec<Method> = args
        .methods
        .iter()
        .map(|m| match m {
            MethodArg::Sobol => Method::Sobol,
            MethodArg::Morris => Method::Morris,
            MethodArg::Oat => Method::Oat,
        })
        .collect();
    methods.sort();
    methods.dedup();
    let noise = has_noise(model);
    let series = select_series(&p, &args.series, methods.contains(&Method::Sobol))?;
    check_sizes(args)?;
    let settings = Settings {
        seed: args.seed.unwrap_or(p.scenario.meta.seed.value),
        bundle,
        threads: threads(args.threads)?,
        methods,
        samples: args.samples,
        trajectories: args.trajectories,
        levels: args.levels,
        oat_runs: args.oat_runs.unwrap_or(if noise { 256 } else { 1 }),
        resamples: args.bootstrap,
        series_resamples: args.bootstrap.min(SERIES_BOOTSTRAP),
        confidence: args.confidence,
        series,
        noise: match args.noise {
            NoiseArg::Sources => NoiseInputs::Sources,
            NoiseArg::Total => NoiseInputs::Total,
        },
    };
    let n_noise = noise_inputs(Some(&p.scenario), model, settings.noise).len();
    let runs = planned_runs_with(&settings, inputs.len(), n_noise);
    let columns = model.outcomes.len() + settings.series.len() * model.n_months;
    let bytes = runs * columns as u64 * 8;
    if bytes > MAX_DESIGN_BYTES {
        return Err(Failure::Usage(format!(
            "this design keeps {} values ({} runs × {columns} outcomes and series months) in memory, more than 2 GiB; use fewer --samples or --series",
            human((runs * columns as u64) as f64, 3),
            human(runs as f64, 3)
        )));
    }

    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&p.scenario.meta.name.value));
    let sharding = Sharding::of(args.shard, args.merge.as_ref());
    check_output(&sharding.target(&dir))?;
    let resume = Resume {
        out: dir.clone(),
        fingerprint: fingerprint(
            &p,
            "sensitivity",
            settings.seed,
            runs,
            std::slice::from_ref(&model.bundles[bundle].name),
            args.on_fault.into(),
            design_flags(args, &settings, model, &inputs),
        ),
        resume: args.resume,
        sharding: sharding.clone(),
    };
    let cannot_read = |dir: &Path| {
        Failure::Scenario(Some(format!(
            "error: cannot resume from '{}': its state cannot be read\n  = help: run without --resume to start over",
            partial_dir(dir).display()
        )))
    };
    let mut merged_elapsed = None;
    let kept = match &sharding {
        Sharding::Whole => match take_kept(&resume)? {
            Some(state) => decode_kept(&state).ok_or_else(|| cannot_read(&dir))?,
            None => Kept::default(),
        },
        Sharding::Shard(shard) => {
            let job = ShardJob {
                p: &p,
                scenario: &args.scenario,
                r: &resume,
                shard: *shard,
                seed: settings.seed,
                runs_planned: runs,
                runs,
                threads: settings.threads,
                bundles: vec![model.bundles[bundle].name.clone()],
            };
            return sensitivity_shard(&job, args, &settings, &inputs, runs);
        }
        Sharding::Merge(source) => {
            let (kept, elapsed) = merge_kept(source, &resume, runs)?;
            merged_elapsed = Some(elapsed);
            kept
        }
    };
    let resumed_rows = if merged_elapsed.is_some() {
        0
    } else {
        kept.rows()
    };

    let analysis = {
        let bar = progress_bar(runs, &p.scenario.meta.name.value);
        let columns = estimated_columns(model, &settings);
        let switch = std::sync::Once::new();
        let estimated = |n: u64| {
            // After the runs, the same bar counts the outcomes and months estimated.
            switch.call_once(|| {
                bar.set_style(bar_style(
                    "{msg} [{bar:30}] {human_pos}/{human_len} estimates, eta {eta}",
                ));
                bar.set_message(format!("{}: bootstrap", p.scenario.meta.name.value));
                bar.set_length(columns);
                bar.set_position(0);
            });
            bar.inc(n);
        };
        let monitor = Monitor {
            runs: &|n| bar.inc(n),
            estimated: &estimated,
        };
        let result = analyse_kept(
            model,
            &inputs,
            &settings,
            args.on_fault.into(),
            monitor,
            interrupt_flag(),
            Some(&kept),
        );
        bar.finish_and_clear();
        match result {
            Ok(a) => a,
            Err(DesignError::Cancelled) if kept.rows() > 0 => {
                return Err(keep(&resume, kept.rows(), runs, &encode_kept(&kept)));
            }
            Err(DesignError::Cancelled) => return Err(Failure::Interrupted),
            Err(DesignError::Fault { fault, values }) => {
                return Err(fault_failure(
                    args, &settings, model, &inputs, &fault, &values,
                ));
            }
        }
    };

    let mut manifest = manifest(&p, args, &settings, noise, analysis.runs, analysis.elapsed);
    // Runs taken over from an interrupted analysis (`--resume`) took no time here.
    manifest.timing = crate::output::schema::Timing::of(
        analysis.runs.saturating_sub(resumed_rows),
        // Merged from shards: the runs took the shards' time, summed over the shards.
        merged_elapsed.unwrap_or(analysis.elapsed),
    );
    manifest.left_out = analysis.left_out;
    let rep = report(&p.scenario, model, &inputs, &settings, &analysis, manifest);
    let writer = ResultsWriter::begin(&dir).map_err(output_failure)?;
    let charts = if args.no_charts || super::common::interrupted() {
        Vec::new()
    } else {
        render_report(&rep, &writer.dir().join("charts")).map_err(Failure::Io)?
    };
    write_report(writer.dir(), &rep).map_err(Failure::Io)?;
    if super::common::interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    crate::output::partial::discard(&resume.out);

    print_table(&rep, args.top);
    if analysis.left_out > 0 {
        say!(
            "\n{} design row{} left out: a run faulted (--on-fault count); the estimates use the others",
            analysis.left_out,
            if analysis.left_out == 1 { "" } else { "s" }
        );
    }
    say!(
        "results: {}/ (sensitivity.json, sensitivity.csv, sensitivity_over_time.csv, {} charts)",
        dir.display(),
        charts.len() / 2
    );
    Ok(())
}

/// Runs one shard of the analysis's designs and writes its shard folder; an interrupted shard
/// keeps its finished units for `--resume`.
fn sensitivity_shard(
    job: &ShardJob<'_>,
    args: &SensitivityArgs,
    settings: &Settings,
    inputs: &[Input],
    runs: u64,
) -> Result<(), Failure> {
    let r = job.resume();
    let kept = match take_kept(&r)? {
        Some(state) => decode_kept(&state).ok_or_else(|| {
            Failure::Scenario(Some(format!(
                "error: cannot resume from '{}': its state cannot be read\n  = help: run without --resume to start over",
                partial_dir(&r.out).display()
            )))
        })?,
        None => Kept::default(),
    };
    let model = &job.p.model;
    let bar = progress_bar(runs, &job.p.scenario.meta.name.value);
    let monitor = Monitor {
        runs: &|n| bar.inc(n),
        estimated: &|_| {},
    };
    let result = sensitivity::run_shard(
        model,
        inputs,
        settings,
        args.on_fault.into(),
        monitor,
        interrupt_flag(),
        &kept,
        job.shard,
    );
    bar.finish_and_clear();
    let elapsed = match result {
        Ok(elapsed) => elapsed,
        Err(DesignError::Cancelled) if kept.rows() > 0 => {
            return Err(keep(&r, kept.rows(), runs, &encode_kept(&kept)));
        }
        Err(DesignError::Cancelled) => return Err(Failure::Interrupted),
        Err(DesignError::Fault { fault, values }) => {
            return Err(fault_failure(
                args, settings, model, inputs, &fault, &values,
            ));
        }
    };
    let (index, count) = (job.shard.index(), job.shard.count());
    let units = format!(
        "design units {}, {}, {}, ... (every {count}th chunk of up to 1,024 runs, the designs \
         in the order they run)",
        index - 1,
        index - 1 + count,
        index - 1 + 2 * count
    );
    job.write(units, kept.rows(), elapsed, &encode_kept(&kept))?;
    Ok(())
}

/// Unites the shards' finished design units into the kept units of one analysis, which then
/// runs nothing. Returns them with the shards' time, summed.
fn merge_kept(
    source: &MergeSource,
    r: &Resume,
    runs: u64,
) -> Result<(Kept, std::time::Duration), Failure> {
    let whole = Kept::default();
    let mut elapsed = 0.0;
    {
        let mut all = whole.units.lock().unwrap_or_else(|e| e.into_inner());
        for item in super::shard::states(source, &r.fingerprint)? {
            let (dir, header, state) = item?;
            let refuse = |why: String| {
                Failure::Scenario(Some(format!(
                    "error: cannot merge '{}': {why}",
                    dir.display()
                )))
            };
            let part =
                decode_kept(&state).ok_or_else(|| refuse("its state cannot be read".into()))?;
            let shard = crate::engine::Shard::new(header.index, header.count).map_err(refuse)?;
            let units = part.units.into_inner().unwrap_or_else(|e| e.into_inner());
            for (key, unit) in units {
                if all.insert(key, unit).is_some() {
                    return Err(refuse(format!(
                        "design {} unit {} is in another shard too (this is shard {shard})",
                        key.0, key.1
                    )));
                }
            }
            elapsed += header.elapsed_s;
        }
    }
    if whole.rows() != runs {
        return Err(Failure::Scenario(Some(format!(
            "error: the shards hold {} of the analysis's {runs} runs",
            whole.rows()
        ))));
    }
    Ok((whole, std::time::Duration::from_secs_f64(elapsed)))
}

/// The flags that shape a sensitivity design, for the fingerprint that `--resume` checks.
fn design_flags(
    args: &SensitivityArgs,
    settings: &Settings,
    model: &Model,
    inputs: &[Input],
) -> Vec<(String, String)> {
    let methods: Vec<&str> = settings.methods.iter().map(|m| m.as_str()).collect();
    let series: Vec<&str> = settings
        .series
        .iter()
        .map(|&v| model.vars[v].name.as_str())
        .collect();
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    vec![
        ("--method".into(), methods.join(",")),
        ("the inputs (--levers)".into(), names.join(", ")),
        ("--series".into(), series.join(", ")),
        ("--samples".into(), settings.samples.to_string()),
        ("--trajectories".into(), settings.trajectories.to_string()),
        ("--levels".into(), settings.levels.to_string()),
        ("--oat-runs".into(), settings.oat_runs.to_string()),
        ("--bootstrap".into(), args.bootstrap.to_string()),
        ("--confidence".into(), args.confidence.to_string()),
        ("--noise".into(), format!("{:?}", args.noise).to_lowercase()),
    ]
}

/// Flag values that make no design.
fn check_sizes(args: &SensitivityArgs) -> Result<(), Failure> {
    if args.samples < 2 {
        return Err(Failure::Usage("--samples must be at least 2".into()));
    }
    if args.trajectories < 2 {
        return Err(Failure::Usage("--trajectories must be at least 2".into()));
    }
    if args.levels < 2 || !args.levels.is_multiple_of(2) {
        return Err(Failure::Usage(format!(
            "--levels {}: Morris levels must be even and at least 2 (4 is usual)",
            args.levels
        )));
    }
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Failure::Usage(format!(
            "--confidence {}: must be between 0 and 1, e.g. 0.95",
            args.confidence
        )));
    }
    if args.oat_runs == Some(0) {
        return Err(Failure::Usage("--oat-runs must be at least 1".into()));
    }
    Ok(())
}

/// The series analysed month by month: `--series` names, or the default.
fn select_series(p: &Prepared, names: &[String], sobol: bool) -> Result<Vec<usize>, Failure> {
    let model = &p.model;
    if !sobol || names.iter().any(|n| n == "none") {
        return Ok(Vec::new());
    }
    if names.is_empty() {
        let charted: Vec<String> = match &p.scenario.charts.series {
            Some(list) => list.iter().map(|s| s.value.clone()).collect(),
            None => p
                .scenario
                .observations
                .iter()
                .filter_map(|o| o.var.as_ref().map(|v| v.value.clone()))
                .collect(),
        };
        let mut out = Vec::new();
        for name in charted {
            if let Some(v) = model.var_index(&name)
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for name in names {
        match model.var_index(name) {
            Some(v) => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            None => {
                let hint = crate::diag::suggest::did_you_mean(
                    name,
                    model.vars.iter().map(|v| v.name.as_str()),
                )
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
                return Err(Failure::Usage(format!(
                    "--series {name}: no stock, flow, auxiliary or event of that name{hint}"
                )));
            }
        }
    }
    Ok(out)
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(bar_style(
        "{msg} [{bar:30}] {human_pos}/{human_len} runs, {per_sec}, eta {eta}",
    ));
    bar.set_message(format!("{what}: sensitivity"));
    bar
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A run of the design faulted: say which, with its inputs, and how to reproduce it.
fn fault_failure(
    args: &SensitivityArgs,
    settings: &Settings,
    model: &Model,
    inputs: &[Input],
    fault: &crate::engine::Fault,
    values: &[f64],
) -> Failure {
    let sets: String = inputs
        .iter()
        .zip(values)
        .map(|(i, v)| format!(" --set {}", shell_quote(&format!("{}={v}", i.name))))
        .chain(
            args.set
                .iter()
                .map(|s| format!(" --set {}", shell_quote(s))),
        )
        .collect();
    let repro = format!(
        "leversim run {} --seed {} --bundle {} --run {}{sets}",
        shell_quote(&args.scenario.display().to_string()),
        settings.seed,
        shell_quote(&model.bundles[settings.bundle].name),
        fault.run
    );
    let point: Vec<String> = inputs
        .iter()
        .zip(values)
        .map(|(i, v)| format!("{} = {}", i.name, human(*v, 4)))
        .collect();
    Failure::Scenario(Some(format!(
        "error[non-finite]: {fault}\n  = note: at the design point {}\n  = help: reproduce this one run with:\n      {repro}\n  = note: no results were written",
        point.join(", ")
    )))
}

fn manifest(
    p: &Prepared,
    args: &SensitivityArgs,
    settings: &Settings,
    noise: bool,
    runs: u64,
    elapsed: std::time::Duration,
) -> SensitivityManifest {
    let methods: Vec<String> = settings
        .methods
        .iter()
        .map(|m| m.as_str().to_string())
        .collect();
    let mut notes = Vec::new();
    if settings.methods.contains(&Method::Sobol) {
        notes.push("sobol: Saltelli design from independent uniform A and B matrices (N rows each, streams keyed by seed and row), inputs through their inverse CDFs; first order by Saltelli et al. (2010), total by Jansen (1999), V(Y) over A and B; 95% percentile-bootstrap intervals over the N rows".to_string());
        match (noise, settings.noise) {
            (false, _) => {}
            (true, NoiseInputs::Total) => notes.push("noise: rows of A and every A_B^(i) share run indices 0..N (common random numbers); B uses runs N..2N; the input (noise) is A on B's run indices".to_string()),
            (true, NoiseInputs::Sources) => notes.push("noise: split by source (each event's timing, each flow's monthly noise, each auxiliary's draws, ...); rows of A, B and every A_B^(i) share run indices 0..N; in B every source's draws are resampled (their streams keyed by the site name with ~resampled appended, independent of the originals), and each source's input is A with that source alone resampled".to_string()),
        }
    }
    if settings.methods.contains(&Method::Morris) {
        notes.push("morris: Morris (1991) trajectories, levels over each input's swing range, delta = p/(2(p-1)); mu* after Campolongo et al. (2007); one run index per trajectory".to_string());
    }
    if settings.methods.contains(&Method::Oat) {
        notes.push("oat: each input at its 5th and 95th percentile (a lever at its range's ends), others at their medians; every point averages the same runs".to_string());
    }
    if p.model.posterior.is_some() {
        notes.push("params vary over the posterior marginals of the calibration (type-7 quantiles of its members), treated as independent: correlations between params in the posterior are not kept".to_string());
    }
    let mut command = format!(
        "leversim sensitivity {} --bundle {} --seed {} --method {} --samples {}",
        shell_quote(&args.scenario.display().to_string()),
        shell_quote(&p.model.bundles[settings.bundle].name),
        settings.seed,
        methods.join(","),
        settings.samples
    );
    if settings.methods.contains(&Method::Morris) {
        command.push_str(&format!(
            " --trajectories {} --levels {}",
            settings.trajectories, settings.levels
        ));
    }
    if settings.methods.contains(&Method::Oat) {
        command.push_str(&format!(" --oat-runs {}", settings.oat_runs));
    }
    command.push_str(&format!(
        " --bootstrap {} --confidence {}",
        settings.resamples, settings.confidence
    ));
    if args.levers {
        command.push_str(" --levers");
    }
    if settings.series.is_empty() {
        command.push_str(" --series none");
    }
    for &v in &settings.series {
        command.push_str(&format!(" --series {}", p.model.vars[v].name));
    }
    for s in &args.set {
        command.push_str(&format!(" --set {}", shell_quote(s)));
    }
    if let Some(path) = &p.model.posterior_path {
        command.push_str(&format!(" --posterior {}", shell_quote(path)));
    }
    if args.noise == NoiseArg::Total {
        command.push_str(" --noise total");
    }
    if args.on_fault == OnFault::Count {
        command.push_str(" --on-fault count");
    }
    let bundle = p.model.bundles[settings.bundle].name.clone();
    let mut provenance = provenance(
        p,
        &args.scenario,
        settings.seed,
        runs,
        settings.threads,
        vec![bundle.clone()],
        command,
    );
    provenance.rng = rng_info(&format!(
        "{STREAMS}; Sobol' design rows are scrambled Sobol' points (sobol_burley 0.5) in independently scrambled blocks seeded from the master seed; Morris rows and bootstrap resamples are keyed like runs, with sites sensitivity:morris, sensitivity:bootstrap"
    ));
    SensitivityManifest {
        provenance,
        bundle,
        methods,
        samples: settings.samples,
        trajectories: settings.trajectories,
        levels: settings.levels,
        oat_runs: settings.oat_runs,
        bootstrap: settings.resamples,
        series_bootstrap: settings.series_resamples,
        confidence: settings.confidence,
        levers: args.levers,
        noise,
        method_notes: notes,
        on_fault: match args.on_fault {
            OnFault::Stop => "stop".into(),
            OnFault::Count => "count".into(),
        },
        left_out: 0,
        timing: Timing::of(runs, elapsed),
    }
}

/// Per outcome, the top inputs by total index (else |mu*|, else |swing|).
fn print_table(rep: &SensitivityReport, top: usize) {
    let m = &rep.manifest;
    say!(
        "{}: sensitivity of {} outcome{} to {} input{} ({}), bundle {}, seed {}, {} runs, {:.2} s",
        rep.scenario.name,
        rep.outcomes.len(),
        if rep.outcomes.len() == 1 { "" } else { "s" },
        rep.inputs.len(),
        if rep.inputs.len() == 1 { "" } else { "s" },
        m.methods.join(", "),
        m.bundle,
        m.provenance.seed,
        human(m.provenance.runs as f64, 3),
        m.timing.elapsed_s
    );
    // One decimal of a percentage, and no "-0.0".
    let one = |v: f64| {
        let s = format!("{:.1}", v * 100.0);
        if s == "-0.0" { "0.0".to_string() } else { s }
    };
    let pct = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{}%", one(v)));
    let ci = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", one(lo), one(hi)),
        _ => String::new(),
    };
    let num = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| human(v, 3));
    for o in &rep.outcomes {
        let mut rows: Vec<&SensitivityRecord> =
            rep.records.iter().filter(|r| r.outcome == o.name).collect();
        let key = |r: &SensitivityRecord| {
            r.st.or(r.mu_star)
                .or(r.swing.map(f64::abs))
                .unwrap_or(f64::NEG_INFINITY)
        };
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
        let unit = match (o.kind.value(), o.unit.as_str()) {
            (ValueKind::Month, _) => " (month first reached)".to_string(),
            (_, "") => String::new(),
            (_, u) => format!(" ({u})"),
        };
        say!("\n{}{unit}", o.label);
        if !o.note.is_empty() {
            say!("  note: {}", o.note);
        }
        let any = |r: &&SensitivityRecord| {
            r.st.is_some()
                || r.s1.is_some()
                || r.mu_star.is_some_and(|m| m != 0.0)
                || r.swing.is_some_and(|s| s != 0.0)
        };
        if !rows.iter().any(any) {
            continue;
        }
        let width = rows
            .iter()
            .take(top)
            .map(|r| r.input.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let has = |f: fn(&SensitivityRecord) -> bool| rows.iter().any(|r| f(r));
        let (sobol, morris, oat) = (
            has(|r| r.st.is_some()),
            has(|r| r.mu_star.is_some()),
            has(|r| r.swing.is_some()),
        );
        let mut header = format!("  {:<width$}", "input");
        if sobol {
            let level = format!(
                "{}% CI",
                crate::output::format::significant(m.confidence * 100.0, 3)
            );
            header.push_str(&format!(
                "  {:>7} {:<15} {:>7} {:<15}",
                "S1", level, "ST", level
            ));
        }
        if morris {
            header.push_str(&format!("  {:>9} {:>9}", "mu*", "sigma"));
        }
        if oat {
            header.push_str(&format!("  {:>21}", "swing (low → high)"));
        }
        say!("{header}");
        for r in rows.iter().take(top) {
            let mut line = format!("  {:<width$}", r.input);
            if sobol {
                line.push_str(&format!(
                    "  {:>7} {:<15} {:>7} {:<15}",
                    pct(r.s1),
                    ci(r.s1_ci_low, r.s1_ci_high),
                    pct(r.st),
                    ci(r.st_ci_low, r.st_ci_high)
                ));
            }
            if morris {
                line.push_str(&format!("  {:>9} {:>9}", num(r.mu_star), num(r.sigma)));
            }
            if oat {
                let swing = match (r.outcome_low, r.outcome_high) {
                    (Some(lo), Some(hi)) => format!("{} → {}", human(lo, 3), human(hi, 3)),
                    _ => "–".into(),
                };
                line.push_str(&format!("  {swing:>21}"));
            }
            say!("{}", line.trim_end());
        }
        if rows.len() > top {
            say!("  ({} more in sensitivity.csv)", rows.len() - top);
        }
    }
}

/// The default results folder for a scenario name.
pub fn default_dir(name: &str) -> PathBuf {
    Path::new("output").join(format!("{name}-sensitivity"))
}

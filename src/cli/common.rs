//! What every simulating command does first: load, check, compile, plan; and what it does
//! around the engine: progress bar, interruption, manifest.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use super::shard::{ShardJob, Sharding};
use super::{Failure, SimArgs};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Diagnostics, SourceMap, render_all};
use crate::engine::{self, RunError, RunOutput, RunPlan};
use crate::model::{Model, Overrides, compile};
use crate::output::ResultsWriter;
use crate::output::folder::Refused;
use crate::output::schema::{
    DEFAULT_PATH_RUNS, FileHash, Manifest, Override, Posterior, Provenance, RngInfo, Summary,
    TableFormat, Timing, build_commit,
};
use crate::output::summary::{
    bound_records, fault_records, figure_records, input_info, observation_records, outcome_records,
    scenario_info,
};
use crate::scenario::{Scenario, load};

/// A scenario loaded and compiled, with its sources for messages and hashes.
pub struct Prepared {
    /// The checked scenario.
    pub scenario: Scenario,
    /// The compiled model.
    pub model: Model,
    /// Sources read.
    pub sources: SourceMap,
    /// `--set` values.
    pub overrides: Overrides,
    /// The calibration the params are drawn from, once attached ([`attach_posterior`]).
    pub calibration: Option<Posterior>,
}

/// Whether stderr gets colours.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints diagnostics (errors and warnings) to stderr.
pub fn print_diagnostics(diags: &Diagnostics, sources: &SourceMap) {
    if !diags.is_empty() {
        eprint!("{}", render_all(diags, sources, color()));
    }
}

/// Parses `--set NAME=VALUE` flags.
pub fn parse_sets(sets: &[String]) -> Result<Overrides, Failure> {
    let mut values = Vec::new();
    for set in sets {
        let Some((name, value)) = set.split_once('=') else {
            return Err(Failure::Usage(format!(
                "--set {set}: expected NAME=VALUE, e.g. --set enforcement=0.8"
            )));
        };
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                Failure::Usage(format!("--set {set}: `{value}` is not a finite number"))
            })?;
        let name = name.trim().to_string();
        if let Some((_, first)) = values.iter().find(|(n, _)| *n == name) {
            return Err(Failure::Usage(format!(
                "--set {name} is given twice ({first} and {value}); give each name once"
            )));
        }
        values.push((name, value));
    }
    Ok(Overrides { values })
}

/// Loads and compiles a scenario, printing diagnostics.
pub fn prepare(path: &Path, sets: &[String]) -> Result<Prepared, Failure> {
    let overrides = parse_sets(sets)?;
    let loaded = load(path);
    let Some(scenario) = loaded.scenario else {
        let mut diags = loaded.diags;
        if let Some(partial) = &loaded.partial {
            // Look for the remaining problems too, so that one run reports them all.
            compile(partial, &Overrides::default(), &mut diags);
            diags.sort();
        }
        print_diagnostics(&diags, &loaded.sources);
        return Err(Failure::Scenario(None));
    };
    for (name, _) in &overrides.values {
        let known = scenario.params.iter().any(|p| p.name.value == *name)
            || scenario.levers.iter().any(|l| l.name.value == *name);
        if !known {
            let candidates = scenario
                .params
                .iter()
                .map(|p| p.name.value.as_str())
                .chain(scenario.levers.iter().map(|l| l.name.value.as_str()));
            let hint = did_you_mean(name, candidates)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return Err(Failure::Usage(format!(
                "--set {name}=...: `{name}` is not a param or lever of this scenario{hint}"
            )));
        }
        // A bundle setting outside a lever's range is an error; so is a `--set`.
        if let Some(lever) = scenario.levers.iter().find(|l| l.name.value == *name) {
            let (lo, hi) = lever.range.value;
            let value = overrides
                .values
                .iter()
                .find(|(n, _)| n == name)
                .map_or(f64::NAN, |(_, v)| *v);
            if !(lo..=hi).contains(&value) {
                return Err(Failure::Usage(format!(
                    "--set {name}={value}: {value} is outside the range [{lo}, {hi}] of lever `{name}`"
                )));
            }
        }
    }
    let mut diags = loaded.diags;
    let model = compile(&scenario, &overrides, &mut diags);
    diags.sort();
    print_diagnostics(&diags, &loaded.sources);
    match model {
        Some(model) if !diags.has_errors() => Ok(Prepared {
            scenario,
            model,
            sources: loaded.sources,
            overrides,
            calibration: None,
        }),
        _ => Err(Failure::Scenario(None)),
    }
}

/// Resolves `--bundle` names (all bundles when none are given).
pub fn select_bundles(model: &Model, names: &[String]) -> Result<Vec<usize>, Failure> {
    if names.is_empty() {
        return Ok((0..model.bundles.len()).collect());
    }
    let mut out = Vec::new();
    for name in names {
        match model.bundle_index(name) {
            Some(i) if !out.contains(&i) => out.push(i),
            Some(_) => {}
            None => {
                let hint = did_you_mean(name, model.bundles.iter().map(|b| b.name.as_str()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_else(|| {
                        let all: Vec<&str> =
                            model.bundles.iter().map(|b| b.name.as_str()).collect();
                        format!("; the bundles are: {}", all.join(", "))
                    });
                return Err(Failure::Usage(format!(
                    "--bundle {name}: no bundle of that name{hint}"
                )));
            }
        }
    }
    Ok(out)
}

/// The number of worker threads.
pub fn threads(requested: Option<usize>) -> Result<usize, Failure> {
    match requested {
        Some(0) => Err(Failure::Usage("--threads must be at least 1".into())),
        Some(t) if t > 1024 => Err(Failure::Usage(format!("--threads {t} is more than 1024"))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// The run plan from flags and scenario defaults.
pub fn plan(p: &Prepared, args: &SimArgs, bundles: Vec<usize>) -> Result<RunPlan, Failure> {
    let runs = args.runs.unwrap_or(p.scenario.meta.runs.value);
    if runs == 0 {
        return Err(Failure::Usage("--runs must be at least 1".into()));
    }
    if runs > 1_000_000_000 {
        return Err(Failure::Usage(format!(
            "--runs {runs} is more than a billion; that would take days"
        )));
    }
    Ok(RunPlan {
        seed: args.seed.unwrap_or(p.scenario.meta.seed.value),
        runs,
        first_run: 0,
        bundles,
        threads: threads(args.threads)?,
        inputs: None,
        on_fault: args.on_fault.into(),
    })
}

/// The default results folder, `output/<name>`.
pub fn out_dir(p: &Prepared, args: &SimArgs) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&p.scenario.meta.name.value))
}

/// Memory leversim allows itself: 80% of the memory the system reports available (or 8 GiB
/// where it cannot tell), so that a mistaken `--runs` is refused before it starts rather than
/// swapping the machine to a halt.
fn memory_budget() -> u64 {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb * 1024)
        });
    available.map_or(8 << 30, |a| a / 10 * 8)
}

/// Set by `--memory-report`: the estimate is printed, and the peak at the end.
static MEMORY_REPORT: AtomicBool = AtomicBool::new(false);

/// Whether `--memory-report` was given (and the estimate printed).
pub fn memory_report_wanted() -> bool {
    MEMORY_REPORT.load(std::sync::atomic::Ordering::SeqCst)
}

/// The peak resident memory of this process so far, in bytes: the kernel's high-water mark
/// (`VmHWM` in `/proc/self/status`); `None` where there is no `/proc`.
pub fn peak_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a plan that would not fit in memory, saying what it needs and how to reduce it;
/// with `report` (`--memory-report`), prints the estimate.
pub fn check_memory(model: &Model, plan: &RunPlan, report: bool) -> Result<(), Failure> {
    let need = engine::estimate_memory(model, plan);
    if report {
        MEMORY_REPORT.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "memory: estimated {} bytes (outcomes {}, series {}, workers {}, fixed {})",
            need.total(),
            need.outcomes,
            need.series_sums + need.sketches,
            need.workers,
            need.fixed
        );
    }
    let budget = memory_budget();
    if need.total() <= budget {
        return Ok(());
    }
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30));
    Err(Failure::Usage(format!(
        "this would need about {} of memory, more than the {} available: {} for every run's outcomes \
         ({} runs x {} bundle(s) x {} outcomes), {} for the series ({} recorded variables x {} months).\n  \
         Reduce --runs, run fewer bundles with --bundle, or record fewer series with `[output] series = [...]`.",
        gib(need.total()),
        gib(budget),
        gib(need.outcomes),
        plan.runs,
        plan.bundles.len(),
        model.outcomes.len(),
        gib(need.series_sums + need.sketches),
        model.recorded.len(),
        model.n_months
    )))
}

/// Runs the plan with a progress bar on a terminal.
pub fn simulate(model: &Model, plan: &RunPlan, what: &str) -> Result<RunOutput, RunError> {
    run_with_bar(model, plan, what, None).map_err(|stopped| stopped.error)
}

/// Runs the plan from `resume` with a progress bar on a terminal.
fn run_with_bar(
    model: &Model,
    plan: &RunPlan,
    what: &str,
    resume: Option<engine::Partial>,
) -> Result<RunOutput, engine::Stopped> {
    let total = plan.runs * plan.bundles.len() as u64;
    with_bar(total, what, |progress, cancel| {
        engine::run_from(model, plan, progress, cancel, resume)
    })
}

/// Calls `work` with a progress callback (a bar of `total` runs on a terminal) and the flag
/// Ctrl-C raises.
pub fn with_bar<T>(
    total: u64,
    what: &str,
    work: impl FnOnce(engine::Progress<'_>, &AtomicBool) -> T,
) -> T {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {human_pos}/{human_len} runs, {per_sec}, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    install_interrupt_handler();
    POLLING.store(true, std::sync::atomic::Ordering::SeqCst);
    let result = work(&|n| bar.inc(n), &INTERRUPTED);
    bar.finish_and_clear();
    result
}

/// What `--resume` needs to know of a command: where its results go (the finished work of an
/// interruption is kept beside them, in `<out>.partial/`), what they depend on, and whether
/// the user asked to continue.
pub struct Resume {
    /// The results folder.
    pub out: PathBuf,
    /// Everything the results depend on, as (what, value) pairs: see [`fingerprint`].
    pub fingerprint: Vec<(String, String)>,
    /// `--resume` was given.
    pub resume: bool,
    /// All of the work, one shard of it, or a merge of the shards (`--shard`, `leversim
    /// merge`).
    pub sharding: Sharding,
}

/// The fingerprint of a simulating command: the command, the scenario's files (by SHA-256),
/// seed, runs, bundles, `--set`, `--on-fault`, the calibration drawn from, and leversim's
/// version, then what the command adds (`extra`). A resume is refused when any of these
/// differs. The thread count is not in it: results do not depend on it.
pub fn fingerprint(
    p: &Prepared,
    command: &str,
    seed: u64,
    runs: u64,
    bundles: &[String],
    on_fault: engine::FaultMode,
    extra: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let short = |sha: &str| sha.chars().take(12).collect::<String>();
    let mut out = vec![("the command".to_string(), command.to_string())];
    for (i, file) in file_hashes(p).iter().enumerate() {
        let key = if i == 0 {
            "the scenario file's SHA-256".to_string()
        } else {
            format!("the SHA-256 of '{}'", file.path)
        };
        out.push((key, short(&file.sha256)));
    }
    out.push(("--seed".into(), seed.to_string()));
    out.push(("--runs".into(), runs.to_string()));
    out.push(("the bundles run".into(), bundles.join(", ")));
    let sets: Vec<String> = p
        .overrides
        .values
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    out.push(("--set".into(), sets.join(" ")));
    out.push((
        "--on-fault".into(),
        match on_fault {
            engine::FaultMode::Stop => "stop",
            engine::FaultMode::Count => "count",
        }
        .into(),
    ));
    let calibration = match (&p.model.posterior_path, &p.calibration) {
        (Some(path), Some(c)) => {
            let text = serde_json::to_string(c).unwrap_or_default();
            format!(
                "'{path}' ({})",
                short(&hex(&Sha256::digest(text.as_bytes())))
            )
        }
        _ => "the priors".into(),
    };
    out.push(("the params' distribution".into(), calibration));
    out.extend(extra);
    out.push((
        "the leversim version".into(),
        match build_commit() {
            Some(commit) => format!("{} ({commit})", env!("CARGO_PKG_VERSION")),
            None => env!("CARGO_PKG_VERSION").to_string(),
        },
    ));
    out
}

/// The command line as typed, quoted for a POSIX shell, with `--resume` added: what continues
/// an interrupted command.
fn resume_command() -> String {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    if !words.iter().any(|w| w == "--resume") {
        words.push("--resume".into());
    }
    std::iter::once("leversim".to_string())
        .chain(words.iter().map(|w| shell_quote(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The finished work kept by an interrupted run of this command, when `--resume` asks for it:
/// the state's bytes, or `None` (nothing kept: a note says the command starts over). Without
/// `--resume`, a kept state is left alone and a note says how to continue it.
///
/// # Errors
/// A kept state of another command (scenario, seed, runs or flags differ), or one that cannot
/// be read: exit 1, naming what differs.
pub fn take_kept(r: &Resume) -> Result<Option<Vec<u8>>, Failure> {
    let dir = crate::output::partial::partial_dir(&r.out);
    let cannot = |why: String| {
        Failure::Scenario(Some(format!(
            "error: cannot resume from '{}': {why}\n  = help: run without --resume to start over",
            dir.display()
        )))
    };
    let kept = match crate::output::partial::load(&r.out) {
        Ok(kept) => kept,
        Err(_) if !r.resume => return Ok(None),
        Err(err) => return Err(cannot(format!("{err:#}"))),
    };
    let Some((header, state)) = kept else {
        if r.resume {
            eprintln!(
                "note: nothing to resume: no interrupted run is kept in '{}'; starting from the first run",
                dir.display()
            );
        }
        return Ok(None);
    };
    if !r.resume {
        eprintln!(
            "note: '{}' keeps {} of an interrupted command; this one starts over \
             (add --resume to continue that one instead)",
            dir.display(),
            kept_phrase(header.runs_done, header.runs_planned)
        );
        return Ok(None);
    }
    let diffs = crate::output::partial::differences(&header.fingerprint, &r.fingerprint);
    if !diffs.is_empty() {
        return Err(Failure::Scenario(Some(format!(
            "error: cannot resume from '{}': it was kept by a different command: {}\n  = help: \
             resume with the interrupted command ({}), or run without --resume to start over",
            dir.display(),
            diffs.join("; "),
            header.command
        ))));
    }
    eprintln!(
        "resuming: {} were kept in '{}'",
        kept_phrase(header.runs_done, header.runs_planned),
        dir.display()
    );
    Ok(Some(state))
}

/// What a kept state holds, in words: `1200 of 5000 runs`, or for a command whose runs are not
/// planned ahead (`calibrate`, `runs_planned` 0) `1200 runs of the finished stages`.
fn kept_phrase(runs_done: u64, runs_planned: u64) -> String {
    if runs_planned == 0 {
        format!("{runs_done} runs of the finished stages")
    } else {
        format!("{runs_done} of {runs_planned} runs")
    }
}

/// Keeps the finished work of an interrupted command beside its results, and returns the
/// failure that says so (exit 130). If it cannot be kept, says why and that nothing was kept.
pub fn keep(r: &Resume, runs_done: u64, runs_planned: u64, state: &[u8]) -> Failure {
    let command = resume_command();
    let header = crate::output::partial::Header {
        format: 0,
        command: command.trim_end_matches(" --resume").to_string(),
        fingerprint: r.fingerprint.clone(),
        runs_done,
        runs_planned,
        state_sha256: String::new(),
    };
    match crate::output::partial::save(&r.out, header, state) {
        Ok(dir) => Failure::Kept(format!(
            "interrupted: {} are kept in '{}'; continue with:\n    {command}",
            kept_phrase(runs_done, runs_planned),
            dir.display()
        )),
        Err(err) => {
            eprintln!("warning: could not keep the finished runs: {err:#}");
            Failure::Interrupted
        }
    }
}

/// What [`simulate_kept`] did.
pub enum Simulated {
    /// The whole plan's results (run here, or merged from shards).
    Whole(RunOutput),
    /// One shard, written to its shard folder; the command has nothing more to write.
    Shard,
}

/// Runs the plan as [`simulate`] does, continuing from the runs an interrupted run of the same
/// command kept when `--resume` is given, and keeping the finished runs when interrupted.
/// A numeric fault becomes the failure `on_fault` makes of it. With `--shard` only the
/// shard's runs are done and written to its shard folder; in a merge the shards' runs are
/// united instead of run. `p` and `scenario` are what the shard folder records.
///
/// # Errors
/// A kept state that does not belong to this command; a fault; an interruption (the finished
/// runs are kept); shards that do not merge.
pub fn simulate_kept(
    p: &Prepared,
    scenario: &Path,
    model: &Model,
    plan: &RunPlan,
    what: &str,
    r: &Resume,
    on_fault: impl FnOnce(&engine::Fault) -> Failure,
) -> Result<Simulated, Failure> {
    match &r.sharding {
        Sharding::Whole => {}
        Sharding::Shard(shard) => {
            let job = ShardJob {
                p,
                scenario,
                r,
                shard: *shard,
                seed: plan.seed,
                runs_planned: plan.runs * plan.bundles.len() as u64,
                runs: plan.runs,
                threads: plan.threads,
                bundles: engine::bundle_names(model, plan),
            };
            return super::shard::run_shard(&job, model, plan, what, on_fault)
                .map(|_| Simulated::Shard);
        }
        Sharding::Merge(source) => {
            return super::shard::merge_runs(model, plan, r, source).map(Simulated::Whole);
        }
    }
    let dir = crate::output::partial::partial_dir(&r.out);
    let resumed = match take_kept(r)? {
        Some(state) => {
            let partial = crate::output::partial::decode_partial(&state)
                .ok_or_else(|| "its state cannot be read".to_string())
                .and_then(|p| p.fits(model, plan).map(|()| p))
                .map_err(|why| {
                    Failure::Scenario(Some(format!(
                        "error: cannot resume from '{}': {why}\n  = help: run without --resume to start over",
                        dir.display()
                    )))
                })?;
            Some(partial)
        }
        None => None,
    };
    match run_with_bar(model, plan, what, resumed) {
        Ok(out) => Ok(Simulated::Whole(out)),
        Err(engine::Stopped {
            error: RunError::Fault(fault),
            ..
        }) => Err(on_fault(&fault)),
        Err(engine::Stopped {
            partial: Some(partial),
            ..
        }) => {
            let done = partial.runs_done(plan);
            let planned = plan.runs * plan.bundles.len() as u64;
            let state = crate::output::partial::encode_partial(&partial);
            Err(keep(r, done, planned, &state))
        }
        Err(_) => Err(Failure::Interrupted),
    }
}

/// Raised by Ctrl-C (SIGINT) or SIGTERM: the engine stops between units of work and nothing is
/// written; a second signal exits at once.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set once the command polls [`INTERRUPTED`] (from the first run on). Before that (loading a
/// scenario, which may block on a slow disk or a pipe) nobody would look at the flag, so a
/// signal exits at once: nothing has been written yet.
static POLLING: AtomicBool = AtomicBool::new(false);

pub(crate) fn install_interrupt_handler() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    if EMBEDDED.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    INSTALL.call_once(|| {
        // If no handler can be installed, Ctrl-C keeps its default effect (exit at once), which
        // leaves at most a temporary folder that the next run removes.
        let _ = ctrlc::set_handler(|| {
            use std::sync::atomic::Ordering::SeqCst;
            if INTERRUPTED.swap(true, SeqCst) {
                eprintln!("\ninterrupted twice: exiting now");
                std::process::exit(130);
            }
            if !POLLING.load(SeqCst) {
                eprintln!("interrupted: no results were written");
                std::process::exit(130);
            }
        });
    });
}

/// Set when leversim runs inside a host program (the Python package), whose own Ctrl-C handling
/// must stay: a handler of ours would outlive the call and end the host on its next Ctrl-C.
static EMBEDDED: AtomicBool = AtomicBool::new(false);

/// Marks leversim as running inside a host program: no Ctrl-C handler is installed from now on.
pub(crate) fn embed() {
    EMBEDDED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The flag Ctrl-C raises, with the handler installed: for commands that drive the engine
/// themselves (`sensitivity`). From this call on, a signal raises the flag rather than exiting.
pub fn interrupt_flag() -> &'static AtomicBool {
    install_interrupt_handler();
    POLLING.store(true, std::sync::atomic::Ordering::SeqCst);
    &INTERRUPTED
}

/// Whether the user has interrupted the command.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// The command line that reproduces a result, quoted for a POSIX shell. A plan of one run
/// (`--run K`) is reproduced by `--run K`.
pub fn command_line(path: &Path, plan: &RunPlan, model: &Model, overrides: &Overrides) -> String {
    let mut cmd = format!("leversim run {}", shell_quote(&path.display().to_string()));
    if plan.runs == 1 {
        cmd.push_str(&format!(" --seed {} --run {}", plan.seed, plan.first_run));
    } else {
        cmd.push_str(&format!(" --runs {} --seed {}", plan.runs, plan.seed));
    }
    if plan.bundles.len() != model.bundles.len() {
        for &b in &plan.bundles {
            cmd.push_str(&format!(
                " --bundle {}",
                shell_quote(&model.bundles[b].name)
            ));
        }
    }
    cmd.push_str(&set_flags(overrides));
    if let Some(posterior) = &model.posterior_path {
        cmd.push_str(&format!(" --posterior {}", shell_quote(posterior)));
    }
    cmd
}

/// The calibration folder the scenario names (`[calibration] posterior`), resolved against the
/// scenario file's folder.
pub fn named_posterior(p: &Prepared, scenario_path: &Path) -> Option<PathBuf> {
    let named = p.scenario.calibration.posterior.as_ref()?;
    let base = scenario_path.parent().unwrap_or(Path::new(""));
    Some(base.join(&named.value))
}

/// Draws the params from a calibration: the folder given with `--posterior`, else the one the
/// scenario names, unless `--prior`. A posterior made from another version of the scenario,
/// or a named one that does not exist yet, is refused.
pub fn attach_posterior(
    p: &mut Prepared,
    scenario_path: &Path,
    flag: Option<&Path>,
    prior: bool,
) -> Result<(), Failure> {
    if prior {
        return Ok(());
    }
    let (dir, named) = match flag {
        Some(dir) => (dir.to_path_buf(), false),
        None => match named_posterior(p, scenario_path) {
            Some(dir) => (dir, true),
            None => return Ok(()),
        },
    };
    let files = file_hashes(p);
    match crate::calibrate::posterior::load(&dir, &files, &p.model) {
        Ok(loaded) => {
            p.model.posterior = Some(std::sync::Arc::new(loaded.ensemble));
            p.model.posterior_path = Some(dir.display().to_string());
            p.calibration = Some(loaded.reference);
            Ok(())
        }
        Err(err) if named => {
            let mut diags = Diagnostics::new();
            diags.push(posterior_diagnostic(p, scenario_path, &err, false));
            print_diagnostics(&diags, &p.sources);
            Err(Failure::Scenario(None))
        }
        Err(err) => Err(Failure::Scenario(Some(format!(
            "error[bad-posterior]: {err}\n  = help: make it again with `leversim calibrate {} --out {}`, or run on the priors with --prior",
            scenario_path.display(),
            dir.display()
        )))),
    }
}

/// The diagnostic of a calibration that the scenario names under `[calibration] posterior` and
/// that cannot be used: an error, or for one not made yet a warning when `missing_is_warning`.
pub fn posterior_diagnostic(
    p: &Prepared,
    scenario_path: &Path,
    err: &crate::calibrate::posterior::PosteriorError,
    missing_is_warning: bool,
) -> crate::diag::Diagnostic {
    use crate::calibrate::posterior::PosteriorError;
    use crate::diag::{Code, Diagnostic};
    let missing = matches!(err, PosteriorError::Missing(_));
    let mut d = if missing && missing_is_warning {
        Diagnostic::warning(Code::BadPosterior, err.to_string())
    } else {
        Diagnostic::error(Code::BadPosterior, err.to_string())
    };
    if let Some(named) = &p.scenario.calibration.posterior {
        let label = if missing {
            "not made yet"
        } else {
            "this calibration cannot be used"
        };
        d = d.with_label(named.span, label);
    }
    let help = if missing {
        format!(
            "make it with `leversim calibrate {}` (it writes there), or run on the priors with --prior",
            scenario_path.display()
        )
    } else {
        format!(
            "make it again with `leversim calibrate {}`, or run on the priors with --prior",
            scenario_path.display()
        )
    };
    d.with_help(help)
}

/// ` --set NAME=VALUE` for each override, quoted for a POSIX shell.
pub fn set_flags(overrides: &Overrides) -> String {
    overrides
        .values
        .iter()
        .map(|(n, v)| format!(" --set {}", shell_quote(&format!("{n}={v}"))))
        .collect()
}

/// `text` as one word of a POSIX shell command: unchanged when it holds only characters no
/// shell treats specially, else in single quotes (a `'` inside becomes `'\''`), so that a file
/// named `my scen $(id).toml` is passed as itself and never run.
///
/// # Examples
/// ```
/// use leversim::cli::shell_quote;
/// assert_eq!(shell_quote("scenarios/x.toml"), "scenarios/x.toml");
/// assert_eq!(shell_quote("my scen $(id).toml"), "'my scen $(id).toml'");
/// assert_eq!(shell_quote("it's"), "'it'\\''s'");
/// ```
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=,+@%".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The files a scenario read, in load order, with their SHA-256.
pub fn file_hashes(p: &Prepared) -> Vec<FileHash> {
    (0..p.sources.len() as u32)
        .filter_map(|i| p.sources.get(crate::diag::FileId(i)))
        .map(|f| FileHash {
            path: f.path.clone(),
            sha256: hex(&Sha256::digest(f.text.as_bytes())),
        })
        .collect()
}

/// How the random numbers are made, as every results file records it.
pub const STREAMS: &str = "SplitMix64 per (seed, run, site, month), keys mixed by the SplitMix64 finaliser; sites keyed by FNV-1a of their names";

/// The random-number construction (`streams`, with what a command adds) and the versions of the
/// crates that sample.
pub fn rng_info(streams: &str) -> RngInfo {
    RngInfo {
        streams: streams.into(),
        rand: "0.10.4".into(),
        rand_distr: "0.6.0".into(),
        rand_xoshiro: "0.8.2".into(),
    }
}

/// What the results of a command on `p` rest on: the one provenance block of every results file.
/// `runs` and `bundles` mean what the file says they mean (per bundle, per grid point, ...).
pub fn provenance(
    p: &Prepared,
    path: &Path,
    seed: u64,
    runs: u64,
    threads: usize,
    bundles: Vec<String>,
    command: String,
) -> Provenance {
    let files = file_hashes(p);
    Provenance {
        scenario: path.display().to_string(),
        scenario_sha256: files.first().map(|f| f.sha256.clone()).unwrap_or_default(),
        files,
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: build_commit(),
        rng: rng_info(STREAMS),
        seed,
        runs,
        threads,
        bundles,
        overrides: p
            .overrides
            .values
            .iter()
            .map(|(name, value)| Override {
                name: name.clone(),
                value: *value,
            })
            .collect(),
        command,
        posterior: p.calibration.clone(),
    }
}

/// The manifest of a finished run.
pub fn manifest(p: &Prepared, path: &Path, plan: &RunPlan, out: &RunOutput) -> Manifest {
    Manifest {
        provenance: provenance(
            p,
            path,
            plan.seed,
            plan.runs,
            plan.threads,
            engine::bundle_names(&p.model, plan),
            command_line(path, plan, &p.model, &p.overrides),
        ),
        first_run: plan.first_run,
        // Runs taken over from an interrupted run (`--resume`) took no time here.
        timing: Timing::of(
            (plan.runs * plan.bundles.len() as u64).saturating_sub(out.resumed_runs),
            out.elapsed,
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The failure reported for a numeric fault, with the command that reproduces the one run.
pub fn fault_message(p: &Prepared, path: &Path, seed: u64, fault: &engine::Fault) -> Failure {
    let sets = set_flags(&p.overrides);
    let repro = format!(
        "leversim run {} --seed {seed} --bundle {} --run {}{sets}",
        shell_quote(&path.display().to_string()),
        shell_quote(&fault.bundle),
        fault.run
    );
    let notes: String = super::hint::fault_notes(&p.scenario, fault)
        .iter()
        .map(|n| format!("\n  = note: {n}"))
        .collect();
    Failure::Scenario(Some(format!(
        "error[{}]: {fault}{notes}\n  = help: reproduce this one run with:\n      {repro}\n  = note: no results were written",
        fault.code()
    )))
}

/// Writes a complete results folder (summary.json, runs.csv, series.csv, whatever `extra`
/// adds, and the charts unless `--no-charts`) atomically into `dir`. Returns the folder, the
/// summary and the number of charts drawn.
pub fn write_results(
    p: &Prepared,
    args: &SimArgs,
    plan: &RunPlan,
    out: &RunOutput,
    dir: &Path,
    extra: impl FnOnce(&ResultsWriter) -> anyhow::Result<()>,
) -> Result<(PathBuf, Summary, usize), Failure> {
    // Every reported figure against the baseline's runs: the baseline simulated again up to the
    // last observed month with the observations as its outcomes (the same streams give the same
    // runs), whether or not it was among the bundles run.
    let baseline = p.model.baseline;
    let observed = match engine::observed::observed(&p.model, plan, baseline, interrupt_flag()) {
        Ok(values) => values,
        Err(RunError::Cancelled) => return Err(Failure::Interrupted),
        Err(RunError::Fault(fault)) => {
            return Err(fault_message(p, &args.scenario, plan.seed, &fault));
        }
    };
    let summary = Summary {
        manifest: manifest(p, &args.scenario, plan, out),
        outcomes: outcome_records(&p.scenario, &p.model, out),
        observations: observation_records(&p.scenario, &p.model, out),
        faults: fault_records(&p.model, out),
        scenario: scenario_info(&p.scenario, &p.model),
        inputs: input_info(&p.scenario),
        bounds: bound_records(&p.scenario, &p.model),
        figures: figure_records(&p.scenario, &p.model, baseline, &observed),
    };
    let writer = ResultsWriter::begin(dir).map_err(output_failure)?;
    writer.write_runs(&p.model, out).map_err(Failure::Io)?;
    writer.write_series(&p.model, out).map_err(Failure::Io)?;
    let format = args
        .format
        .map(TableFormat::from)
        .or(p.scenario.output.format.map(|f| f.value))
        .unwrap_or_default();
    let provenance = &summary.manifest.provenance;
    let parquet = (format == TableFormat::Parquet).then_some(provenance);
    if let Some(provenance) = parquet {
        writer
            .write_runs_parquet(&p.model, out, provenance)
            .map_err(Failure::Io)?;
        writer
            .write_series_parquet(&p.model, out, provenance)
            .map_err(Failure::Io)?;
    }
    if !p.model.paths.is_empty() {
        let runs = p
            .scenario
            .output
            .path_runs
            .map_or(DEFAULT_PATH_RUNS, |n| n.value);
        let paths = crate::engine::paths::paths(&p.model, plan, &p.model.paths, runs)
            .map_err(|fault| fault_message(p, &args.scenario, plan.seed, &fault))?;
        writer
            .write_paths(&p.model, out, &paths, parquet)
            .map_err(Failure::Io)?;
    }
    writer.write_summary(&summary).map_err(Failure::Io)?;
    extra(&writer).map_err(Failure::Io)?;
    // Charts are drawn from the files just written (as `leversim plot` does) and before the
    // commit, so a run whose charts fail leaves no complete-looking folder.
    let charts = if args.no_charts || interrupted() {
        0
    } else {
        crate::plot::render_results(writer.dir())
            .map_err(Failure::Io)?
            .len()
            / 2
    };
    if interrupted() {
        // Dropping the writer removes the unfinished folder.
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    Ok((dir, summary, charts))
}

/// The files of a results folder as the `results:` line names them: the data files in the
/// order a reader would open them (any other file after them, by name), not the hidden marker
/// or the charts folder. Read from the folder itself, so it names `paths.csv` and the Parquet
/// files exactly when they were written.
pub fn results_files(dir: &Path) -> String {
    const ORDER: [&str; 9] = [
        "comparison.json",
        "comparison.csv",
        "summary.json",
        "runs.csv",
        "series.csv",
        "paths.csv",
        "runs.parquet",
        "series.parquet",
        "paths.parquet",
    ];
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort_by_key(|name| {
        let rank = ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len());
        (rank, name.clone())
    });
    names.join(", ")
}

/// Checks before the first run that the results can be written to `dir` (see
/// [`ResultsWriter::check`]), so that a bad `--out` never costs a finished run.
pub fn check_output(dir: &Path) -> Result<(), Failure> {
    ResultsWriter::check(dir).map_err(output_failure)
}

/// The failure for an error of the results writer: a refusal to replace something leversim
/// did not write gets a hint (exit 1), anything else is an I/O failure (exit 1).
pub fn output_failure(err: anyhow::Error) -> Failure {
    match err.downcast_ref::<Refused>() {
        Some(refused) => {
            let help = if refused.verb == "redraw" {
                "`leversim plot` redraws only results folders that leversim wrote (they hold a \
                 .leversim file listing their files)"
            } else {
                "leversim writes results only into a new or empty folder, or over a results \
                 folder it wrote itself; choose another --out, e.g. a folder that does not exist yet"
            };
            Failure::Scenario(Some(format!("error: {refused}\n  = help: {help}")))
        }
        None => Failure::Io(err),
    }
}

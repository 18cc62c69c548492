//! The command line: flags in, library calls, tables and exit codes out.
//!
//! This is the only module that prints to stdout or chooses an exit code: 0 success, 1 a problem
//! in the scenario or its data (with diagnostics), 2 a usage error.
#![allow(clippy::print_stdout, clippy::print_stderr)] // printing is this module's job

/// Prints a line to stdout. A closed pipe (`leversim run ... | head`) ends the output quietly
/// instead of panicking, as command-line tools do.
macro_rules! say {
    () => { $crate::cli::write_out("\n") };
    ($($arg:tt)*) => { $crate::cli::write_out(&(format!($($arg)*) + "\n")) };
}

mod calibrate;
mod common;
mod compare;
mod discover;
mod drivers;
mod hint;
mod plot;
mod report;
mod robustness;
mod run;
mod sensitivity;
mod shard;
mod single;
mod sweep;
mod table;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use calibrate::CalibrateArgs;
pub use common::shell_quote;
pub use discover::{DiscoverArgs, DiscoverMethod};
pub use drivers::DriversArgs;
pub use robustness::RobustnessArgs;
pub use sensitivity::{MethodArg, SensitivityArgs};

/// leversim: policy-scenario Monte Carlo. Scenario files in, distributions, comparisons and
/// briefing charts out.
#[derive(Parser, Debug)]
#[command(name = "leversim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run every bundle (or the named ones), print a summary table and write results.
    Run(RunArgs),
    /// Check a scenario and print what it contains.
    Validate(ValidateArgs),
    /// Paired comparison of bundles against a reference bundle, on common random numbers.
    Compare(CompareArgs),
    /// Response of outcomes to one or two levers over a grid.
    Sweep(SweepArgs),
    /// Global sensitivity of outcomes to params (and levers): Sobol', Morris, tornado swings.
    Sensitivity(SensitivityArgs),
    /// Condition the params on the reported figures (observations with role "fit") and score
    /// every observation; writes a posterior that run, compare, sweep and sensitivity can use.
    Calibrate(CalibrateArgs),
    /// Scenario discovery on a results folder: boxes of inputs (params, levers) where a
    /// condition on an outcome, or on the paired difference of two bundles, holds much more
    /// often than elsewhere (PRIM or CART).
    Discover(DiscoverArgs),
    /// What drives each outcome: feature scores of every input for every outcome, from the
    /// per-run inputs and outcomes of a results folder.
    Drivers(DriversArgs),
    /// Judge bundles by their regret in each run (shortfall from the best bundle in the same
    /// world) and by the share of runs meeting thresholds, from a results folder.
    Robustness(RobustnessArgs),
    /// Redraw the charts of a results folder from its files, without re-running.
    Plot(PlotArgs),
    /// Write report.html, a self-contained briefing page, from a results folder of `run` or
    /// `compare`.
    Report(ReportArgs),
    /// Merge the shard folders of a job split with --shard I/N (on a cluster's array job) into
    /// the results folder one machine would have written, byte for byte.
    Merge(MergeArgs),
}

/// `leversim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard folders written by `run`, `compare`, `sweep` or `sensitivity` with --shard I/N:
    /// all N of them, in any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// Results folder [default: the job's own, the --out its shards were given or the
    /// command's default]. It must not exist yet, be empty, or be a results folder leversim
    /// wrote.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts; draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
}

/// `leversim compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Common flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// The bundle others are compared with [default: the scenario's baseline].
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    /// Compare only these bundles (with the reference); repeatable [default: all].
    #[arg(long = "bundle", value_name = "NAME")]
    pub bundles: Vec<String>,
}

/// `leversim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Common flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// A lever and its grid, NAME=FROM:TO:STEP; give one or two.
    #[arg(long = "lever", value_name = "NAME=FROM:TO:STEP", required = true)]
    pub levers: Vec<String>,
    /// The bundle whose other lever settings the sweep keeps [default: the baseline].
    #[arg(long, value_name = "NAME")]
    pub bundle: Option<String>,
}

/// `leversim plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Results folder written by `leversim run`, `compare`, `sweep` or `sensitivity`.
    #[arg(value_name = "RESULTS_DIR")]
    pub results: PathBuf,
    /// Bundles drawn, by name, comma-separated; the reference bundle is kept for comparison
    /// [default: the bundles of the scenario's charts section, or all].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub bundles: Vec<String>,
    /// Outcomes and series charted, by name, comma-separated [default: the choice of the
    /// scenario's charts section].
    #[arg(long, value_name = "X,Y", value_delimiter = ',')]
    pub outcomes: Vec<String>,
    /// Canvas: slide (1600x900), half (800x900, half a slide), column (1050x800, a printed
    /// column) or WIDTHxHEIGHT in pixels.
    #[arg(long, value_name = "SIZE", default_value = "slide", value_parser = clap::value_parser!(crate::plot::options::ChartSize))]
    pub size: crate::plot::options::ChartSize,
    /// Files written per chart: png, svg, pdf, or several with commas [default: png,svg].
    #[arg(long, value_name = "FORMATS", value_parser = clap::value_parser!(crate::plot::options::Formats))]
    pub format: Option<crate::plot::options::Formats>,
    /// Source line under each chart: full (the scenario's source, version, file hash and seed)
    /// or short (one line).
    #[arg(long, value_name = "short|full", default_value = "full", value_parser = ["short", "full"])]
    pub source: String,
}

/// `leversim report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Results folder written by `leversim run` or `compare`.
    #[arg(value_name = "RESULTS_DIR")]
    pub results: PathBuf,
}

/// `leversim validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
}

/// Flags shared by the commands that run simulations.
#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Runs per bundle [default: the scenario's `runs`].
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// Master seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Override a param (as a constant) or a lever (in every bundle); repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Results folder [default: output/NAME, NAME being the scenario's name]; each command
    /// says its own in its --help. It must not exist yet, be empty, or be a results folder
    /// leversim wrote.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// On a numeric fault (NaN, infinity, a stock past its bound): stop at the first (exit 1),
    /// or count faults per bundle and leave the faulting runs out of the results.
    #[arg(long, value_enum, default_value_t = OnFault::Stop, value_name = "MODE")]
    pub on_fault: OnFault,
    /// Skip the charts (for benchmarks); draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
    /// Draw the params from this calibration (a folder written by `leversim calibrate`)
    /// [default: the one the scenario names under `[calibration] posterior`].
    #[arg(long, value_name = "DIR", conflicts_with = "prior")]
    pub posterior: Option<PathBuf>,
    /// Draw the params from their priors, even when the scenario names a calibration.
    #[arg(long)]
    pub prior: bool,
    /// Continue this same command after an interruption (Ctrl-C, kill) from the runs it kept in
    /// `<out>.partial/`; the results are bit-identical to an uninterrupted run. A changed
    /// scenario, seed, runs or flag is refused.
    #[arg(long)]
    pub resume: bool,
    /// Print on stderr the memory the runs are estimated to need (the estimate that refuses
    /// plans too large for the machine) and, at the end, the peak actually used.
    #[arg(long)]
    pub memory_report: bool,
    /// Files of the per-run tables (`run`, `compare`): csv, or parquet to write runs, series
    /// and paths as Parquet beside the CSV files [default: the scenario's `[output] format`,
    /// else csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// Compute only shard I of N of the job (I from 1 to N: chunks of 1,024 runs split into N
    /// near-equal parts) and write it to `<out>.shard-I-of-N/`; `leversim merge` combines the
    /// N shard folders into the results, bit-identical to one machine's (docs/cluster.md).
    #[arg(long, value_name = "I/N", value_parser = shard::parse_shard)]
    pub shard: Option<crate::engine::Shard>,
    /// The shards `leversim merge` combines (never a flag).
    #[arg(skip)]
    pub merge: Option<std::sync::Arc<shard::MergeSource>>,
}

/// `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// CSV files only.
    Csv,
    /// Parquet files beside the CSV files.
    Parquet,
}

impl From<FormatArg> for crate::output::schema::TableFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Csv => crate::output::schema::TableFormat::Csv,
            FormatArg::Parquet => crate::output::schema::TableFormat::Parquet,
        }
    }
}

/// `--on-fault`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFault {
    /// Stop at the first fault and report how to reproduce it.
    Stop,
    /// Count faults and leave the faulting runs out.
    Count,
}

impl From<OnFault> for crate::engine::FaultMode {
    fn from(mode: OnFault) -> Self {
        match mode {
            OnFault::Stop => crate::engine::FaultMode::Stop,
            OnFault::Count => crate::engine::FaultMode::Count,
        }
    }
}

/// `leversim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Common flags.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Run only this bundle; repeatable [default: every bundle].
    #[arg(long = "bundle", value_name = "NAME")]
    pub bundles: Vec<String>,
    /// Reproduce one run: simulate only run K (with --seed and --bundle as reported), print its
    /// params, outcomes and month-by-month path, and write no results unless --out is given.
    #[arg(long = "run", value_name = "K", conflicts_with = "shard")]
    pub single_run: Option<u64>,
    /// With --run: a variable whose month-by-month path is printed; repeatable [default: the
    /// scenario's charted series, else its stocks and events].
    #[arg(long = "trace", value_name = "NAME", requires = "single_run")]
    pub trace: Vec<String>,
}

/// Set once stdout is closed by the reader: later output is dropped.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes text to stdout, dropping it once the reader has gone away. Control characters
/// (which a label in a scenario could carry) are replaced, so that printing a scenario's text
/// can never retitle the terminal or move the cursor.
pub(crate) fn write_out(text: &str) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let text = crate::diag::printable(text);
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Entry point of the binary: parses arguments and runs the command.
pub fn main() -> ExitCode {
    ExitCode::from(main_from(std::env::args_os()))
}

/// Runs the command line `args` (the program's name first) exactly as the binary does, printing
/// what it prints, and returns the exit code: the `leversim` command of the Python package.
pub fn main_from<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = err.exit_code();
            err.print().ok();
            return code.clamp(0, 255) as u8;
        }
    };
    // From the start, so that Ctrl-C while a scenario is still loading is handled the same way
    // (exit 130, nothing written) as during the runs.
    common::install_interrupt_handler();
    let outcome = dispatch(cli.command);
    if common::memory_report_wanted() {
        match common::peak_memory() {
            Some(bytes) => eprintln!("memory: peak {bytes} bytes resident (VmHWM)"),
            None => eprintln!("memory: the peak cannot be read on this system"),
        }
    }
    match outcome {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

/// Runs the command line `args` (the program's name first) inside a host program (Python):
/// output is printed as by the binary, but a failure is returned, with its exit code and the
/// message the binary would print, instead of being printed; and no Ctrl-C handler is installed,
/// so the host keeps its own.
///
/// # Errors
/// The exit code and message of a usage error or a failed command.
pub fn execute<I, T>(args: I) -> Result<(), (u8, String)>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    common::embed();
    let cli = parse(args).map_err(|err| (err.exit_code().clamp(0, 255) as u8, err.to_string()))?;
    dispatch(cli.command).map_err(Failure::into_message)
}

fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let words: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // A shard records its command's words, for the merge to run that command again.
    shard::remember_words(&words);
    command()
        .try_get_matches_from(words)
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
}

fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(&args),
        Command::Compare(args) => compare::compare(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Discover(args) => discover::discover(&args),
        Command::Drivers(args) => drivers::drivers(&args),
        Command::Robustness(args) => robustness::robustness(&args),
        Command::Plot(args) => plot::plot(&args),
        Command::Report(args) => report::report(&args),
        Command::Merge(args) => shard::merge(&args),
    }
}

/// The command-line definition, with each command's own default results folder in the help of
/// its `--out` (the flag is shared, its default is not).
pub fn command() -> clap::Command {
    let out_help = |default: &str| {
        format!(
            "Results folder [default: {default}, NAME being the scenario's name]. It must not \
             exist yet, be empty, or be a results folder leversim wrote"
        )
    };
    let run_help = format!(
        "{}. With --run K nothing is written unless --out is given",
        out_help("output/NAME")
    );
    <Cli as clap::CommandFactory>::command()
        .mut_subcommand("run", |c| c.mut_arg("out", |a| a.help(run_help)))
        .mut_subcommand("compare", |c| {
            c.mut_arg("out", |a| a.help(out_help("output/NAME-compare")))
        })
        .mut_subcommand("sweep", |c| {
            c.mut_arg("out", |a| a.help(out_help("output/NAME-sweep")))
        })
        .mut_subcommand("sensitivity", |c| {
            c.mut_arg("out", |a| a.help(out_help("output/NAME-sensitivity")))
        })
}

/// Why a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// A problem in the scenario or its data (already printed as diagnostics, or a message).
    Scenario(Option<String>),
    /// A usage error: bad flag values.
    Usage(String),
    /// The environment failed (I/O), exit 1.
    Io(anyhow::Error),
    /// Interrupted by the user.
    Interrupted,
    /// Interrupted by the user, with the finished work kept for `--resume` (the message says
    /// where and how to continue).
    Kept(String),
}

impl Failure {
    /// Prints the failure to stderr and returns the exit code.
    fn report(self) -> u8 {
        let (code, message) = self.into_message();
        if !message.is_empty() {
            eprintln!("{}", crate::diag::printable(&message));
        }
        code
    }

    /// The exit code and the message printed for the failure (empty when the diagnostics were
    /// printed already).
    fn into_message(self) -> (u8, String) {
        match self {
            Failure::Scenario(message) => (1, message.unwrap_or_default()),
            Failure::Usage(message) => (
                2,
                format!("error: {message}\n\nFor more information, try '--help'."),
            ),
            Failure::Io(err) => (1, format!("error: {err:#}")),
            Failure::Interrupted => (130, "interrupted: no results were written".into()),
            Failure::Kept(message) => (130, message),
        }
    }
}

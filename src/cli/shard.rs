//! `--shard I/N` and `leversim merge`: one job split over the machines of a cluster scheduler
//! (a Slurm job array, a Kubernetes Indexed Job), merged into the results one machine writes.
//!
//! A command given `--shard I/N` computes only its shard's units of work (chunks of runs, see
//! `engine::Shard`) and writes a shard folder, `<out>.shard-I-of-N/` (`output::shard`): the
//! mergeable state of its units and the words of the command. `leversim merge` reads the
//! shard folders' headers, checks that they are the N shards of one job, parses the
//! command's words again and runs that command with [`Sharding::Merge`]: where the command
//! would simulate, it unites the shards' states instead and goes on through its ordinary
//! path, so the merged folder is the one the command writes on one machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{Prepared, Resume, keep, output_failure, provenance, shell_quote, take_kept};
use super::{Command, Failure, MergeArgs};
use crate::engine::{self, CHUNK_RUNS, Partial, RunOutput, RunPlan, Shard};
use crate::output::partial::{decode_partial, differences, encode_partial};
use crate::output::shard::{ShardHeader, read_header, read_state, shard_dir, write};

/// How a command's work is divided.
#[derive(Clone, Debug, Default)]
pub enum Sharding {
    /// All of it, on this machine.
    #[default]
    Whole,
    /// Only this shard, written to a shard folder.
    Shard(Shard),
    /// None: the shards computed it; merge them and write the results.
    Merge(Arc<MergeSource>),
}

impl Sharding {
    /// From a command's `--shard` flag and the merge `leversim merge` set.
    pub fn of(shard: Option<Shard>, merge: Option<&Arc<MergeSource>>) -> Sharding {
        match (merge, shard) {
            (Some(source), _) => Sharding::Merge(Arc::clone(source)),
            (None, Some(shard)) => Sharding::Shard(shard),
            (None, None) => Sharding::Whole,
        }
    }

    /// The folder the command writes for the job whose results go to `out`: the shard folder
    /// of a shard, else `out`.
    pub fn target(&self, out: &Path) -> PathBuf {
        match self {
            Sharding::Shard(s) => shard_dir(out, s.index(), s.count()),
            _ => out.to_path_buf(),
        }
    }

    /// The plan whose memory this machine needs: about a shard's share of the runs.
    pub fn memory_plan(&self, plan: &RunPlan) -> RunPlan {
        let mut plan = plan.clone();
        if let Sharding::Shard(s) = self {
            plan.runs = plan.runs.div_ceil(u64::from(s.count())).max(1);
        }
        plan
    }
}

/// The shard folders a merge reads, checked to be the N shards of one job, by shard number.
#[derive(Debug)]
pub struct MergeSource {
    /// Each shard's folder and header, shard 1 first.
    pub shards: Vec<(PathBuf, ShardHeader)>,
}

/// `--shard I/N` for clap.
pub fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text)
}

/// The words of the command line being run (after the program's name), when they are text.
static WORDS: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Keeps the words of the command line (the program's name first) that the shard header
/// records.
pub fn remember_words(words: &[std::ffi::OsString]) {
    let text: Option<Vec<String>> = words
        .iter()
        .skip(1)
        .map(|w| w.to_str().map(str::to_string))
        .collect();
    *WORDS.lock().unwrap_or_else(|e| e.into_inner()) = text;
}

/// The command's words without `--shard`, `--out` and `--resume`: what the merge parses.
fn merge_words(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_value = false;
    for word in words {
        if skip_value {
            skip_value = false;
            continue;
        }
        match word.as_str() {
            "--shard" | "--out" => skip_value = true,
            "--resume" => {}
            w if w.starts_with("--shard=") || w.starts_with("--out=") => {}
            _ => out.push(word.clone()),
        }
    }
    out
}

/// What a shard records of its command and job.
pub struct ShardJob<'a> {
    /// The prepared scenario.
    pub p: &'a Prepared,
    /// The scenario path as given.
    pub scenario: &'a Path,
    /// The resume context of the whole job (its results folder and fingerprint).
    pub r: &'a Resume,
    /// The shard.
    pub shard: Shard,
    /// Seed of the job.
    pub seed: u64,
    /// Runs of the job, over all bundles or design points.
    pub runs_planned: u64,
    /// Runs per bundle (or the design's runs), as the provenance counts them.
    pub runs: u64,
    /// Worker threads.
    pub threads: usize,
    /// Bundles run.
    pub bundles: Vec<String>,
}

impl ShardJob<'_> {
    /// The resume context of the shard itself: its interrupted runs are kept beside the shard
    /// folder, and belong to this shard only.
    pub fn resume(&self) -> Resume {
        let mut fingerprint = self.r.fingerprint.clone();
        fingerprint.push(("--shard".into(), self.shard.to_string()));
        Resume {
            out: self.dir(),
            fingerprint,
            resume: self.r.resume,
            sharding: Sharding::Shard(self.shard),
        }
    }

    /// The shard folder.
    pub fn dir(&self) -> PathBuf {
        shard_dir(&self.r.out, self.shard.index(), self.shard.count())
    }

    /// Writes the shard folder and says what it holds and how to merge.
    ///
    /// # Errors
    /// A shard folder that cannot be written.
    pub fn write(
        &self,
        units: String,
        runs_done: u64,
        elapsed: Duration,
        state: &[u8],
    ) -> Result<PathBuf, Failure> {
        let words = WORDS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                Failure::Usage("--shard needs a command line of text (UTF-8) to record".into())
            })?;
        let command = std::iter::once("leversim".to_string())
            .chain(words.iter().map(|w| shell_quote(w)))
            .collect::<Vec<_>>()
            .join(" ");
        let header = ShardHeader {
            format: 0,
            shard: self.shard.to_string(),
            index: self.shard.index(),
            count: self.shard.count(),
            command: words.first().cloned().unwrap_or_default(),
            args: merge_words(&words),
            out: self.r.out.display().to_string(),
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            fingerprint: self.r.fingerprint.clone(),
            units: units.clone(),
            runs_done,
            runs_planned: self.runs_planned,
            elapsed_s: elapsed.as_secs_f64(),
            state_sha256: String::new(),
            provenance: provenance(
                self.p,
                self.scenario,
                self.seed,
                self.runs,
                self.threads,
                self.bundles.clone(),
                command,
            ),
        };
        let dir = write(&self.dir(), header, state).map_err(output_failure)?;
        crate::output::partial::discard(&self.dir());
        say!(
            "shard {}: {runs_done} of {} runs ({units}) in {:.2} s; written to {}/",
            self.shard,
            self.runs_planned,
            elapsed.as_secs_f64(),
            dir.display()
        );
        let all = shard_dir(&self.r.out, 0, self.shard.count())
            .display()
            .to_string()
            .replace(".shard-0-of-", ".shard-*-of-");
        say!(
            "when all {} shards are done, merge them with:\n    leversim merge {all} --out {}",
            self.shard.count(),
            shell_quote(&self.r.out.display().to_string())
        );
        Ok(dir)
    }
}

/// Runs one shard of a run plan (`run`, `compare`, `sweep`) and writes its folder; an
/// interrupted shard keeps its finished units for `--resume`, as a whole run does.
///
/// # Errors
/// A fault (as `on_fault` makes it), an interruption, a folder that cannot be written.
pub fn run_shard(
    job: &ShardJob<'_>,
    model: &crate::model::Model,
    plan: &RunPlan,
    what: &str,
    on_fault: impl FnOnce(&engine::Fault) -> Failure,
) -> Result<PathBuf, Failure> {
    let r = job.resume();
    let resumed = match take_kept(&r)? {
        Some(state) => Some(
            decode_partial(&state)
                .ok_or_else(|| "its state cannot be read".to_string())
                .and_then(|p| p.fits(model, plan).map(|()| p))
                .map_err(|why| cannot_resume(&r.out, &why))?,
        ),
        None => None,
    };
    let units = plan.runs.div_ceil(CHUNK_RUNS) as usize * plan.bundles.len();
    let range = job.shard.range(units);
    let total: u64 = range.clone().map(|u| Partial::unit_runs(plan, u)).sum();
    let started = Instant::now();
    let result = super::common::with_bar(total, what, |progress, cancel| {
        engine::run_shard(model, plan, job.shard, progress, cancel, resumed)
    });
    let partial = match result {
        Ok(partial) => partial,
        Err(engine::Stopped {
            error: engine::RunError::Fault(fault),
            ..
        }) => return Err(on_fault(&fault)),
        Err(engine::Stopped {
            partial: Some(partial),
            ..
        }) => {
            let done = partial.runs_done(plan);
            return Err(keep(&r, done, total, &encode_partial(&partial)));
        }
        Err(_) => return Err(Failure::Interrupted),
    };
    let runs_done = partial.runs_done(plan);
    let units = format!(
        "units {}..{} of {units}, chunks of {CHUNK_RUNS} runs per bundle",
        range.start, range.end
    );
    job.write(
        units,
        runs_done,
        started.elapsed(),
        &encode_partial(&partial),
    )
}

/// The failure of a kept state that cannot be resumed.
fn cannot_resume(dir: &Path, why: &str) -> Failure {
    Failure::Scenario(Some(format!(
        "error: cannot resume from '{}': {why}\n  = help: run without --resume to start over",
        crate::output::partial::partial_dir(dir).display()
    )))
}

/// The failure of a shard that cannot be merged, naming it.
fn refuse(dir: &Path, why: impl std::fmt::Display) -> Failure {
    Failure::Scenario(Some(format!(
        "error: cannot merge '{}': {why}",
        dir.display()
    )))
}

/// Checks that the command the merge re-created is the one the shards ran (the scenario's
/// files, the calibration and leversim itself may have changed since).
///
/// # Errors
/// What differs, naming the first shard.
pub fn check_fingerprint(source: &MergeSource, now: &[(String, String)]) -> Result<(), Failure> {
    let Some((dir, first)) = source.shards.first() else {
        return Ok(());
    };
    let diffs = differences(&first.fingerprint, now);
    if diffs.is_empty() {
        return Ok(());
    }
    Err(refuse(
        dir,
        format!(
            "the job has changed since its shards ran: {}\n  = help: merge with the scenario \
             files and the leversim the shards ran with (the shards ran in '{}')",
            diffs.join("; "),
            first.cwd
        ),
    ))
}

/// Unites the shards' states of a run plan and assembles the results of the whole plan, as
/// one uninterrupted run gives them. Shards are read one at a time, in order, so the memory
/// is that of the results plus one shard.
///
/// # Errors
/// A shard whose state is damaged, of another plan, or not the units its number says.
pub fn merge_runs(
    model: &crate::model::Model,
    plan: &RunPlan,
    r: &Resume,
    source: &MergeSource,
) -> Result<RunOutput, Failure> {
    check_fingerprint(source, &r.fingerprint)?;
    let units = plan.runs.div_ceil(CHUNK_RUNS) as usize * plan.bundles.len();
    let mut whole = Partial::empty(model, plan);
    let mut elapsed = 0.0;
    for (dir, header) in &source.shards {
        let state = read_state(dir, header).map_err(|e| refuse(dir, format!("{e:#}")))?;
        let part = decode_partial(&state)
            .ok_or_else(|| "its state cannot be read".to_string())
            .and_then(|p| p.fits(model, plan).map(|()| p))
            .map_err(|why| refuse(dir, why))?;
        let shard = Shard::new(header.index, header.count).map_err(|why| refuse(dir, why))?;
        let range = shard.range(units);
        if !part.done.keys().copied().eq(range.clone()) {
            return Err(refuse(
                dir,
                format!(
                    "it does not hold the runs of shard {shard} (units {}..{})",
                    range.start, range.end
                ),
            ));
        }
        whole
            .absorb(part, plan)
            .map_err(|unit| refuse(dir, format!("unit {unit} is in another shard too")))?;
        elapsed += header.elapsed_s;
    }
    if whole.done.len() != units {
        return Err(Failure::Scenario(Some(format!(
            "error: the shards hold {} of the job's {units} units of runs",
            whole.done.len()
        ))));
    }
    // Every unit is done: the engine runs nothing and assembles the results from the state.
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut out = engine::run_from(model, plan, &|_| {}, &never, Some(whole)).map_err(|s| {
        Failure::Scenario(Some(format!(
            "error: the shards cannot be merged: {:?}",
            s.error
        )))
    })?;
    // The runs took the shards' time, summed over the shards (machine time, not wall time).
    out.elapsed = Duration::from_secs_f64(elapsed);
    out.resumed_runs = 0;
    Ok(out)
}

/// A shard's folder, header and state bytes.
pub type ShardState<'a> = (&'a Path, &'a ShardHeader, Vec<u8>);

/// The shards' states in order, each read when asked for (so that a thousand shards never sit
/// in memory at once), after checking the command the merge re-created against theirs.
///
/// # Errors
/// As [`check_fingerprint`]; each item, a damaged state (naming its folder).
pub fn states<'a>(
    source: &'a MergeSource,
    now: &[(String, String)],
) -> Result<impl Iterator<Item = Result<ShardState<'a>, Failure>>, Failure> {
    check_fingerprint(source, now)?;
    Ok(source.shards.iter().map(|(dir, header)| {
        read_state(dir, header)
            .map(|state| (dir.as_path(), header, state))
            .map_err(|e| refuse(dir, format!("{e:#}")))
    }))
}

/// `leversim merge`: checks that the folders are the N shards of one job and writes that
/// job's results folder.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let mut shards = Vec::with_capacity(args.shards.len());
    for dir in &args.shards {
        let header = read_header(dir).map_err(|e| match e.downcast_ref() {
            Some(crate::output::folder::Refused { .. }) => output_failure(e),
            None => refuse(dir, format!("{e:#}")),
        })?;
        shards.push((dir.clone(), header));
    }
    let Some((first_dir, first)) = shards.first().cloned() else {
        return Err(Failure::Usage("give the shard folders to merge".into()));
    };
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (dir, header) in &shards {
        if header.count != first.count {
            return Err(refuse(
                dir,
                format!(
                    "it is shard {} of a job in {} shards, but '{}' is shard {} of {}",
                    header.shard,
                    header.count,
                    first_dir.display(),
                    first.shard,
                    first.count
                ),
            ));
        }
        let diffs = differences(&first.fingerprint, &header.fingerprint);
        if !diffs.is_empty() {
            return Err(refuse(
                dir,
                format!(
                    "it is a shard of another job than '{}': {}",
                    first_dir.display(),
                    diffs.join("; ")
                ),
            ));
        }
        if let Some(other) = by_index.insert(header.index, dir) {
            return Err(refuse(
                dir,
                format!(
                    "it is shard {}, and so is '{}'; give each shard once",
                    header.shard,
                    other.display()
                ),
            ));
        }
    }
    let missing: Vec<String> = (1..=first.count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{}", first.count))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        let more = if missing.len() > 10 {
            format!(" and {} more", missing.len() - 10)
        } else {
            String::new()
        };
        return Err(Failure::Scenario(Some(format!(
            "error: cannot merge: shard{} {}{more} of the job {} missing (expected {}); \
             a merge needs all {} shards\n  = help: run the missing shard{} with the job's \
             command and --shard, then merge again",
            if missing.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            shard_dir(Path::new(&first.out), 1, first.count)
                .display()
                .to_string()
                .replace(".shard-1-of-", ".shard-I-of-"),
            first.count,
            if missing.len() == 1 { "" } else { "s" },
        ))));
    }
    shards.sort_by_key(|(_, h)| h.index);
    let here = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    if here != first.cwd {
        eprintln!(
            "note: the shards ran in '{}'; the scenario and other paths of their command are \
             read from here, '{here}'",
            first.cwd
        );
    }
    let mut words = vec!["leversim".to_string()];
    words.extend(first.args.iter().cloned());
    words.push("--out".into());
    words.push(match &args.out {
        Some(out) => out.display().to_string(),
        None => first.out.clone(),
    });
    if args.no_charts && !words.iter().any(|w| w == "--no-charts") {
        words.push("--no-charts".into());
    }
    let cli = super::parse(&words).map_err(|e| {
        refuse(
            &first_dir,
            format!("its command `{}` cannot be read: {e}", first.args.join(" ")),
        )
    })?;
    let source = Arc::new(MergeSource { shards });
    let command = match cli.command {
        Command::Run(mut a) => {
            a.sim.merge = Some(source);
            Command::Run(a)
        }
        Command::Compare(mut a) => {
            a.sim.merge = Some(source);
            Command::Compare(a)
        }
        Command::Sweep(mut a) => {
            a.sim.merge = Some(source);
            Command::Sweep(a)
        }
        Command::Sensitivity(mut a) => {
            a.merge = Some(source);
            Command::Sensitivity(a)
        }
        _ => {
            return Err(refuse(
                &first_dir,
                format!("`{}` is not a command whose shards merge", first.command),
            ));
        }
    };
    super::dispatch(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_words_drop_the_shard_the_folder_and_resume() {
        let words: Vec<String> = [
            "run",
            "s.toml",
            "--shard",
            "2/4",
            "--out",
            "o",
            "--runs",
            "9",
            "--resume",
            "--shard=1/4",
            "--out=x",
            "--seed",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            merge_words(&words),
            ["run", "s.toml", "--runs", "9", "--seed", "3"]
        );
    }
}

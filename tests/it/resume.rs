//! Long runs survive interruption (issue 15, item 9): an interrupted `run`, `compare`, `sweep`,
//! `sensitivity` or `calibrate` keeps its finished chunks in `<out>.partial/`, and `--resume` continues the
//! same command to results bit-identical to an uninterrupted run; a different command is
//! refused with a message naming what differs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{leversim, temp_dir};

fn temp(name: &str) -> PathBuf {
    temp_dir("resume", name)
}

/// Two bundles, a lever, two params, a recorded stock and an outcome that faults in about one
/// run in 2,000 (`ln` of a negative number), so that `--on-fault count` has faults to keep.
const SCENARIO: &str = r#"[scenario]
name = "resume"
start = "2024-01"
end = "2025-12"
runs = 200
seed = 3

[params]
a = { dist = "normal", mean = 1, sd = 0.1 }
b = { dist = "uniform", min = 0, max = 2 }

[levers.push]
default = 0
range = [0, 1]

[stocks]
s = { init = 0 }

[flows.f]
to = "s"
rate = "a * lognormal(1, 0.3) + poisson(5) * (1 - 0.5 * push) + b"

[aux]
risky = "ln(uniform(0, 1) - 0.0005 / 24)"

[outcomes.s]
expr = "s"

[outcomes.risk]
expr = "risky"
kind = "max"

[bundles.baseline]
[bundles.pushed]
levers = { push = 1 }
"#;

fn scenario(dir: &Path) -> String {
    let path = dir.join("resume.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    path.display().to_string()
}

/// Threads of a running process (`/proc/PID/task`); 0 once it has gone.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

/// Runs `args` and interrupts it with `signal` once it has finished some chunks, returning its
/// stderr. The clock starts when the worker threads appear (the runs have begun: loading a
/// scenario takes a machine-dependent time), and each try waits longer if no chunk had
/// finished. Panics if the command finishes before the signal: the test sizes are chosen so
/// that it cannot.
fn interrupt(args: &[&str], signal: &str) -> String {
    interrupt_after(args, signal, Duration::from_millis(300))
}

/// [`interrupt`], the first try waiting `step` and each next one `step` longer.
fn interrupt_after(args: &[&str], signal: &str, step: Duration) -> String {
    let mut wait = step;
    for _ in 0..8 {
        let child = Command::new(env!("CARGO_BIN_EXE_leversim"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The main thread and the signal handler's, then the workers (--threads 2).
        while threads_of(child.id()) < 4 && threads_of(child.id()) > 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(wait);
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_ne!(
            out.status.code(),
            Some(0),
            "finished before it was interrupted: make the test larger"
        );
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        if stderr.contains(" are kept in '") {
            return stderr;
        }
        wait += step;
    }
    panic!("no chunk finished before the interruption, even after waiting");
}

/// The kept and planned runs of an interruption message.
fn kept_runs(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("interrupted: "))
        .unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[1].parse().unwrap(), words[3].parse().unwrap())
}

/// `summary.json` (or another results JSON) without what may differ between an interrupted and
/// resumed command and an uninterrupted one: timings and the thread count.
fn numbers(path: &Path) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["elapsed_s", "runs_per_s", "timing", "threads", "command"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    strip(&mut value);
    value
}

/// Every file of `full` (but charts) has the same bytes in `resumed`, JSON files up to timings.
fn assert_same_results(full: &Path, resumed: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(full)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".leversim")
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        if name.ends_with(".json") {
            assert_eq!(
                numbers(&full.join(&name)),
                numbers(&resumed.join(&name)),
                "{name} differs"
            );
        } else {
            assert!(
                std::fs::read(full.join(&name)).unwrap()
                    == std::fs::read(resumed.join(&name)).unwrap(),
                "{name} differs"
            );
        }
    }
}

/// Interrupts `command` (with `--out DIR/part`), resumes it on another thread count, and checks
/// the results against the same command run without interruption (`signal` interrupts it: `-INT` or `-TERM`).
fn interrupted_and_resumed_matches(dir: &Path, command: &[&str], signal: &str) {
    let (full, part) = (dir.join("full"), dir.join("part"));
    let with_out = |out: &Path, extra: &[&str]| {
        let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        args.extend(["--no-charts", "--out"].map(String::from));
        args.push(out.display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let args = with_out(&full, &["--threads", "2"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = leversim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let args = with_out(&part, &["--threads", "2"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stderr = interrupt(&args, signal);
    let (kept, planned) = kept_runs(&stderr);
    assert!(kept > 0 && kept < planned, "{stderr}");
    let partial = dir.join("part.partial");
    assert!(partial.join(".leversim").is_file(), "marked as leversim's");
    assert!(!part.exists(), "no results folder before the runs are done");
    // The message gives the command that continues: the same, with --resume.
    assert!(
        stderr.contains(&format!("continue with:\n    leversim {}", command[0]))
            && stderr.trim_end().ends_with(" --resume"),
        "{stderr}"
    );
    // Finished on another thread count: results do not depend on it.
    let args = with_out(&part, &["--threads", "1", "--resume"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = leversim(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "resuming: {kept} of {planned} runs were kept in '{}'",
            partial.display()
        )),
        "{stderr}"
    );
    assert!(!partial.exists(), "the kept runs are removed once done");
    assert_same_results(&full, &part);
}

/// `run`: interrupted with SIGINT, resumed to the bytes of an uninterrupted run, with counted
/// faults among the kept runs.
#[test]
fn an_interrupted_run_resumes_to_identical_results() {
    let dir = temp("run");
    let path = scenario(&dir);
    interrupted_and_resumed_matches(
        &dir,
        &["run", &path, "--runs", "60000", "--on-fault", "count"],
        "-INT",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A resume of a different command is refused (exit 1) with a message naming what differs,
/// and leaves the kept runs as they were; the right command then resumes.
#[test]
fn resuming_a_different_command_is_refused_naming_what_differs() {
    let dir = temp("refused");
    let path = scenario(&dir);
    let part = dir.join("part");
    let part_s = part.display().to_string();
    let base = [
        "run",
        &path,
        "--runs",
        "60000",
        "--on-fault",
        "count",
        "--no-charts",
        "--out",
        &part_s,
    ];
    let mut first = base.to_vec();
    first.extend(["--threads", "2"]);
    interrupt(&first, "-TERM");
    let partial = dir.join("part.partial");
    let state = std::fs::read(partial.join("state.bin")).unwrap();
    let help = format!(
        "\n  = help: resume with the interrupted command (leversim run {path} --runs 60000 --on-fault count --no-charts --out {part_s} --threads 2), or run without --resume to start over\n"
    );
    let refused = |args: &[&str], why: &str| {
        let mut all = args.to_vec();
        all.push("--resume");
        let out = leversim(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: cannot resume from '{}': it was kept by a different command: {why}{help}",
                partial.display()
            ),
            "{args:?}"
        );
        assert_eq!(
            std::fs::read(partial.join("state.bin")).unwrap(),
            state,
            "a refused resume leaves the kept runs alone"
        );
    };
    let with = |extra: &[&'static str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args
    };
    refused(&with(&["--seed", "4"]), "--seed was 3, now 4");
    refused(
        &[
            "run",
            &path,
            "--runs",
            "50000",
            "--on-fault",
            "count",
            "--no-charts",
            "--out",
            &part_s,
        ],
        "--runs was 60000, now 50000",
    );
    refused(
        &with(&["--set", "push=0.5"]),
        "--set was not given, now push=0.5",
    );
    refused(
        &with(&["--bundle", "pushed"]),
        "the bundles run was baseline, pushed, now pushed",
    );
    refused(
        &[
            "run",
            &path,
            "--runs",
            "60000",
            "--no-charts",
            "--out",
            &part_s,
        ],
        "--on-fault was count, now stop",
    );
    refused(
        &[
            "compare",
            &path,
            "--runs",
            "60000",
            "--on-fault",
            "count",
            "--no-charts",
            "--out",
            &part_s,
        ],
        "the command was run, now compare; --reference was not given, now baseline",
    );
    // An edited scenario: its SHA-256 differs.
    let sha = |text: &str| {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(text.as_bytes());
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let edited = format!("{SCENARIO}# a comment\n");
    std::fs::write(&path, &edited).unwrap();
    refused(
        &base,
        &format!(
            "the scenario file's SHA-256 was {}, now {}",
            sha(SCENARIO),
            sha(&edited)
        ),
    );
    std::fs::write(&path, SCENARIO).unwrap();
    // The right command resumes, on any thread count.
    let mut right = base.to_vec();
    right.extend(["--resume", "--threads", "1"]);
    let out = leversim(&right);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(part.join("runs.csv").is_file() && !partial.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// `--resume` with nothing kept starts from the first run, saying so; a command without
/// `--resume` that finds kept runs says how to continue them and starts over.
#[test]
fn resume_with_nothing_kept_starts_over_and_says_so() {
    let dir = temp("nothing");
    let path = scenario(&dir);
    let out_dir = dir.join("out");
    let out_s = out_dir.display().to_string();
    let out = leversim(&[
        "run",
        &path,
        "--runs",
        "100",
        "--on-fault",
        "count",
        "--no-charts",
        "--out",
        &out_s,
        "--resume",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "note: nothing to resume: no interrupted run is kept in '{out_s}.partial'; starting from the first run\n"
        )
    );
    // A folder of the user's at the partial folder's path is never read, replaced or removed.
    std::fs::create_dir(dir.join("out.partial")).unwrap();
    std::fs::write(dir.join("out.partial/notes.txt"), "mine").unwrap();
    let out = leversim(&[
        "run",
        &path,
        "--runs",
        "100",
        "--on-fault",
        "count",
        "--no-charts",
        "--out",
        &out_s,
        "--resume",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: cannot resume from '{out_s}.partial': refusing to resume from '{out_s}.partial': leversim did not write this folder"
        )),
        "{stderr}"
    );
    let out = leversim(&[
        "run",
        &path,
        "--runs",
        "100",
        "--on-fault",
        "count",
        "--no-charts",
        "--out",
        &out_s,
    ]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("out.partial/notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `compare`, interrupted with SIGTERM, resumes to identical comparison files.
#[test]
fn an_interrupted_compare_resumes_to_identical_results() {
    let dir = temp("compare");
    let path = scenario(&dir);
    interrupted_and_resumed_matches(
        &dir,
        &["compare", &path, "--runs", "40000", "--on-fault", "count"],
        "-TERM",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `sweep` resumes to identical sweep files.
#[test]
fn an_interrupted_sweep_resumes_to_identical_results() {
    let dir = temp("sweep");
    let path = scenario(&dir);
    interrupted_and_resumed_matches(
        &dir,
        &[
            "sweep",
            &path,
            "--runs",
            "8000",
            "--lever",
            "push=0:1:0.25",
            "--on-fault",
            "count",
        ],
        "-INT",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `sensitivity` resumes to identical sensitivity files.
#[test]
fn an_interrupted_sensitivity_resumes_to_identical_results() {
    let dir = temp("sensitivity");
    let path = scenario(&dir);
    interrupted_and_resumed_matches(
        &dir,
        &[
            "sensitivity",
            &path,
            "--samples",
            "4096",
            "--method",
            "sobol,morris",
            "--bootstrap",
            "20",
            "--series",
            "none",
            "--on-fault",
            "count",
        ],
        "-INT",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `calibrate`: interrupted with SIGTERM after at least one stage of the sampler, resumed on
/// another thread count from the state after that stage to the bytes of an uninterrupted
/// calibration; a resume with another `--sims` is refused, naming it.
#[test]
fn an_interrupted_calibrate_resumes_to_identical_results() {
    let dir = temp("calibrate");
    let scenario = "scenarios/tests/korea-calibration.toml";
    let (full, part) = (dir.join("full"), dir.join("part"));
    let args = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["calibrate", scenario, "--particles", "100", "--no-charts"]
            .map(String::from)
            .to_vec();
        a.push("--out".into());
        a.push(out.display().to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| leversim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args(&full, &["--threads", "2"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let a = args(&part, &["--threads", "2"]);
    let stderr = interrupt_after(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "-TERM",
        Duration::from_millis(1500),
    );
    assert!(
        stderr.contains("runs of the finished stages are kept in")
            && stderr.trim_end().ends_with(" --resume"),
        "{stderr}"
    );
    let partial = dir.join("part.partial");
    assert!(partial.join(".leversim").is_file(), "marked as leversim's");
    assert!(
        !part.exists(),
        "no results folder before the sampler is done"
    );

    // Another --sims is refused, naming it, and leaves the kept state alone.
    let out = run(args(&part, &["--sims", "2", "--resume"]));
    let refused = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{refused}");
    assert!(
        refused.contains("it was kept by a different command: --sims was 1, now 2"),
        "{refused}"
    );
    assert!(partial.join("state.bin").is_file());

    let out = run(args(&part, &["--threads", "1", "--resume"]));
    let resumed = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{resumed}");
    assert!(
        resumed.contains("runs of the finished stages were kept in"),
        "{resumed}"
    );
    assert!(!partial.exists(), "the kept state is removed once done");
    assert_same_results(&full, &part);
}

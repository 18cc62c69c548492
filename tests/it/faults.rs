//! Numeric faults, interruption and limits: nothing is lost, nothing half-written looks complete.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{leversim, temp_dir};
use std::time::{Duration, Instant};

fn temp(name: &str) -> PathBuf {
    temp_dir("faults", name)
}

fn scenario(dir: &Path, body: &str) -> String {
    let text = format!(
        "[scenario]\nname = \"faults\"\nstart = \"2024-01\"\nend = \"2025-12\"\nruns = 200\nseed = 3\n{body}"
    );
    let path = dir.join("faults.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Each kind of numeric fault stops the run with exit 1, names the variable, month, bundle and
/// run, and prints the command that reproduces that one run; that command reproduces it.
#[test]
fn every_fault_kind_is_reported_with_a_reproduction() {
    let dir = temp("kinds");
    let cases = [
        (
            "[aux]\nx = \"1 / (t - 3)\"\n[outcomes.x]\nexpr = \"x\"\n",
            "error[non-finite]: `x` became inf in 2024-04",
        ),
        (
            "[aux]\nx = \"exp(100 * t)\"\n[outcomes.x]\nexpr = \"x\"\n",
            "error[non-finite]: `x` became inf in 2024-09",
        ),
        (
            "[aux]\nx = \"ln(5 - t)\"\n[outcomes.x]\nexpr = \"x\"\n",
            "error[non-finite]: `x` became -inf in 2024-06",
        ),
        (
            "[aux]\nx = \"sqrt(2 - t)\"\n[outcomes.x]\nexpr = \"x\"\n",
            "error[non-finite]: `x` became NaN in 2024-04",
        ),
        (
            "[stocks]\nfuel = { init = 10, min = 0 }\n[flows.burn]\nfrom = \"fuel\"\nrate = \"3\"\n[outcomes.f]\nexpr = \"fuel\"\n",
            "error[stock-bound]: stock `fuel` went to -2 in 2024-04, below its minimum 0",
        ),
        (
            "[events.e]\nhazard = \"0.3 * t\"\n[outcomes.e]\nexpr = \"e\"\nkind = \"probability\"\n",
            "error[bad-hazard]: `e.hazard` was 1.2 in 2024-05",
        ),
    ];
    for (body, expected) in cases {
        let path = scenario(&dir, body);
        let out_dir = dir.join("out");
        let out = leversim(&["run", &path, "--out", out_dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{body}\n{stderr}");
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in\n{stderr}"
        );
        assert!(!out_dir.exists(), "a fault must leave no results folder");
        // The printed command reproduces the same fault.
        let repro = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("leversim run"))
            .unwrap()
            .trim();
        let args: Vec<&str> = repro.split_whitespace().skip(1).collect();
        let again = leversim(&args);
        assert_eq!(again.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&again.stderr).contains(expected),
            "reproduction differs"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Ctrl-C during a long run exits promptly, writes nothing, and keeps the previous results.
#[test]
fn interrupting_keeps_the_previous_results() {
    let dir = temp("interrupt");
    let path = scenario(
        &dir,
        "[params]\na = { dist = \"normal\", mean = 1, sd = 0.1 }\n[stocks]\ns = { init = 0 }\n[flows.f]\nto = \"s\"\nrate = \"a * lognormal(1, 0.3) + poisson(5)\"\n[outcomes.s]\nexpr = \"s\"\n",
    );
    let out_dir = dir.join("out");
    let first = leversim(&[
        "run",
        &path,
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(first.status.success());
    let before = std::fs::read(out_dir.join("runs.csv")).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args([
            "run",
            &path,
            "--runs",
            "200000000",
            "--threads",
            "1",
            "--no-charts",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let sent = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "took {:?} to stop",
        sent.elapsed()
    );
    assert_eq!(code, Some(130));
    assert_eq!(
        std::fs::read(out_dir.join("runs.csv")).unwrap(),
        before,
        "previous results must be intact"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A run killed outright leaves at most a temporary folder, which the next run removes.
#[test]
fn a_killed_run_leaves_only_a_temporary_folder_that_is_cleaned_up() {
    let dir = temp("killed");
    let path = scenario(
        &dir,
        "[aux]\nx = \"normal(0, 1)\"\n[outcomes.x]\nexpr = \"x\"\n",
    );
    // What SIGKILL during writing leaves: a temporary sibling of a process that no longer exists.
    let stale = dir.join(".out.tmp-4000000");
    std::fs::create_dir_all(stale.join("charts")).unwrap();
    std::fs::write(stale.join("runs.csv"), "bundle,run,x\n").unwrap();
    let out_dir = dir.join("out");
    let out = leversim(&[
        "run",
        &path,
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stale.exists(),
        "the stale temporary folder must be removed"
    );
    assert!(out_dir.join("summary.json").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unwritable_output_is_a_clear_error() {
    let dir = temp("unwritable");
    let path = scenario(&dir, "[aux]\nx = \"1\"\n[outcomes.x]\nexpr = \"x\"\n");
    // A folder cannot be created inside a regular file, whatever the user's permissions.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = leversim(&[
        "run",
        &path,
        "--out",
        file.join("results").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: could not create the folder") && stderr.contains("a-file"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn requests_that_cannot_fit_in_memory_are_refused_before_starting() {
    let dir = temp("memory");
    // 999 million runs x 40 outcomes x 8 bytes = 320 GB: more than any machine this runs on.
    let mut body = String::from("[aux]\nx = \"normal(0, 1)\"\n");
    for k in 0..40 {
        body.push_str(&format!("[outcomes.o{k}]\nexpr = \"x\"\n"));
    }
    let path = scenario(&dir, &body);
    let started = Instant::now();
    let out = leversim(&["run", &path, "--runs", "999000000"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this would need about") && stderr.contains("Reduce --runs"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused before running"
    );
    std::fs::remove_dir_all(&dir).ok();
}

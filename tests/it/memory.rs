//! The memory estimate is honest (issue 15, item 7): on a few shapes of plan, the estimate that
//! `--memory-report` prints (the one that refuses plans too large for the machine) is within
//! 1.5× either way of the peak resident memory the kernel measured for the process.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::temp_dir;

/// The `VmHWM` (peak resident set) of a running process, in bytes.
fn high_water_mark(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Runs leversim with `--memory-report` and returns (estimate, peak). While it runs, its peak
/// is also read from outside (`/proc/PID/status`): the peak is the larger of the two, and the
/// one it reports must agree (it is the kernel's measure, not the program's opinion).
fn estimate_and_peak(args: &[&str]) -> (u64, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args(args)
        .arg("--memory-report")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut seen = 0;
    while child.try_wait().unwrap().is_none() {
        seen = seen.max(high_water_mark(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let number = |prefix: &str| -> u64 {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stderr}"));
        line[prefix.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let estimate = number("memory: estimated ");
    let reported = number("memory: peak ");
    // The process lives on briefly after its report (exiting frees, but the stderr pipe and
    // the exit path touch a few more pages), so the outside view may be slightly higher.
    assert!(
        reported as f64 >= 0.95 * seen as f64,
        "reported peak {reported} well below the observed {seen}"
    );
    (estimate, reported.max(seen))
}

fn within_one_and_a_half(what: &str, estimate: u64, peak: u64) {
    let ratio = estimate as f64 / peak as f64;
    assert!(
        (1.0 / 1.5..=1.5).contains(&ratio),
        "{what}: estimated {estimate} bytes, peak {peak} bytes (ratio {ratio:.2})"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Many variables, few runs: 4,000 auxiliaries × 12 months × 10 runs. The series statistics
/// dominate; before issue 15 each (variable, month) reserved a dense sketch per worker.
#[test]
fn estimate_matches_the_peak_for_many_variables_and_few_runs() {
    let dir = temp_dir("memory", "wide");
    let mut text = String::from(
        "[scenario]\nname = \"wide\"\nstart = \"2024-01\"\nend = \"2024-12\"\nruns = 10\nseed = 1\n[aux]\n",
    );
    for k in 0..4000 {
        text.push_str(&format!("x{k} = \"normal({}, 1)\"\n", k % 7));
    }
    text.push_str("[outcomes.o]\nexpr = \"x0\"\n");
    let path = write(&dir, "wide.toml", &text);
    let out = dir.join("out").display().to_string();
    let (estimate, peak) =
        estimate_and_peak(&["run", &path, "--threads", "2", "--no-charts", "--out", &out]);
    within_one_and_a_half("4,000 variables x 10 runs", estimate, peak);
    std::fs::remove_dir_all(&dir).ok();
}

/// Many runs (outcome values dominate), for `run` of one bundle and `compare` of four.
#[test]
fn estimate_matches_the_peak_for_many_runs_and_for_compare() {
    let dir = temp_dir("memory", "runs");
    let mut text = String::from(
        "[scenario]\nname = \"runs\"\nstart = \"2024-01\"\nend = \"2024-01\"\nruns = 10\nseed = 1\n\
         [levers.push]\ndefault = 0\nrange = [0, 1]\n[aux]\nx = \"normal(push, 1)\"\n",
    );
    for k in 0..100 {
        text.push_str(&format!("[outcomes.o{k}]\nexpr = \"x + {k}\"\n"));
    }
    text.push_str(
        "[bundles.baseline]\n[bundles.b1]\nlevers = { push = 0.3 }\n[bundles.b2]\nlevers = { push = 0.6 }\n[bundles.b3]\nlevers = { push = 1 }\n",
    );
    let path = write(&dir, "runs.toml", &text);
    let out = dir.join("out").display().to_string();
    let (estimate, peak) = estimate_and_peak(&[
        "run",
        &path,
        "--runs",
        "20000",
        "--bundle",
        "baseline",
        "--threads",
        "2",
        "--no-charts",
        "--out",
        &out,
    ]);
    within_one_and_a_half("run: 20,000 runs x 100 outcomes", estimate, peak);
    let (estimate, peak) = estimate_and_peak(&[
        "compare",
        &path,
        "--runs",
        "5000",
        "--threads",
        "2",
        "--no-charts",
        "--out",
        &out,
    ]);
    within_one_and_a_half(
        "compare: 4 bundles x 5,000 runs x 100 outcomes",
        estimate,
        peak,
    );
    std::fs::remove_dir_all(&dir).ok();
}

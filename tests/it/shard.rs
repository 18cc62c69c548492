//! Beyond one machine (issue 17): `--shard I/N` computes one shard of a job, `leversim merge`
//! writes the results folder of the whole job, byte-identical to the one a single machine
//! writes (but for the timings), and shards that do not make up one job are refused with a
//! message naming the shard.

use std::path::{Path, PathBuf};

use crate::util::{leversim, temp_dir};

/// Two bundles, two params, a recorded stock and a `first` outcome: 2,500 runs are three
/// chunks of 1,024 runs per bundle (the last one short), six units in all.
const SCENARIO: &str = r#"[scenario]
name = "shard"
start = "2024-01"
end = "2025-12"
runs = 2500
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

[outcomes.s]
expr = "s"

[outcomes.crossed]
expr = "s > 300"
kind = "first"

[bundles.baseline]
[bundles.pushed]
levers = { push = 1 }
"#;

fn setup(name: &str) -> (PathBuf, String) {
    let dir = temp_dir("shard", name);
    let path = dir.join("shard.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    (dir.clone(), path.display().to_string())
}

/// Runs leversim, asserting success.
fn ok(args: &[&str]) -> String {
    let out = leversim(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs leversim, asserting exit `code`; returns stderr.
fn fails(args: &[&str], code: i32) -> String {
    let out = leversim(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}:\n{stderr}");
    stderr
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A file's bytes, without the lines of the timings (`elapsed_s`, `runs_per_s`) in JSON: the
/// one thing a merge may write differently.
fn content(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        let text = String::from_utf8(bytes).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("\"elapsed_s\":") && !l.contains("\"runs_per_s\":"))
            .collect();
        return kept.join("\n").into_bytes();
    }
    bytes
}

/// Asserts that two results folders hold the same files with the same bytes (timings aside).
pub fn assert_same_folder(single: &Path, merged: &Path) {
    let names = files(single);
    assert_eq!(names, files(merged), "the folders hold different files");
    assert!(names.iter().any(|n| n.ends_with(".json")));
    for name in &names {
        assert!(
            content(&single.join(name)) == content(&merged.join(name)),
            "{name} differs between {} and {}",
            single.display(),
            merged.display()
        );
    }
}

/// Runs `command` in `count` shards (in reverse order, to show that order does not matter),
/// merges them (the folders given in reverse order too) and returns the merged folder.
fn shard_and_merge(dir: &Path, command: &[&str], count: u32, extra_merge: &[&str]) -> PathBuf {
    let job = dir.join(format!("job-{count}"));
    let job_s = job.display().to_string();
    let mut shards = Vec::new();
    for i in (1..=count).rev() {
        let shard = format!("{i}/{count}");
        let mut args = command.to_vec();
        args.extend(["--out", &job_s, "--shard", &shard]);
        let stdout = ok(&args);
        assert!(stdout.contains(&format!("shard {shard}: ")), "{stdout}");
        shards.push(format!("{job_s}.shard-{i}-of-{count}"));
    }
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(extra_merge);
    ok(&args);
    job
}

#[test]
fn merged_shards_of_a_run_equal_one_machines_results_for_any_number_of_shards() {
    let (dir, path) = setup("run");
    let single = dir.join("single");
    let base = [
        "run",
        path.as_str(),
        "--threads",
        "2",
        "--on-fault",
        "count",
    ];
    let mut args = base.to_vec();
    args.extend(["--out", single.to_str().unwrap(), "--no-charts"]);
    ok(&args);
    // 6 units: one shard; two of three units; four of 1, 2, 1 and 2 units (unequal); five;
    // nine, of which three are empty.
    for count in [1, 2, 4, 5, 9] {
        let mut command = base.to_vec();
        command.push("--no-charts");
        let merged = shard_and_merge(&dir, &command, count, &[]);
        assert_same_folder(&single, &merged);
    }
}

#[test]
fn a_merge_draws_the_same_charts() {
    let (dir, path) = setup("charts");
    let single = dir.join("single");
    ok(&[
        "compare",
        &path,
        "--runs",
        "1500",
        "--threads",
        "2",
        "--out",
        single.to_str().unwrap(),
    ]);
    let merged = shard_and_merge(
        &dir,
        &["compare", &path, "--runs", "1500", "--threads", "2"],
        3,
        &[],
    );
    assert!(files(&merged).iter().any(|f| f.starts_with("charts/")));
    assert_same_folder(&single, &merged);
}

#[test]
fn merged_shards_of_a_sweep_and_a_sensitivity_analysis_equal_one_machines() {
    let (dir, path) = setup("designs");
    let sweep = [
        "sweep",
        path.as_str(),
        "--lever",
        "push=0:1:0.5",
        "--runs",
        "1100",
        "--threads",
        "2",
        "--no-charts",
    ];
    let single = dir.join("sweep-single");
    let mut args = sweep.to_vec();
    args.extend(["--out", single.to_str().unwrap()]);
    ok(&args);
    assert_same_folder(&single, &shard_and_merge(&dir, &sweep, 4, &[]));

    let sensitivity = [
        "sensitivity",
        path.as_str(),
        "--samples",
        "64",
        "--method",
        "sobol,morris,oat",
        "--trajectories",
        "8",
        "--oat-runs",
        "16",
        "--bootstrap",
        "50",
        "--threads",
        "2",
        "--no-charts",
    ];
    let single = dir.join("sensitivity-single");
    let mut args = sensitivity.to_vec();
    args.extend(["--out", single.to_str().unwrap()]);
    ok(&args);
    // More shards than the design has units of one block: some shards take few units.
    for count in [3, 7] {
        let merged = shard_and_merge(&dir, &sensitivity, count, &[]);
        assert_same_folder(&single, &merged);
    }
}

#[test]
fn shards_that_are_not_one_job_are_refused_naming_the_shard() {
    let (dir, path) = setup("refuse");
    let job = dir.join("job").display().to_string();
    let shard = |i: u32, n: u32, extra: &[&str]| {
        let s = format!("{i}/{n}");
        let mut args = vec!["run", path.as_str(), "--runs", "1100", "--no-charts"];
        args.extend(["--out", &job, "--shard", &s]);
        args.extend(extra);
        ok(&args);
        format!("{job}.shard-{i}-of-{n}")
    };
    let s1 = shard(1, 3, &[]);
    let s2 = shard(2, 3, &[]);
    let s3 = shard(3, 3, &[]);

    let err = fails(&["merge", &s1, &s3], 1);
    assert!(err.contains("shard 2/3 of the job is missing"), "{err}");

    let copy = dir.join("copy-of-2");
    std::fs::create_dir(&copy).unwrap();
    for f in files(Path::new(&s2)) {
        let to = copy.join(&f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(&s2).join(&f), to).unwrap();
    }
    let copy = copy.display().to_string();
    let err = fails(&["merge", &s1, &s2, &copy, &s3], 1);
    assert!(
        err.contains(&format!("cannot merge '{copy}'")) && err.contains("it is shard 2/3"),
        "{err}"
    );

    // A shard of another job (another seed), in another folder.
    let other = dir.join("other").display().to_string();
    let mut args = vec!["run", path.as_str(), "--runs", "1100", "--no-charts"];
    args.extend(["--out", &other, "--shard", "2/3", "--seed", "4"]);
    ok(&args);
    let foreign = format!("{other}.shard-2-of-3");
    let err = fails(&["merge", &s1, &foreign, &s3], 1);
    assert!(
        err.contains(&format!("cannot merge '{foreign}'"))
            && err.contains("another job")
            && err.contains("--seed was 3, now 4"),
        "{err}"
    );

    let four = shard(2, 4, &[]);
    let err = fails(&["merge", &s1, &four, &s3], 1);
    assert!(
        err.contains(&format!("cannot merge '{four}'")) && err.contains("in 4 shards"),
        "{err}"
    );

    // A results folder is not a shard folder; a folder leversim did not write is refused.
    let err = fails(&["merge", &s1, &s2, &s3, &dir.display().to_string()], 1);
    assert!(err.contains("leversim did not write this folder"), "{err}");

    // The scenario changed after the shards ran: the merge would not be the shards' job.
    std::fs::write(&path, SCENARIO.replace("sd = 0.1", "sd = 0.2")).unwrap();
    let err = fails(&["merge", &s1, &s2, &s3], 1);
    assert!(
        err.contains("the job has changed since its shards ran"),
        "{err}"
    );
    std::fs::write(&path, SCENARIO).unwrap();
    ok(&["merge", &s1, &s2, &s3]);
    assert!(Path::new(&job).join("runs.csv").is_file());
}

#[test]
fn shard_flags_that_make_no_shard_are_usage_errors() {
    let (dir, path) = setup("usage");
    let out = dir.join("x").display().to_string();
    for bad in ["0/4", "5/4", "4", "a/b"] {
        let err = fails(&["run", &path, "--out", &out, "--shard", bad], 2);
        assert!(err.contains("--shard"), "{err}");
    }
    let err = fails(&["run", &path, "--run", "3", "--shard", "1/2"], 2);
    assert!(err.contains("cannot be used with"), "{err}");
    let err = fails(&["calibrate", &path, "--out", &out, "--shard", "1/2"], 2);
    assert!(
        err.contains("calibrate cannot be split into shards"),
        "{err}"
    );
    assert!(!Path::new(&out).exists());
}

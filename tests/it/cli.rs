//! The `leversim` command end to end: exit codes, messages, the results folder.

use std::path::{Path, PathBuf};

use crate::util::{close, leversim, num, read_csv, runs_column, temp_dir, type7};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn temp(name: &str) -> PathBuf {
    temp_dir("cli", name)
}

const SCENARIO: &str = r#"
[scenario]
name = "cli-test"
title = "A small test world"
start = "2024-01"
end = "2025-12"
runs = 300
seed = 9

[params]
supply = { dist = "lognormal", p05 = 80, p95 = 200, unit = "items/month" }

[levers.enforcement]
default = 0
range = [0, 1]
from = "2025-01"
cost = "enforcement"

[stocks]
delivered = { init = 0, unit = "items" }

[flows.deliveries]
to = "delivered"
rate = "supply * (1 - 0.5 * enforcement) * lognormal(1, 0.2)"

[outcomes.delivered]
label = "Items delivered"
expr = "delivered"
unit = "items"
better = "lower"

[outcomes.cost]
expr = "lever_cost / 12"
kind = "sum"
cost = true

[[observations]]
var = "delivered"
at = "2024-12"
value = 1500

[bundles.status_quo]
[bundles.enforce]
levers = { enforcement = 0.9 }
"#;

fn write_scenario(dir: &Path, text: &str) -> String {
    let path = dir.join("world.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn run_writes_a_complete_results_folder() {
    let dir = temp("run");
    let scenario = write_scenario(&dir, SCENARIO);
    let out_dir = dir.join("results");
    let out = leversim(&[
        "run",
        &scenario,
        "--out",
        out_dir.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Items delivered (items; lower is better)"),
        "{stdout}"
    );
    assert!(stdout.contains("History check (status_quo)"), "{stdout}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    let manifest = &summary["manifest"];
    for key in [
        "scenario",
        "scenario_sha256",
        "version",
        "seed",
        "runs",
        "threads",
        "bundles",
        "elapsed_s",
        "runs_per_s",
    ] {
        assert!(!manifest[key].is_null(), "manifest lacks {key}");
    }
    assert_eq!(manifest["runs"], 300);
    assert_eq!(manifest["seed"], 9);
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["threads"], 2);
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        manifest["bundles"],
        serde_json::json!(["status_quo", "enforce"])
    );
    // Speed is what was measured: 600 runs (2 bundles x 300) over the elapsed seconds.
    let elapsed = num(&manifest["elapsed_s"], "elapsed_s");
    let speed = num(&manifest["runs_per_s"], "runs_per_s");
    assert!(elapsed > 0.0 && elapsed < 600.0, "elapsed_s {elapsed}");
    assert!(
        (speed * elapsed / 600.0 - 1.0).abs() < 0.01,
        "runs_per_s {speed} with elapsed_s {elapsed}"
    );
    let records = summary["outcomes"].as_array().unwrap();
    assert_eq!(records.len(), 4, "2 bundles x 2 outcomes");
    // Every number of every record is what the per-run values in runs.csv give.
    let runs_csv = out_dir.join("runs.csv");
    for record in records {
        let (bundle, outcome) = (
            record["bundle"].as_str().unwrap(),
            record["outcome"].as_str().unwrap(),
        );
        let mut v = runs_column(&runs_csv, bundle, outcome);
        assert_eq!(v.len(), 300);
        assert_eq!(record["n"], 300);
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let want = [
            ("mean", mean),
            ("sd", sd),
            ("se", sd / n.sqrt()),
            ("min", v[0]),
            ("p05", type7(&v, 0.05)),
            ("p25", type7(&v, 0.25)),
            ("p50", type7(&v, 0.5)),
            ("p75", type7(&v, 0.75)),
            ("p95", type7(&v, 0.95)),
            ("max", v[299]),
        ];
        // To 12 digits of the data's scale (a constant outcome's sd is 0 here and 3e-15 by
        // the naive sum).
        let scale = v[0].abs().max(v[299].abs());
        for (key, w) in want {
            let got = num(&record[key], key);
            assert!(
                (got - w).abs() <= 1e-12 * scale,
                "{bundle} {outcome} {key}: {got}, runs.csv gives {w}"
            );
        }
    }
    let units: Vec<&str> = records
        .iter()
        .map(|r| r["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["items", "", "items", ""]);
    // The history check: the band and median of `delivered` in 2024-12, as in series.csv.
    let (_, series_rows) = read_csv(&out_dir.join("series.csv"));
    let observations = summary["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 2, "one observation, two bundles");
    for obs in observations {
        let bundle = obs["bundle"].as_str().unwrap();
        assert_eq!(
            (obs["variable"].as_str(), obs["month"].as_str()),
            (Some("delivered"), Some("2024-12"))
        );
        let row = series_rows
            .iter()
            .find(|r| r[0] == bundle && r[1] == "delivered" && r[2] == "2024-12")
            .unwrap();
        let cell = |i: usize| row[i].parse::<f64>().unwrap();
        let (p05, p50, p95) = (cell(4), cell(6), cell(8));
        assert_eq!(num(&obs["observed"], "observed"), 1500.0);
        assert_eq!(num(&obs["p05"], "p05"), p05);
        assert_eq!(num(&obs["p50"], "p50"), p50);
        assert_eq!(num(&obs["p95"], "p95"), p95);
        let inside = p05 <= 1500.0 && 1500.0 <= p95;
        assert_eq!(obs["inside"].as_bool(), Some(inside));
        let error = (p50 - 1500.0).abs() / 1500.0;
        assert!(close(
            num(&obs["median_rel_error"], "median_rel_error"),
            error
        ));
        assert_eq!(num(&obs["tolerance"], "tolerance"), 0.25);
        assert_eq!(obs["pass"].as_bool(), Some(inside && error <= 0.25));
    }

    let runs = std::fs::read_to_string(out_dir.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    assert_eq!(
        lines.next(),
        Some("bundle,run,delivered,cost,param.supply,lever.enforcement")
    );
    assert_eq!(lines.count(), 600);
    // Each run's inputs beside its outcomes: the lever as its mean over the 24 months (0 to
    // 2024-12, then 0.9), the param drawn once per run and the same in both bundles' run k.
    assert!(
        runs_column(&runs_csv, "enforce", "lever.enforcement")
            .iter()
            .all(|&v| (v - 0.45).abs() < 1e-12)
    );
    assert!(
        runs_column(&runs_csv, "status_quo", "lever.enforcement")
            .iter()
            .all(|&v| v == 0.0)
    );
    let supply = runs_column(&runs_csv, "status_quo", "param.supply");
    assert_eq!(supply, runs_column(&runs_csv, "enforce", "param.supply"));
    let distinct = supply.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(distinct > 290 && supply.iter().all(|&v| v > 0.0));
    let inputs = &summary["inputs"];
    assert_eq!(inputs[0]["column"], "param.supply");
    assert_eq!(inputs[0]["kind"], "param");
    assert_eq!(inputs[1]["column"], "lever.enforcement");
    assert_eq!(inputs[1]["stated_as"], "mean over the horizon");
    let series = std::fs::read_to_string(out_dir.join("series.csv")).unwrap();
    assert!(series.starts_with("bundle,variable,month,mean,p05,p25,p50,p75,p95\n"));
    assert!(series.contains("\nenforce,delivered,2025-12,"));
    // No temporary folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn same_numbers_for_any_thread_count() {
    let dir = temp("threads");
    let scenario = write_scenario(&dir, SCENARIO);
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out_dir = dir.join(format!("t{threads}"));
        let out = leversim(&[
            "run",
            &scenario,
            "--runs",
            "2500",
            "--threads",
            threads,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        files.push((
            std::fs::read(out_dir.join("runs.csv")).unwrap(),
            std::fs::read(out_dir.join("series.csv")).unwrap(),
        ));
    }
    assert!(
        files[0].0 == files[1].0,
        "runs.csv differs between 1 and 2 threads"
    );
    assert!(
        files[0].1 == files[1].1,
        "series.csv differs between 1 and 2 threads"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn set_overrides_and_single_bundle() {
    let dir = temp("set");
    let scenario = write_scenario(&dir, SCENARIO);
    let out_dir = dir.join("r");
    let out = leversim(&[
        "run",
        &scenario,
        "--bundle",
        "enforce",
        "--set",
        "supply=100",
        "--set",
        "enforcement=0.5",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["manifest"]["bundles"],
        serde_json::json!(["enforce"])
    );
    assert_eq!(summary["manifest"]["overrides"][0]["name"], "supply");
    // supply fixed at 100, enforcement 0.5 from 2025-01: the cost is 0.5 a year for 12 months.
    let cost = summary["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "cost")
        .unwrap();
    assert!((cost["mean"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn validate_prints_an_overview_or_diagnostics() {
    let dir = temp("validate");
    let scenario = write_scenario(&dir, SCENARIO);
    let out = leversim(&["validate", &scenario]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for part in [
        "valid",
        "2024-01 to 2025-12 (24 months)",
        "supply",
        "enforcement",
        "order of evaluation",
    ] {
        assert!(stdout.contains(part), "missing {part} in\n{stdout}");
    }
    let bad = write_scenario(&dir, &SCENARIO.replace("supply * (1", "suply * (1"));
    let out = leversim(&["validate", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("world.toml:24:9") && stderr.contains("did you mean `supply`?"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_2() {
    let dir = temp("usage");
    let scenario = write_scenario(&dir, SCENARIO);
    for args in [
        vec!["run", &scenario, "--runs", "0"],
        vec!["run", &scenario, "--bundle", "enforc"],
        vec!["run", &scenario, "--set", "suply=3"],
        vec!["run", &scenario, "--set", "supply"],
        vec!["run", &scenario, "--threads", "0"],
        vec![
            "sweep",
            &scenario,
            "--lever",
            "enforcement=0:1:0.5",
            "--format",
            "parquet",
        ],
        vec!["frobnicate"],
        vec!["run"],
    ] {
        let out = leversim(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = leversim(&["run", &scenario, "--bundle", "enforc"]);
    assert!(text(&out.stderr).contains("did you mean `enforce`?"));
    // A flag that does nothing for a command is refused, not ignored.
    let out = leversim(&[
        "sweep",
        &scenario,
        "--lever",
        "enforcement=0:1:0.5",
        "--format",
        "parquet",
    ]);
    assert!(
        text(&out.stderr).contains("a sweep writes only sweep.csv and sweep.json"),
        "{}",
        text(&out.stderr)
    );
    let out = leversim(&["run", "/no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no such file"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn numeric_fault_names_the_run_and_how_to_reproduce_it() {
    let dir = temp("fault");
    let text_in = SCENARIO.replace(
        "[outcomes.delivered]",
        "[aux]\nratio = \"100 / (supply - 150)\"\n\n[outcomes.delivered]",
    );
    // Runs whose supply is drawn near 150 are fine; the division only faults at exactly 150,
    // so force it with a constant.
    let scenario = write_scenario(&dir, &text_in);
    let out_dir = dir.join("r");
    let out = leversim(&[
        "run",
        &scenario,
        "--set",
        "supply=150",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`ratio` became inf in 2024-01"), "{stderr}");
    assert!(stderr.contains("bundle `status_quo`, run 0"), "{stderr}");
    assert!(
        stderr.contains("--seed 9 --bundle status_quo --run 0 --set supply=150"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "no results folder after a fault");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compare_and_sweep_write_their_files() {
    let dir = temp("compare");
    let scenario = write_scenario(&dir, SCENARIO);
    let out_dir = dir.join("cmp");
    let out = leversim(&[
        "compare",
        &scenario,
        "--reference",
        "status_quo",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("difference against status_quo") && stdout.contains("Pareto front"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("comparison.json")).unwrap())
            .unwrap();
    let record = &json["records"][0];
    assert_eq!(record["bundle"], "enforce");
    assert_eq!(record["reference"], "status_quo");
    assert_eq!(record["outcome"], "delivered");
    // The numbers are those of the run-by-run pairs that `leversim run` writes to runs.csv
    // (same scenario, seed and runs, so the same draws).
    let run_dir = dir.join("pairs");
    let out = leversim(&[
        "run",
        &scenario,
        "--no-charts",
        "--out",
        run_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let x = runs_column(&run_dir.join("runs.csv"), "enforce", "delivered");
    let y = runs_column(&run_dir.join("runs.csv"), "status_quo", "delivered");
    let n = x.len() as f64;
    let mut d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)
    };
    let mean_diff = mean(&d);
    let se = (var(&d) / n).sqrt();
    // Student's t, 0.975 point, n − 1 = 299 degrees of freedom.
    let t = {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        StudentsT::new(0.0, 1.0, n - 1.0)
            .unwrap()
            .inverse_cdf(0.975)
    };
    assert!((t - 1.96793).abs() < 1e-5, "{t}");
    d.sort_by(f64::total_cmp);
    let better = x.iter().zip(&y).filter(|(a, b)| a < b).count() as f64;
    let ties = x.iter().zip(&y).filter(|(a, b)| a == b).count() as f64;
    let want = [
        ("mean_diff", mean_diff),
        ("se_paired", se),
        ("se_independent", ((var(&x) + var(&y)) / n).sqrt()),
        ("ci95_low", mean_diff - t * se),
        ("ci95_high", mean_diff + t * se),
        ("median_diff", type7(&d, 0.5)),
        ("p_better", better / n),
        ("p_tie", ties / n),
        ("rel_change", mean_diff / mean(&y).abs()),
        // Lower is better: the improvement is minus the difference.
        ("improvement", -mean_diff),
    ];
    assert_eq!(record["n"], 300);
    for (key, w) in want {
        let got = num(&record[key], key);
        assert!(close(got, w), "comparison {key}: {got}, runs.csv gives {w}");
    }
    assert!(
        mean_diff < 0.0 && better > 250.0,
        "enforcement halves deliveries from 2025"
    );
    let csv = std::fs::read_to_string(out_dir.join("comparison.csv")).unwrap();
    assert!(
        csv.starts_with(
            "bundle,reference,outcome,unit,better,n,mean_diff,se_paired,se_independent,"
        )
    );
    let out = leversim(&["compare", &scenario, "--reference", "nope"]);
    assert_eq!(out.status.code(), Some(2));

    let sweep_dir = dir.join("sweep");
    let out = leversim(&[
        "sweep",
        &scenario,
        "--lever",
        "enforcement=0:1:0.5",
        "--out",
        sweep_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(sweep_dir.join("sweep.csv")).unwrap();
    assert!(
        csv.starts_with("enforcement,outcome,n,mean,se,p05,p50,p95\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 3 * 2, "3 points x 2 outcomes");
    let out = leversim(&["sweep", &scenario, "--lever", "enforcement=0:2:0.5"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn faults_can_be_counted_instead_of_stopping() {
    let dir = temp("count");
    // About 10% of runs take the log of a negative number.
    let text_in = SCENARIO.replace(
        "[outcomes.delivered]",
        "[params.u]\ndist = \"uniform\"\nmin = 0\nmax = 1\n\n[aux]\nrisky = \"if(u < 0.1, ln(-1), 1)\"\n\n[outcomes.delivered]",
    );
    let scenario = write_scenario(&dir, &text_in);
    let out_dir = dir.join("r");
    let out = leversim(&[
        "run",
        &scenario,
        "--runs",
        "1000",
        "--bundle",
        "status_quo",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stop is the default");
    let out = leversim(&[
        "run",
        &scenario,
        "--runs",
        "1000",
        "--bundle",
        "status_quo",
        "--on-fault",
        "count",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Faults counted"),
        "{}",
        text(&out.stdout)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    let fault = &summary["faults"][0];
    assert_eq!(fault["variable"], "risky");
    assert_eq!(fault["kind"], "non-finite");
    let count = fault["count"].as_u64().unwrap();
    // Binomial(1000, 0.1): 100 ± 9.5; 5 SE.
    assert!((count as f64 - 100.0).abs() < 48.0, "{count}");
    let delivered = summary["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "delivered")
        .unwrap();
    assert_eq!(
        delivered["n"].as_u64().unwrap(),
        1000 - count,
        "retired runs are left out"
    );
    let runs = std::fs::read_to_string(out_dir.join("runs.csv")).unwrap();
    assert!(runs.lines().next().unwrap().ends_with(",fault"));
    assert_eq!(
        runs.lines()
            .filter(|l| l.ends_with(",non-finite risky"))
            .count() as u64,
        count
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Bounds and ranges reported for a recorded variable reach `summary.json` (for the fan
/// charts' ≥ / ≤ markers), once each; points stay in the history check, not among the bounds.
#[test]
fn reported_bounds_are_kept_for_the_charts() {
    let dir = temp("bounds");
    let world = SCENARIO.replace(
        "[bundles.status_quo]",
        r#"[[observations]]
id = "B1"
source = "a report"
var = "delivered"
at = "2025-06"
min = 1000

[[observations]]
id = "B2"
source = "another report"
var = "delivered"
at = "2025-12"
range = [1500, 4000]

[bundles.status_quo]"#,
    );
    let scenario = write_scenario(&dir, &world);
    let out_dir = dir.join("out");
    let out = leversim(&["run", &scenario, "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: leversim::output::schema::Summary =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    let bounds: Vec<_> = summary
        .bounds
        .iter()
        .map(|b| {
            (
                b.id.as_str(),
                b.variable.as_str(),
                b.month.as_str(),
                b.low,
                b.high,
            )
        })
        .collect();
    assert_eq!(
        bounds,
        [
            ("B1", "delivered", "2025-06", Some(1000.0), None),
            ("B2", "delivered", "2025-12", Some(1500.0), Some(4000.0)),
        ]
    );
    // The point stays in the history check, once per bundle.
    assert_eq!(summary.observations.len(), 2);
    assert!(out_dir.join("charts/fan-delivered.png").exists());
    std::fs::remove_dir_all(&dir).ok();
}

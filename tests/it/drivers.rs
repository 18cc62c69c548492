//! `leversim drivers` (feature scores) and `leversim robustness` (regret, satisficing) on
//! results folders of scenarios whose answers are known; their messages for bad input.

use crate::util::{leversim, num, read_csv, runs_column, temp_dir};
use std::path::Path;

/// Inputs uniform on [0, 1]: the outcomes depend on x1 and x2 only (and on six noise params
/// not at all), but for `noise_sum`, which depends on the noise params only.
const SYNTHETIC: &str = r#"
[scenario]
name = "synthetic"
start = "2024-01"
end = "2024-12"
runs = 3000
seed = 13

[params]
x1 = { dist = "uniform", min = 0, max = 1 }
x2 = { dist = "uniform", min = 0, max = 1 }
n1 = { dist = "uniform", min = 0, max = 1 }
n2 = { dist = "uniform", min = 0, max = 1 }
n3 = { dist = "uniform", min = 0, max = 1 }
n4 = { dist = "uniform", min = 0, max = 1 }
n5 = { dist = "uniform", min = 0, max = 1 }
n6 = { dist = "uniform", min = 0, max = 1 }

[outcomes.y]
expr = "x1 + 2 * x2 + normal(0, 0.1)"

[outcomes.hit]
expr = "x1 > 0.7 and x2 < 0.3"
kind = "probability"

[outcomes.crossing]
label = "Month the clock passes 24 x1"
expr = "t >= 24 * x1"
kind = "first"

[outcomes.noise_sum]
expr = "n1 + n2 + n3 + n4 + n5 + n6"
"#;

fn run_scenario(dir: &Path, text: &str) -> String {
    let scenario = dir.join("world.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("results");
    let result = leversim(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out.display().to_string()
}

/// The two inputs that matter rank first for y and for the 0/1 outcome; x1 alone drives the
/// first-crossing month, which never comes for half the runs (x1 > 0.5); the noise params
/// drive `noise_sum`. Scores sum to 1. The same bytes on one and two threads; charts drawn.
#[test]
fn drivers_rank_the_inputs_that_matter_first() {
    let dir = temp_dir("drivers", "synthetic");
    let results = run_scenario(&dir, SYNTHETIC);
    let run = |threads: &str, out: &Path| {
        let o = leversim(&[
            "drivers",
            &results,
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let one = dir.join("one");
    let stdout = run("1", &one);
    assert!(stdout.contains("baseline — y (3000 runs)"), "{stdout}");
    assert!(
        stdout.contains("note: never reached in "),
        "the crossing that never comes is said: {stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("drivers.json")).unwrap()).unwrap();
    let records = json["records"].as_array().unwrap();
    assert_eq!(records.len(), 4 * 8);
    let ranked = |outcome: &str| -> Vec<String> {
        let mut rows: Vec<&serde_json::Value> =
            records.iter().filter(|r| r["outcome"] == outcome).collect();
        let total: f64 = rows.iter().map(|r| num(&r["score"], "score")).sum();
        assert!(
            (total - 1.0).abs() < 1e-9,
            "{outcome}: scores sum to {total}"
        );
        rows.sort_by_key(|r| r["rank"].as_u64().unwrap());
        rows.iter()
            .map(|r| r["input"].as_str().unwrap().to_string())
            .collect()
    };
    for outcome in ["y", "hit"] {
        let order = ranked(outcome);
        let mut top = order[..2].to_vec();
        top.sort();
        assert_eq!(top, ["x1", "x2"], "{outcome}: {order:?}");
    }
    assert_eq!(ranked("crossing")[0], "x1");
    let noise = ranked("noise_sum");
    assert!(
        !noise[..6].contains(&"x1".to_string()) && !noise[..6].contains(&"x2".to_string()),
        "{noise:?}"
    );
    let crossing = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "crossing")
        .unwrap();
    // Never within the horizon when 24 x1 > 11 (the last month's t): x1 > 11/24, as many runs
    // as runs.csv leaves empty.
    let never = runs_column(
        Path::new(&results).join("runs.csv").as_path(),
        "baseline",
        "param.x1",
    )
    .iter()
    .filter(|&&x| 24.0 * x > 11.0)
    .count();
    assert_eq!(crossing["never"].as_u64().unwrap() as usize, never);
    assert!(never > 1200 && never < 2000, "{never}");

    let two = dir.join("two");
    run("2", &two);
    assert_eq!(
        std::fs::read(one.join("drivers.csv")).unwrap(),
        std::fs::read(two.join("drivers.csv")).unwrap()
    );
    let (header, rows) = read_csv(&one.join("drivers.csv"));
    assert_eq!(
        header,
        ["bundle", "outcome", "input", "input_kind", "score", "rank"]
    );
    assert_eq!(rows.len(), 32);
    for ext in ["png", "svg"] {
        assert!(one.join(format!("charts/drivers-baseline.{ext}")).is_file());
    }
    let svg = std::fs::read_to_string(one.join("charts/drivers-baseline.svg")).unwrap();
    for words in [
        "What drives each outcome",
        "all 8 inputs",
        "Source:",
        "seed 13",
    ] {
        assert!(svg.contains(words), "{words}");
    }
    // `leversim plot` redraws the same chart from drivers.json.
    let o = leversim(&["plot", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(one.join("charts/drivers-baseline.svg")).unwrap(),
        svg
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Three bundles set a lever a = 0, 1, 2; u ~ uniform(0, 1).
/// - `loss` = (a − u)², lower is better. By hand: bundle zero's regret is 0 for u < 1/2, else
///   u² − (1 − u)² = 2u − 1: mean ∫_{1/2}^1 (2u − 1) du = 1/4, P(regret ≤ r) = 1/2 + r/2, so
///   p90 = 0.8; bundle one's is 1 − 2u for u < 1/2: the same mean and p90; bundle two's is
///   4 − 4u for u < 1/2 and 3 − 2u above: mean 1.5 + 0.75 = 2.25, and never 0.
/// - `gain` = a, higher is better: regrets exactly 2, 1 and 0 in every run.
/// - `hit` = u > 0.9, the same in every bundle: regret 0 for all, all minimax.
///
/// Thresholds: `hit < 0.5` is met when u ≤ 0.9 (90% of runs, every bundle); `loss <= 0.25`
/// when u ≤ 1/2 (zero), u ≥ 1/2 (one), never (two); both: 50%, 40%, 0%.
const ROBUST: &str = r#"
[scenario]
name = "robust"
start = "2025-01"
end = "2025-01"
runs = 40000
seed = 5

[params]
u = { dist = "uniform", min = 0, max = 1 }

[levers.a]
default = 0
range = [0, 2]

[outcomes.loss]
expr = "(a - u) * (a - u)"
better = "lower"

[outcomes.gain]
expr = "a"
better = "higher"

[outcomes.hit]
expr = "u > 0.9"
kind = "probability"
better = "lower"

[bundles.zero]
[bundles.one]
levers = { a = 1 }
[bundles.two]
levers = { a = 2 }
"#;

/// Regret and satisficing shares against the values worked out by hand above. Sampling
/// tolerances are 5 standard errors at 40,000 runs: a mean regret of 1/4 has sd 0.32
/// (E r² = 1/6), SE 0.0016, so a 5% error (0.0125) lies 7.8 SE away; the p90 has SE
/// √(0.09/n)/f = 0.003 (density 1/2); a share p has SE √(p(1 − p)/n) ≤ 0.0025.
#[test]
fn robustness_matches_regrets_worked_out_by_hand() {
    let dir = temp_dir("robustness", "hand");
    let results = run_scenario(&dir, ROBUST);
    let out = dir.join("robust");
    let o = leversim(&[
        "robustness",
        &results,
        "--satisfice",
        "hit < 0.5",
        "--satisfice",
        "loss<=0.25",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("← minimax regret"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("robustness.json")).unwrap())
            .unwrap();
    assert_eq!(json["manifest"]["runs_compared"], 40000);
    let rec = |outcome: &str, bundle: &str| -> serde_json::Value {
        json["regret"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["outcome"] == outcome && r["bundle"] == bundle)
            .unwrap_or_else(|| panic!("{outcome}/{bundle}"))
            .clone()
    };
    let within = |v: &serde_json::Value, truth: f64, tol: f64, what: &str| {
        let x = num(v, what);
        assert!(
            (x - truth).abs() <= tol,
            "{what}: {x}, by hand {truth} ± {tol}"
        );
    };
    for (b, mean) in [("zero", 0.25), ("one", 0.25), ("two", 2.25)] {
        let r = rec("loss", b);
        within(
            &r["mean_regret"],
            mean,
            5.0 * 0.0016 * if b == "two" { 2.0 } else { 1.0 },
            b,
        );
        assert_eq!(r["better"], "lower");
    }
    within(&rec("loss", "zero")["p90_regret"], 0.8, 0.015, "p90 zero");
    within(&rec("loss", "one")["p90_regret"], 0.8, 0.015, "p90 one");
    within(&rec("loss", "zero")["best_share"], 0.5, 0.0125, "zero best");
    assert_eq!(num(&rec("loss", "two")["best_share"], "two best"), 0.0);
    assert_eq!(rec("loss", "two")["minimax"], false);
    assert!(num(&rec("loss", "two")["max_regret"], "max") <= 4.0);
    assert!(num(&rec("loss", "two")["max_regret"], "max") > 3.99);
    // Exact: the deterministic outcome and the outcome every bundle shares.
    for (b, regret, best) in [("zero", 2.0, 0.0), ("one", 1.0, 0.0), ("two", 0.0, 1.0)] {
        let r = rec("gain", b);
        for key in ["mean_regret", "p90_regret", "max_regret"] {
            assert_eq!(num(&r[key], key), regret, "gain {b} {key}");
        }
        assert_eq!(num(&r["best_share"], "best"), best);
        assert_eq!(r["minimax"], b == "two");
        let h = rec("hit", b);
        assert_eq!(num(&h["max_regret"], "hit"), 0.0);
        assert_eq!(h["minimax"], true);
    }
    // Satisficing shares: against the analytic values, and exactly against runs.csv.
    let u = runs_column(
        Path::new(&results).join("runs.csv").as_path(),
        "zero",
        "param.u",
    );
    let share =
        |f: &dyn Fn(f64) -> bool| u.iter().filter(|&&x| f(x)).count() as f64 / u.len() as f64;
    let sat = |bundle: &str, condition: &str| -> f64 {
        num(
            &json["satisfice"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["bundle"] == bundle && s["condition"] == condition)
                .unwrap_or_else(|| panic!("{bundle}/{condition}"))["share"],
            condition,
        )
    };
    for b in ["zero", "one", "two"] {
        assert_eq!(sat(b, "hit < 0.5"), share(&|x| x <= 0.9), "{b}");
        assert!((sat(b, "hit < 0.5") - 0.9).abs() < 5.0 * 0.0015);
    }
    assert_eq!(sat("zero", "loss <= 0.25"), share(&|x| x * x <= 0.25));
    assert_eq!(
        sat("one", "loss <= 0.25"),
        share(&|x| (1.0 - x) * (1.0 - x) <= 0.25)
    );
    assert_eq!(sat("two", "loss <= 0.25"), 0.0);
    assert!((sat("zero", "all") - 0.5).abs() < 5.0 * 0.0025);
    assert!((sat("one", "all") - 0.4).abs() < 5.0 * 0.0025);
    assert_eq!(sat("two", "all"), 0.0);
    // The regret in each run: one row per (bundle, run), gain's regret exactly 2 for zero.
    let (header, rows) = read_csv(&out.join("regret_runs.csv"));
    assert_eq!(header, ["bundle", "run", "loss", "gain", "hit"]);
    assert_eq!(rows.len(), 3 * 40000);
    assert!(rows.iter().filter(|r| r[0] == "zero").all(|r| r[3] == "2"));
    for chart in ["regret-loss", "regret-gain", "regret-hit", "satisfice"] {
        assert!(out.join(format!("charts/{chart}.png")).is_file(), "{chart}");
    }
    let svg = std::fs::read_to_string(out.join("charts/regret-loss.svg")).unwrap();
    assert!(svg.contains("minimax regret") && svg.contains("Source:"));
    // Every bundle ties on the shared 0/1 outcome: no bundle is named the minimax choice.
    let hit = std::fs::read_to_string(out.join("charts/regret-hit.svg")).unwrap();
    assert!(hit.contains("no minimax choice") && !hit.contains("(minimax regret)"));
    let o = leversim(&["plot", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("charts/regret-loss.svg")).unwrap(),
        svg
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Bad input: each gets one clear line and exit 1.
#[test]
fn bad_input_gets_a_clear_message() {
    let dir = temp_dir("robustness", "bad");
    let results = run_scenario(&dir, ROBUST);
    let err = |args: &[&str]| {
        let o = leversim(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&o.stderr).trim_end().to_string()
    };
    assert_eq!(
        err(&["robustness", &results, "--satisfice", "loss 0.1"]),
        "error: --satisfice 'loss 0.1': no comparison; write it as OUTCOME OP VALUE, e.g. --satisfice \"p_ssn < 0.1\", with OP one of <, <=, >, >=, ==, !="
    );
    assert_eq!(
        err(&["robustness", &results, "--satisfice", "loss < low"]),
        "error: --satisfice 'loss < low': `low` is not a number; write it as OUTCOME OP VALUE, e.g. --satisfice \"p_ssn < 0.1\", with OP one of <, <=, >, >=, ==, !="
    );
    assert_eq!(
        err(&["robustness", &results, "--satisfice", "los < 0.1"]),
        format!(
            "error: no outcome `los` in '{results}' (did you mean `loss`?); its outcomes are: loss, gain, hit"
        )
    );
    assert_eq!(
        err(&["drivers", &results, "--bundle", "zeroo"]),
        format!(
            "error: no bundle `zeroo` in '{results}' (did you mean `zero`?); its bundles are: zero, one, two"
        )
    );
    assert_eq!(
        err(&["drivers", &results, "--outcome", "gian"]),
        format!(
            "error: no outcome `gian` in '{results}' (did you mean `gain`?); its outcomes are: loss, gain, hit"
        )
    );
    // A folder written before runs.csv held each run's inputs.
    let old = dir.join("old");
    std::fs::create_dir_all(&old).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(&results).join("summary.json")).unwrap(),
    )
    .unwrap();
    summary["inputs"] = serde_json::json!([]);
    std::fs::write(old.join("summary.json"), summary.to_string()).unwrap();
    std::fs::write(
        old.join("runs.csv"),
        "bundle,run,loss,gain,hit\nzero,0,1,0,0\n",
    )
    .unwrap();
    let old_s = old.display().to_string();
    let expected = format!(
        "error: '{old_s}' has no per-run inputs: its runs.csv holds outcomes but no param.* or lever.* columns (it was written by an older leversim); run the scenario again with `leversim run` to record them"
    );
    assert_eq!(err(&["drivers", &old_s]), expected);
    assert_eq!(err(&["robustness", &old_s]), expected);
    let none = dir.join("none").display().to_string();
    assert_eq!(
        err(&["drivers", &none]),
        format!(
            "error: '{none}' is not a results folder of `leversim run`: it has no summary.json (make one with `leversim run SCENARIO --out {none}`)"
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}

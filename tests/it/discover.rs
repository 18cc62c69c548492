//! Scenario discovery (issue 13): each run's inputs beside its outcomes in `runs.csv`, and
//! `leversim discover` on them.

use crate::util::{leversim, runs_column, temp_dir};

/// Two params and a lever; outcomes that are the params themselves, so that `runs.csv`'s input
/// columns can be checked against what the engine drew.
const ECHO: &str = r#"
[scenario]
name = "echo"
start = "2024-01"
end = "2024-12"
runs = 200
seed = 3

[params]
x = { dist = "uniform", min = 0, max = 1 }
y = { dist = "normal", mean = 5, sd = 2, unit = "things" }

[levers.push]
default = 0
range = [0, 2]
from = "2024-07"

[stocks]
s = { init = 0 }

[flows.f]
to = "s"
rate = "x + push * normal(0, 1)"

[outcomes.x_seen]
expr = "x"
[outcomes.y_seen]
expr = "y"
[outcomes.s]
expr = "s"

[bundles.none]
[bundles.pushed]
levers = { push = 2 }
"#;

fn write(dir: &std::path::Path, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("world.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn runs_csv_holds_the_params_each_run_drew_and_the_levers() {
    let dir = temp_dir("discover", "inputs");
    let scenario = write(&dir, ECHO);
    let out = dir.join("out").display().to_string();
    let result = leversim(&["run", &scenario, "--out", &out, "--no-charts"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let runs = dir.join("out/runs.csv");
    let header = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(
        header.lines().next(),
        Some("bundle,run,x_seen,y_seen,s,param.x,param.y,lever.push")
    );
    for bundle in ["none", "pushed"] {
        // The params the engine drew (an outcome reads them back) are the values written.
        assert_eq!(
            runs_column(&runs, bundle, "x_seen"),
            runs_column(&runs, bundle, "param.x")
        );
        assert_eq!(
            runs_column(&runs, bundle, "y_seen"),
            runs_column(&runs, bundle, "param.y")
        );
    }
    // The lever: 0 for six months, then 2, stated as its mean over the twelve.
    assert!(
        runs_column(&runs, "pushed", "lever.push")
            .iter()
            .all(|&v| v == 1.0)
    );
    assert!(
        runs_column(&runs, "none", "lever.push")
            .iter()
            .all(|&v| v == 0.0)
    );

    // `--run K` shows run K's params: the same values as row K.
    let k = 17;
    let shown = leversim(&["run", &scenario, "--run", "17"]);
    assert!(shown.status.success());
    let text = String::from_utf8_lossy(&shown.stdout);
    let value_of = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in\n{text}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    for name in ["x", "y"] {
        let row = runs_column(&runs, "none", &format!("param.{name}"))[k];
        // `--run` prints six significant digits.
        assert!(
            (value_of(name) - row).abs() <= 1e-5 * row.abs(),
            "{name}: {} vs {row}",
            value_of(name)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs `leversim discover` and returns its `discovery.json`, failing with its stderr.
fn discover(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["discover"];
    all.extend_from_slice(args);
    let result = leversim(&all);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let out = args
        .windows(2)
        .find(|w| w[0] == "--out")
        .map(|w| w[1])
        .expect("tests give --out");
    let text = std::fs::read_to_string(std::path::Path::new(out).join("discovery.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The limits of box `b` as (input, low, high), in the file's order.
fn limits(file: &serde_json::Value, b: usize) -> Vec<(String, Option<f64>, Option<f64>)> {
    file["boxes"][b]["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["input"].as_str().unwrap().to_string(),
                l["low"].as_f64(),
                l["high"].as_f64(),
            )
        })
        .collect()
}

/// The synthetic world: x1, x2 and three noise inputs uniform on [0, 1]; the condition holds
/// exactly when x1 > 0.7 and x2 < 0.3.
#[test]
fn prim_and_cart_recover_the_known_box_and_leave_noise_alone() {
    let dir = temp_dir("discover", "synthetic");
    let runs_dir = dir.join("runs").display().to_string();
    let ran = leversim(&[
        "run",
        "scenarios/tests/discover.toml",
        "--out",
        &runs_dir,
        "--no-charts",
    ]);
    assert!(ran.status.success());
    let n = 4000.0;
    // How far a recovered limit may sit from the true one: the last peel on a side moves it
    // by at most alpha of the box's extent on that input (0.05 × 0.3), and the box's runs
    // are spread 0.3 / (0.09 n) apart on it, of which we allow five gaps for the order
    // statistics the quantiles fall between.
    let tol = 0.05 * 0.3 + 5.0 * 0.3 / (0.09 * n);
    for method in ["prim", "cart"] {
        let out = dir.join(method).display().to_string();
        let file = discover(&[
            &runs_dir,
            "--outcome",
            "hit",
            "--when",
            "== 1",
            "--method",
            method,
            "--threshold",
            "0.95",
            "--out",
            &out,
        ]);
        let mut got = limits(&file, 0);
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
            ["x1", "x2"],
            "{method} restricts exactly x1 and x2: {got:?}"
        );
        let (x1, x2) = (&got[0], &got[1]);
        assert!(x1.2.is_none() && x2.1.is_none(), "{method}: {got:?}");
        let (lo1, hi2) = (x1.1.unwrap(), x2.2.unwrap());
        assert!(
            (lo1 - 0.7).abs() < tol,
            "{method}: x1 > {lo1}, tolerance {tol}"
        );
        assert!(
            (hi2 - 0.3).abs() < tol,
            "{method}: x2 < {hi2}, tolerance {tol}"
        );
        let b = &file["boxes"][0];
        assert!(b["coverage"].as_f64().unwrap() >= 0.95, "{method}: {b}");
        assert!(b["density"].as_f64().unwrap() >= 0.95, "{method}: {b}");
        // The base rate is the share of runs in the box: 0.09 within three standard errors.
        let base = file["base_rate"].as_f64().unwrap();
        assert!(
            (base - 0.09).abs() < 3.0 * (0.09f64 * 0.91 / n).sqrt(),
            "{base}"
        );
        assert_eq!(file["target"]["runs"], 4000);
        let charts = std::fs::read_dir(dir.join(method).join("charts"))
            .unwrap()
            .count();
        // PRIM draws the trade-off, limits and scatter; CART has no trajectory.
        assert_eq!(charts, if method == "prim" { 6 } else { 4 }, "{method}");
    }
    // PRIM's trajectory starts from every run and ends at the chosen box or after it.
    let prim = dir.join("prim").display().to_string();
    let text = std::fs::read_to_string(dir.join("prim/discovery.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let t = file["trajectory"].as_array().unwrap();
    assert_eq!(t[0]["mass"], 1.0);
    assert_eq!(t[0]["n_restricted"], 0);
    assert!(t.len() > 20);
    // `leversim plot` redraws the charts from the folder's files.
    let redrawn = leversim(&["plot", &prim]);
    assert!(
        redrawn.status.success(),
        "{}",
        String::from_utf8_lossy(&redrawn.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A lever that cuts a loss only in worlds where a param is high: discovery on the paired
/// difference finds where the policy fails to help, by the same draws in both bundles.
const PAIRED: &str = r#"
[scenario]
name = "paired"
start = "2025-01"
end = "2025-01"
runs = 2000
seed = 5

[params]
a = { dist = "uniform", min = 0, max = 1 }
noise = { dist = "uniform", min = 0, max = 1 }

[levers.cut]
default = 0
range = [0, 1]

[outcomes.loss]
expr = "a + noise - cut * a * (a > 0.4)"

[bundles.none]
[bundles.policy]
levers = { cut = 1 }
"#;

#[test]
fn paired_differences_find_where_a_policy_fails_to_help() {
    let dir = temp_dir("discover", "paired");
    let scenario = write(&dir, PAIRED);
    let runs_dir = dir.join("runs").display().to_string();
    let ran = leversim(&["run", &scenario, "--out", &runs_dir, "--no-charts"]);
    assert!(ran.status.success());
    let out = dir.join("d").display().to_string();
    // policy - none = -a where a > 0.4, else 0: it fails to cut the loss exactly where a ≤ 0.4.
    let file = discover(&[
        &runs_dir,
        "--outcome",
        "loss",
        "--when",
        ">= 0",
        "--bundle",
        "policy",
        "--versus",
        "none",
        "--out",
        &out,
    ]);
    let got = limits(&file, 0);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "a");
    assert!(got[0].1.is_none());
    // Within a peel (alpha of the box's extent, 0.05 × 0.4) and a few gaps between runs.
    let tol = 0.05 * 0.4 + 5.0 * 0.4 / (0.4 * 2000.0);
    assert!((got[0].2.unwrap() - 0.4).abs() < tol, "{got:?}");
    assert_eq!(file["target"]["versus"], "none");
    // The default threshold (density 0.8) takes the most coverage at that density.
    assert!(file["boxes"][0]["density"].as_f64().unwrap() >= 0.8);
    assert!(file["boxes"][0]["coverage"].as_f64().unwrap() >= 0.95);
    std::fs::remove_dir_all(&dir).ok();
}

/// Bad input: a clear message and exit 1 (or 2 for a malformed flag), each exact.
#[test]
fn bad_questions_get_exact_messages() {
    let dir = temp_dir("discover", "bad");
    let runs_dir = dir.join("runs").display().to_string();
    let ran = leversim(&[
        "run",
        "scenarios/tests/discover.toml",
        "--runs",
        "200",
        "--out",
        &runs_dir,
        "--no-charts",
    ]);
    assert!(ran.status.success());
    let out = dir.join("d").display().to_string();
    let fails = |args: &[&str], code: i32, expected: String| {
        let mut all = vec!["discover", runs_dir.as_str(), "--out", out.as_str()];
        all.extend_from_slice(args);
        let result = leversim(&all);
        assert_eq!(result.status.code(), Some(code), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&result.stderr),
            expected,
            "{args:?}"
        );
    };
    fails(
        &["--outcome", "hits", "--when", "== 1"],
        1,
        format!(
            "error: no outcome `hits` in '{runs_dir}' (did you mean `hit`?); its outcomes are: hit, noise, score\n"
        ),
    );
    fails(
        &["--outcome", "hit", "--when", "== 1", "--bundle", "policy"],
        1,
        format!("error: no bundle `policy` in '{runs_dir}'; its bundles are: baseline\n"),
    );
    fails(
        &["--outcome", "hit", "--when", "> 1"],
        1,
        "error: the condition `hit > 1` holds in 0 of the 200 runs analysed of bundle baseline: there is nothing to tell apart; its values run from 0 to 1; choose a threshold between them\n".into(),
    );
    fails(
        &["--outcome", "hit", "--when", ">= 0"],
        1,
        "error: the condition `hit >= 0` holds in 200 of the 200 runs analysed of bundle baseline: there is nothing to tell apart; its values run from 0 to 1; choose a threshold between them\n".into(),
    );
    fails(
        &["--outcome", "hit", "--when", "about 1"],
        2,
        "error: --when `about 1`: it does not start with >, >=, <, <=, == or !=; write a comparison and a number, e.g. \"> 0.5\", \"== 1\" or \"<= 6e6\"\n\nFor more information, try '--help'.\n".into(),
    );
    // A results folder from before runs.csv held each run's inputs.
    let old = dir.join("old");
    std::fs::create_dir_all(&old).unwrap();
    let summary = std::fs::read_to_string(dir.join("runs/summary.json")).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    summary["inputs"] = serde_json::json!([]);
    std::fs::write(old.join("summary.json"), summary.to_string()).unwrap();
    std::fs::write(
        old.join("runs.csv"),
        "bundle,run,hit,score\nbaseline,0,0,0.5\n",
    )
    .unwrap();
    let old_dir = old.display().to_string();
    let result = leversim(&[
        "discover",
        &old_dir,
        "--outcome",
        "hit",
        "--when",
        "== 1",
        "--out",
        &out,
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&result.stderr),
        format!(
            "error: '{old_dir}' has no per-run inputs: its runs.csv holds outcomes but no param.* or lever.* columns (it was written by an older leversim); run the scenario again with `leversim run` to record them\n"
        )
    );
    // Nothing was written for any of them.
    assert!(!dir.join("d").exists());
    // A folder leversim did not write is never replaced.
    std::fs::create_dir_all(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/notes.txt"), "mine").unwrap();
    let mine = dir.join("mine").display().to_string();
    let result = leversim(&[
        "discover",
        &runs_dir,
        "--outcome",
        "hit",
        "--when",
        "== 1",
        "--out",
        &mine,
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("mine/notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_dir_all(&dir).ok();
}

//! Shared helpers: scenario text to model, model to runs.

use leversim::diag::{Diagnostics, render_all};
use leversim::engine::{self, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::scenario::load_str;
use std::ffi::OsStr;

/// Compiles scenario text, panicking with the rendered diagnostics if it is invalid.
pub fn model(text: &str) -> Model {
    let loaded = load_str("test.toml", text);
    let Some(scenario) = loaded.scenario else {
        panic!("{}", render_all(&loaded.diags, &loaded.sources, false));
    };
    let mut diags = Diagnostics::new();
    match compile(&scenario, &Overrides::default(), &mut diags) {
        Some(m) => m,
        None => panic!("{}", render_all(&diags, &loaded.sources, false)),
    }
}

/// The rendered diagnostics of scenario text that should not compile.
pub fn errors(text: &str) -> String {
    let loaded = load_str("bad.toml", text);
    let mut diags = loaded.diags;
    if let Some(partial) = &loaded.partial {
        compile(partial, &Overrides::default(), &mut diags);
    }
    if let Some(scenario) = loaded.scenario
        && compile(&scenario, &Overrides::default(), &mut diags).is_some()
        && !diags.has_errors()
    {
        panic!("expected errors, but the scenario compiled:\n{text}");
    }
    diags.sort();
    render_all(&diags, &loaded.sources, false)
}

/// Runs every bundle of `model`.
pub fn run(model: &Model, runs: u64, seed: u64, threads: usize) -> RunOutput {
    let plan = RunPlan {
        seed,
        runs,
        first_run: 0,
        bundles: (0..model.bundles.len()).collect(),
        threads,
        inputs: None,
        on_fault: Default::default(),
    };
    engine::run(model, &plan, &|_| {}, &Default::default()).expect("runs without faults")
}

/// Column `k` of bundle `b`'s outcomes.
pub fn column(model: &Model, out: &RunOutput, b: usize, k: usize) -> Vec<f64> {
    out.outcomes[b]
        .chunks_exact(model.outcomes.len())
        .map(|row| row[k])
        .collect()
}

/// Sample mean and variance (n - 1).
pub fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Runs the `leversim` binary with `args`.
pub fn leversim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args(args)
        .output()
        .expect("leversim starts")
}

/// A fresh, empty temporary folder for one test (`area` and `name` keep tests apart).
pub fn temp_dir(area: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("leversim-{area}-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Type-7 quantile (Hyndman & Fan 1996; R's and numpy's default) of ascending `sorted` values,
/// written out here so that tests do not check the library with itself.
pub fn type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let frac = h - h.floor();
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[lo + 1] - sorted[lo])
    }
}

/// Whether `a` equals `b` to 12 significant digits (sums taken in another order differ in the
/// last bits; any real error is far larger).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

/// A results CSV as (header, rows of fields).
pub fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let header = split(lines.next().expect("a header line"));
    (header, lines.map(split).collect())
}

/// The values of `column` in the rows of `runs.csv` whose bundle is `bundle`, in run order.
pub fn runs_column(path: &std::path::Path, bundle: &str, column: &str) -> Vec<f64> {
    let (header, rows) = read_csv(path);
    let k = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    rows.iter()
        .filter(|r| r[0] == bundle)
        .map(|r| r[k].parse().unwrap())
        .collect()
}

/// A JSON number, failing with `what` when it is missing, null or not a number.
pub fn num(v: &serde_json::Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// Whether snapshots may be rewritten, from the values of `CI` and `UPDATE_SNAPSHOTS`: only
/// with `UPDATE_SNAPSHOTS=1` exactly, and never when `CI` is set, whatever its value (CI
/// services set `CI=true`, some `CI=1` or `CI=yes`; a rewrite there would hide a failure).
pub fn may_rewrite(ci: Option<&OsStr>, update: Option<&OsStr>) -> bool {
    ci.is_none() && update == Some(OsStr::new("1"))
}

/// Names the rewritten snapshots on the real stderr: the test passes after a rewrite, and the
/// test harness would swallow `eprintln!` output of a passing test.
pub fn report_rewrites(rewritten: &[String]) {
    if rewritten.is_empty() {
        return;
    }
    let mut text = format!(
        "UPDATE_SNAPSHOTS=1: rewrote {} snapshot(s); review them with `git diff`:\n",
        rewritten.len()
    );
    for file in rewritten {
        text.push_str(&format!("  {file}\n"));
    }
    // `write_all` on `io::stderr()` bypasses the harness's capture of `eprint!`.
    std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes()).ok();
}

/// Whether this test process may rewrite snapshots (see [`may_rewrite`]).
pub fn rewrite_requested() -> bool {
    may_rewrite(
        std::env::var_os("CI").as_deref(),
        std::env::var_os("UPDATE_SNAPSHOTS").as_deref(),
    )
}

//! Shared helpers: scenario text to model, model to runs.

use leversim::diag::{Diagnostics, render_all};
use leversim::engine::{self, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::scenario::load_str;

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

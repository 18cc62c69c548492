//! Every scenario file under `scenarios/` validates and runs; the example scenarios under
//! `scenarios/examples/` also reproduce their (illustrative) reported history.

use std::path::{Path, PathBuf};

use leversim::diag::{Diagnostics, render_all};
use leversim::engine::{self, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::output::summary::observation_records;
use leversim::scenario::{Scenario, load};

/// Runs per bundle: enough for the history check's percentiles to be stable at a fixed seed,
/// few enough for a debug build on two cores.
const RUNS: u64 = 512;

/// Every `.toml` file under `dir`, sorted.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(toml_files(&path));
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Loads and compiles a scenario file; the rendered diagnostics if it has an error.
fn prepare(path: &Path) -> Result<(Scenario, Model), String> {
    let loaded = load(path);
    let mut diags: Diagnostics = loaded.diags;
    let model = loaded
        .scenario
        .as_ref()
        .and_then(|s| compile(s, &Overrides::default(), &mut diags));
    match (loaded.scenario, model) {
        (Some(s), Some(m)) if !diags.has_errors() => Ok((s, m)),
        _ => Err(render_all(&diags, &loaded.sources, false)),
    }
}

fn run_all(scenario: &Scenario, model: &Model) -> Result<RunOutput, String> {
    let plan = RunPlan {
        seed: scenario.meta.seed.value,
        runs: RUNS,
        first_run: 0,
        bundles: (0..model.bundles.len()).collect(),
        threads: 2,
        inputs: None,
        on_fault: Default::default(),
    };
    engine::run(model, &plan, &|_| {}, &Default::default()).map_err(|e| format!("{e:?}"))
}

#[test]
fn every_scenario_file_validates_and_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = toml_files(&root);
    let examples = files
        .iter()
        .filter(|f| f.starts_with(root.join("examples")))
        .count();
    assert!(
        examples >= 2,
        "expected the example scenarios, found {files:?}"
    );
    let mut failures = Vec::new();
    for file in &files {
        let (scenario, model) = match prepare(file) {
            Ok(prepared) => prepared,
            Err(rendered) => {
                failures.push(format!("{}: invalid\n{rendered}", file.display()));
                continue;
            }
        };
        let out = match run_all(&scenario, &model) {
            Ok(out) => out,
            Err(fault) => {
                failures.push(format!("{}: a run failed: {fault}", file.display()));
                continue;
            }
        };
        if !file.starts_with(root.join("examples")) {
            continue;
        }
        let baseline = &model.bundles[model.baseline].name;
        let records = observation_records(&scenario, &model, &out);
        for r in records.iter().filter(|r| &r.bundle == baseline && !r.pass) {
            failures.push(format!(
                "{}: history check fails for {} at {}: reported {}, runs' p05/p50/p95 {:.0}/{:.0}/{:.0}",
                file.display(),
                r.variable,
                r.month,
                r.observed,
                r.p05,
                r.p50,
                r.p95
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn the_variant_changes_only_what_it_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/examples");
    let (base, _) = prepare(&dir.join("smuggling-network.toml")).unwrap();
    let (variant, _) = prepare(&dir.join("smuggling-network-adaptive.toml")).unwrap();
    assert_eq!(variant.meta.name.value, "smuggling-network-adaptive");
    assert_eq!(variant.meta.start.value, base.meta.start.value);
    assert_eq!(variant.meta.seed.value, base.meta.seed.value);
    let names =
        |s: &Scenario| -> Vec<String> { s.params.iter().map(|p| p.name.value.clone()).collect() };
    assert_eq!(names(&variant), names(&base), "params keep their order");
    let stockpile = |s: &Scenario| {
        s.params
            .iter()
            .find(|p| p.name.value == "stockpile")
            .map(|p| p.dist.name())
    };
    assert_eq!(stockpile(&base), Some("gamma"));
    assert_eq!(stockpile(&variant), Some("lognormal"));
    assert_eq!(variant.bundles.len(), base.bundles.len() + 1);
    assert_eq!(variant.observations.len(), base.observations.len());
}

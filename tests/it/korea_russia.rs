//! The main scenario, `scenarios/korea-russia.toml`: its status quo reproduces every dated figure
//! of the seed analysis, and the history before the levers start is the same in every bundle.

use std::path::Path;

use leversim::diag::{Diagnostics, render_all};
use leversim::engine::{self, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::output::summary::observation_records;
use leversim::scenario::{Month, Scenario, load};

/// Every dated quantity of `shared/design/seed-figures.md`, as (variable, month): a figure dropped
/// from the scenario fails the test instead of silently leaving the check. (The dated facts
/// without a number — the treaty, the bridge's dates, the submarine announcement — are inputs
/// of the model, not checks it could fail.)
const FIGURES: [(&str, &str); 8] = [
    ("shells_delivered", "2024-10"),
    ("containers_sent", "2025-04"),
    ("troops_sent", "2025-04"),
    ("casualties", "2025-04"),
    ("killed", "2025-04"),
    ("refined_oil", "2024-03"),
    ("arms_deal_value", "2025-06"),
    ("tourists", "2024-02"),
];

/// The scenario and its model; the file must be free of errors and warnings.
fn prepare() -> (Scenario, Model) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/korea-russia.toml");
    let loaded = load(&path);
    let mut diags: Diagnostics = loaded.diags;
    let scenario = loaded.scenario.expect("korea-russia.toml loads");
    let model = compile(&scenario, &Overrides::default(), &mut diags);
    assert!(
        diags.is_empty(),
        "korea-russia.toml has diagnostics:\n{}",
        render_all(&diags, &loaded.sources, false)
    );
    (scenario, model.expect("korea-russia.toml compiles"))
}

fn run(model: &Model, bundles: Vec<usize>, runs: u64, seed: u64) -> RunOutput {
    let plan = RunPlan::new(seed, runs, bundles, 2);
    engine::run(model, &plan, &|_| {}, &Default::default()).expect("runs without faults")
}

#[test]
fn status_quo_reproduces_every_reported_figure() {
    let (scenario, model) = prepare();
    let observed: Vec<(String, String)> = scenario
        .observations
        .iter()
        .filter_map(|o| {
            Some((
                o.var.as_ref()?.value.clone(),
                o.at.as_ref()?.value.to_string(),
            ))
        })
        .collect();
    for (var, month) in FIGURES {
        assert!(
            observed.contains(&(var.to_string(), month.to_string())),
            "no observation of {var} at {month}"
        );
    }
    let baseline = model
        .bundle_index("status_quo")
        .expect("a status_quo bundle");
    assert_eq!(model.baseline, baseline);
    // The scenario's own seed; 2,000 runs give percentiles stable to a few per cent.
    let out = run(&model, vec![baseline], 2000, scenario.meta.seed.value);
    let records = observation_records(&scenario, &model, &out);
    assert_eq!(records.len(), scenario.observations.len());
    let failed: Vec<String> = records
        .iter()
        .filter(|r| !r.pass)
        .map(|r| {
            format!(
                "{} at {}: reported {}, p05 {}, p50 {} ({:+.0}%), p95 {}",
                r.variable,
                r.month,
                r.observed,
                r.p05,
                r.p50,
                r.median_rel_error * 100.0,
                r.p95
            )
        })
        .collect();
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
    // The observations' tolerances (25% by default) judge the model; they would let a 10% error
    // of the engine pass. The medians themselves are pinned to 1%: far above what a change in
    // the last bits of the formula maths moves (a few runs crossing an event threshold), far
    // below a 10% error.
    let table: String = records
        .iter()
        .map(|r| format!("    ({:?}, {:?}, {:?}),\n", r.variable, r.month, r.p50))
        .collect();
    assert_eq!(
        records.len(),
        HISTORY_P50.len(),
        "pin every observation:\n{table}"
    );
    for (r, (var, month, p50)) in records.iter().zip(HISTORY_P50) {
        assert!(
            (r.variable.as_str(), r.month.as_str()) == (var, month)
                && (r.p50 - p50).abs() <= 0.01 * p50.abs(),
            "{} at {}: median {} moved more than 1% from {p50}; if deliberate, pin:\n{table}",
            r.variable,
            r.month,
            r.p50
        );
    }
}

/// The status quo's median of each observed figure (2,000 runs at the scenario's seed), as
/// (variable, month, median).
const HISTORY_P50: &[(&str, &str, f64)] = &[
    ("shells_delivered", "2024-10", 8306655.684418146),
    ("containers_sent", "2025-04", 16095.936381709742),
    ("troops_sent", "2025-04", 14751.930585683298),
    ("casualties", "2025-04", 4559.943859649123),
    ("killed", "2025-04", 561.9928825622776),
    ("refined_oil", "2024-03", 154110.29900332226),
    ("arms_deal_value", "2025-06", 5.546830985915493),
    ("tourists", "2024-02", 101.24938271604938),
];

#[test]
fn history_is_the_same_in_every_bundle() {
    let (scenario, model) = prepare();
    assert!(
        model.bundles.len() >= 10,
        "status quo, six alone, three combinations"
    );
    let out = run(
        &model,
        (0..model.bundles.len()).collect(),
        64, // one batch per bundle: identity needs no more
        scenario.meta.seed.value,
    );
    let first_policy_month = Month::parse("2026-01").unwrap().months_since(model.start) as usize;
    for b in 1..model.bundles.len() {
        for (r, var) in model.recorded.iter().enumerate() {
            for m in 0..first_policy_month {
                let (x, y) = (&out.series[0][r][m], &out.series[b][r][m]);
                assert!(
                    x.mean.to_bits() == y.mean.to_bits()
                        && x.p.map(f64::to_bits) == y.p.map(f64::to_bits),
                    "{} differs between {} and {} at {} (before the levers start)",
                    model.vars[*var].name,
                    model.bundles[0].name,
                    model.bundles[b].name,
                    model.month_at(m)
                );
            }
        }
    }
    // And every bundle changes something from 2026 on.
    let k = model
        .outcomes
        .iter()
        .position(|o| o.name == "cost")
        .unwrap();
    for b in 1..model.bundles.len() {
        let cost = out.outcomes[b][k];
        assert!(cost > 0.0, "bundle {} costs nothing", model.bundles[b].name);
    }
}

//! Engine benchmarks (criterion): runs per second for the shipped scenarios, the hand-written
//! speed reference, scaling with model size and length, and the statistics pipeline alone.
//!
//! `cargo bench --bench engine` runs them all; `cargo bench --bench engine -- reference` one
//! group. Inputs are scenario files under `scenarios/` (or generated here), seeds are fixed.
//! Throughput is in runs (elements) per second, like the manifest's `runs_per_s`.

#[path = "reference/sketch.rs"]
#[allow(dead_code)] // the test uses every bundle; the benchmark only the status quo
mod sketch;

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leversim::diag::Diagnostics;
use leversim::engine::{self, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::scenario::{load, load_str};

/// Scenarios benchmarked: (label, path, bundle).
const SCENARIOS: [(&str, &str, &str); 4] = [
    ("korea_russia", "scenarios/korea-russia.toml", "status_quo"),
    (
        "example",
        "scenarios/examples/smuggling-network.toml",
        "status_quo",
    ),
    ("sketch", "scenarios/tests/sketch.toml", "status_quo"),
    ("lake", "scenarios/examples/lake.toml", "steady"),
];

fn model(path: &str) -> Model {
    let loaded = load(Path::new(path));
    let scenario = loaded
        .scenario
        .unwrap_or_else(|| panic!("{path} does not load"));
    compile(&scenario, &Overrides::default(), &mut Diagnostics::new())
        .unwrap_or_else(|| panic!("{path} does not compile"))
}

fn run(m: &Model, runs: u64, bundle: usize, threads: usize) {
    let cancel = AtomicBool::new(false);
    black_box(
        engine::run(
            m,
            &RunPlan::new(1, runs, vec![bundle], threads),
            &|_| {},
            &cancel,
        )
        .ok(),
    );
}

/// Runs per second of each shipped scenario's baseline, with its recorded series, on 1 and 2
/// threads; and the cost of compiling it.
fn scenarios(c: &mut Criterion) {
    for (label, path, bundle) in SCENARIOS {
        let m = model(path);
        let b = m.bundle_index(bundle).unwrap_or(0);
        let mut group = c.benchmark_group(label);
        group.sample_size(10);
        group.bench_function("compile", |bench| bench.iter(|| black_box(model(path))));
        for threads in [1, 2] {
            group.throughput(Throughput::Elements(10_000));
            group.bench_function(format!("10k_runs_{threads}_threads"), |bench| {
                bench.iter(|| run(&m, 10_000, b, threads))
            });
        }
        group.finish();
    }
}

/// The engine against the hand-written implementation of the same model (sketch.toml), one
/// thread, outcomes only (no series, which the reference does not record).
fn reference(c: &mut Criterion) {
    let mut m = model("scenarios/tests/sketch.toml");
    m.recorded.clear();
    let b = m.bundle_index("status_quo").unwrap_or(0);
    let hand = sketch::Sketch::new();
    let runs = 10_000u64;
    let mut group = c.benchmark_group("reference");
    group.sample_size(20);
    group.throughput(Throughput::Elements(runs));
    group.bench_function("hand_written_10k_runs", |bench| {
        bench.iter(|| {
            for run in 0..runs {
                black_box(hand.run(1, run, sketch::STATUS_QUO));
            }
        })
    });
    group.bench_function("engine_10k_runs", |bench| {
        bench.iter(|| run(&m, runs, b, 1))
    });
    group.finish();
}

/// A generated model with `vars` auxiliaries in chains of ten (each reading the one before and a
/// param), a flow and a stock per chain, over `months` months.
fn synthetic(vars: usize, months: usize) -> Model {
    let years = months.div_ceil(12);
    let mut text = format!(
        "[scenario]\nname = \"synthetic\"\nstart = \"2000-01\"\nend = \"{}-12\"\n",
        1999 + years
    );
    text.push_str("[params]\ng = { dist = \"normal\", mean = 0.01, sd = 0.002 }\n[stocks]\n");
    let chains = vars.div_ceil(10);
    for c in 0..chains {
        text.push_str(&format!("s{c} = {{ init = 100 }}\n"));
    }
    text.push_str("[aux]\n");
    for v in 0..vars {
        let chain = v / 10;
        let expr = if v % 10 == 0 {
            format!("s{chain} * (1 + g)")
        } else {
            format!("0.5 * a{} + min(a{}, 50) * g", v - 1, v - 1)
        };
        text.push_str(&format!("a{v} = \"{expr}\"\n"));
    }
    for c in 0..chains {
        let last = (c * 10 + 9).min(vars - 1);
        text.push_str(&format!(
            "[flows.f{c}]\nto = \"s{c}\"\nrate = \"0.001 * a{last} * lognormal(1, 0.1)\"\n"
        ));
    }
    text.push_str("[output]\nseries = [\"s0\"]\n[outcomes.total]\nexpr = \"s0\"\n");
    let loaded = load_str("synthetic.toml", &text);
    let scenario = loaded
        .scenario
        .unwrap_or_else(|| panic!("synthetic scenario does not load"));
    compile(&scenario, &Overrides::default(), &mut Diagnostics::new())
        .unwrap_or_else(|| panic!("synthetic scenario does not compile"))
}

/// How the cost grows with the number of variables (at 120 months) and with the number of
/// months (at 100 variables).
fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group.sample_size(10);
    let runs = 2_000;
    group.throughput(Throughput::Elements(runs));
    for vars in [10, 100, 1000] {
        let m = synthetic(vars, 120);
        group.bench_function(format!("{vars}_vars_120_months"), |bench| {
            bench.iter(|| run(&m, runs, 0, 1))
        });
    }
    for months in [12, 1200] {
        let m = synthetic(100, months);
        group.bench_function(format!("100_vars_{months}_months"), |bench| {
            bench.iter(|| run(&m, runs, 0, 1))
        });
    }
    group.finish();
}

/// The statistics pipeline alone: sketch updates of series values and exact outcome summaries.
fn statistics(c: &mut Criterion) {
    use leversim::stats::{QuantileSketch, summarize};
    let values: Vec<f64> = (0..100_000)
        .map(|i| 1000.0 + ((i * 7919) % 100_000) as f64 * 0.37)
        .collect();
    let mut group = c.benchmark_group("statistics");
    group.sample_size(20);
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("sketch_push_100k", |bench| {
        bench.iter(|| {
            let mut s = QuantileSketch::new();
            for &v in &values {
                s.push(v);
            }
            black_box(s.quantile(0.5))
        })
    });
    group.bench_function("summarize_100k", |bench| {
        bench.iter(|| black_box(summarize(&values)))
    });
    group.finish();
}

criterion_group!(engine_benches, scenarios, reference, scaling, statistics);
criterion_main!(engine_benches);

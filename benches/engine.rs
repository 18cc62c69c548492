//! Engine benchmarks: compiling a scenario, one batch of runs, and a parallel batch of 1,000
//! runs per bundle (reported as runs per second, like the manifest's `runs_per_s`).
//!
//! Run with `cargo bench --bench engine`. Inputs are scenario files under `scenarios/`, seeds
//! are fixed.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leversim::diag::Diagnostics;
use leversim::engine::{self, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::scenario::load;

/// Scenarios benchmarked: (label, path).
const SCENARIOS: [(&str, &str); 1] = [("sketch", "scenarios/tests/sketch.toml")];

fn model(path: &str) -> Model {
    let loaded = load(Path::new(path));
    let scenario = loaded
        .scenario
        .unwrap_or_else(|| panic!("{path} does not load"));
    compile(&scenario, &Overrides::default(), &mut Diagnostics::new())
        .unwrap_or_else(|| panic!("{path} does not compile"))
}

fn plan(runs: u64, threads: usize) -> RunPlan {
    RunPlan {
        seed: 1,
        runs,
        first_run: 0,
        bundles: vec![0],
        threads,
        inputs: None,
        on_fault: Default::default(),
    }
}

fn benches(c: &mut Criterion) {
    for (label, path) in SCENARIOS {
        c.bench_function(&format!("{label}/compile"), |b| {
            b.iter(|| black_box(model(path)))
        });
        let m = model(path);
        let cancel = AtomicBool::new(false);
        let mut group = c.benchmark_group(label);
        group.sample_size(20);
        // A call with 64 runs (one batch): mostly the fixed cost of a call (thread pool, series
        // sketches), which a small interactive run pays.
        group.throughput(Throughput::Elements(64));
        group.bench_function("call_with_64_runs", |b| {
            b.iter(|| black_box(engine::run(&m, &plan(64, 1), &|_| {}, &cancel)))
        });
        for threads in [1, 2] {
            group.throughput(Throughput::Elements(10_000));
            group.bench_function(format!("10k_runs_{threads}_threads"), |b| {
                b.iter(|| black_box(engine::run(&m, &plan(10_000, threads), &|_| {}, &cancel)))
            });
        }
        group.finish();
    }
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);

//! Calibration benchmarks (criterion): the whole calibration loop on the test copy of the
//! Russia–North Korea world (76 params, 51 reported figures), and the likelihood of its figures.
//!
//! `cargo bench --bench calibrate`. Seeds are fixed; the loop uses 200 particles so that one
//! iteration takes seconds, not a minute (the sampler's work grows about linearly with the
//! particles).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leversim::calibrate::calibrate;
use leversim::calibrate::observe::ErrorModel;
use leversim::calibrate::smc::SmcSettings;
use leversim::diag::Diagnostics;
use leversim::engine::{self, RunPlan};
use leversim::model::{Overrides, compile};
use leversim::scenario::load;

const WORLD: &str = "scenarios/tests/korea-calibration.toml";

fn calibration(c: &mut Criterion) {
    let loaded = load(Path::new(WORLD));
    let scenario = loaded.scenario.expect("the test world loads");
    let model = compile(&scenario, &Overrides::default(), &mut Diagnostics::new())
        .expect("the test world compiles");
    let mut group = c.benchmark_group("calibrate");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for threads in [1, 2] {
        let settings = SmcSettings::new(200, 1, 11, threads, model.baseline);
        group.bench_function(format!("korea_calibration_200_particles_{threads}t"), |b| {
            b.iter(|| {
                black_box(
                    calibrate(
                        &scenario,
                        &model,
                        &settings,
                        &|_| {},
                        &AtomicBool::new(false),
                        &mut |_| {},
                    )
                    .ok(),
                )
            });
        });
    }
    group.finish();

    // The likelihood of the 51 figures, given one simulation's values of their targets.
    let observing = model.observing(Vec::new(), false);
    let out = engine::run(
        &observing,
        &RunPlan::new(1, 1, vec![model.baseline], 1),
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("runs");
    let row = out.outcomes[0].clone();
    let errors: Vec<ErrorModel> = scenario
        .observations
        .iter()
        .map(|o| ErrorModel::new(o, 0.05))
        .collect();
    let mut group = c.benchmark_group("likelihood");
    group.throughput(Throughput::Elements(errors.len() as u64));
    group.bench_function("korea_calibration_51_figures", |b| {
        b.iter(|| {
            black_box(
                errors
                    .iter()
                    .zip(&row)
                    .map(|(e, y)| e.log_lik(*y))
                    .sum::<f64>(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, calibration);
criterion_main!(benches);

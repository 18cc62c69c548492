//! Feature-score benchmark (criterion), issue 13 item 7: scores of 80 inputs for 15 outcomes
//! on 100,000 runs (the target: under 30 s on the project's 2-core machine).
//!
//! `cargo bench --bench drivers`. The data are synthetic and fixed by seed: inputs uniform on
//! [0, 1]; outcomes of the shapes a scenario produces (smooth, skewed, 0/1, interacting, and a
//! first-crossing month that never comes in about a third of the runs, here a > 0.66), each driven by a few
//! inputs. One iteration scores all 15 outcomes with the command's defaults (100 trees, at most
//! 5,000 runs a tree, √80 → 9 inputs per node, leaves of 20), so it takes seconds.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use leversim::discover::drivers::{ForestSettings, Target, feature_scores};
use leversim::engine::rng::{run_key, site_key, stream};
use leversim::sensitivity::design::open_unit;
use rand::Rng;

const RUNS: usize = 100_000;
const INPUTS: usize = 80;
const OUTCOMES: usize = 15;

/// Uniform inputs, column by column.
fn inputs() -> Vec<Vec<f64>> {
    (0..INPUTS)
        .map(|i| {
            let mut rng = stream(run_key(7, i as u64), site_key("bench:drivers"), 0);
            (0..RUNS).map(|_| open_unit(rng.next_u64())).collect()
        })
        .collect()
}

/// Outcome k of run r: one of five shapes, on inputs chosen by k.
fn outcome(x: &[Vec<f64>], k: usize, r: usize) -> f64 {
    let a = x[(3 * k) % INPUTS][r];
    let b = x[(3 * k + 1) % INPUTS][r];
    let c = x[(3 * k + 2) % INPUTS][r];
    match k % 5 {
        0 => a + 2.0 * b + 0.5 * c,
        1 => (6.0 * a + 3.0 * b).exp(),
        2 => f64::from(u8::from(a > 0.7 && b < 0.3)),
        3 => a * b + c * c,
        _ => {
            if a > 0.66 {
                f64::NAN
            } else {
                2025.0 + b + 0.1 * c
            }
        }
    }
}

fn scores(c: &mut Criterion) {
    let x = inputs();
    let columns: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let targets: Vec<Target> = (0..OUTCOMES)
        .map(|k| {
            let values: Vec<f64> = (0..RUNS).map(|r| outcome(&x, k, r)).collect();
            Target::new(&format!("y{k}"), &values, k % 5 == 4)
        })
        .collect();
    let mut group = c.benchmark_group("drivers");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for threads in [1, 2] {
        let settings = ForestSettings {
            seed: 1,
            threads,
            ..ForestSettings::default()
        };
        group.bench_function(
            format!("scores_100k_runs_80_inputs_15_outcomes_{threads}t"),
            |b| {
                b.iter(|| black_box(feature_scores(&columns, &targets, &settings)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, scores);
criterion_main!(benches);

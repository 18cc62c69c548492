//! Scenario discovery benchmark (criterion): PRIM on 100,000 runs and 80 inputs, the size the
//! issue asks to stay under 5 seconds (issue 13, item 7), and CART on the same data.
//!
//! `cargo bench --bench discover`. The data are fixed (SplitMix64 from a constant seed): 80
//! inputs uniform on [0, 1], the condition x0 > 0.7 and x1 < 0.3 with 5% of the runs' labels
//! flipped, so that peeling meets the noise a real ensemble has and runs its full course.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use leversim::discover::cart::cart;
use leversim::discover::prim::{PrimSettings, prim};

const RUNS: usize = 100_000;
const INPUTS: usize = 80;

/// SplitMix64 uniforms in [0, 1).
fn uniforms(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn data() -> (Vec<Vec<f64>>, Vec<bool>) {
    let x: Vec<Vec<f64>> = (0..INPUTS as u64)
        .map(|j| uniforms(1000 + j, RUNS))
        .collect();
    let flip = uniforms(7, RUNS);
    let y = (0..RUNS)
        .map(|i| (x[0][i] > 0.7 && x[1][i] < 0.3) != (flip[i] < 0.05))
        .collect();
    (x, y)
}

fn discovery(c: &mut Criterion) {
    let (x, y) = data();
    let mut group = c.benchmark_group("discover");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("prim_100k_runs_80_inputs", |b| {
        b.iter(|| black_box(prim(&x, &y, &PrimSettings::default()).expect("PRIM runs")))
    });
    group.bench_function("cart_100k_runs_80_inputs", |b| {
        b.iter(|| black_box(cart(&x, &y, 0.05, 0.8, 3)))
    });
    group.finish();
}

criterion_group!(benches, discovery);
criterion_main!(benches);

//! Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018): draw true
//! params from the prior, simulate the world and the reports from the model and its stated
//! error, calibrate, and look where the truth falls in the posterior. If the sampler is right,
//! the truth's rank is uniform and a 90% posterior interval holds it in 90% of replications.
//!
//! Slow in a debug build, so ignored by default; run it with
//!
//! ```sh
//! cargo test --release --test it sbc -- --ignored --nocapture
//! ```
//!
//! Power: with R = 300 replications the coverage of a 90% interval is estimated with standard
//! error √(0.9·0.1/300) = 0.017; the test accepts 0.85 to 0.95 (2.9 standard errors, a chance
//! failure about once in 270 per param). A sampler whose intervals hold the truth 80% of the
//! time (a 10-point miscalibration) would pass with probability P(cover > 0.85 | 0.80) = 1.5%
//! (standard error 0.023): the test detects it with power 98.5%. The ranks are tested for
//! uniformity with a χ² test over 10 bins (9 degrees of freedom, rejecting above 27.88, p =
//! 0.001).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use leversim::calibrate::calibrate;
use leversim::calibrate::prior::Prior;
use leversim::calibrate::smc::SmcSettings;
use leversim::diag::Diagnostics;
use leversim::engine::rng::{run_key, site_key, stream};
use leversim::engine::sample::normal;
use leversim::engine::{self, FaultMode, RunInputs, RunPlan};
use leversim::model::{Overrides, compile};
use leversim::scenario::load_str;

const REPLICATIONS: u64 = 300;
const PARTICLES: usize = 500;

/// The world; `{s1}`, `{s2}`, `{l1}` are replaced by the reported figures.
const WORLD: &str = r#"
[scenario]
name = "sbc"
start = "2024-01"
end = "2025-12"

[params]
rate = { dist = "lognormal", p05 = 50, p95 = 200 }
growth = { dist = "uniform", min = 0.0, max = 0.1 }
share = { dist = "beta", a = 2, b = 8 }

[stocks]
sent = { init = 0 }
lost = { init = 0 }

[flows.shipments]
to = "sent"
rate = "rate * (1 + growth) ^ t * lognormal(1, 0.2)"

[flows.losses]
to = "lost"
rate = "binomial(round(shipments), share)"

[[observations]]
id = "S1"
source = "simulated"
var = "sent"
at = "2024-12"
value = {s1}
rel_sd = 0.2

[[observations]]
id = "S2"
source = "simulated"
expr = "sum(shipments, '2025-01', '2025-06')"
value = {s2}
rel_sd = 0.25

[[observations]]
id = "L1"
source = "simulated"
expr = "at(lost, '2025-06') / at(sent, '2025-06')"
value = {l1}
sd = 0.03
scale = "linear"
"#;

fn world(figures: [f64; 3]) -> String {
    WORLD
        .replace("{s1}", &format!("{}", figures[0]))
        .replace("{s2}", &format!("{}", figures[1]))
        .replace("{l1}", &format!("{}", figures[2]))
}

#[test]
#[ignore]
fn sbc_ranks_are_uniform_and_intervals_cover() {
    // The model, compiled once with placeholder figures, simulates the truth.
    let loaded = load_str("sbc.toml", &world([1000.0, 1000.0, 0.2]));
    let scenario = loaded.scenario.expect("valid");
    let mut diags = Diagnostics::new();
    let model = compile(&scenario, &Overrides::default(), &mut diags).expect("compiles");
    let observing = model.observing(Vec::new(), false);
    let prior = Prior::of(&model);
    let d = prior.dim();
    let mut ranks = vec![Vec::new(); d];
    let mut covered = vec![0usize; d];
    for r in 0..REPLICATIONS {
        // The truth and the reports.
        let mut rng = stream(run_key(77, r), site_key("sbc:truth"), 0);
        let z: Vec<f64> = (0..d).map(|_| normal(&mut rng, 0.0, 1.0)).collect();
        let mut truth = vec![0.0; d];
        prior.values_into(&z, &mut truth);
        let plan = RunPlan {
            seed: 78,
            runs: 1,
            first_run: r,
            bundles: vec![0],
            threads: 1,
            inputs: Some(Arc::new(RunInputs {
                params: prior.params.clone(),
                levers: Vec::new(),
                values: truth.clone(),
                run_ids: Vec::new(),
            })),
            on_fault: FaultMode::Stop,
        };
        let out = engine::run(&observing, &plan, &|_| {}, &AtomicBool::new(false)).expect("runs");
        let y = &out.outcomes[0];
        let lognormal = |v: f64, rel: f64, rng: &mut _| {
            v * (normal(rng, 0.0, 1.0) * (1.0f64 + rel * rel).ln().sqrt()).exp()
        };
        let figures = [
            lognormal(y[0], 0.2, &mut rng),
            lognormal(y[1], 0.25, &mut rng),
            y[2] + 0.03 * normal(&mut rng, 0.0, 1.0),
        ];
        // The calibration, with the stated error model alone (no gross errors).
        let text = world(figures);
        let loaded = load_str("sbc.toml", &text);
        let s = loaded.scenario.expect("valid");
        let mut diags = Diagnostics::new();
        let m = compile(&s, &Overrides::default(), &mut diags).expect("compiles");
        let mut settings = SmcSettings::new(PARTICLES, 1, 1000 + r, 2, m.baseline);
        settings.gross_error = 0.0;
        let cal = calibrate(
            &s,
            &m,
            &settings,
            &|_| {},
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect("calibrates");
        for k in 0..d {
            let mut values: Vec<f64> = cal.theta.chunks_exact(d).map(|row| row[k]).collect();
            values.sort_by(f64::total_cmp);
            let below = values.iter().filter(|v| **v < truth[k]).count();
            ranks[k].push(below as f64 / values.len() as f64);
            let q = |p: f64| leversim::stats::quantile_sorted(&values, p).unwrap();
            if q(0.05) <= truth[k] && truth[k] <= q(0.95) {
                covered[k] += 1;
            }
        }
    }
    let mut failures = Vec::new();
    for k in 0..d {
        let coverage = covered[k] as f64 / REPLICATIONS as f64;
        let mut bins = [0usize; 10];
        for u in &ranks[k] {
            bins[((u * 10.0) as usize).min(9)] += 1;
        }
        let expected = REPLICATIONS as f64 / 10.0;
        let chi2: f64 = bins
            .iter()
            .map(|&b| (b as f64 - expected).powi(2) / expected)
            .sum();
        eprintln!(
            "{}: 90% interval coverage {coverage:.3}, rank chi-square {chi2:.1} (bins {bins:?})",
            prior.names[k]
        );
        if !(0.85..=0.95).contains(&coverage) {
            failures.push(format!("{} coverage {coverage}", prior.names[k]));
        }
        if chi2 > 27.88 {
            failures.push(format!("{} ranks chi-square {chi2}", prior.names[k]));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

//! A hand-written implementation of `scenarios/tests/sketch.toml`: the same formulas, the same
//! random streams and samplers, in plain Rust with no interpreter. It is the speed limit the
//! engine is measured against (`benches/engine.rs`), and a test (`tests/it/reference.rs`) checks
//! that it produces bit-identical outcomes, which pins the engine's semantics too.
//!
//! Unlike the engine, it skips draws whose value is not used (before 2024-10 for deployments,
//! after an event has happened): streams are keyed by month, so skipping changes nothing else.

use leversim::engine::rng::{PARAM_MONTH, run_key, site_key, stream};
use leversim::engine::sample;
use leversim::scenario::Month;
use leversim::scenario::dist::{Dist, from_keys};

/// Lever settings of a bundle, from 2026-01 (before that every bundle has the defaults).
#[derive(Clone, Copy, Debug)]
pub struct Levers {
    /// `enforcement`
    pub enforcement: f64,
    /// `intel_sharing`
    pub intel_sharing: f64,
    /// `coercive_diplomacy`
    pub coercive_diplomacy: f64,
}

/// The defaults (the `status_quo` bundle).
pub const STATUS_QUO: Levers = Levers {
    enforcement: 0.2,
    intel_sharing: 0.3,
    coercive_diplomacy: 0.0,
};

/// The `full_package` bundle.
pub const FULL_PACKAGE: Levers = Levers {
    enforcement: 0.8,
    intel_sharing: 0.8,
    coercive_diplomacy: 0.6,
};

/// Everything computed once: distributions and site keys.
pub struct Sketch {
    shell_output: Dist,
    ceasefire_hazard: Dist,
    casualty_rate: Dist,
    ssn_effort: Dist,
    keys: [u64; 8],
}

const N_MONTHS: usize = 100; // 2022-09 to 2030-12
const POLICY_START: usize = 40; // 2026-01
const CEASEFIRE_NOT_BEFORE: usize = 28; // 2025-01
const DEPLOYMENT_START: f64 = 25.0; // date("2024-10")

impl Sketch {
    /// Builds the distributions as the scenario file declares them.
    pub fn new() -> Sketch {
        let dist = |name: &str, keys: &[(&str, f64)]| {
            from_keys(name, keys).unwrap_or(Dist::Constant { value: f64::NAN })
        };
        let key = site_key;
        Sketch {
            shell_output: dist("lognormal", &[("p05", 150_000.0), ("p95", 450_000.0)]),
            ceasefire_hazard: dist("beta", &[("a", 2.0), ("b", 60.0)]),
            casualty_rate: dist(
                "triangular",
                &[("min", 0.01), ("mode", 0.025), ("max", 0.06)],
            ),
            ssn_effort: dist("uniform", &[("min", 0.002), ("max", 0.02)]),
            keys: [
                key("param:shell_output"),
                key("param:ceasefire_hazard"),
                key("param:casualty_rate"),
                key("param:ssn_effort"),
                key("flow:shells/lognormal#0"),
                key("flow:deployment/poisson#0"),
                key("flow:losses/binomial#0"),
                key("event:ceasefire"),
            ],
        }
    }

    /// Run `run` of bundle `levers`: the outcomes shells_by_2030, ssn_by_2030, cost,
    /// ceasefire_month (NaN if never), in the scenario's order.
    pub fn run(&self, seed: u64, run: u64, levers: Levers) -> [f64; 4] {
        let k = run_key(seed, run);
        let draw_param = |dist: &Dist, site: u64| dist.sample(&mut stream(k, site, PARAM_MONTH));
        let shell_output = draw_param(&self.shell_output, self.keys[0]);
        let ceasefire_hazard = draw_param(&self.ceasefire_hazard, self.keys[1]);
        let casualty_rate = draw_param(&self.casualty_rate, self.keys[2]);
        let ssn_effort = draw_param(&self.ssn_effort, self.keys[3]);

        let (mut shells, mut troops, mut casualties, mut ssn_progress) = (0.0, 0.0, 0.0, 0.0);
        let (mut ceasefire, mut ssn_operational) = (0.0, 0.0);
        let (mut ssn_ever, mut cost, mut ceasefire_month) = (0.0, 0.0, f64::NAN);
        let start = Month::new(2022, 9).unwrap_or_else(|_| unreachable!());
        for m in 0..N_MONTHS {
            let l = if m >= POLICY_START {
                levers
            } else {
                STATUS_QUO
            };
            let t = m as f64;
            // Auxiliaries and flows, from the stocks at the start of the month.
            let war = 1.0 - ceasefire;
            let detection = 0.05 + 0.25 * l.intel_sharing;
            let interdict = detection * l.enforcement * 0.4;
            let noise = sample::lognormal(&mut stream(k, self.keys[4], m as u64), 1.0, 0.3);
            let shells_flow = war * shell_output * noise * (1.0 - interdict);
            let deployment = if t >= DEPLOYMENT_START {
                war * sample::poisson(&mut stream(k, self.keys[5], m as u64), 1200.0)
            } else {
                0.0
            };
            let losses = sample::binomial(
                &mut stream(k, self.keys[6], m as u64),
                troops,
                war * casualty_rate,
            );
            let ssn_tech = ssn_effort * f64::from(u8::from(shells > 4e6)) * (1.0 - 0.5 * interdict);
            let lever_cost = 0.5 * l.enforcement + 0.1 * l.intel_sharing;
            // Stocks.
            shells += shells_flow;
            troops = troops + deployment - losses;
            casualties += losses;
            ssn_progress = (ssn_progress + ssn_tech).clamp(f64::NEG_INFINITY, 1.0);
            // Events, seeing the updated stocks.
            let mut fire_ceasefire = false;
            if ceasefire == 0.0 && m >= CEASEFIRE_NOT_BEFORE {
                let p = ceasefire_hazard * (1.0 + l.coercive_diplomacy);
                fire_ceasefire =
                    sample::standard_uniform(&mut stream(k, self.keys[7], m as u64)) < p;
            }
            if ssn_operational == 0.0 && ssn_progress >= 1.0 {
                ssn_operational = 1.0;
            }
            if fire_ceasefire {
                ceasefire = 1.0;
            }
            // Outcomes.
            if ssn_operational != 0.0 {
                ssn_ever = 1.0;
            }
            cost += lever_cost / 12.0;
            if ceasefire_month.is_nan() && ceasefire != 0.0 {
                ceasefire_month = start.offset(m as i32).decimal_year();
            }
        }
        let _ = casualties;
        [shells, ssn_ever, cost, ceasefire_month]
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch::new()
    }
}

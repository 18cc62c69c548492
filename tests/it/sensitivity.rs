//! Sensitivity analysis through the engine, against analytic references: the Ishigami function
//! (`scenarios/tests/ishigami.toml`) and a linear model with noise (`scenarios/tests/linear.toml`);
//! determinism across thread counts; the `sensitivity` command end to end.
//!
//! Several intervals are checked in one test, so each is a Bonferroni interval at
//! 1 − 0.05 / (number checked): all of them cover the truth with probability at least 95%.
//! (The unit test `bootstrap_intervals_cover_95_percent` checks the 95% intervals' own
//! coverage over 1,000 repeated experiments, tightly enough that 90% intervals fail.)

use crate::util::leversim;
use std::path::Path;

use leversim::model::{Model, Overrides, compile};
use leversim::scenario::dist::Dist;
use leversim::scenario::{Scenario, load};
use leversim::sensitivity::{self, Analysis, Input, Method, Monitor, NoiseInputs, Settings};

fn prepare(path: &str) -> (Scenario, Model) {
    let loaded = load(Path::new(path));
    let scenario = loaded.scenario.expect("valid scenario");
    let mut diags = leversim::diag::Diagnostics::new();
    let model = compile(&scenario, &Overrides::default(), &mut diags).expect("compiles");
    (scenario, model)
}

fn settings(model: &Model, methods: Vec<Method>, samples: usize, checks: usize) -> Settings {
    Settings {
        seed: 20_250_101,
        bundle: model.baseline,
        threads: 2,
        methods,
        samples,
        trajectories: 40,
        levels: 4,
        oat_runs: 64,
        resamples: 500,
        series_resamples: 100,
        confidence: 1.0 - 0.05 / checks as f64,
        series: Vec::new(),
        noise: NoiseInputs::Total,
    }
}

fn analyse(path: &str, settings: impl Fn(&Model) -> Settings) -> (Vec<Input>, Analysis) {
    let (scenario, model) = prepare(path);
    let inputs = sensitivity::inputs(&scenario, &model, false);
    let s = settings(&model);
    let a = sensitivity::analyse(&model, &inputs, &s, Monitor::silent(), &Default::default())
        .expect("no faults");
    (inputs, a)
}

/// Asserts that `truth` lies in `ci` and prints the estimate (shown with `--nocapture`).
fn covers(what: &str, estimate: f64, ci: (f64, f64), truth: f64) {
    println!(
        "{what}: {estimate:.4} [{:.4}, {:.4}], analytic {truth:.4}",
        ci.0, ci.1
    );
    assert!(
        ci.0 <= truth && truth <= ci.1,
        "{what}: {estimate} [{}, {}] does not cover {truth}",
        ci.0,
        ci.1
    );
}

/// Ishigami, a = 7, b = 0.1: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437 (Sobol' &
/// Levitan 1999). N = 16,384 base samples (81,920 runs), 500 bootstrap resamples, six
/// intervals at 1 − 0.05/6.
#[test]
fn ishigami_scenario_gives_the_published_indices() {
    let (inputs, a) = analyse("scenarios/tests/ishigami.toml", |m| {
        settings(m, vec![Method::Sobol], 16_384, 6)
    });
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["x1", "x2", "x3"]);
    let sobol = a.sobol.expect("sobol ran");
    assert!(
        !sobol.noise,
        "the Ishigami scenario draws nothing in its runs"
    );
    let y = sobol.outcomes[0].as_ref().expect("y varies");
    assert_eq!(a.runs, 16_384 * 5);
    let s1 = [0.3139, 0.4424, 0.0];
    let st = [0.5576, 0.4424, 0.2437];
    for (i, ix) in y.indices.iter().enumerate() {
        covers(&format!("S1 x{}", i + 1), ix.s1, ix.s1_ci, s1[i]);
        covers(&format!("ST x{}", i + 1), ix.st, ix.st_ci, st[i]);
        // Sane intervals: around the estimate, and informative.
        assert!(ix.s1_ci.0 <= ix.s1 && ix.s1 <= ix.s1_ci.1);
        assert!(ix.st_ci.0 <= ix.st && ix.st <= ix.st_ci.1);
        assert!(ix.s1_ci.1 - ix.s1_ci.0 < 0.08 && ix.st_ci.1 - ix.st_ci.0 < 0.08);
    }
}

/// The linear model of `scenarios/tests/linear.toml`, noise included as an input:
/// additive: S1 = ST = 0.4, 0.3, 0.1 and 0.2 for noise; product: S1 = 0.5 and 0.375 (noise),
/// ST = 0.625 and 0.5, x1 and x3 exactly 0 (they do not enter it, and common random numbers make
/// their rows identical). N = 16,384 (98,304 runs); twelve intervals at 1 − 0.05/12.
#[test]
fn linear_scenario_with_noise_gives_analytic_indices() {
    let (inputs, a) = analyse("scenarios/tests/linear.toml", |m| {
        settings(m, vec![Method::Sobol], 16_384, 12)
    });
    assert_eq!(inputs.len(), 3);
    let sobol = a.sobol.expect("sobol ran");
    assert!(sobol.noise);
    assert_eq!(a.runs, 16_384 * 6);
    let names = ["x1", "x2", "x3", "noise"];
    let additive = sobol.outcomes[0].as_ref().expect("varies");
    for (i, truth) in [0.4, 0.3, 0.1, 0.2].into_iter().enumerate() {
        let ix = &additive.indices[i];
        covers(&format!("additive S1 {}", names[i]), ix.s1, ix.s1_ci, truth);
        covers(&format!("additive ST {}", names[i]), ix.st, ix.st_ci, truth);
    }
    let product = sobol.outcomes[1].as_ref().expect("varies");
    for (i, s1, st) in [(1, 0.5, 0.625), (3, 0.375, 0.5)] {
        let ix = &product.indices[i];
        covers(&format!("product S1 {}", names[i]), ix.s1, ix.s1_ci, s1);
        covers(&format!("product ST {}", names[i]), ix.st, ix.st_ci, st);
    }
    for i in [0, 2] {
        let ix = &product.indices[i];
        assert_eq!((ix.s1, ix.st), (0.0, 0.0), "{}", names[i]);
    }
    // Variances: 10 and 6.
    assert!(
        (additive.variance - 10.0).abs() < 0.4,
        "{}",
        additive.variance
    );
    assert!((product.variance - 6.0).abs() < 0.3, "{}", product.variance);
}

/// One-at-a-time and Morris on the linear model, where both are exact: the additive noise
/// cancels in every paired difference (same run indices), so swings and elementary effects are
/// the coefficient times the input's change.
#[test]
fn swings_and_elementary_effects_are_exact_for_the_linear_model() {
    let (_, a) = analyse("scenarios/tests/linear.toml", |m| {
        settings(m, vec![Method::Morris, Method::Oat], 64, 1)
    });
    let z = |p: f64| Dist::Normal { mean: 0.0, sd: 1.0 }.quantile(p);
    let oat = a.oat.expect("oat ran");
    let swings = oat.outcomes[0].as_ref().expect("additive");
    // 2 x1, x1 ~ N(1, 1): 2 (z95 − z05); x2 ~ U(0, 6): 0.9 × 6; x3 ~ Exp(1): ln 20 − ln(1/0.95).
    let expected = [
        2.0 * (z(0.95) - z(0.05)),
        5.4,
        (20f64).ln() + (0.95f64).ln(),
    ];
    for (s, e) in swings.iter().zip(expected) {
        assert!((s.high - s.low - e).abs() < 1e-9, "{s:?} vs {e}");
        assert!(s.se < 1e-9, "{s:?}");
    }
    // product = x2 · g: the swing is 5.4 × the mean of g over the 64 runs, with its error.
    let p = oat.outcomes[1].as_ref().expect("product")[1];
    assert!(
        p.se > 0.0 && ((p.high - p.low) - 5.4).abs() < 4.0 * p.se,
        "{p:?}"
    );

    let morris = a.morris.expect("morris ran");
    let additive = &morris.outcomes[0];
    // Levels at the 5th, 35th, 65th and 95th percentiles, steps of two levels (Δ = 2/3): for
    // the symmetric normal both steps are z65 − z05.
    let mu_x1 = 2.0 * (z(0.65) - z(0.05)) / (2.0 / 3.0);
    let x1 = additive[0].expect("x1");
    let x2 = additive[1].expect("x2");
    let x3 = additive[2].expect("x3");
    assert!(
        (x1.mu_star - mu_x1).abs() < 1e-9 && x1.sigma < 1e-9,
        "{x1:?}"
    );
    assert!((x2.mu_star - 5.4).abs() < 1e-9 && x2.sigma < 1e-9, "{x2:?}");
    // The exponential is skewed: its two possible steps differ. A step joins levels 0 and 2
    // (the 5th and 65th percentiles) or levels 1 and 3 (35th and 95th), and the outcome moves
    // by exactly the change in x3, so every elementary effect is one of two values, both
    // positive. With k of the 40 trajectories taking the first, mu = mu* = (k a + (40 − k) b)
    // / 40 and sigma = |a − b| sqrt(k (40 − k) / (40 · 39)): k must come out whole, and sigma
    // must then match exactly.
    let q = |p: f64| Dist::Exponential { rate: 1.0 }.quantile(p);
    let (ea, eb) = ((q(0.65) - q(0.05)) * 1.5, (q(0.95) - q(0.35)) * 1.5);
    let r = 40.0;
    let k = r * (x3.mu - eb) / (ea - eb);
    assert!(
        (k - k.round()).abs() < 1e-6 && (0.0..=r).contains(&k),
        "mu {} is not a mix of {ea} and {eb}: k = {k}",
        x3.mu
    );
    let k = k.round();
    assert!((x3.mu_star - x3.mu).abs() < 1e-12, "{x3:?}");
    let sigma = (ea - eb).abs() * (k * (r - k) / (r * (r - 1.0))).sqrt();
    assert!(
        (x3.sigma - sigma).abs() < 1e-9,
        "{x3:?}: sigma {sigma} for k = {k}"
    );
    assert!(k > 0.0 && k < r, "both steps occur: k = {k}");
}

/// The same numbers on 1 and 2 threads, for every method and a series month by month.
#[test]
fn results_do_not_depend_on_threads() {
    let run = |threads: usize| {
        analyse("scenarios/tests/sketch.toml", |m| Settings {
            threads,
            series: vec![m.var_index("shells_in_russia").unwrap()],
            ..settings(m, vec![Method::Sobol, Method::Morris, Method::Oat], 100, 1)
        })
        .1
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(format!("{:?}", one.sobol), format!("{:?}", two.sobol));
    assert_eq!(format!("{:?}", one.morris), format!("{:?}", two.morris));
    assert_eq!(format!("{:?}", one.oat), format!("{:?}", two.oat));
    assert_eq!(one.runs, two.runs);
}

/// Levers as inputs, uniform over their ranges: in the sketch the cost is
/// Σ (0.5 enforcement + 0.1 intel_sharing) / 12 over the months from 2026-01, linear and free of
/// noise, so S1 = ST = 0.25 / 0.26 = 0.9615 for enforcement and 0.01 / 0.26 = 0.0385 for
/// intelligence sharing, and exactly 0 for everything else. N = 512, four intervals at
/// 1 − 0.05/4.
#[test]
fn levers_are_inputs_over_their_ranges() {
    let (scenario, model) = prepare("scenarios/tests/sketch.toml");
    let inputs = sensitivity::inputs(&scenario, &model, true);
    let kinds: Vec<&str> = inputs.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "param", "param", "param", "param", "lever", "lever", "lever"
        ]
    );
    let s = settings(&model, vec![Method::Sobol], 512, 4);
    let a =
        sensitivity::analyse(&model, &inputs, &s, Monitor::silent(), &Default::default()).unwrap();
    let sobol = a.sobol.unwrap();
    let cost = model
        .outcomes
        .iter()
        .position(|o| o.name == "cost")
        .unwrap();
    let col = sobol.outcomes[cost]
        .as_ref()
        .expect("the cost varies with the levers");
    for (i, ix) in col.indices.iter().enumerate() {
        let name = inputs.get(i).map_or("noise", |x| x.name.as_str());
        match name {
            "enforcement" => {
                covers("cost S1 enforcement", ix.s1, ix.s1_ci, 0.25 / 0.26);
                covers("cost ST enforcement", ix.st, ix.st_ci, 0.25 / 0.26);
            }
            "intel_sharing" => {
                covers("cost S1 intel_sharing", ix.s1, ix.s1_ci, 0.01 / 0.26);
                covers("cost ST intel_sharing", ix.st, ix.st_ci, 0.01 / 0.26);
            }
            _ => assert_eq!((ix.s1, ix.st), (0.0, 0.0), "{name}"),
        }
    }
}

/// A small world: two params, noise, a year of months, a reported figure (so the stock is
/// analysed month by month by default) and a constant cost.
const WORLD: &str = r#"
[scenario]
name = "sens-test"
title = "A small test world"
start = "2024-01"
end = "2024-12"
seed = 9

[params]
supply = { dist = "lognormal", p05 = 80, p95 = 200, unit = "items/month" }
loss = { dist = "uniform", min = 0, max = 0.5 }

[levers.enforcement]
default = 0.5
range = [0, 1]
cost = "enforcement"

[stocks]
delivered = { init = 0, unit = "items" }

[flows.deliveries]
to = "delivered"
rate = "supply * (1 - loss * enforcement) * lognormal(1, 0.2)"

[outcomes.delivered]
label = "Items delivered"
expr = "delivered"
unit = "items"

[outcomes.cost]
expr = "lever_cost / 12"
kind = "sum"
cost = true

[[observations]]
var = "delivered"
at = "2024-06"
value = 700

[bundles.status_quo]
"#;

/// The numbers of `sensitivity.json`'s records are those of the library's analysis with the
/// command's settings (seed from the scenario, two threads, the observed `delivered` analysed
/// month by month): every field, exactly, and `null` only where a method has no value.
fn check_records_against_the_library(scenario: &Path, records: &[serde_json::Value]) {
    let loaded = load(scenario);
    let s = loaded.scenario.expect("valid scenario");
    let mut diags = leversim::diag::Diagnostics::new();
    let model = compile(&s, &Overrides::default(), &mut diags).expect("compiles");
    let inputs = sensitivity::inputs(&s, &model, false);
    let settings = Settings {
        seed: 9,
        bundle: model.baseline,
        threads: 2,
        methods: vec![Method::Sobol, Method::Morris, Method::Oat],
        samples: 64,
        trajectories: 8,
        levels: 4,
        oat_runs: 16,
        resamples: 50,
        series_resamples: 50,
        confidence: 0.95,
        series: vec![model.var_index("delivered").unwrap()],
        // The command's default: one input per source of noise (here the one flow's).
        noise: NoiseInputs::Sources,
    };
    let a = sensitivity::analyse(
        &model,
        &inputs,
        &settings,
        Monitor::silent(),
        &Default::default(),
    )
    .expect("no faults");
    let (sobol, morris, oat) = (a.sobol.unwrap(), a.morris.unwrap(), a.oat.unwrap());
    let mut expected = Vec::new();
    for k in 0..model.outcomes.len() {
        for i in 0..=inputs.len() {
            let ix = sobol.outcomes[k].as_ref().map(|c| c.indices[i]);
            let is_input = i < inputs.len();
            let mo = if is_input {
                morris.outcomes[k][i]
            } else {
                None
            };
            let sw = oat.outcomes[k].as_ref().filter(|_| is_input).map(|v| v[i]);
            // The ends of the swing range: the quantiles at its probabilities.
            let swing = is_input.then(|| {
                let (d, (lo, hi)) = (&inputs[i].dist, inputs[i].swing);
                (d.quantile(lo), d.quantile(hi))
            });
            expected.push([
                ("s1", ix.map(|x| x.s1)),
                ("s1_ci_low", ix.map(|x| x.s1_ci.0)),
                ("s1_ci_high", ix.map(|x| x.s1_ci.1)),
                ("st", ix.map(|x| x.st)),
                ("st_ci_low", ix.map(|x| x.st_ci.0)),
                ("st_ci_high", ix.map(|x| x.st_ci.1)),
                ("mu_star", mo.map(|m| m.mu_star)),
                ("mu_star_ci_low", mo.map(|m| m.mu_star_ci.0)),
                ("mu_star_ci_high", mo.map(|m| m.mu_star_ci.1)),
                ("mu", mo.map(|m| m.mu)),
                ("sigma", mo.map(|m| m.sigma)),
                ("input_low", swing.map(|s| s.0)),
                ("input_high", swing.map(|s| s.1)),
                ("outcome_base", oat.base[k].filter(|_| is_input)),
                ("outcome_low", sw.map(|s| s.low)),
                ("outcome_high", sw.map(|s| s.high)),
                ("swing", sw.map(|s| s.high - s.low)),
                ("swing_se", sw.map(|s| s.se)),
            ]);
        }
    }
    assert_eq!(records.len(), expected.len());
    for (record, fields) in records.iter().zip(expected) {
        let what = format!("{} / {}", record["outcome"], record["input"]);
        for (key, want) in fields {
            match want {
                // serde_json's default parser may be one ulp off the written digits.
                Some(w) => assert!(
                    record[key]
                        .as_f64()
                        .is_some_and(|v| crate::util::close(v, w)),
                    "{what}: {key} is {}, the library gives {w}",
                    record[key]
                ),
                None => assert!(record[key].is_null(), "{what}: {key} should be null"),
            }
        }
    }
    // The ranges swung are the params' 90% ranges: lognormal p05 80 / p95 200, uniform(0, 0.5).
    let low = |i: usize| records[i]["input_low"].as_f64().unwrap();
    let high = |i: usize| records[i]["input_high"].as_f64().unwrap();
    assert!((low(0) - 80.0).abs() < 1e-9 && (high(0) - 200.0).abs() < 1e-9);
    assert!((low(1) - 0.025).abs() < 1e-15 && (high(1) - 0.475).abs() < 1e-15);
}

#[test]
fn command_writes_a_complete_sensitivity_folder() {
    let dir = std::env::temp_dir().join(format!("leversim-sens-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("world.toml");
    std::fs::write(&scenario, WORLD).unwrap();
    let out_dir = dir.join("world-sensitivity");
    let out = leversim(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--samples",
        "64",
        "--bootstrap",
        "50",
        "--oat-runs",
        "16",
        "--method",
        "sobol,oat,morris",
        "--trajectories",
        "8",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Items delivered (items)"), "{stdout}");
    assert!(stdout.contains("supply"), "{stdout}");
    assert!(stdout.contains("the outcome does not vary"), "{stdout}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("sensitivity.json")).unwrap())
            .unwrap();
    let records = json["records"].as_array().unwrap();
    // 2 outcomes × (2 params + noise).
    assert_eq!(records.len(), 6);
    check_records_against_the_library(&scenario, records);
    assert_eq!(json["manifest"]["samples"], 64);
    assert_eq!(json["manifest"]["runs"], 64 * 5 + 8 * 3 + 16 * 5);
    // 12 months × 3 inputs of `delivered`.
    assert_eq!(json["over_time"].as_array().unwrap().len(), 36);
    let csv = std::fs::read_to_string(out_dir.join("sensitivity.csv")).unwrap();
    assert!(csv.starts_with(
        "outcome,input,input_kind,s1,s1_ci_low,s1_ci_high,st,st_ci_low,st_ci_high,mu_star,"
    ));
    let over_time = std::fs::read_to_string(out_dir.join("sensitivity_over_time.csv")).unwrap();
    assert!(over_time.starts_with("series,month,input,s1,"));
    let mut charts: Vec<String> = std::fs::read_dir(out_dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    charts.sort();
    // The constant cost gets no chart.
    assert_eq!(
        charts,
        [
            "morris-delivered.png",
            "morris-delivered.svg",
            "sobol-delivered.png",
            "sobol-delivered.svg",
            "sobol-time-delivered.png",
            "sobol-time-delivered.svg",
            "tornado-delivered.png",
            "tornado-delivered.svg",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn command_rejects_bad_flags_with_usage_errors() {
    let out = leversim(&[
        "sensitivity",
        "scenarios/tests/linear.toml",
        "--method",
        "morris",
        "--levels",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--levels 3"));

    let out = leversim(&[
        "sensitivity",
        "scenarios/tests/sketch.toml",
        "--series",
        "shells_in_rusia",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shells_in_russia"), "{err}");
}

/// The runs an analysis plans (for the progress bar and the memory check), per method: Sobol'
/// N (d + 2), plus N for the noise column when the outcome draws in its runs; Morris r (d + 1);
/// one-at-a-time M (2d + 1). And the analysis runs exactly that many.
#[test]
fn planned_runs_count_every_method() {
    let (_, model) = prepare("scenarios/tests/linear.toml");
    let s = |methods| Settings {
        samples: 10,
        trajectories: 7,
        oat_runs: 5,
        ..settings(&model, methods, 10, 1)
    };
    let all = s(vec![Method::Sobol, Method::Morris, Method::Oat]);
    assert_eq!(
        sensitivity::planned_runs(&all, 3, true),
        10 * 6 + 7 * 4 + 5 * 7
    );
    assert_eq!(
        sensitivity::planned_runs(&all, 3, false),
        10 * 5 + 7 * 4 + 5 * 7
    );
    assert_eq!(
        sensitivity::planned_runs(&s(vec![Method::Sobol]), 1, false),
        10 * 3
    );
    let (_, a) = analyse("scenarios/tests/linear.toml", |m| Settings {
        samples: 10,
        trajectories: 7,
        oat_runs: 5,
        ..settings(m, vec![Method::Sobol, Method::Morris, Method::Oat], 10, 1)
    });
    assert_eq!(
        a.runs,
        10 * 6 + 7 * 4 + 5 * 7,
        "linear.toml: 3 params and noise"
    );
}

/// The model's own randomness split by source (`scenarios/tests/noise-sources.toml`): the
/// auxiliary `a`'s draws, the ceasefire's timing and the flow's monthly noise are inputs of
/// their own with their analytic indices: y = x + a + 4 · ceasefire has S1 = ST = 0.375, 0.125
/// and 0.5; z = x + stock (one month of the flow) has 3/7 and 4/7; a source an outcome does not
/// read has exactly 0 (its rows are identical, common random numbers). N = 16,384 (98,304
/// runs); ten intervals at 1 − 0.05/10.
#[test]
fn noise_is_split_by_source_with_analytic_indices() {
    let (scenario, model) = prepare("scenarios/tests/noise-sources.toml");
    let noise = sensitivity::noise_inputs(Some(&scenario), &model, NoiseInputs::Sources);
    let names: Vec<&str> = noise.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "a (random draws)",
            "ceasefire (timing)",
            "supply (monthly noise)"
        ]
    );
    let labels: Vec<&str> = noise.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Random draws of Shock a",
            "Timing of Ceasefire",
            "Monthly noise of Supply"
        ]
    );
    let (inputs, a) = analyse("scenarios/tests/noise-sources.toml", |m| Settings {
        noise: NoiseInputs::Sources,
        ..settings(m, vec![Method::Sobol], 16_384, 10)
    });
    assert_eq!(inputs.len(), 1);
    assert_eq!(a.runs, 16_384 * 6);
    let sobol = a.sobol.expect("sobol ran");
    assert_eq!(sobol.noise_inputs, noise);
    let all = ["x", "a", "ceasefire", "supply"];
    let y = sobol.outcomes[0].as_ref().expect("y varies");
    for (i, truth) in [0.375, 0.125, 0.5].into_iter().enumerate() {
        let ix = &y.indices[i];
        covers(&format!("y S1 {}", all[i]), ix.s1, ix.s1_ci, truth);
        covers(&format!("y ST {}", all[i]), ix.st, ix.st_ci, truth);
    }
    assert_eq!((y.indices[3].s1, y.indices[3].st), (0.0, 0.0));
    let z = sobol.outcomes[1].as_ref().expect("z varies");
    for (i, truth) in [(0, 3.0 / 7.0), (3, 4.0 / 7.0)] {
        let ix = &z.indices[i];
        covers(&format!("z S1 {}", all[i]), ix.s1, ix.s1_ci, truth);
        covers(&format!("z ST {}", all[i]), ix.st, ix.st_ci, truth);
    }
    for i in [1, 2] {
        assert_eq!((z.indices[i].s1, z.indices[i].st), (0.0, 0.0), "{}", all[i]);
    }
}

/// The command names each source of noise in its table and files, the ceasefire's timing first
/// for y (half its variance); `--noise total` keeps the single `(noise)`.
#[test]
fn command_names_each_source_of_noise() {
    let dir = std::env::temp_dir().join(format!("leversim-noise-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let run = |how: &str, out: &Path| {
        leversim(&[
            "sensitivity",
            "scenarios/tests/noise-sources.toml",
            "--samples",
            "1024",
            "--method",
            "sobol",
            "--noise",
            how,
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let out = run("sources", &dir.join("sources"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let y = stdout.split("\nz").next().unwrap();
    let first = y.lines().nth(4).unwrap_or_default();
    assert!(
        first.trim_start().starts_with("ceasefire (timing)"),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("sources/sensitivity.json")).unwrap(),
    )
    .unwrap();
    let inputs: Vec<(&str, &str)> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("x", "param"),
            ("a (random draws)", "noise"),
            ("ceasefire (timing)", "noise"),
            ("supply (monthly noise)", "noise")
        ]
    );
    assert_eq!(json["manifest"]["runs"], 1024 * 6);

    let out = run("total", &dir.join("total"));
    assert!(out.status.success());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("total/sensitivity.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x", "(noise)"]);
    assert_eq!(json["manifest"]["runs"], 1024 * 4);
    assert!(
        json["manifest"]["command"]
            .as_str()
            .is_some_and(|c| c.contains("--noise total")),
        "{}",
        json["manifest"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A probability (0/1 per run) gets a Sobol' chart that says why it has no tornado or Morris
/// chart; the other outcomes keep theirs (issue 14: one-at-a-time "0% → 0%").
#[test]
fn probabilities_get_no_tornado_or_morris_chart_and_say_so() {
    let dir = std::env::temp_dir().join(format!("leversim-sens-p-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let out_dir = dir.join("out");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");
    let out = leversim(&[
        "sensitivity",
        fixture,
        "--samples",
        "64",
        "--bootstrap",
        "20",
        "--oat-runs",
        "8",
        "--method",
        "sobol,oat,morris",
        "--trajectories",
        "4",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let charts = out_dir.join("charts");
    let has = |name: &str| charts.join(name).is_file();
    assert!(has("sobol-ssn_by_2030.svg"));
    assert!(!has("tornado-ssn_by_2030.svg") && !has("morris-ssn_by_2030.svg"));
    assert!(has("tornado-shells_by_2030.svg") && has("morris-shells_by_2030.svg"));
    let svg = std::fs::read_to_string(charts.join("sobol-ssn_by_2030.svg")).unwrap();
    assert!(
        svg.contains("a 0/1 outcome: no tornado or Morris chart"),
        "the Sobol' chart does not say why"
    );
    std::fs::remove_dir_all(&dir).ok();
}

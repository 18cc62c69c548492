//! Golden draws: the first runs' values of every sampler the engine uses, pinned bit for bit.
//!
//! Thread-invariance and redraw tests compare a build with itself, and the hand-written
//! reference of `benches/` shares the engine's samplers; neither notices a change in a sampler's
//! algorithm (a `rand_distr` upgrade, a rewritten Poisson, a new normal method), which would
//! silently change every published number. Here each family of param distribution and each
//! random function of the formula language, in each of its algorithmic regimes (gamma shape
//! below and above 1, Poisson and binomial with small and large means), plus the event hazard
//! draw, has its first four runs pinned at a fixed seed.
//!
//! The draws go through the whole engine (stream keys, params before the first month, formula
//! draws in month 0), but no formula arithmetic beyond copying a value, so that faster maths in
//! the formula language cannot move them. When a change is deliberate, the failure message
//! prints the new table to paste here; say why in the commit.

use crate::util::{model, run};

const SAMPLERS: &str = r#"
[scenario]
name = "golden"
start = "2026-01"
end = "2026-12"

[params]
p_constant = 2.5
p_normal = { dist = "normal", mean = 10, sd = 2 }
p_lognormal = { dist = "lognormal", mu = 1, sigma = 0.5 }
p_uniform = { dist = "uniform", min = -1, max = 3 }
p_loguniform = { dist = "loguniform", min = 10, max = 10000 }
p_triangular = { dist = "triangular", min = 1, mode = 2, max = 6 }
p_pert = { dist = "pert", min = 0, mode = 2, max = 10 }
p_pert_lambda = { dist = "pert", min = 0, mode = 2, max = 10, lambda = 8 }
p_beta = { dist = "beta", a = 2, b = 5 }
p_beta_scaled = { dist = "beta", a = 0.5, b = 0.5, min = 10, max = 20 }
p_gamma_small = { dist = "gamma", shape = 0.5, scale = 2 }
p_gamma = { dist = "gamma", shape = 7.5, scale = 0.2 }
p_exponential = { dist = "exponential", rate = 0.25 }
p_poisson_small = { dist = "poisson", lambda = 3 }
p_poisson_large = { dist = "poisson", lambda = 500 }
p_bernoulli = { dist = "bernoulli", p = 0.4 }
p_binomial_small = { dist = "binomial", n = 20, p = 0.1 }
p_binomial_large = { dist = "binomial", n = 100000, p = 0.3 }

[aux]
f_normal = "normal(10, 2)"
f_lognormal = "lognormal(2, 0.3)"
f_uniform = "uniform(-1, 3)"
f_triangular = "triangular(1, 2, 6)"
f_pert = "pert(0, 2, 10)"
f_beta = "beta(2, 5)"
f_gamma_small = "gamma(0.5, 2)"
f_gamma = "gamma(7.5, 0.2)"
f_exponential = "exponential(0.25)"
f_poisson_small = "poisson(3)"
f_poisson_large = "poisson(500)"
f_binomial_small = "binomial(20, 0.1)"
f_binomial_large = "binomial(100000, 0.3)"
f_bernoulli = "bernoulli(0.4)"

[events.e]
hazard = "0.2"

[outcomes.e_first]
expr = "e"
kind = "first"
"#;

/// (outcome, values in runs 0 to 3). Outcome `x` is the param or formula draw `x` in the
/// first month; `e_first` the decimal year in which the event with hazard 0.2 a month happens.
#[rustfmt::skip]
const GOLDEN: &[(&str, [f64; RUNS])] = &[
    ("e_first", [2026.0833333333333, 2026.1666666666667, 2026.5, 2026.8333333333333]),
    ("p_constant", [2.5, 2.5, 2.5, 2.5]),
    ("p_normal", [11.01323663098245, 11.447289987435806, 15.642778630245369, 10.56852304941724]),
    ("p_lognormal", [3.440509798120846, 2.337370067766788, 3.293246075781599, 2.198077124772729]),
    ("p_uniform", [-0.6925422371357159, -0.6061078314855662, 0.6223116437521559, 2.2555763347519413]),
    ("p_loguniform", [165.8681679209215, 1310.161745160326, 58.686443717378786, 130.15948356870464]),
    ("p_triangular", [4.9782013712586535, 2.1497055691696976, 1.9937636621845045, 1.5231165972212746]),
    ("p_pert", [7.410379672641101, 1.3615275249061476, 4.09263257299889, 5.025055653100059]),
    ("p_pert_lambda", [1.6464281605209643, 3.9312936466133213, 0.6817078084604011, 3.1971555088023997]),
    ("p_beta", [0.2897378607053363, 0.16750391271548593, 0.3385506685554149, 0.1940787998444532]),
    ("p_beta_scaled", [11.14229535681446, 10.021062114472143, 15.287789567991855, 19.22850586782864]),
    ("p_gamma_small", [2.134787680892105, 0.0008842087313561659, 0.04772917542150901, 3.8343163596759635]),
    ("p_gamma", [2.1114665591670656, 1.7797740198245975, 1.930019076603557, 2.6042595466570173]),
    ("p_exponential", [3.6951651023039873, 5.537029538954906, 8.79769138229211, 1.8048029616918189]),
    ("p_poisson_small", [3.0, 0.0, 4.0, 4.0]),
    ("p_poisson_large", [486.0, 495.0, 479.0, 506.0]),
    ("p_bernoulli", [1.0, 1.0, 0.0, 1.0]),
    ("p_binomial_small", [1.0, 3.0, 1.0, 2.0]),
    ("p_binomial_large", [30058.0, 30049.0, 30233.0, 29722.0]),
    ("f_normal", [9.623228923071435, 9.279759308557491, 11.992093428459116, 14.097569559958298]),
    ("f_lognormal", [2.0361811324723313, 1.3610419953667676, 2.6618433317598473, 2.4572236664748233]),
    ("f_uniform", [2.4609032039650285, 2.650635706981111, 2.8750166485381565, 2.7053401760897513]),
    ("f_triangular", [2.0219148495183963, 4.6023815587927555, 2.1780004072527834, 4.102668737635231]),
    ("f_pert", [0.7652550852445317, 5.3294660993257095, 1.5235177500334744, 6.912271745465663]),
    ("f_beta", [0.15552589887005247, 0.20480349312054766, 0.1464784258008087, 0.7049990185009352]),
    ("f_gamma_small", [0.10076727718935997, 0.012267706490255114, 0.049411989297652344, 0.8211704459702799]),
    ("f_gamma", [1.210511534779155, 0.8112986465392699, 1.1454339548353278, 1.0318939507337717]),
    ("f_exponential", [0.5095841291760519, 1.5931617860408316, 10.538042303951134, 2.2839717126905965]),
    ("f_poisson_small", [0.0, 1.0, 3.0, 3.0]),
    ("f_poisson_large", [517.0, 508.0, 471.0, 481.0]),
    ("f_binomial_small", [4.0, 0.0, 1.0, 2.0]),
    ("f_binomial_large", [30054.0, 30092.0, 29976.0, 30148.0]),
    ("f_bernoulli", [1.0, 0.0, 0.0, 0.0]),
];

const RUNS: usize = 4;
const SEED: u64 = 20_260_101;

/// The scenario with one `final` outcome (at the first month) per param and formula draw.
fn scenario() -> String {
    let mut text = SAMPLERS.to_string();
    let names: Vec<String> = SAMPLERS
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, _)| name.trim().to_string())
        .filter(|n| n.starts_with("p_") || n.starts_with("f_"))
        .collect();
    for name in names {
        text.push_str(&format!(
            "\n[outcomes.{name}]\nexpr = \"{name}\"\nat = \"2026-01\"\n"
        ));
    }
    text
}

#[test]
fn every_sampler_draws_its_pinned_values() {
    let m = model(&scenario());
    let out = run(&m, RUNS as u64, SEED, 1);
    let n_out = m.outcomes.len();
    let got: Vec<(String, Vec<f64>)> = m
        .outcomes
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let values = (0..RUNS).map(|r| out.outcomes[0][r * n_out + k]).collect();
            (o.name.clone(), values)
        })
        .collect();
    let table: String = got
        .iter()
        .map(|(name, v)| format!("    ({name:?}, {v:?}),\n"))
        .collect();
    let same = got.len() == GOLDEN.len()
        && got.iter().zip(GOLDEN).all(|((name, v), (gname, gv))| {
            name == gname && v.iter().zip(gv).all(|(a, b)| a.to_bits() == b.to_bits())
        });
    assert!(
        same,
        "the engine's draws changed. If the change is deliberate (a sampler or rand_distr \
         changed on purpose), replace GOLDEN in tests/it/golden.rs with:\n{table}"
    );
}

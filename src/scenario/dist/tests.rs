//! Tests of [`Dist`]: every elicitation form round-trips, sample moments at a
//! fixed seed match the closed forms, quantiles match published values.

use super::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const N: usize = 200_000;
/// Monte Carlo tolerance, in standard errors.
const K_SE: f64 = 5.0;

fn build(dist: &str, keys: &[(&str, f64)]) -> Dist {
    match from_keys(dist, keys) {
        Ok(d) => d,
        Err(e) => panic!("{dist} {keys:?}: {e}"),
    }
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

fn assert_rel(label: &str, got: f64, want: f64, tol: f64) {
    assert!(
        rel_close(got, want, tol),
        "{label}: got {got}, want {want} (rel tol {tol})"
    );
}

// ---- elicitation forms round-trip -------------------------------------------------

#[test]
fn normal_forms_round_trip() {
    let d = build("normal", &[("p05", 10.0), ("p95", 30.0)]);
    assert_rel("p05", d.quantile(0.05), 10.0, 1e-9);
    assert_rel("p95", d.quantile(0.95), 30.0, 1e-9);
    assert_eq!(
        build("normal", &[("mean", 2.0), ("sd", 3.0)]),
        Dist::Normal { mean: 2.0, sd: 3.0 }
    );
    assert_eq!(
        build("gaussian", &[("median", 2.0), ("sd", 3.0)]),
        Dist::Normal { mean: 2.0, sd: 3.0 }
    );
    let d = build("normal", &[("median", 5.0), ("sd", 1.0)]);
    assert_eq!(d.quantile(0.5), 5.0);
}

#[test]
fn lognormal_forms_round_trip() {
    let d = build("lognormal", &[("p05", 150_000.0), ("p95", 450_000.0)]);
    assert_rel("p05", d.quantile(0.05), 150_000.0, 1e-9);
    assert_rel("p95", d.quantile(0.95), 450_000.0, 1e-9);

    let d = build("log-normal", &[("mean", 100.0), ("sd", 40.0)]);
    assert_rel("mean", d.mean(), 100.0, 1e-12);
    assert_rel("sd", d.sd(), 40.0, 1e-12);

    let d = build("lognormal", &[("median", 20.0), ("error_factor", 3.0)]);
    assert_rel("median", d.quantile(0.5), 20.0, 1e-12);
    assert_rel("EF", d.quantile(0.95) / d.quantile(0.5), 3.0, 1e-9);
    assert_rel("EF low side", d.quantile(0.5) / d.quantile(0.05), 3.0, 1e-9);

    let d = build("lognormal", &[("median", 20.0), ("sigma", 0.5)]);
    assert_rel("median", d.quantile(0.5), 20.0, 1e-12);
    assert_eq!(
        build("lognormal", &[("mu", 1.0), ("sigma", 0.5)]),
        Dist::LogNormal {
            mu: 1.0,
            sigma: 0.5
        }
    );
}

#[test]
fn uniform_forms_round_trip() {
    let d = build("uniform", &[("p05", 10.0), ("p95", 19.0)]);
    assert_eq!(
        d,
        Dist::Uniform {
            min: 9.5,
            max: 19.5
        }
    );
    assert_rel("p05", d.quantile(0.05), 10.0, 1e-12);
    assert_rel("p95", d.quantile(0.95), 19.0, 1e-12);
    let d = build("uniform", &[("min", -1.0), ("max", 3.0)]);
    assert_eq!((d.quantile(0.0), d.quantile(1.0)), (-1.0, 3.0));
    let d = build("loguniform", &[("min", 1.0), ("max", 100.0)]);
    assert_rel("loguniform median", d.quantile(0.5), 10.0, 1e-12);
}

#[test]
fn triangular_and_pert_forms() {
    let d = build("triangular", &[("min", 0.0), ("mode", 1.0), ("max", 4.0)]);
    // CDF at the mode is (mode - min) / (max - min) = 0.25.
    assert_rel("triangular at mode", d.quantile(0.25), 1.0, 1e-12);
    assert_rel("triangular mean", d.mean(), 5.0 / 3.0, 1e-12);

    let d = build("pert", &[("min", 0.0), ("mode", 2.0), ("max", 10.0)]);
    assert_eq!(
        d,
        Dist::Pert {
            min: 0.0,
            mode: 2.0,
            max: 10.0,
            lambda: 4.0
        }
    );
    assert_rel("pert mean", d.mean(), (0.0 + 8.0 + 10.0) / 6.0, 1e-12);
    let d = build(
        "betapert",
        &[("min", 0.0), ("mode", 2.0), ("max", 10.0), ("lambda", 0.0)],
    );
    // lambda = 0 is a uniform.
    assert_rel("pert lambda 0", d.quantile(0.3), 3.0, 1e-9);
}

#[test]
fn beta_forms_round_trip() {
    let d = build("beta", &[("mean", 0.3), ("sd", 0.1)]);
    assert_rel("mean", d.mean(), 0.3, 1e-12);
    assert_rel("sd", d.sd(), 0.1, 1e-12);
    let d = build(
        "beta",
        &[("mean", 30.0), ("sd", 5.0), ("min", 10.0), ("max", 60.0)],
    );
    assert_rel("scaled mean", d.mean(), 30.0, 1e-12);
    assert_rel("scaled sd", d.sd(), 5.0, 1e-12);
    assert_eq!((d.quantile(0.0), d.quantile(1.0)), (10.0, 60.0));
    let d = build("beta", &[("a", 2.0), ("b", 3.0)]);
    assert_eq!(
        d,
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
            min: 0.0,
            max: 1.0
        }
    );
    let d = build(
        "beta",
        &[("a", 2.0), ("b", 2.0), ("min", 4.0), ("max", 8.0)],
    );
    assert_rel("symmetric median", d.quantile(0.5), 6.0, 1e-12);
}

#[test]
fn gamma_forms_round_trip() {
    for &(p05, p95) in &[
        (150_000.0, 450_000.0),
        (0.1, 50.0),
        (99.0, 101.0),
        (1e-3, 2e-3),
    ] {
        let d = build("gamma", &[("p05", p05), ("p95", p95)]);
        assert_rel("gamma p05", d.quantile(0.05), p05, 1e-6);
        assert_rel("gamma p95", d.quantile(0.95), p95, 1e-6);
    }
    let d = build("gamma", &[("mean", 10.0), ("sd", 4.0)]);
    assert_rel("mean", d.mean(), 10.0, 1e-12);
    assert_rel("sd", d.sd(), 4.0, 1e-12);
    assert_eq!(
        build("gamma", &[("shape", 2.0), ("rate", 4.0)]),
        Dist::Gamma {
            shape: 2.0,
            scale: 0.25
        }
    );
    assert_eq!(
        build("gamma", &[("shape", 2.0), ("scale", 4.0)]),
        Dist::Gamma {
            shape: 2.0,
            scale: 4.0
        }
    );
}

#[test]
fn count_and_rate_forms() {
    assert_eq!(
        build("exponential", &[("mean", 4.0)]),
        Dist::Exponential { rate: 0.25 }
    );
    assert_eq!(
        build("exponential", &[("rate", 4.0)]),
        Dist::Exponential { rate: 4.0 }
    );
    assert_eq!(
        build("poisson", &[("mean", 3.0)]),
        Dist::Poisson { lambda: 3.0 }
    );
    assert_eq!(
        build("poisson", &[("lambda", 0.0)]),
        Dist::Poisson { lambda: 0.0 }
    );
    assert_eq!(
        build("bernoulli", &[("p", 0.25)]),
        Dist::Bernoulli { p: 0.25 }
    );
    assert_eq!(
        build("binomial", &[("n", 20.0), ("p", 0.1)]),
        Dist::Binomial { n: 20, p: 0.1 }
    );
    assert_eq!(
        build("fixed", &[("value", 7.0)]),
        Dist::Constant { value: 7.0 }
    );
    assert_eq!(build("constant", &[("value", 7.0)]).quantile(0.9), 7.0);
}

#[test]
fn params_rebuild_the_same_distribution() {
    let all = [
        Dist::Constant { value: 1.5 },
        Dist::Normal { mean: 1.0, sd: 2.0 },
        Dist::LogNormal {
            mu: 1.0,
            sigma: 0.3,
        },
        Dist::Uniform { min: 0.0, max: 2.0 },
        Dist::LogUniform { min: 1.0, max: 2.0 },
        Dist::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 2.0,
        },
        Dist::Pert {
            min: 0.0,
            mode: 1.0,
            max: 2.0,
            lambda: 3.0,
        },
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
            min: 1.0,
            max: 2.0,
        },
        Dist::Gamma {
            shape: 2.0,
            scale: 3.0,
        },
        Dist::Exponential { rate: 2.0 },
        Dist::Poisson { lambda: 2.0 },
        Dist::Bernoulli { p: 0.5 },
        Dist::Binomial { n: 7, p: 0.5 },
    ];
    for d in all {
        assert_eq!(from_keys(d.name(), &d.params()).unwrap(), d);
    }
}

// ---- sample moments -----------------------------------------------------------------

/// Sample mean and variance of `n` draws.
fn sample_moments(d: &Dist, seed: u64, n: usize) -> (f64, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut mean, mut m2) = (0.0, 0.0);
    for i in 0..n {
        let x = d.sample(&mut rng);
        assert!(x.is_finite(), "{d:?} drew {x}");
        let delta = x - mean;
        mean += delta / (i + 1) as f64;
        m2 += delta * (x - mean);
    }
    (mean, m2 / (n - 1) as f64)
}

/// Relative error a moment check must detect (issue 20): a sampler 5% off in its mean or its
/// variance fails.
const DETECT: f64 = 0.05;
/// One-sided z of 99% power: a 5% error must lie K_SE + Z_POWER standard errors from the
/// truth, so that an estimate of the wrong sampler falls outside the tolerance with
/// probability at least 99%.
const Z_POWER: f64 = 2.326;

/// Kurtosis (fourth central moment over variance squared) of the log-uniform on [a, b], from
/// its raw moments E[X^k] = (b^k − a^k) / (k ln(b / a)).
fn loguniform_kurtosis(a: f64, b: f64) -> f64 {
    let raw = |k: i32| (b.powi(k) - a.powi(k)) / (f64::from(k) * (b / a).ln());
    let (m1, m2, m3, m4) = (raw(1), raw(2), raw(3), raw(4));
    let var = m2 - m1 * m1;
    let mu4 = m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1.powi(4);
    mu4 / (var * var)
}

/// Kurtosis of Beta(a, b) (Johnson, Kotz & Balakrishnan 1995, §25.3).
fn beta_kurtosis(a: f64, b: f64) -> f64 {
    let s = a + b;
    3.0 + 6.0 * ((a - b).powi(2) * (s + 1.0) - a * b * (s + 2.0)) / (a * b * (s + 2.0) * (s + 3.0))
}

#[test]
fn sample_moments_match_closed_forms() {
    let lognormal_kurtosis = |s2: f64| {
        let w = f64::exp(s2);
        w.powi(4) + 2.0 * w.powi(3) + 3.0 * w * w - 3.0
    };
    let pq = |p: f64| p * (1.0 - p);
    // (distribution, its kurtosis).
    let cases = [
        (Dist::Normal { mean: 5.0, sd: 2.0 }, 3.0),
        (
            Dist::LogNormal {
                mu: 1.0,
                sigma: 0.4,
            },
            lognormal_kurtosis(0.16),
        ),
        (
            Dist::Uniform {
                min: -1.0,
                max: 3.0,
            },
            1.8,
        ),
        (
            Dist::LogUniform {
                min: 1.0,
                max: 100.0,
            },
            loguniform_kurtosis(1.0, 100.0),
        ),
        (
            Dist::Triangular {
                min: 0.0,
                mode: 1.0,
                max: 4.0,
            },
            2.4,
        ),
        (
            Dist::Pert {
                min: 0.0,
                mode: 2.0,
                max: 10.0,
                lambda: 4.0,
            },
            beta_kurtosis(1.8, 4.2),
        ),
        (
            Dist::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 10.0,
                max: 20.0,
            },
            beta_kurtosis(2.0, 5.0),
        ),
        (
            Dist::Gamma {
                shape: 0.7,
                scale: 3.0,
            },
            3.0 + 6.0 / 0.7,
        ),
        (
            Dist::Gamma {
                shape: 9.0,
                scale: 0.5,
            },
            3.0 + 6.0 / 9.0,
        ),
        (Dist::Exponential { rate: 0.5 }, 9.0),
        (Dist::Poisson { lambda: 3.5 }, 3.0 + 1.0 / 3.5),
        (Dist::Poisson { lambda: 400.0 }, 3.0 + 1.0 / 400.0),
        (
            Dist::Bernoulli { p: 0.3 },
            3.0 + (1.0 - 6.0 * pq(0.3)) / pq(0.3),
        ),
        (
            Dist::Binomial { n: 50, p: 0.2 },
            3.0 + (1.0 - 6.0 * pq(0.2)) / (50.0 * pq(0.2)),
        ),
    ];
    for (seed, (d, kurtosis)) in cases.iter().enumerate() {
        let (mean, var) = (d.mean(), d.sd() * d.sd());
        // Var(s²) ≈ var² (kurtosis − 1) / n. Enough draws that a 5% error in the variance lies
        // K_SE + Z_POWER standard errors out (the heavy-tailed gamma needs more than N).
        let per_draw = (kurtosis - 1.0).max(0.0);
        let needed = ((K_SE + Z_POWER) / DETECT).powi(2) * per_draw;
        let n = N.max(needed.ceil() as usize);
        let (m, v) = sample_moments(d, seed as u64 + 100, n);
        let se_mean = (var / n as f64).sqrt();
        let se_var = var * (per_draw / n as f64).sqrt();
        assert!(
            DETECT * mean.abs() >= (K_SE + Z_POWER) * se_mean,
            "{}: {n} draws cannot detect a 5% error in the mean",
            d.describe()
        );
        assert!(
            (m - mean).abs() <= K_SE * se_mean,
            "{}: sample mean {m} vs {mean} (se {se_mean})",
            d.describe()
        );
        assert!(
            (v - var).abs() <= K_SE * se_var,
            "{}: sample variance {v} vs {var} (se {se_var})",
            d.describe()
        );
    }
}

#[test]
fn constant_and_zero_poisson_consume_no_randomness() {
    let mut a = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut b = Xoshiro256PlusPlus::seed_from_u64(1);
    assert_eq!(Dist::Constant { value: 2.5 }.sample(&mut a), 2.5);
    assert_eq!(Dist::Poisson { lambda: 0.0 }.sample(&mut a), 0.0);
    let n = Dist::Normal { mean: 0.0, sd: 1.0 };
    assert_eq!(n.sample(&mut a), n.sample(&mut b));
}

#[test]
fn samples_stay_in_support() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let bounded = [
        Dist::Uniform { min: 2.0, max: 3.0 },
        Dist::LogUniform { min: 2.0, max: 3.0 },
        Dist::Triangular {
            min: 2.0,
            mode: 3.0,
            max: 3.0,
        },
        Dist::Pert {
            min: 2.0,
            mode: 2.0,
            max: 3.0,
            lambda: 4.0,
        },
        Dist::Beta {
            alpha: 0.5,
            beta: 0.5,
            min: 2.0,
            max: 3.0,
        },
    ];
    for d in &bounded {
        assert!(
            (0..10_000).all(|_| (2.0..=3.0).contains(&d.sample(&mut rng))),
            "{d:?}"
        );
    }
    let b = Dist::Binomial { n: 5, p: 0.5 };
    assert!((0..10_000).all(|_| {
        let k = b.sample(&mut rng);
        k.fract() == 0.0 && (0.0..=5.0).contains(&k)
    }));
}

#[test]
fn invalid_direct_construction_gives_nan_not_panic() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let bad = [
        Dist::Normal {
            mean: 0.0,
            sd: -1.0,
        },
        Dist::LogNormal {
            mu: 0.0,
            sigma: f64::NAN,
        },
        Dist::Uniform { min: 2.0, max: 1.0 },
        Dist::LogUniform {
            min: -1.0,
            max: 1.0,
        },
        Dist::Triangular {
            min: 0.0,
            mode: 5.0,
            max: 1.0,
        },
        Dist::Pert {
            min: 0.0,
            mode: 5.0,
            max: 1.0,
            lambda: 4.0,
        },
        Dist::Beta {
            alpha: -1.0,
            beta: 1.0,
            min: 0.0,
            max: 1.0,
        },
        Dist::Gamma {
            shape: 0.0,
            scale: 1.0,
        },
        Dist::Exponential { rate: -1.0 },
        Dist::Poisson { lambda: -1.0 },
        Dist::Bernoulli { p: 2.0 },
        Dist::Binomial { n: 5, p: 2.0 },
        Dist::Binomial {
            n: u64::MAX,
            p: 0.5,
        },
    ];
    for d in &bad {
        assert!(d.sample(&mut rng).is_nan(), "{d:?} sample");
    }
    for d in &[
        Dist::Beta {
            alpha: -1.0,
            beta: 1.0,
            min: 0.0,
            max: 1.0,
        },
        Dist::Poisson { lambda: -1.0 },
        Dist::Binomial { n: 5, p: 2.0 },
    ] {
        assert!(d.quantile(0.3).is_nan(), "{d:?} quantile");
    }
}

// ---- quantiles --------------------------------------------------------------------

#[test]
fn quantiles_match_reference_values() {
    let std_normal = Dist::Normal { mean: 0.0, sd: 1.0 };
    assert_rel(
        "z 0.95",
        std_normal.quantile(0.95),
        1.644_853_626_951_472_2,
        1e-15,
    );
    assert_rel(
        "z 0.05",
        std_normal.quantile(0.05),
        -1.644_853_626_951_472_2,
        1e-15,
    );
    assert_rel(
        "z 0.975",
        std_normal.quantile(0.975),
        1.959_963_984_540_054,
        1e-15,
    );
    assert_eq!(std_normal.quantile(0.5), 0.0);
    assert_eq!(std_normal.quantile(1.0), f64::INFINITY);
    // lognormal(0, 1) 95th percentile = exp(1.6448536...) = 5.180251602233015.
    assert_rel(
        "lognormal",
        Dist::LogNormal {
            mu: 0.0,
            sigma: 1.0,
        }
        .quantile(0.95),
        5.180_251_602_233_015,
        1e-14,
    );
    // Exp(rate 2) median = ln 2 / 2.
    assert_rel(
        "exp median",
        Dist::Exponential { rate: 2.0 }.quantile(0.5),
        std::f64::consts::LN_2 / 2.0,
        1e-15,
    );
    // Gamma(shape 2, scale 3) = 3/2 * chi-square(4): 1.5 * chi2.ppf(0.95, 4) = 1.5 * 9.487729036781154.
    assert_rel(
        "gamma",
        Dist::Gamma {
            shape: 2.0,
            scale: 3.0,
        }
        .quantile(0.95),
        3.0 * 9.487_729_036_781_154 / 2.0,
        1e-10,
    );
    // Beta(2, 5) median: scipy.stats.beta.ppf(0.5, 2, 5) = 0.26444998329566.
    assert_rel(
        "beta",
        Dist::Beta {
            alpha: 2.0,
            beta: 5.0,
            min: 0.0,
            max: 1.0,
        }
        .quantile(0.5),
        0.264_449_983_295_66,
        1e-10,
    );
    // Poisson(4): scipy.stats.poisson.ppf(0.95, 4) = 8; Binomial(20, 0.3).ppf(0.05) = 3.
    assert_eq!(Dist::Poisson { lambda: 4.0 }.quantile(0.95), 8.0);
    assert_eq!(Dist::Poisson { lambda: 4.0 }.quantile(1.0), f64::INFINITY);
    assert_eq!(Dist::Poisson { lambda: 0.0 }.quantile(0.99), 0.0);
    assert_eq!(Dist::Binomial { n: 20, p: 0.3 }.quantile(0.05), 3.0);
    assert_eq!(Dist::Binomial { n: 20, p: 0.3 }.quantile(1.0), 20.0);
    assert_eq!(Dist::Bernoulli { p: 0.3 }.quantile(0.7), 0.0);
    assert_eq!(Dist::Bernoulli { p: 0.3 }.quantile(0.71), 1.0);
    // Triangular(0, 1, 4) at p = 0.9: 4 - sqrt(0.1 * 4 * 3).
    assert_rel(
        "triangular",
        Dist::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 4.0,
        }
        .quantile(0.9),
        4.0 - 1.2f64.sqrt(),
        1e-15,
    );
    for p in [-0.1, 1.1, f64::NAN] {
        assert!(std_normal.quantile(p).is_nan());
        assert!(Dist::Poisson { lambda: 1.0 }.quantile(p).is_nan());
    }
}

#[test]
fn bounded_quantiles_span_their_own_range() {
    // Families on [min, max] away from 0, so that `max - min` and `max + min` differ: the ends
    // are exact (p = 0 and 1 give min and max), and the median of a symmetric shape is the
    // middle (Beta(3, 3) and a PERT whose mode is the middle have median 0.5 on [0, 1]).
    let (min, max) = (2.0, 12.0);
    let cases = [
        ("uniform", Dist::Uniform { min, max }, 7.0),
        (
            "log-uniform",
            Dist::LogUniform { min, max },
            (min * max).sqrt(),
        ),
        (
            "triangular",
            Dist::Triangular {
                min,
                mode: 7.0,
                max,
            },
            7.0,
        ),
        (
            "pert",
            Dist::Pert {
                min,
                mode: 7.0,
                max,
                lambda: DEFAULT_PERT_LAMBDA,
            },
            7.0,
        ),
        (
            "beta",
            Dist::Beta {
                alpha: 3.0,
                beta: 3.0,
                min,
                max,
            },
            7.0,
        ),
    ];
    for (name, d, median) in cases {
        assert_rel(name, d.quantile(0.0), min, 1e-12);
        assert_rel(name, d.quantile(1.0), max, 1e-12);
        assert_rel(name, d.quantile(0.5), median, 1e-9);
    }
}

#[test]
fn quantile_is_monotone_and_consistent_with_sampling() {
    // The empirical 90% range of draws brackets ~90% of them.
    let d = build("gamma", &[("p05", 3.0), ("p95", 12.0)]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let inside = (0..N)
        .filter(|_| (3.0..=12.0).contains(&d.sample(&mut rng)))
        .count() as f64
        / N as f64;
    let se = (0.9 * 0.1 / N as f64).sqrt();
    assert!((inside - 0.9).abs() < K_SE * se, "{inside}");
    let qs: Vec<f64> = (0..=20).map(|i| d.quantile(i as f64 / 20.0)).collect();
    assert!(qs.windows(2).all(|w| w[0] <= w[1]), "{qs:?}");
}

// ---- describe ---------------------------------------------------------------------

#[test]
fn describe_is_compact_with_four_significant_digits() {
    assert_eq!(
        Dist::LogNormal {
            mu: 12.4178,
            sigma: 0.33402
        }
        .describe(),
        "lognormal(mu=12.42, sigma=0.334)"
    );
    assert_eq!(
        Dist::Normal {
            mean: 123_456.0,
            sd: 0.000_123_456
        }
        .describe(),
        "normal(mean=123500, sd=0.0001235)"
    );
    assert_eq!(
        Dist::Pert {
            min: 0.0,
            mode: 2.0,
            max: 10.0,
            lambda: 4.0
        }
        .describe(),
        "pert(min=0, mode=2, max=10)"
    );
    assert_eq!(
        Dist::Pert {
            min: 0.0,
            mode: 2.0,
            max: 10.0,
            lambda: 3.0
        }
        .describe(),
        "pert(min=0, mode=2, max=10, lambda=3)"
    );
    assert_eq!(
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
            min: 0.0,
            max: 1.0
        }
        .describe(),
        "beta(a=2, b=3)"
    );
    assert_eq!(
        Dist::Beta {
            alpha: 2.0,
            beta: 3.0,
            min: 0.0,
            max: 5.0
        }
        .describe(),
        "beta(a=2, b=3, min=0, max=5)"
    );
    assert_eq!(
        Dist::Binomial { n: 10, p: 0.25 }.describe(),
        "binomial(n=10, p=0.25)"
    );
    assert_eq!(
        Dist::Constant { value: 2.5e20 }.describe(),
        "constant(value=2.5e20)"
    );
    assert_eq!(
        Dist::Exponential { rate: -9.99996 }.describe(),
        "exponential(rate=-10)"
    );
}

#[test]
fn is_discrete_only_for_counts() {
    assert!(Dist::Poisson { lambda: 1.0 }.is_discrete());
    assert!(Dist::Binomial { n: 1, p: 0.5 }.is_discrete());
    assert!(Dist::Bernoulli { p: 0.5 }.is_discrete());
    assert!(!Dist::Normal { mean: 0.0, sd: 1.0 }.is_discrete());
    assert!(!Dist::Constant { value: 1.0 }.is_discrete());
}

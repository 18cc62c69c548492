//! Probability distributions of uncertain scenario parameters.
//!
//! An analyst declares e.g.
//! `shell_output = { dist = "lognormal", p05 = 150_000, p95 = 450_000 }` and
//! the engine draws it once per Monte Carlo run. This module owns
//! [`Dist`]: the validated canonical parameters of each supported family,
//! built from the several elicitation forms analysts actually use
//! ([`Dist::from_keys`], in `dist/elicit.rs`), plus what the rest of leversim
//! needs from a distribution: a draw ([`Dist::sample`], via `rand_distr`),
//! the inverse CDF ([`Dist::quantile`], for `leversim validate`'s 90% ranges
//! and one-at-a-time sensitivity swings), closed-form moments and a compact
//! description.
//!
//! Per-month random calls inside formulas are not here but in
//! `crate::engine::sample`, which is tuned for the hot loop.

mod elicit;
mod error;
mod forms;
mod numeric;

pub use error::DistError;

use numeric::{beta_quantile, binomial_quantile, gamma_quantile_standard, poisson_quantile};
use rand::Rng;
use rand_distr::{
    Bernoulli, Beta, Binomial, Distribution, Exp, Gamma, LogNormal, Normal, Pert, Poisson,
    Triangular, Uniform,
};

/// PERT shape used when the analyst gives no `lambda`: 4, the classic PERT
/// weighting of the mode (Malcolm et al. 1959; Vose, *Risk Analysis*, 3rd
/// ed., §9.1.4), giving mean = (min + 4 mode + max) / 6.
pub const DEFAULT_PERT_LAMBDA: f64 = 4.0;

/// Largest binomial `n` sampled (2^53): above it `n` is not an exact f64.
const MAX_BINOMIAL_N: u64 = 1 << 53;

/// A parameter's distribution, with validated canonical parameters.
///
/// Build it with [`Dist::from_keys`], which checks every constraint listed
/// on the variants. Constructed directly with invalid parameters, the
/// methods never panic but return NaN (or an unspecified value).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always `value` (finite). Consumes no randomness.
    Constant {
        /// The fixed value.
        value: f64,
    },
    /// Normal (Gaussian).
    Normal {
        /// Mean (and median).
        mean: f64,
        /// Standard deviation, > 0.
        sd: f64,
    },
    /// Log-normal: `ln x` is Normal(mu, sigma).
    LogNormal {
        /// Mean of `ln x` (ln of the median).
        mu: f64,
        /// Standard deviation of `ln x`, > 0.
        sigma: f64,
    },
    /// Uniform on `[min, max]`, `min < max`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Log-uniform: `ln x` uniform on `[ln min, ln max]`, `0 < min < max`.
    LogUniform {
        /// Lower end, > 0.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Triangular on `[min, max]` peaking at `mode`; `min < max`,
    /// `min <= mode <= max`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// (Modified) PERT: `min + (max - min) * Beta(1 + lambda (mode - min) / range,
    /// 1 + lambda (max - mode) / range)`; `lambda` = 4 is the classic PERT.
    Pert {
        /// Lower end.
        min: f64,
        /// Most likely value, in `[min, max]`.
        mode: f64,
        /// Upper end, > min.
        max: f64,
        /// Weight of the mode, >= 0 (0 gives a uniform).
        lambda: f64,
    },
    /// Beta(alpha, beta) scaled to `[min, max]` (default `[0, 1]`).
    Beta {
        /// First shape (`a` in the scenario file), > 0.
        alpha: f64,
        /// Second shape (`b` in the scenario file), > 0.
        beta: f64,
        /// Lower end of the scaled range.
        min: f64,
        /// Upper end of the scaled range, > min.
        max: f64,
    },
    /// Gamma with mean `shape * scale`.
    Gamma {
        /// Shape k, > 0.
        shape: f64,
        /// Scale theta, > 0.
        scale: f64,
    },
    /// Exponential with mean `1 / rate`.
    Exponential {
        /// Rate, > 0.
        rate: f64,
    },
    /// Poisson count with mean `lambda` (>= 0; 0 always gives 0).
    Poisson {
        /// Mean count.
        lambda: f64,
    },
    /// 1 with probability `p`, else 0.
    Bernoulli {
        /// Success probability in `[0, 1]`.
        p: f64,
    },
    /// Successes in `n` independent trials of probability `p`.
    Binomial {
        /// Number of trials (at most 2^53).
        n: u64,
        /// Success probability in `[0, 1]`.
        p: f64,
    },
}

/// Builds a [`Dist`] from the keys an analyst wrote; same as
/// [`Dist::from_keys`].
pub fn from_keys(dist: &str, keys: &[(&str, f64)]) -> Result<Dist, DistError> {
    elicit::from_keys(dist, keys)
}

/// Every distribution name a param's `dist` accepts (canonical names, then aliases), for the
/// scenario format's JSON Schema.
pub fn names() -> Vec<&'static str> {
    forms::names()
}

impl Dist {
    /// Builds a validated distribution from its name (`dist = "..."`) and the
    /// numeric keys given (not `unit`, `label`, ...). Exactly one form must
    /// match the set of keys:
    ///
    /// | dist | forms |
    /// |---|---|
    /// | `constant` (`fixed`) | {value} |
    /// | `normal` (`gaussian`) | {mean, sd}, {median, sd}, {p05, p95} |
    /// | `lognormal` (`log-normal`) | {mu, sigma}, {median, sigma}, {median, error_factor}, {mean, sd}, {p05, p95} |
    /// | `uniform` | {min, max}, {p05, p95} |
    /// | `loguniform` | {min, max} |
    /// | `triangular` | {min, mode, max} |
    /// | `pert` (`betapert`) | {min, mode, max}, {min, mode, max, lambda} |
    /// | `beta` | {a, b}, {a, b, min, max}, {mean, sd}, {mean, sd, min, max} |
    /// | `gamma` | {shape, scale}, {shape, rate}, {mean, sd}, {p05, p95} |
    /// | `exponential` | {rate}, {mean} |
    /// | `poisson` | {lambda}, {mean} |
    /// | `bernoulli` | {p} |
    /// | `binomial` | {n, p} |
    ///
    /// `p05`/`p95` are the 5th/95th percentiles; `error_factor` is p95 /
    /// median. Names are case-sensitive. Errors say which keys are at fault.
    pub fn from_keys(dist: &str, keys: &[(&str, f64)]) -> Result<Dist, DistError> {
        elicit::from_keys(dist, keys)
    }

    /// Canonical distribution name, as accepted by [`Dist::from_keys`].
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Constant { .. } => "constant",
            Dist::Normal { .. } => "normal",
            Dist::LogNormal { .. } => "lognormal",
            Dist::Uniform { .. } => "uniform",
            Dist::LogUniform { .. } => "loguniform",
            Dist::Triangular { .. } => "triangular",
            Dist::Pert { .. } => "pert",
            Dist::Beta { .. } => "beta",
            Dist::Gamma { .. } => "gamma",
            Dist::Exponential { .. } => "exponential",
            Dist::Poisson { .. } => "poisson",
            Dist::Bernoulli { .. } => "bernoulli",
            Dist::Binomial { .. } => "binomial",
        }
    }

    /// Canonical parameters with the key names of the canonical form, so
    /// `from_keys(d.name(), &d.params())` rebuilds `d`.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Dist::Constant { value } => vec![("value", value)],
            Dist::Normal { mean, sd } => vec![("mean", mean), ("sd", sd)],
            Dist::LogNormal { mu, sigma } => vec![("mu", mu), ("sigma", sigma)],
            Dist::Uniform { min, max } | Dist::LogUniform { min, max } => {
                vec![("min", min), ("max", max)]
            }
            Dist::Triangular { min, mode, max } => vec![("min", min), ("mode", mode), ("max", max)],
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                vec![
                    ("min", min),
                    ("mode", mode),
                    ("max", max),
                    ("lambda", lambda),
                ]
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => vec![("a", alpha), ("b", beta), ("min", min), ("max", max)],
            Dist::Gamma { shape, scale } => vec![("shape", shape), ("scale", scale)],
            Dist::Exponential { rate } => vec![("rate", rate)],
            Dist::Poisson { lambda } => vec![("lambda", lambda)],
            Dist::Bernoulli { p } => vec![("p", p)],
            Dist::Binomial { n, p } => vec![("n", n as f64), ("p", p)],
        }
    }

    /// True for the integer-valued families (poisson, bernoulli, binomial);
    /// a constant counts as continuous.
    pub fn is_discrete(&self) -> bool {
        matches!(
            self,
            Dist::Poisson { .. } | Dist::Bernoulli { .. } | Dist::Binomial { .. }
        )
    }

    /// One draw. Uses `rand_distr`'s samplers, built per call (this runs once
    /// per parameter per run, not in the monthly loop); log-uniform is
    /// `exp(uniform(ln min, ln max))`. A constant consumes no randomness,
    /// nor does a Poisson with `lambda = 0` (which `rand_distr` rejects).
    /// Invalid parameters give NaN; never panics.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        const NAN: f64 = f64::NAN;
        match *self {
            Dist::Constant { value } => value,
            // rand_distr accepts a negative sd (it mirrors the draws); we do not.
            Dist::Normal { sd, .. } | Dist::LogNormal { sigma: sd, .. }
                if sd.is_nan() || sd < 0.0 =>
            {
                NAN
            }
            Dist::Normal { mean, sd } => Normal::new(mean, sd).map_or(NAN, |d| d.sample(rng)),
            Dist::LogNormal { mu, sigma } => {
                LogNormal::new(mu, sigma).map_or(NAN, |d| d.sample(rng))
            }
            Dist::Uniform { min, max } => {
                Uniform::new_inclusive(min, max).map_or(NAN, |d| d.sample(rng))
            }
            Dist::LogUniform { min, max } => {
                Uniform::new_inclusive(min.ln(), max.ln()).map_or(NAN, |d| d.sample(rng).exp())
            }
            Dist::Triangular { min, mode, max } => {
                Triangular::new(min, max, mode).map_or(NAN, |d| d.sample(rng))
            }
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => Pert::new(min, max)
                .with_shape(lambda)
                .with_mode(mode)
                .map_or(NAN, |d| d.sample(rng)),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => Beta::new(alpha, beta).map_or(NAN, |d| min + (max - min) * d.sample(rng)),
            Dist::Gamma { shape, scale } => Gamma::new(shape, scale).map_or(NAN, |d| d.sample(rng)),
            Dist::Exponential { rate } => Exp::new(rate).map_or(NAN, |d| d.sample(rng)),
            Dist::Poisson { lambda: 0.0 } => 0.0,
            Dist::Poisson { lambda } => Poisson::new(lambda).map_or(NAN, |d| d.sample(rng)),
            Dist::Bernoulli { p } => {
                Bernoulli::new(p).map_or(NAN, |d| if d.sample(rng) { 1.0 } else { 0.0 })
            }
            Dist::Binomial { n, .. } if n > MAX_BINOMIAL_N => NAN,
            Dist::Binomial { n, p } => Binomial::new(n, p).map_or(NAN, |d| d.sample(rng) as f64),
        }
    }

    /// Inverse CDF at `p` in `[0, 1]` (NaN outside): the `x` with
    /// `P(X <= x) = p`; for the discrete families the smallest `k` with
    /// `P(X <= k) >= p`. `p = 0`/`1` give the ends of the support (possibly
    /// infinite). Closed forms where they exist; gamma and beta invert the
    /// regularized incomplete functions numerically (relative accuracy
    /// ~1e-12 or better).
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        match *self {
            Dist::Constant { value } => value,
            Dist::Normal { mean, sd } => normal_quantile(mean, sd, p),
            Dist::LogNormal { mu, sigma } => normal_quantile(mu, sigma, p).exp(),
            // Written as an interpolation so p = 0 and 1 give min and max exactly.
            Dist::Uniform { min, max } => (1.0 - p) * min + p * max,
            Dist::LogUniform { min, max } => ((1.0 - p) * min.ln() + p * max.ln()).exp(),
            Dist::Triangular { min, mode, max } => triangular_quantile(min, mode, max, p),
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = pert_shapes(min, mode, max, lambda);
                min + (max - min) * beta_quantile(a, b, p)
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * beta_quantile(alpha, beta, p),
            Dist::Gamma { shape, scale } => scale * gamma_quantile_standard(shape, p),
            Dist::Exponential { rate } => -(-p).ln_1p() / rate,
            Dist::Poisson { lambda } => poisson_quantile(lambda, p),
            Dist::Bernoulli { p: prob } => bernoulli_quantile(prob, p),
            Dist::Binomial { n, p: prob } => binomial_quantile(n, prob, p),
        }
    }

    /// Closed-form mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::LogUniform { min, max } => (max - min) / (max / min).ln(),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => (min + lambda * mode + max) / (lambda + 2.0),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * alpha / (alpha + beta),
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Exponential { rate } => 1.0 / rate,
            Dist::Poisson { lambda } => lambda,
            Dist::Bernoulli { p } => p,
            Dist::Binomial { n, p } => n as f64 * p,
        }
    }

    /// Closed-form standard deviation.
    pub fn sd(&self) -> f64 {
        match *self {
            Dist::Constant { .. } => 0.0,
            Dist::Normal { sd, .. } => sd,
            // sd = mean * sqrt(exp(sigma^2) - 1); exp_m1 keeps small sigma accurate.
            Dist::LogNormal { sigma, .. } => self.mean() * (sigma * sigma).exp_m1().sqrt(),
            Dist::Uniform { min, max } => (max - min) / 12f64.sqrt(),
            Dist::LogUniform { min, max } => {
                let second_moment = (max * max - min * min) / (2.0 * (max / min).ln());
                (second_moment - self.mean().powi(2)).max(0.0).sqrt()
            }
            Dist::Triangular { min, mode, max } => {
                let var =
                    (min * min + mode * mode + max * max - min * mode - min * max - mode * max)
                        / 18.0;
                var.max(0.0).sqrt()
            }
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = pert_shapes(min, mode, max, lambda);
                (max - min) * beta_unit_sd(a, b)
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => (max - min) * beta_unit_sd(alpha, beta),
            Dist::Gamma { shape, scale } => shape.sqrt() * scale,
            Dist::Exponential { rate } => 1.0 / rate,
            Dist::Poisson { lambda } => lambda.sqrt(),
            Dist::Bernoulli { p } => (p * (1.0 - p)).sqrt(),
            Dist::Binomial { n, p } => (n as f64 * p * (1.0 - p)).sqrt(),
        }
    }

    /// Compact canonical form with 4 significant digits, e.g.
    /// `lognormal(mu=12.42, sigma=0.334)`. PERT's `lambda` is shown only when
    /// not 4, a beta's range only when not `[0, 1]`.
    pub fn describe(&self) -> String {
        let shown: Vec<String> = self
            .params()
            .into_iter()
            .filter(|&(key, value)| match self {
                Dist::Pert { .. } => key != "lambda" || value != DEFAULT_PERT_LAMBDA,
                Dist::Beta { min, max, .. } => {
                    !(key == "min" || key == "max") || *min != 0.0 || *max != 1.0
                }
                _ => true,
            })
            .map(|(key, value)| format!("{key}={}", sig4(value)))
            .collect();
        format!("{}({})", self.name(), shown.join(", "))
    }
}

/// `mean + sd * Φ⁻¹(p)`, guarding `0 * inf` at the ends.
fn normal_quantile(mean: f64, sd: f64, p: f64) -> f64 {
    if p == 0.5 {
        return mean;
    }
    mean + sd * numeric::standard_normal_quantile(p)
}

/// Inverse of the triangular CDF, piecewise quadratic either side of the mode.
fn triangular_quantile(min: f64, mode: f64, max: f64, p: f64) -> f64 {
    let range = max - min;
    if p * range < mode - min {
        min + (p * range * (mode - min)).sqrt()
    } else {
        max - ((1.0 - p) * range * (max - mode)).sqrt()
    }
}

/// Beta shapes of a PERT (Vose 2008, §9.1.4).
fn pert_shapes(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
    let range = max - min;
    (
        1.0 + lambda * (mode - min) / range,
        1.0 + lambda * (max - mode) / range,
    )
}

/// Standard deviation of Beta(a, b) on `[0, 1]`: sqrt(ab / ((a+b)^2 (a+b+1))).
fn beta_unit_sd(a: f64, b: f64) -> f64 {
    let s = a + b;
    (a / s * b / s / (s + 1.0)).sqrt()
}

/// P(X <= 0) = 1 - prob, so the quantile is 0 up to that level.
fn bernoulli_quantile(prob: f64, p: f64) -> f64 {
    if !(0.0..=1.0).contains(&prob) {
        return f64::NAN;
    }
    if p <= 1.0 - prob { 0.0 } else { 1.0 }
}

/// A number rounded to 4 significant digits, without trailing zeros:
/// 12.4178 -> "12.42", 0.33402 -> "0.334", 123456 -> "123500"; exponent
/// form outside [1e-4, 1e15).
fn sig4(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let exponent = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&exponent) {
        let s = format!("{x:.3e}");
        return match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        };
    }
    let decimals = (3 - exponent).max(0) as usize;
    if decimals == 0 {
        let unit = 10f64.powi(exponent - 3);
        return format!("{}", (x / unit).round() * unit);
    }
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

/// "0.3340" -> "0.334", "2.000" -> "2"; integers untouched.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

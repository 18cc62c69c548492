//! Turning what an analyst wrote (`dist = "lognormal", p05 = .., p95 = ..`)
//! into a validated canonical [`Dist`].
//!
//! Analysts elicit 90% ranges, medians and spreads rather than textbook
//! parameters, so each distribution accepts several *forms*: sets of key
//! names (the table and key-set errors are in `forms.rs`). This file checks
//! the values and converts the matched form to canonical parameters.
//!
//! Conversions (all closed-form except the gamma 90% range):
//! * normal `{p05, p95}`: mean = midpoint, sd = (p95 - p05) / (2 z95);
//! * lognormal `{median, error_factor}`: mu = ln median, sigma = ln EF / z95
//!   (EF = p95 / median, the convention of reliability databases, e.g.
//!   NUREG/CR-6823 §A.7.2); `{mean, sd}`: sigma² = ln(1 + sd²/mean²),
//!   mu = ln mean - sigma²/2; `{p05, p95}`: as the normal on ln x;
//! * uniform `{p05, p95}`: width = (p95 - p05) / 0.9, extended by 5% of it on
//!   each side;
//! * beta `{mean, sd}`: method of moments on the unit scale,
//!   alpha + beta = m(1 - m)/v - 1;
//! * gamma `{mean, sd}`: shape = (mean/sd)², scale = sd²/mean; `{p05, p95}`:
//!   shape by bisection on the (monotone) ratio p95/p05, then scale.

use super::error::{DistError, show};
use super::forms::{Form, resolve_form};
use super::numeric::{
    GAMMA_FIT_MAX_SHAPE, GAMMA_FIT_MIN_SHAPE, Z95, gamma_quantile_standard, gamma_shape_for_ratio,
};
use super::{DEFAULT_PERT_LAMBDA, Dist};

/// Largest binomial `n` accepted: 2^53, the last integer every f64 below can
/// represent exactly.
const MAX_BINOMIAL_N: f64 = 9_007_199_254_740_992.0;

/// Builds a validated [`Dist`] from a distribution name and the numeric keys
/// the analyst gave (see [`Dist::from_keys`] for the accepted forms).
pub(super) fn from_keys(dist: &str, keys: &[(&str, f64)]) -> Result<Dist, DistError> {
    let form = resolve_form(dist, keys)?;
    check_finite(keys)?;
    // From here on every value is finite, so plain comparisons cannot meet NaN.
    let built = build(form, &Given(keys))?;
    check_canonical_finite(&built, keys)?;
    Ok(built)
}

fn check_finite(keys: &[(&str, f64)]) -> Result<(), DistError> {
    match keys.iter().find(|(_, v)| !v.is_finite()) {
        Some((key, value)) => Err(DistError::at(
            &[key],
            format!("{key} must be a finite number, got {value}"),
        )),
        None => Ok(()),
    }
}

/// Conversions can overflow even from finite inputs (e.g. a normal from
/// p05 = -1e308, p95 = 1e308); refuse rather than carry inf into the runs.
fn check_canonical_finite(dist: &Dist, keys: &[(&str, f64)]) -> Result<(), DistError> {
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    if !dist.params().iter().all(|(_, v)| v.is_finite()) {
        return Err(DistError::at(
            &names,
            format!(
                "these values overflow when converted to {}",
                dist.describe()
            ),
        ));
    }
    // Finite parameters can still draw beyond the largest number (a lognormal with mu = 800
    // draws only infinities): check the range that all but one run in 500 fall in.
    for (p, what) in [(0.001, "0.1st"), (0.999, "99.9th")] {
        let q = dist.quantile(p);
        if q.is_infinite() {
            return Err(DistError::at(
                &names,
                format!(
                    "{} draws numbers beyond the largest a run can hold (its {what} percentile is {})",
                    dist.describe(),
                    show(q)
                ),
            )
            .with_hint("choose parameters whose draws stay below about 1e300"));
        }
    }
    Ok(())
}

/// The keys of the matched form, looked up by name.
struct Given<'a>(&'a [(&'a str, f64)]);

impl Given<'_> {
    /// The value of a key of the matched form (NaN cannot happen: the form
    /// matched, so the key is present; NaN keeps this panic-free anyway).
    fn get(&self, key: &str) -> f64 {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    fn positive(&self, key: &str) -> Result<f64, DistError> {
        let v = self.get(key);
        if v > 0.0 {
            Ok(v)
        } else {
            Err(DistError::at(
                &[key],
                format!("{key} ({}) must be positive", show(v)),
            ))
        }
    }

    fn non_negative(&self, key: &str) -> Result<f64, DistError> {
        let v = self.get(key);
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(DistError::at(
                &[key],
                format!("{key} ({}) must not be negative", show(v)),
            ))
        }
    }

    fn probability(&self, key: &str) -> Result<f64, DistError> {
        let v = self.get(key);
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(DistError::at(
                &[key],
                format!("{key} ({}) must be a probability in [0, 1]", show(v)),
            ))
        }
    }

    /// Both values, requiring `lo < hi` (equal is an error too).
    fn ordered(&self, lo_key: &str, hi_key: &str) -> Result<(f64, f64), DistError> {
        let (lo, hi) = (self.get(lo_key), self.get(hi_key));
        if lo < hi {
            Ok((lo, hi))
        } else {
            Err(DistError::at(
                &[lo_key, hi_key],
                format!(
                    "{lo_key} ({}) must be below {hi_key} ({})",
                    show(lo),
                    show(hi)
                ),
            ))
        }
    }

    /// `(min, mode, max)` with `min < max` and `min <= mode <= max`.
    fn min_mode_max(&self) -> Result<(f64, f64, f64), DistError> {
        let (min, max) = self.ordered("min", "max")?;
        let mode = self.get("mode");
        if (min..=max).contains(&mode) {
            Ok((min, mode, max))
        } else {
            Err(DistError::at(
                &["mode"],
                format!(
                    "mode ({}) must be within [min, max] = [{}, {}]",
                    show(mode),
                    show(min),
                    show(max)
                ),
            ))
        }
    }

    /// `(min, max)` if the form has them, else the unit interval.
    fn range_or_unit(&self, has_range: bool) -> Result<(f64, f64), DistError> {
        if has_range {
            self.ordered("min", "max")
        } else {
            Ok((0.0, 1.0))
        }
    }
}

/// Converts the matched form to canonical parameters, validating as it goes.
fn build(form: Form, g: &Given) -> Result<Dist, DistError> {
    match form {
        Form::Constant => Ok(Dist::Constant {
            value: g.get("value"),
        }),
        Form::NormalMeanSd => Ok(Dist::Normal {
            mean: g.get("mean"),
            sd: g.positive("sd")?,
        }),
        Form::NormalMedianSd => Ok(Dist::Normal {
            mean: g.get("median"),
            sd: g.positive("sd")?,
        }),
        Form::NormalRange => {
            let (p05, p95) = g.ordered("p05", "p95")?;
            Ok(Dist::Normal {
                mean: 0.5 * p05 + 0.5 * p95,
                sd: (p95 - p05) / (2.0 * Z95),
            })
        }
        Form::LogNormalMuSigma => Ok(Dist::LogNormal {
            mu: g.get("mu"),
            sigma: g.positive("sigma")?,
        }),
        Form::LogNormalMedianSigma => Ok(Dist::LogNormal {
            mu: g.positive("median")?.ln(),
            sigma: g.positive("sigma")?,
        }),
        Form::LogNormalMedianEf => lognormal_median_ef(g),
        Form::LogNormalMeanSd => {
            let (mean, sd) = (g.positive("mean")?, g.positive("sd")?);
            let sigma2 = (sd / mean).powi(2).ln_1p();
            Ok(Dist::LogNormal {
                mu: mean.ln() - 0.5 * sigma2,
                sigma: sigma2.sqrt(),
            })
        }
        Form::LogNormalRange => {
            let p05 = g.get("p05");
            if p05 <= 0.0 {
                return Err(DistError::at(
                    &["p05"],
                    format!("p05 ({}) must be positive for a lognormal", show(p05)),
                )
                .with_hint(
                    "a lognormal is for quantities above zero; for a range that includes zero or \
                     negative values use \"normal\"",
                ));
            }
            let (p05, p95) = g.ordered("p05", "p95")?;
            let (lo, hi) = (p05.ln(), p95.ln());
            Ok(Dist::LogNormal {
                mu: 0.5 * (lo + hi),
                sigma: (hi - lo) / (2.0 * Z95),
            })
        }
        Form::UniformMinMax => {
            let (min, max) = g.ordered("min", "max")?;
            Ok(Dist::Uniform { min, max })
        }
        Form::UniformRange => {
            let (p05, p95) = g.ordered("p05", "p95")?;
            let margin = (p95 - p05) / 0.9 * 0.05;
            Ok(Dist::Uniform {
                min: p05 - margin,
                max: p95 + margin,
            })
        }
        Form::LogUniformMinMax => {
            g.positive("min")?;
            let (min, max) = g.ordered("min", "max")?;
            Ok(Dist::LogUniform { min, max })
        }
        Form::Triangular => {
            let (min, mode, max) = g.min_mode_max()?;
            Ok(Dist::Triangular { min, mode, max })
        }
        Form::Pert | Form::PertLambda => {
            let (min, mode, max) = g.min_mode_max()?;
            let lambda = if form == Form::PertLambda {
                g.non_negative("lambda")?
            } else {
                DEFAULT_PERT_LAMBDA
            };
            Ok(Dist::Pert {
                min,
                mode,
                max,
                lambda,
            })
        }
        Form::BetaAb | Form::BetaAbRange => {
            let (alpha, beta) = (g.positive("a")?, g.positive("b")?);
            let (min, max) = g.range_or_unit(form == Form::BetaAbRange)?;
            Ok(Dist::Beta {
                alpha,
                beta,
                min,
                max,
            })
        }
        Form::BetaMeanSd | Form::BetaMeanSdRange => {
            beta_from_moments(g, form == Form::BetaMeanSdRange)
        }
        Form::GammaShapeScale => Ok(Dist::Gamma {
            shape: g.positive("shape")?,
            scale: g.positive("scale")?,
        }),
        Form::GammaShapeRate => Ok(Dist::Gamma {
            shape: g.positive("shape")?,
            scale: 1.0 / g.positive("rate")?,
        }),
        Form::GammaMeanSd => {
            let (mean, sd) = (g.positive("mean")?, g.positive("sd")?);
            Ok(Dist::Gamma {
                shape: (mean / sd).powi(2),
                scale: sd / mean * sd,
            })
        }
        Form::GammaRange => gamma_from_range(g),
        Form::ExponentialRate => Ok(Dist::Exponential {
            rate: g.positive("rate")?,
        }),
        Form::ExponentialMean => Ok(Dist::Exponential {
            rate: 1.0 / g.positive("mean")?,
        }),
        Form::PoissonLambda => poisson(g, "lambda"),
        Form::PoissonMean => poisson(g, "mean"),
        Form::Bernoulli => Ok(Dist::Bernoulli {
            p: g.probability("p")?,
        }),
        Form::Binomial => binomial(g),
    }
}

fn lognormal_median_ef(g: &Given) -> Result<Dist, DistError> {
    let median = g.positive("median")?;
    let ef = g.get("error_factor");
    if ef <= 1.0 {
        return Err(DistError::at(
            &["error_factor"],
            format!(
                "error_factor ({}) must be above 1 (it is p95 / median)",
                show(ef)
            ),
        ));
    }
    Ok(Dist::LogNormal {
        mu: median.ln(),
        sigma: ef.ln() / Z95,
    })
}

/// Method of moments on the unit scale: m = (mean - min)/range,
/// v = (sd/range)², alpha = m k, beta = (1 - m) k with k = m(1 - m)/v - 1,
/// which needs 0 < m < 1 and v < m(1 - m).
fn beta_from_moments(g: &Given, has_range: bool) -> Result<Dist, DistError> {
    let sd = g.positive("sd")?;
    let (min, max) = g.range_or_unit(has_range)?;
    let mean = g.get("mean");
    if !(mean > min && mean < max) {
        return Err(DistError::at(
            &["mean"],
            format!(
                "mean ({}) must be strictly inside (min, max) = ({}, {}) for a beta",
                show(mean),
                show(min),
                show(max)
            ),
        ));
    }
    let range = max - min;
    let m = (mean - min) / range;
    let v = (sd / range).powi(2);
    let limit = m * (1.0 - m);
    if v >= limit {
        return Err(DistError::at(
            &["sd"],
            format!(
                "sd ({}) is too large for a beta with mean {} on [{}, {}]: it must be below {}",
                show(sd),
                show(mean),
                show(min),
                show(max),
                show(limit.sqrt() * range)
            ),
        ));
    }
    let k = limit / v - 1.0;
    Ok(Dist::Beta {
        alpha: m * k,
        beta: (1.0 - m) * k,
        min,
        max,
    })
}

/// Shape from the p95/p05 ratio, then scale so the 5th percentile matches.
fn gamma_from_range(g: &Given) -> Result<Dist, DistError> {
    let p05 = g.get("p05");
    if p05 <= 0.0 {
        return Err(DistError::at(
            &["p05"],
            format!("p05 ({}) must be positive for a gamma", show(p05)),
        ));
    }
    let (p05, p95) = g.ordered("p05", "p95")?;
    let ratio = p95 / p05;
    let Some(shape) = gamma_shape_for_ratio(ratio) else {
        return Err(DistError::at(
            &["p05", "p95"],
            format!(
                "no gamma has p95/p05 = {} (shapes {}..{} give the ratios a gamma can fit)",
                show(ratio),
                show(GAMMA_FIT_MIN_SHAPE),
                show(GAMMA_FIT_MAX_SHAPE)
            ),
        )
        .with_hint(
            "for a very narrow range use a normal; for a very wide one a lognormal or loguniform",
        ));
    };
    let scale = p05 / gamma_quantile_standard(shape, 0.05);
    Ok(Dist::Gamma { shape, scale })
}

/// A Poisson mean, capped where `rand_distr` stops sampling (1.844e19).
fn poisson(g: &Given, key: &str) -> Result<Dist, DistError> {
    let lambda = g.non_negative(key)?;
    let max = rand_distr::Poisson::<f64>::MAX_LAMBDA;
    if lambda > max {
        return Err(DistError::at(
            &[key],
            format!("{key} ({}) must be at most {}", show(lambda), show(max)),
        ));
    }
    Ok(Dist::Poisson { lambda })
}

fn binomial(g: &Given) -> Result<Dist, DistError> {
    let n = g.non_negative("n")?;
    if n.fract() != 0.0 {
        return Err(DistError::at(
            &["n"],
            format!("n ({}) must be a whole number of trials", show(n)),
        ));
    }
    if n > MAX_BINOMIAL_N {
        return Err(DistError::at(
            &["n"],
            format!("n ({}) must be at most 2^53", show(n)),
        ));
    }
    // Exact: n is a whole number in [0, 2^53].
    Ok(Dist::Binomial {
        n: n as u64,
        p: g.probability("p")?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The error for these keys; panics if they were accepted.
    fn err(dist: &str, keys: &[(&str, f64)]) -> DistError {
        match from_keys(dist, keys) {
            Ok(d) => panic!("{dist} {keys:?} accepted as {d:?}"),
            Err(e) => e,
        }
    }

    fn keys_of(e: &DistError) -> Vec<&str> {
        e.keys.iter().map(String::as_str).collect()
    }

    #[test]
    fn non_finite_values() {
        let e = err("normal", &[("mean", f64::NAN), ("sd", 1.0)]);
        assert_eq!(e.message, "mean must be a finite number, got NaN");
        assert_eq!(keys_of(&e), ["mean"]);
        let e = err("constant", &[("value", f64::INFINITY)]);
        assert_eq!(keys_of(&e), ["value"]);
        // Finite inputs whose conversion overflows.
        let e = err("normal", &[("p05", -1e308), ("p95", 1e308)]);
        assert_eq!(keys_of(&e), ["p05", "p95"]);
    }

    #[test]
    fn spreads_must_be_positive() {
        let e = err("normal", &[("mean", 1.0), ("sd", 0.0)]);
        assert_eq!(e.message, "sd (0) must be positive");
        assert_eq!(keys_of(&e), ["sd"]);
        let e = err("normal", &[("median", 1.0), ("sd", -2.0)]);
        assert_eq!(e.message, "sd (-2) must be positive");
        assert_eq!(
            keys_of(&err("lognormal", &[("mu", 1.0), ("sigma", 0.0)])),
            ["sigma"]
        );
        assert_eq!(
            keys_of(&err("lognormal", &[("mean", 1.0), ("sd", -1.0)])),
            ["sd"]
        );
        assert_eq!(
            keys_of(&err("lognormal", &[("mean", -1.0), ("sd", 1.0)])),
            ["mean"]
        );
        assert_eq!(
            keys_of(&err("lognormal", &[("median", 0.0), ("sigma", 1.0)])),
            ["median"]
        );
    }

    #[test]
    fn percentiles_must_be_ordered() {
        let e = err("lognormal", &[("p05", 450_000.0), ("p95", 150_000.0)]);
        assert_eq!(e.message, "p05 (450000) must be below p95 (150000)");
        assert_eq!(keys_of(&e), ["p05", "p95"]);
        assert_eq!(
            keys_of(&err("normal", &[("p05", 2.0), ("p95", 2.0)])),
            ["p05", "p95"]
        );
        assert_eq!(
            keys_of(&err("uniform", &[("p05", 3.0), ("p95", 2.0)])),
            ["p05", "p95"]
        );
        assert_eq!(
            keys_of(&err("gamma", &[("p05", 3.0), ("p95", 2.0)])),
            ["p05", "p95"]
        );
    }

    #[test]
    fn ranges_must_be_ordered_and_non_empty() {
        let e = err("uniform", &[("min", 5.0), ("max", 3.0)]);
        assert_eq!(e.message, "min (5) must be below max (3)");
        assert_eq!(keys_of(&e), ["min", "max"]);
        for dist in ["uniform", "loguniform"] {
            assert_eq!(
                keys_of(&err(dist, &[("min", 3.0), ("max", 3.0)])),
                ["min", "max"],
                "{dist}"
            );
        }
        for dist in ["triangular", "pert"] {
            let e = err(dist, &[("min", 3.0), ("mode", 3.0), ("max", 3.0)]);
            assert_eq!(keys_of(&e), ["min", "max"], "{dist}");
        }
        let e = err(
            "beta",
            &[("a", 1.0), ("b", 1.0), ("min", 2.0), ("max", 1.0)],
        );
        assert_eq!(keys_of(&e), ["min", "max"]);
        assert_eq!(
            keys_of(&err("loguniform", &[("min", 0.0), ("max", 3.0)])),
            ["min"]
        );
    }

    #[test]
    fn mode_must_be_within_the_range() {
        let e = err("triangular", &[("min", 1.0), ("mode", 7.0), ("max", 5.0)]);
        assert_eq!(e.message, "mode (7) must be within [min, max] = [1, 5]");
        assert_eq!(keys_of(&e), ["mode"]);
        let e = err(
            "pert",
            &[("min", 1.0), ("mode", 0.0), ("max", 5.0), ("lambda", 4.0)],
        );
        assert_eq!(keys_of(&e), ["mode"]);
        let e = err(
            "pert",
            &[("min", 1.0), ("mode", 2.0), ("max", 5.0), ("lambda", -1.0)],
        );
        assert_eq!(keys_of(&e), ["lambda"]);
    }

    #[test]
    fn probabilities_must_be_in_unit_interval() {
        let e = err("bernoulli", &[("p", 1.5)]);
        assert_eq!(e.message, "p (1.5) must be a probability in [0, 1]");
        assert_eq!(keys_of(&e), ["p"]);
        assert_eq!(keys_of(&err("binomial", &[("n", 3.0), ("p", -0.1)])), ["p"]);
    }

    #[test]
    fn lognormal_specific_checks() {
        let e = err("lognormal", &[("p05", 0.0), ("p95", 3.0)]);
        assert_eq!(e.message, "p05 (0) must be positive for a lognormal");
        assert_eq!(keys_of(&e), ["p05"]);
        let e = err("lognormal", &[("median", 2.0), ("error_factor", 1.0)]);
        assert_eq!(
            e.message,
            "error_factor (1) must be above 1 (it is p95 / median)"
        );
        assert_eq!(keys_of(&e), ["error_factor"]);
    }

    #[test]
    fn beta_specific_checks() {
        assert_eq!(keys_of(&err("beta", &[("a", 0.0), ("b", 1.0)])), ["a"]);
        assert_eq!(keys_of(&err("beta", &[("a", 1.0), ("b", -1.0)])), ["b"]);
        let e = err("beta", &[("mean", 1.0), ("sd", 0.1)]);
        assert_eq!(
            e.message,
            "mean (1) must be strictly inside (min, max) = (0, 1) for a beta"
        );
        assert_eq!(keys_of(&e), ["mean"]);
        assert_eq!(
            keys_of(&err(
                "beta",
                &[("mean", 12.0), ("sd", 1.0), ("min", 0.0), ("max", 10.0)]
            )),
            ["mean"]
        );
        // mean 0.5 on [0, 1]: sd must be below 0.5.
        let e = err("beta", &[("mean", 0.5), ("sd", 0.5)]);
        assert_eq!(
            e.message,
            "sd (0.5) is too large for a beta with mean 0.5 on [0, 1]: it must be below 0.5"
        );
        assert_eq!(keys_of(&e), ["sd"]);
        assert!(from_keys("beta", &[("mean", 0.5), ("sd", 0.49)]).is_ok());
    }

    #[test]
    fn gamma_specific_checks() {
        assert_eq!(
            keys_of(&err("gamma", &[("shape", 0.0), ("scale", 1.0)])),
            ["shape"]
        );
        assert_eq!(
            keys_of(&err("gamma", &[("shape", 1.0), ("scale", -1.0)])),
            ["scale"]
        );
        assert_eq!(
            keys_of(&err("gamma", &[("shape", 1.0), ("rate", 0.0)])),
            ["rate"]
        );
        assert_eq!(
            keys_of(&err("gamma", &[("mean", 0.0), ("sd", 1.0)])),
            ["mean"]
        );
        assert_eq!(
            keys_of(&err("gamma", &[("p05", -1.0), ("p95", 1.0)])),
            ["p05"]
        );
        // A range far too narrow for any gamma shape up to 1e7.
        let e = err("gamma", &[("p05", 1000.0), ("p95", 1000.001)]);
        assert_eq!(keys_of(&e), ["p05", "p95"]);
        assert!(e.hint.is_some());
    }

    #[test]
    fn rate_and_count_checks() {
        assert_eq!(keys_of(&err("exponential", &[("rate", 0.0)])), ["rate"]);
        assert_eq!(keys_of(&err("exponential", &[("mean", -1.0)])), ["mean"]);
        let e = err("poisson", &[("lambda", -1.0)]);
        assert_eq!(e.message, "lambda (-1) must not be negative");
        assert_eq!(keys_of(&e), ["lambda"]);
        assert_eq!(keys_of(&err("poisson", &[("mean", -0.5)])), ["mean"]);
        let e = err("poisson", &[("mean", 1e20)]);
        assert_eq!(e.message, "mean (1e20) must be at most 1.844e19");
        let e = err("binomial", &[("n", 2.5), ("p", 0.5)]);
        assert_eq!(e.message, "n (2.5) must be a whole number of trials");
        assert_eq!(keys_of(&e), ["n"]);
        assert_eq!(keys_of(&err("binomial", &[("n", -3.0), ("p", 0.5)])), ["n"]);
        assert_eq!(keys_of(&err("binomial", &[("n", 1e17), ("p", 0.5)])), ["n"]);
    }
}

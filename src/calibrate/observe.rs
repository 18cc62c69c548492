//! The observation model: how likely a reported figure is, given the value the world simulates.
//!
//! Every observation is turned into a log-likelihood function of the simulated quantity `y`,
//! on the observation's scale: `f(y) = ln y` on the log scale (the default for figures above
//! zero: errors are relative), `f(y) = y` on the linear scale.
//!
//! - A **point** `value = v` with a spread σ (on the scale): `f(v) = f(y) + e`, `e ~ N(0, σ²)`.
//!   On the log scale σ = √ln(1 + r²) for `rel_sd = r` (the log-sd of a log-normal whose
//!   coefficient of variation is r) and √ln(1 + (s/v)²) for `sd = s`; on the linear scale σ = s,
//!   or r·|v|. A report's own 90% range `p05`, `p95` gives a split normal: σ below the value is
//!   (f(v) − f(p05)) / 1.645, above it (f(p95) − f(v)) / 1.645. Without a spread (observations
//!   written before calibration existed), the history check's `tolerance` τ is read as the 90%
//!   half-width: σ = ln(1 + τ) / 1.645 on the log scale, τ·|v| / 1.645 on the linear.
//! - A **lower bound** `min = b` ("more than b"): P(report | y) = Φ((f(y) − f(b)) / s), a step
//!   softened by s (the softness: the spread given as rel_sd or sd, converted as above, else
//!   [`DEFAULT_SOFTNESS`] on the log scale and 0.1·|b| on the linear). An **upper bound** is the
//!   mirror image, and a **range** [a, b] is Φ((f(y) − f(a)) / s) − Φ((f(y) − f(b)) / s): flat
//!   inside, falling off over s at each edge.
//!
//! **Gross errors.** Reports are sometimes simply wrong (a misread table, a number passed
//! from source to source, a conflicting estimate). With probability ε (`[calibration]
//! gross_error`, default [`DEFAULT_GROSS_ERROR`]) a figure is taken to be such a gross error:
//! a point then has a normal error [`GROSS_WIDTH`] times as wide as stated, and a bound or range
//! says nothing (a constant ½). The likelihood is the mixture, (1 − ε)·stated + ε·gross (the
//! contaminated normal of Tukey 1960; Box & Tiao 1968). It changes little where the world agrees
//! with a figure and keeps a figure that the world cannot reproduce from dominating the
//! posterior: its log-likelihood levels off instead of falling without end, which also keeps
//! the simulation noise of the likelihood estimate small (see docs/calibration.md). ε = 0 gives
//! the stated error model alone.
//!
//! Simulated values at or below zero on the log scale are read as [`LOG_FLOOR`] times the
//! figure: a report of a positive number from a world where the quantity is zero is all but
//! impossible, yet the penalty stays finite so that the sampler can order such particles.

use crate::scenario::{DEFAULT_SOFTNESS, Figure, Observation, Scale, Spread};

/// z of the 95th percentile of the standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;

/// On the log scale, a simulated value at or below this share of the figure counts as this
/// share of it.
pub const LOG_FLOOR: f64 = 1e-6;

/// Default probability that a report is a gross error.
pub const DEFAULT_GROSS_ERROR: f64 = 0.05;

/// How many times wider than stated a point's error is when it is a gross error.
pub const GROSS_WIDTH: f64 = 10.0;

/// One observation's likelihood.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorModel {
    /// The scale of the error.
    pub scale: Scale,
    /// The shape of the likelihood, in scale units.
    pub kernel: Kernel,
    /// Probability of a gross error.
    pub gross: f64,
    /// Floor of simulated values on the log scale.
    floor: f64,
}

/// The shape of a likelihood on the observation's scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kernel {
    /// A (split) normal density around `centre`.
    Point {
        /// f(value).
        centre: f64,
        /// Spread below the centre.
        below: f64,
        /// Spread above the centre.
        above: f64,
    },
    /// Φ((x − bound) / softness).
    Min {
        /// f(bound).
        bound: f64,
        /// Softness.
        softness: f64,
    },
    /// Φ((bound − x) / softness).
    Max {
        /// f(bound).
        bound: f64,
        /// Softness.
        softness: f64,
    },
    /// Φ((x − lo) / s) − Φ((x − hi) / s).
    Range {
        /// f(low end).
        lo: f64,
        /// f(high end).
        hi: f64,
        /// Softness.
        softness: f64,
    },
}

impl ErrorModel {
    /// The model of an observation (whose values the scenario reader has checked), with
    /// gross-error probability `gross` in [0, 1).
    pub fn new(o: &Observation, gross: f64) -> ErrorModel {
        let numbers = o.figure.values();
        let scale = o.scale.map_or_else(
            || {
                if numbers.iter().all(|&v| v > 0.0) {
                    Scale::Log
                } else {
                    Scale::Linear
                }
            },
            |s| s.value,
        );
        let log = scale == Scale::Log;
        let f = |v: f64| if log { v.ln() } else { v };
        // A spread at the figure `v`, on the scale.
        let spread = |v: f64, s: Option<Spread>| -> Option<f64> {
            match s? {
                Spread::RelSd(r) if log => Some((1.0 + r.value * r.value).ln().sqrt()),
                Spread::RelSd(r) => Some(r.value * v.abs()),
                Spread::Sd(s) if log => Some((1.0 + (s.value / v).powi(2)).ln().sqrt()),
                Spread::Sd(s) => Some(s.value),
                Spread::Interval(..) => None,
            }
        };
        let default_softness = |v: f64| {
            if log {
                DEFAULT_SOFTNESS
            } else {
                DEFAULT_SOFTNESS * v.abs()
            }
        };
        let kernel = match o.figure {
            Figure::Point(v) => {
                let v = v.value;
                let (below, above) = match o.spread {
                    Some(Spread::Interval(lo, hi)) => {
                        ((f(v) - f(lo.value)) / Z95, (f(hi.value) - f(v)) / Z95)
                    }
                    s => {
                        let sigma = spread(v, s).unwrap_or_else(|| {
                            if log {
                                (1.0 + o.tolerance).ln() / Z95
                            } else {
                                o.tolerance * v.abs().max(f64::MIN_POSITIVE) / Z95
                            }
                        });
                        (sigma, sigma)
                    }
                };
                // A value on an end of its own range leaves one side without spread: use the
                // other's.
                let (below, above) = match (below > 0.0, above > 0.0) {
                    (true, true) => (below, above),
                    (false, true) => (above, above),
                    (true, false) => (below, below),
                    (false, false) => (f64::MIN_POSITIVE, f64::MIN_POSITIVE),
                };
                Kernel::Point {
                    centre: f(v),
                    below,
                    above,
                }
            }
            Figure::Min(b) => Kernel::Min {
                bound: f(b.value),
                softness: spread(b.value, o.spread).unwrap_or_else(|| default_softness(b.value)),
            },
            Figure::Max(b) => Kernel::Max {
                bound: f(b.value),
                softness: spread(b.value, o.spread).unwrap_or_else(|| default_softness(b.value)),
            },
            Figure::Range(lo, hi) => {
                let reference = lo.value.abs().max(hi.value.abs());
                Kernel::Range {
                    lo: f(lo.value),
                    hi: f(hi.value),
                    softness: spread(reference, o.spread)
                        .unwrap_or_else(|| default_softness(reference)),
                }
            }
        };
        let smallest = numbers
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        ErrorModel {
            scale,
            kernel,
            gross,
            floor: if smallest.is_finite() {
                smallest * LOG_FLOOR
            } else {
                f64::MIN_POSITIVE
            },
        }
    }

    /// The report's own 90% range of a point value (its stated error), in the figure's unit.
    pub fn stated_range(&self) -> Option<(f64, f64)> {
        let Kernel::Point {
            centre,
            below,
            above,
        } = self.kernel
        else {
            return None;
        };
        let back = |x: f64| match self.scale {
            Scale::Log => x.exp(),
            Scale::Linear => x,
        };
        Some((back(centre - Z95 * below), back(centre + Z95 * above)))
    }

    /// A simulated value on the observation's scale.
    pub fn transform(&self, y: f64) -> f64 {
        match self.scale {
            Scale::Log => y.max(self.floor).ln(),
            Scale::Linear => y,
        }
    }

    /// The log-likelihood of the report given the simulated value `y` (−∞ for NaN).
    pub fn log_lik(&self, y: f64) -> f64 {
        if y.is_nan() {
            return f64::NEG_INFINITY;
        }
        let x = self.transform(y);
        let stated = self.stated_log_lik(x);
        if self.gross <= 0.0 {
            return stated;
        }
        let gross = match self.kernel {
            Kernel::Point {
                centre,
                below,
                above,
            } => split_normal(x, centre, GROSS_WIDTH * below, GROSS_WIDTH * above),
            _ => 0.5f64.ln(),
        };
        log_add((1.0 - self.gross).ln() + stated, self.gross.ln() + gross)
    }

    /// The log-likelihood under the stated error alone, at `x` on the scale.
    pub fn stated_log_lik(&self, x: f64) -> f64 {
        match self.kernel {
            Kernel::Point {
                centre,
                below,
                above,
            } => split_normal(x, centre, below, above),
            Kernel::Min { bound, softness } => log_ndtr((x - bound) / softness),
            Kernel::Max { bound, softness } => log_ndtr((bound - x) / softness),
            Kernel::Range { lo, hi, softness } => {
                log_ndtr_diff((x - lo) / softness, (x - hi) / softness)
            }
        }
    }

    /// Whether the simulated value satisfies a bound or range (for points, always true).
    pub fn met(&self, y: f64) -> bool {
        let x = self.transform(y);
        match self.kernel {
            Kernel::Point { .. } => true,
            Kernel::Min { bound, .. } => x >= bound,
            Kernel::Max { bound, .. } => x <= bound,
            Kernel::Range { lo, hi, .. } => lo <= x && x <= hi,
        }
    }
}

/// The log density of a split normal: spread `below` left of `centre`, `above` right of it,
/// continuous at the centre and integrating to 1.
fn split_normal(x: f64, centre: f64, below: f64, above: f64) -> f64 {
    let sigma = if x < centre { below } else { above };
    let z = (x - centre) / sigma;
    -0.5 * z * z - (0.5 * (below + above)).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// ln(eᵃ + eᵇ).
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ln Φ(x), accurate far into the lower tail.
pub fn log_ndtr(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > -20.0 {
        (0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)).ln()
    } else {
        // Mills' ratio: Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + ...), here |x| ≥ 20.
        let x2 = x * x;
        -0.5 * x2 - (-x).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            + (1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2)).ln()
    }
}

/// ln(Φ(u) − Φ(v)) for u > v, without cancellation in either tail.
pub fn log_ndtr_diff(u: f64, v: f64) -> f64 {
    if u.is_nan() || v.is_nan() {
        return f64::NAN;
    }
    if v > 0.0 {
        // Both in the upper tail: Φ(u) − Φ(v) = Φ(−v) − Φ(−u).
        let (a, b) = (log_ndtr(-v), log_ndtr(-u));
        a + (-(b - a).exp()).ln_1p()
    } else {
        let (a, b) = (log_ndtr(u), log_ndtr(v));
        a + (-(b - a).exp()).ln_1p()
    }
}

/// Φ(x).
pub fn ndtr(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    fn model(figure: &str) -> ErrorModel {
        let text = format!(
            "[scenario]\nname = \"t\"\nstart = \"2024-01\"\nend = \"2024-12\"\n[stocks]\nx = {{ init = 1 }}\n[[observations]]\nvar = \"x\"\nat = \"2024-06\"\n{figure}\n"
        );
        let loaded = load_str("t.toml", &text);
        let s = loaded
            .scenario
            .unwrap_or_else(|| panic!("{:?}", loaded.diags));
        ErrorModel::new(&s.observations[0], 0.0)
    }

    #[test]
    fn log_ndtr_matches_reference_values() {
        // Φ(0) = 0.5; Φ(-5) = 2.866515718791946e-7; ln Φ(-30) = -454.3212439563431
        // (from erfc in double precision: Python's math.erfc).
        assert!((log_ndtr(0.0) - 0.5f64.ln()).abs() < 1e-15);
        assert!((log_ndtr(-5.0) - 2.866_515_718_791_939e-7f64.ln()).abs() < 1e-9);
        assert!((log_ndtr(-30.0) - (-454.321_243_956_343_1)).abs() < 1e-6);
        // Continuous where the two methods meet.
        assert!((log_ndtr(-20.0 + 1e-9) - log_ndtr(-20.0 - 1e-9)).abs() < 1e-6);
        assert!(log_ndtr(40.0).abs() < 1e-300);
        let inside = log_ndtr_diff(1.0, -1.0);
        assert!((inside - (ndtr(1.0) - ndtr(-1.0)).ln()).abs() < 1e-12);
        // Far above a range: Φ(−30) − Φ(−31), computed without cancellation.
        assert!(log_ndtr_diff(31.0, 30.0).is_finite());
        assert!((log_ndtr_diff(31.0, 30.0) - log_ndtr(-30.0)).abs() < 1e-6);
    }

    #[test]
    fn points_are_normal_on_their_scale() {
        let m = model("value = 100\nrel_sd = 0.3");
        assert_eq!(m.scale, Scale::Log);
        let sigma = (1.0f64 + 0.09).ln().sqrt();
        let expected = |y: f64| {
            let z = (100f64.ln() - y.ln()) / sigma;
            -0.5 * z * z - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
        };
        for y in [50.0, 100.0, 180.0] {
            assert!((m.log_lik(y) - expected(y)).abs() < 1e-12, "{y}");
        }
        let linear = model("value = -3\nsd = 2");
        assert_eq!(linear.scale, Scale::Linear);
        assert!((linear.log_lik(-1.0) - linear.log_lik(-5.0)).abs() < 1e-12);
        // A 90% range: the value is the median and each side has its own spread.
        let split = model("value = 10\np05 = 5\np95 = 40");
        let Kernel::Point { below, above, .. } = split.kernel else {
            panic!()
        };
        assert!((below - 2f64.ln() / Z95).abs() < 1e-12);
        assert!((above - 4f64.ln() / Z95).abs() < 1e-12);
        // Zero and NaN simulated values.
        assert!(m.log_lik(0.0).is_finite() && m.log_lik(0.0) < -1000.0);
        assert_eq!(m.log_lik(f64::NAN), f64::NEG_INFINITY);
    }

    #[test]
    fn a_points_stated_range_is_its_90_percent_interval() {
        // Log scale: exp(ln 100 ± 1.645 σ), σ = √ln(1 + 0.3²); linear: −3 ± 1.645 · 2.
        let sigma = (1.0f64 + 0.09).ln().sqrt();
        let (lo, hi) = model("value = 100\nrel_sd = 0.3").stated_range().unwrap();
        assert!((lo - 100.0 * (-Z95 * sigma).exp()).abs() < 1e-10, "{lo}");
        assert!((hi - 100.0 * (Z95 * sigma).exp()).abs() < 1e-10, "{hi}");
        let (lo, hi) = model("value = -3\nsd = 2").stated_range().unwrap();
        assert!((lo - (-3.0 - Z95 * 2.0)).abs() < 1e-12, "{lo}");
        assert!((hi - (-3.0 + Z95 * 2.0)).abs() < 1e-12, "{hi}");
        // A report's own range is given back as it was written.
        let (lo, hi) = model("value = 50\np05 = 30\np95 = 90")
            .stated_range()
            .unwrap();
        assert!(
            (lo - 30.0).abs() < 1e-10 && (hi - 90.0).abs() < 1e-10,
            "{lo} {hi}"
        );
        assert_eq!(model("min = 1000").stated_range(), None);
    }

    #[test]
    fn gross_errors_level_the_tails_off() {
        let mut m = model("value = 100\nrel_sd = 0.2");
        let stated = m.log_lik(500.0);
        m.gross = 0.05;
        // At the value the mixture is the stated density scaled by 0.95 plus a little.
        let at = m.log_lik(100.0);
        let Kernel::Point { below, .. } = m.kernel else {
            panic!()
        };
        let peak = |s: f64| -s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
        let expected = (0.95 * peak(below).exp() + 0.05 * peak(GROSS_WIDTH * below).exp()).ln();
        assert!((at - expected).abs() < 1e-12);
        // Far out (8 stated sds), the gross component holds the log-likelihood up: about
        // -5.6 against -32.6.
        assert!(m.log_lik(500.0) > stated + 20.0);
        let mut min = model("min = 1000");
        min.gross = 0.05;
        assert!((min.log_lik(1.0) - 0.025f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn bounds_and_ranges_are_soft_steps() {
        let min = model("min = 1000");
        assert!((min.log_lik(1000.0) - 0.5f64.ln()).abs() < 1e-12);
        assert!(min.log_lik(2000.0) > -1e-6);
        let s = DEFAULT_SOFTNESS;
        assert!((min.log_lik(900.0) - ndtr(0.9f64.ln() / s).ln()).abs() < 1e-12);
        let max = model("max = 10\nrel_sd = 0.01");
        // ln(10/12) / 0.01 = -18.2 sds beyond the bound: ln Φ(-18.2) ≈ -170.
        assert!(max.log_lik(12.0) < -150.0);
        let range = model("range = [2, 8]");
        assert!(range.log_lik(4.0) > -1e-3);
        assert!(range.log_lik(1.0) < range.log_lik(2.0));
        assert!(range.met(4.0) && !range.met(9.0));
    }
}

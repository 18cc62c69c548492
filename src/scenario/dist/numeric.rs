//! Numerical special functions behind [`super::Dist::quantile`] and the
//! percentile-based elicitation forms: the standard normal quantile, gamma and
//! beta quantiles, discrete quantile search, and the gamma shape fit from a
//! 90% range.
//!
//! Why not `statrs`' `inverse_cdf` directly: those panic on `p` outside
//! `[0, 1]` and, for the gamma, can panic when the doubling bracket search
//! overflows `x * rate` to infinity (`gamma_lr(..).unwrap()`); statrs' beta
//! quantile (AS 109) can spin forever if the incomplete beta returns NaN. We
//! use statrs only for the non-panicking `checked_*` regularized incomplete
//! gamma/beta functions and `erfc_inv`, and invert them here with a bracketed
//! Newton iteration that always terminates.
//!
//! statrs' incomplete functions lose accuracy (or, for the incomplete gamma,
//! take O(sqrt(a)) series terms) once the parameters are huge: measured
//! against a Cornish–Fisher expansion, the gamma quantile drifts by 1e-6 sd at
//! shape 1e9 and hangs at 1e20, the beta quantile is wrong at a = b = 1e8,
//! and the binomial lower tail is wrong from n p q ~ 1e7. In that regime the
//! distributions are within a hair of normal, so we switch to the
//! Cornish–Fisher expansion ([`cornish_fisher`]), whose error there is below
//! 1e-9 sd.

use statrs::function::beta::{checked_beta_reg, checked_ln_beta};
use statrs::function::erf::erfc_inv;
use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};

/// Φ⁻¹(0.95), the standard normal 95th percentile (to double precision, as
/// given by e.g. scipy.stats.norm.ppf(0.95)); a 90% range is mean ± Z95 sd.
pub(super) const Z95: f64 = 1.644_853_626_951_472_2;

/// Iteration cap for the bracketed Newton solver; bisection alone halves the
/// bracket each step, so this is far more than needed for any double.
const MAX_NEWTON_ITERATIONS: usize = 400;

/// Doubling steps allowed when searching for an upper bracket (2^1100
/// overflows any double, so this always ends).
const MAX_DOUBLINGS: usize = 1100;

/// Shape range searched when fitting a gamma to a 90% range. Below 0.01 the
/// 5th percentile underflows towards 1e-130 and below; at 1e10 the 90% range
/// is ±0.0016% of the median, and anything narrower is better as a normal.
pub(super) const GAMMA_FIT_MIN_SHAPE: f64 = 0.01;
/// Upper end of the gamma shape search, see [`GAMMA_FIT_MIN_SHAPE`].
pub(super) const GAMMA_FIT_MAX_SHAPE: f64 = 1e10;

/// Gamma shape, and beta `min(a, b)`, from which quantiles use
/// [`cornish_fisher`] (skewness <= 2e-3 there).
const LARGE_SHAPE: f64 = 1e6;

/// Poisson mean from which quantiles use [`cornish_fisher`] (statrs is still
/// exact there but costs O(sqrt(lambda)) per CDF evaluation).
const LARGE_POISSON_MEAN: f64 = 1e6;

/// Binomial variance n p q from which quantiles use [`cornish_fisher`]
/// (statrs' lower tail is already wrong at n p q = 2.1e7; it and the
/// expansion agree exactly at 2.1e5).
const LARGE_BINOMIAL_VARIANCE: f64 = 1e4;

/// Standard normal quantile Φ⁻¹(p) = -√2 · erfc⁻¹(2p) (statrs' erfc_inv is
/// Boost's rational approximation, accurate to a few ulps). NaN outside
/// `[0, 1]`; ±inf at the ends.
pub(super) fn standard_normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// Lower regularized incomplete gamma P(shape, z): the CDF of Gamma(shape, 1).
fn gamma_cdf_standard(shape: f64, z: f64) -> f64 {
    if z <= 0.0 {
        return 0.0;
    }
    if z == f64::INFINITY {
        return 1.0;
    }
    checked_gamma_lr(shape, z).unwrap_or(f64::NAN)
}

/// Density of Gamma(shape, 1) at `z > 0`, in log space to avoid overflow.
fn gamma_pdf_standard(shape: f64, z: f64) -> f64 {
    ((shape - 1.0) * z.ln() - z - ln_gamma(shape)).exp()
}

/// Upper regularized incomplete gamma Q(shape, z) = 1 - P(shape, z).
fn gamma_sf_standard(shape: f64, z: f64) -> f64 {
    if z <= 0.0 {
        return 1.0;
    }
    if z == f64::INFINITY {
        return 0.0;
    }
    checked_gamma_ur(shape, z).unwrap_or(f64::NAN)
}

/// Quantile of Gamma(shape, scale = 1). NaN for invalid input.
///
/// In the upper half the survival function is inverted instead of the CDF:
/// near 1 the CDF has only ~1e-16 absolute resolution, which would cost
/// relative accuracy in the tail probability (and so in the quantile).
pub(super) fn gamma_quantile_standard(shape: f64, p: f64) -> f64 {
    if !(shape > 0.0 && shape.is_finite() && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if shape >= LARGE_SHAPE {
        let sd = shape.sqrt();
        return cornish_fisher(shape, sd, 2.0 / sd, 6.0 / shape, p).max(0.0);
    }
    let upper = p > 0.5;
    // An increasing function of z and its target: P(z) = p, or -Q(z) = -(1 - p).
    let (target, g): (f64, &dyn Fn(f64) -> f64) = if upper {
        (-(1.0 - p), &|z| -gamma_sf_standard(shape, z))
    } else {
        (p, &|z| gamma_cdf_standard(shape, z))
    };
    let Some(hi) = upper_bracket(g, target, 2.0 * shape.max(1.0)) else {
        return f64::NAN;
    };
    // Wilson & Hilferty (1931) cube-root approximation as the starting point.
    let h = 1.0 / (9.0 * shape);
    let guess = shape * (1.0 - h + standard_normal_quantile(p) * h.sqrt()).powi(3);
    invert_cdf(
        |z| (g(z), gamma_pdf_standard(shape, z)),
        target,
        0.0,
        hi,
        guess,
    )
}

/// Quantile of Beta(a, b) on `[0, 1]`. NaN for invalid input. In the upper
/// half it uses the mirror identity Q_{a,b}(p) = 1 - Q_{b,a}(1 - p), for the
/// same tail-accuracy reason as the gamma.
pub(super) fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if a.min(b) >= LARGE_SHAPE {
        return beta_cornish_fisher(a, b, p);
    }
    if p > 0.5 {
        return 1.0 - beta_quantile_lower(b, a, 1.0 - p);
    }
    beta_quantile_lower(a, b, p)
}

/// Beta quantile from its first four moments (Johnson, Kotz & Balakrishnan,
/// *Continuous Univariate Distributions* vol. 2, 2nd ed., eq. 25.18-25.20).
fn beta_cornish_fisher(a: f64, b: f64, p: f64) -> f64 {
    let s = a + b;
    let sd = (a / s * b / s / (s + 1.0)).sqrt();
    let skew = 2.0 * (b - a) * (s + 1.0).sqrt() / ((s + 2.0) * (a * b).sqrt());
    let excess_kurtosis =
        6.0 * ((a - b).powi(2) * (s + 1.0) - a * b * (s + 2.0)) / (a * b * (s + 2.0) * (s + 3.0));
    cornish_fisher(a / s, sd, skew, excess_kurtosis, p).clamp(0.0, 1.0)
}

/// Quantile at `p` of a distribution close to normal, from its mean, sd,
/// skewness and excess kurtosis: the Cornish–Fisher expansion to third
/// order, w = z + (z²-1)γ₁/6 + (z³-3z)γ₂/24 - (2z³-5z)γ₁²/36 (Cornish &
/// Fisher 1937; Abramowitz & Stegun 26.2.49 gives the same expansion).
fn cornish_fisher(mean: f64, sd: f64, skew: f64, excess_kurtosis: f64, p: f64) -> f64 {
    let z = standard_normal_quantile(p);
    let z2 = z * z;
    let w = z + (z2 - 1.0) * skew / 6.0 + (z2 - 3.0) * z * excess_kurtosis / 24.0
        - (2.0 * z2 - 5.0) * z * skew * skew / 36.0;
    mean + sd * w
}

/// Discrete quantile (smallest k with CDF >= p) of a count close to normal:
/// the Cornish–Fisher quantile with a continuity correction, P(X <= k) ~
/// P(Y <= k + 1/2), so k = ceil(y - 1/2), clamped to `[0, max_k]`.
fn discrete_cornish_fisher(
    mean: f64,
    sd: f64,
    skew: f64,
    excess_kurtosis: f64,
    p: f64,
    max_k: f64,
) -> f64 {
    (cornish_fisher(mean, sd, skew, excess_kurtosis, p) - 0.5)
        .ceil()
        .clamp(0.0, max_k)
}

/// Poisson(lambda) quantile: smallest k with P(X <= k) >= p (NaN for invalid
/// input); `p = 1` gives +inf unless lambda = 0.
pub(super) fn poisson_quantile(lambda: f64, p: f64) -> f64 {
    if !(lambda >= 0.0 && lambda.is_finite() && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if lambda == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if lambda >= LARGE_POISSON_MEAN {
        let sd = lambda.sqrt();
        return discrete_cornish_fisher(lambda, sd, 1.0 / sd, 1.0 / lambda, p, f64::INFINITY);
    }
    discrete_quantile(|k| poisson_cdf(lambda, k), p, lambda, u64::MAX)
}

/// Binomial(n, prob) quantile: smallest k with P(X <= k) >= p (NaN for
/// invalid input); `p = 1` gives the top of the support.
pub(super) fn binomial_quantile(n: u64, prob: f64, p: f64) -> f64 {
    if !((0.0..=1.0).contains(&prob) && (0.0..=1.0).contains(&p)) {
        return f64::NAN;
    }
    if prob == 0.0 || n == 0 {
        return 0.0;
    }
    let trials = n as f64;
    if p == 1.0 || prob == 1.0 {
        return trials;
    }
    let variance = trials * prob * (1.0 - prob);
    if variance >= LARGE_BINOMIAL_VARIANCE {
        let sd = variance.sqrt();
        let skew = (1.0 - 2.0 * prob) / sd;
        let excess_kurtosis = (1.0 - 6.0 * prob * (1.0 - prob)) / variance;
        return discrete_cornish_fisher(trials * prob, sd, skew, excess_kurtosis, p, trials);
    }
    discrete_quantile(|k| binomial_cdf(n, prob, k), p, trials * prob, n)
}

/// [`beta_quantile`] for valid parameters and `p` in `[0, 0.5]`.
fn beta_quantile_lower(a: f64, b: f64, p: f64) -> f64 {
    if p == 0.0 {
        return 0.0;
    }
    let Ok(ln_b) = checked_ln_beta(a, b) else {
        return f64::NAN;
    };
    let cdf = |x: f64| checked_beta_reg(a, b, x).unwrap_or(f64::NAN);
    let pdf = |x: f64| ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_b).exp();
    invert_cdf(|x| (cdf(x), pdf(x)), p, 0.0, 1.0, a / (a + b))
}

/// Smallest `x` in `(lo, hi]` with `cdf(x) >= p`, for a continuous increasing
/// CDF given with its density as `cdf_pdf(x) = (F(x), f(x))`.
///
/// Safeguarded Newton–Raphson (Press et al., *Numerical Recipes*, 3rd ed.,
/// §9.4, `rtsafe`): the bracket `[lo, hi]` with `F(lo) < p <= F(hi)` is kept
/// as an invariant and a bisection step is taken whenever the Newton step is
/// not finite or leaves the bracket, so it converges even where the density
/// underflows. Returns NaN if the CDF returns NaN.
fn invert_cdf(
    cdf_pdf: impl Fn(f64) -> (f64, f64),
    p: f64,
    mut lo: f64,
    mut hi: f64,
    guess: f64,
) -> f64 {
    let mut x = if guess > lo && guess < hi {
        guess
    } else {
        lo + 0.5 * (hi - lo)
    };
    for _ in 0..MAX_NEWTON_ITERATIONS {
        let (cdf, pdf) = cdf_pdf(x);
        if cdf.is_nan() {
            return f64::NAN;
        }
        let step = (cdf - p) / pdf;
        if cdf == p || step == 0.0 {
            return x;
        }
        if cdf < p {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - step;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            lo + 0.5 * (hi - lo)
        };
        if (next - x).abs() <= 2.0 * f64::EPSILON * next.abs() {
            return next;
        }
        if next <= lo || next >= hi {
            // Bracket collapsed to adjacent doubles: hi is the answer.
            return hi;
        }
        x = next;
    }
    x
}

/// An `x >= start` with `cdf(x) >= p`, found by doubling; `None` if the
/// CDF is NaN or never reaches `p` before overflowing.
fn upper_bracket(cdf: &dyn Fn(f64) -> f64, p: f64, start: f64) -> Option<f64> {
    let mut hi = start;
    for _ in 0..MAX_DOUBLINGS {
        let c = cdf(hi);
        if c.is_nan() || !hi.is_finite() {
            return None;
        }
        if c >= p {
            return Some(hi);
        }
        hi *= 2.0;
    }
    None
}

/// Poisson(lambda) CDF at `k`: P(X <= k) = Q(k + 1, lambda), the upper
/// regularized incomplete gamma (Abramowitz & Stegun 26.4.21).
fn poisson_cdf(lambda: f64, k: u64) -> f64 {
    if lambda == 0.0 {
        return 1.0;
    }
    checked_gamma_ur(k as f64 + 1.0, lambda).unwrap_or(f64::NAN)
}

/// Binomial(n, p) CDF at `k`: P(X <= k) = I_{1-p}(n - k, k + 1), the
/// regularized incomplete beta (Abramowitz & Stegun 26.5.24).
fn binomial_cdf(n: u64, p: f64, k: u64) -> f64 {
    if k >= n || p == 0.0 {
        return 1.0;
    }
    if p == 1.0 {
        return 0.0;
    }
    checked_beta_reg((n - k) as f64, k as f64 + 1.0, 1.0 - p).unwrap_or(f64::NAN)
}

/// Smallest integer `k >= 0` with `cdf(k) >= p`, for `p` in `[0, 1)` and a
/// CDF that reaches `p` at or before `max_k`; `guess` (e.g. the mean) seeds
/// the bracket. NaN if the CDF misbehaves or the bracket search gives up.
fn discrete_quantile(cdf: impl Fn(u64) -> f64, p: f64, guess: f64, max_k: u64) -> f64 {
    if !(0.0..1.0).contains(&p) {
        return f64::NAN;
    }
    // Upper bracket: double from the guess until the CDF reaches p.
    let mut hi = if guess.is_finite() && guess >= 1.0 {
        (guess as u64).min(max_k)
    } else {
        1u64.min(max_k)
    };
    let mut doublings = 0;
    while cdf(hi) < p && hi < max_k {
        hi = hi.saturating_mul(2).min(max_k);
        doublings += 1;
        if doublings > 64 {
            return f64::NAN;
        }
    }
    let reached = cdf(hi) >= p;
    if !reached {
        return f64::NAN;
    }
    // Lower bound: binary search for the first k with cdf(k) >= p.
    let mut lo = 0u64;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cdf(mid) >= p {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    hi as f64
}

/// Ratio of the 95th to the 5th percentile of a gamma with this shape (scale
/// cancels). Strictly decreasing in shape, from +inf (shape -> 0) to 1.
fn gamma_ratio_95_05(shape: f64) -> f64 {
    gamma_quantile_standard(shape, 0.95) / gamma_quantile_standard(shape, 0.05)
}

/// Gamma shape whose p95/p05 ratio equals `ratio` (> 1), by bisection on
/// ln(shape) over [`GAMMA_FIT_MIN_SHAPE`, `GAMMA_FIT_MAX_SHAPE`], using the
/// monotonicity of the ratio in shape. `None` if the ratio is outside what
/// that shape range can produce.
pub(super) fn gamma_shape_for_ratio(ratio: f64) -> Option<f64> {
    if !(ratio > 1.0 && ratio.is_finite()) {
        return None;
    }
    let (mut lo, mut hi) = (GAMMA_FIT_MIN_SHAPE.ln(), GAMMA_FIT_MAX_SHAPE.ln());
    // The widest and narrowest ranges reachable: refuse anything beyond them.
    if gamma_ratio_95_05(lo.exp()) < ratio || gamma_ratio_95_05(hi.exp()) > ratio {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let r = gamma_ratio_95_05(mid.exp());
        if r.is_nan() {
            return None;
        }
        // Ratio too wide means the shape is still too small.
        if r > ratio {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rel_close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn normal_quantile_reference_values() {
        // Reference values: scipy.stats.norm.ppf.
        assert!(rel_close(
            standard_normal_quantile(0.95),
            1.644_853_626_951_472_2,
            1e-15
        ));
        assert!(rel_close(
            standard_normal_quantile(0.975),
            1.959_963_984_540_054,
            1e-15
        ));
        assert!(rel_close(
            standard_normal_quantile(0.001),
            -3.090_232_306_167_813_6,
            1e-14
        ));
        assert_eq!(standard_normal_quantile(0.5), 0.0);
        assert_eq!(standard_normal_quantile(1.0), f64::INFINITY);
        assert_eq!(standard_normal_quantile(0.0), f64::NEG_INFINITY);
        assert!(standard_normal_quantile(1.5).is_nan());
        assert!(standard_normal_quantile(f64::NAN).is_nan());
        assert!(rel_close(Z95, standard_normal_quantile(0.95), 1e-15));
    }

    #[test]
    fn gamma_quantile_reference_values() {
        // shape 1 is Exp(1): Q(p) = -ln(1 - p).
        for &p in &[1e-10, 0.05, 0.5, 0.95, 0.999_999] {
            assert!(
                rel_close(gamma_quantile_standard(1.0, p), -(-p).ln_1p(), 1e-12),
                "p={p}"
            );
        }
        // Chi-square(k) = Gamma(k/2, 2): chi2.ppf(0.95, 10) = 18.307038053275146.
        assert!(rel_close(
            2.0 * gamma_quantile_standard(5.0, 0.95),
            18.307_038_053_275_146,
            1e-10
        ));
        // chi2.ppf(0.05, 1) = 0.003932140000019522 (tiny shape 0.5, steep near 0).
        assert!(rel_close(
            2.0 * gamma_quantile_standard(0.5, 0.05),
            0.003_932_140_000_019_522,
            1e-9
        ));
        // Very small shape: Q(p) ~ (p Γ(a+1))^(1/a) for small p.
        let q = gamma_quantile_standard(0.02, 0.05);
        assert!(q > 0.0 && rel_close(gamma_cdf_standard(0.02, q), 0.05, 1e-10));
        // Large shape: the quantile round-trips through the CDF.
        let q = gamma_quantile_standard(1e6, 0.95);
        assert!(rel_close(gamma_cdf_standard(1e6, q), 0.95, 1e-8));
        assert!(gamma_quantile_standard(-1.0, 0.5).is_nan());
        assert!(gamma_quantile_standard(2.0, 1.5).is_nan());
    }

    #[test]
    fn beta_quantile_reference_values() {
        // Beta(2, 1) has CDF x^2: Q(p) = sqrt(p).
        for &p in &[1e-12, 0.05, 0.5, 0.95] {
            assert!(
                rel_close(beta_quantile(2.0, 1.0, p), p.sqrt(), 1e-12),
                "p={p}"
            );
        }
        // Beta(1, 3) has CDF 1 - (1-x)^3: Q(p) = 1 - (1-p)^(1/3).
        let p = 0.3f64;
        assert!(rel_close(
            beta_quantile(1.0, 3.0, p),
            1.0 - (1.0 - p).cbrt(),
            1e-12
        ));
        assert!(rel_close(beta_quantile(2.0, 2.0, 0.5), 0.5, 1e-14));
        // U-shaped, a, b < 1: arcsine law Beta(1/2, 1/2): Q(p) = sin^2(pi p / 2).
        let q = (std::f64::consts::FRAC_PI_2 * 0.1).sin().powi(2);
        assert!(rel_close(beta_quantile(0.5, 0.5, 0.1), q, 1e-10));
        assert!(beta_quantile(0.0, 1.0, 0.5).is_nan());
        assert_eq!(beta_quantile(3.0, 4.0, 1.0), 1.0);
    }

    #[test]
    fn discrete_cdfs_match_closed_forms() {
        // Poisson(2): P(X <= 1) = 3 e^-2.
        assert!(rel_close(poisson_cdf(2.0, 1), 3.0 * (-2.0f64).exp(), 1e-13));
        // Binomial(3, 0.5): P(X <= 1) = 4/8.
        assert!(rel_close(binomial_cdf(3, 0.5, 1), 0.5, 1e-13));
        assert_eq!(binomial_cdf(3, 0.5, 3), 1.0);
    }

    #[test]
    fn discrete_quantile_is_smallest_k_reaching_p() {
        // Poisson(2): CDF 0.1353, 0.4060, 0.6767, 0.8571, 0.9473, 0.9834.
        let q = |p| discrete_quantile(|k| poisson_cdf(2.0, k), p, 2.0, u64::MAX);
        assert_eq!(q(0.0), 0.0);
        assert_eq!(q(0.1), 0.0);
        assert_eq!(q(0.2), 1.0);
        assert_eq!(q(0.95), 5.0);
        // Binomial(10, 0.3): CDF(5) = 0.9527, CDF(4) = 0.8497.
        let qb = |p| discrete_quantile(|k| binomial_cdf(10, 0.3, k), p, 3.0, 10);
        assert_eq!(qb(0.95), 5.0);
        assert_eq!(qb(0.85), 5.0);
        assert_eq!(qb(0.84), 4.0);
        assert_eq!(qb(0.999_999_9), 10.0);
        // Big lambda: the answer is near lambda + 1.645 sqrt(lambda).
        let big = discrete_quantile(|k| poisson_cdf(1e6, k), 0.95, 1e6, u64::MAX);
        assert!((big - (1e6 + Z95 * 1e3)).abs() < 3.0, "{big}");
        assert!(discrete_quantile(|_| f64::NAN, 0.5, 1.0, u64::MAX).is_nan());
    }

    #[test]
    fn gamma_shape_fit_inverts_the_ratio() {
        for &shape in &[0.05, 0.7, 3.0, 250.0, 1e5, 1e8] {
            let ratio = gamma_ratio_95_05(shape);
            let fitted = gamma_shape_for_ratio(ratio).unwrap();
            assert!(rel_close(fitted, shape, 1e-8), "shape {shape} -> {fitted}");
        }
        assert!(gamma_shape_for_ratio(1.0).is_none());
        assert!(gamma_shape_for_ratio(1.000_000_1).is_none());
        assert!(gamma_shape_for_ratio(1e300).is_none());
        assert!(gamma_shape_for_ratio(f64::NAN).is_none());
    }

    /// (a - b) in units of `sd`.
    fn z_diff(a: f64, b: f64, sd: f64) -> f64 {
        ((a - b) / sd).abs()
    }

    #[test]
    fn huge_gamma_shapes_use_the_expansion_and_stay_continuous() {
        // Below and at the switch: statrs inversion vs Cornish-Fisher.
        let below = gamma_quantile_standard(LARGE_SHAPE * (1.0 - 1e-12), 0.95);
        let at = gamma_quantile_standard(LARGE_SHAPE, 0.95);
        assert!(
            z_diff(below, at, LARGE_SHAPE.sqrt()) < 1e-8,
            "{below} vs {at}"
        );
        // Shape 1e20 used to hang in the incomplete gamma series.
        let k = 1e20f64;
        let q = gamma_quantile_standard(k, 0.95);
        assert!(z_diff(q, k + Z95 * k.sqrt(), k.sqrt()) < 1e-6, "{q}");
        assert!(gamma_quantile_standard(1e300, 0.05).is_finite());
    }

    #[test]
    fn huge_beta_shapes_use_the_expansion_and_stay_continuous() {
        for &(a, b) in &[(1.0, 3.0), (1.0, 1e3)] {
            let (a, b) = (a * LARGE_SHAPE, b * LARGE_SHAPE);
            let s: f64 = a + b;
            let sd = (a * b / (s * s * (s + 1.0))).sqrt();
            let below = beta_quantile(a * (1.0 - 1e-12), b, 0.05);
            let at = beta_quantile(a, b, 0.05);
            assert!(z_diff(below, at, sd) < 1e-6, "({a}, {b}): {below} vs {at}");
        }
        // a = b = 1e8: statrs' incomplete beta gives 0.4999990 here.
        let (a, b) = (1e8f64, 1e8f64);
        let sd = (0.25 / (a + b + 1.0)).sqrt();
        let q = beta_quantile(a, b, 0.95);
        assert!(z_diff(q, 0.5 + Z95 * sd, sd) < 1e-6, "{q}");
    }

    #[test]
    fn large_counts_expansion_matches_exact_search() {
        // Exact CDF search and the expansion agree at the switch point.
        let lambda = LARGE_POISSON_MEAN;
        for &p in &[0.001, 0.05, 0.5, 0.95, 0.999] {
            let exact = discrete_quantile(|k| poisson_cdf(lambda, k), p, lambda, u64::MAX);
            assert_eq!(poisson_quantile(lambda, p), exact, "poisson p={p}");
        }
        let (n, prob) = (100_000u64, 0.3);
        for &p in &[0.001, 0.05, 0.5, 0.95, 0.999] {
            let exact = discrete_quantile(|k| binomial_cdf(n, prob, k), p, 3e4, n);
            assert_eq!(binomial_quantile(n, prob, p), exact, "binomial p={p}");
        }
        // Regimes where the exact search broke: n = 1e8 (lower tail above
        // the mean) and lambda = 1e12 (off by 1400 and slow).
        let q = binomial_quantile(100_000_000, 0.3, 0.05);
        let sd = (1e8f64 * 0.21).sqrt();
        assert!((q - (3e7 - Z95 * sd)).abs() < 1.0, "{q}");
        let q = poisson_quantile(1e12, 0.95);
        assert!((q - (1e12 + Z95 * 1e6)).abs() < 1.0, "{q}");
        assert!(poisson_quantile(-1.0, 0.5).is_nan());
        assert!(binomial_quantile(10, 1.5, 0.5).is_nan());
        assert_eq!(binomial_quantile(0, 0.5, 0.7), 0.0);
    }
}

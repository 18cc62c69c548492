//! Exact quantiles and per-outcome summaries computed from all stored values.
//!
//! The engine keeps every run's value for its headline outcomes, so their summaries can be exact.
//! Quantiles use Hyndman & Fan (1996, "Sample quantiles in statistical packages", The American
//! Statistician 50(4), 361–365) definition 7, the default of R's `quantile()` and of numpy's
//! `percentile()`, so that numbers in briefings can be reproduced with those tools.
//! Streaming, bounded-memory percentiles live in [`crate::stats::sketch`] instead.

use serde::Serialize;

/// Type-7 quantile of an ascending-sorted slice: with `h = (n − 1)·p`,
/// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])` (0-based indices).
///
/// `sorted` must be in ascending order (not checked; an unsorted slice gives a meaningless but
/// non-panicking answer). Returns `None` for an empty slice or when `p` is NaN or outside `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let floor = h.floor();
    // h ∈ [0, n − 1], so the cast is in range; `get` keeps the code panic-free regardless.
    let lo = floor as usize;
    let below = *sorted.get(lo)?;
    let frac = h - floor;
    if frac == 0.0 {
        // Exact order statistic; also avoids touching x[lo + 1], which does not exist at p = 1.
        return Some(below);
    }
    let above = *sorted.get(lo + 1)?;
    Some(below + frac * (above - below))
}

/// Summary of one outcome over all runs: count, moments and type-7 quantiles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of values.
    pub n: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (`n − 1` denominator); `None` when `n < 2`.
    pub sd: Option<f64>,
    /// Standard error of the mean, `sd / √n`; `None` when `n < 2`.
    pub se: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// 5th percentile (type 7).
    pub p05: f64,
    /// 25th percentile (type 7).
    pub p25: f64,
    /// Median (type 7).
    pub p50: f64,
    /// 75th percentile (type 7).
    pub p75: f64,
    /// 95th percentile (type 7).
    pub p95: f64,
    /// Largest value.
    pub max: f64,
}

/// Summarises `values` (in any order); `None` when empty.
///
/// Callers must pass finite values only (the engine reports non-finite outcomes separately);
/// this is checked with `debug_assert!` only. Non-finite input does not panic in release builds,
/// it just yields NaN/infinite fields. The mean and standard deviation are accumulated in the
/// given order, so the result is deterministic for a given input slice; quantiles use a sorted
/// copy (ordered by [`f64::total_cmp`]).
pub fn summarize(values: &[f64]) -> Option<Summary> {
    debug_assert!(
        values.iter().all(|x| x.is_finite()),
        "summarize expects finite values"
    );
    let (mean, sd) = mean_and_sd(values)?;
    let n = values.len() as u64;
    let se = sd.map(|sd| sd / (n as f64).sqrt());
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| quantile_sorted(&sorted, p);
    Some(Summary {
        n,
        mean,
        sd,
        se,
        min: *sorted.first()?,
        p05: q(0.05)?,
        p25: q(0.25)?,
        p50: q(0.5)?,
        p75: q(0.75)?,
        p95: q(0.95)?,
        max: *sorted.last()?,
    })
}

/// Mean and sample variance (`None` when `n < 2`) by the corrected two-pass algorithm of
/// Chan, Golub & LeVeque (1983, "Algorithms for computing the sample variance: analysis and
/// recommendations", The American Statistician 37(3), 242–247): a first pass gives a provisional
/// mean `m`, the second sums `d = x − m` and `d²`; `Σd` corrects both the mean and the variance
/// for the rounding error of `m`. Returns `None` for an empty slice.
fn mean_and_sd(values: &[f64]) -> Option<(f64, Option<f64>)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mut provisional = values.iter().sum::<f64>() / n;
    if provisional.is_infinite() {
        // The sum of finite values passed the largest number (values near 1.8e308): the mean of
        // the values divided by n cannot, and is as good a provisional mean.
        provisional = values.iter().map(|x| x / n).sum::<f64>();
    }
    let (dev_sum, dev_sq_sum) = values.iter().fold((0.0, 0.0), |(s, s2), &x| {
        let d = x - provisional;
        (s + d, s2 + d * d)
    });
    let mut mean = provisional + dev_sum / n;
    if !mean.is_finite() {
        // Deviations overflowed (values of both signs near the largest number).
        mean = provisional;
    }
    let sd = (values.len() >= 2).then(|| {
        let v = (dev_sq_sum - dev_sum * dev_sum / n) / (n - 1.0);
        if v.is_finite() {
            // Non-negative in exact arithmetic; a comparison (not `max`) keeps NaN visible.
            (if v < 0.0 { 0.0 } else { v }).sqrt()
        } else {
            scaled_sd(values, provisional)
        }
    });
    Some((mean, sd))
}

/// The sample standard deviation when the sum of squared deviations overflows (values beyond
/// about 1e154): deviations are divided by the largest one first (the scaling of LAPACK's
/// `dnrm2`), so the result is a number whenever the standard deviation itself is.
fn scaled_sd(values: &[f64], centre: f64) -> f64 {
    let n = values.len() as f64;
    // Halved, so that a deviation between values of opposite sign near the largest number
    // cannot overflow.
    let half = |x: f64| x / 2.0 - centre / 2.0;
    let scale = values
        .iter()
        .map(|&x| half(x).abs())
        .fold(0.0_f64, f64::max);
    if scale == 0.0 || !scale.is_finite() {
        return 0.0;
    }
    let sum: f64 = values.iter().map(|&x| (half(x) / scale).powi(2)).sum();
    2.0 * scale * (sum / (n - 1.0)).sqrt()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn r_reference_one_to_ten() {
        // R: quantile(c(1,2,3,4,5,6,7,8,9,10), c(.05,.25,.5,.75,.95)) = 1.45 3.25 5.50 7.75 9.55
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let expected = [
            (0.05, 1.45),
            (0.25, 3.25),
            (0.5, 5.5),
            (0.75, 7.75),
            (0.95, 9.55),
        ];
        for (p, q) in expected {
            assert_close(quantile_sorted(&x, p).unwrap(), q);
        }
        assert_eq!(quantile_sorted(&x, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&x, 1.0), Some(10.0));
    }

    #[test]
    fn numpy_and_hand_reference_values() {
        // numpy docs: np.percentile([[10, 7, 4], [3, 2, 1]], 50) = 3.5 (flattened, sorted below).
        assert_eq!(
            quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 7.0, 10.0], 0.5),
            Some(3.5)
        );
        // By hand: h = 3·0.4 = 1.2 → 3 + 0.2·(7 − 3) = 3.8.
        assert_close(quantile_sorted(&[1.0, 3.0, 7.0, 15.0], 0.4).unwrap(), 3.8);
        // Negative values: h = 2·0.75 = 1.5 → −2 + 0.5·(−1 − −2) = −1.5.
        assert_close(quantile_sorted(&[-4.0, -2.0, -1.0], 0.75).unwrap(), -1.5);
    }

    #[test]
    fn single_and_two_values() {
        for p in [0.0, 0.3, 0.5, 1.0] {
            assert_eq!(quantile_sorted(&[42.0], p), Some(42.0));
        }
        // Two values interpolate linearly: p ↦ 2 + 6p.
        for (p, q) in [(0.0, 2.0), (0.25, 3.5), (0.5, 5.0), (0.95, 7.7), (1.0, 8.0)] {
            assert_close(quantile_sorted(&[2.0, 8.0], p).unwrap(), q);
        }
    }

    #[test]
    fn invalid_inputs_give_none() {
        assert_eq!(quantile_sorted(&[], 0.5), None);
        for p in [-0.01, 1.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(quantile_sorted(&[1.0, 2.0], p), None, "p = {p}");
        }
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn summarize_unsorted_one_to_ten() {
        let x = [7.0, 3.0, 10.0, 1.0, 5.0, 9.0, 2.0, 8.0, 4.0, 6.0];
        let s = summarize(&x).unwrap();
        assert_eq!(s.n, 10);
        assert_eq!(s.mean, 5.5);
        // R: sd(1:10) = 3.02765035409749; se = sd/√10.
        assert_close(s.sd.unwrap(), 3.027_650_354_097_491_7);
        assert_close(s.se.unwrap(), 0.957_427_107_756_338_1);
        assert_eq!((s.min, s.max), (1.0, 10.0));
        assert_close(s.p05, 1.45);
        assert_close(s.p25, 3.25);
        assert_close(s.p50, 5.5);
        assert_close(s.p75, 7.75);
        assert_close(s.p95, 9.55);
    }

    #[test]
    fn summarize_values_near_the_largest_number() {
        // The plain sum of these overflows; their mean and spread do not.
        let s = summarize(&[1.7e308; 12]).unwrap();
        assert_eq!(s.mean, 1.7e308);
        // Zero but for the rounding of the provisional mean (relative 1e-16).
        assert!(s.sd.unwrap() <= 1e-15 * 1.7e308, "{:?}", s.sd);
        let s = summarize(&[1.5e308, 1.6e308, 1.7e308]).unwrap();
        assert_close(s.mean, 1.6e308);
        // sd of (1.6, 1.7, 1.8) is 0.1.
        assert_close(s.sd.unwrap(), 0.1e308);
        let s = summarize(&[-1e308, 1e308]).unwrap();
        assert_eq!(s.mean, 0.0);
        // sd of (-1, 1) is sqrt(2).
        assert_close(s.sd.unwrap(), 1e308 * std::f64::consts::SQRT_2);
    }

    #[test]
    fn summarize_single_and_two_values() {
        let one = summarize(&[-2.5]).unwrap();
        assert_eq!(one.n, 1);
        assert_eq!(one.mean, -2.5);
        assert_eq!((one.sd, one.se), (None, None));
        for q in [
            one.min, one.p05, one.p25, one.p50, one.p75, one.p95, one.max,
        ] {
            assert_eq!(q, -2.5);
        }
        let two = summarize(&[8.0, 2.0]).unwrap();
        assert_eq!(two.mean, 5.0);
        // sd of {2, 8} = 6/√2; se = sd/√2 = 3.
        assert_close(two.sd.unwrap(), 6.0 / 2f64.sqrt());
        assert_close(two.se.unwrap(), 3.0);
        assert_close(two.p05, 2.3);
        assert_close(two.p95, 7.7);
    }

    #[test]
    fn summarize_large_offset_is_accurate() {
        // 1e9 + {−1, 0, 1} repeated: mean exactly 1e9, sample variance 2n/3 / (n − 1).
        let x: Vec<f64> = (0..3000).map(|i| 1e9 + f64::from(i % 3) - 1.0).collect();
        let s = summarize(&x).unwrap();
        assert_eq!(s.mean, 1e9);
        let var: f64 = 2000.0 / 2999.0;
        assert_close(s.sd.unwrap(), var.sqrt());
    }

    #[test]
    fn summary_serializes_with_null_for_missing_sd() {
        let json = serde_json::to_value(summarize(&[1.5]).unwrap()).unwrap();
        assert_eq!(json["n"], 1);
        assert_eq!(json["p50"], 1.5);
        assert!(json["sd"].is_null() && json["se"].is_null());
    }
}

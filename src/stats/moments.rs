//! Streaming mean, variance, minimum and maximum of a stream of `f64` values.
//!
//! [`Moments`] is what the engine keeps per outcome while runs are produced, and what worker
//! threads merge at the end. It uses Welford's online update, which keeps the sum of squared
//! deviations from the *running mean* instead of the raw sum of squares (Welford 1962, "Note on a
//! method for calculating corrected sums of squares and products", Technometrics 4(3)); the naive
//! `Σx² − (Σx)²/n` formula loses every significant digit when the mean is large compared with the
//! spread (e.g. values around 1e9 with a standard deviation of 1). Partial results are combined
//! with the pairwise update of Chan, Golub & LeVeque (1979, "Updating formulae and a pairwise
//! algorithm for computing sample variances", Stanford STAN-CS-79-773), which is exact in exact
//! arithmetic and as stable as Welford's update in floating point.
//!
//! The update runs on `x − shift`, where `shift` is the first value seen (the classic "shifted
//! data" remedy, Chan, Golub & LeVeque 1983, §3). For data far from zero relative to its spread
//! this keeps the running mean of the deviations small, so its rounding errors are relative to the
//! spread instead of to the offset: with values around 1e9 and sd 1, the plain Welford mean drifts
//! by ~1e-5 over 1e5 values, the shifted one stays within an ulp of 1e9 (~1e-7).
//!
//! Merging is deterministic but, as with any floating-point sum, the last bits of the mean and
//! variance can depend on how the stream was partitioned; callers that need bit-identical output
//! regardless of thread count must merge in a fixed order.

/// Online count, mean, sample variance, minimum and maximum (Welford / Chan et al.).
///
/// Non-finite inputs are not filtered: a NaN or infinity makes the mean and variance NaN or
/// infinite (they never panic). `min`/`max` follow [`f64::min`]/[`f64::max`], which ignore NaN.
#[derive(Clone, Debug, Default)]
pub struct Moments {
    /// Number of values pushed.
    count: u64,
    /// First value seen; the accumulation runs on `x − shift` (0 when empty).
    shift: f64,
    /// Running mean of `x − shift` (0 when empty).
    mean: f64,
    /// Sum of squared deviations from the running mean (Welford's `M2`).
    sum_sq_dev: f64,
    /// Smallest value pushed (meaningless while `count == 0`).
    min: f64,
    /// Largest value pushed (meaningless while `count == 0`).
    max: f64,
}

impl Moments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value (Welford's update on `y = x − shift`:
    /// `δ = y − mean; mean += δ/n; M2 += δ·(y − mean)`).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if self.count == 0 {
            self.shift = x;
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.count = self.count.saturating_add(1);
        let y = x - self.shift;
        let delta = y - self.mean;
        self.mean += delta / self.count as f64;
        self.sum_sq_dev += delta * (y - self.mean);
    }

    /// Combines `other` into `self` as if all of `other`'s values had been pushed here
    /// (Chan, Golub & LeVeque 1979: `M2 = M2ₐ + M2_b + δ²·nₐ·n_b/n`).
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let total = self.count.saturating_add(other.count);
        let n = total as f64;
        // Difference of the two means, in `self`'s shifted frame: the shifts' difference is
        // exact when they are within a factor 2 of each other (Sterbenz), the usual case.
        let delta = (other.shift - self.shift) + (other.mean - self.mean);
        self.mean += delta * (n_b / n);
        self.sum_sq_dev += other.sum_sq_dev + delta * delta * (n_a * n_b / n);
        self.count = total;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values pushed (including merged ones).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Arithmetic mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then_some(self.shift + self.mean)
    }

    /// Sample variance with the `n − 1` (Bessel) denominator; `None` when fewer than 2 values.
    pub fn variance(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        // M2 is a sum of non-negative terms in exact arithmetic; clamp away rounding noise
        // (written as a comparison so that a NaN M2 stays NaN, which `f64::max` would hide).
        let sum_sq_dev = if self.sum_sq_dev < 0.0 {
            0.0
        } else {
            self.sum_sq_dev
        };
        Some(sum_sq_dev / (self.count - 1) as f64)
    }

    /// Sample standard deviation `√variance`; `None` when fewer than 2 values.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Standard error of the mean, `sd / √n`; `None` when fewer than 2 values.
    pub fn se(&self) -> Option<f64> {
        self.sd().map(|sd| sd / (self.count as f64).sqrt())
    }

    /// Smallest value pushed; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest value pushed; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Reference mean and sample variance by the corrected two-pass algorithm
    /// (Chan, Golub & LeVeque 1983), evaluated around `shift` (subtracted exactly by the caller's
    /// choice of data so that the deviations carry no rounding).
    fn two_pass(values: &[f64], shift: f64) -> (f64, f64) {
        let n = values.len() as f64;
        let centred: Vec<f64> = values.iter().map(|x| x - shift).collect();
        let mean = centred.iter().sum::<f64>() / n;
        let dev_sum: f64 = centred.iter().map(|d| d - mean).sum();
        let dev_sq: f64 = centred.iter().map(|d| (d - mean) * (d - mean)).sum();
        (shift + mean, (dev_sq - dev_sum * dev_sum / n) / (n - 1.0))
    }

    fn rel_err(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    fn normal_sample(n: usize, mean: f64, sd: f64, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let dist = Normal::new(mean, sd).unwrap();
        (0..n).map(|_| dist.sample(&mut rng)).collect()
    }

    fn from_values(values: &[f64]) -> Moments {
        let mut m = Moments::new();
        values.iter().for_each(|&x| m.push(x));
        m
    }

    #[test]
    fn empty_and_single_value() {
        let empty = Moments::new();
        assert_eq!(empty.count(), 0);
        assert_eq!(empty.mean(), None);
        assert_eq!(empty.variance(), None);
        assert_eq!(empty.sd(), None);
        assert_eq!(empty.se(), None);
        assert_eq!(empty.min(), None);
        assert_eq!(empty.max(), None);

        let one = from_values(&[-3.5]);
        assert_eq!(one.count(), 1);
        assert_eq!(one.mean(), Some(-3.5));
        assert_eq!(one.variance(), None);
        assert_eq!(one.se(), None);
        assert_eq!(one.min(), Some(-3.5));
        assert_eq!(one.max(), Some(-3.5));
    }

    #[test]
    fn hand_computed_small_case() {
        // 1..=10: mean 5.5, variance 110/12 (R: var(1:10) = 9.166667), sd(1:10) = 3.02765.
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let m = from_values(&values);
        assert_eq!(m.mean(), Some(5.5));
        assert!(rel_err(m.variance().unwrap(), 110.0 / 12.0) < 1e-15);
        assert!(rel_err(m.sd().unwrap(), 3.027_650_354_097_491_7) < 1e-15);
        assert!(rel_err(m.se().unwrap(), 3.027_650_354_097_491_7 / 10f64.sqrt()) < 1e-15);
        assert_eq!((m.min(), m.max()), (Some(1.0), Some(10.0)));
        // Two values: variance (a-b)²/2.
        let two = from_values(&[2.0, 5.0]);
        assert_eq!(two.variance(), Some(4.5));
    }

    #[test]
    fn matches_two_pass_on_random_data() {
        let values = normal_sample(10_000, 3.0, 2.0, 7);
        let m = from_values(&values);
        let (mean, var) = two_pass(&values, 0.0);
        assert!(rel_err(m.mean().unwrap(), mean) < 1e-12);
        assert!(rel_err(m.variance().unwrap(), var) < 1e-12);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((m.min(), m.max()), (Some(min), Some(max)));
    }

    #[test]
    fn accurate_for_large_offset() {
        // Values near 1e9 with sd 1: the textbook Σx² formula would lose all digits here.
        // Subtracting 1e9 from values within a factor 2 of it is exact (Sterbenz), so two_pass
        // around 1e9 is an essentially exact reference.
        let values = normal_sample(100_000, 1e9, 1.0, 11);
        let m = from_values(&values);
        let (mean, var) = two_pass(&values, 1e9);
        assert!(
            rel_err(m.variance().unwrap(), var) < 1e-6,
            "{:?} vs {var}",
            m.variance()
        );
        assert!((m.mean().unwrap() - mean).abs() < 1e-6);
        // And the sample variance itself is ~1 (4 SE of a variance estimate: 4·√(2/n) ≈ 0.018).
        assert!((var - 1.0).abs() < 0.018);
    }

    #[test]
    fn merge_equals_pushing_everything() {
        let values = normal_sample(9_999, -50.0, 10.0, 3);
        let all = from_values(&values);
        for split in [0, 1, 17, 5_000, 9_998, 9_999] {
            let mut a = from_values(&values[..split]);
            let b = from_values(&values[split..]);
            a.merge(&b);
            assert_eq!(a.count(), all.count());
            assert!(rel_err(a.mean().unwrap(), all.mean().unwrap()) < 1e-12);
            assert!(rel_err(a.variance().unwrap(), all.variance().unwrap()) < 1e-12);
            assert_eq!(a.min(), all.min());
            assert_eq!(a.max(), all.max());
        }
        // Many small chunks merged in sequence.
        let mut chunked = Moments::new();
        for chunk in values.chunks(97) {
            chunked.merge(&from_values(chunk));
        }
        assert!(rel_err(chunked.variance().unwrap(), all.variance().unwrap()) < 1e-12);
    }

    #[test]
    fn merge_with_empty_is_identity() {
        let m = from_values(&[1.0, 2.0, 4.0]);
        let mut a = m.clone();
        a.merge(&Moments::new());
        let mut b = Moments::new();
        b.merge(&m);
        for x in [a, b] {
            assert_eq!(x.count(), 3);
            assert_eq!(x.mean(), m.mean());
            assert_eq!(x.variance(), m.variance());
            assert_eq!((x.min(), x.max()), (Some(1.0), Some(4.0)));
        }
    }

    #[test]
    fn non_finite_input_does_not_panic() {
        let m = from_values(&[1.0, f64::NAN, 3.0]);
        assert!(m.mean().unwrap().is_nan());
        assert!(m.variance().unwrap().is_nan());
        let inf = from_values(&[1.0, f64::INFINITY]);
        assert_eq!(inf.max(), Some(f64::INFINITY));
    }
}

//! Designs in the unit hypercube: Saltelli's A and B matrices, Morris trajectories, bootstrap
//! resamples; all drawn from the engine's frozen streams, so they are reproducible by seed.
//!
//! Every design row has its own stream, keyed like a run's param draws by (seed, row, site) with
//! a site name of its own (`sensitivity:sobol`, `sensitivity:morris`, `sensitivity:bootstrap`),
//! so a design never shares numbers with a model's draws and does not depend on thread count.
//!
//! **Why plain random sampling for A and B**, not a scrambled Sobol' sequence: the confidence
//! intervals come from bootstrapping the N base rows, which presumes independent rows; the
//! points of a low-discrepancy sequence are deliberately dependent, and bootstrapping them
//! misstates their error. Independent rows keep the intervals honest, and the tests check that
//! they cover the analytic indices. What a quasi-random design would gain (an error falling
//! nearly as 1/N rather than 1/√N) shrinks for models with their own random draws, which most
//! scenarios have, since the noise's variance is not reduced by a better design of the inputs.

use rand::Rng;

use crate::engine::rng::{run_key, site_key, stream};

/// A uniform number in the open interval (0, 1): the 52 high bits of `x`, centred in their cell,
/// so that an inverse CDF never sees 0 or 1 (where unbounded distributions are infinite). 52, not
/// 53, bits: below 2^52 every half-integer is an f64, so the centring is exact and the largest
/// value is 1 − 2^-53, not a rounded 1.
#[inline]
pub fn open_unit(x: u64) -> f64 {
    const TWO_POW_MINUS_52: f64 = 1.0 / (1u64 << 52) as f64;
    ((x >> 12) as f64 + 0.5) * TWO_POW_MINUS_52
}

/// An integer in `0..n` from 64 random bits by multiply-shift (Lemire 2019, "Fast random integer
/// generation in an interval", *ACM TOMACS* 29(1)); without the rejection step the bias is below
/// n / 2^64, far under anything a bootstrap can see.
#[inline]
pub fn below(x: u64, n: usize) -> usize {
    ((u128::from(x) * n as u128) >> 64) as usize
}

/// The stream of design row `row` for the named design.
fn row_stream(seed: u64, design: &str, row: u64) -> crate::engine::rng::Stream {
    stream(run_key(seed, row), site_key(design), 0)
}

/// Bootstrap resample `r`: `counts[j]` becomes how many of N draws with replacement picked row
/// `j` (N = `counts.len()`).
pub fn bootstrap_counts(seed: u64, r: u64, counts: &mut [f64]) {
    let n = counts.len();
    counts.fill(0.0);
    let mut rng = row_stream(seed, "sensitivity:bootstrap", r);
    for _ in 0..n {
        counts[below(rng.next_u64(), n)] += 1.0;
    }
}

/// The `p`-quantile of sorted values, interpolating linearly between order statistics
/// (Hyndman & Fan 1996, definition 7: the default of R and NumPy); NaN when empty.
///
/// # Examples
/// ```
/// use leversim::sensitivity::design::percentile;
/// let v = [1.0, 2.0, 3.0, 4.0, 5.0];
/// assert_eq!(percentile(&v, 0.5), 3.0);
/// assert_eq!(percentile(&v, 0.025), 1.1);
/// ```
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Saltelli's two independent N × d matrices in the unit hypercube, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct SaltelliDesign {
    /// Base samples N.
    pub n: usize,
    /// Inputs d.
    pub d: usize,
    /// Matrix A: `a[j * d + i]` is input `i` in row `j`.
    pub a: Vec<f64>,
    /// Matrix B, same layout.
    pub b: Vec<f64>,
}

impl SaltelliDesign {
    /// Draws the matrices: row `j` of A and of B come from one stream of (seed, j), A's d
    /// numbers first.
    pub fn new(seed: u64, n: usize, d: usize) -> SaltelliDesign {
        let mut a = Vec::with_capacity(n * d);
        let mut b = Vec::with_capacity(n * d);
        for j in 0..n {
            let mut rng = row_stream(seed, "sensitivity:sobol", j as u64);
            a.extend((0..d).map(|_| open_unit(rng.next_u64())));
            b.extend((0..d).map(|_| open_unit(rng.next_u64())));
        }
        SaltelliDesign { n, d, a, b }
    }

    /// The matrix `A_B^(i)`: A with column `i` from B.
    pub fn ab(&self, i: usize) -> Vec<f64> {
        let mut m = self.a.clone();
        for j in 0..self.n {
            m[j * self.d + i] = self.b[j * self.d + i];
        }
        m
    }
}

/// One Morris trajectory: d + 1 points on the p-level grid, each differing from the previous in
/// one input by ±Δ.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Points, row-major: `points[k * d + i]`, values in {0, 1/(p−1), …, 1}.
    pub points: Vec<f64>,
    /// The input that changes between point k and k + 1.
    pub order: Vec<usize>,
}

/// `r` random trajectories of Morris (1991, "Factorial sampling plans for preliminary
/// computational experiments", *Technometrics* 33:161–174) on a grid of `levels` (even, ≥ 2)
/// levels per input, with Δ = p / (2(p − 1)), his recommended step, which makes every level
/// equally likely to be visited.
///
/// Each input gets a random base level among the lower p/2 and a random direction (start low and
/// step up, or start high and step down: Morris's random signs D*), and the inputs move in a
/// random order (his random permutation P*).
///
/// # Panics
/// If `levels` is odd or below 2 (the caller checks user input).
pub fn morris(seed: u64, r: usize, d: usize, levels: usize) -> Vec<Trajectory> {
    assert!(
        levels >= 2 && levels.is_multiple_of(2),
        "Morris levels must be even"
    );
    let half = levels / 2;
    let scale = 1.0 / (levels - 1) as f64;
    (0..r)
        .map(|t| {
            let mut rng = row_stream(seed, "sensitivity:morris", t as u64);
            let mut start = vec![0.0; d];
            let mut end = vec![0.0; d];
            for i in 0..d {
                let base = below(rng.next_u64(), half);
                let (lo, hi) = (base as f64 * scale, (base + half) as f64 * scale);
                if rng.next_u64() >> 63 == 0 {
                    (start[i], end[i]) = (lo, hi);
                } else {
                    (start[i], end[i]) = (hi, lo);
                }
            }
            // Fisher–Yates shuffle of the order in which inputs move.
            let mut order: Vec<usize> = (0..d).collect();
            for k in (1..d).rev() {
                order.swap(k, below(rng.next_u64(), k + 1));
            }
            let mut points = Vec::with_capacity((d + 1) * d);
            let mut x = start;
            points.extend_from_slice(&x);
            for &i in &order {
                x[i] = end[i];
                points.extend_from_slice(&x);
            }
            Trajectory { points, order }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_unit_never_reaches_the_ends() {
        assert_eq!(open_unit(0), 0.5 / (1u64 << 52) as f64);
        assert_eq!(open_unit(u64::MAX), 1.0 - 0.5 / (1u64 << 52) as f64);
        assert_eq!(open_unit(1 << 63), 0.5 + 0.5 / (1u64 << 52) as f64);
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut counts = [0u32; 7];
        let mut rng = row_stream(1, "test", 0);
        for _ in 0..70_000 {
            counts[below(rng.next_u64(), 7)] += 1;
        }
        for c in counts {
            // 10,000 expected, sd 93: 5 sd.
            assert!((c as i32 - 10_000).abs() < 470, "{counts:?}");
        }
    }

    #[test]
    fn bootstrap_counts_sum_to_n_and_repeat_by_seed() {
        let mut c = vec![0.0; 500];
        bootstrap_counts(3, 11, &mut c);
        assert_eq!(c.iter().sum::<f64>(), 500.0);
        let mut again = vec![0.0; 500];
        bootstrap_counts(3, 11, &mut again);
        assert_eq!(c, again);
        bootstrap_counts(3, 12, &mut again);
        assert_ne!(c, again);
        // About 1 − 1/e of the rows are drawn at least once.
        let drawn = c.iter().filter(|&&k| k > 0.0).count() as f64 / 500.0;
        assert!((drawn - 0.632).abs() < 0.07, "{drawn}");
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [10.0, 20.0, 30.0];
        assert_eq!(percentile(&v, 0.0), 10.0);
        assert_eq!(percentile(&v, 1.0), 30.0);
        assert_eq!(percentile(&v, 0.25), 15.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn saltelli_matrices_are_independent_uniforms() {
        let s = SaltelliDesign::new(5, 4000, 3);
        for m in [&s.a, &s.b] {
            let mean = m.iter().sum::<f64>() / m.len() as f64;
            assert!((mean - 0.5).abs() < 0.01, "{mean}");
            assert!(m.iter().all(|&u| u > 0.0 && u < 1.0));
        }
        let corr: f64 =
            s.a.iter()
                .zip(&s.b)
                .map(|(x, y)| (x - 0.5) * (y - 0.5))
                .sum::<f64>()
                / (s.a.len() as f64 / 12.0);
        assert!(corr.abs() < 0.03, "{corr}");
        let ab = s.ab(1);
        assert_eq!(ab[1], s.b[1]);
        assert_eq!(ab[0], s.a[0]);
        assert_eq!(ab[2], s.a[2]);
    }

    #[test]
    fn trajectories_move_each_input_once_by_delta() {
        let levels = 4;
        let delta = levels as f64 / (2.0 * (levels - 1) as f64);
        let d = 5;
        let mut visits = [0usize; 4];
        for tr in morris(9, 200, d, levels) {
            let mut sorted = tr.order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..d).collect::<Vec<_>>());
            for (k, &i) in tr.order.iter().enumerate() {
                let (p, q) = (&tr.points[k * d..][..d], &tr.points[(k + 1) * d..][..d]);
                for c in 0..d {
                    if c == i {
                        assert!(((q[c] - p[c]).abs() - delta).abs() < 1e-12);
                    } else {
                        assert_eq!(q[c], p[c]);
                    }
                }
            }
            for &x in &tr.points {
                let level = x * (levels - 1) as f64;
                assert!((level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&x));
                visits[level.round() as usize] += 1;
            }
        }
        // Δ = p/(2(p−1)) visits every level equally often in expectation.
        let total: usize = visits.iter().sum();
        for v in visits {
            assert!((v as f64 / total as f64 - 0.25).abs() < 0.02, "{visits:?}");
        }
    }
}

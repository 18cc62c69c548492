//! Designs in the unit hypercube: Saltelli's A and B matrices, Morris trajectories, bootstrap
//! resamples; all reproducible by seed.
//!
//! **A and B are scrambled Sobol' points**, in independent replicates. A low-discrepancy
//! sequence fills the cube far more evenly than independent random points, so the estimators'
//! errors fall nearly as 1/N rather than 1/√N for smooth outcomes (Saltelli et al. 2010 use
//! Sobol' points for this design). The points come from `sobol_burley` (Burley 2020,
//! "Practical hash-based Owen scrambling", *JCGT* 9(4); Joe & Kuo's direction numbers, which a
//! test checks against published values): A is dimensions 0..d of one sequence, B dimensions
//! d..2d of the same, as in Saltelli 2002.
//!
//! The N rows are split into R blocks ([`block_count`]), each the first points of an independently
//! scrambled sequence (its own seed). Scrambling makes each block an unbiased estimate, and
//! blocks independent of each other, so the spread of the blocks' estimates gives honest
//! confidence intervals (randomised quasi-Monte Carlo; Owen 1997, L'Ecuyer 2018); bootstrapping
//! the rows of one sequence would not, as its points are deliberately dependent. The tests check
//! that the intervals cover the analytic indices of the Ishigami and G functions at their
//! nominal rate. What the design gains shrinks for models with their own random draws: their
//! noise is not reduced by a better design of the inputs.
//!
//! Morris trajectories and bootstrap resamples are drawn from the engine's frozen streams, keyed
//! like a run's param draws by (seed, row, site) with a site name of their own
//! (`sensitivity:morris`, `sensitivity:bootstrap`), so a design never shares numbers with a
//! model's draws and does not depend on thread count.

use rand::Rng;

use crate::engine::rng::{mix, run_key, site_key, stream};

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

/// Saltelli's two N × d matrices in the unit hypercube, row-major, of scrambled Sobol' points
/// in independent blocks of rows.
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
    /// The rows of each independently scrambled block, in order; together they cover `0..n`.
    pub blocks: Vec<std::ops::Range<usize>>,
}

/// Most blocks of a Saltelli design.
pub const MAX_BLOCKS: usize = 16;

/// Points per block from N = 4096 on. A scrambled net's error falls much faster than 1/√m with
/// its points m, so each block should be large; with Ishigami's and the G function, nets of 1024
/// points were 3 to 5 times more accurate than two nets of 512 (`explore_blocks` in the tests).
const LARGE_BLOCK_POINTS: usize = 1024;

/// Dimensions of `sobol_burley`'s sequence; inputs beyond take further dimensions from
/// sequences of other seeds (uniform still, without the joint stratification).
const SOBOL_DIMENSIONS: usize = 256;

/// The number of independently scrambled blocks for N base samples: 4 (a t interval with 3
/// degrees of freedom) up to N = 4095, then blocks of 1024 points, up to 16 blocks; 2 for
/// N < 16, 1 (no interval) for N < 4; and never more than 2^16 points in a block.
pub fn block_count(n: usize) -> usize {
    let k = match n {
        0..4 => 1,
        4..16 => 2,
        16..4096 => 4,
        _ => (n / LARGE_BLOCK_POINTS).min(MAX_BLOCKS),
    };
    k.max(n.div_ceil(1 << 16))
}

/// Coordinate `dim` of point `index` of the scrambled Sobol' sequence `seed`, strictly inside
/// (0, 1): `sobol_burley`'s value (a multiple of 2^-23) moved to the middle of its cell.
pub fn sobol_point(index: u32, dim: usize, seed: u32) -> f64 {
    const HALF_CELL: f64 = 1.0 / (1u64 << 24) as f64;
    let set = (dim / SOBOL_DIMENSIONS) as u32;
    let seed = seed ^ set.wrapping_mul(0x9E37_79B9);
    f64::from(sobol_burley::sample(
        index,
        (dim % SOBOL_DIMENSIONS) as u32,
        seed,
    )) + HALF_CELL
}

impl SaltelliDesign {
    /// The matrices for `seed`: block `r` takes points 0, 1, … of the sequence scrambled by
    /// (seed, r); A is its dimensions 0..d, B its dimensions d..2d.
    pub fn new(seed: u64, n: usize, d: usize) -> SaltelliDesign {
        SaltelliDesign::with_blocks(seed, n, d, block_count(n))
    }

    /// The same with `k` blocks (1 ≤ k ≤ n).
    pub fn with_blocks(seed: u64, n: usize, d: usize, k: usize) -> SaltelliDesign {
        let blocks: Vec<std::ops::Range<usize>> =
            (0..k).map(|r| r * n / k..(r + 1) * n / k).collect();
        let mut a = Vec::with_capacity(n * d);
        let mut b = Vec::with_capacity(n * d);
        for (r, rows) in blocks.iter().enumerate() {
            let scramble = (mix(mix(seed) ^ r as u64) >> 32) as u32;
            for (index, _) in rows.clone().enumerate() {
                let index = index as u32;
                a.extend((0..d).map(|i| sobol_point(index, i, scramble)));
                b.extend((0..d).map(|i| sobol_point(index, d + i, scramble)));
            }
        }
        SaltelliDesign { n, d, a, b, blocks }
    }

    /// The plain Monte Carlo design (what leversim used before the Sobol' points, kept for
    /// comparisons and for the bootstrap): independent uniform rows, row `j` of A and of B from
    /// one stream of (seed, j), A's d numbers first; one block.
    pub fn random(seed: u64, n: usize, d: usize) -> SaltelliDesign {
        let mut a = Vec::with_capacity(n * d);
        let mut b = Vec::with_capacity(n * d);
        for j in 0..n {
            let mut rng = row_stream(seed, "sensitivity:sobol", j as u64);
            a.extend((0..d).map(|_| open_unit(rng.next_u64())));
            b.extend((0..d).map(|_| open_unit(rng.next_u64())));
        }
        SaltelliDesign {
            n,
            d,
            a,
            b,
            blocks: std::iter::once(0..n).collect(),
        }
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
    fn saltelli_matrices_are_uniform_and_uncorrelated() {
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

    /// The unscrambled sequence of `sobol_burley` against Joe & Kuo's direction numbers
    /// (new-joe-kuo-6.21201), as SciPy's `qmc.Sobol(d=12, scramble=False, bits=32)` gives them:
    /// its points 1, 2, 3, 5 and 63 (Gray-code order, so natural points 1, 3, 2, 7 and 32)
    /// times 2^32, for dimensions 0 to 11.
    #[test]
    fn direction_numbers_are_joe_and_kuos() {
        let scipy: [[u32; 5]; 12] = [
            [2147483648, 3221225472, 1073741824, 3758096384, 67108864],
            [2147483648, 1073741824, 3221225472, 3758096384, 3422552064],
            [2147483648, 1073741824, 3221225472, 536870912, 1543503872],
            [2147483648, 1073741824, 3221225472, 1610612736, 1946157056],
            [2147483648, 3221225472, 1073741824, 3758096384, 3690987520],
            [2147483648, 3221225472, 1073741824, 2684354560, 603979776],
            [2147483648, 1073741824, 3221225472, 3758096384, 2483027968],
            [2147483648, 3221225472, 1073741824, 1610612736, 603979776],
            [2147483648, 3221225472, 1073741824, 1610612736, 3556769792],
            [2147483648, 3221225472, 1073741824, 536870912, 2483027968],
            [2147483648, 3221225472, 1073741824, 1610612736, 1811939328],
            [2147483648, 3221225472, 1073741824, 3758096384, 2885681152],
        ];
        let natural = [1u32, 3, 2, 7, 32];
        for (dim, row) in scipy.iter().enumerate() {
            for (k, &expected) in natural.iter().zip(row) {
                let v = sobol_burley::parts::sobol_rev(k.reverse_bits(), dim as u32).reverse_bits();
                assert_eq!(v, expected, "dimension {dim}, point {k}");
            }
        }
    }

    /// Each block of 2^k points is a net: in every input, of A and of B, one point falls in each
    /// of the 2^k equal intervals (scrambling keeps that). Independent random points would leave
    /// about a third of the intervals empty.
    #[test]
    fn each_block_stratifies_every_input() {
        let (n, d) = (1024, 5);
        let s = SaltelliDesign::new(42, n, d);
        assert_eq!(s.blocks.len(), 4);
        assert_eq!(s.blocks.first().map(|b| b.start), Some(0));
        assert_eq!(s.blocks.last().map(|b| b.end), Some(n));
        assert!(s.blocks.windows(2).all(|w| w[0].end == w[1].start));
        for rows in &s.blocks {
            let m = rows.len();
            assert_eq!(m, 256);
            for m_ in [&s.a, &s.b] {
                for i in 0..d {
                    let mut seen = vec![false; m];
                    for j in rows.clone() {
                        seen[(m_[j * d + i] * m as f64) as usize] = true;
                    }
                    assert!(seen.iter().all(|&x| x), "input {i}");
                }
            }
        }
        // Blocks are scrambled independently: their first points differ.
        assert_ne!(s.a[0], s.a[256 * d]);
        assert_eq!(block_count(3), 1);
        assert_eq!(block_count(4), 2);
        assert_eq!(block_count(100), 4);
        assert_eq!(block_count(4096), 4);
        assert_eq!(block_count(8192), 8);
        assert_eq!(block_count(1 << 20), 16);
        assert_eq!(block_count(1 << 21), 32);
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

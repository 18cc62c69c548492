//! Sobol' indices from a Saltelli design: estimators and bootstrap confidence intervals.
//!
//! Pure functions over model outputs. For N base samples, `ya[j] = f(A_j)`, `yb[j] = f(B_j)` and
//! `yab[i][j] = f(A_B^(i)_j)`, where `A_B^(i)` is `A` with column `i` taken from `B`
//! (Saltelli et al. 2010, "Variance based sensitivity analysis of model output. Design and
//! estimator for the total sensitivity index", *Comput. Phys. Commun.* 181:259–270, §3):
//!
//! - first order, Saltelli 2010 (their Table 2, (b)):
//!   `V_i = 1/N Σ_j f(B)_j (f(A_B^(i))_j − f(A)_j)`, `S_i = V_i / V(Y)`;
//! - total, Jansen 1999 (Saltelli 2010, Table 2, (f)):
//!   `E_i = 1/(2N) Σ_j (f(A)_j − f(A_B^(i))_j)²`, `S_Ti = E_i / V(Y)`;
//! - `V(Y)` is the variance of the 2N values of `f(A)` and `f(B)` together.
//!
//! `f(B)` is centred on the sample mean before it multiplies: the estimator's expectation is
//! unchanged (the differences have mean zero) but its variance no longer grows with the square
//! of the outcome's mean (Sobol' 2001, "Global sensitivity indices for nonlinear mathematical
//! models and their Monte Carlo estimates", *Math. Comput. Simul.* 55:271–280, §4). That matters
//! for outcomes such as "8M shells ± 1M".
//!
//! With a design of independently scrambled blocks of quasi-random points ([`sobol_blocks`]),
//! the intervals come from the spread of the blocks' own estimates: the estimate from all rows
//! ± t_{R−1} · sd / √R over the R blocks (randomised quasi-Monte Carlo; Owen 1997, "Scrambled
//! net variance for integrals of smooth functions", *Ann. Stat.* 25:1541–1562; L'Ecuyer, Nakayama,
//! Owen & Tuffin 2023 on such intervals). For independent random rows, [`sobol`] gives percentile
//! bootstrap intervals instead.
//!
//! Bootstrap intervals are percentile bootstrap intervals (Efron & Tibshirani 1993, *An
//! Introduction to the Bootstrap*, ch. 13) over the N base rows, as in Archer, Saltelli & Sobol'
//! 1997 (*J. Stat. Comput. Simul.* 58:99–120): a resample draws N rows with replacement and
//! recomputes every index from them. Resample `r` is the same for every outcome and input (its
//! row counts come from the stream of (seed, r)), so the intervals are reproducible by seed and
//! independent of thread count. A resample is represented by how often each row was drawn, so
//! that the sums run over contiguous arrays.

use super::design::{bootstrap_counts, percentile};

/// The point estimates for one input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// First-order index.
    pub s1: f64,
    /// Total index.
    pub st: f64,
}

/// One input's indices with their confidence intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indices {
    /// First-order index (Saltelli 2010).
    pub s1: f64,
    /// Bootstrap interval of `s1`: (low, high).
    pub s1_ci: (f64, f64),
    /// Total index (Jansen 1999).
    pub st: f64,
    /// Bootstrap interval of `st`.
    pub st_ci: (f64, f64),
}

/// Everything estimated for one outcome (or one month of a series).
#[derive(Clone, Debug, PartialEq)]
pub struct SobolColumn {
    /// Mean of the outcome over the A and B samples.
    pub mean: f64,
    /// Variance of the outcome over the A and B samples (population form, 1/(2N)).
    pub variance: f64,
    /// Per input, in input order; empty when the variance is zero (indices undefined).
    pub indices: Vec<Indices>,
}

/// Point estimates of every input's indices, or `None` when the outcome does not vary.
///
/// `weights`, if given, are how many times each of the N rows counts (a bootstrap resample);
/// `None` counts each once. Writes one [`Estimate`] per `yab` slice into `out`.
///
/// # Panics
/// If the slices differ in length (a broken internal invariant).
pub fn estimate(
    ya: &[f64],
    yb: &[f64],
    yab: &[&[f64]],
    weights: Option<&[f64]>,
    out: &mut [Estimate],
) -> Option<f64> {
    let n = ya.len();
    assert!(
        yb.len() == n && yab.iter().all(|y| y.len() == n) && out.len() == yab.len(),
        "Sobol' estimator: samples of different sizes"
    );
    let (total, sum) = match weights {
        Some(w) => (
            w.iter().sum::<f64>(),
            w.iter()
                .zip(ya.iter().zip(yb))
                .map(|(w, (a, b))| w * (a + b))
                .sum::<f64>(),
        ),
        None => (n as f64, ya.iter().zip(yb).map(|(a, b)| a + b).sum::<f64>()),
    };
    if total <= 0.0 {
        return None;
    }
    let mean = sum / (2.0 * total);
    let squares = |j: usize| (ya[j] - mean).powi(2) + (yb[j] - mean).powi(2);
    let ss: f64 = match weights {
        Some(w) => (0..n).map(|j| w[j] * squares(j)).sum(),
        None => (0..n).map(squares).sum(),
    };
    let variance = ss / (2.0 * total);
    // A constant outcome (a cost fixed by the bundle) sums to a variance of rounding errors,
    // about (1e-16 × mean)²; anything below (1e-10 × mean)² is taken as no variation at all.
    if variance.is_nan() || variance <= (1e-10 * mean).powi(2) || variance <= f64::MIN_POSITIVE {
        return None;
    }
    for (y, e) in yab.iter().zip(out.iter_mut()) {
        let (mut first, mut total_effect) = (0.0, 0.0);
        match weights {
            Some(w) => {
                for j in 0..n {
                    let d = y[j] - ya[j];
                    first += w[j] * (yb[j] - mean) * d;
                    total_effect += w[j] * d * d;
                }
            }
            None => {
                for j in 0..n {
                    let d = y[j] - ya[j];
                    first += (yb[j] - mean) * d;
                    total_effect += d * d;
                }
            }
        }
        *e = Estimate {
            s1: first / total / variance,
            st: total_effect / (2.0 * total) / variance,
        };
    }
    Some(variance)
}

/// Point estimates and percentile-bootstrap intervals at level `confidence` (e.g. 0.95) from
/// `resamples` resamples keyed by `seed`. `None` when the outcome does not vary, or when a value
/// is not finite.
///
/// # Examples
/// A function of the first input only: `S1 = ST = 1` for it, 0 for the other.
/// ```
/// use leversim::sensitivity::sobol::sobol;
/// let a: Vec<[f64; 2]> = (0..400).map(|j| [(j as f64 * 0.618).fract(), (j as f64 * 0.414).fract()]).collect();
/// let b: Vec<[f64; 2]> = (0..400).map(|j| [(j as f64 * 0.732).fract(), (j as f64 * 0.236).fract()]).collect();
/// let f = |x: [f64; 2]| 3.0 * x[0];
/// let ya: Vec<f64> = a.iter().map(|x| f(*x)).collect();
/// let yb: Vec<f64> = b.iter().map(|x| f(*x)).collect();
/// let ab0: Vec<f64> = a.iter().zip(&b).map(|(x, z)| f([z[0], x[1]])).collect(); // = yb
/// let ab1: Vec<f64> = a.iter().zip(&b).map(|(x, z)| f([x[0], z[1]])).collect(); // = ya
/// let col = sobol(&ya, &yb, &[&ab0, &ab1], 200, 0.95, 7).unwrap();
/// assert!((col.indices[0].st - 1.0).abs() < 0.15);
/// assert_eq!(col.indices[1].s1, 0.0);
/// assert_eq!(col.indices[1].st, 0.0);
/// ```
pub fn sobol(
    ya: &[f64],
    yb: &[f64],
    yab: &[&[f64]],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<SobolColumn> {
    let finite = |y: &[f64]| y.iter().all(|v| v.is_finite());
    if !finite(ya) || !finite(yb) || !yab.iter().all(|y| finite(y)) {
        return None;
    }
    let n = ya.len();
    let d = yab.len();
    let mut point = vec![Estimate { s1: 0.0, st: 0.0 }; d];
    let variance = estimate(ya, yb, yab, None, &mut point)?;
    let mean = ya.iter().chain(yb).sum::<f64>() / (2 * n) as f64;

    // Replicates, input-major: s1[i * resamples + r].
    let mut s1 = vec![f64::NAN; d * resamples];
    let mut st = vec![f64::NAN; d * resamples];
    let mut weights = vec![0.0; n];
    let mut scratch = vec![Estimate { s1: 0.0, st: 0.0 }; d];
    for r in 0..resamples {
        bootstrap_counts(seed, r as u64, &mut weights);
        if estimate(ya, yb, yab, Some(&weights), &mut scratch).is_some() {
            for (i, e) in scratch.iter().enumerate() {
                s1[i * resamples + r] = e.s1;
                st[i * resamples + r] = e.st;
            }
        }
    }
    let lo = (1.0 - confidence) / 2.0;
    let hi = 1.0 - lo;
    let interval = |reps: &[f64]| -> (f64, f64) {
        let mut finite: Vec<f64> = reps.iter().copied().filter(|v| v.is_finite()).collect();
        finite.sort_by(f64::total_cmp);
        (percentile(&finite, lo), percentile(&finite, hi))
    };
    let indices = point
        .iter()
        .enumerate()
        .map(|(i, e)| Indices {
            s1: e.s1,
            s1_ci: interval(&s1[i * resamples..(i + 1) * resamples]),
            st: e.st,
            st_ci: interval(&st[i * resamples..(i + 1) * resamples]),
        })
        .collect();
    Some(SobolColumn {
        mean,
        variance,
        indices,
    })
}

/// Point estimates from all rows and intervals at level `confidence` from the spread of the
/// estimates of `blocks` (independently scrambled groups of rows): estimate ± t · sd / √R, with
/// t the Student quantile for R − 1 degrees of freedom. `None` when the outcome does not vary or
/// a value is not finite; intervals are NaN with fewer than 2 blocks where the outcome varies.
///
/// # Panics
/// If the slices differ in length or the blocks leave the rows (a broken internal invariant).
pub fn sobol_blocks(
    ya: &[f64],
    yb: &[f64],
    yab: &[&[f64]],
    blocks: &[std::ops::Range<usize>],
    confidence: f64,
) -> Option<SobolColumn> {
    let finite = |y: &[f64]| y.iter().all(|v| v.is_finite());
    if !finite(ya) || !finite(yb) || !yab.iter().all(|y| finite(y)) {
        return None;
    }
    let n = ya.len();
    let d = yab.len();
    let mut point = vec![Estimate { s1: 0.0, st: 0.0 }; d];
    let variance = estimate(ya, yb, yab, None, &mut point)?;
    let mean = ya.iter().chain(yb).sum::<f64>() / (2 * n) as f64;
    // Per input: the blocks' estimates.
    let mut s1: Vec<Vec<f64>> = vec![Vec::new(); d];
    let mut st: Vec<Vec<f64>> = vec![Vec::new(); d];
    let mut scratch = vec![Estimate { s1: 0.0, st: 0.0 }; d];
    for rows in blocks {
        let cut: Vec<&[f64]> = yab.iter().map(|y| &y[rows.clone()]).collect();
        if estimate(
            &ya[rows.clone()],
            &yb[rows.clone()],
            &cut,
            None,
            &mut scratch,
        )
        .is_some()
        {
            for (i, e) in scratch.iter().enumerate() {
                s1[i].push(e.s1);
                st[i].push(e.st);
            }
        }
    }
    let half_width = |values: &[f64]| -> f64 {
        let r = values.len();
        if r < 2 {
            return f64::NAN;
        }
        let m = values.iter().sum::<f64>() / r as f64;
        let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (r - 1) as f64;
        student_t_quantile(0.5 + confidence / 2.0, (r - 1) as f64) * (var / r as f64).sqrt()
    };
    let indices = point
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (h1, ht) = (half_width(&s1[i]), half_width(&st[i]));
            Indices {
                s1: e.s1,
                s1_ci: (e.s1 - h1, e.s1 + h1),
                st: e.st,
                st_ci: (e.st - ht, e.st + ht),
            }
        })
        .collect();
    Some(SobolColumn {
        mean,
        variance,
        indices,
    })
}

/// The `p`-quantile of Student's t with `df` degrees of freedom.
fn student_t_quantile(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

//! The little linear algebra the sampler needs: a weighted covariance of the particle cloud and
//! its Cholesky factor, for correlated random-walk proposals. Matrices are row-major `d × d`.

/// Weighted mean and covariance of `n` rows of `d` values; `w` sums to 1.
pub fn weighted_cov(x: &[f64], d: usize, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0.0; d];
    for (row, &wi) in x.chunks_exact(d).zip(w) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += wi * v;
        }
    }
    let mut cov = vec![0.0; d * d];
    let mut dev = vec![0.0; d];
    for (row, &wi) in x.chunks_exact(d).zip(w) {
        if wi == 0.0 {
            continue;
        }
        for ((e, v), m) in dev.iter_mut().zip(row).zip(&mean) {
            *e = v - m;
        }
        for a in 0..d {
            let wa = wi * dev[a];
            for b in 0..=a {
                cov[a * d + b] += wa * dev[b];
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            cov[b * d + a] = cov[a * d + b];
        }
    }
    (mean, cov)
}

/// The lower-triangular `L` with `L Lᵀ = a`, or `None` if `a` is not positive definite.
pub fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut sum = a[i * d + j];
            for k in 0..j {
                sum -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if sum.is_nan() || sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i * d + i] = sum.sqrt();
            } else {
                l[i * d + j] = sum / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// A Cholesky factor of a covariance that may be singular (particles collapsed on a discrete
/// param, or fewer distinct particles than params): the diagonal is raised by a growing
/// multiple of its mean until the factor exists; a zero matrix gets `floor` on the diagonal.
pub fn robust_cholesky(cov: &[f64], d: usize, floor: f64) -> Vec<f64> {
    let mean_diag = (0..d).map(|i| cov[i * d + i]).sum::<f64>() / d.max(1) as f64;
    let base = if mean_diag > 0.0 && mean_diag.is_finite() {
        mean_diag
    } else {
        floor
    };
    let mut jitter = 0.0;
    for _ in 0..40 {
        let mut a = cov.to_vec();
        for i in 0..d {
            a[i * d + i] = a[i * d + i].max(0.0) + jitter;
            if a[i * d + i] <= 0.0 {
                a[i * d + i] = floor;
            }
        }
        if let Some(l) = cholesky(&a, d) {
            return l;
        }
        jitter = if jitter == 0.0 {
            base * 1e-10
        } else {
            jitter * 10.0
        };
    }
    // Unreachable for finite input (the diagonal dominates in the end); a diagonal factor keeps
    // the sampler going for any other.
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        l[i * d + i] = cov[i * d + i].max(floor).sqrt();
    }
    l
}

/// `out = L e` for lower-triangular `L`.
pub fn lower_mul(l: &[f64], d: usize, e: &[f64], out: &mut [f64]) {
    for i in 0..d {
        let mut s = 0.0;
        for k in 0..=i {
            s += l[i * d + k] * e[k];
        }
        out[i] = s;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn covariance_and_factor_of_a_known_cloud() {
        // Four points with equal weights: mean (1, 2), covariance [[1, 1.5], [1.5, 2.5]]
        // (population: deviations (-1, -1), (1, 1), (-1, -2), (1, 2)).
        let x = [0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 2.0, 4.0];
        let (mean, cov) = weighted_cov(&x, 2, &[0.25; 4]);
        assert_eq!(mean, vec![1.0, 2.0]);
        assert_eq!(cov, vec![1.0, 1.5, 1.5, 2.5]);
        let l = cholesky(&cov, 2).unwrap();
        assert_eq!(l, vec![1.0, 0.0, 1.5, 0.5]);
        let mut out = [0.0; 2];
        lower_mul(&l, 2, &[2.0, 3.0], &mut out);
        assert_eq!(out, [2.0, 4.5]);
        // Singular: a factor exists after jitter, and reproduces the matrix closely.
        let singular = [1.0, 1.0, 1.0, 1.0];
        assert!(cholesky(&singular, 2).is_none());
        let l = robust_cholesky(&singular, 2, 1e-6);
        assert!((l[0] * l[0] - 1.0).abs() < 1e-6);
        // The jitter starts at 1e-10 times the mean of the diagonal (4 here), whatever the
        // floor, and is enough at once for this matrix.
        let l = robust_cholesky(&[4.0; 4], 2, 1e-30);
        assert!(
            (l[0] * l[0] - (4.0 + 4e-10)).abs() < 1e-14,
            "{}",
            l[0] * l[0]
        );
        let zero = robust_cholesky(&[0.0; 4], 2, 1e-4);
        assert!((zero[0] - 1e-2).abs() < 1e-12);
    }

    #[test]
    fn a_covariance_no_jitter_can_factor_gets_the_diagonal_factor() {
        // A NaN correlation defeats every jitter: the fallback is the square roots of the
        // diagonal (floored), in place on the diagonal of a 3 × 3 factor.
        let nan = f64::NAN;
        let cov = [4.0, nan, 0.0, nan, 9.0, 0.0, 0.0, 0.0, 0.0];
        let l = robust_cholesky(&cov, 3, 0.25);
        assert_eq!(l, vec![2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.5]);
    }
}

//! Morris elementary effects: a cheap screen of which inputs matter.
//!
//! Along a trajectory ([`super::design::morris`]) one input moves at a time, so the change in
//! the outcome divided by the input's step is that input's elementary effect at that point
//! (Morris 1991). Over r trajectories:
//! - `mu*`, the mean of |EE|, ranks importance and cannot be fooled by effects of opposite signs
//!   cancelling (Campolongo, Cariboni & Saltelli 2007, "An effective screening design for
//!   sensitivity analysis of large models", *Environ. Model. Softw.* 22:1509–1518);
//! - `mu`, the mean of EE, gives the direction when it is close to ±`mu*`;
//! - `sigma`, their standard deviation (n − 1), is large for inputs that act non-linearly or
//!   through interactions (Morris 1991).
//!
//! Steps are measured in the unit hypercube, where 0 and 1 are the ends of the input's swing
//! range (its 5th and 95th percentiles for a param, the whole range for a lever), so an effect is
//! in outcome units per whole swing, comparable with a one-at-a-time swing.

use super::design::{Trajectory, bootstrap_counts, percentile};

/// Morris statistics of one input for one outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorrisStats {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect (Campolongo et al. 2007).
    pub mu_star: f64,
    /// Percentile-bootstrap interval of `mu_star` over the trajectories.
    pub mu_star_ci: (f64, f64),
    /// Standard deviation of the elementary effects (n − 1; NaN for one trajectory).
    pub sigma: f64,
}

/// The elementary effects of every input: `y[t * (d + 1) + k]` is the outcome at point k of
/// trajectory t. Returns d vectors of r effects; NaN where an outcome value is not finite.
pub fn elementary_effects(trajectories: &[Trajectory], y: &[f64], d: usize) -> Vec<Vec<f64>> {
    let mut effects = vec![Vec::with_capacity(trajectories.len()); d];
    for (t, tr) in trajectories.iter().enumerate() {
        let y = &y[t * (d + 1)..(t + 1) * (d + 1)];
        for (k, &i) in tr.order.iter().enumerate() {
            let step = tr.points[(k + 1) * d + i] - tr.points[k * d + i];
            effects[i].push((y[k + 1] - y[k]) / step);
        }
    }
    effects
}

/// `mu`, `mu*` with its bootstrap interval, and `sigma` of one input's effects; `None` if any
/// effect is not finite or there are none.
///
/// # Examples
/// ```
/// use leversim::sensitivity::morris::morris_stats;
/// let s = morris_stats(&[2.0, -2.0, 4.0, -4.0], 100, 0.95, 1).unwrap();
/// assert_eq!((s.mu, s.mu_star), (0.0, 3.0));
/// ```
pub fn morris_stats(
    effects: &[f64],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<MorrisStats> {
    let r = effects.len();
    if r == 0 || !effects.iter().all(|e| e.is_finite()) {
        return None;
    }
    let n = r as f64;
    let mu = effects.iter().sum::<f64>() / n;
    let mu_star = effects.iter().map(|e| e.abs()).sum::<f64>() / n;
    let sigma = if r > 1 {
        (effects.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let mut counts = vec![0.0; r];
    let mut reps: Vec<f64> = (0..resamples)
        .map(|b| {
            bootstrap_counts(seed, b as u64, &mut counts);
            counts
                .iter()
                .zip(effects)
                .map(|(c, e)| c * e.abs())
                .sum::<f64>()
                / n
        })
        .collect();
    reps.sort_by(f64::total_cmp);
    let lo = (1.0 - confidence) / 2.0;
    Some(MorrisStats {
        mu,
        mu_star,
        mu_star_ci: (percentile(&reps, lo), percentile(&reps, 1.0 - lo)),
        sigma,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::design::morris;
    use super::*;

    /// For a linear function every elementary effect is its coefficient: mu* = |a_i|, sigma = 0.
    #[test]
    fn linear_function_has_constant_effects() {
        let a = [3.0, -1.5, 0.0, 10.0];
        let d = a.len();
        let trajectories = morris(4, 30, d, 4);
        let y: Vec<f64> = trajectories
            .iter()
            .flat_map(|tr| {
                tr.points
                    .chunks(d)
                    .map(|x| x.iter().zip(&a).map(|(x, a)| x * a).sum::<f64>())
                    .collect::<Vec<_>>()
            })
            .collect();
        let ee = elementary_effects(&trajectories, &y, d);
        for (i, e) in ee.iter().enumerate() {
            let s = morris_stats(e, 200, 0.95, 2).unwrap();
            assert!((s.mu - a[i]).abs() < 1e-9, "{i}: {s:?}");
            assert!((s.mu_star - a[i].abs()).abs() < 1e-9);
            assert!(s.sigma < 1e-9);
            assert!((s.mu_star_ci.0 - a[i].abs()).abs() < 1e-9);
        }
    }

    /// y = x0 · x1 on [0, 1]²: EE of x0 is x1 (exactly, the function is linear in x0), so
    /// mu* estimates E|x1| over the grid levels visited; sigma > 0 flags the interaction.
    #[test]
    fn interaction_shows_in_sigma() {
        let d = 2;
        let trajectories = morris(8, 400, d, 4);
        let y: Vec<f64> = trajectories
            .iter()
            .flat_map(|tr| tr.points.chunks(d).map(|x| x[0] * x[1]).collect::<Vec<_>>())
            .collect();
        let ee = elementary_effects(&trajectories, &y, d);
        let s = morris_stats(&ee[0], 500, 0.95, 1).unwrap();
        // Levels 0, 1/3, 2/3, 1 equally likely: mean 0.5, sd sqrt(5/36) = 0.373.
        assert!((s.mu_star - 0.5).abs() < 0.05, "{s:?}");
        assert!((s.sigma - (5.0f64 / 36.0).sqrt()).abs() < 0.04, "{s:?}");
        assert!(s.mu_star_ci.0 < 0.5 && 0.5 < s.mu_star_ci.1, "{s:?}");
    }

    #[test]
    fn undefined_effects_give_none() {
        assert!(morris_stats(&[], 10, 0.95, 1).is_none());
        assert!(morris_stats(&[1.0, f64::NAN], 10, 0.95, 1).is_none());
        assert!(morris_stats(&[1.0], 10, 0.95, 1).unwrap().sigma.is_nan());
    }
}

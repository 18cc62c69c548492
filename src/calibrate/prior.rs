//! The sampler's coordinates: every free param as a standard normal `z`.
//!
//! A param with distribution F takes the value θ = F⁻¹(Φ(z)). Under the prior, z ~ N(0, 1)
//! whatever F is (the transform of nested sampling's "unit cube", Feroz et al. 2009, followed by
//! Φ⁻¹), so in z the prior is a standard normal for every param: bounded, skewed and discrete
//! priors need no Jacobian and no density of their own, and a random walk in z never leaves a
//! param's support. Normal and log-normal params are mapped in closed form (θ = μ + σz,
//! exp(μ + σz)), which stays exact far into the tails; the others go through
//! [`Dist::quantile`] with Φ(z) kept within [1e-15, 1 − 1e-15] (|z| ≲ 7.9).

use crate::model::Model;
use crate::scenario::dist::Dist;

use super::observe::ndtr;

/// The free params of a model (those that are not constants) and their distributions.
#[derive(Clone, Debug)]
pub struct Prior {
    /// Indices into `Model::params`.
    pub params: Vec<usize>,
    /// Their names.
    pub names: Vec<String>,
    /// Their distributions.
    pub dists: Vec<Dist>,
}

impl Prior {
    /// Every param of `model` that is not a constant (a `--set` makes one constant).
    pub fn of(model: &Model) -> Prior {
        let free: Vec<usize> = (0..model.params.len())
            .filter(|&k| !matches!(model.params[k].dist, Dist::Constant { .. }))
            .collect();
        Prior {
            names: free.iter().map(|&k| model.params[k].name.clone()).collect(),
            dists: free.iter().map(|&k| model.params[k].dist.clone()).collect(),
            params: free,
        }
    }

    /// The params whose `keep` is true (one flag per free param).
    pub fn restricted(&self, keep: &[bool]) -> Prior {
        let pick = |k: usize| keep.get(k).copied().unwrap_or(false);
        Prior {
            params: (0..self.dim())
                .filter(|&k| pick(k))
                .map(|k| self.params[k])
                .collect(),
            names: (0..self.dim())
                .filter(|&k| pick(k))
                .map(|k| self.names[k].clone())
                .collect(),
            dists: (0..self.dim())
                .filter(|&k| pick(k))
                .map(|k| self.dists[k].clone())
                .collect(),
        }
    }

    /// Number of free params.
    pub fn dim(&self) -> usize {
        self.params.len()
    }

    /// The value of free param `k` at coordinate `z`.
    pub fn value(&self, k: usize, z: f64) -> f64 {
        match self.dists[k] {
            Dist::Normal { mean, sd } => mean + sd * z,
            Dist::LogNormal { mu, sigma } => (mu + sigma * z).exp(),
            ref d => {
                const EDGE: f64 = 1e-15;
                d.quantile(ndtr(z).clamp(EDGE, 1.0 - EDGE))
            }
        }
    }

    /// Writes the values of the coordinates `z` (one row of `dim` values) into `out`.
    pub fn values_into(&self, z: &[f64], out: &mut [f64]) {
        for (k, (zk, o)) in z.iter().zip(out.iter_mut()).enumerate() {
            *o = self.value(k, *zk);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn z_maps_onto_each_prior() {
        let prior = Prior {
            params: vec![0, 1, 2, 3],
            names: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            dists: vec![
                Dist::Normal { mean: 3.0, sd: 2.0 },
                Dist::LogNormal {
                    mu: 1.0,
                    sigma: 0.5,
                },
                Dist::Uniform {
                    min: 0.0,
                    max: 10.0,
                },
                Dist::Bernoulli { p: 0.3 },
            ],
        };
        assert_eq!(prior.value(0, 1.5), 6.0);
        assert!((prior.value(1, -1.0) - 0.5f64.exp()).abs() < 1e-12);
        assert!((prior.value(2, 0.0) - 5.0).abs() < 1e-12);
        // Φ(1.6448536) = 0.95.
        assert!((prior.value(2, 1.644_853_626_951_472_2) - 9.5).abs() < 1e-9);
        // P(X <= 0) = 0.7 and Φ(0.5244) = 0.7: below it 0, above it 1.
        assert_eq!(prior.value(3, 0.5), 0.0);
        assert_eq!(prior.value(3, 0.55), 1.0);
    }
}

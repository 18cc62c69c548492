//! A weighted ensemble of param values that runs draw their params from: a calibration's
//! posterior, used in place of the params' distributions.
//!
//! Each run picks one member with probability proportional to its weight, from a stream of its
//! own keyed by (seed, run) and the site name `posterior`. The pick does not depend on the
//! bundle, so two bundles' run k rest on the same member (common random numbers), and the
//! params' own streams are still drawn (and then replaced), so nothing else shifts.

use super::rng::site_key;

/// The site name of the member pick.
pub const POSTERIOR_SITE: &str = "posterior";

/// Members (rows of param values) with weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    /// Params set (indices into `Model::params`), the columns of `values`.
    pub params: Vec<usize>,
    /// Row-major values, one row per member.
    pub values: Vec<f64>,
    /// Normalised cumulative weights, ending at 1.
    cumulative: Vec<f64>,
    /// The stream key of the pick.
    pub(crate) site: u64,
}

/// Why an ensemble cannot be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EnsembleError {
    /// No members, or values not a whole number of rows.
    #[error("{members} weights for {values} values of {params} params")]
    Shape {
        /// Weights given.
        members: usize,
        /// Values given.
        values: usize,
        /// Params.
        params: usize,
    },
    /// A weight negative or not finite, or all zero.
    #[error("member {0}'s weight is not a finite number at or above zero (or all weights are 0)")]
    Weight(usize),
    /// A value not finite.
    #[error("member {member}'s value of param {param} is not a finite number")]
    Value {
        /// Member.
        member: usize,
        /// Column.
        param: usize,
    },
}

impl Ensemble {
    /// An ensemble of `weights.len()` members over `params`.
    ///
    /// # Errors
    /// When the shapes disagree, a weight is negative or not finite, all weights are zero, or a
    /// value is not finite.
    pub fn new(
        params: Vec<usize>,
        values: Vec<f64>,
        weights: &[f64],
    ) -> Result<Ensemble, EnsembleError> {
        let width = params.len();
        if weights.is_empty() || values.len() != weights.len() * width {
            return Err(EnsembleError::Shape {
                members: weights.len(),
                values: values.len(),
                params: width,
            });
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(EnsembleError::Weight(i));
        }
        if let Some(k) = values.iter().position(|v| !v.is_finite()) {
            return Err(EnsembleError::Value {
                member: k / width.max(1),
                param: k % width.max(1),
            });
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(EnsembleError::Weight(0));
        }
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc / total
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Ok(Ensemble {
            params,
            values,
            cumulative,
            site: site_key(POSTERIOR_SITE),
        })
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// Whether there are no members (never, for a built ensemble).
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }

    /// Values per member.
    pub fn width(&self) -> usize {
        self.params.len()
    }

    /// The member a uniform number `u` in [0, 1) picks: the first whose cumulative weight
    /// exceeds `u` (members of weight 0 are never picked).
    pub fn pick(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len() - 1)
    }

    /// The values of member `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width()..(i + 1) * self.width()]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn picks_follow_the_weights() {
        let e = Ensemble::new(vec![0], vec![1.0, 2.0, 3.0], &[0.5, 0.0, 1.5]).unwrap();
        assert_eq!(e.pick(0.0), 0);
        assert_eq!(e.pick(0.2499), 0);
        assert_eq!(e.pick(0.25), 2);
        assert_eq!(e.pick(0.999_999), 2);
        assert_eq!(e.row(2), &[3.0]);
        assert!(Ensemble::new(vec![0], vec![1.0], &[0.0]).is_err());
        assert!(Ensemble::new(vec![0, 1], vec![1.0], &[1.0]).is_err());
        assert!(Ensemble::new(vec![0], vec![f64::NAN], &[1.0]).is_err());
    }
}

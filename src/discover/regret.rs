//! Robustness of bundles: regret in each run and the share of runs that meet thresholds
//! (issue 13, item 4).
//!
//! Common random numbers make run k the same world in every bundle, so bundles can be compared
//! world by world rather than by their means alone (Savage 1951's minimax regret, as robust
//! decision making uses it: Lempert, Popper & Bankes 2003, ch. 5). For an outcome with a
//! direction, a bundle's **regret** in run k is how far it falls short of the best bundle in
//! that run: `y_b,k − min_b' y_b',k` when lower is better, `max_b' y_b',k − y_b,k` when higher
//! is; 0 for the best. Over the runs: its mean, 90th percentile and maximum, and the share of
//! runs in which the bundle is the best (ties count for each). The **minimax-regret** bundle of
//! an outcome has the smallest maximum regret. A **satisficing** condition (`p_ssn < 0.1`) is
//! met by a run when its outcome value satisfies it; a bundle's share of runs meeting it is
//! the robustness measure of Starr (1963) and Simon's satisficing.
//!
//! Pure functions over columns; the runs come from [`super::runs::RunsTable`].

use std::fmt;

use super::runs::BundleRuns;
use crate::output::schema::Better;
use crate::sensitivity::design::percentile;

/// A comparison of a `--satisfice` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Operators as written, longest first (so that `<=` is not read as `<`).
    const ALL: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    /// As written.
    pub fn as_str(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(s, _)| s)
    }
}

/// A threshold on an outcome that a run meets or not: `OUTCOME OP VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Outcome name.
    pub outcome: String,
    /// Comparison.
    pub op: Op,
    /// Threshold, in the outcome's unit.
    pub value: f64,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.outcome, self.op.as_str(), self.value)
    }
}

impl Condition {
    /// Parses `OUTCOME OP VALUE` (spaces optional): `p_ssn < 0.1`, `shells<=6e6`.
    ///
    /// # Errors
    /// A message that quotes the text and shows the form.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let form = "write it as OUTCOME OP VALUE, e.g. --satisfice \"p_ssn < 0.1\", with OP one of <, <=, >, >=, ==, !=";
        let found = text
            .char_indices()
            .find_map(|(i, _)| {
                Op::ALL
                    .iter()
                    .find(|(s, _)| text[i..].starts_with(s))
                    .map(|(s, op)| (i, s.len(), *op))
            })
            .ok_or_else(|| format!("--satisfice '{text}': no comparison; {form}"))?;
        let (at, len, op) = found;
        let outcome = text[..at].trim();
        let value = text[at + len..].trim();
        if outcome.is_empty() || outcome.contains(char::is_whitespace) {
            return Err(format!(
                "--satisfice '{text}': `{outcome}` is not an outcome name; {form}"
            ));
        }
        let value: f64 = match value.parse() {
            Ok(v) if f64::is_finite(v) => v,
            _ => {
                return Err(format!(
                    "--satisfice '{text}': `{value}` is not a number; {form}"
                ));
            }
        };
        Ok(Condition {
            outcome: outcome.to_string(),
            op,
            value,
        })
    }

    /// Whether the value `v` meets the condition (NaN never does).
    pub fn holds(&self, v: f64) -> bool {
        match self.op {
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
            Op::Eq => v == self.value,
            Op::Ne => !v.is_nan() && v != self.value,
        }
    }
}

/// For each run every bundle has, the row of that run in each bundle: `rows[k][b]`, in run
/// order. Runs that a fault retired in one bundle are left out of all, so that every bundle is
/// judged on the same worlds.
pub fn common_runs(bundles: &[&BundleRuns]) -> Vec<Vec<usize>> {
    let mut at = vec![0usize; bundles.len()];
    let mut out = Vec::new();
    let Some(first) = bundles.first() else {
        return out;
    };
    'runs: for (r0, &run) in first.runs.iter().enumerate() {
        let mut rows = Vec::with_capacity(bundles.len());
        rows.push(r0);
        for (b, bundle) in bundles.iter().enumerate().skip(1) {
            while at[b] < bundle.runs.len() && bundle.runs[at[b]] < run {
                at[b] += 1;
            }
            if bundle.runs.get(at[b]) != Some(&run) {
                continue 'runs;
            }
            rows.push(at[b]);
        }
        out.push(rows);
    }
    out
}

/// Regret of each bundle in each run: `values[b][k]` is bundle b's outcome in run k (the same
/// runs for every bundle); the result has the same shape. A run in which some bundle has no
/// value (NaN) has no regret (NaN) for any bundle. `better` must be a direction.
///
/// # Panics
/// If `better` is [`Better::Neither`] (the caller keeps outcomes with a direction).
pub fn regrets(values: &[Vec<f64>], better: Better) -> Vec<Vec<f64>> {
    assert!(better != Better::Neither, "regret needs a direction");
    let runs = values.first().map_or(0, Vec::len);
    let mut out = vec![vec![f64::NAN; runs]; values.len()];
    for k in 0..runs {
        let column = values.iter().map(|v| v[k]);
        if column.clone().any(f64::is_nan) {
            continue;
        }
        let best = match better {
            Better::Lower => column.fold(f64::INFINITY, f64::min),
            _ => column.fold(f64::NEG_INFINITY, f64::max),
        };
        for (b, v) in values.iter().enumerate() {
            out[b][k] = match better {
                Better::Lower => v[k] - best,
                _ => best - v[k],
            };
        }
    }
    out
}

/// A bundle's regret over the runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegretSummary {
    /// Mean regret.
    pub mean: f64,
    /// 90th percentile (type 7, as NumPy's default).
    pub p90: f64,
    /// Largest regret.
    pub max: f64,
    /// Share of runs with regret 0: the bundle is the best there (or tied for it).
    pub best_share: f64,
    /// Runs with a value.
    pub runs: u64,
}

/// The summary of one bundle's regrets (NaN runs left out); `None` when no run has one.
pub fn summarise(regret: &[f64]) -> Option<RegretSummary> {
    let mut sorted: Vec<f64> = regret.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    Some(RegretSummary {
        mean: sorted.iter().sum::<f64>() / n,
        p90: percentile(&sorted, 0.9),
        max: sorted[sorted.len() - 1],
        best_share: sorted.iter().filter(|&&v| v == 0.0).count() as f64 / n,
        runs: sorted.len() as u64,
    })
}

/// Which bundles have the smallest maximum regret (all that tie for it).
pub fn minimax(max_regret: &[Option<f64>]) -> Vec<bool> {
    let least = max_regret
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    max_regret
        .iter()
        .map(|m| m.is_some_and(|m| m == least))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_with_or_without_spaces() {
        let c = Condition::parse("p_ssn < 0.1").unwrap();
        assert_eq!((c.outcome.as_str(), c.op, c.value), ("p_ssn", Op::Lt, 0.1));
        let c = Condition::parse("shells<=6e6").unwrap();
        assert_eq!((c.outcome.as_str(), c.op, c.value), ("shells", Op::Le, 6e6));
        assert_eq!(Condition::parse(" x >= -2 ").unwrap().op, Op::Ge);
        assert_eq!(Condition::parse("x != 1").unwrap().to_string(), "x != 1");
        assert!(c.holds(6e6) && !c.holds(6e6 + 1.0) && !c.holds(f64::NAN));
        let form = "write it as OUTCOME OP VALUE, e.g. --satisfice \"p_ssn < 0.1\", with OP one of <, <=, >, >=, ==, !=";
        assert_eq!(
            Condition::parse("p_ssn 0.1").unwrap_err(),
            format!("--satisfice 'p_ssn 0.1': no comparison; {form}")
        );
        assert_eq!(
            Condition::parse("p_ssn < tenth").unwrap_err(),
            format!("--satisfice 'p_ssn < tenth': `tenth` is not a number; {form}")
        );
        assert_eq!(
            Condition::parse("< 3").unwrap_err(),
            format!("--satisfice '< 3': `` is not an outcome name; {form}")
        );
    }

    /// Three bundles, four runs, lower is better; by hand:
    /// run 0: 5, 3, 4 → best 3, regrets 2, 0, 1;
    /// run 1: 1, 2, 6 → best 1, regrets 0, 1, 5;
    /// run 2: 4, 4, 2 → best 2, regrets 2, 2, 0;
    /// run 3: 0, 7, 0 → best 0, regrets 0, 7, 0 (a tie: both best).
    #[test]
    fn regret_is_the_gap_to_the_best_bundle_in_the_same_run() {
        let values = vec![
            vec![5.0, 1.0, 4.0, 0.0],
            vec![3.0, 2.0, 4.0, 7.0],
            vec![4.0, 6.0, 2.0, 0.0],
        ];
        let r = regrets(&values, Better::Lower);
        assert_eq!(r[0], [2.0, 0.0, 2.0, 0.0]);
        assert_eq!(r[1], [0.0, 1.0, 2.0, 7.0]);
        assert_eq!(r[2], [1.0, 5.0, 0.0, 0.0]);
        let s: Vec<RegretSummary> = r.iter().map(|v| summarise(v).unwrap()).collect();
        assert_eq!(s[0].mean, 1.0);
        assert_eq!(s[1].mean, 2.5);
        assert_eq!(s[2].mean, 1.5);
        // Type 7: h = 3 · 0.9 = 2.7 between the 3rd and 4th sorted values.
        assert_eq!(s[0].p90, 2.0);
        assert!((s[1].p90 - (2.0 + 0.7 * 5.0)).abs() < 1e-12);
        assert!((s[2].p90 - (1.0 + 0.7 * 4.0)).abs() < 1e-12);
        assert_eq!([s[0].max, s[1].max, s[2].max], [2.0, 7.0, 5.0]);
        assert_eq!(
            [s[0].best_share, s[1].best_share, s[2].best_share],
            [0.5, 0.25, 0.5]
        );
        assert_eq!(
            minimax(&[Some(2.0), Some(7.0), Some(5.0)]),
            [true, false, false]
        );
        assert_eq!(minimax(&[Some(2.0), None, Some(2.0)]), [true, false, true]);
        // Higher is better: the gap below the best.
        let r = regrets(&values, Better::Higher);
        assert_eq!(r[0], [0.0, 5.0, 0.0, 7.0]);
        // A run where a bundle has no value has no regret.
        let r = regrets(&[vec![1.0, f64::NAN], vec![2.0, 3.0]], Better::Lower);
        assert_eq!(r[1][0], 1.0);
        assert!(r[0][1].is_nan() && r[1][1].is_nan());
        assert!(summarise(&[f64::NAN]).is_none());
    }

    #[test]
    fn common_runs_skip_runs_missing_in_a_bundle() {
        let bundle = |runs: Vec<u64>| BundleRuns {
            name: String::new(),
            inputs: Vec::new(),
            outcomes: Vec::new(),
            runs,
        };
        let a = bundle(vec![0, 1, 2, 3]);
        let b = bundle(vec![0, 2, 3]);
        let c = bundle(vec![1, 2, 3]);
        assert_eq!(common_runs(&[&a, &b, &c]), [vec![2, 1, 1], vec![3, 2, 2]]);
    }
}

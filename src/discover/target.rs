//! What discovery looks for: a condition on an outcome (`"> 0.5"`, `"== 1"`, `"<= 6e6"`), in one
//! bundle, in every bundle pooled, or on the paired difference between two bundles in the same
//! run; and the matrix of inputs it is explained by.
//!
//! Input: a [`RunsTable`]. Output: [`Target`], the runs analysed with their inputs (those that
//! vary among them) and whether the condition holds in each.

use super::runs::{RunsError, RunsTable};
use crate::output::schema::{InputInfo, OutcomeInfo, OutcomeKind};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>`
    Above,
    /// `>=`
    AtLeast,
    /// `<`
    Below,
    /// `<=`
    AtMost,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

/// A condition on a run's value: `value OP threshold`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Condition {
    /// The comparison.
    pub op: Op,
    /// What the value is compared with.
    pub value: f64,
}

/// Why a condition could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--when `{text}`: {reason}; write a comparison and a number, e.g. \"> 0.5\", \"== 1\" or \"<= 6e6\""
)]
pub struct ConditionError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Condition {
    /// Reads `"> 0.5"`, `">=2028"`, `"== 1"`, `"!= 0"`, `"<= 6e6"`.
    ///
    /// # Errors
    /// [`ConditionError`] naming what is missing.
    ///
    /// # Examples
    /// ```
    /// use leversim::discover::target::{Condition, Op};
    /// let c = Condition::parse("<= 6e6").unwrap();
    /// assert_eq!((c.op, c.value), (Op::AtMost, 6e6));
    /// assert!(c.holds(5e6) && !c.holds(7e6));
    /// ```
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let err = |reason: &str| ConditionError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let t = text.trim();
        let (op, rest) = [
            (">=", Op::AtLeast),
            ("<=", Op::AtMost),
            ("==", Op::Equal),
            ("!=", Op::NotEqual),
            (">", Op::Above),
            ("<", Op::Below),
            ("=", Op::Equal),
        ]
        .iter()
        .find_map(|(s, op)| t.strip_prefix(s).map(|rest| (*op, rest)))
        .ok_or_else(|| err("it does not start with >, >=, <, <=, == or !="))?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(err("there is no number after the comparison"));
        }
        let value: f64 = rest
            .parse()
            .map_err(|_| err(&format!("`{rest}` is not a number")))?;
        if !value.is_finite() {
            return Err(err("the number must be finite"));
        }
        Ok(Condition { op, value })
    }

    /// Whether `v` meets the condition. A missing value (NaN) never does.
    pub fn holds(&self, v: f64) -> bool {
        match self.op {
            Op::Above => v > self.value,
            Op::AtLeast => v >= self.value,
            Op::Below => v < self.value,
            Op::AtMost => v <= self.value,
            Op::Equal => v == self.value,
            Op::NotEqual => !v.is_nan() && v != self.value,
        }
    }

    /// The operator as written: `>`, `>=`, ...
    pub fn op_text(&self) -> &'static str {
        match self.op {
            Op::Above => ">",
            Op::AtLeast => ">=",
            Op::Below => "<",
            Op::AtMost => "<=",
            Op::Equal => "==",
            Op::NotEqual => "!=",
        }
    }

    /// The condition as written, normalised: `> 0.5`.
    pub fn text(&self) -> String {
        format!("{} {}", self.op_text(), self.value)
    }
}

/// Which runs, and which value of theirs, the condition is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The outcome.
    pub outcome: String,
    /// The bundle (`None`: every bundle run, pooled).
    pub bundle: Option<String>,
    /// With a reference bundle, the value is the bundle's minus the reference's in the same run.
    pub versus: Option<String>,
}

/// The runs analysed: their inputs and whether the condition holds.
#[derive(Clone, Debug)]
pub struct Target {
    /// The outcome.
    pub outcome: OutcomeInfo,
    /// The inputs that vary among the runs analysed (constant ones cannot tell runs apart).
    pub inputs: Vec<InputInfo>,
    /// Per input in `inputs`, one value per run.
    pub x: Vec<Vec<f64>>,
    /// The value the condition is on, per run.
    pub values: Vec<f64>,
    /// Whether the condition holds, per run.
    pub y: Vec<bool>,
    /// Bundle and run index of each run analysed.
    pub rows: Vec<(String, u64)>,
    /// Runs left out because they have no value (a paired difference of two first-crossing
    /// months when neither happened).
    pub left_out: usize,
}

/// Why a question cannot be asked of a results folder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// An unknown name, or the folder cannot be read.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// `--versus` without `--bundle`, or the same bundle twice.
    #[error("{0}")]
    Usage(String),
    /// The condition holds in no run or in every run.
    #[error(
        "the condition `{outcome} {condition}` holds in {of_interest} of the {runs} runs analysed{where_}: there is nothing to tell apart; {hint}"
    )]
    Degenerate {
        /// What the condition is on.
        outcome: String,
        /// The condition.
        condition: String,
        /// Runs where it holds.
        of_interest: usize,
        /// Runs analysed.
        runs: usize,
        /// ` (bundle x)` or similar.
        where_: String,
        /// What to try instead.
        hint: String,
    },
}

/// The runs `question` is about, with the inputs that explain them and whether `condition`
/// holds in each.
///
/// A `first` outcome that never happens in a run (no value) counts as later than any month,
/// so `"> 2028"` holds and `"<= 2028"` does not; a paired difference is missing when either
/// run has no value, and such runs are left out ([`Target::left_out`]).
///
/// # Errors
/// [`TargetError`] for unknown names, `--versus` without `--bundle`, or a condition that holds
/// in no run or in every run.
pub fn target(
    table: &RunsTable,
    question: &Question,
    condition: &Condition,
) -> Result<Target, TargetError> {
    let o = table.outcome(&question.outcome)?;
    let outcome = table.outcomes[o].clone();
    let never_is_late = outcome.kind == OutcomeKind::First;
    let value_of = |v: f64| {
        if v.is_nan() && never_is_late {
            f64::INFINITY
        } else {
            v
        }
    };
    let n_inputs = table.inputs.len();
    let mut x: Vec<Vec<f64>> = vec![Vec::new(); n_inputs];
    let mut values = Vec::new();
    let mut rows = Vec::new();
    let mut left_out = 0;
    match (&question.bundle, &question.versus) {
        (None, Some(_)) => {
            return Err(TargetError::Usage(
                "--versus needs --bundle: the difference is that bundle's outcome minus the reference's, run by run".into(),
            ));
        }
        (Some(b), Some(r)) => {
            if b == r {
                return Err(TargetError::Usage(format!(
                    "--bundle and --versus are both `{b}`: the difference would be zero in every run"
                )));
            }
            let a = table.bundle(b)?;
            let reference = table.bundle(r)?;
            for (i, j) in RunsTable::paired(a, reference) {
                let d = value_of(a.outcomes[o][i]) - value_of(reference.outcomes[o][j]);
                if d.is_nan() {
                    left_out += 1;
                    continue;
                }
                values.push(d);
                rows.push((a.name.clone(), a.runs[i]));
                for (column, input) in x.iter_mut().zip(&a.inputs) {
                    column.push(input[i]);
                }
            }
        }
        (bundle, None) => {
            let chosen: Vec<_> = match bundle {
                Some(b) => vec![table.bundle(b)?],
                None => table.bundles.iter().collect(),
            };
            for b in chosen {
                for i in 0..b.len() {
                    let v = value_of(b.outcomes[o][i]);
                    if v.is_nan() {
                        left_out += 1;
                        continue;
                    }
                    values.push(v);
                    rows.push((b.name.clone(), b.runs[i]));
                    for (column, input) in x.iter_mut().zip(&b.inputs) {
                        column.push(input[i]);
                    }
                }
            }
        }
    }
    let y: Vec<bool> = values.iter().map(|&v| condition.holds(v)).collect();
    let of_interest = y.iter().filter(|&&h| h).count();
    if of_interest == 0 || of_interest == y.len() {
        let what = match (&question.bundle, &question.versus) {
            (Some(b), Some(r)) => format!("{} in {b} minus in {r}", outcome.name),
            _ => outcome.name.clone(),
        };
        let where_ = match (&question.bundle, &question.versus) {
            (Some(b), None) => format!(" of bundle {b}"),
            (None, None) => " of every bundle".to_string(),
            _ => String::new(),
        };
        let (lo, hi) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let hint = if lo <= hi {
            format!("its values run from {lo} to {hi}; choose a threshold between them")
        } else {
            "no run has a finite value".to_string()
        };
        return Err(TargetError::Degenerate {
            outcome: what,
            condition: condition.text(),
            of_interest,
            runs: y.len(),
            where_,
            hint,
        });
    }
    // Keep the inputs that vary: a lever is constant within a bundle.
    let mut inputs = Vec::new();
    let mut kept = Vec::new();
    for (info, column) in table.inputs.iter().zip(x) {
        let first = column.first().copied().unwrap_or(0.0);
        if column.iter().any(|&v| v != first) {
            inputs.push(info.clone());
            kept.push(column);
        }
    }
    Ok(Target {
        outcome,
        inputs,
        x: kept,
        values,
        y,
        rows,
        left_out,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::discover::runs::tests::{folder, summary};
    use crate::output::schema::InputKind;

    #[test]
    fn conditions_read_as_written() {
        for (text, op, value) in [
            ("> 0.5", Op::Above, 0.5),
            (">=2028", Op::AtLeast, 2028.0),
            ("== 1", Op::Equal, 1.0),
            ("= 1", Op::Equal, 1.0),
            ("!= 0", Op::NotEqual, 0.0),
            (" <= 6e6 ", Op::AtMost, 6e6),
            ("< -0.05", Op::Below, -0.05),
        ] {
            assert_eq!(Condition::parse(text).unwrap(), Condition { op, value });
        }
        assert_eq!(
            Condition::parse("about 3").unwrap_err().to_string(),
            "--when `about 3`: it does not start with >, >=, <, <=, == or !=; write a comparison and a number, e.g. \"> 0.5\", \"== 1\" or \"<= 6e6\""
        );
        assert!(Condition::parse(">").is_err());
        assert!(Condition::parse("> x").is_err());
        assert!(!Condition::parse("!= 0").unwrap().holds(f64::NAN));
    }

    const RUNS: &str = "bundle,run,hit,when,param.x,lever.push
none,0,1,2024.5,0.1,0
none,1,0,,0.2,0
none,2,1,2025,0.3,0
none,3,0,2026,0.4,0
pushed,0,0,,0.1,2
pushed,1,0,,0.2,2
pushed,2,1,2024.25,0.3,2
pushed,3,0,2025.5,0.4,2
";

    fn table(tag: &str) -> (RunsTable, std::path::PathBuf) {
        let s = summary(
            &[
                ("hit", OutcomeKind::Probability),
                ("when", OutcomeKind::First),
            ],
            &[("x", InputKind::Param), ("push", InputKind::Lever)],
            &["none", "pushed"],
        );
        let dir = folder(tag, &s, RUNS);
        (RunsTable::read(&dir).unwrap(), dir)
    }

    fn q(bundle: Option<&str>, versus: Option<&str>, outcome: &str) -> Question {
        Question {
            outcome: outcome.into(),
            bundle: bundle.map(str::to_string),
            versus: versus.map(str::to_string),
        }
    }

    #[test]
    fn pooled_bundles_keep_the_levers_and_one_bundle_drops_them() {
        let (t, dir) = table("pooled");
        let c = Condition::parse("== 1").unwrap();
        let pooled = target(&t, &q(None, None, "hit"), &c).unwrap();
        assert_eq!(pooled.y.len(), 8);
        assert_eq!(pooled.inputs.len(), 2, "the lever varies across bundles");
        let one = target(&t, &q(Some("none"), None, "hit"), &c).unwrap();
        assert_eq!(one.y, [true, false, true, false]);
        assert_eq!(one.inputs.len(), 1, "a bundle's lever is constant");
        assert_eq!(one.x[0], [0.1, 0.2, 0.3, 0.4]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn paired_differences_and_never_as_late() {
        let (t, dir) = table("paired");
        // pushed minus none: hit differs in runs 0 (-1) and 3 (0)...
        let c = Condition::parse("< 0").unwrap();
        let d = target(&t, &q(Some("pushed"), Some("none"), "hit"), &c).unwrap();
        assert_eq!(d.values, [-1.0, 0.0, 0.0, 0.0]);
        assert_eq!(d.y, [true, false, false, false]);
        // A crossing that never happens is later than any month; never minus never is
        // missing (run 1) and left out.
        let late = Condition::parse("> 2025.2").unwrap();
        let w = target(&t, &q(Some("none"), None, "when"), &late).unwrap();
        assert_eq!(w.y, [false, true, false, true]);
        let dw = target(&t, &q(Some("pushed"), Some("none"), "when"), &late).unwrap();
        assert_eq!(dw.left_out, 1);
        assert_eq!(dw.y, [true, false, false]);
        assert_eq!(dw.rows[1], ("pushed".to_string(), 2));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_condition_that_holds_everywhere_is_refused_with_the_range() {
        let (t, dir) = table("degenerate");
        let c = Condition::parse("> 5").unwrap();
        let err = target(&t, &q(Some("none"), None, "hit"), &c).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the condition `hit > 5` holds in 0 of the 4 runs analysed of bundle none: there is nothing to tell apart; its values run from 0 to 1; choose a threshold between them"
        );
        let usage = target(&t, &q(None, Some("none"), "hit"), &c).unwrap_err();
        assert!(matches!(usage, TargetError::Usage(_)));
        std::fs::remove_dir_all(&dir).ok();
    }
}

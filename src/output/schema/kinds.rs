//! The kinds that results files name: of outcomes, of variables, of sensitivity inputs, and
//! the direction in which an outcome is better.
//!
//! Each is an enum serialised as the word the files have always held (`"probability"`,
//! `"lower"`, `"lever_cost"`), and the one definition of its kind in leversim: the scenario
//! reader, the engine and the charts all use these (`scenario::OutcomeKind` and
//! `model::VarKind` are these types), so adding a kind is a change here and then to every
//! `match` the compiler points at.

use serde::{Deserialize, Serialize};

/// How an outcome turns a run's months into one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// Value at the end (or at `at`).
    Final,
    /// Maximum over the window.
    Max,
    /// Minimum over the window.
    Min,
    /// Sum over the window.
    Sum,
    /// Mean over the window.
    Mean,
    /// Share of months in the window in which the formula is non-zero.
    Share,
    /// Month (as a decimal year) in which the formula is first non-zero; missing if never.
    First,
    /// 1 if the formula is non-zero in any month of the window, else 0: its mean is a probability.
    Probability,
}

impl OutcomeKind {
    /// The keyword in scenario files and results.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Final => "final",
            OutcomeKind::Max => "max",
            OutcomeKind::Min => "min",
            OutcomeKind::Sum => "sum",
            OutcomeKind::Mean => "mean",
            OutcomeKind::Share => "share",
            OutcomeKind::First => "first",
            OutcomeKind::Probability => "probability",
        }
    }

    /// Every kind, in documentation order.
    pub const ALL: [OutcomeKind; 8] = [
        OutcomeKind::Final,
        OutcomeKind::Max,
        OutcomeKind::Min,
        OutcomeKind::Sum,
        OutcomeKind::Mean,
        OutcomeKind::Share,
        OutcomeKind::First,
        OutcomeKind::Probability,
    ];

    /// The unit results give an outcome of this kind whose scenario declares `declared`:
    /// probabilities, shares of months and months of first crossing have their own. The unit
    /// is for people; readers decide how to show a value from the kind, never from this text.
    pub fn unit(self, declared: &str) -> String {
        match self {
            OutcomeKind::Probability => "probability".into(),
            OutcomeKind::Share => "share of months".into(),
            OutcomeKind::First => "year".into(),
            OutcomeKind::Final
            | OutcomeKind::Max
            | OutcomeKind::Min
            | OutcomeKind::Sum
            | OutcomeKind::Mean => declared.to_string(),
        }
    }

    /// What a value of this kind is, for showing it.
    pub fn value(self) -> ValueKind {
        match self {
            OutcomeKind::Probability => ValueKind::Probability,
            OutcomeKind::Share => ValueKind::Share,
            OutcomeKind::First => ValueKind::Month,
            OutcomeKind::Final
            | OutcomeKind::Max
            | OutcomeKind::Min
            | OutcomeKind::Sum
            | OutcomeKind::Mean => ValueKind::Number,
        }
    }
}

/// What a value in the results is, which decides how it is shown (a number with its unit, a
/// percentage, a month).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A quantity in the declared unit.
    Number,
    /// A probability (the mean of a 0/1 outcome), between 0 and 1.
    Probability,
    /// A share (of months), between 0 and 1.
    Share,
    /// A month, as a decimal year (2024-10 is 2024.75).
    Month,
}

/// Which direction of an outcome is better, for comparisons; `better` in files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Lower is better (shells delivered, risks).
    Lower,
    /// Higher is better.
    Higher,
    /// Neither: descriptive only. Written `none`.
    #[serde(rename = "none")]
    Neither,
}

impl Better {
    /// The sign that turns a difference `x - y` into an improvement: −1 when lower is better,
    /// +1 when higher is, none when neither is.
    pub fn improvement_sign(self) -> Option<f64> {
        match self {
            Better::Lower => Some(-1.0),
            Better::Higher => Some(1.0),
            Better::Neither => None,
        }
    }

    /// The keyword in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
            Better::Neither => "none",
        }
    }
}

/// What kind of per-month variable a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableKind {
    /// A stock (value at the end of the month).
    Stock,
    /// A flow (amount moved during the month).
    Flow,
    /// An auxiliary (value during the month).
    Aux,
    /// An event flag (1 once it has happened).
    Event,
    /// The cost per year of a lever at its value this month.
    LeverCost,
}

impl VariableKind {
    /// Lower-case name for outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            VariableKind::Stock => "stock",
            VariableKind::Flow => "flow",
            VariableKind::Aux => "aux",
            VariableKind::Event => "event",
            VariableKind::LeverCost => "lever_cost",
        }
    }
}

/// What an input of a sensitivity analysis is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// An uncertain param, through its distribution.
    Param,
    /// A lever, uniform over its range.
    Lever,
    /// The model's own random draws within runs (`(noise)`).
    Noise,
}

impl InputKind {
    /// Lower-case name for outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Param => "param",
            InputKind::Lever => "lever",
            InputKind::Noise => "noise",
        }
    }
}

/// The kind of what a sensitivity report analyses: an outcome, or a variable's series month by
/// month. Written as the bare word of either (the two sets of words do not overlap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnalysedKind {
    /// An outcome.
    Outcome(OutcomeKind),
    /// A recorded variable.
    Variable(VariableKind),
}

impl AnalysedKind {
    /// What its values are, for showing them.
    pub fn value(self) -> ValueKind {
        match self {
            AnalysedKind::Outcome(kind) => kind.value(),
            AnalysedKind::Variable(_) => ValueKind::Number,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The words in files are exactly those leversim has always written.
    #[test]
    fn kinds_serialise_as_their_words() {
        for kind in OutcomeKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
            let back: OutcomeKind =
                serde_json::from_str(&format!("\"{}\"", kind.as_str())).unwrap();
            assert_eq!(back, kind);
        }
        for better in [Better::Lower, Better::Higher, Better::Neither] {
            assert_eq!(
                serde_json::to_string(&better).unwrap(),
                format!("\"{}\"", better.as_str())
            );
        }
        for kind in [
            VariableKind::Stock,
            VariableKind::Flow,
            VariableKind::Aux,
            VariableKind::Event,
            VariableKind::LeverCost,
        ] {
            let text = format!("\"{}\"", kind.as_str());
            assert_eq!(serde_json::to_string(&kind).unwrap(), text);
            let back: AnalysedKind = serde_json::from_str(&text).unwrap();
            assert_eq!(back, AnalysedKind::Variable(kind));
        }
        let back: AnalysedKind = serde_json::from_str("\"sum\"").unwrap();
        assert_eq!(back, AnalysedKind::Outcome(OutcomeKind::Sum));
        assert_eq!(
            serde_json::to_string(&InputKind::Noise).unwrap(),
            "\"noise\""
        );
    }
}

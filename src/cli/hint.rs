//! Why a numeric fault may have happened, read from the formula that produced it: notes added
//! to the fault message, so that a NaN from `binomial(n, p)` with n above 2^53 is explained
//! rather than left bare.

use crate::engine::{Fault, FaultKind};
use crate::scenario::{Formula, OutcomeKind, Scenario};

/// When each function of the formula language gives NaN, for those a formula calls.
const NAN_CAUSES: &[(&str, &str)] = &[
    (
        "binomial",
        "binomial(n, p) is NaN when n is negative or above 2^53 (9.0e15), or p is outside [0, 1]",
    ),
    (
        "poisson",
        "poisson(l) is NaN when l is negative or above 1.8e19",
    ),
    ("normal", "normal(m, s) is NaN when s is negative"),
    (
        "lognormal",
        "lognormal(median, s) is NaN when the median or s is negative",
    ),
    ("uniform", "uniform(a, b) is NaN when a > b"),
    (
        "triangular",
        "triangular(min, mode, max) is NaN unless min <= mode <= max",
    ),
    (
        "pert",
        "pert(min, mode, max) is NaN unless min <= mode <= max",
    ),
    ("beta", "beta(a, b) is NaN unless a and b are positive"),
    (
        "gamma",
        "gamma(shape, scale) is NaN when either is negative",
    ),
    (
        "exponential",
        "exponential(rate) is NaN when the rate is negative",
    ),
    ("bernoulli", "bernoulli(p) is NaN when p is outside [0, 1]"),
    ("ln", "ln(x) is NaN when x is negative"),
    ("log10", "log10(x) is NaN when x is negative"),
    ("sqrt", "sqrt(x) is NaN when x is negative"),
    (
        "pow",
        "pow(x, y) is NaN when x is negative and y is not a whole number",
    ),
];

/// Notes explaining `fault`, from the scenario's formulas.
pub fn fault_notes(s: &Scenario, fault: &Fault) -> Vec<String> {
    if fault.kind != FaultKind::NonFinite {
        return Vec::new();
    }
    if let Some(param) = fault.var.strip_prefix("param ") {
        return vec![format!(
            "param `{param}` drew a number beyond the largest a run can hold (about 1.8e308); \
             `validate` checks the range of all but one draw in 500, so this one is far in the \
             tail: narrow the distribution"
        )];
    }
    if let Some(name) = fault.var.strip_prefix("outcome ")
        && let Some(o) = s.outcomes.iter().find(|o| o.name.value == name)
        && o.kind == OutcomeKind::Sum
        && fault.value.is_infinite()
    {
        return vec![format!(
            "a `sum` outcome adds its formula over the months: the total of `{name}` passed the \
             largest number a run can hold (about 1.8e308)"
        )];
    }
    let Some(formula) = formula_of(s, &fault.var) else {
        return Vec::new();
    };
    if fault.value.is_nan() {
        let mut notes: Vec<String> = NAN_CAUSES
            .iter()
            .filter(|(f, _)| calls(&formula.text, f))
            .map(|(_, why)| (*why).to_string())
            .collect();
        notes.push(
            "NaN also comes from 0 / 0, inf - inf and 0 * inf; `leversim run --run K --trace NAME` \
             shows the month-by-month values of the variables the formula reads"
                .into(),
        );
        return notes;
    }
    Vec::new()
}

/// Whether `text` calls function `name` (`name` followed by `(`, not part of a longer name).
fn calls(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(name).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let word_start = before.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'));
        let rest = text[at + name.len()..].trim_start();
        word_start && rest.starts_with('(')
    })
}

/// The formula that computes the variable a fault names (`x`, `x.hazard`, `x.when`,
/// `outcome x`, a lever's `x.cost`).
fn formula_of<'s>(s: &'s Scenario, var: &str) -> Option<&'s Formula> {
    if let Some(name) = var.strip_prefix("outcome ") {
        return s
            .outcomes
            .iter()
            .find(|o| o.name.value == name)
            .map(|o| &o.expr);
    }
    if let Some(name) = var.strip_suffix(".hazard") {
        return s
            .events
            .iter()
            .find(|e| e.name.value == name)?
            .hazard
            .as_ref();
    }
    if let Some(name) = var.strip_suffix(".when") {
        return s
            .events
            .iter()
            .find(|e| e.name.value == name)?
            .when
            .as_ref();
    }
    if let Some(name) = var.strip_suffix(".cost") {
        return s
            .levers
            .iter()
            .find(|l| l.name.value == name)?
            .cost
            .as_ref();
    }
    s.aux
        .iter()
        .find(|a| a.name.value == var)
        .map(|a| &a.expr)
        .or_else(|| {
            s.flows
                .iter()
                .find(|f| f.name.value == var)
                .map(|f| &f.rate)
        })
        .or_else(|| {
            s.stocks
                .iter()
                .find(|x| x.name.value == var)
                .map(|x| &x.init)
        })
}

#[cfg(test)]
mod tests {
    use super::calls;

    #[test]
    fn calls_finds_whole_function_names() {
        assert!(calls("binomial(n, 0.5)", "binomial"));
        assert!(calls("1 + binomial (n, p)", "binomial"));
        assert!(!calls("my_binomial(n, p)", "binomial"));
        assert!(!calls("binomial_n + 1", "binomial"));
        assert!(calls("lognormal(1, 0.3) * normal(0, 1)", "normal"));
    }
}

//! Discovery results as records ([`crate::output::schema::DiscoveryFile`]) and as words a
//! briefing can use.
//!
//! Input: the [`Target`] analysed and the [`Found`] boxes; output: the file's records and
//! sentences. Nothing here prints or writes.

use super::target::{Condition, Op, Question, Target};
use super::{Found, FoundBox};
use crate::output::format::{human, month_of, percent};
use crate::output::schema::{
    BoxRecord, DiscoveryInput, DiscoveryTarget, InputKind, LimitRecord, OutcomeKind,
    TrajectoryPoint,
};

/// The `target` record: what was looked for, in which runs. `bundle_label` gives a bundle's
/// name for people (its label in the scenario).
pub fn target_record(
    question: &Question,
    condition: &Condition,
    target: &Target,
    bundle_label: &dyn Fn(&str) -> String,
) -> DiscoveryTarget {
    DiscoveryTarget {
        outcome: target.outcome.name.clone(),
        label: target.outcome.label.clone(),
        unit: target.outcome.unit.clone(),
        kind: target.outcome.kind,
        bundle: question.bundle.clone(),
        versus: question.versus.clone(),
        condition: condition.text(),
        description: describe(question, condition, target, bundle_label),
        runs: target.y.len() as u64,
        of_interest: target.y.iter().filter(|&&h| h).count() as u64,
        left_out: target.left_out as u64,
    }
}

/// The inputs analysed, with their ranges over the runs.
pub fn input_records(target: &Target) -> Vec<DiscoveryInput> {
    target
        .inputs
        .iter()
        .zip(&target.x)
        .map(|(info, column)| {
            let (min, max) = column
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            DiscoveryInput {
                name: info.name.clone(),
                label: info.label.clone(),
                unit: info.unit.clone(),
                kind: info.kind,
                min,
                max,
            }
        })
        .collect()
}

/// The first box's trajectory as records.
pub fn trajectory_records(found: &Found) -> Vec<TrajectoryPoint> {
    found
        .trajectory
        .iter()
        .map(|s| TrajectoryPoint {
            coverage: s.coverage,
            density: s.density,
            mass: s.mass,
            n_restricted: s.n_restricted as u64,
        })
        .collect()
}

/// A box as its record: the restricted inputs, most significant (smallest quasi-p) first.
pub fn box_record(found: &Found, b: &FoundBox, inputs: &[DiscoveryInput]) -> BoxRecord {
    let mut limits: Vec<LimitRecord> = Vec::new();
    for (j, [lo, hi]) in b.limits.iter().enumerate() {
        let [min, max] = found.init[j];
        let low = (*lo != min).then_some(*lo);
        let high = (*hi != max).then_some(*hi);
        if low.is_none() && high.is_none() {
            continue;
        }
        let qp = b.qp.get(j).and_then(|[a, c]| match (a, c) {
            (Some(a), Some(c)) => Some(a.max(*c)),
            (Some(v), None) | (None, Some(v)) => Some(*v),
            (None, None) => None,
        });
        limits.push(LimitRecord {
            input: inputs[j].name.clone(),
            low,
            high,
            qp_value: qp,
        });
    }
    limits.sort_by(|a, b| {
        a.qp_value
            .unwrap_or(1.0)
            .total_cmp(&b.qp_value.unwrap_or(1.0))
    });
    BoxRecord {
        coverage: b.coverage,
        density: b.density,
        mass: b.mass,
        limits,
    }
}

/// The question in words: "Shells by 2030 under Full package minus under Status quo (run by
/// run) is above -1M".
pub fn describe(
    question: &Question,
    condition: &Condition,
    target: &Target,
    bundle_label: &dyn Fn(&str) -> String,
) -> String {
    let o = &target.outcome;
    let label = if o.label.is_empty() {
        &o.name
    } else {
        &o.label
    };
    match (&question.bundle, &question.versus) {
        (Some(b), Some(r)) => format!(
            "{label} under {} minus under {} (run by run) is {}",
            bundle_label(b),
            bundle_label(r),
            compare_words(condition, OutcomeKind::Final, &o.unit)
        ),
        (bundle, _) => {
            let what = if o.kind == OutcomeKind::Probability
                && matches!(
                    (condition.op, condition.value),
                    (Op::Equal, 1.0) | (Op::Above, 0.0) | (Op::AtLeast, 1.0)
                ) {
                format!("{label} happens")
            } else if o.kind == OutcomeKind::Probability
                && matches!(
                    (condition.op, condition.value),
                    (Op::Equal, 0.0) | (Op::Below, 1.0) | (Op::AtMost, 0.0)
                )
            {
                format!("{label} does not happen")
            } else {
                format!("{label} is {}", compare_words(condition, o.kind, &o.unit))
            };
            match bundle {
                Some(b) => format!("{what} under {}", bundle_label(b)),
                None => format!("{what} (every bundle pooled)"),
            }
        }
    }
}

fn compare_words(c: &Condition, kind: OutcomeKind, unit: &str) -> String {
    if kind == OutcomeKind::First {
        let m = month_of(c.value);
        return match c.op {
            Op::Above => format!("after {m} (or never)"),
            Op::AtLeast => format!("in or after {m} (or never)"),
            Op::Below => format!("before {m}"),
            Op::AtMost => format!("in or before {m}"),
            Op::Equal => format!("in {m}"),
            Op::NotEqual => format!("not in {m}"),
        };
    }
    let v = with_unit(c.value, unit);
    match c.op {
        Op::Above => format!("above {v}"),
        Op::AtLeast => format!("at least {v}"),
        Op::Below => format!("below {v}"),
        Op::AtMost => format!("at most {v}"),
        Op::Equal => format!("equal to {v}"),
        Op::NotEqual => format!("not {v}"),
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" | "probability" | "share" | "share of months" | "year" => human(v, 3),
        u => format!("{} {u}", human(v, 3)),
    }
}

/// Quasi-p above which a restriction is reported as weaker (may be noise).
pub const WEAK_QP: f64 = 0.05;

/// One restriction in words: "the milestone is under 51 months".
pub fn limit_words(limit: &LimitRecord, input: &DiscoveryInput) -> String {
    let mut label = if input.label.is_empty() || input.label == input.name {
        input.name.clone()
    } else {
        format!("{} ({})", input.label, input.name)
    };
    if input.kind == InputKind::Lever {
        label.push_str(", a lever,");
    }
    match (limit.low, limit.high) {
        (Some(lo), Some(hi)) => format!(
            "{label} is between {} and {}",
            human(lo, 3),
            with_unit(hi, &input.unit)
        ),
        (Some(lo), None) => format!("{label} is over {}", with_unit(lo, &input.unit)),
        (None, Some(hi)) => format!("{label} is under {}", with_unit(hi, &input.unit)),
        (None, None) => format!("{label} is anywhere in its range"),
    }
}

/// A box in a sentence a briefing can use: "In 84% of the runs where the submarine is built,
/// the milestone is under 51 months and Russia's share is over 0.4; such runs are 12% of all,
/// and in 90% of them the condition holds (against 19% overall)."
pub fn box_sentence(
    description: &str,
    b: &BoxRecord,
    inputs: &[DiscoveryInput],
    base_rate: f64,
) -> String {
    // Restrictions whose quasi-p is above 0.05 may be noise (Bryant and Lempert 2010): the
    // sentence names them apart, so that a briefing leads with the ones that matter.
    let weak = |l: &&LimitRecord| l.qp_value.is_some_and(|q| q > WEAK_QP);
    let parts: Vec<String> = b
        .limits
        .iter()
        .filter(|l| !weak(l))
        .filter_map(|l| {
            inputs
                .iter()
                .find(|i| i.name == l.input)
                .map(|i| limit_words(l, i))
        })
        .collect();
    let weaker: Vec<&str> = b
        .limits
        .iter()
        .filter(weak)
        .map(|l| l.input.as_str())
        .collect();
    let mut restrictions = match parts.len() {
        0 => "no input is clearly restricted".to_string(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    };
    if !weaker.is_empty() {
        restrictions.push_str(&format!(
            " (with {} weaker restriction{} of quasi-p above {WEAK_QP}: {})",
            weaker.len(),
            if weaker.len() == 1 { "" } else { "s" },
            weaker.join(", ")
        ));
    }
    format!(
        "In {} of the runs where {description}, {restrictions}; such runs are {} of all, and in {} of them the condition holds (against {} overall).",
        percent(b.coverage),
        percent(b.mass),
        percent(b.density),
        percent(base_rate)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_reads_as_one_sentence() {
        let input = |name: &str, label: &str, unit: &str, kind| DiscoveryInput {
            name: name.into(),
            label: label.into(),
            unit: unit.into(),
            kind,
            min: 0.0,
            max: 100.0,
        };
        let inputs = [
            input("milestone", "the milestone", "months", InputKind::Param),
            input("share", "share", "", InputKind::Param),
            input("noise_x", "noise_x", "", InputKind::Param),
        ];
        let limit = |input: &str, low, high, qp| LimitRecord {
            input: input.into(),
            low,
            high,
            qp_value: Some(qp),
        };
        let b = BoxRecord {
            coverage: 0.84,
            density: 0.9,
            mass: 0.12,
            limits: vec![
                limit("milestone", None, Some(51.0), 1e-6),
                limit("share", Some(0.4), None, 0.001),
                limit("noise_x", Some(3.0), None, 0.2),
            ],
        };
        assert_eq!(
            box_sentence("the submarine is built", &b, &inputs, 0.19),
            "In 84% of the runs where the submarine is built, the milestone (milestone) is under \
             51 months and share is over 0.4 (with 1 weaker restriction of quasi-p above 0.05: \
             noise_x); such runs are 12% of all, and in 90% of them the condition holds \
             (against 19% overall)."
        );
    }

    #[test]
    fn only_a_probability_happens_or_not() {
        use crate::output::schema::{Better, OutcomeInfo};
        let target = |kind| Target {
            outcome: OutcomeInfo {
                name: "ships".into(),
                label: "Ships sunk".into(),
                unit: String::new(),
                kind,
                better: Better::Lower,
                is_cost: false,
            },
            inputs: Vec::new(),
            x: Vec::new(),
            values: Vec::new(),
            y: Vec::new(),
            rows: Vec::new(),
            left_out: 0,
        };
        let question = Question {
            outcome: "ships".into(),
            bundle: Some("blockade".into()),
            versus: None,
        };
        let words = |kind, op, value| {
            let label = |b: &str| format!("the {b}");
            describe(&question, &Condition { op, value }, &target(kind), &label)
        };
        use OutcomeKind::{Final, Probability};
        assert_eq!(
            words(Probability, Op::Above, 0.0),
            "Ships sunk happens under the blockade"
        );
        assert_eq!(
            words(Probability, Op::AtMost, 0.0),
            "Ships sunk does not happen under the blockade"
        );
        assert_eq!(
            words(Final, Op::Above, 0.0),
            "Ships sunk is above 0 under the blockade"
        );
        assert_eq!(
            words(Final, Op::AtMost, 0.0),
            "Ships sunk is at most 0 under the blockade"
        );
    }
}

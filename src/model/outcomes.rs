//! Outcomes and observation targets: formulas evaluated after events fire, which may use window
//! functions (`sum`, `mean`, `at`) over the run.
//!
//! A window's value is complete only from the end of its last month, so a formula that uses
//! windows is read no earlier: an outcome's window starts, by default, when its window
//! functions are complete (an earlier `from` or `at` is an error), and an observation's month
//! defaults to the last month of its windows.

use super::compile::month_index;
use super::lower::{Lowering, Phase, Shared};
use super::names::Symbol;
use super::ops::Op;
use super::{OutcomePlan, Var};
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::scenario::reader::Sp;
use crate::scenario::{Month, OutcomeKind, Scenario};

/// Lowers every outcome; returns their ops and plans (outcomes with errors are left out, and
/// the errors reported).
pub(super) fn outcome_plans(
    s: &Scenario,
    cx: &mut Shared<'_>,
    reads: &mut Vec<Symbol>,
) -> (Vec<Op>, Vec<OutcomePlan>) {
    let start = s.meta.start.value;
    let n_months = s.meta.n_months();
    let mut ops = Vec::new();
    let mut plans = Vec::new();
    for o in &s.outcomes {
        let dst = cx.slots.var();
        let mut l = Lowering::new(
            cx,
            Phase::Outcome,
            format!("outcome:{}", o.name.value),
            &o.expr,
        );
        let lowered = l.lower_into(dst);
        let window_end = l.window_end;
        if lowered {
            ops.append(&mut l.ops);
            reads.append(&mut l.reads);
        }
        let window =
            |m: &Option<Sp<Month>>, default: usize, what: &str, diags: &mut Diagnostics| match m {
                None => Some(default),
                Some(m) => month_index(m, start, n_months, what, diags),
            };
        let (mut from, to) = match o.kind {
            OutcomeKind::Final => {
                let at = window(&o.at, n_months - 1, "`at`", cx.diags);
                (at, at)
            }
            _ => (
                window(&o.from, 0, "the window start", cx.diags),
                window(&o.to, n_months - 1, "the window end", cx.diags),
            ),
        };
        if let Some(end) = window_end {
            let complete = start.offset(end as i32);
            let explicit = match o.kind {
                OutcomeKind::Final => o.at.as_ref().map(|m| (m, "`at`")),
                _ => o.from.as_ref().map(|m| (m, "`from`")),
            };
            let read_from = match o.kind {
                OutcomeKind::Final => to,
                _ => from,
            };
            match (read_from, explicit) {
                (Some(first), Some((m, key))) if first < end => {
                    cx.diags.push(
                        Diagnostic::error(
                            Code::BadDate,
                            format!(
                                "outcome `{}` reads its window functions from {}, but they are complete only at the end of {complete}",
                                o.name.value, m.value
                            ),
                        )
                        .with_label(m.span, "before the window ends")
                        .with_label(o.expr.span, "window functions here")
                        .with_help(format!(
                            "set {key} to \"{complete}\" or later, or leave it out: an outcome with window functions is read from the month they are complete"
                        )),
                    );
                    continue;
                }
                (Some(first), None) if first < end => {
                    // Only kinds other than `final` get here: their window starts by default
                    // when the windows are complete.
                    from = Some(end);
                }
                _ => {}
            }
            if o.kind != OutcomeKind::Final
                && let (Some(last), Some(m)) = (to, &o.to)
                && last < end
            {
                cx.diags.push(
                    Diagnostic::error(
                        Code::BadDate,
                        format!(
                            "outcome `{}` ends at {} but its window functions are complete only at the end of {complete}",
                            o.name.value, m.value
                        ),
                    )
                    .with_label(m.span, "before the window ends")
                    .with_help(format!("set `to` to \"{complete}\" or later")),
                );
                continue;
            }
        }
        if let (Some(from), Some(to)) = (from, to) {
            plans.push(OutcomePlan {
                name: o.name.value.clone(),
                slot: dst,
                kind: o.kind,
                from,
                to,
            });
        }
    }
    (ops, plans)
}

/// Lowers each observation's target to an outcome of kind `final` at the observation's month.
pub(super) fn observation_plans(
    s: &Scenario,
    cx: &mut Shared<'_>,
    vars: &[Var],
    reads: &mut Vec<Symbol>,
) -> (Vec<Op>, Vec<OutcomePlan>) {
    let start = s.meta.start.value;
    let n_months = s.meta.n_months();
    let mut ops = Vec::new();
    let mut plans = Vec::new();
    for obs in &s.observations {
        let at = obs
            .at
            .as_ref()
            .map(|m| month_index(m, start, n_months, "observation month", cx.diags));
        let (slot, at) = match (&obs.var, &obs.expr) {
            (Some(var), _) => {
                // An unknown variable is reported by `check_observations`.
                let Some(v) = vars.iter().find(|v| v.name == var.value) else {
                    continue;
                };
                (v.slot, at.flatten())
            }
            (None, Some(expr)) => {
                let dst = cx.slots.var();
                let owner = format!("observation:{}", obs.id.value);
                let mut l = Lowering::new(cx, Phase::Outcome, owner, expr);
                if !l.lower_into(dst) {
                    continue;
                }
                let window_end = l.window_end;
                ops.append(&mut l.ops);
                reads.append(&mut l.reads);
                let at = match (at, window_end) {
                    (Some(None), _) => continue, // a bad month, already reported
                    (Some(Some(at)), Some(end)) if at < end => {
                        let complete = start.offset(end as i32);
                        let span = obs.at.as_ref().map_or(obs.span, |m| m.span);
                        cx.diags.push(
                            Diagnostic::error(
                                Code::BadDate,
                                format!(
                                    "observation `{}` is read at {}, before its windows are complete at the end of {complete}",
                                    obs.id.value,
                                    start.offset(at as i32)
                                ),
                            )
                            .with_label(span, "too early")
                            .with_label(expr.span, "window functions here")
                            .with_help(format!(
                                "set at = \"{complete}\" or leave `at` out: it defaults to the month the windows end"
                            )),
                        );
                        continue;
                    }
                    (Some(Some(at)), _) => at,
                    (None, Some(end)) => end,
                    (None, None) => {
                        cx.diags
                            .push(missing_month(obs.id.value.as_str(), obs.span));
                        continue;
                    }
                };
                (dst, Some(at))
            }
            (None, None) => continue,
        };
        let Some(at) = at else { continue };
        plans.push(OutcomePlan {
            name: obs.id.value.clone(),
            slot,
            kind: OutcomeKind::Final,
            from: at,
            to: at,
        });
    }
    (ops, plans)
}

fn missing_month(id: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::MissingKey,
        format!("observation `{id}` needs `at`: its expression has no window to date it"),
    )
    .with_label(span, "no month here")
    .with_help("add at = \"YYYY-MM\", the month at whose end the expression is read")
}

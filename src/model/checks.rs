//! Checks that need the whole scenario but produce no code: observations, recorded series and
//! chart names refer to real variables and months, and params or levers that no formula reads
//! are reported.

use super::compile::month_index;
use super::names::{Names, Symbol};
use super::{Var, VarKind};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::scenario::Scenario;
use crate::scenario::reader::Sp;

/// The error for a name that should be a per-month variable but is not.
pub(super) fn unknown_var(name: &Sp<String>, vars: &[Var], what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownName,
        format!(
            "{what} `{}` is not a stock, flow, auxiliary or event",
            name.value
        ),
    )
    .with_label(name.span, "unknown variable")
    .with_optional_help(did_you_mean(
        &name.value,
        vars.iter().map(|v| v.name.as_str()),
    ))
}

pub(super) fn check_observations(
    s: &Scenario,
    vars: &[Var],
    n_months: usize,
    diags: &mut Diagnostics,
) {
    for obs in &s.observations {
        if !vars.iter().any(|v| v.name == obs.var.value) {
            diags.push(unknown_var(&obs.var, vars, "observed variable"));
        }
        month_index(
            &obs.at,
            s.meta.start.value,
            n_months,
            "observation month",
            diags,
        );
    }
}

/// Recorded variables: those listed under `[output] series`, or all; observed ones always.
pub(super) fn recorded(s: &Scenario, vars: &[Var], diags: &mut Diagnostics) -> Vec<usize> {
    let mut out: Vec<usize> = match &s.output.series {
        None => (0..vars.len())
            .filter(|&i| vars[i].kind != VarKind::LeverCost)
            .collect(),
        Some(names) => names
            .iter()
            .filter_map(|n| {
                let found = vars.iter().position(|v| v.name == n.value);
                if found.is_none() {
                    diags.push(unknown_var(n, vars, "recorded series"));
                }
                found
            })
            .collect(),
    };
    let extra: Vec<&Sp<String>> = s
        .observations
        .iter()
        .map(|o| &o.var)
        .chain(s.charts.series.iter().flatten())
        .collect();
    for name in extra {
        if let Some(i) = vars.iter().position(|v| v.name == name.value)
            && !out.contains(&i)
        {
            out.push(i);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(super) fn check_chart_names(s: &Scenario, vars: &[Var], diags: &mut Diagnostics) {
    for name in s.charts.series.iter().flatten() {
        if !vars.iter().any(|v| v.name == name.value) {
            diags.push(unknown_var(name, vars, "charted series"));
        }
    }
    let outcome_names: Vec<&str> = s.outcomes.iter().map(|o| o.name.value.as_str()).collect();
    for name in s
        .charts
        .outcomes
        .iter()
        .flatten()
        .chain(s.charts.dashboard.iter().flatten())
    {
        if !outcome_names.contains(&name.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!("charted outcome `{}` is not an outcome", name.value),
                )
                .with_label(name.span, "unknown outcome")
                .with_optional_help(did_you_mean(&name.value, outcome_names.iter().copied())),
            );
        }
    }
    let bundle_names: Vec<&str> = s.bundles.iter().map(|b| b.name.value.as_str()).collect();
    for name in s.charts.bundles.iter().flatten() {
        if !bundle_names.contains(&name.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!("charted bundle `{}` is not a bundle", name.value),
                )
                .with_label(name.span, "unknown bundle")
                .with_optional_help(did_you_mean(&name.value, bundle_names.iter().copied())),
            );
        }
    }
    for (name, _) in &s.charts.titles {
        if !vars.iter().any(|v| v.name == name.value)
            && !outcome_names.contains(&name.value.as_str())
        {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!(
                        "chart title for `{}`, which is neither a series nor an outcome",
                        name.value
                    ),
                )
                .with_label(name.span, "unknown name")
                .with_optional_help(did_you_mean(
                    &name.value,
                    vars.iter()
                        .map(|v| v.name.as_str())
                        .chain(outcome_names.iter().copied()),
                )),
            );
        }
    }
}

pub(super) fn init_ops_reads(s: &Scenario, names: &Names) -> Vec<Symbol> {
    let mut reads = Vec::new();
    for stock in &s.stocks {
        stock.init.expr.walk(&mut |e| {
            if let crate::scenario::formula::ExprKind::Name(n) = &e.kind
                && let Some(sym) = names.get(n)
            {
                reads.push(sym);
            }
        });
    }
    reads
}

/// Warns about params and levers that no formula reads: they change nothing.
pub(super) fn warn_unused(
    s: &Scenario,
    a: &[Symbol],
    b: &[Symbol],
    c: &[Symbol],
    diags: &mut Diagnostics,
) {
    let used = |sym: Symbol| a.contains(&sym) || b.contains(&sym) || c.contains(&sym);
    for (i, p) in s.params.iter().enumerate() {
        if !used(Symbol::Param(i)) {
            diags.push(
                Diagnostic::warning(
                    Code::UnusedItem,
                    format!("param `{}` is never used", p.name.value),
                )
                .with_label(
                    p.name.span,
                    "no formula reads it, so it cannot change any result",
                ),
            );
        }
    }
    for (i, l) in s.levers.iter().enumerate() {
        if !used(Symbol::Lever(i)) {
            diags.push(
                Diagnostic::warning(
                    Code::UnusedItem,
                    format!("lever `{}` is never used", l.name.value),
                )
                .with_label(
                    l.name.span,
                    "no formula reads it, so bundles setting it change nothing",
                ),
            );
        }
    }
}

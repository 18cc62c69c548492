//! Checks that need the whole scenario but produce no code: observations, recorded series and
//! chart names refer to real variables and months, and params or levers that no formula reads
//! are reported.

use super::names::{Names, Symbol};
use super::{Var, VarKind};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::scenario::reader::Sp;
use crate::scenario::{Figure, Scenario};

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

/// Observations name real variables, have unique ids, and do not report a count below zero.
/// (Months and expressions are checked where they are lowered.)
pub(super) fn check_observations(s: &Scenario, vars: &[Var], diags: &mut Diagnostics) {
    let mut seen: Vec<&Sp<String>> = Vec::new();
    for obs in &s.observations {
        if let Some(first) = seen.iter().find(|id| id.value == obs.id.value) {
            let mut d = Diagnostic::error(
                Code::DuplicateName,
                format!("two observations have the id `{}`", obs.id.value),
            )
            .with_label(obs.id.span, "second observation");
            if obs.id_given {
                d = d
                    .with_label(first.span, "first one")
                    .with_help("give each reported figure its own id, e.g. C07a and C07b for two readings of one report");
            } else {
                d = d.with_help("two observations of one variable at one month: give each an `id` (and its `source`)");
            }
            diags.push(d);
        } else {
            seen.push(&obs.id);
        }
        let Some(var) = &obs.var else { continue };
        let Some(v) = vars.iter().find(|v| v.name == var.value) else {
            diags.push(unknown_var(var, vars, "observed variable"));
            continue;
        };
        // A figure below the least value the variable can take says nothing about it: a typo or
        // a sign error.
        let least = match v.kind {
            VarKind::Event => Some(0.0),
            VarKind::Stock => s
                .stocks
                .iter()
                .find(|x| x.name.value == v.name)
                .and_then(|x| x.min.as_ref())
                .map(|m| m.value),
            _ => None,
        };
        let numbers: Vec<Sp<f64>> = match obs.figure {
            Figure::Point(x) | Figure::Min(x) | Figure::Max(x) => vec![x],
            Figure::Range(lo, hi) => vec![lo, hi],
        };
        if let Some(least) = least
            && let Some(bad) = numbers.iter().find(|x| x.value < least)
        {
            diags.push(
                Diagnostic::error(
                    Code::BadValue,
                    format!(
                        "`{}` cannot go below {least}, so a figure of {} says nothing about it",
                        var.value, bad.value
                    ),
                )
                .with_label(bad.span, format!("below {least}"))
                .with_label(var.span, format!("{} {}", v.kind.as_str(), v.name))
                .with_help("a count is never negative: check the sign, or the variable observed"),
            );
        }
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
        .filter_map(|o| o.var.as_ref())
        .chain(s.charts.series.iter().flatten())
        .chain(s.report.series.iter().flatten())
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

/// Variables of `[output] paths`, in the order written, each once.
pub(super) fn path_vars(s: &Scenario, vars: &[Var], diags: &mut Diagnostics) -> Vec<usize> {
    let mut out = Vec::new();
    for name in s.output.paths.iter().flatten() {
        match vars.iter().position(|v| v.name == name.value) {
            Some(i) if !out.contains(&i) => out.push(i),
            Some(_) => {}
            None => diags.push(unknown_var(name, vars, "path")),
        }
    }
    out
}

pub(super) fn check_chart_names(s: &Scenario, vars: &[Var], diags: &mut Diagnostics) {
    for name in s.charts.series.iter().flatten() {
        if !vars.iter().any(|v| v.name == name.value) {
            diags.push(unknown_var(name, vars, "charted series"));
        }
    }
    for name in s.report.series.iter().flatten() {
        if !vars.iter().any(|v| v.name == name.value) {
            diags.push(unknown_var(name, vars, "reported series"));
        }
    }
    let outcome_names: Vec<&str> = s.outcomes.iter().map(|o| o.name.value.as_str()).collect();
    for name in s
        .charts
        .outcomes
        .iter()
        .flatten()
        .chain(s.charts.dashboard.iter().flatten())
        .chain(s.report.outcomes.iter().flatten())
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
    let known = |n: &str| vars.iter().any(|v| v.name == n) || outcome_names.contains(&n);
    for (name, _) in &s.charts.titles {
        if !crate::scenario::chart_title_key_ok(&name.value, known) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!(
                        "chart title for `{}`, which is neither a series, an outcome, a chart \
                         (`dist-NAME`, `forest-NAME`, ...) nor `dashboard`",
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

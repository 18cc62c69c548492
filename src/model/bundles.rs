//! Bundles and params for the engine: each bundle's lever values month by month (constant
//! settings with `from` and `ramp`, schedules, `--set` overrides), the params with their
//! distributions or overridden constants, and the baseline bundle.

use super::compile::Overrides;
use super::lower::SymbolSlots;
use super::{BundlePlan, ParamPlan};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::engine::rng::site_key;
use crate::scenario::dist::Dist;
use crate::scenario::reader::Sp;
use crate::scenario::{LeverValue, Month, Scenario};

/// Finds a `--set` name among params and levers.
pub(super) fn override_target<'s>(s: &'s Scenario, name: &str) -> Option<(bool, &'s str)> {
    if let Some(p) = s.params.iter().find(|p| p.name.value == name) {
        return Some((true, &p.name.value));
    }
    s.levers
        .iter()
        .find(|l| l.name.value == name)
        .map(|l| (false, l.name.value.as_str()))
}

pub(super) fn param_plans(
    s: &Scenario,
    symbols: &SymbolSlots,
    overrides: &Overrides,
    diags: &mut Diagnostics,
) -> Vec<ParamPlan> {
    for (name, _) in &overrides.values {
        if override_target(s, name).is_none() {
            let candidates = s
                .params
                .iter()
                .map(|p| p.name.value.as_str())
                .chain(s.levers.iter().map(|l| l.name.value.as_str()));
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!("--set {name}=...: `{name}` is not a param or lever of this scenario"),
                )
                .with_optional_help(did_you_mean(name, candidates)),
            );
        }
    }
    s.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let overridden = overrides
                .values
                .iter()
                .rev()
                .find(|(n, _)| *n == p.name.value);
            ParamPlan {
                name: p.name.value.clone(),
                slot: symbols.params[i],
                dist: overridden
                    .map_or_else(|| p.dist.clone(), |(_, v)| Dist::Constant { value: *v }),
                site: site_key(&format!("param:{}", p.name.value)),
            }
        })
        .collect()
}

/// Each bundle's lever values, month by month.
pub(super) fn bundle_plans(
    s: &Scenario,
    overrides: &Overrides,
    n_months: usize,
    diags: &mut Diagnostics,
) -> Option<Vec<BundlePlan>> {
    let start = s.meta.start.value;
    let n_levers = s.levers.len();
    let mut ok = true;
    let mut plans = Vec::new();
    for bundle in &s.bundles {
        let mut table = Vec::with_capacity(n_months * n_levers);
        for _ in 0..n_months {
            table.extend(s.levers.iter().map(|l| l.default.value));
        }
        let mut seen: Vec<&str> = Vec::new();
        for setting in &bundle.settings {
            let Some(j) = s
                .levers
                .iter()
                .position(|l| l.name.value == setting.lever.value)
            else {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!(
                            "bundle `{}` sets `{}`, which is not a lever",
                            bundle.name.value, setting.lever.value
                        ),
                    )
                    .with_label(setting.lever.span, "unknown lever")
                    .with_optional_help(did_you_mean(
                        &setting.lever.value,
                        s.levers.iter().map(|l| l.name.value.as_str()),
                    )),
                );
                ok = false;
                continue;
            };
            if seen.contains(&setting.lever.value.as_str()) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "bundle `{}` sets `{}` twice",
                            bundle.name.value, setting.lever.value
                        ),
                    )
                    .with_label(setting.lever.span, "second setting"),
                );
                ok = false;
            }
            seen.push(&setting.lever.value);
            let lever = &s.levers[j];
            let (lo, hi) = lever.range.value;
            let in_range = |v: &Sp<f64>, diags: &mut Diagnostics| {
                if v.value < lo || v.value > hi {
                    diags.push(
                        Diagnostic::error(
                            Code::BadRange,
                            format!(
                                "{} is outside the range [{lo}, {hi}] of lever `{}`",
                                v.value, lever.name.value
                            ),
                        )
                        .with_label(v.span, "out of range")
                        .with_label(lever.range.span, "range declared here"),
                    );
                    false
                } else {
                    true
                }
            };
            match &setting.value {
                LeverValue::Constant { value, from, ramp } => {
                    ok &= in_range(value, diags);
                    if let Some(early) = from.as_ref() {
                        warn_early_start(bundle, lever, early, diags);
                    }
                    let from = from
                        .as_ref()
                        .or(lever.from.as_ref())
                        .map_or(0, |m| m.value.months_since(start));
                    let ramp = ramp.unwrap_or(lever.ramp);
                    for m in 0..n_months {
                        let elapsed = m as i64 - i64::from(from);
                        if elapsed < 0 {
                            continue;
                        }
                        let share = if ramp == 0 {
                            1.0
                        } else {
                            ((elapsed + 1) as f64 / f64::from(ramp)).min(1.0)
                        };
                        table[m * n_levers + j] =
                            lever.default.value + (value.value - lever.default.value) * share;
                    }
                }
                LeverValue::Schedule(points) => {
                    for (_, v) in points {
                        ok &= in_range(v, diags);
                    }
                    if let Some((first, _)) = points.first() {
                        warn_early_start(bundle, lever, first, diags);
                    }
                    for m in 0..n_months {
                        table[m * n_levers + j] =
                            schedule_value(points, start.offset(m as i32), lever.default.value);
                    }
                }
            }
        }
        // `--set` replaces the bundle's own setting in every month, as a sweep point does:
        // the default before the lever's own `from`, then the ramp to the value.
        for (name, value) in &overrides.values {
            if let Some(j) = s.levers.iter().position(|l| l.name.value == *name) {
                let lever = &s.levers[j];
                let from = lever
                    .from
                    .as_ref()
                    .map_or(0, |m| m.value.months_since(start));
                for m in 0..n_months {
                    let share = ramp_share(m, from, lever.ramp);
                    table[m * n_levers + j] =
                        lever.default.value + (value - lever.default.value) * share;
                }
            }
        }
        plans.push(BundlePlan {
            name: bundle.name.value.clone(),
            label: bundle
                .label
                .clone()
                .unwrap_or_else(|| bundle.name.value.clone()),
            levers: table,
        });
    }
    ok.then_some(plans)
}

/// Warns when a bundle moves a lever before the lever's own `from`: months that are history
/// for every other bundle then differ in this one, and observations may no longer hold.
pub(super) fn warn_early_start(
    bundle: &crate::scenario::Bundle,
    lever: &crate::scenario::Lever,
    start: &Sp<Month>,
    diags: &mut Diagnostics,
) {
    if let Some(policy) = &lever.from
        && start.value < policy.value
    {
        diags.push(
            Diagnostic::warning(
                Code::BadDate,
                format!(
                    "bundle `{}` moves lever `{}` from {}, before the lever's start {}",
                    bundle.name.value, lever.name.value, start.value, policy.value
                ),
            )
            .with_label(start.span, "earlier than the lever's `from`")
            .with_label(policy.span, "the lever starts here")
            .with_help("months before the lever's `from` are history shared by every bundle; start the bundle at or after it"),
        );
    }
}

/// How far a constant setting has taken effect in month index `m`: 0 before the policy starts
/// at month index `from`, then rising by 1/`ramp` a month (1 at once when `ramp` is 0).
pub(super) fn ramp_share(m: usize, from: i32, ramp: u32) -> f64 {
    let elapsed = m as i64 - i64::from(from);
    if elapsed < 0 {
        0.0
    } else if ramp == 0 {
        1.0
    } else {
        ((elapsed + 1) as f64 / f64::from(ramp)).min(1.0)
    }
}

/// [`ramp_share`] of every lever in every month, for per-run lever inputs.
pub(super) fn lever_shares(s: &Scenario, n_months: usize) -> Vec<f64> {
    let start = s.meta.start.value;
    let mut out = Vec::with_capacity(n_months * s.levers.len());
    for m in 0..n_months {
        for lever in &s.levers {
            let from = lever
                .from
                .as_ref()
                .map_or(0, |f| f.value.months_since(start));
            out.push(ramp_share(m, from, lever.ramp));
        }
    }
    out
}

/// Piecewise-linear interpolation of a schedule at `month`.
pub(super) fn schedule_value(points: &[(Sp<Month>, Sp<f64>)], month: Month, default: f64) -> f64 {
    let Some(first) = points.first() else {
        return default;
    };
    if month < first.0.value {
        return default;
    }
    for pair in points.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if month >= a.0.value && month < b.0.value {
            let span = f64::from(b.0.value.months_since(a.0.value));
            let share = f64::from(month.months_since(a.0.value)) / span;
            return a.1.value + (b.1.value - a.1.value) * share;
        }
    }
    points.last().map_or(default, |p| p.1.value)
}

pub(super) fn baseline(s: &Scenario, diags: &mut Diagnostics) -> Option<usize> {
    match &s.meta.baseline {
        Some(name) => {
            let found = s.bundles.iter().position(|b| b.name.value == name.value);
            if found.is_none() {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!("baseline `{}` is not a bundle", name.value),
                    )
                    .with_label(name.span, "unknown bundle")
                    .with_optional_help(did_you_mean(
                        &name.value,
                        s.bundles.iter().map(|b| b.name.value.as_str()),
                    )),
                );
            }
            found
        }
        None => Some(
            s.bundles
                .iter()
                .position(|b| b.name.value == "status_quo")
                .unwrap_or(0),
        ),
    }
}

//! Turning a [`RunOutput`] into the records of `summary.json`: outcome distributions (exact,
//! from every run's value) and the check of reported history against the runs.

use super::schema::{
    BoundRecord, BundleInfo, ChartsInfo, FaultRecord, FigureRecord, InputInfo, InputKind,
    LEVER_STATED_AS, LeverInfo, ObservationRecord, OutcomeInfo, OutcomeRecord, RUNS_LEVER_PREFIX,
    RUNS_PARAM_PREFIX, ReportInfo, ScenarioInfo, SettingInfo, VariableInfo,
};
use crate::calibrate::observe::ErrorModel;
use crate::calibrate::report::fit;
use crate::engine::RunOutput;
use crate::model::Model;
use crate::scenario::{Figure, OutcomeKind, Scenario};
use crate::stats::{quantile_sorted, summarize};

/// The unit shown for an outcome: probabilities and months of first crossing have their own
/// ([`OutcomeKind::unit`]).
pub fn outcome_unit(kind: OutcomeKind, unit: &str) -> String {
    kind.unit(unit)
}

/// For planned bundle `b`, whether each run was retired by a counted fault.
pub fn retired(out: &RunOutput, b: usize) -> Vec<bool> {
    let mut flags = vec![false; out.plan.runs as usize];
    for (_, fault) in out.faults.iter().filter(|(fb, _)| *fb == b) {
        if let Some(flag) = fault
            .run
            .checked_sub(out.plan.first_run)
            .and_then(|i| flags.get_mut(i as usize))
        {
            *flag = true;
        }
    }
    flags
}

/// The values of outcome `k` in bundle `b`: missing values and retired runs dropped.
pub fn outcome_values(model: &Model, out: &RunOutput, b: usize, k: usize) -> Vec<f64> {
    let n_out = model.outcomes.len();
    let retired = retired(out, b);
    out.outcomes[b]
        .chunks_exact(n_out)
        .zip(retired)
        .filter(|(_, r)| !r)
        .map(|(row, _)| row[k])
        .filter(|v| !v.is_nan())
        .collect()
}

/// Counted faults per (bundle, variable, kind), in the order first met.
pub fn fault_records(model: &Model, out: &RunOutput) -> Vec<FaultRecord> {
    let mut records: Vec<FaultRecord> = Vec::new();
    for (b, fault) in &out.faults {
        let bundle = &model.bundles[out.plan.bundles[*b]].name;
        match records
            .iter_mut()
            .find(|r| &r.bundle == bundle && r.variable == fault.var && r.kind == fault.code())
        {
            Some(r) => r.count += 1,
            None => records.push(FaultRecord {
                bundle: bundle.clone(),
                variable: fault.var.clone(),
                kind: fault.code().to_string(),
                count: 1,
                first_run: fault.run,
                first_month: fault
                    .month
                    .map_or_else(|| "init".to_string(), |m| m.to_string()),
            }),
        }
    }
    records
}

/// One record per (bundle, outcome), bundles in run order, outcomes in file order.
pub fn outcome_records(s: &Scenario, model: &Model, out: &RunOutput) -> Vec<OutcomeRecord> {
    let mut records = Vec::new();
    for (b, &bundle) in out.plan.bundles.iter().enumerate() {
        for (k, o) in s.outcomes.iter().enumerate() {
            let values = outcome_values(model, out, b, k);
            let summary = summarize(&values);
            let get = |f: fn(&crate::stats::Summary) -> f64| summary.as_ref().map(f);
            records.push(OutcomeRecord {
                bundle: model.bundles[bundle].name.clone(),
                outcome: o.name.value.clone(),
                unit: outcome_unit(o.kind, &o.info.unit),
                n: values.len() as u64,
                mean: get(|s| s.mean),
                sd: summary.as_ref().and_then(|s| s.sd),
                se: summary.as_ref().and_then(|s| s.se),
                min: get(|s| s.min),
                p05: get(|s| s.p05),
                p25: get(|s| s.p25),
                p50: get(|s| s.p50),
                p75: get(|s| s.p75),
                p95: get(|s| s.p95),
                max: get(|s| s.max),
            });
        }
    }
    records
}

/// Bounds and ranges reported for a recorded variable at a month, once each (they do not
/// depend on the bundle).
pub fn bound_records(s: &Scenario, model: &Model) -> Vec<BoundRecord> {
    s.observations
        .iter()
        .filter_map(|obs| {
            let (Some(var), Some(at)) = (&obs.var, &obs.at) else {
                return None;
            };
            let (low, high) = match obs.figure {
                Figure::Point(_) => return None,
                Figure::Min(lo) => (Some(lo.value), None),
                Figure::Max(hi) => (None, Some(hi.value)),
                Figure::Range(lo, hi) => (Some(lo.value), Some(hi.value)),
            };
            let index = model.var_index(&var.value)?;
            // Only a recorded variable has a fan to draw the bound on.
            model.recorded.contains(&index).then(|| BoundRecord {
                id: obs.id.value.clone(),
                variable: model.vars[index].name.clone(),
                month: at.value.to_string(),
                low,
                high,
                note: obs.note.clone(),
            })
        })
        .collect()
}

/// Every reported figure against bundle `bundle`'s runs: `values` holds, per run, one value of
/// each of the model's observables (as [`crate::engine::observed::observed`] returns them; NaN
/// for a retired run). The band, `inside`, `met` and `p_met` are computed as calibration's
/// predictive fit computes them ([`fit`]), on the baseline's runs.
pub fn figure_records(
    s: &Scenario,
    model: &Model,
    bundle: usize,
    values: &[f64],
) -> Vec<FigureRecord> {
    let n_obs = model.observables.len();
    if n_obs == 0 || values.is_empty() {
        return Vec::new();
    }
    s.observations
        .iter()
        .filter_map(|o| {
            let j = model
                .observables
                .iter()
                .position(|p| p.name == o.id.value)?;
            let mut sample: Vec<f64> = values
                .chunks_exact(n_obs)
                .map(|row| row[j])
                .filter(|v| v.is_finite())
                .collect();
            sample.sort_by(f64::total_cmp);
            let q = |p: f64| quantile_sorted(&sample, p);
            // The likelihood's scale is irrelevant here: `met` and the band depend only on
            // the bound; the stated range of a point is the report's own.
            let error = ErrorModel::new(o, 0.0);
            let f = fit(&error, o.figure, &sample);
            let (value, low, high) = match o.figure {
                Figure::Point(v) => (Some(v.value), None, None),
                Figure::Min(v) => (None, Some(v.value), None),
                Figure::Max(v) => (None, None, Some(v.value)),
                Figure::Range(a, b) => (None, Some(a.value), Some(b.value)),
            };
            let variable = o.var.as_ref().map(|v| v.value.clone());
            let unit = variable
                .as_deref()
                .and_then(|v| model.var_index(v))
                .map(|i| model.vars[i].unit.clone())
                .unwrap_or_default();
            Some(FigureRecord {
                bundle: model.bundles[bundle].name.clone(),
                id: o.id.value.clone(),
                role: o.role.as_str().into(),
                target: variable
                    .clone()
                    .unwrap_or_else(|| o.expr.as_ref().map(|e| e.text.clone()).unwrap_or_default()),
                variable,
                unit,
                month: model.month_at(model.observables[j].to).to_string(),
                figure: o.figure.kind().into(),
                value,
                low,
                high,
                stated_p05: error.stated_range().map(|r| r.0),
                stated_p95: error.stated_range().map(|r| r.1),
                n: sample.len() as u64,
                p05: q(0.05),
                p25: q(0.25),
                p50: q(0.5),
                p75: q(0.75),
                p95: q(0.95),
                inside: f.inside,
                met: f.met,
                p_met: f.p_met,
                rel_error: f.rel_error,
                source: o.source.clone(),
                note: o.note.clone(),
            })
        })
        .collect()
}

/// Each observation checked against each bundle run.
pub fn observation_records(s: &Scenario, model: &Model, out: &RunOutput) -> Vec<ObservationRecord> {
    let mut records = Vec::new();
    for (b, &bundle) in out.plan.bundles.iter().enumerate() {
        for obs in &s.observations {
            // The history check compares points reported for a variable with its series; the
            // other figures are scored by `leversim calibrate`.
            let (Some(var), Some(at), Some(observed)) = (&obs.var, &obs.at, obs.point()) else {
                continue;
            };
            let Some(var) = model.var_index(&var.value) else {
                continue;
            };
            let Some(r) = model.recorded.iter().position(|&v| v == var) else {
                continue;
            };
            let m = at.value.months_since(model.start);
            let Some(cell) = usize::try_from(m)
                .ok()
                .and_then(|m| out.series[b][r].get(m))
            else {
                continue;
            };
            let (p05, p50, p95) = (cell.p[0], cell.p[2], cell.p[4]);
            let inside = p05 <= observed && observed <= p95;
            let median_rel_error = if observed == 0.0 {
                p50.abs()
            } else {
                (p50 - observed).abs() / observed.abs()
            };
            records.push(ObservationRecord {
                bundle: model.bundles[bundle].name.clone(),
                id: obs.id.value.clone(),
                variable: model.vars[var].name.clone(),
                month: at.value.to_string(),
                observed,
                p05,
                p50,
                p95,
                inside,
                median_rel_error,
                tolerance: obs.tolerance,
                pass: inside && median_rel_error <= obs.tolerance,
                note: obs.note.clone(),
            });
        }
    }
    records
}

/// The scenario's declarations, for readers of the results folder.
pub fn scenario_info(s: &Scenario, model: &Model) -> ScenarioInfo {
    let names = |list: &Option<Vec<crate::scenario::reader::Sp<String>>>| -> Vec<String> {
        list.iter().flatten().map(|n| n.value.clone()).collect()
    };
    ScenarioInfo {
        name: s.meta.name.value.clone(),
        title: s.meta.title.clone(),
        description: s.meta.description.clone(),
        source: s.meta.source.clone(),
        start: s.meta.start.value.to_string(),
        end: s.meta.end.value.to_string(),
        cost_unit: s.meta.cost_unit.clone(),
        baseline: model.bundles[model.baseline].name.clone(),
        bundles: s
            .bundles
            .iter()
            .map(|b| BundleInfo {
                name: b.name.value.clone(),
                label: b.label.clone().unwrap_or_else(|| b.name.value.clone()),
                description: b.description.clone(),
                settings: b.settings.iter().map(setting_info).collect(),
            })
            .collect(),
        outcomes: s
            .outcomes
            .iter()
            .map(|o| OutcomeInfo {
                name: o.name.value.clone(),
                label: o.info.label.clone().unwrap_or_else(|| o.name.value.clone()),
                unit: outcome_unit(o.kind, &o.info.unit),
                kind: o.kind,
                better: o.better,
                is_cost: o.is_cost,
            })
            .collect(),
        variables: model
            .vars
            .iter()
            .enumerate()
            .map(|(i, v)| VariableInfo {
                name: v.name.clone(),
                kind: v.kind,
                unit: v.unit.clone(),
                label: v.label.clone(),
                actor: v.actor.clone(),
                recorded: model.recorded.contains(&i),
            })
            .collect(),
        charts: ChartsInfo {
            series: names(&s.charts.series),
            outcomes: names(&s.charts.outcomes),
            dashboard: names(&s.charts.dashboard),
            bundles: names(&s.charts.bundles),
            titles: s
                .charts
                .titles
                .iter()
                .map(|(n, t)| (n.value.clone(), t.clone()))
                .collect(),
        },
        levers: s
            .levers
            .iter()
            .map(|l| LeverInfo {
                name: l.name.value.clone(),
                label: l.info.label.clone().unwrap_or_else(|| l.name.value.clone()),
                note: l.info.note.clone(),
                default: l.default.value,
                from: l
                    .from
                    .as_ref()
                    .map(|m| m.value.to_string())
                    .unwrap_or_default(),
                cost: l.cost.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
            })
            .collect(),
        report: ReportInfo {
            question: s.report.question.clone().unwrap_or_default(),
            outcomes: names(&s.report.outcomes),
            series: names(&s.report.series),
            assumptions: s.report.assumptions.clone(),
            limitations: s.report.limitations.clone(),
        },
    }
}

/// A bundle's lever setting as the results describe it: its value (a schedule's last) and the
/// month it starts (a schedule's first point).
fn setting_info(setting: &crate::scenario::LeverSetting) -> SettingInfo {
    use crate::scenario::LeverValue;
    let schedule = matches!(setting.value, LeverValue::Schedule(_));
    let (value, from) = match &setting.value {
        LeverValue::Constant { value, from, .. } => (
            value.value,
            from.as_ref()
                .map(|m| m.value.to_string())
                .unwrap_or_default(),
        ),
        LeverValue::Schedule(points) => (
            points.last().map_or(0.0, |(_, v)| v.value),
            points
                .first()
                .map(|(m, _)| m.value.to_string())
                .unwrap_or_default(),
        ),
    };
    SettingInfo {
        lever: setting.lever.value.clone(),
        value,
        from,
        schedule,
    }
}

/// The input columns of `runs.csv`: every param (the value drawn), then every lever (the
/// bundle's value, [`LEVER_STATED_AS`]), in scenario order.
pub fn input_info(s: &Scenario) -> Vec<InputInfo> {
    let label = |info: &crate::scenario::Info, name: &str| {
        info.label.clone().unwrap_or_else(|| name.to_string())
    };
    let params = s.params.iter().map(|p| InputInfo {
        name: p.name.value.clone(),
        column: format!("{RUNS_PARAM_PREFIX}{}", p.name.value),
        kind: InputKind::Param,
        label: label(&p.info, &p.name.value),
        unit: p.info.unit.clone(),
        stated_as: "drawn".into(),
    });
    let levers = s.levers.iter().map(|l| InputInfo {
        name: l.name.value.clone(),
        column: format!("{RUNS_LEVER_PREFIX}{}", l.name.value),
        kind: InputKind::Lever,
        label: label(&l.info, &l.name.value),
        unit: l.info.unit.clone(),
        stated_as: LEVER_STATED_AS.into(),
    });
    params.chain(levers).collect()
}

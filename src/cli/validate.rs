//! `leversim validate`: check a scenario and print what it contains.

use super::common::{
    file_hashes, named_posterior, posterior_diagnostic, prepare, print_diagnostics,
};
use super::{Failure, ValidateArgs, write_out};
use crate::output::format::human;
use crate::scenario::{LeverValue, Scenario};

/// Runs the command.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let p = prepare(&args.scenario, &[])?;
    // The calibration the scenario names must be usable (or not made yet: a warning).
    let mut calibration = None;
    if let Some(dir) = named_posterior(&p, &args.scenario) {
        match crate::calibrate::posterior::load(&dir, &file_hashes(&p), &p.model) {
            Ok(loaded) => calibration = Some((dir, loaded.ensemble.len())),
            Err(err) => {
                let d = posterior_diagnostic(&p, &args.scenario, &err, true);
                let fatal = d.severity == crate::diag::Severity::Error;
                let mut diags = crate::diag::Diagnostics::new();
                diags.push(d);
                print_diagnostics(&diags, &p.sources);
                if fatal {
                    return Err(Failure::Scenario(None));
                }
            }
        }
    }
    write_out(&overview(&p.scenario, &p.model));
    if let Some((dir, members)) = calibration {
        write_out(&format!(
            "\ncalibration: {} ({members} particles); run, compare, sweep and sensitivity draw params from it (--prior to use the priors)\n",
            dir.display()
        ));
    }
    Ok(())
}

/// The readable overview of a valid scenario.
pub fn overview(s: &Scenario, model: &crate::model::Model) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let m = &s.meta;
    line(format!("{}: valid", s.path));
    line(format!("  {}", m.title));
    line(format!(
        "  time: {} to {} ({} months); default {} runs, seed {}",
        m.start.value,
        m.end.value,
        m.n_months(),
        m.runs.value,
        m.seed.value
    ));
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    line(format!(
        "  {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
        count(s.actors.len(), "actor", "actors"),
        count(s.params.len(), "param", "params"),
        count(s.levers.len(), "lever", "levers"),
        count(s.stocks.len(), "stock", "stocks"),
        count(s.flows.len(), "flow", "flows"),
        count(s.aux.len(), "auxiliary", "auxiliaries"),
        count(s.events.len(), "event", "events"),
        count(s.outcomes.len(), "outcome", "outcomes"),
        count(s.observations.len(), "observation", "observations"),
        count(s.bundles.len(), "bundle", "bundles"),
    ));
    let random_sites = model.sites.len();
    line(format!(
        "  {} random draw sites per month, {} slots, {} ops per month, {} once per run",
        random_sites,
        model.n_slots,
        model.step_ops.len() + model.event_ops.len() + model.outcome_ops.len(),
        model.run_ops.len() + model.init_ops.len()
    ));

    if !s.params.is_empty() {
        line(String::new());
        line("params (drawn once per run)".into());
        let w = s
            .params
            .iter()
            .map(|p| p.name.value.len())
            .max()
            .unwrap_or(4)
            .max(4);
        line(format!(
            "  {:<w$}  {:<44} {:>21}  unit",
            "name", "distribution", "90% range"
        ));
        for p in &s.params {
            let range = format!(
                "{} – {}",
                human(p.dist.quantile(0.05), 3),
                human(p.dist.quantile(0.95), 3)
            );
            line(format!(
                "  {:<w$}  {:<44} {:>21}  {}",
                p.name.value,
                p.dist.describe(),
                range,
                p.info.unit
            ));
        }
    }
    if !s.levers.is_empty() {
        line(String::new());
        line("levers (set by bundles)".into());
        let w = s
            .levers
            .iter()
            .map(|l| l.name.value.len())
            .max()
            .unwrap_or(4)
            .max(4);
        line(format!(
            "  {:<w$}  {:>8}  {:<13} {:<8} {:<6} cost/year",
            "name", "default", "range", "from", "ramp"
        ));
        for l in &s.levers {
            let (lo, hi) = l.range.value;
            line(format!(
                "  {:<w$}  {:>8}  {:<13} {:<8} {:<6} {}",
                l.name.value,
                human(l.default.value, 3),
                format!("[{}, {}]", human(lo, 3), human(hi, 3)),
                l.from
                    .as_ref()
                    .map_or_else(|| "start".to_string(), |m| m.value.to_string()),
                if l.ramp == 0 {
                    "-".to_string()
                } else {
                    format!("{} mo", l.ramp)
                },
                l.cost.as_ref().map_or("-", |c| c.text.as_str()),
            ));
        }
    }
    line(String::new());
    line("bundles".into());
    for b in &s.bundles {
        let settings: Vec<String> = b
            .settings
            .iter()
            .map(|x| match &x.value {
                LeverValue::Constant { value, .. } => {
                    format!("{}={}", x.lever.value, human(value.value, 3))
                }
                LeverValue::Schedule(points) => {
                    format!("{}=schedule({} points)", x.lever.value, points.len())
                }
            })
            .collect();
        let baseline = if model.bundles[model.baseline].name == b.name.value {
            " (baseline)"
        } else {
            ""
        };
        let settings = if settings.is_empty() {
            "lever defaults".to_string()
        } else {
            settings.join(", ")
        };
        line(format!("  {}{baseline}: {settings}", b.name.value));
    }
    line(String::new());
    line("outcomes".into());
    for o in &s.outcomes {
        line(format!(
            "  {} ({}, {}{})",
            o.name.value,
            o.kind.as_str(),
            if o.info.unit.is_empty() {
                "no unit"
            } else {
                &o.info.unit
            },
            match o.better {
                crate::scenario::Better::Neither => String::new(),
                b => format!(", {} is better", b.as_str()),
            }
        ));
    }
    line(String::new());
    line("order of evaluation each month".into());
    line(format!("  {}", model.order.join(" -> ")));
    line("  then stocks, then events, then outcomes".into());
    out
}

//! `leversim run --run K`: one run reproduced and shown, without touching any results.
//!
//! Prints what run K drew (every param), what it came to (every outcome in every bundle) and
//! its month-by-month path (the variables named with `--trace`, by default the charted
//! series), with the command that reproduces it. A run that faults is shown up to the month of
//! its fault, then the fault is reported (exit 1). Writes a one-run results folder only when
//! `--out` is given, so reproducing a run reported by a fault never replaces the full results.

use super::common::{
    Prepared, check_memory, check_output, command_line, fault_message, shell_quote, simulate,
    write_results,
};
use super::table::show;
use super::{Failure, RunArgs};
use crate::diag::suggest::did_you_mean;
use crate::engine::draws::param_values;
use crate::engine::{RunError, RunPlan};
use crate::model::VarKind;
use crate::output::format::human;
use crate::scenario::OutcomeKind;

/// Runs and prints run `k` of `plan`'s bundles.
pub fn run_one(mut p: Prepared, args: &RunArgs, mut plan: RunPlan, k: u64) -> Result<(), Failure> {
    plan.first_run = k;
    plan.runs = 1;
    // A faulting run is shown up to its fault (then reported): that is what reproducing it is for.
    plan.on_fault = crate::engine::FaultMode::Count;
    let traced = traced_vars(&p, &args.trace)?;
    let mut recorded = if args.sim.out.is_some() {
        p.model.recorded.clone()
    } else {
        Vec::new()
    };
    for &v in &traced {
        if !recorded.contains(&v) {
            recorded.push(v);
        }
    }
    p.model.recorded = recorded;
    check_memory(&p.model, &plan, args.sim.memory_report)?;
    if let Some(dir) = &args.sim.out {
        check_output(dir)?;
    }
    let out = match simulate(&p.model, &plan, &p.scenario.meta.name.value) {
        Ok(out) => out,
        Err(RunError::Fault(fault)) => {
            return Err(fault_message(&p, &args.sim.scenario, plan.seed, &fault));
        }
        Err(RunError::Cancelled) => return Err(Failure::Interrupted),
    };
    let model = &p.model;
    say!(
        "{}: run {k} of seed {}, {} bundle{}",
        p.scenario.meta.name.value,
        plan.seed,
        plan.bundles.len(),
        if plan.bundles.len() == 1 { "" } else { "s" }
    );

    if !model.params.is_empty() {
        say!("\nParams drawn in run {k} (the same in every bundle)");
        let values = param_values(model, plan.seed, k);
        let width = width(model.params.iter().map(|q| q.name.as_str()));
        for (param, value) in model.params.iter().zip(values) {
            let unit = p
                .scenario
                .params
                .iter()
                .find(|q| q.name.value == param.name)
                .map(|q| q.info.unit.as_str())
                .unwrap_or("");
            let line = format!("  {:<width$} {:>12} {unit}", param.name, exact(value));
            say!("{}", line.trim_end());
        }
    }

    let names: Vec<&str> = plan
        .bundles
        .iter()
        .map(|&b| model.bundles[b].name.as_str())
        .collect();
    let col = width(names.iter().copied()).max(12);
    if !p.scenario.outcomes.is_empty() {
        say!("\nOutcomes of run {k}");
    }
    let name_width = width(p.scenario.outcomes.iter().map(|o| o.name.value.as_str())).max(7);
    let mut header = format!("  {:<name_width$}", "outcome");
    for name in &names {
        header.push_str(&format!(" {name:>col$}"));
    }
    if !p.scenario.outcomes.is_empty() {
        say!("{header}");
    }
    let n_out = model.outcomes.len();
    for (j, o) in p.scenario.outcomes.iter().enumerate() {
        let mut line = format!("  {:<name_width$}", o.name.value);
        for b in 0..plan.bundles.len() {
            let v = out.outcomes[b].get(j).copied().filter(|v| !v.is_nan());
            let text = match (o.kind, v) {
                (OutcomeKind::Probability | OutcomeKind::Share | OutcomeKind::First, _)
                | (_, None) => show(o.kind, v),
                (_, Some(v)) => exact(v),
            };
            line.push_str(&format!(" {text:>col$}"));
        }
        say!("{}", line.trim_end());
        debug_assert_eq!(out.outcomes[0].len(), n_out);
    }

    for (b, name) in names.iter().enumerate() {
        if traced.is_empty() {
            break;
        }
        say!("\nMonth by month, run {k}, bundle {name}");
        let cols: Vec<(usize, &str)> = traced
            .iter()
            .filter_map(|v| {
                let r = model.recorded.iter().position(|x| x == v)?;
                Some((r, model.vars[*v].name.as_str()))
            })
            .collect();
        let col = width(cols.iter().map(|(_, n)| *n)).max(10);
        let mut header = String::from("  month  ");
        for (_, n) in &cols {
            header.push_str(&format!("  {n:>col$}"));
        }
        say!("{header}");
        for m in 0..model.n_months {
            let mut line = format!("  {}", model.month_at(m));
            for (r, _) in &cols {
                let v = out.series[b][*r].get(m).map_or(f64::NAN, |c| c.mean);
                line.push_str(&format!("  {:>col$}", exact(v)));
            }
            say!("{line}");
        }
    }

    if let Some((_, fault)) = out.faults.first() {
        say!();
        return Err(fault_message(&p, &args.sim.scenario, plan.seed, fault));
    }
    let mut repro = command_line(&args.sim.scenario, &plan, model, &p.overrides);
    for name in &args.trace {
        repro.push_str(&format!(" --trace {}", shell_quote(name)));
    }
    say!("\nreproduce with: {repro}");
    if args.sim.out.is_some() {
        let dir = args.sim.out.clone().unwrap_or_default();
        let (dir, _, _) = write_results(&p, &args.sim, &plan, &out, &dir, |_| Ok(()))?;
        say!("results of this one run: {}/", dir.display());
    } else {
        say!("(nothing was written; add --out DIR to keep this run as a results folder)");
    }
    Ok(())
}

/// The variables whose path is printed: `--trace` names, or the charted series, or every stock
/// and event.
fn traced_vars(p: &Prepared, names: &[String]) -> Result<Vec<usize>, Failure> {
    let model = &p.model;
    if names.is_empty() {
        let charted: Vec<usize> = p
            .scenario
            .charts
            .series
            .iter()
            .flatten()
            .filter_map(|s| model.var_index(&s.value))
            .collect();
        if !charted.is_empty() {
            return Ok(charted);
        }
        return Ok((0..model.vars.len())
            .filter(|&v| matches!(model.vars[v].kind, VarKind::Stock | VarKind::Event))
            .collect());
    }
    let mut out = Vec::new();
    for name in names {
        match model.var_index(name) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => {
                let hint = did_you_mean(name, model.vars.iter().map(|v| v.name.as_str()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
                return Err(Failure::Usage(format!(
                    "--trace {name}: no stock, flow, auxiliary or event of that name{hint}"
                )));
            }
        }
    }
    Ok(out)
}

/// Widest of `names`, in characters.
fn width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(0)
}

/// A value with enough digits to tell runs apart: six significant digits.
fn exact(v: f64) -> String {
    human(v, 6)
}

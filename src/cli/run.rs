//! `leversim run`: every bundle on common random numbers, a summary table, a results folder.

use super::common::{manifest, out_dir, plan, prepare, select_bundles, simulate};
use super::table::{print_history, print_outcomes};
use super::{Failure, RunArgs};
use crate::engine::{RunError, RunPlan};
use crate::output::ResultsWriter;
use crate::output::schema::Summary;
use crate::output::summary::{observation_records, outcome_records, scenario_info};
use crate::plot::render_results;

/// Runs the command.
pub fn run(args: RunArgs) -> Result<(), Failure> {
    let p = prepare(&args.sim.scenario, &args.sim.set)?;
    let bundles = select_bundles(&p.model, &args.bundles)?;
    let mut plan: RunPlan = plan(&p, &args.sim, bundles)?;
    if let Some(k) = args.single_run {
        plan.first_run = k;
        plan.runs = 1;
    }
    let out = match simulate(&p.model, &plan, &p.scenario.meta.name.value) {
        Ok(out) => out,
        Err(RunError::Fault(fault)) => {
            let repro = format!(
                "leversim run {} --seed {} --bundle {} --run {}{}",
                args.sim.scenario.display(),
                plan.seed,
                fault.bundle,
                fault.run,
                p.overrides
                    .values
                    .iter()
                    .map(|(n, v)| format!(" --set {n}={v}"))
                    .collect::<String>()
            );
            return Err(Failure::Scenario(Some(format!(
                "error[non-finite]: {fault}\n  = help: reproduce this one run with:\n      {repro}\n  = note: no results were written"
            ))));
        }
        Err(RunError::Cancelled) => return Err(Failure::Interrupted),
    };
    let summary = Summary {
        manifest: manifest(&p, &args.sim.scenario, &plan, &out),
        outcomes: outcome_records(&p.scenario, &p.model, &out),
        observations: observation_records(&p.scenario, &p.model, &out),
        scenario: scenario_info(&p.scenario, &p.model),
    };
    let dir = out_dir(&p, &args.sim);
    let writer = ResultsWriter::begin(&dir).map_err(Failure::Io)?;
    writer.write_runs(&p.model, &out).map_err(Failure::Io)?;
    writer.write_series(&p.model, &out).map_err(Failure::Io)?;
    writer.write_summary(&summary).map_err(Failure::Io)?;
    // Charts are drawn from the files just written (as `leversim plot` does) and before the
    // commit, so a run whose charts fail leaves no complete-looking folder.
    let charts = if args.no_charts {
        0
    } else {
        render_results(writer.dir()).map_err(Failure::Io)?.len() / 2
    };
    let dir = writer.commit().map_err(Failure::Io)?;

    print_outcomes(&p.scenario, &summary);
    print_history(&summary, &p.model.bundles[p.model.baseline].name);
    println!(
        "results: {}/ (summary.json, runs.csv, series.csv)",
        dir.display()
    );
    if charts > 0 {
        println!(
            "charts: {}/ ({charts} charts, PNG and SVG)",
            dir.join("charts").display()
        );
    }
    Ok(())
}

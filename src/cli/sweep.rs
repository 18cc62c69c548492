//! `leversim sweep`: outcomes across a grid of one or two levers, on common random numbers.

use std::path::PathBuf;

use super::common::{
    Resume, Simulated, attach_posterior, check_memory, check_output, fault_message, fingerprint,
    interrupted, output_failure, plan, prepare, provenance, select_bundles, shell_quote,
    simulate_kept,
};
use super::shard::Sharding;
use super::{Failure, SweepArgs};
use crate::compare::sweep::{
    SweepRecord, SweepReport, grid_model, lever_info, parse_grid, sweep_records,
};
use crate::output::ResultsWriter;
use crate::output::format::human;
use crate::output::schema::SWEEP_COLUMNS;
use crate::output::summary::scenario_info;

/// Runs the command.
pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let mut p = prepare(&args.sim.scenario, &args.sim.set)?;
    attach_posterior(
        &mut p,
        &args.sim.scenario,
        args.sim.posterior.as_deref(),
        args.sim.prior,
    )?;
    // A sweep writes one row per grid point and outcome, never the per-run tables that
    // `--format parquet` adds to: refuse it rather than ignore it.
    if args.sim.format == Some(super::FormatArg::Parquet) {
        return Err(Failure::Usage(
            "--format parquet writes the per-run tables of `run` and `compare`; a sweep writes only sweep.csv and sweep.json (leave --format out)".into(),
        ));
    }
    if args.levers.is_empty() || args.levers.len() > 2 {
        return Err(Failure::Usage(
            "give one or two --lever NAME=FROM:TO:STEP".into(),
        ));
    }
    let grids = args
        .levers
        .iter()
        .map(|spec| parse_grid(spec, &p.scenario))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Usage)?;
    let base_name = args
        .bundle
        .clone()
        .unwrap_or_else(|| p.model.bundles[p.model.baseline].name.clone());
    let base = select_bundles(&p.model, std::slice::from_ref(&base_name))?[0];
    let (mut model, points) = grid_model(&p.model, base, &grids).map_err(Failure::Usage)?;
    // Per-month series of every grid point are not reported: skip recording them.
    model.recorded.clear();
    let plan = plan(&p, &args.sim, (0..model.bundles.len()).collect())?;
    let dir = args.sim.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-sweep", p.scenario.meta.name.value))
    });
    // The results folder first: a bad --out is the more basic mistake.
    let sharding = Sharding::of(args.sim.shard, args.sim.merge.as_ref());
    check_output(&sharding.target(&dir))?;
    check_memory(&model, &sharding.memory_plan(&plan), args.sim.memory_report)?;
    let resume = Resume {
        out: dir.clone(),
        fingerprint: fingerprint(
            &p,
            "sweep",
            plan.seed,
            plan.runs,
            std::slice::from_ref(&base_name),
            plan.on_fault,
            vec![("--lever".into(), args.levers.join(" "))],
        ),
        resume: args.sim.resume,
        sharding,
    };
    let out = match simulate_kept(
        &p,
        &args.sim.scenario,
        &model,
        &plan,
        &format!("{} sweep", p.scenario.meta.name.value),
        &resume,
        |fault| fault_message(&p, &args.sim.scenario, plan.seed, fault),
    )? {
        Simulated::Whole(out) => out,
        Simulated::Shard => return Ok(()),
    };
    let records = sweep_records(&p.scenario, &model, &out, &points);
    let lever_names: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
    let mut header: Vec<&str> = lever_names.clone();
    header.extend(SWEEP_COLUMNS);
    let report = SweepReport {
        provenance: provenance(
            &p,
            &args.sim.scenario,
            plan.seed,
            plan.runs,
            plan.threads,
            vec![base_name.clone()],
            command(&args, &base_name, plan.runs, plan.seed),
        ),
        base_bundle: base_name.clone(),
        levers: lever_names.iter().map(|n| n.to_string()).collect(),
        records,
        lever_info: lever_info(&p.scenario, &p.model, base, &grids),
        info: Some(scenario_info(&p.scenario, &p.model)),
    };
    let records = &report.records;
    let writer = ResultsWriter::begin(&dir).map_err(output_failure)?;
    writer
        .write_csv(
            "sweep.csv",
            &header,
            records.iter().map(SweepRecord::csv_row),
        )
        .map_err(Failure::Io)?;
    writer
        .write_json("sweep.json", &report)
        .map_err(Failure::Io)?;
    // Charts are drawn from the files just written (as `leversim plot` does), before the
    // commit, so a sweep whose charts fail leaves no complete-looking folder.
    let charts = if args.sim.no_charts || interrupted() {
        0
    } else {
        crate::plot::render_results(writer.dir())
            .map_err(Failure::Io)?
            .len()
            / 2
    };
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    crate::output::partial::discard(&resume.out);

    say!(
        "{}: sweep of {} over {} points, {} runs each on common random numbers, seed {}, base bundle `{base_name}`",
        p.scenario.meta.name.value,
        lever_names.join(" x "),
        points.len(),
        plan.runs,
        plan.seed
    );
    for o in &p.scenario.outcomes {
        say!(
            "\n{}",
            o.info.label.clone().unwrap_or_else(|| o.name.value.clone())
        );
        say!(
            "  {:<24} {:>10} {:>10} {:>10} {:>10}",
            lever_names.join(", "),
            "mean",
            "p05",
            "p50",
            "p95"
        );
        for r in records.iter().filter(|r| r.outcome == o.name.value) {
            let point: Vec<String> = r.levers.iter().map(|v| human(*v, 3)).collect();
            let show = |v: Option<f64>| v.map_or("–".into(), |v| human(v, 3));
            say!(
                "  {:<24} {:>10} {:>10} {:>10} {:>10}",
                point.join(", "),
                show(r.mean),
                show(r.p05),
                show(r.p50),
                show(r.p95)
            );
        }
    }
    say!(
        "\nresults: {}/ (sweep.csv, sweep.json, {charts} charts)",
        dir.display()
    );
    Ok(())
}

/// The command that reproduces a sweep.
fn command(args: &SweepArgs, base: &str, runs: u64, seed: u64) -> String {
    let mut cmd = format!(
        "leversim sweep {}",
        shell_quote(&args.sim.scenario.display().to_string())
    );
    for spec in &args.levers {
        cmd.push_str(&format!(" --lever {}", shell_quote(spec)));
    }
    cmd.push_str(&format!(
        " --bundle {} --runs {runs} --seed {seed}",
        shell_quote(base)
    ));
    for set in &args.sim.set {
        cmd.push_str(&format!(" --set {}", shell_quote(set)));
    }
    cmd
}

//! `leversim run`: every bundle on common random numbers, a summary table, a results folder.

use super::common::{
    Resume, Simulated, attach_posterior, check_memory, check_output, fault_message, fingerprint,
    out_dir, plan, prepare, results_files, select_bundles, simulate_kept, write_results,
};
use super::shard::Sharding;
use super::table::{print_faults, print_figures, print_history, print_outcomes};
use super::{Failure, RunArgs};
use crate::engine::{self, RunPlan};
use crate::output::partial::discard;

/// Runs the command.
pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut p = prepare(&args.sim.scenario, &args.sim.set)?;
    attach_posterior(
        &mut p,
        &args.sim.scenario,
        args.sim.posterior.as_deref(),
        args.sim.prior,
    )?;
    let bundles = select_bundles(&p.model, &args.bundles)?;
    let plan: RunPlan = plan(&p, &args.sim, bundles)?;
    if let Some(k) = args.single_run {
        return super::single::run_one(p, &args, plan, k);
    }
    let dir = out_dir(&p, &args.sim);
    // The results folder first: a bad --out is the more basic mistake.
    let sharding = Sharding::of(args.sim.shard, args.sim.merge.as_ref());
    check_output(&sharding.target(&dir))?;
    check_memory(
        &p.model,
        &sharding.memory_plan(&plan),
        args.sim.memory_report,
    )?;
    let resume = Resume {
        out: dir.clone(),
        fingerprint: fingerprint(
            &p,
            "run",
            plan.seed,
            plan.runs,
            &engine::bundle_names(&p.model, &plan),
            plan.on_fault,
            Vec::new(),
        ),
        resume: args.sim.resume,
        sharding,
    };
    let out = match simulate_kept(
        &p,
        &args.sim.scenario,
        &p.model,
        &plan,
        &p.scenario.meta.name.value,
        &resume,
        |fault| fault_message(&p, &args.sim.scenario, plan.seed, fault),
    )? {
        Simulated::Whole(out) => out,
        Simulated::Shard => return Ok(()),
    };
    let (dir, summary, charts) = write_results(&p, &args.sim, &plan, &out, &dir, |_| Ok(()))?;
    discard(&resume.out);

    print_outcomes(&p.scenario, &summary);
    print_history(&summary, &p.model.bundles[p.model.baseline].name);
    print_figures(&summary);
    print_faults(&summary);
    say!("results: {}/ ({})", dir.display(), results_files(&dir));
    if charts > 0 {
        say!(
            "charts: {}/ ({charts} charts, PNG and SVG)",
            dir.join("charts").display()
        );
    }
    Ok(())
}

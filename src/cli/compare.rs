//! `leversim compare`: paired differences of every bundle against a reference, on common
//! random numbers; cost-effectiveness and the Pareto front.

use std::path::PathBuf;

use super::common::{
    Resume, Simulated, attach_posterior, check_memory, check_output, fault_message, fingerprint,
    manifest, plan, prepare, results_files, select_bundles, simulate_kept, write_results,
};
use super::shard::Sharding;
use super::{CompareArgs, Failure};
use crate::compare::{Comparison, compare_bundles};
use crate::output::format::{human, percent};
use crate::output::schema::{COMPARISON_COLUMNS, ComparisonRecord};
use crate::scenario::{OutcomeKind, Scenario};

/// Runs the command.
pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let mut p = prepare(&args.sim.scenario, &args.sim.set)?;
    attach_posterior(
        &mut p,
        &args.sim.scenario,
        args.sim.posterior.as_deref(),
        args.sim.prior,
    )?;
    let reference_name = args
        .reference
        .clone()
        .unwrap_or_else(|| p.model.bundles[p.model.baseline].name.clone());
    let mut names = args.bundles.clone();
    if !names.is_empty() && !names.contains(&reference_name) {
        names.insert(0, reference_name.clone());
    }
    let bundles = select_bundles(&p.model, &names)?;
    let reference_model = select_bundles(&p.model, std::slice::from_ref(&reference_name))?[0];
    let Some(reference) = bundles.iter().position(|&b| b == reference_model) else {
        return Err(Failure::Usage(format!(
            "--reference {reference_name} is not among the bundles run"
        )));
    };
    if bundles.len() < 2 {
        return Err(Failure::Usage("compare needs at least two bundles".into()));
    }
    let plan = plan(&p, &args.sim, bundles)?;
    let dir = args.sim.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-compare", p.scenario.meta.name.value))
    });
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
            "compare",
            plan.seed,
            plan.runs,
            &crate::engine::bundle_names(&p.model, &plan),
            plan.on_fault,
            vec![("--reference".into(), reference_name.clone())],
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
    let mut comparison = compare_bundles(&p.scenario, &p.model, &out, reference);
    comparison.manifest = manifest(&p, &args.sim.scenario, &plan, &out).provenance;
    let (dir, summary, charts) = write_results(&p, &args.sim, &plan, &out, &dir, |w| {
        w.write_json("comparison.json", &comparison)?;
        w.write_csv(
            "comparison.csv",
            &COMPARISON_COLUMNS,
            comparison.records.iter().map(ComparisonRecord::csv_row),
        )
    })?;
    crate::output::partial::discard(&resume.out);
    say!(
        "{}: {} runs per bundle on common random numbers, seed {}, against `{}`",
        p.scenario.meta.name.value,
        summary.manifest.provenance.runs,
        summary.manifest.provenance.seed,
        comparison.reference
    );
    print_ranked(&p.scenario, &comparison);
    print_cost_effect(&p.scenario, &comparison);
    say!("\nresults: {}/ ({})", dir.display(), results_files(&dir));
    if charts > 0 {
        say!(
            "charts: {}/ ({charts} charts, PNG and SVG; forest-* and pareto-* for the comparison)",
            dir.join("charts").display()
        );
    }
    Ok(())
}

/// A difference as the outcome reads best (probabilities in percentage points).
fn diff(kind: OutcomeKind, v: Option<f64>) -> String {
    // -0.0 (no change, signed) reads as 0.
    let v = v.map(|v| if v == 0.0 { 0.0 } else { v });
    match (kind, v) {
        (_, None) => "–".into(),
        (OutcomeKind::Probability | OutcomeKind::Share, Some(v)) => format!("{:+.1} pp", v * 100.0),
        (OutcomeKind::First, Some(v)) => format!("{:+.1} mo", v * 12.0),
        (_, Some(v)) => {
            let text = human(v, 3);
            if v > 0.0 { format!("+{text}") } else { text }
        }
    }
}

fn print_ranked(s: &Scenario, c: &Comparison) {
    for o in &s.outcomes {
        let mut rows: Vec<_> = c
            .records
            .iter()
            .filter(|r| r.outcome == o.name.value)
            .collect();
        rows.sort_by(|a, b| {
            let key =
                |r: &&crate::compare::ComparisonRecord| r.improvement.unwrap_or(f64::NEG_INFINITY);
            key(b)
                .total_cmp(&key(a))
                .then_with(|| a.bundle.cmp(&b.bundle))
        });
        let label = o.info.label.clone().unwrap_or_else(|| o.name.value.clone());
        let better = match o.better {
            crate::scenario::Better::Lower => "lower is better",
            crate::scenario::Better::Higher => "higher is better",
            crate::scenario::Better::Neither => "no direction",
        };
        say!("\n{label} ({better}; difference against {})", c.reference);
        let w = rows
            .iter()
            .map(|r| r.bundle.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        say!(
            "  {:<w$} {:>11} {:>25} {:>11} {:>9} {:>6} {:>7} {:>22}",
            "bundle",
            "mean diff",
            "95% interval",
            "median",
            "P(better)",
            "ties",
            "rel",
            "SE paired / indep."
        );
        for r in rows {
            let interval = format!(
                "{} to {}",
                diff(o.kind, r.ci95_low),
                diff(o.kind, r.ci95_high)
            );
            let scale = r.mean_diff.map_or(1.0, |d| d.abs().max(1e-300));
            let se = match (r.se_paired, r.se_independent) {
                // A paired error at rounding level means the difference is the same in every run.
                (Some(p), Some(i)) if p <= 1e-9 * scale => {
                    format!("{} / {} (exact)", human(0.0, 2), human(i, 2))
                }
                (Some(p), Some(i)) => format!(
                    "{} / {} ({}x var)",
                    human(p, 2),
                    human(i, 2),
                    human((i / p).powi(2), 2)
                ),
                _ => "–".into(),
            };
            say!(
                "  {:<w$} {:>11} {:>25} {:>11} {:>9} {:>6} {:>7} {:>22}",
                r.bundle,
                diff(o.kind, r.mean_diff),
                interval,
                diff(o.kind, r.median_diff),
                r.p_better.map_or("–".into(), percent),
                percent(r.p_tie),
                r.rel_change
                    .map_or("–".into(), |x| format!("{:+.0}%", x * 100.0)),
                se
            );
        }
        if o.kind == OutcomeKind::First {
            say!("  (a run that never reaches it counts as later than the end of the scenario)");
        }
    }
}

fn print_cost_effect(s: &Scenario, c: &Comparison) {
    let Some(cost) = &c.cost_outcome else {
        say!("\n(no outcome is marked `cost = true`, so there is no cost-effectiveness table)");
        return;
    };
    say!(
        "\nCost-effectiveness (cost outcome `{cost}`; * = on the Pareto front: no bundle is cheaper and better)"
    );
    for o in s
        .outcomes
        .iter()
        .filter(|o| o.better != crate::scenario::Better::Neither && &o.name.value != cost)
    {
        let rows: Vec<_> = c
            .cost_effect
            .iter()
            .filter(|r| r.outcome == o.name.value)
            .collect();
        if rows.is_empty() {
            continue;
        }
        say!(
            "  {}",
            o.info.label.clone().unwrap_or_else(|| o.name.value.clone())
        );
        let w = rows
            .iter()
            .map(|r| r.bundle.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        for r in rows {
            say!(
                "    {}{:<w$} cost {:>8}  improvement {:>10}  per unit of extra cost {:>10}",
                if r.pareto { "*" } else { " " },
                r.bundle,
                human(r.cost, 3),
                diff(o.kind, Some(r.effect)),
                r.effect_per_cost.map_or("–".into(), |e| human(e, 3))
            );
        }
    }
}

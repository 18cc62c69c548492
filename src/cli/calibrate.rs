//! `leversim calibrate`: condition the params on the fitted observations, score every
//! observation, and write `output/<name>-calibration/` (or the folder the scenario names).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Failure;
use super::common::{
    Prepared, Resume, STREAMS, check_output, fingerprint, interrupt_flag, interrupted, keep,
    named_posterior, output_failure, prepare, provenance, rng_info, select_bundles, set_flags,
    shell_quote, take_kept, threads,
};
use crate::calibrate::smc::{SmcSettings, Stage};
use crate::calibrate::{CalibrateError, Calibrated, DEFAULT_PARTICLES, calibrate_from};
use crate::output::ResultsWriter;
use crate::output::calibration::{posterior_csv, sha256_hex, write_calibration};
use crate::output::format::{human, percent};
use crate::output::partial::{decode_checkpoint, encode_checkpoint, partial_dir};
use crate::output::schema::Timing;
use crate::output::schema::calibration::{
    CalibrationDiagnostics, CalibrationFile, CalibrationManifest, CalibrationScenario,
    CalibrationSettings, Score, StageRecord,
};
use crate::scenario::{DEFAULT_SOFTNESS, ObservationRole};

/// `leversim calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Particles of the sampler [default: the scenario's `[calibration] particles`, else 2000].
    #[arg(long, value_name = "N")]
    pub particles: Option<usize>,
    /// Simulations per likelihood estimate [default: the scenario's `[calibration] sims`,
    /// else 1].
    #[arg(long, value_name = "K")]
    pub sims: Option<usize>,
    /// Master seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// The bundle simulated [default: the baseline], whose lever settings the history had.
    #[arg(long, value_name = "NAME")]
    pub bundle: Option<String>,
    /// Override a param (as a constant, so not calibrated) or a lever; repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Results folder [default: the scenario's `[calibration] posterior`, else
    /// output/NAME-calibration].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts; draw them later with `leversim plot DIR`.
    #[arg(long)]
    pub no_charts: bool,
    /// Continue this same command after an interruption (Ctrl-C, kill) from the sampler's
    /// state after its last finished stage, kept in `<out>.partial/`; the results are
    /// identical to an uninterrupted calibration. A changed scenario, seed or flag is refused.
    #[arg(long)]
    pub resume: bool,
    /// Not for calibrate: refused (each stage of the sampler needs the whole previous stage;
    /// see docs/cluster.md).
    #[arg(long, value_name = "I/N", value_parser = super::shard::parse_shard)]
    pub shard: Option<crate::engine::Shard>,
}

/// Runs the command.
pub fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    if let Some(shard) = args.shard {
        // Sequential Monte Carlo moves from stage to stage: each stage's tempering, weights and
        // resampling need every particle of the stage before, so the stages cannot be spread
        // over independent array tasks; splitting within a stage would need a merge after every
        // stage, i.e. a scheduler of our own.
        return Err(Failure::Usage(format!(
            "--shard {shard}: calibrate cannot be split into shards: each stage of its sampler \
             weighs and resamples all the particles of the stage before, so its stages must run \
             one after another on one machine (use --threads to use all of that machine's \
             cores); `run`, `compare`, `sweep` and `sensitivity` take --shard"
        )));
    }
    let p = prepare(&args.scenario, &args.set)?;
    let s = &p.scenario;
    let bundle = match &args.bundle {
        Some(name) => select_bundles(&p.model, std::slice::from_ref(name))?[0],
        None => p.model.baseline,
    };
    let particles = args
        .particles
        .or(s.calibration.particles.map(|n| n.value as usize))
        .unwrap_or(DEFAULT_PARTICLES);
    if particles < 100 {
        return Err(Failure::Usage(format!(
            "--particles {particles}: at least 100 are needed to estimate the proposal's covariance"
        )));
    }
    let sims = args
        .sims
        .or(s.calibration.sims.map(|n| n.value as usize))
        .unwrap_or(1);
    if sims == 0 {
        return Err(Failure::Usage("--sims must be at least 1".into()));
    }
    let mut settings = SmcSettings::new(
        particles,
        sims,
        args.seed.unwrap_or(s.meta.seed.value),
        threads(args.threads)?,
        bundle,
    );
    if let Some(g) = s.calibration.gross_error {
        settings.gross_error = g.value;
    }
    let dir = args
        .out
        .clone()
        .or_else(|| named_posterior(&p, &args.scenario))
        .unwrap_or_else(|| {
            PathBuf::from("output").join(format!("{}-calibration", s.meta.name.value))
        });
    // Refused before the first simulation, not after minutes of sampling.
    check_output(&dir)?;
    let resume = Resume {
        out: dir.clone(),
        fingerprint: calibrate_fingerprint(&p, &settings),
        resume: args.resume,
        sharding: super::shard::Sharding::Whole,
    };
    let restored = match take_kept(&resume)? {
        Some(state) => Some(decode_checkpoint(&state).ok_or_else(|| {
            Failure::Scenario(Some(format!(
                "error: cannot resume from '{}': its state cannot be read\n  = help: run without --resume to start over",
                partial_dir(&dir).display()
            )))
        })?),
        None => None,
    };
    let fitted = s
        .observations
        .iter()
        .filter(|o| o.role == ObservationRole::Fit)
        .count();
    let checked = s.observations.len() - fitted;
    say!(
        "calibrating {}: {} uncertain params, {fitted} fitted observation{} ({checked} only scored), {particles} particles, {sims} simulation{} per estimate, bundle {}",
        s.meta.name.value,
        crate::calibrate::prior::Prior::of(&p.model).dim(),
        if fitted == 1 { "" } else { "s" },
        if sims == 1 { "" } else { "s" },
        p.model.bundles[bundle].name
    );

    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} · {human_pos} simulations, {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("sampling from the prior".to_string());
    let mut on_stage = |st: &Stage| {
        bar.set_message(format!(
            "stage at temperature {:.4}, ESS {:.0}, acceptance {}",
            st.phi,
            st.ess,
            percent(st.acceptance)
        ));
    };
    let mut kept = None;
    let result = calibrate_from(
        s,
        &p.model,
        &settings,
        &|n| bar.inc(n),
        interrupt_flag(),
        &mut on_stage,
        restored,
        &mut kept,
    );
    bar.finish_and_clear();
    let cal = match result {
        Ok(c) => c,
        // The state after the last finished stage (this run's, else the one it resumed from,
        // which is still on disk) is kept; the stage under way is lost.
        Err(CalibrateError::Cancelled) => {
            return Err(match kept {
                Some(c) => keep(&resume, c.runs, 0, &encode_checkpoint(&c)),
                None => Failure::Interrupted,
            });
        }
        Err(e) => {
            return Err(Failure::Scenario(Some(format!(
                "error: {e}\n  --> {}\n  = help: {}",
                args.scenario.display(),
                e.hint()
            ))));
        }
    };

    let names = &cal.prior.names;
    let csv = posterior_csv(names, &cal.theta, &cal.smc.weights, &cal.smc.log_lik)
        .map_err(Failure::Io)?;
    let file = calibration_file(&p, args, &settings, &cal, sha256_hex(&csv), fitted, checked);
    let writer = ResultsWriter::begin(&dir).map_err(output_failure)?;
    write_calibration(&writer, &csv, &file, &cal.predictive).map_err(Failure::Io)?;
    let charts = if args.no_charts || interrupted() {
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
    print_report(&file, &cal);
    say!(
        "results: {}/ (calibration.json, posterior.csv, params.csv, observations.csv, scores.csv, predictive.csv{})",
        dir.display(),
        if charts > 0 {
            format!(", {charts} charts")
        } else {
            String::new()
        }
    );
    say!(
        "use it: leversim run {} --posterior {}",
        shell_quote(&args.scenario.display().to_string()),
        shell_quote(&dir.display().to_string())
    );
    Ok(())
}

/// Everything a calibration's results depend on, for the fingerprint that `--resume` checks:
/// the scenario's files, seed, `--set`, bundle, particles, simulations per estimate, the gross
/// error rate and leversim's version (not `--threads`: the results do not depend on it).
fn calibrate_fingerprint(p: &Prepared, settings: &SmcSettings) -> Vec<(String, String)> {
    let mut out = fingerprint(
        p,
        "calibrate",
        settings.seed,
        0,
        std::slice::from_ref(&p.model.bundles[settings.bundle].name),
        crate::engine::FaultMode::Count,
        vec![
            ("--particles".into(), settings.particles.to_string()),
            ("--sims".into(), settings.sims.to_string()),
            (
                "the gross error rate".into(),
                settings.gross_error.to_string(),
            ),
            ("the ESS fraction".into(), settings.ess_fraction.to_string()),
            ("the most moves".into(), settings.max_moves.to_string()),
            (
                "the most final moves".into(),
                settings.final_moves.to_string(),
            ),
            ("the unmoved share".into(), settings.unmoved.to_string()),
        ],
    );
    // A calibration plans no run count and always counts faults.
    out.retain(|(k, _)| k != "--runs" && k != "--on-fault");
    out
}

fn calibration_file(
    p: &Prepared,
    args: &CalibrateArgs,
    settings: &SmcSettings,
    cal: &Calibrated,
    posterior_sha256: String,
    fitted: usize,
    checked: usize,
) -> CalibrationFile {
    let s = &p.scenario;
    let bundle = p.model.bundles[settings.bundle].name.clone();
    let mut command = format!(
        "leversim calibrate {} --particles {} --sims {} --seed {} --bundle {}",
        shell_quote(&args.scenario.display().to_string()),
        settings.particles,
        settings.sims,
        settings.seed,
        shell_quote(&bundle)
    );
    command.push_str(&set_flags(&p.overrides));
    if let Some(out) = &args.out {
        command.push_str(&format!(
            " --out {}",
            shell_quote(&out.display().to_string())
        ));
    }
    let smc = &cal.smc;
    let distinct = {
        let d = cal.prior.dim().max(1);
        let mut rows: Vec<Vec<u64>> = cal
            .theta
            .chunks_exact(d)
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    };
    let last = smc.stages.last();
    let mut provenance = provenance(
        p,
        &args.scenario,
        settings.seed,
        smc.sims,
        settings.threads,
        vec![bundle],
        command,
    );
    provenance.rng = rng_info(&format!(
        "{STREAMS}; the sampler's draws keyed like runs by (seed, stage) with sites calibrate:init, calibrate:resample, calibrate:move; simulations on run indices handed out in order from 0"
    ));
    CalibrationFile {
        manifest: CalibrationManifest {
            provenance,
            posterior_sha256,
            timing: Timing::of(smc.sims, std::time::Duration::from_secs_f64(smc.elapsed)),
        },
        scenario: CalibrationScenario {
            name: s.meta.name.value.clone(),
            title: s.meta.title.clone(),
            source: s.meta.source.clone(),
            start: s.meta.start.value.to_string(),
            end: s.meta.end.value.to_string(),
        },
        settings: CalibrationSettings {
            method: "likelihood-tempered sequential Monte Carlo (adaptive temperatures at ESS = N/2, systematic resampling) with pseudo-marginal random-walk Metropolis moves in probit-of-prior coordinates; likelihood = the stated observation-error model, estimated by simulation".into(),
            particles: settings.particles,
            sims: settings.sims,
            ess_fraction: settings.ess_fraction,
            max_moves: settings.max_moves,
            final_moves: settings.final_moves,
            unmoved: settings.unmoved,
            default_softness: DEFAULT_SOFTNESS,
            gross_error: settings.gross_error,
            fitted,
            checked,
            params: cal.prior.dim(),
            informed: cal.informed.iter().filter(|i| **i).count(),
            last_month: cal.last_month.to_string(),
        },
        diagnostics: CalibrationDiagnostics {
            stages: smc
                .stages
                .iter()
                .enumerate()
                .map(|(k, st)| StageRecord {
                    stage: k + 1,
                    phi: st.phi,
                    ess: st.ess,
                    moves: st.moves,
                    acceptance: st.acceptance,
                    independent: st.independent,
                    refresh: st.refresh,
                    scale: st.scale,
                    moved: st.moved,
                    carryover: st.carryover,
                    ancestors: st.ancestors,
                    genealogy_ess: st.genealogy_ess,
                    sims: st.sims,
                    elapsed_s: st.elapsed,
                })
                .collect(),
            final_ess: last.map_or(f64::NAN, |st| st.ess),
            ensemble_ess: last.map_or(f64::NAN, |st| st.genealogy_ess),
            unique_particles: distinct,
            final_acceptance: last.map_or(f64::NAN, |st| st.acceptance),
            log_lik_noise_sd: cal.noise_sd,
            log_evidence: smc.log_evidence,
            simulations: smc.sims,
            faults: smc.faults,
            elapsed_s: smc.elapsed,
            warnings: cal.warnings.clone(),
        },
        params: cal.params.clone(),
        observations: cal.observations.clone(),
        scores: cal.scores.clone(),
    }
}

fn print_report(file: &CalibrationFile, cal: &Calibrated) {
    let d = &file.diagnostics;
    say!(
        "\n{} of the {} uncertain params can change a fitted observation and were sampled; the others keep their priors",
        file.settings.informed,
        file.settings.params
    );
    say!(
        "sampler: {} stages to the posterior; ESS {:.0} of {} particles at the last reweighting, {:.0} from the genealogy of the ensemble ({} distinct particles); last-stage acceptance {}; {} simulations in {:.1} s ({}/s)",
        d.stages.len(),
        d.final_ess,
        file.settings.particles,
        d.ensemble_ess,
        d.unique_particles,
        percent(d.final_acceptance),
        human(d.simulations as f64, 3),
        d.elapsed_s,
        human(d.simulations as f64 / d.elapsed_s.max(1e-9), 3)
    );
    say!(
        "  {:>5} {:>11} {:>6} {:>5} {:>6} {:>6} {:>8} {:>9} {:>9} {:>9} {:>8}",
        "stage",
        "temperature",
        "ESS",
        "moves",
        "walk",
        "jump",
        "refresh",
        "carryover",
        "ancestors",
        "ESS(gen.)",
        "seconds"
    );
    for st in &d.stages {
        say!(
            "  {:>5} {:>11.4} {:>6.0} {:>5} {:>6} {:>6} {:>8} {:>9.2} {:>9} {:>9.0} {:>8.1}",
            st.stage,
            st.phi,
            st.ess,
            st.moves,
            percent(st.acceptance),
            percent(st.independent),
            percent(st.refresh),
            st.carryover,
            st.ancestors,
            st.genealogy_ess,
            st.elapsed_s
        );
    }
    if let Some(noise) = d.log_lik_noise_sd {
        say!("  noise of one simulation's log-likelihood at the posterior: sd {noise:.2}");
    }
    say!("\nscores (90% predictive bands of the simulated quantity)");
    say!(
        "  {:<20} {:>6} {:>7} {:>6} {:>7} {:>10} {:>9} {:>10}",
        "",
        "points",
        "inside",
        "bounds",
        "met",
        "rel.error",
        "int.score",
        "band width"
    );
    let opt_pct = |v: Option<f64>| v.map_or_else(|| "–".to_string(), percent);
    let opt_num = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
    for sc in &file.scores {
        let Score {
            role,
            stage,
            points,
            inside,
            bounds,
            bounds_met,
            median_rel_error,
            interval_score,
            band_width,
        } = sc;
        let who = if role == "fit" { "fitted" } else { "checks" };
        say!(
            "  {:<20} {:>6} {:>7} {:>6} {:>7} {:>10} {:>9} {:>10}",
            format!("{who}, {stage}"),
            points,
            opt_pct(*inside),
            bounds,
            opt_pct(*bounds_met),
            opt_pct(*median_rel_error),
            opt_num(*interval_score),
            opt_num(*band_width)
        );
    }
    let mut narrowed: Vec<_> = file.params.iter().collect();
    narrowed.sort_by(|a, b| b.learned.total_cmp(&a.learned));
    say!("\nparams the figures taught most (90% ranges)");
    for p in narrowed.iter().take(8) {
        say!(
            "  {:<28} prior {} to {}, posterior {} to {} ({} narrower{})",
            p.name,
            human(p.prior_p05, 3),
            human(p.prior_p95, 3),
            human(p.posterior_p05, 3),
            human(p.posterior_p95, 3),
            percent(p.narrowing.max(0.0)),
            match p.prior_cdf[1] {
                m if m > 0.75 => ", moved up",
                m if m < 0.25 => ", moved down",
                _ => "",
            }
        );
    }
    let outside: Vec<String> = file
        .observations
        .iter()
        .filter(|o| !o.posterior.inside)
        .map(|o| format!("{} ({}, {})", o.id, o.role, o.month))
        .collect();
    if !outside.is_empty() {
        say!(
            "\noutside the posterior 90% band: {} of {}: {}",
            outside.len(),
            file.observations.len(),
            outside.join(", ")
        );
    }
    for w in &cal.warnings {
        say!("\nwarning: {w}");
    }
}

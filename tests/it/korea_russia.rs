//! The main scenario, `scenarios/korea-russia.toml`: every row of the figures file is an
//! observation or accounted for on its page; the calibration committed beside it is the one
//! made from this version of the file; on that posterior the world reproduces the record to the
//! targets of issue 12; and the history before the levers start is the same in every bundle.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use leversim::calibrate::observe::{DEFAULT_GROSS_ERROR, ErrorModel};
use leversim::calibrate::posterior::{self, PosteriorError};
use leversim::calibrate::report::observation_fits;
use leversim::diag::{Diagnostics, FileId, render_all};
use leversim::engine::{self, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::output::schema::FileHash;
use leversim::output::schema::calibration::ObservationFit;
use leversim::scenario::{Month, ObservationRole, Scenario, load};

/// The rows of `shared/data/korea-russia-figures.md` (70 dated figures), by id: each must be an
/// observation (the id, or the id with a letter for a second figure of the row) or be listed
/// with its reason under "Rows not used" in `scenarios/korea-russia.md`.
const ROWS: [&str; 70] = [
    "C01", "C03", "C05", "C07", "C09", "C10", "C11", "V01", "V03", "A01", "A02", "A03", "A05",
    "A07", "A08", "A10", "M02", "M04", "M05", "M07", "G01", "G03", "G05", "T01", "T04", "T06",
    "T08", "T14", "T15", "K01", "K03", "K06", "K08", "K09", "K11", "K12", "O01", "O02", "O04",
    "O05", "O08", "O09", "O10", "O11", "W02", "W03", "W05", "W06", "W09", "F01", "F02", "F04",
    "F05", "F10", "R01", "R03", "R04", "R07", "P02", "P03", "X01", "X03", "X04", "E01", "E03",
    "E04", "E07", "Z01", "Z02", "Z03",
];

fn scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/korea-russia.toml")
}

/// The scenario, its model and the hashes of the files it read; the file must be free of
/// errors and warnings.
fn prepare() -> (Scenario, Model, Vec<FileHash>) {
    let loaded = load(&scenario_path());
    let mut diags: Diagnostics = loaded.diags;
    let scenario = loaded.scenario.expect("korea-russia.toml loads");
    let model = compile(&scenario, &Overrides::default(), &mut diags);
    assert!(
        diags.is_empty(),
        "korea-russia.toml has diagnostics:\n{}",
        render_all(&diags, &loaded.sources, false)
    );
    let files = (0..loaded.sources.len() as u32)
        .filter_map(|i| loaded.sources.get(FileId(i)))
        .map(|f| FileHash {
            path: f.path.clone(),
            sha256: Sha256::digest(f.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
        .collect();
    (scenario, model.expect("korea-russia.toml compiles"), files)
}

/// The calibration the scenario names, relative to its folder.
fn calibration_dir(scenario: &Scenario) -> PathBuf {
    let named = scenario
        .calibration
        .posterior
        .as_ref()
        .expect("korea-russia.toml names its calibration");
    scenario_path().parent().unwrap().join(&named.value)
}

/// The model drawing its params from the committed calibration.
fn conditioned() -> (Scenario, Model) {
    let (scenario, mut model, files) = prepare();
    let loaded = posterior::load(&calibration_dir(&scenario), &files, &model).unwrap_or_else(|e| {
        panic!("{e}: make it again with `leversim calibrate scenarios/korea-russia.toml`")
    });
    model.posterior = Some(Arc::new(loaded.ensemble));
    (scenario, model)
}

fn run(model: &Model, bundles: Vec<usize>, runs: u64, seed: u64) -> RunOutput {
    let plan = RunPlan::new(seed, runs, bundles, 2);
    engine::run(model, &plan, &|_| {}, &Default::default()).expect("runs without faults")
}

#[test]
fn every_row_of_the_figures_file_is_used_or_accounted_for() {
    let (scenario, _, _) = prepare();
    let page = std::fs::read_to_string(scenario_path().with_extension("md")).unwrap();
    let not_used = page
        .split("## Rows not used")
        .nth(1)
        .expect("korea-russia.md has a section 'Rows not used'");
    let not_used = not_used.split("\n## ").next().unwrap();
    let ids: Vec<&str> = scenario
        .observations
        .iter()
        .map(|o| o.id.value.as_str())
        .collect();
    for row in ROWS {
        let observed = ids.iter().any(|id| {
            id.strip_prefix(row)
                .is_some_and(|rest| rest.is_empty() || rest.chars().all(|c| c.is_ascii_lowercase()))
        });
        let listed = not_used.contains(&format!("| {row} |"));
        assert!(
            observed || listed,
            "{row} is neither an observation nor listed under 'Rows not used'"
        );
    }
    // Every observation names its source.
    for o in &scenario.observations {
        assert!(!o.source.is_empty(), "{} has no source", o.id.value);
    }
}

#[test]
fn a_changed_scenario_refuses_the_calibration() {
    let (scenario, model, mut files) = prepare();
    files[0].sha256 = format!("{:x}", Sha256::digest(b"another version"));
    let err = posterior::load(&calibration_dir(&scenario), &files, &model).unwrap_err();
    assert!(matches!(err, PosteriorError::Stale { .. }), "{err}");
}

/// Share of `xs` for which `ok` holds.
fn share(xs: &[&ObservationFit], ok: impl Fn(&ObservationFit) -> bool) -> f64 {
    xs.iter().filter(|f| ok(f)).count() as f64 / xs.len() as f64
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

#[test]
fn the_conditioned_world_reproduces_the_record() {
    let (scenario, model) = conditioned();
    // Runs stop after the last observed month; one outcome per observation.
    let observing = model.observing(Vec::new(), true);
    // 1,000 posterior predictive runs at the scenario's seed: the 5th and 95th percentiles to
    // within a few per cent of the band (the targets below leave at least one figure of margin).
    let out = run(
        &observing,
        vec![model.baseline],
        1000,
        scenario.meta.seed.value,
    );
    let errors: Vec<ErrorModel> = scenario
        .observations
        .iter()
        .map(|o| ErrorModel::new(o, DEFAULT_GROSS_ERROR))
        .collect();
    let fits = observation_fits(
        &scenario,
        &observing,
        &errors,
        &out.outcomes[0],
        &out.outcomes[0],
    );
    let table: String = fits
        .iter()
        .map(|f| {
            let b = f.posterior.band.as_ref().expect("a band");
            format!(
                "    {:6} {:>6} {:>12} p05 {:>12.4} p50 {:>12.4} p95 {:>12.4} inside {}\n",
                f.id,
                f.figure,
                f.value.or(f.low).or(f.high).unwrap_or(f64::NAN),
                b.p05,
                b.p50,
                b.p95,
                f.posterior.inside
            )
        })
        .collect();
    let fitted: Vec<&ObservationFit> = fits.iter().filter(|f| f.role == "fit").collect();
    let points: Vec<&ObservationFit> = fitted
        .iter()
        .copied()
        .filter(|f| f.figure == "point")
        .collect();
    let bounds: Vec<&ObservationFit> = fitted
        .iter()
        .copied()
        .filter(|f| f.figure != "point")
        .collect();
    assert!(points.len() >= 25 && bounds.len() >= 20, "\n{table}");
    assert_eq!(
        fitted.len(),
        scenario
            .observations
            .iter()
            .filter(|o| o.role == ObservationRole::Fit)
            .count()
    );
    let inside = share(&points, |f| f.posterior.inside);
    let met = share(&bounds, |f| f.posterior.met == Some(true));
    let rel_error = median(
        points
            .iter()
            .filter_map(|f| f.posterior.rel_error)
            .collect(),
    );
    let width = median(points.iter().filter_map(|f| f.posterior.width).collect());
    eprintln!(
        "points {} inside {:.1}%, bounds {} met {:.1}%, median relative error {:.1}%, median band width {:.2}\n{table}",
        points.len(),
        100.0 * inside,
        bounds.len(),
        100.0 * met,
        100.0 * rel_error,
        width
    );
    // The targets of issue 12.
    assert!(
        inside >= 0.9,
        "points inside the 90% band: {inside}\n{table}"
    );
    assert!(met >= 0.9, "bounds met: {met}\n{table}");
    assert!(
        rel_error < 0.2,
        "median relative error: {rel_error}\n{table}"
    );
    assert!(width <= 1.2, "median band width: {width}\n{table}");
    // The targets judge the world; they would let a 10% error of the engine pass. The medians
    // themselves are pinned to 1%: far above what a change in the last bits of the maths moves,
    // far below a 10% error. A deliberate change of the world or its calibration re-pins.
    let pins: String = fits
        .iter()
        .map(|f| {
            format!(
                "    ({:?}, {:?}),\n",
                f.id,
                f.posterior.band.as_ref().unwrap().p50
            )
        })
        .collect();
    assert_eq!(fits.len(), MEDIANS.len(), "pin every observation:\n{pins}");
    for (f, (id, p50)) in fits.iter().zip(MEDIANS) {
        let got = f.posterior.band.as_ref().unwrap().p50;
        assert!(
            f.id == *id && (got - p50).abs() <= 0.01 * p50.abs(),
            "{}: median {got} moved more than 1% from {p50}; if deliberate, pin:\n{pins}",
            f.id
        );
    }
}

/// The posterior predictive median of each observation (1,000 runs at the scenario's seed on
/// the committed calibration), as (id, median).
const MEDIANS: &[(&str, f64)] = &[
    ("C01", 2000.5841669710499),
    ("C03", 9411.123958476699),
    ("C07", 15665.777874958432),
    ("C07b", 2500500.585146102),
    ("C09", 16388.5922072781),
    ("C10", 17944.509652718036),
    ("C10b", 4.323191644564334),
    ("C11", 16557.76274070926),
    ("V03", 1737942.5472642847),
    ("A02", 1212171.0133602817),
    ("A03", 1221202.093253554),
    ("A05", 6508018.129362255),
    ("A07", 3010092.4675909723),
    ("A08", 5275936.463134989),
    ("A10", 13600311.470430452),
    ("S01", 11787076.887801055),
    ("M02", 52.0),
    ("M04", 110.0),
    ("M05", 105.0),
    ("G01", 89.0),
    ("G03", 176.0),
    ("G05", 378.0),
    ("T01", 12633.0),
    ("T04", 12633.0),
    ("T06", 15206.0),
    ("T14", 8832.0),
    ("K01", 1882.25),
    ("K03", 3764.5),
    ("K06", 3869.0999999999995),
    ("K08", 4100.5),
    ("K08b", 650.75),
    ("K09", 0.3173642073499912),
    ("K11", 5135.0),
    ("K11b", 858.0),
    ("K12", 6601.25),
    ("O01", 107783.25770914531),
    ("O02", 10.0),
    ("O04", 222873.7994629998),
    ("O05", 10.0),
    ("O08", 1889917.4224301863),
    ("O09", 2409622.4213196137),
    ("O10", 2848932.560321871),
    ("W02", 3171.5),
    ("W03", 13034.171309819943),
    ("W03b", 1168.6567753807371),
    ("W05", 9310.5),
    ("W06", 13566.0),
    ("W09", 13607.177196628352),
    ("F01", 0.022371962049562027),
    ("F02", 0.18920549414454074),
    ("F04", 3.7184030954023415),
    ("S02", 5.090354483076011),
    ("F05", 1.3275090310151614),
    ("Z01", 974.0),
    ("Z02", 1340.5),
    ("Z03", 122.0),
];

#[test]
fn history_is_the_same_in_every_bundle() {
    let (scenario, model) = conditioned();
    assert!(
        model.bundles.len() >= 10,
        "status quo, six alone, three combinations"
    );
    let out = run(
        &model,
        (0..model.bundles.len()).collect(),
        64, // one batch per bundle: identity needs no more
        scenario.meta.seed.value,
    );
    let first_policy_month = Month::parse("2026-01").unwrap().months_since(model.start) as usize;
    for b in 1..model.bundles.len() {
        for (r, var) in model.recorded.iter().enumerate() {
            for m in 0..first_policy_month {
                let (x, y) = (&out.series[0][r][m], &out.series[b][r][m]);
                assert!(
                    x.mean.to_bits() == y.mean.to_bits()
                        && x.p.map(f64::to_bits) == y.p.map(f64::to_bits),
                    "{} differs between {} and {} at {} (before the levers start)",
                    model.vars[*var].name,
                    model.bundles[0].name,
                    model.bundles[b].name,
                    model.month_at(m)
                );
            }
        }
    }
    // And every bundle changes something from 2026 on.
    let k = model
        .outcomes
        .iter()
        .position(|o| o.name == "cost")
        .unwrap();
    for b in 1..model.bundles.len() {
        let cost = out.outcomes[b][k];
        assert!(cost > 0.0, "bundle {} costs nothing", model.bundles[b].name);
    }
}

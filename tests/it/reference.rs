//! The hand-written speed reference of `benches/` computes exactly what the engine computes for
//! `scenarios/tests/sketch.toml`: the same formulas and the same draws give bit-identical
//! outcomes. This pins the engine's semantics (order of work within a month, stream keys,
//! event timing) and makes the benchmark's comparison honest.

#[path = "../../benches/reference/sketch.rs"]
#[allow(dead_code)]
mod sketch;

use leversim::engine::{self, RunPlan};
use sketch::{FULL_PACKAGE, STATUS_QUO, Sketch};

#[test]
fn hand_written_sketch_matches_the_engine_bit_for_bit() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tests/sketch.toml");
    let scenario = leversim::scenario::load(&path)
        .scenario
        .expect("sketch.toml loads");
    let mut diags = leversim::diag::Diagnostics::new();
    let model =
        leversim::model::compile(&scenario, &Default::default(), &mut diags).expect("compiles");
    let bundles = vec![
        model.bundle_index("status_quo").unwrap(),
        model.bundle_index("full_package").unwrap(),
    ];
    let runs = 700;
    let seed = 20250626;
    let out = engine::run(
        &model,
        &RunPlan::new(seed, runs, bundles, 2),
        &|_| {},
        &Default::default(),
    )
    .unwrap();
    let reference = Sketch::new();
    for (b, levers) in [STATUS_QUO, FULL_PACKAGE].into_iter().enumerate() {
        for run in 0..runs {
            let want = reference.run(seed, run, levers);
            let got = &out.outcomes[b][run as usize * 4..run as usize * 4 + 4];
            let same = want
                .iter()
                .zip(got)
                .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
            assert!(
                same,
                "bundle {b}, run {run}: reference {want:?}, engine {got:?}"
            );
        }
    }
}

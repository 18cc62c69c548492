//! Bytes to a scenario and, when it is valid, a short run: nothing may panic, overflow the stack
//! or hang, whatever the bytes.
//!
//! Stages: UTF-8 check, `load_str` (TOML, items, distributions, formula syntax), rendering every
//! diagnostic, `compile` (of the partial scenario too, as `validate` does), and for a valid model
//! that is small enough to run in milliseconds, two runs of every bundle on one thread.
#![no_main]

use std::sync::atomic::AtomicBool;

use leversim::diag::{Diagnostics, render_all};
use leversim::engine::{self, RunPlan};
use leversim::model::{Overrides, compile};
use leversim::scenario::load_str;

/// Largest run accepted, in (ops per month) x months x bundles: about a millisecond.
const MAX_WORK: usize = 200_000;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `extends` would read other files relative to the current folder; fuzz one file at a time.
    if text.contains("extends") {
        return;
    }
    let loaded = load_str("fuzz.toml", text);
    let mut diags: Diagnostics = loaded.diags;
    if let Some(partial) = &loaded.partial {
        compile(partial, &Overrides::default(), &mut diags);
    }
    let model = loaded
        .scenario
        .as_ref()
        .and_then(|s| compile(s, &Overrides::default(), &mut diags));
    diags.sort();
    let _ = render_all(&diags, &loaded.sources, false);
    let Some(model) = model else {
        return;
    };
    let ops = model.step_ops.len() + model.event_ops.len() + model.outcome_ops.len() + 1;
    let work = ops * model.n_months * model.bundles.len();
    let plan = RunPlan::new(7, 2, (0..model.bundles.len()).collect(), 1);
    let memory = engine::estimate_memory(&model, &plan).total();
    if work > MAX_WORK || memory > 64 << 20 {
        return;
    }
    let _ = engine::run(&model, &plan, &|_| {}, &AtomicBool::new(false));
});

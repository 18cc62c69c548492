//! The finished part of an interrupted run plan, from which the plan continues to the numbers
//! an uninterrupted run gives.
//!
//! The engine works in fixed units of (bundle, chunk of [`CHUNK_RUNS`] runs), and everything a
//! unit leaves is either stored by unit (outcome values, counted faults), folded strictly in
//! unit order (series sums, see `parallel.rs`) or merged exactly (quantile sketches, integer
//! counts). So the state after any set of finished units is: those units' values, the ordered
//! fold's state (the units folded so far and the ones waiting), and the merged sketches.
//! Continuing from it runs only the missing units and gives bit-identical results. This module
//! only holds that state; `output::partial` keeps it on disk.
//!
//! The same state is what a shard of a plan leaves (`--shard I/N`, `shard.rs`): the units it
//! ran, their sums waiting to be folded, and its sketches. [`Partial::absorb`] unites shards,
//! folding their sums in unit order, into the state of the whole plan, from which the engine
//! assembles the results without running anything.

use std::collections::BTreeMap;

use super::{CHUNK_RUNS, Fault, RunPlan};
use crate::model::Model;
use crate::stats::QuantileSketch;

/// One finished unit of work: a chunk of runs of one bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitDone {
    /// Outcome values, `runs × outcomes`, row-major.
    pub outcomes: Vec<f64>,
    /// Faults counted in the unit (with `--on-fault count`).
    pub faults: Vec<Fault>,
}

/// The finished units of a plan and the statistics they fed.
#[derive(Clone, Debug, PartialEq)]
pub struct Partial {
    /// Finished units by unit index (bundle × chunks + chunk).
    pub done: BTreeMap<usize, UnitDone>,
    /// Series sums: the first unit not yet folded into `totals`.
    pub sums_next: usize,
    /// Series sums folded so far, per planned bundle, per cell (recorded variable × month).
    pub sums_totals: Vec<Vec<f64>>,
    /// Series sums of finished units after `sums_next`, waiting for their turn.
    pub sums_waiting: BTreeMap<usize, Vec<f64>>,
    /// The finished units' series values, one sketch per (planned bundle, cell).
    pub sketches: Vec<QuantileSketch>,
}

/// Folds the waiting series sums of consecutive units from `next` on into `totals` (per
/// planned bundle), in unit order: the one order every way of running a plan adds them in.
pub(crate) fn fold_waiting(
    next: &mut usize,
    waiting: &mut BTreeMap<usize, Vec<f64>>,
    totals: &mut [Vec<f64>],
    chunks: usize,
) {
    while let Some(sums) = waiting.remove(next) {
        let total = &mut totals[*next / chunks.max(1)];
        for (t, s) in total.iter_mut().zip(&sums) {
            *t += s;
        }
        *next += 1;
    }
}

impl Partial {
    /// The state of `plan` on `model` before any unit has finished.
    pub fn empty(model: &Model, plan: &RunPlan) -> Partial {
        let cells = model.recorded.len() * model.n_months;
        Partial {
            done: BTreeMap::new(),
            sums_next: 0,
            sums_totals: vec![vec![0.0; cells]; plan.bundles.len()],
            sums_waiting: BTreeMap::new(),
            sketches: vec![QuantileSketch::new(); cells * plan.bundles.len()],
        }
    }

    /// Adds the finished units of `other`, another part of the same plan (a shard): their
    /// outcome values, their series sums (folded in unit order as soon as the units before
    /// them are there, so the additions are those of one uninterrupted run) and their
    /// sketches (integer counts: exact in any order). Both must [`fit`](Partial::fits) `plan`.
    ///
    /// # Errors
    /// A unit that both hold (the first, by index).
    pub fn absorb(&mut self, other: Partial, plan: &RunPlan) -> Result<(), usize> {
        if let Some(&unit) = other.done.keys().find(|u| self.done.contains_key(u)) {
            return Err(unit);
        }
        let chunks = plan.runs.div_ceil(CHUNK_RUNS) as usize;
        self.done.extend(other.done);
        if other.sums_next > 0 {
            // `other` holds the first units (the fold only ever starts at unit 0), so this
            // state has folded nothing yet: its totals are still zero.
            self.sums_next = other.sums_next;
            self.sums_totals = other.sums_totals;
        }
        self.sums_waiting.extend(other.sums_waiting);
        fold_waiting(
            &mut self.sums_next,
            &mut self.sums_waiting,
            &mut self.sums_totals,
            chunks,
        );
        for (total, part) in self.sketches.iter_mut().zip(&other.sketches) {
            total.merge(part);
        }
        Ok(())
    }

    /// Runs per bundle-chunk `unit` of `plan`.
    pub fn unit_runs(plan: &RunPlan, unit: usize) -> u64 {
        let chunks = plan.runs.div_ceil(CHUNK_RUNS).max(1) as usize;
        let first = (unit % chunks) as u64 * CHUNK_RUNS;
        CHUNK_RUNS.min(plan.runs.saturating_sub(first))
    }

    /// Runs finished, over all bundles.
    pub fn runs_done(&self, plan: &RunPlan) -> u64 {
        self.done.keys().map(|&u| Partial::unit_runs(plan, u)).sum()
    }

    /// Checks that this state can belong to `plan` on `model` (shapes only: what it was made
    /// from is checked by the caller against a fingerprint).
    ///
    /// # Errors
    /// What does not fit, in words.
    pub fn fits(&self, model: &Model, plan: &RunPlan) -> Result<(), String> {
        let chunks = plan.runs.div_ceil(CHUNK_RUNS) as usize;
        let units = chunks * plan.bundles.len();
        let cells = model.recorded.len() * model.n_months;
        let n_out = model.outcomes.len();
        if let Some((&u, _)) = self.done.iter().next_back()
            && u >= units
        {
            return Err(format!("unit {u} is past the plan's {units} units"));
        }
        for (&u, unit) in &self.done {
            if unit.outcomes.len() as u64 != Partial::unit_runs(plan, u) * n_out as u64 {
                return Err(format!("unit {u} holds {} values", unit.outcomes.len()));
            }
        }
        let folded_and_waiting = (0..self.sums_next).chain(self.sums_waiting.keys().copied());
        if folded_and_waiting
            .clone()
            .any(|u| !self.done.contains_key(&u))
            || self.done.len() != self.sums_next + self.sums_waiting.len()
        {
            return Err("its series sums do not match its finished units".into());
        }
        if self.sums_totals.len() != plan.bundles.len()
            || self.sums_totals.iter().any(|t| t.len() != cells)
            || self.sums_waiting.values().any(|s| s.len() != cells)
            || self.sketches.len() != cells * plan.bundles.len()
        {
            return Err("its series do not have this model's shape".into());
        }
        Ok(())
    }
}

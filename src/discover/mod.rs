//! Scenario discovery (issue 13): in which worlds does a bundle fail, and what drives each
//! outcome.
//!
//! Data enters as a results folder of `leversim run` ([`runs::RunsTable`]: each run's inputs
//! beside its outcomes); [`target`] turns a question (an outcome, a condition, a bundle or a
//! paired difference of two) into the runs analysed; [`prim`] (or [`cart`]) finds boxes of
//! inputs where the condition holds much more often than elsewhere; [`report`] turns them into
//! records and sentences. Nothing here runs simulations, prints or writes files.

pub mod cart;
pub mod drivers;
pub mod prim;
pub mod regret;
pub mod report;
pub mod runs;
pub mod target;

pub use runs::{BundleRuns, Input, Pairs, RunsError, RunsTable};

use prim::{Limits, Step};

/// A box found, by either method.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundBox {
    /// Limits on each input (the full range where unrestricted).
    pub limits: Limits,
    /// Share of the runs where the condition holds that are in the box.
    pub coverage: f64,
    /// Share of the box's runs where the condition holds.
    pub density: f64,
    /// Share of all runs in the box.
    pub mass: f64,
    /// Quasi-p-values per input and side (`None` where unrestricted).
    pub qp: Vec<[Option<f64>; 2]>,
}

/// What a discovery method found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// Each input's full range.
    pub init: Limits,
    /// PRIM's peeling trajectory of the first box (empty for CART).
    pub trajectory: Vec<Step>,
    /// Index of the first box in `trajectory` (PRIM only).
    pub chosen: Option<usize>,
    /// Boxes, the first first.
    pub boxes: Vec<FoundBox>,
    /// Whether the first box reaches the density threshold.
    pub meets_threshold: bool,
}

impl Found {
    /// PRIM's result in the common form.
    pub fn from_prim(r: prim::PrimResult) -> Found {
        let meets_threshold = r.boxes.first().is_some_and(|b| b.meets_threshold);
        let chosen = r.boxes.first().map(|b| b.chosen);
        let boxes = r
            .boxes
            .iter()
            .map(|b| {
                let s = b.chosen();
                FoundBox {
                    limits: s.limits.clone(),
                    coverage: s.coverage,
                    density: s.density,
                    mass: s.mass,
                    qp: b.qp.clone(),
                }
            })
            .collect();
        let trajectory = r
            .boxes
            .into_iter()
            .next()
            .map(|b| b.steps)
            .unwrap_or_default();
        Found {
            init: r.init,
            trajectory,
            chosen,
            boxes,
            meets_threshold,
        }
    }
}

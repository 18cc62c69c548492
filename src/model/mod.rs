//! From a checked [`Scenario`](crate::scenario::Scenario) to an executable [`Model`].
//!
//! Compiling resolves every name once, orders the monthly formulas by their dependencies (a
//! cycle is an error naming its members), and lowers each formula to [`ops::Op`]s over numbered
//! slots. It also turns bundles into per-month lever tables, so that the engine never looks at a
//! name, a string or a hash map.
//!
//! The month's order of work, which the engine follows:
//! 1. time slots (`t`, `month`, `year`, `time`) and this month's lever values are set;
//! 2. auxiliaries, flows and lever costs are evaluated in dependency order; they read stocks and
//!    event flags as they were at the start of the month;
//! 3. stocks add their inflows and subtract their outflows (then bounds apply);
//! 4. events evaluate `when` and `hazard` (seeing the updated stocks) and fire;
//! 5. outcome formulas are evaluated and accumulated, and recorded series are sampled, so
//!    "the value at month m" means at the end of month m.

mod bundles;
mod checks;
mod compile;
mod influence;
mod lower;
mod names;
pub mod ops;
mod optimize;
mod order;
mod outcomes;

pub use compile::{Overrides, compile};
pub use influence::params_influencing;

use crate::scenario::dist::Dist;
use crate::scenario::{BoundRule, Month, OutcomeKind};
use ops::{Op, SlotId};

/// What kind of per-month variable a name is (the results' [`VariableKind`]).
///
/// [`VariableKind`]: crate::output::schema::VariableKind
pub use crate::output::schema::kinds::VariableKind as VarKind;

/// A named per-month variable: what series, faults and observations refer to.
#[derive(Clone, Debug)]
pub struct Var {
    /// Name as in the scenario (`enforcement.cost` for lever costs).
    pub name: String,
    /// Kind.
    pub kind: VarKind,
    /// Slot holding its value.
    pub slot: SlotId,
    /// Unit.
    pub unit: String,
    /// Human label.
    pub label: String,
    /// Actor, when declared.
    pub actor: String,
}

/// A param drawn at the start of each run.
#[derive(Clone, Debug)]
pub struct ParamPlan {
    /// Name.
    pub name: String,
    /// Slot receiving the draw.
    pub slot: SlotId,
    /// Distribution (a constant when overridden).
    pub dist: Dist,
    /// Random site key of this param.
    pub site: u64,
}

/// A stock's monthly update.
#[derive(Clone, Debug)]
pub struct StockPlan {
    /// The variable (index into [`Model::vars`]).
    pub var: usize,
    /// Slot of the stock.
    pub slot: SlotId,
    /// Slots of flows into it.
    pub inflows: Vec<SlotId>,
    /// Slots of flows out of it.
    pub outflows: Vec<SlotId>,
    /// Lower bound (-inf if none).
    pub min: f64,
    /// Upper bound (+inf if none).
    pub max: f64,
    /// What happens at a bound.
    pub bound: BoundRule,
}

/// An event's monthly check.
#[derive(Clone, Debug)]
pub struct EventPlan {
    /// The variable of its flag (index into [`Model::vars`]).
    pub var: usize,
    /// Slot of the 0/1 flag.
    pub flag: SlotId,
    /// Slot of the month index it happened (`n_months` until it happens).
    pub at: SlotId,
    /// Slot of the evaluated condition, if any.
    pub when: Option<SlotId>,
    /// Slot of the evaluated hazard, if any.
    pub hazard: Option<SlotId>,
    /// First month index at which it may happen.
    pub not_before: usize,
    /// Random site key of its monthly draw.
    pub site: u64,
}

/// How one outcome is accumulated.
#[derive(Clone, Debug)]
pub struct OutcomePlan {
    /// Name (a column of runs.csv).
    pub name: String,
    /// Slot with the formula's value this month.
    pub slot: SlotId,
    /// Accumulation.
    pub kind: OutcomeKind,
    /// First month index of the window.
    pub from: usize,
    /// Last month index of the window (inclusive); for `final` the month taken.
    pub to: usize,
}

/// How a window function accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowKind {
    /// `sum(x, from, to)`: the sum over the months of the window.
    Sum,
    /// `mean(x, from, to)`: the mean over the months of the window.
    Mean,
    /// `at(x, month)`: the value at the end of the month.
    At,
}

/// A window function of an outcome or observation (`sum(x, '2024-01', '2024-06')`), compiled
/// to a slot that the engine updates each month after events fire and before outcomes are
/// evaluated. Its value is complete from the end of its last month on.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowPlan {
    /// Accumulation.
    pub kind: WindowKind,
    /// Slot of the variable read.
    pub src: SlotId,
    /// Slot holding the window's value.
    pub dst: SlotId,
    /// First month index.
    pub from: usize,
    /// Last month index (inclusive).
    pub to: usize,
}

/// One bundle's lever values for every month.
#[derive(Clone, Debug)]
pub struct BundlePlan {
    /// Name.
    pub name: String,
    /// Human label.
    pub label: String,
    /// Lever values, `n_months` rows of `n_levers` values.
    pub levers: Vec<f64>,
}

/// A random draw site: its name (for documentation and tests) and its stream key.
#[derive(Clone, Debug)]
pub struct Site {
    /// Name, e.g. `flow:shells/lognormal#0`.
    pub name: String,
    /// FNV-1a hash of the name: part of the stream key.
    pub key: u64,
}

/// Slots the engine fills with the time each month.
#[derive(Clone, Copy, Debug)]
pub struct TimeSlots {
    /// `t`: months since the start.
    pub t: SlotId,
    /// `month`: calendar month 1 to 12.
    pub month: SlotId,
    /// `year`: calendar year.
    pub year: SlotId,
    /// `time`: decimal year.
    pub time: SlotId,
}

/// An executable model: flat plans and ops over slots.
#[derive(Clone, Debug)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// First month.
    pub start: Month,
    /// Number of months.
    pub n_months: usize,
    /// Number of slots.
    pub n_slots: usize,
    /// Constant slots and their values.
    pub consts: Vec<(SlotId, f64)>,
    /// Time slots.
    pub time: TimeSlots,
    /// Params, drawn per run.
    pub params: Vec<ParamPlan>,
    /// Lever slots, in lever order.
    pub lever_slots: Vec<SlotId>,
    /// Lever names, in lever order.
    pub lever_names: Vec<String>,
    /// Bundles, in scenario order.
    pub bundles: Vec<BundlePlan>,
    /// Lever defaults, in lever order.
    pub lever_defaults: Vec<f64>,
    /// For a constant setting of each lever: the share of the way from the default to the
    /// setting in each month (0 before the lever's `from`, ramping to 1); `n_months` rows.
    pub lever_share: Vec<f64>,
    /// Index of the baseline bundle.
    pub baseline: usize,
    /// Ops computing, once per run after the params, the values that do not change from month
    /// to month (formulas or parts of formulas that read only params and numbers), before
    /// `init_ops`.
    pub run_ops: Vec<Op>,
    /// Ops computing stocks' initial values (once per run, after params).
    pub init_ops: Vec<Op>,
    /// Ops of the month: auxiliaries, flows and lever costs in dependency order.
    pub step_ops: Vec<Op>,
    /// Variables written by `step_ops`, to check for non-finite values (in the first month).
    pub step_vars: Vec<usize>,
    /// Those of `step_vars` the month still computes (not hoisted to `run_ops`): the others
    /// keep their first month's values, so later months need not check them again.
    pub step_vars_monthly: Vec<usize>,
    /// Stock updates.
    pub stocks: Vec<StockPlan>,
    /// Ops of event conditions and hazards (after the stock update).
    pub event_ops: Vec<Op>,
    /// Events.
    pub events: Vec<EventPlan>,
    /// Ops of outcome formulas (after events fire).
    pub outcome_ops: Vec<Op>,
    /// Outcomes.
    pub outcomes: Vec<OutcomePlan>,
    /// Bodies of `root(...)` calls, referenced by `Op::Root`.
    pub roots: Vec<ops::RootBody>,
    /// Window functions of outcomes and observations, updated each month.
    pub windows: Vec<WindowPlan>,
    /// Ops of observation expressions (run only by calibration, which makes observations its
    /// outcomes; see [`Model::observing`]).
    pub observable_ops: Vec<Op>,
    /// Each observation's target as an outcome of kind `final` at the observation's month, in
    /// scenario order (named by the observation's id).
    pub observables: Vec<OutcomePlan>,
    /// Months the engine simulates: `n_months`, unless a calibration stops after the last
    /// observed month.
    pub run_months: usize,
    /// A calibrated ensemble that params are drawn from instead of their distributions.
    pub posterior: Option<std::sync::Arc<crate::engine::Ensemble>>,
    /// The folder `posterior` was read from, for the command that reproduces results.
    pub posterior_path: Option<String>,
    /// Random sites referenced by `Op::Draw`.
    pub sites: Vec<Site>,
    /// Their stream keys, in the same order (what the engine reads).
    pub site_keys: Vec<u64>,
    /// Every per-month variable.
    pub vars: Vec<Var>,
    /// Variables whose monthly percentiles are recorded.
    pub recorded: Vec<usize>,
    /// Variables whose month-by-month paths are written for a sample of runs (`[output] paths`).
    pub paths: Vec<usize>,
    /// Names in evaluation order of the month (for `validate`).
    pub order: Vec<String>,
}

impl Model {
    /// Index of the bundle named `name`.
    pub fn bundle_index(&self, name: &str) -> Option<usize> {
        self.bundles.iter().position(|b| b.name == name)
    }

    /// Index of the variable named `name`.
    pub fn var_index(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }

    /// The month at index `t`.
    pub fn month_at(&self, t: usize) -> Month {
        self.start.offset(t as i32)
    }

    /// The model whose outcomes are the observations' targets (in scenario order), recording
    /// the series of `recorded`. With `stop_early`, runs end after the last observed month.
    /// Params keep their distributions (or the attached posterior).
    pub fn observing(&self, recorded: Vec<usize>, stop_early: bool) -> Model {
        let mut m = self.clone();
        m.outcome_ops = self.observable_ops.clone();
        m.outcomes = self.observables.clone();
        m.recorded = recorded;
        if stop_early {
            let last = m.outcomes.iter().map(|o| o.to + 1).max().unwrap_or(1);
            m.run_months = last.min(m.n_months);
        }
        m
    }
}

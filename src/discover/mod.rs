//! Scenario discovery (issue 13): in which worlds does a bundle fail, and what drives each
//! outcome.
//!
//! Data enters as a results folder of `leversim run` ([`runs::RunsTable`]: each run's inputs
//! beside its outcomes); nothing here runs simulations or writes files.

pub mod drivers;
pub mod regret;
pub mod runs;

pub use runs::{BundleRuns, Input, Pairs, RunsError, RunsTable};

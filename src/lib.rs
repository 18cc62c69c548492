//! leversim: policy-scenario Monte Carlo for "what if" questions in security research.
//!
//! The pipeline, one stage per module, each turning one type into the next:
//!
//! 1. [`scenario`]: TOML text → [`scenario::Scenario`] (checked, with spans for messages);
//! 2. [`model`]: `Scenario` → [`model::Model`] (names resolved, formulas ordered and compiled
//!    to slot-indexed ops, bundles turned into lever tables);
//! 3. [`engine`]: `Model` + [`engine::RunPlan`] → [`engine::RunOutput`] (parallel runs on
//!    common random numbers, bit-identical for any thread count);
//! 4. [`stats`]: accumulators and summaries used by the engine and the outputs;
//! 5. [`output`]: `RunOutput` → a results folder (`summary.json`, `runs.csv`, `series.csv`);
//! 6. [`compare`]: paired bundle comparisons, cost-effectiveness and lever sweeps;
//! 7. [`plot`]: a results folder → briefing charts (PNG and SVG) in its `charts/`;
//! 8. [`sensitivity`]: `Model` + a designed experiment → Sobol' indices, Morris effects and
//!    one-at-a-time swings of each outcome with respect to params and levers;
//! 9. [`discover`]: a results folder's runs → boxes of inputs where a condition holds
//!    (scenario discovery);
//! 10. [`report`]: a results folder → `report.html`, the one-page briefing (reads the folder
//!     only, like [`plot`]);
//! 11. [`cli`]: the `leversim` command.
//!
//! Problems in scenario files are [`diag::Diagnostic`]s with file, line, column and a hint.
//!
//! # Example
//! ```
//! use leversim::{engine, model, scenario};
//! let text = r#"
//! [scenario]
//! name = "tiny"
//! start = "2024-01"
//! end = "2024-12"
//!
//! [stocks]
//! delivered = { init = 0 }
//!
//! [flows.deliveries]
//! to = "delivered"
//! rate = "poisson(100)"
//!
//! [outcomes.total]
//! expr = "delivered"
//! "#;
//! let loaded = scenario::load_str("tiny.toml", text);
//! let scenario = loaded.scenario.expect("valid scenario");
//! let mut diags = leversim::diag::Diagnostics::new();
//! let model = model::compile(&scenario, &Default::default(), &mut diags).expect("compiles");
//! let plan = engine::RunPlan { seed: 1, runs: 2000, first_run: 0, bundles: vec![0], threads: 1, inputs: None, on_fault: Default::default() };
//! let out = engine::run(&model, &plan, &|_| {}, &Default::default()).expect("runs");
//! let mean = out.outcomes[0].iter().sum::<f64>() / 2000.0;
//! assert!((mean - 1200.0).abs() < 4.0); // 12 months of Poisson(100): sd of the mean ≈ 0.77
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod diag;
pub mod discover;
pub mod engine;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod stats;

//! Integration tests: one harness (one link step) with a module per area.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod bad;
mod browser;
mod calibration;
mod cdp;
mod cli;
mod closed_form;
mod compare;
mod compare_charts;
mod determinism;
mod diagnostics;
mod discover;
mod docs;
mod drivers;
mod exact;
mod examples;
mod faults;
mod folders;
mod golden;
mod hostile;
mod korea_russia;
mod memory;
mod optimize;
mod parquet;
mod plot;
mod plot_options;
mod properties;
mod reference;
mod report;
mod resume;
mod sbc;
mod scenario_schema;
mod schema;
mod sensitivity;
mod util;

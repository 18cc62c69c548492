//! Integration tests: one harness (one link step) with a module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docs;
mod examples;

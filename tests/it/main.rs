//! Integration tests: one harness, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod plot;

//! Statistics for Monte Carlo output: exact summaries from stored values and streaming,
//! bounded-memory quantile sketches.
//!
//! - [`moments`]: Welford/Chan online mean, variance, min and max ([`Moments`]), for running
//!   per-outcome accumulators that threads merge.
//! - [`quantile`]: exact type-7 quantiles ([`quantile_sorted`]) and per-outcome [`Summary`]
//!   ([`summarize`]) over all N stored values of an outcome.
//! - [`sketch`]: [`QuantileSketch`], a log-linear histogram with ~0.4 % relative error whose
//!   memory does not grow with N and whose merge is exact, so percentile bands for charts are
//!   bit-identical regardless of thread count.

pub mod moments;
pub mod paired;
pub mod quantile;
pub mod sketch;

pub use moments::Moments;
pub use quantile::{Summary, quantile_sorted, summarize};
pub use sketch::QuantileSketch;

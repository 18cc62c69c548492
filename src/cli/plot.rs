//! `leversim plot`: redraws the charts of a results folder from its files, without re-running.

use super::{Failure, PlotArgs};
use crate::plot::render_results;

/// Runs the command.
pub fn plot(args: &PlotArgs) -> Result<(), Failure> {
    let files = render_results(&args.results).map_err(Failure::Io)?;
    println!(
        "charts: {}/ ({} charts, PNG and SVG)",
        args.results.join("charts").display(),
        files.len() / 2
    );
    Ok(())
}

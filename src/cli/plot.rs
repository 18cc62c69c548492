//! `leversim plot`: redraws the charts of a results folder from its files, without re-running.
//!
//! The folder is rewritten like any results folder ([`ResultsWriter::reopen`]): it must be one
//! leversim wrote; its files are carried into a fresh folder, the charts drawn there, and the
//! whole renamed into place, so no link or file of anyone else's is ever written through.

use super::common::{interrupted, output_failure};
use super::{Failure, PlotArgs};
use crate::output::ResultsWriter;
use crate::plot::{check_readable, render_results};

/// Runs the command.
pub fn plot(args: &PlotArgs) -> Result<(), Failure> {
    check_readable(&args.results).map_err(Failure::Io)?;
    let writer = ResultsWriter::reopen(&args.results).map_err(output_failure)?;
    let files = render_results(writer.dir()).map_err(Failure::Io)?;
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    say!(
        "charts: {}/ ({} charts, PNG and SVG)",
        dir.join("charts").display(),
        files.len() / 2
    );
    Ok(())
}

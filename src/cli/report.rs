//! `leversim report`: writes `report.html`, the one-page briefing of a results folder.
//!
//! The folder is rewritten like any results folder ([`ResultsWriter::reopen`]): it must be one
//! leversim wrote; its files are carried into a fresh folder, the page written there, and the
//! whole renamed into place, so that no file of anyone else's is written over.

use super::common::{interrupted, output_failure};
use super::{Failure, ReportArgs};
use crate::output::ResultsWriter;
use crate::plot::check_readable;
use crate::report::write_report;

/// Runs the command.
pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    if !args.results.join("summary.json").is_file() {
        return Err(Failure::Io(anyhow::anyhow!(
            "'{}' is not a results folder of `leversim run` or `compare` (it has no summary.json); a report needs the runs of the bundles",
            args.results.display()
        )));
    }
    check_readable(&args.results).map_err(Failure::Io)?;
    let writer = ResultsWriter::reopen(&args.results).map_err(output_failure)?;
    let page = write_report(writer.dir()).map_err(Failure::Io)?;
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    let name = page
        .file_name()
        .map_or_else(Default::default, |n| n.to_owned());
    say!("report: {}", dir.join(name).display());
    Ok(())
}

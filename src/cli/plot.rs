//! `leversim plot`: redraws the charts of a results folder from its files, without re-running.
//!
//! The folder is rewritten like any results folder ([`ResultsWriter::reopen`]): it must be one
//! leversim wrote; its files are carried into a fresh folder, the charts drawn there, and the
//! whole renamed into place, so no link or file of anyone else's is ever written through.
//! `--bundles`, `--outcomes`, `--size`, `--format` and `--source` shape the charts
//! ([`PlotOptions`]); names are checked against the folder before anything is written.

use super::common::{interrupted, output_failure};
use super::{Failure, PlotArgs};
use crate::diag::suggest::did_you_mean;
use crate::output::ResultsWriter;
use crate::output::schema::Summary;
use crate::plot::options::{ImageFormat, OptionError, PlotOptions};
use crate::plot::read::SourceStyle;
use crate::plot::{Results, View, check_readable, render_results_with};

/// Runs the command.
pub fn plot(args: &PlotArgs) -> Result<(), Failure> {
    check_readable(&args.results).map_err(Failure::Io)?;
    let options = options(args)?;
    let narrowed = !options.view.bundles.is_empty() || !options.view.outcomes.is_empty();
    if narrowed {
        if !args.results.join("summary.json").is_file() {
            return Err(Failure::Usage(format!(
                "--bundles and --outcomes choose among the bundles and outcomes of a folder of \
                 `leversim run` or `compare`; '{}' is not one",
                args.results.display()
            )));
        }
        let summary = Results::read_summary(&args.results).map_err(Failure::Io)?;
        check_names(&options.view, &summary).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let writer = ResultsWriter::reopen(&args.results).map_err(output_failure)?;
    let files = render_results_with(writer.dir(), &options).map_err(Failure::Io)?;
    if interrupted() {
        return Err(Failure::Interrupted);
    }
    let dir = writer.commit().map_err(output_failure)?;
    let formats: Vec<&str> = options.formats.iter().map(|f| f.extension()).collect();
    say!(
        "charts: {}/ ({} charts, {} at {})",
        dir.join("charts").display(),
        files.len() / options.formats.len().max(1),
        formats.join(", ").to_uppercase(),
        options.size
    );
    Ok(())
}

/// The options of the command line.
fn options(args: &PlotArgs) -> Result<PlotOptions, Failure> {
    let names = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Ok(PlotOptions {
        view: View {
            bundles: names(&args.bundles),
            outcomes: names(&args.outcomes),
            source: if args.source == "short" {
                SourceStyle::Short
            } else {
                SourceStyle::Full
            },
        },
        size: args.size,
        formats: args
            .format
            .clone()
            .map_or_else(|| vec![ImageFormat::Png, ImageFormat::Svg], |f| f.0),
    })
}

/// Checks the bundle and outcome names of `view` against the results' `summary`.
///
/// # Errors
/// [`OptionError::Bundle`] or [`OptionError::Outcome`] for the first unknown name, with the
/// closest name there is, or the names there are.
pub fn check_names(view: &View, summary: &Summary) -> Result<(), OptionError> {
    let bundles = &summary.manifest.provenance.bundles;
    for name in &view.bundles {
        if !bundles.contains(name) {
            return Err(OptionError::Bundle {
                name: name.clone(),
                hint: hint(name, bundles.iter().map(String::as_str)),
            });
        }
    }
    let scenario = &summary.scenario;
    let names: Vec<&str> = scenario
        .outcomes
        .iter()
        .map(|o| o.name.as_str())
        .chain(
            scenario
                .variables
                .iter()
                .filter(|v| v.recorded)
                .map(|v| v.name.as_str()),
        )
        .collect();
    for name in &view.outcomes {
        if !names.contains(&name.as_str()) {
            return Err(OptionError::Outcome {
                name: name.clone(),
                hint: hint(name, names.iter().copied()),
            });
        }
    }
    Ok(())
}

/// "; did you mean `x`?" when a name is close, else "; they are `a`, `b`, ..." (up to twelve).
fn hint<'n>(name: &str, names: impl Iterator<Item = &'n str> + Clone) -> String {
    match did_you_mean(name, names.clone()) {
        Some(help) => format!("; {help}"),
        None => {
            let all: Vec<&str> = names.collect();
            let more = if all.len() > 12 { ", ..." } else { "" };
            let listed: Vec<String> = all.iter().take(12).map(|n| format!("`{n}`")).collect();
            format!("; they are {}{more}", listed.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_get_the_closest_or_the_list() {
        let close = hint("statu_quo", ["status_quo", "disrupt"].into_iter());
        assert!(close.contains("did you mean `status_quo`?"), "{close}");
        let far = hint("zzzzzz", ["status_quo", "disrupt"].into_iter());
        assert_eq!(far, "; they are `status_quo`, `disrupt`");
    }
}

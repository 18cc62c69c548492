//! `leversim._native`: the Rust side of the Python package. It holds no logic of its own: it
//! checks scenarios with the library's loader and compiler, and runs commands through the same
//! code as the `leversim` binary (`leversim::cli`), so Python and the command line give the
//! same diagnostics and the same numbers. The Python API (`leversim/__init__.py`) wraps it.
//!
//! Every call that reads files or simulates releases the GIL, so other Python threads run
//! meanwhile.

use std::path::Path;

use leversim::diag::{Diagnostics, Severity, render_all};
use leversim::model::{Overrides, compile};
use leversim::scenario::load;
use pyo3::prelude::*;

/// The first error of a scenario, as `(text, file, line, column, code)`: the text is every
/// diagnostic rendered as `leversim validate` prints it; line and column (1-based) are those of
/// the first error. `None` when the scenario has no error (warnings are not errors).
#[pyfunction]
fn diagnose(py: Python<'_>, path: String) -> Option<(String, String, usize, usize, String)> {
    py.detach(|| {
        let loaded = load(Path::new(&path));
        let mut diags = loaded.diags;
        match &loaded.scenario {
            Some(scenario) => {
                compile(scenario, &Overrides::default(), &mut diags);
            }
            None => {
                if let Some(partial) = &loaded.partial {
                    compile(partial, &Overrides::default(), &mut diags);
                }
            }
        }
        diags.sort();
        first_error(&diags, &loaded.sources)
    })
}

fn first_error(
    diags: &Diagnostics,
    sources: &leversim::diag::SourceMap,
) -> Option<(String, String, usize, usize, String)> {
    let error = diags.iter().find(|d| d.severity == Severity::Error)?;
    let text = render_all(diags, sources, false);
    let (file, line, column) = error
        .primary
        .as_ref()
        .and_then(|label| {
            let file = sources.get(label.span.file)?;
            let (line, column) = file.line_col(label.span.start as usize);
            Some((file.path.clone(), line, column))
        })
        .unwrap_or_default();
    Some((text, file, line, column, error.code.as_str().to_string()))
}

/// What a valid scenario contains, as JSON (name, time axis, runs, seed, and the names of its
/// params, levers, stocks, outcomes and bundles).
#[pyfunction]
fn describe(py: Python<'_>, path: String) -> Option<String> {
    py.detach(|| {
        let scenario = load(Path::new(&path)).scenario?;
        let names = |items: Vec<&str>| serde_json::json!(items);
        let value = serde_json::json!({
            "name": scenario.meta.name.value,
            "title": scenario.meta.title,
            "start": scenario.meta.start.value.to_string(),
            "end": scenario.meta.end.value.to_string(),
            "runs": scenario.meta.runs.value,
            "seed": scenario.meta.seed.value,
            "params": names(scenario.params.iter().map(|p| p.name.value.as_str()).collect()),
            "levers": names(scenario.levers.iter().map(|l| l.name.value.as_str()).collect()),
            "stocks": names(scenario.stocks.iter().map(|s| s.name.value.as_str()).collect()),
            "outcomes": names(scenario.outcomes.iter().map(|o| o.name.value.as_str()).collect()),
            "bundles": names(scenario.bundles.iter().map(|b| b.name.value.as_str()).collect()),
        });
        Some(value.to_string())
    })
}

/// Runs a leversim command line (the program's name first) as the binary would, without its
/// Ctrl-C handler; returns `None`, or the exit code and message of a failure.
#[pyfunction]
fn execute(py: Python<'_>, argv: Vec<String>) -> Option<(u8, String)> {
    py.detach(|| leversim::cli::execute(argv).err())
}

/// The `leversim` command: runs `argv` (the program's name first) exactly as the binary does and
/// returns its exit code.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| leversim::cli::main_from(argv))
}

/// The version of leversim inside the package.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(diagnose, m)?)?;
    m.add_function(wrap_pyfunction!(describe, m)?)?;
    m.add_function(wrap_pyfunction!(execute, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}

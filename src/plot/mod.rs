//! Briefing charts drawn from a results folder.
//!
//! [`render_results`] reads a folder written by `leversim run` or `leversim compare` (through
//! [`read`], never from engine types, so `leversim plot DIR` redraws exactly what the command
//! drew) and writes every chart as PNG (1600×900, for slides) and SVG (for print) into
//! `DIR/charts/`:
//!
//! | file | chart | module |
//! |---|---|---|
//! | `fan-<variable>` | median with 50% and 90% bands by month, one panel per bundle; events as the probability that they have happened | [`fan`] |
//! | `fan-all-<variable>` | every bundle's median on one panel, over the reference's 50% and 90% bands (not for events, whose fan chart overlays the bundles already) | [`fan_compare`] |
//! | `fan-diff-<variable>` | each bundle minus the reference, run by run (common random numbers): median, 50% and 90% of the paired differences, and the 95% interval of the mean difference; from `paths.csv`, so only for variables of `[output] paths` | [`fan_compare`] |
//! | `dist-<outcome>` | the distribution over runs, a row per bundle, medians marked, the reference's for comparison; for a probability, bars with 95% intervals (not for an outcome constant within every bundle, such as a cost) | [`distribution`] |
//! | `exceed-<outcome>` | probability that the outcome exceeds x, one line per bundle (not for probabilities, nor constant outcomes) | [`exceedance`] |
//! | `compare-<outcome>` | median, 50% and 90% intervals per bundle, sorted best first, reference marked | [`compare`] |
//! | `cost-effect-<outcome>` | mean cost against mean outcome, one point per bundle (when there is a cost outcome and the outcome has a direction; not in a compare folder, which has `pareto-<outcome>`) | [`compare`] |
//! | `forest-<outcome>` | compare folders: each bundle's mean paired difference from the reference with its 95% interval, ranked best first, with P(better) and ties | [`forest`] |
//! | `pareto-<outcome>` | compare folders with a cost outcome, outcomes with a direction: mean cost against improvement over the reference, the Pareto front joined by a step line, every bundle named | [`pareto`] |
//! | `dashboard` | the key outcomes on one slide (taller than 900 px when many bundles need it) | [`dashboard`] |
//! | `record` | every reported figure of the scenario against the baseline's runs (`summary.json`'s `figures`), a row each, grouped by quantity: the simulated 90% and 50% intervals as multiples of the figure on a log axis, points as diamonds, bounds as ▲ / ▼ (taller than 900 px for many figures) | [`record`] |
//!
//! What is charted comes from the scenario's `[charts]` section (`summary.scenario.charts`);
//! when a list is empty the defaults are: fan charts for every recorded stock and event,
//! charts for every outcome, and the first four outcomes on the dashboard. `[charts] bundles`
//! chooses the bundles of fan, distribution and exceedance charts (default: all); comparisons,
//! cost–effect and the dashboard show every bundle run. Each bundle has one look (colour, dash,
//! mark: [`theme::bundle_style`], via [`Results::style`]) in every chart. `[charts.titles]`
//! replaces the title of a series' fan chart, and the outcome's name in the titles of its
//! charts. The look (palette, fonts, ticks, frame) lives in [`theme`], axes and the chart
//! builder in [`axes`], the placing of point labels in [`labels`].
//!
//! Folders of `leversim sensitivity` (`sensitivity.json`), `leversim sweep` (`sweep.json`) and
//! `leversim calibrate` (`calibration.json`) have their own charts: [`sensitivity`], [`sweep`],
//! [`calibration`]; so have folders of `leversim discover` (`discovery.json`: [`discover`]),
//! `leversim drivers` (`drivers.json`: [`drivers`]) and `leversim robustness`
//! (`robustness.json`: [`robustness`]).

pub mod axes;
pub mod calibration;
pub mod compare;
pub mod dashboard;
pub mod discover;
pub mod distribution;
pub mod drivers;
pub mod exceedance;
pub mod fan;
pub mod fan_compare;
pub mod forest;
pub mod labels;
pub mod numbers;
pub mod options;
pub mod pareto;
pub mod paths;
pub mod pdf;
pub mod read;
pub mod record;
pub mod robustness;
pub mod same;
pub mod sensitivity;
pub mod stem;
pub mod sweep;
pub mod theme;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::output::schema::{Better, OutcomeKind, VariableKind};

pub use options::PlotOptions;
pub use read::{Results, View};

/// Reads the results folder `dir` and writes every chart into `dir/charts/`; returns the files
/// written (PNG and SVG of each chart, in drawing order).
///
/// # Errors
/// When `dir` is not a results folder, a file in it cannot be read, or a chart cannot be
/// drawn or written.
pub fn render_results(dir: &Path) -> Result<Vec<PathBuf>> {
    render_results_with(dir, &PlotOptions::default())
}

/// As [`render_results`], drawing what `options` ask: the bundles and outcomes of
/// `options.view` (run and compare folders), at `options.size`, in `options.formats`.
///
/// # Errors
/// As [`render_results`]; and when `options` name bundles or outcomes for a folder that is
/// not of `run` or `compare`, or names it does not have.
pub fn render_results_with(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>> {
    let output = theme::Output {
        size: options.size,
        formats: options.formats.clone(),
    };
    theme::with_output(&output, || render_folder(dir, &options.view))
}

fn render_folder(dir: &Path, view: &View) -> Result<Vec<PathBuf>> {
    let narrowed = !view.bundles.is_empty() || !view.outcomes.is_empty();
    if narrowed && !dir.join("summary.json").is_file() {
        anyhow::bail!(
            "--bundles and --outcomes choose among the bundles and outcomes of a folder of \
             `leversim run` or `compare`; '{}' is not one",
            dir.display()
        );
    }
    // A folder of `leversim sensitivity` has its own charts.
    if dir.join("sensitivity.json").is_file() && !dir.join("summary.json").is_file() {
        return sensitivity::render_sensitivity(dir);
    }
    // So has a folder of `leversim calibrate`.
    if dir.join("calibration.json").is_file() && !dir.join("summary.json").is_file() {
        return calibration::render_calibration(dir);
    }
    // So has a folder of `leversim discover`.
    if dir.join("discovery.json").is_file() && !dir.join("summary.json").is_file() {
        return discover::render_discovery(dir);
    }
    // So have folders of `leversim drivers` and `leversim robustness`.
    if dir.join("drivers.json").is_file() && !dir.join("summary.json").is_file() {
        return drivers::render_drivers(dir);
    }
    if dir.join("robustness.json").is_file() && !dir.join("summary.json").is_file() {
        return robustness::render_robustness(dir);
    }
    // So has a folder of `leversim sweep`.
    if dir.join("sweep.json").is_file() && !dir.join("summary.json").is_file() {
        return sweep::render_sweep(dir);
    }
    let results = Results::read(dir)?.with_view(view.clone());
    // A folder of `leversim compare` also has the paired differences.
    let comparison = read::read_comparison(dir)?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    let selection = Selection::of(&results);
    // The sampled per-run paths, when `[output] paths` wrote them: difference fan charts.
    let paths = paths::Paths::read(dir)?;
    let mut written = Vec::new();
    for var in &selection.series {
        if results
            .bundles()
            .iter()
            .any(|(_, b)| results.series(&b.name, var).is_some())
        {
            written.extend(theme::save(&fan::FanChart::new(&results, var), &charts)?);
        }
        let is_event = results
            .variable(var)
            .is_some_and(|v| v.kind == VariableKind::Event);
        // An event's fan chart already overlays its bundles.
        if !is_event && fan_compare::OverlayFanChart::applies(&results, var) {
            written.extend(theme::save(
                &fan_compare::OverlayFanChart::new(&results, var),
                &charts,
            )?);
        }
        if let Some(paths) = &paths
            && fan_compare::DiffFanChart::applies(&results, paths, var)
        {
            written.extend(theme::save(
                &fan_compare::DiffFanChart::new(&results, paths, var),
                &charts,
            )?);
        }
    }
    let cost = selection.cost.as_deref();
    for outcome in &selection.outcomes {
        let Some(info) = results.outcome(outcome) else {
            continue;
        };
        // An outcome with one value in every run of each bundle (a bundle's cost) has no
        // distribution to draw: its comparison chart shows the values (issue 14).
        let constant = results.is_constant(&info.name);
        if !constant {
            written.extend(theme::save(
                &distribution::DistributionChart::new(&results, info),
                &charts,
            )?);
        }
        if !constant && info.kind != OutcomeKind::Probability {
            written.extend(theme::save(
                &exceedance::ExceedanceChart::new(&results, info),
                &charts,
            )?);
        }
        written.extend(theme::save(
            &compare::CompareChart::new(&results, info),
            &charts,
        )?);
        if let Some(comparison) = &comparison {
            written.extend(theme::save(
                &forest::ForestChart::new(&results, comparison, info),
                &charts,
            )?);
        }
        let Some(cost) = cost.and_then(|c| results.outcome(c)) else {
            continue;
        };
        // Cost against effect needs an effect with a direction, on an outcome that varies.
        if info.is_cost || info.better == Better::Neither || constant {
            continue;
        }
        match &comparison {
            // With the paired differences, cost against improvement with the Pareto front
            // replaces the plainer cost–effect chart (same axes up to a shift).
            Some(comparison) => {
                if pareto::ParetoChart::applies(comparison, info) {
                    written.extend(theme::save(
                        &pareto::ParetoChart::new(&results, comparison, info, cost),
                        &charts,
                    )?);
                }
            }
            None => written.extend(theme::save(
                &compare::CostEffectChart::new(&results, info, cost),
                &charts,
            )?),
        }
    }
    if !selection.dashboard.is_empty() {
        written.extend(theme::save(
            &dashboard::Dashboard::new(&results, &selection.dashboard),
            &charts,
        )?);
    }
    // The record concerns the baseline's history, not the outcomes `--outcomes` chooses.
    if record::RecordChart::applies(&results) && view.outcomes.is_empty() {
        written.extend(theme::save(&record::RecordChart::new(&results), &charts)?);
    }
    Ok(written)
}

/// Reads (without drawing anything) the files [`render_results`] would chart from, so that a
/// folder that cannot be charted is refused before anything is written.
///
/// # Errors
/// As [`render_results`] for a folder it cannot read.
pub fn check_readable(dir: &Path) -> Result<()> {
    if dir.join("sensitivity.json").is_file() && !dir.join("summary.json").is_file() {
        return read::read_sensitivity(dir).map(drop);
    }
    if dir.join("calibration.json").is_file() && !dir.join("summary.json").is_file() {
        return calibration::CalibrationResults::read(dir).map(drop);
    }
    if dir.join("sweep.json").is_file() && !dir.join("summary.json").is_file() {
        return sweep::read_sweep(dir).map(drop);
    }
    if dir.join("drivers.json").is_file() && !dir.join("summary.json").is_file() {
        return drivers::read_drivers(dir).map(drop);
    }
    if dir.join("robustness.json").is_file() && !dir.join("summary.json").is_file() {
        return robustness::read_robustness(dir).map(drop);
    }
    if dir.join("discovery.json").is_file() && !dir.join("summary.json").is_file() {
        return discover::read_discovery(dir).map(drop);
    }
    Results::read_summary(dir).map(drop)?;
    read::read_comparison(dir).map(drop)
}

/// What gets charted: the scenario's `[charts]` lists, or the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Variables drawn as fan charts.
    pub series: Vec<String>,
    /// Outcomes charted.
    pub outcomes: Vec<String>,
    /// Outcomes on the dashboard.
    pub dashboard: Vec<String>,
    /// The cost outcome, if the scenario has one.
    pub cost: Option<String>,
}

impl Selection {
    /// The selection for a results folder.
    ///
    /// Defaults: fan charts for every recorded stock (what analysts are asked about: shells
    /// delivered, troops deployed) and every recorded event (drawn as the probability that it
    /// has happened by each month); flows and auxiliaries only when `[charts] series` names
    /// them. Every outcome is charted; the dashboard shows the first four charted outcomes.
    pub fn of(results: &Results) -> Selection {
        let charts = &results.summary.scenario.charts;
        let series = if charts.series.is_empty() {
            results
                .summary
                .scenario
                .variables
                .iter()
                .filter(|v| {
                    v.recorded && matches!(v.kind, VariableKind::Stock | VariableKind::Event)
                })
                .map(|v| v.name.clone())
                .collect()
        } else {
            charts.series.clone()
        };
        let outcomes: Vec<String> = if charts.outcomes.is_empty() {
            results
                .summary
                .scenario
                .outcomes
                .iter()
                .map(|o| o.name.clone())
                .collect()
        } else {
            charts.outcomes.clone()
        };
        let dashboard = if charts.dashboard.is_empty() {
            outcomes.iter().take(4).cloned().collect()
        } else {
            charts.dashboard.clone()
        };
        let cost = results
            .summary
            .scenario
            .outcomes
            .iter()
            .find(|o| o.is_cost)
            .map(|o| o.name.clone());
        // `--outcomes` names the outcomes and series drawn, in its order.
        let chosen = &results.view.outcomes;
        let (series, outcomes, dashboard) = if chosen.is_empty() {
            (series, outcomes, dashboard)
        } else {
            let is_outcome = |n: &String| results.outcome(n).is_some();
            let is_series = |n: &String| results.variable(n).is_some_and(|v| v.recorded);
            let outcomes: Vec<String> = chosen.iter().filter(|n| is_outcome(n)).cloned().collect();
            (
                chosen.iter().filter(|n| is_series(n)).cloned().collect(),
                outcomes.clone(),
                outcomes,
            )
        };
        Selection {
            series,
            outcomes,
            dashboard,
            cost,
        }
    }
}

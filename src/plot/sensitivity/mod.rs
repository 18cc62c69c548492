//! Sensitivity charts, drawn from `sensitivity.json` alone (so `leversim plot DIR` redraws them).
//!
//! | file | chart |
//! |---|---|
//! | `tornado-<outcome>` | one-at-a-time swings: a bar per input from the outcome at its low end to the outcome at its high end, the base (all at medians) as a line, largest swing on top |
//! | `sobol-<outcome>` | first-order against total Sobol' index per input, with 95% intervals, largest total on top |
//! | `morris-<outcome>` | Morris mu* against sigma, one labelled point per input |
//! | `sobol-time-<series>` | first-order (top) and total (bottom) indices month by month as stacked areas |

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

mod time;

pub use time::OverTimeChart;

use super::distribution::draw_whisker;
use super::labels::{self, Item, Rect};
use super::read::thousands;
use super::theme::{
    self, Axis, Chart, DrawResult, Frame, INK, LegendItem, MUTED, PALETTE, REFERENCE, Scale,
    Swatch, build_chart, draw_frame, humanize, line_height, padded, size, text_at, text_width,
};
use crate::output::format::human;
use crate::output::schema::{OutcomeSummary, SensitivityRecord, SensitivityReport, ValueKind};

/// Most inputs drawn on a bar chart: more rows than this stop being readable on a slide.
const MAX_ROWS: usize = 14;
/// Most inputs named on a Morris chart (the most important).
const MORRIS_LABELS: usize = 10;
/// Inputs with their own colour on an over-time chart; the rest are summed as "other inputs".
const MAX_BANDS: usize = 6;
/// Colour of "other inputs" and of what the first-order indices leave unexplained.
const GREY: RGBColor = RGBColor(170, 170, 170);
/// Colour of the low end of a swing (Okabe–Ito blue) and of the high end (vermillion).
const LOW: RGBColor = PALETTE[0];
const HIGH: RGBColor = PALETTE[1];

/// Reads `dir/sensitivity.json` and draws every chart into `dir/charts/`.
///
/// # Errors
/// When the report cannot be read or a chart cannot be drawn or written.
pub fn render_sensitivity(dir: &Path) -> Result<Vec<PathBuf>> {
    let report = super::read::read_sensitivity(dir)?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    render_report(&report, &charts)
}

/// Draws every chart of `report` into `charts`: per outcome a tornado (with swings), a Sobol'
/// chart (with indices) and a Morris chart (with effects); per series an over-time chart.
///
/// # Errors
/// When a chart cannot be drawn or written.
pub fn render_report(report: &SensitivityReport, charts: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for o in &report.outcomes {
        let recs = records(report, &o.name);
        // One-at-a-time swings and Morris steps move one input with the others held: a 0/1
        // outcome's mean then often reads "0% → 0%" although Sobol' finds it driven by that
        // input (issue 14). Its tornado and Morris charts are left out; the Sobol' chart, which
        // works on the variance of 0/1 values, says so in its subtitle.
        let zero_one = is_zero_one(o);
        if !zero_one && recs.iter().any(|r| r.swing.is_some_and(|s| s != 0.0)) {
            written.extend(theme::save(&TornadoChart { report, outcome: o }, charts)?);
        }
        if recs.iter().any(|r| r.st.is_some()) {
            written.extend(theme::save(&SobolChart { report, outcome: o }, charts)?);
        }
        if !zero_one && recs.iter().any(|r| r.mu_star.is_some_and(|m| m != 0.0)) {
            written.extend(theme::save(&MorrisChart { report, outcome: o }, charts)?);
        }
    }
    for s in &report.series {
        if report
            .over_time
            .iter()
            .any(|r| r.series == s.name && r.st.is_some())
        {
            written.extend(theme::save(&OverTimeChart { report, series: s }, charts)?);
        }
    }
    Ok(written)
}

/// Whether the outcome is a probability (a 0/1 value per run).
pub fn is_zero_one(o: &OutcomeSummary) -> bool {
    o.kind.value() == ValueKind::Probability
}

fn records<'a>(report: &'a SensitivityReport, outcome: &str) -> Vec<&'a SensitivityRecord> {
    report
        .records
        .iter()
        .filter(|r| r.outcome == outcome)
        .collect()
}

/// An input's name for people, with its swing range when it has one.
fn input_label(report: &SensitivityReport, name: &str, with_range: bool) -> String {
    let Some(i) = report.inputs.iter().find(|i| i.name == name) else {
        return humanize(name);
    };
    // A long label would crowd the plot out (or need cutting mid-word): the name, made
    // readable, is short and is what the analyst wrote in the scenario.
    let label = if i.label.is_empty() || i.label == i.name || i.label.chars().count() > 34 {
        humanize(&i.name)
    } else {
        i.label.clone()
    };
    match (with_range, i.low, i.high) {
        // With the input's unit, so that the range says what moved (issue 14).
        (true, Some(lo), Some(hi)) if !i.unit.is_empty() => {
            format!("{label} ({} to {} {})", human(lo, 2), human(hi, 2), i.unit)
        }
        (true, Some(lo), Some(hi)) => format!("{label} ({} to {})", human(lo, 2), human(hi, 2)),
        _ => label,
    }
}

fn outcome_name(o: &OutcomeSummary) -> String {
    if o.label.is_empty() || o.label == o.name {
        humanize(&o.name)
    } else {
        o.label.clone()
    }
}

fn with_unit(label: &str, o: &OutcomeSummary) -> String {
    match (o.kind.value(), o.unit.as_str()) {
        (ValueKind::Month, _) => format!("{label} (month first reached)"),
        (_, "") => label.to_string(),
        (_, u) => format!("{label} ({u})"),
    }
}

fn scenario_title(report: &SensitivityReport) -> &str {
    if report.scenario.title.is_empty() {
        &report.scenario.name
    } else {
        &report.scenario.title
    }
}

/// `Title · bundle X · <what> · seed S`.
fn subtitle(report: &SensitivityReport, what: &str) -> String {
    format!(
        "{} · bundle: {} · {what} · seed {}",
        scenario_title(report),
        if report.scenario.bundle_label.is_empty()
            || report.scenario.bundle_label == report.manifest.bundle
        {
            humanize(&report.manifest.bundle)
        } else {
            report.scenario.bundle_label.clone()
        },
        report.manifest.provenance.seed
    )
}

/// The scenario's source and how to reproduce the numbers.
fn source_line(report: &SensitivityReport) -> String {
    super::read::source_line(
        &report.manifest.provenance,
        "sensitivity analysis",
        &report.scenario.source,
    )
}

/// Rows are never drawn thicker than a chart of this many would draw them.
const MIN_ROWS: usize = 6;

/// A category axis of `names` (bottom to top) at 0, 1, 2, ..., with empty room above and below
/// when there are fewer than [`MIN_ROWS`], so that one or two bars do not fill the slide.
fn rows_axis(names: Vec<String>) -> Axis {
    let pad = MIN_ROWS.saturating_sub(names.len()) as f64 / 2.0;
    let mut axis = Axis::categories(names, "");
    axis.range = (axis.range.0 - pad, axis.range.1 + pad);
    axis
}

/// Sobol' designs with fewer base points than this are flagged as small. At N = 64 the 95%
/// intervals of the korea-russia indices spanned up to about 90 points (`sobol-p_ssn`,
/// issue 14); intervals narrow as 1/√N, so N = 256 halves them.
pub const SMALL_SOBOL: usize = 256;

/// An index as a percentage for people: one decimal below 10%, none above; estimates within
/// 0.05 points of zero (often slightly negative, by sampling error) as 0%.
pub fn index_percent(v: f64) -> String {
    let pct = v * 100.0;
    if pct.abs() < 0.05 {
        "0%".into()
    } else if pct.abs() < 10.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// `[lo, hi]` of finite values, or `None`.
fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// One-at-a-time swings of one outcome.
pub struct TornadoChart<'a> {
    report: &'a SensitivityReport,
    outcome: &'a OutcomeSummary,
}

impl Chart for TornadoChart<'_> {
    fn stem(&self) -> String {
        format!("tornado-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.report;
        let o = self.outcome;
        let scale = Scale::of(o.kind.value());
        let mut rows: Vec<&SensitivityRecord> = records(r, &o.name)
            .into_iter()
            .filter(|x| x.outcome_low.is_some() && x.outcome_high.is_some())
            .collect();
        let width = |x: &SensitivityRecord| x.swing.map_or(0.0, f64::abs);
        rows.sort_by(|a, b| width(b).total_cmp(&width(a)));
        let total = rows.len();
        // Bars under 1% of the longest are invisible: leave them to the CSV.
        let longest = rows.first().map_or(0.0, |x| width(x));
        rows.retain(|x| width(x) >= 0.01 * longest);
        rows.truncate(MAX_ROWS);
        let base = o.oat_base.unwrap_or(f64::NAN);
        let shown = if rows.len() == total {
            format!("{total} inputs")
        } else if rows.len() == MAX_ROWS {
            format!("the {MAX_ROWS} largest swings of {total} inputs")
        } else {
            format!(
                "{} of {total} inputs move{} it by 1% of the largest swing or more",
                rows.len(),
                if rows.len() == 1 { "s" } else { "" }
            )
        };
        let runs = r.manifest.oat_runs;
        let what = format!(
            "{shown}, each from its 5th to 95th percentile (a lever over its range) with the others at their medians · {} run{} per point",
            thousands(runs as u64),
            if runs == 1 { "" } else { "s" }
        );
        let legend = vec![
            LegendItem::new(
                Swatch::Band {
                    color: LOW,
                    opacity: 1.0,
                },
                "input at its low end",
            ),
            LegendItem::new(
                Swatch::Band {
                    color: HIGH,
                    opacity: 1.0,
                },
                "input at its high end",
            ),
            LegendItem::new(
                Swatch::reference_line(),
                format!("all inputs at their medians: {}", scale.value(base)),
            ),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title: format!("{}: one input at a time", outcome_name(o)),
                subtitle: subtitle(r, &what),
                legend,
                source: source_line(r),
            },
        )?;
        let (lo, hi) = extent(
            rows.iter()
                .flat_map(|x| [x.outcome_low, x.outcome_high])
                .flatten()
                .chain(std::iter::once(base)),
        )
        .unwrap_or((0.0, 1.0));
        let (x0, x1) = padded(lo, hi, 0.04);
        // Room either side for the value labels.
        let room = (x1 - x0) * 0.13;
        let x = Axis::new(
            (x0 - room, x1 + room),
            scale,
            with_unit(&outcome_name(o), o),
            8,
        );
        let names: Vec<String> = rows
            .iter()
            .rev()
            .map(|x| input_label(r, &x.input, true))
            .collect();
        let n = rows.len();
        let mut chart = build_chart(&area, &x, &rows_axis(names), None)?;
        let half = 0.36;
        for (k, row) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            let (Some(low), Some(high)) = (row.outcome_low, row.outcome_high) else {
                continue;
            };
            // The end farther from the base first, so that a non-monotone input (both ends on
            // one side) still shows both.
            let mut ends = [(low, LOW), (high, HIGH)];
            ends.sort_by(|a, b| (b.0 - base).abs().total_cmp(&(a.0 - base).abs()));
            for (v, color) in ends {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(base, yk - half), (v, yk + half)],
                        color.filled(),
                    )))
                    .drawing("a swing")?;
            }
            // Labels outside the bars' ends; when both ends lie on one side of the base (an
            // input that acts non-monotonically), one label names both.
            let same_side = (low - base) * (high - base) >= 0.0;
            let labels: Vec<(f64, String)> = if same_side {
                let far = ends[0].0;
                let text = if low == high {
                    "no change".to_string()
                } else if scale.value(low) == scale.value(high) {
                    format!("both ends {}", scale.value(low))
                } else {
                    format!("low {} · high {}", scale.value(low), scale.value(high))
                };
                vec![(far, text)]
            } else {
                ends.iter().map(|(v, _)| (*v, scale.value(*v))).collect()
            };
            for (v, label) in labels {
                let (dx, h) = if v < base || (v == base && same_side && low < base) {
                    (-10, HPos::Right)
                } else {
                    (10, HPos::Left)
                };
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((v, yk))
                            + Text::new(label, (dx, 0), text_at(size::TICK, &INK, h, VPos::Center)),
                    ))
                    .drawing("a value label")?;
            }
        }
        if base.is_finite() {
            chart
                .draw_series(DashedLineSeries::new(
                    [(base, -0.6), (base, n as f64 - 0.4)],
                    12,
                    8,
                    REFERENCE.stroke_width(3),
                ))
                .drawing("the base line")?;
        }
        Ok(())
    }
}

/// First-order against total Sobol' indices of one outcome.
pub struct SobolChart<'a> {
    report: &'a SensitivityReport,
    outcome: &'a OutcomeSummary,
}

/// Colours of the two indices: Okabe–Ito blue and orange.
const S1_COLOR: RGBColor = PALETTE[0];
const ST_COLOR: RGBColor = PALETTE[4];

impl Chart for SobolChart<'_> {
    fn stem(&self) -> String {
        format!("sobol-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.report;
        let o = self.outcome;
        let m = &r.manifest;
        let mut rows: Vec<&SensitivityRecord> = records(r, &o.name)
            .into_iter()
            .filter(|x| x.st.is_some() || x.s1.is_some())
            .collect();
        let key = |x: &SensitivityRecord| x.st.or(x.s1).unwrap_or(0.0);
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
        let total = rows.len();
        // Inputs below half a percent on both indices do not show as bars.
        rows.retain(|x| key(x) >= 0.005 || x.s1.unwrap_or(0.0) >= 0.005);
        rows.truncate(MAX_ROWS);
        let shown = if rows.len() == total {
            String::new()
        } else if rows.len() == MAX_ROWS {
            format!("the {MAX_ROWS} largest of {total} inputs · ")
        } else {
            format!(
                "{} of {total} inputs ha{} an index of 0.5% or more · ",
                rows.len(),
                if rows.len() == 1 { "s" } else { "ve" }
            )
        };
        let mut what = format!(
            "{shown}N = {} scrambled Sobol' points ({} runs) · {}% intervals from independent scramblings",
            thousands(m.samples as u64),
            thousands(m.samples as u64 * (r.inputs.len() as u64 + 2)),
            (m.confidence * 100.0).round()
        );
        if is_zero_one(o) {
            what += " · a 0/1 outcome: no tornado or Morris chart (one-at-a-time changes of a probability mislead)";
        }
        // Estimates outside 0–100% are sampling error, and small designs make them common:
        // both are said on the chart, not left for the reader to take at face value (issue 14).
        let outside = |v: Option<f64>| v.is_some_and(|v| !(-0.0005..=1.0005).contains(&v));
        let flagged = rows.iter().any(|x| outside(x.s1) || outside(x.st));
        if m.samples < SMALL_SOBOL {
            what += &format!(
                " · small sample (N = {}): indices are rough; raise --samples to {SMALL_SOBOL} or more",
                m.samples
            );
        }
        if flagged {
            what +=
                " · * an estimate below 0% or above 100%: sampling error (true indices lie within)";
        }
        let legend = vec![
            LegendItem::new(
                Swatch::Band {
                    color: S1_COLOR,
                    opacity: 1.0,
                },
                "first order: the input alone",
            ),
            LegendItem::new(
                Swatch::Band {
                    color: ST_COLOR,
                    opacity: 1.0,
                },
                "total: alone and through interactions",
            ),
            LegendItem::new(Swatch::line(INK, 3), "confidence interval"),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "{}: share of variance by input (Sobol' indices)",
                    outcome_name(o)
                ),
                subtitle: subtitle(r, &what),
                legend,
                source: source_line(r),
            },
        )?;
        let (lo, hi) = extent(
            rows.iter()
                .flat_map(|x| {
                    [
                        x.s1,
                        x.st,
                        x.s1_ci_low,
                        x.s1_ci_high,
                        x.st_ci_low,
                        x.st_ci_high,
                    ]
                })
                .flatten(),
        )
        .unwrap_or((0.0, 1.0));
        let x0 = lo.min(0.0);
        let x1 = hi.max(0.1);
        // Room on the right for "alone 37% · total 65%".
        let x1 = x1 + (x1 - x0) * 0.4;
        let mut x = Axis::new(
            (x0 - (x1 - x0) * 0.01, x1),
            Scale::Percent,
            format!("share of the variance of {}", outcome_name(o)),
            8,
        );
        // The room kept for value labels gets no ticks: an index above 100% means nothing.
        let last_tick = hi.max(1.0).min(x1);
        x.ticks.retain(|t| *t <= last_tick + 1e-9);
        let names: Vec<String> = rows
            .iter()
            .rev()
            .map(|x| input_label(r, &x.input, false))
            .collect();
        let n = rows.len();
        let mut chart = build_chart(&area, &x, &rows_axis(names), None)?;
        for (k, row) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            let bars = [
                (row.s1, row.s1_ci_low, row.s1_ci_high, S1_COLOR, 0.19),
                (row.st, row.st_ci_low, row.st_ci_high, ST_COLOR, -0.19),
            ];
            for (v, ci_lo, ci_hi, color, dy) in bars {
                let Some(v) = v else { continue };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, yk + dy - 0.17), (v, yk + dy + 0.17)],
                        color.filled(),
                    )))
                    .drawing("an index")?;
                if let (Some(a), Some(b)) = (ci_lo, ci_hi) {
                    draw_whisker(&mut chart, a, b, yk + dy)?;
                }
            }
            let right = [row.st, row.st_ci_high, row.s1, row.s1_ci_high]
                .into_iter()
                .flatten()
                .fold(0.0, f64::max);
            let pct = |v: Option<f64>| {
                let text = v.map_or_else(|| "–".to_string(), index_percent);
                if outside(v) { format!("{text}*") } else { text }
            };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((right, yk))
                        + Text::new(
                            format!("alone {} · total {}", pct(row.s1), pct(row.st)),
                            (14, 0),
                            text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                        ),
                ))
                .drawing("a value label")?;
        }
        Ok(())
    }
}

/// Morris mu* against sigma for one outcome.
pub struct MorrisChart<'a> {
    report: &'a SensitivityReport,
    outcome: &'a OutcomeSummary,
}

impl Chart for MorrisChart<'_> {
    fn stem(&self) -> String {
        format!("morris-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.report;
        let o = self.outcome;
        let m = &r.manifest;
        let mut points: Vec<(&SensitivityRecord, f64, f64)> = records(r, &o.name)
            .into_iter()
            .filter_map(|x| Some((x, x.mu_star?, x.sigma.unwrap_or(0.0))))
            .collect();
        points.sort_by(|a, b| b.1.total_cmp(&a.1));
        let what = format!(
            "{} trajectories on {} levels ({} runs) · effects per swing of the input from its 5th to 95th percentile",
            thousands(m.trajectories as u64),
            m.levels,
            thousands(m.trajectories as u64 * (r.inputs.len() as u64 + 1))
        );
        let legend = vec![
            LegendItem::new(Swatch::dot(PALETTE[0]), "input"),
            LegendItem::new(
                Swatch::reference_line(),
                "sigma = mu*: above it, non-linear or interacting",
            ),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "{}: importance (mu*) and non-linearity or interaction (sigma) of each input",
                    outcome_name(o)
                ),
                subtitle: subtitle(r, &what),
                legend,
                source: source_line(r),
            },
        )?;
        let scale = match Scale::of(o.kind.value()) {
            Scale::Month => Scale::Number,
            s => s,
        };
        let unit = match o.kind.value() {
            ValueKind::Month => "years".to_string(),
            _ => o.unit.clone(),
        };
        let max = points
            .iter()
            .flat_map(|p| [p.1, p.2])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let max = if max > 0.0 { max * 1.12 } else { 1.0 };
        let desc = |what: &str| {
            if unit.is_empty() {
                what.to_string()
            } else {
                format!("{what} ({unit})")
            }
        };
        let x = Axis::new((0.0, max), scale, desc("mu*, mean absolute effect"), 8);
        let y = Axis::new((0.0, max), scale, desc("sigma, spread of the effects"), 6);
        let mut chart = build_chart(&area, &x, &y, None)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 0.0), (max, max)],
                12,
                8,
                REFERENCE.stroke_width(3),
            ))
            .drawing("the diagonal")?;
        for (_, mu, sigma) in &points {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((*mu, *sigma))
                        + Circle::new((0, 0), 10, WHITE.filled())
                        + Circle::new((0, 0), 8, PALETTE[0].filled()),
                ))
                .drawing("a point")?;
        }
        // The most important inputs are named (not those with next to no effect, which sit
        // at the origin); inputs at the same place share a label. Labels are placed so that
        // none covers another or a point.
        let px: Vec<(i32, i32)> = points
            .iter()
            .map(|(_, mu, sigma)| chart.backend_coord(&(*mu, *sigma)))
            .collect();
        let top_mu = points.first().map_or(0.0, |p| p.1);
        let named = points
            .iter()
            .take(MORRIS_LABELS)
            .take_while(|p| p.1 >= 0.01 * top_mu)
            .count();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for k in 0..named {
            match groups.iter_mut().find(|g| {
                let at = px[g[0]];
                (at.0 - px[k].0).abs() <= 4 && (at.1 - px[k].1).abs() <= 4
            }) {
                Some(g) => g.push(k),
                None => groups.push(vec![k]),
            }
        }
        let texts: Vec<String> = groups
            .iter()
            .map(|g| {
                let names: Vec<String> = g
                    .iter()
                    .map(|&k| input_label(r, &points[k].0.input, false))
                    .collect();
                match names.len() {
                    1 | 2 => names.join(", "),
                    n => format!("{}, {} and {} more", names[0], names[1], n - 2),
                }
            })
            .collect();
        let label_h = line_height(size::TICK) + 6;
        let items: Vec<Item> = groups
            .iter()
            .zip(&texts)
            .map(|(g, t)| Item {
                mark: Rect::around(px[g[0]], (10, 10)),
                size: (text_width(&area, t, size::TICK) + 10, label_h),
            })
            .collect();
        let others: Vec<Rect> = px[named..]
            .iter()
            .map(|p| Rect::around(*p, (10, 10)))
            .collect();
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let bounds = Rect {
            left: xr.start,
            top: yr.start,
            right: xr.end,
            bottom: yr.end,
        };
        let diagonal = {
            // The diagonal as a chain of small boxes, for the labels to keep off it.
            let (a, b) = (
                chart.backend_coord(&(0.0, 0.0)),
                chart.backend_coord(&(max, max)),
            );
            (0..=40)
                .map(|k| {
                    let t = f64::from(k) / 40.0;
                    let at = (
                        a.0 + (t * f64::from(b.0 - a.0)).round() as i32,
                        a.1 + (t * f64::from(b.1 - a.1)).round() as i32,
                    );
                    Rect::around(at, (4, 4))
                })
                .collect::<Vec<_>>()
        };
        let placed = labels::place(&items, &others, &diagonal, bounds);
        for ((g, place), text) in groups.iter().zip(&placed).zip(texts) {
            let (_, mu, sigma) = points[g[0]];
            let at = px[g[0]];
            let rect = place.rect;
            let element = EmptyElement::at((mu, sigma))
                + Rectangle::new(
                    [
                        (rect.left - at.0, rect.top - at.1),
                        (rect.right - at.0, rect.bottom - at.1),
                    ],
                    WHITE.mix(0.8).filled(),
                );
            if let Some((from, to)) = place.leader {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((mu, sigma))
                            + PathElement::new(
                                vec![(from.0 - at.0, from.1 - at.1), (to.0 - at.0, to.1 - at.1)],
                                MUTED.stroke_width(2),
                            ),
                    ))
                    .drawing("a leader line")?;
            }
            chart
                .draw_series(std::iter::once(
                    element
                        + Text::new(
                            text,
                            (rect.left - at.0 + 5, (rect.top + rect.bottom) / 2 - at.1),
                            text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                        ),
                ))
                .drawing("a label")?;
        }
        Ok(())
    }
}

//! The charts of `leversim robustness`, drawn from `robustness.json` only:
//!
//! - `regret-<outcome>`: per bundle, its mean regret (a dark bar), the 90th percentile (a light
//!   bar behind it) and the maximum (a tick), the minimax-regret bundle named as such;
//! - `satisfice`: per bundle, the share of runs meeting each `--satisfice` threshold (and all
//!   of them at once), one bar per condition.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::read::source_line;
use super::theme::{
    self, Chart, DrawResult, Frame, INK, LegendItem, MUTED, PALETTE, Scale, Swatch, draw_frame,
    fit, humanize, nice_ticks, size, text_at,
};
use crate::output::folder::{MAX_JSON_BYTES, read_bounded};
use crate::output::schema::{RegretRecord, RobustnessReport, ValueKind};

/// `robustness.json` of a folder written by `leversim robustness`.
///
/// # Errors
/// When the file is missing, unreadable or not a robustness report.
pub fn read_robustness(dir: &Path) -> Result<RobustnessReport> {
    let path = dir.join("robustness.json");
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a robustness report", path.display()))
}

/// Reads `robustness.json` of `dir` and draws its charts into `dir/charts/`.
///
/// # Errors
/// When the file cannot be read, or a chart cannot be drawn or written.
pub fn render_robustness(dir: &Path) -> Result<Vec<PathBuf>> {
    render_robustness_report(&read_robustness(dir)?, &dir.join("charts"))
}

/// Draws every chart of `report` into `charts` (created if needed).
///
/// # Errors
/// When a chart cannot be drawn or written.
pub fn render_robustness_report(report: &RobustnessReport, charts: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    let mut written = Vec::new();
    for o in &report.scenario.outcomes {
        let records: Vec<&RegretRecord> = report
            .regret
            .iter()
            .filter(|r| r.outcome == o.name)
            .collect();
        if records.iter().any(|r| r.max_regret.is_some()) {
            let chart = RegretChart {
                report,
                label: o.label.clone(),
                name: o.name.clone(),
                unit: o.unit.clone(),
                kind: o.kind.value(),
                records,
            };
            written.extend(theme::save(&chart, charts)?);
        }
    }
    if !report.satisfice.is_empty() {
        written.extend(theme::save(&SatisficeChart { report }, charts)?);
    }
    Ok(written)
}

/// A bundle's label from the scenario, else its name made readable.
fn bundle_label(report: &RobustnessReport, name: &str) -> String {
    report
        .scenario
        .bundles
        .iter()
        .find(|b| b.name == name)
        .map_or_else(|| humanize(name), |b| b.label.clone())
}

fn subtitle(report: &RobustnessReport, what: &str) -> String {
    format!(
        "{} · {} bundles, {} runs compared, seed {} · {what}",
        if report.scenario.title.is_empty() {
            humanize(&report.scenario.name)
        } else {
            report.scenario.title.clone()
        },
        report.bundles.len(),
        report.manifest.runs_compared,
        report.manifest.provenance.seed
    )
}

fn source(report: &RobustnessReport) -> String {
    source_line(
        &report.manifest.provenance,
        "simulation",
        &report.scenario.source,
    )
}

/// How a regret is scaled and written on the axis: percentage points for probabilities and
/// shares, months for months, else the outcome's unit.
fn regret_axis(kind: ValueKind, unit: &str) -> (f64, String) {
    match kind {
        ValueKind::Probability | ValueKind::Share => (100.0, "percentage points".into()),
        ValueKind::Month => (12.0, "months".into()),
        ValueKind::Number if unit.is_empty() => (1.0, String::new()),
        ValueKind::Number => (1.0, unit.to_string()),
    }
}

/// Horizontal bars on rows of labels: the layout both charts share. Returns the x of 0, the
/// pixels per unit, the top of the first row and the row height.
struct Rows {
    x0: i32,
    x1: i32,
    y0: i32,
    row_h: i32,
    hi: f64,
}

impl Rows {
    fn x(&self, v: f64) -> i32 {
        self.x0 + ((v / self.hi).clamp(0.0, 1.0) * f64::from(self.x1 - self.x0)).round() as i32
    }
}

/// Draws row labels, the value axis (ticks from 0 to `hi`, written by `tick`) and returns the
/// layout.
fn rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
    hi: f64,
    axis_title: &str,
    tick: impl Fn(f64) -> String,
) -> Result<Rows> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label_w = (w / 3).min(460);
    let axis_h = 90;
    let n = labels.len().max(3) as i32;
    let row_h = ((h - axis_h) / n).min(110);
    let ticks: Vec<f64> = nice_ticks(0.0, hi, 6);
    let hi = ticks.last().copied().unwrap_or(hi).max(hi);
    let layout = Rows {
        x0: label_w,
        x1: w - 40,
        y0: 0,
        row_h,
        hi,
    };
    for (i, label) in labels.iter().enumerate() {
        let y = layout.y0 + i as i32 * row_h + row_h / 2;
        let shown = fit(area, label, size::TICK, label_w - 20);
        area.draw(&Text::new(
            shown,
            (label_w - 14, y),
            text_at(size::TICK, &INK, HPos::Right, VPos::Center),
        ))
        .drawing("a row label")?;
    }
    let bottom = layout.y0 + labels.len() as i32 * row_h + 6;
    for t in ticks {
        let x = layout.x(t);
        area.draw(&PathElement::new(
            vec![(x, layout.y0), (x, bottom)],
            RGBColor(225, 225, 225).stroke_width(1),
        ))
        .drawing("a grid line")?;
        area.draw(&Text::new(
            tick(t),
            (x, bottom + 8),
            text_at(size::TICK, &INK, HPos::Center, VPos::Top),
        ))
        .drawing("a tick")?;
    }
    area.draw(&PathElement::new(
        vec![(layout.x0, layout.y0), (layout.x0, bottom)],
        INK.stroke_width(2),
    ))
    .drawing("the axis")?;
    area.draw(&Text::new(
        axis_title.to_string(),
        ((layout.x0 + layout.x1) / 2, bottom + 46),
        text_at(size::AXIS, &INK, HPos::Center, VPos::Top),
    ))
    .drawing("the axis title")?;
    Ok(layout)
}

/// Regret of each bundle on one outcome.
struct RegretChart<'a> {
    report: &'a RobustnessReport,
    name: String,
    label: String,
    unit: String,
    kind: ValueKind,
    records: Vec<&'a RegretRecord>,
}

/// Colours of the regret bars: Okabe–Ito blue, its light tint, and ink for the maximum.
const DARK: RGBColor = PALETTE[0];
const LIGHT: RGBColor = RGBColor(166, 206, 227);

impl Chart for RegretChart<'_> {
    fn stem(&self) -> String {
        format!("regret-{}", self.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let better = self.records.first().map_or("lower", |r| r.better.as_str());
        // When every bundle ties for the smallest maximum (a 0/1 outcome, where some world
        // always goes against each bundle), naming them all would say nothing.
        let all_tie = self.records.iter().all(|r| r.minimax);
        let minimax_words = if all_tie {
            "every bundle has the same maximum regret: no minimax choice"
        } else {
            "the minimax-regret bundle has the smallest maximum"
        };
        let frame = Frame {
            title: format!(
                "{}: regret of each bundle, its shortfall from the best bundle in the same world",
                self.label
            ),
            subtitle: subtitle(self.report, &format!("{better} is better; {minimax_words}")),
            legend: vec![
                LegendItem::new(Swatch::line(DARK, 14), "mean regret"),
                LegendItem::new(Swatch::line(LIGHT, 14), "90th percentile"),
                LegendItem::new(Swatch::line(INK, 3), "maximum"),
            ],
            source: source(self.report),
        };
        let area = draw_frame(root, &frame)?;
        let (scale, unit) = regret_axis(self.kind, &self.unit);
        let hi = self
            .records
            .iter()
            .filter_map(|r| r.max_regret)
            .fold(0.0, f64::max)
            * scale;
        let labels: Vec<String> = self
            .records
            .iter()
            .map(|r| {
                let label = bundle_label(self.report, &r.bundle);
                if r.minimax && !all_tie {
                    format!("{label} (minimax regret)")
                } else {
                    label
                }
            })
            .collect();
        let title = if unit.is_empty() {
            "regret".to_string()
        } else {
            format!("regret ({unit})")
        };
        let fmt = |v: f64| Scale::Number.tick(v);
        let layout = rows(&area, &labels, hi.max(f64::MIN_POSITIVE), &title, fmt)?;
        for (i, r) in self.records.iter().enumerate() {
            let top = layout.y0 + i as i32 * layout.row_h;
            let mid = top + layout.row_h / 2;
            let half = (layout.row_h / 4).max(6);
            if let Some(p90) = r.p90_regret {
                area.draw(&Rectangle::new(
                    [(layout.x0, mid - half), (layout.x(p90 * scale), mid + half)],
                    LIGHT.filled(),
                ))
                .drawing("a 90th percentile")?;
            }
            if let Some(mean) = r.mean_regret {
                area.draw(&Rectangle::new(
                    [
                        (layout.x0, mid - half / 2),
                        (layout.x(mean * scale), mid + half / 2),
                    ],
                    DARK.filled(),
                ))
                .drawing("a mean regret")?;
            }
            if let Some(max) = r.max_regret {
                let x = layout.x(max * scale);
                area.draw(&PathElement::new(
                    vec![(x, mid - half - 4), (x, mid + half + 4)],
                    INK.stroke_width(3),
                ))
                .drawing("a maximum")?;
            }
            let words = format!(
                "mean {} · best in {:.0}% of runs",
                Scale::Number.tick(r.mean_regret.unwrap_or(0.0) * scale),
                r.best_share.unwrap_or(0.0) * 100.0
            );
            area.draw(&Text::new(
                words,
                (layout.x0 + 8, mid + half + 6),
                text_at(size::SOURCE, &MUTED, HPos::Left, VPos::Top),
            ))
            .drawing("a bar's note")?;
        }
        Ok(())
    }
}

/// The share of runs meeting each threshold, per bundle.
struct SatisficeChart<'a> {
    report: &'a RobustnessReport,
}

impl Chart for SatisficeChart<'_> {
    fn stem(&self) -> String {
        "satisfice".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.report;
        let mut conditions: Vec<&str> = Vec::new();
        for s in &r.satisfice {
            if !conditions.contains(&s.condition.as_str()) {
                conditions.push(&s.condition);
            }
        }
        let colour = |c: usize| PALETTE[c % PALETTE.len()];
        let frame = Frame {
            title: "Share of runs in which each bundle meets the thresholds".into(),
            subtitle: subtitle(r, "a run meets a threshold when its outcome satisfies it"),
            legend: conditions
                .iter()
                .enumerate()
                .map(|(c, name)| {
                    let words = if *name == "all" {
                        "all thresholds at once".to_string()
                    } else {
                        (*name).to_string()
                    };
                    LegendItem::new(Swatch::line(colour(c), 14), words)
                })
                .collect(),
            source: source(r),
        };
        let area = draw_frame(root, &frame)?;
        let labels: Vec<String> = r.bundles.iter().map(|b| bundle_label(r, b)).collect();
        let layout = rows(&area, &labels, 1.0, "share of runs", |v| {
            format!("{:.0}%", v * 100.0)
        })?;
        let k = conditions.len() as i32;
        for (i, b) in r.bundles.iter().enumerate() {
            let top = layout.y0 + i as i32 * layout.row_h + layout.row_h / 8;
            let bar_h = (layout.row_h * 3 / 4 / k.max(1)).max(4);
            for (c, name) in conditions.iter().enumerate() {
                let Some(s) = r
                    .satisfice
                    .iter()
                    .find(|s| s.bundle == *b && s.condition == *name)
                else {
                    continue;
                };
                let y = top + c as i32 * bar_h;
                area.draw(&Rectangle::new(
                    [(layout.x0, y), (layout.x(s.share), y + bar_h - 2)],
                    colour(c).filled(),
                ))
                .drawing("a share")?;
                area.draw(&Text::new(
                    format!("{:.1}%", s.share * 100.0),
                    (layout.x(s.share) + 6, y + bar_h / 2),
                    text_at(
                        // Readable even when three or more bars share a row.
                        (bar_h + 4).clamp(18, size::SOURCE as i32) as u32,
                        &INK,
                        HPos::Left,
                        VPos::Center,
                    ),
                ))
                .drawing("a share's value")?;
            }
        }
        Ok(())
    }
}

//! The feature-score heat map of `leversim drivers`: inputs × outcomes, one chart per bundle
//! (`drivers-<bundle>`), drawn from `drivers.json` only.
//!
//! Rows are the inputs with the highest score for some outcome (at most [`TOP_ROWS`], best
//! first; the subtitle says how many of how many are shown, and all are in `drivers.csv`);
//! columns the outcomes, in scenario order, labelled vertically so that fifteen fit. A cell's
//! shade is its score on one sequential blue scale (ColorBrewer "Blues", which readers with any
//! common colour-vision deficiency read as lighter or darker), with the score written in it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::read::source_line;
use super::theme::{
    self, Chart, DrawResult, Frame, INK, MUTED, draw_frame, fit, humanize, line_height, size, text,
    text_at, text_width, wrap,
};
use crate::output::folder::{MAX_JSON_BYTES, read_bounded};
use crate::output::schema::{DriversRecord, DriversReport, InputKind};

/// Most inputs shown as rows: 20 rows stay readable on a slide; the rest are in the CSV.
pub const TOP_ROWS: usize = 20;

/// `drivers.json` of a folder written by `leversim drivers`.
///
/// # Errors
/// When the file is missing, unreadable or not a drivers report.
pub fn read_drivers(dir: &Path) -> Result<DriversReport> {
    let path = dir.join("drivers.json");
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a drivers report", path.display()))
}

/// Reads `drivers.json` of `dir` and draws its charts into `dir/charts/`.
///
/// # Errors
/// When the file cannot be read, or a chart cannot be drawn or written.
pub fn render_drivers(dir: &Path) -> Result<Vec<PathBuf>> {
    render_drivers_report(&read_drivers(dir)?, &dir.join("charts"))
}

/// Draws one heat map per bundle of `report` into `charts` (created if needed).
///
/// # Errors
/// When a chart cannot be drawn or written.
pub fn render_drivers_report(report: &DriversReport, charts: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    let mut written = Vec::new();
    for bundle in &report.bundles {
        let chart = HeatMap::new(report, bundle);
        if !chart.rows.is_empty() && !chart.columns.is_empty() {
            written.extend(theme::save(&chart, charts)?);
        }
    }
    Ok(written)
}

/// The shade of a score `v` on a scale from 0 to `top`: ColorBrewer Blues from its lightest
/// (#f7fbff) to its darkest (#08306b), linear in between.
pub fn shade(v: f64, top: f64) -> RGBColor {
    let t = if top > 0.0 {
        (v / top).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

/// A score as the cell shows it: whole percent; empty below 0.5% (which would read as 0%),
/// so that the inputs that matter stand out from the many that only fit noise.
pub fn cell_text(v: f64) -> String {
    if v < 0.005 {
        String::new()
    } else {
        format!("{:.0}%", v * 100.0)
    }
}

/// The heat map of one bundle.
struct HeatMap<'a> {
    report: &'a DriversReport,
    bundle: &'a str,
    /// Input indices shown, best first.
    rows: Vec<usize>,
    /// Outcome names and labels, scenario order.
    columns: Vec<(String, String)>,
    /// `scores[row][column]`, `None` where an outcome has no scores.
    scores: Vec<Vec<Option<f64>>>,
    /// The top of the colour scale.
    top: f64,
}

impl<'a> HeatMap<'a> {
    fn new(report: &'a DriversReport, bundle: &'a str) -> HeatMap<'a> {
        let columns: Vec<(String, String)> = report
            .outcomes
            .iter()
            .filter(|o| o.bundle == bundle)
            .map(|o| (o.name.clone(), o.label.clone()))
            .collect();
        let score = |input: &str, outcome: &str| -> Option<f64> {
            report
                .records
                .iter()
                .find(|r: &&DriversRecord| {
                    r.bundle == bundle && r.outcome == outcome && r.input == input
                })
                .and_then(|r| r.score)
        };
        let all: Vec<Vec<Option<f64>>> = report
            .inputs
            .iter()
            .map(|i| columns.iter().map(|(o, _)| score(&i.name, o)).collect())
            .collect();
        let best = |i: usize| all[i].iter().flatten().copied().fold(0.0, f64::max);
        let mut order: Vec<usize> = (0..report.inputs.len()).collect();
        order.sort_by(|&a, &b| best(b).total_cmp(&best(a)).then(a.cmp(&b)));
        order.truncate(TOP_ROWS);
        let top = order.first().map_or(0.0, |&i| best(i));
        // The scale's top: the largest score, up to a whole 10%, so the legend reads plainly.
        let top = ((top * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
        let scores = order.iter().map(|&i| all[i].clone()).collect();
        HeatMap {
            report,
            bundle,
            rows: order,
            columns,
            scores,
            top,
        }
    }

    fn frame(&self) -> Frame {
        let r = self.report;
        let bundle_label = r
            .scenario
            .bundles
            .iter()
            .find(|b| b.name == self.bundle)
            .map_or_else(|| humanize(self.bundle), |b| b.label.clone());
        let runs = r
            .outcomes
            .iter()
            .filter(|o| o.bundle == self.bundle)
            .map(|o| o.runs)
            .max()
            .unwrap_or(0);
        let shown = if self.rows.len() < r.inputs.len() {
            format!(
                "the {} of {} inputs with the highest score for some outcome (all in drivers.csv)",
                self.rows.len(),
                r.inputs.len()
            )
        } else {
            format!("all {} inputs", r.inputs.len())
        };
        Frame {
            title: "What drives each outcome: share of each outcome's explained variation by input"
                .into(),
            subtitle: format!(
                "{} · bundle: {bundle_label} · {runs} runs, seed {} · {shown}; each column sums to 100% over all inputs; scores under 0.5% left blank",
                if r.scenario.title.is_empty() {
                    humanize(&r.scenario.name)
                } else {
                    r.scenario.title.clone()
                },
                r.manifest.provenance.seed
            ),
            legend: Vec::new(),
            source: format!(
                "{} Scores: extremely randomised trees on the outcome's rank ({} trees).",
                source_line(&r.manifest.provenance, "simulation", &r.scenario.source),
                r.manifest.trees
            ),
        }
    }
}

impl Chart for HeatMap<'_> {
    fn stem(&self) -> String {
        format!("drivers-{}", self.bundle)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = draw_frame(root, &self.frame())?;
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        // Layout: row labels on the left, the colour key on the right, outcome labels above.
        let key_w = 150;
        let label_w = (w / 3).min(520);
        let header_h = (h / 3).clamp(120, 260);
        let grid_w = w - label_w - key_w - 20;
        let grid_h = h - header_h - 8;
        let n_cols = self.columns.len() as i32;
        let n_rows = self.rows.len() as i32;
        let cell_w = (grid_w / n_cols).min(200);
        let cell_h = (grid_h / n_rows.max(8)).min(70);
        let x0 = label_w;
        let y0 = header_h;
        let cell_font = (cell_h as f64 * 0.62).clamp(16.0, f64::from(size::TICK)) as u32;
        let label_font = (cell_h as f64 * 0.72).clamp(16.0, f64::from(size::TICK)) as u32;
        // Outcome labels, vertical, bottom-aligned just above their column, on up to two
        // lines side by side (the second shortened with an ellipsis if need be).
        for (c, (_, label)) in self.columns.iter().enumerate() {
            let x = x0 + c as i32 * cell_w + cell_w / 2;
            let font = label_font.min((cell_w as f64 * 0.42) as u32).max(14);
            let room = header_h - 12;
            let mut lines = wrap(&area, label, font, room);
            if lines.len() > 2 {
                let rest = lines[1..].join(" ");
                lines = vec![lines[0].clone(), fit(&area, &rest, font, room)];
            }
            let step = line_height(font);
            let first = x - (lines.len() as i32 - 1) * step / 2;
            for (k, line) in lines.into_iter().enumerate() {
                let style = text(font, &INK)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                area.draw(&Text::new(line, (first + k as i32 * step, y0 - 8), style))
                    .drawing("an outcome label")?;
            }
        }
        for (r, &i) in self.rows.iter().enumerate() {
            let input = &self.report.inputs[i];
            let y = y0 + r as i32 * cell_h;
            let kind = match input.kind {
                InputKind::Lever => " (lever)",
                _ => "",
            };
            let label = fit(
                &area,
                &format!("{}{kind}", input.label),
                label_font,
                label_w - 16,
            );
            area.draw(&Text::new(
                label,
                (x0 - 12, y + cell_h / 2),
                text_at(label_font, &INK, HPos::Right, VPos::Center),
            ))
            .drawing("an input label")?;
            for (c, v) in self.scores[r].iter().enumerate() {
                let x = x0 + c as i32 * cell_w;
                let (fill, words, ink) = match v {
                    Some(v) => {
                        let fill = shade(*v, self.top);
                        let ink = if *v / self.top > 0.55 { WHITE } else { INK };
                        (fill, cell_text(*v), ink)
                    }
                    None => (RGBColor(235, 235, 235), "–".to_string(), MUTED),
                };
                area.draw(&Rectangle::new(
                    [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                    fill.filled(),
                ))
                .drawing("a cell")?;
                if !words.is_empty() && text_width(&area, &words, cell_font) < cell_w - 6 {
                    area.draw(&Text::new(
                        words,
                        (x + cell_w / 2 - 1, y + cell_h / 2 - 1),
                        text_at(cell_font, &ink, HPos::Center, VPos::Center),
                    ))
                    .drawing("a cell's score")?;
                }
            }
        }
        // The colour key: a vertical bar from 0 to the top of the scale, with ticks.
        let kx = x0 + n_cols * cell_w + 40;
        let k_h = (n_rows * cell_h).clamp(160, 420);
        let steps = 50;
        for s in 0..steps {
            let v0 = self.top * f64::from(s) / f64::from(steps);
            let ya = y0 + k_h - (k_h * (s + 1)) / steps;
            let yb = y0 + k_h - (k_h * s) / steps;
            area.draw(&Rectangle::new(
                [(kx, ya), (kx + 28, yb)],
                shade(v0, self.top).filled(),
            ))
            .drawing("the colour key")?;
        }
        area.draw(&Rectangle::new(
            [(kx, y0), (kx + 28, y0 + k_h)],
            INK.stroke_width(1),
        ))
        .drawing("the colour key")?;
        let ticks = 5;
        for t in 0..=ticks {
            let v = self.top * f64::from(t) / f64::from(ticks);
            let y = y0 + k_h - (k_h * t) / ticks;
            area.draw(&Text::new(
                format!("{:.0}%", v * 100.0),
                (kx + 36, y),
                text_at(size::TICK, &INK, HPos::Left, VPos::Center),
            ))
            .drawing("the colour key's ticks")?;
        }
        area.draw(&Text::new(
            "score",
            (kx, y0 - 14),
            text_at(size::AXIS, &INK, HPos::Left, VPos::Bottom),
        ))
        .drawing("the colour key's title")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_run_from_lightest_to_darkest_blue() {
        assert_eq!(shade(0.0, 0.5), RGBColor(247, 251, 255));
        assert_eq!(shade(0.5, 0.5), RGBColor(8, 48, 107));
        assert_eq!(shade(0.9, 0.5), RGBColor(8, 48, 107));
        assert_eq!(shade(0.25, 0.5), RGBColor(128, 150, 181));
        assert_eq!(cell_text(0.0), "");
        assert_eq!(cell_text(0.004), "");
        assert_eq!(cell_text(0.006), "1%");
        assert_eq!(cell_text(0.426), "43%");
    }
}

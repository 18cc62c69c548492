//! The record chart: every reported figure of the scenario (`summary.json`'s `figures`) against
//! the baseline bundle's runs, one row per figure.
//!
//! Figures report quantities in many units (shells, containers, dollars, troops), so each row
//! is drawn as a multiple of its reported figure on one log axis: ×1 is the report, the bars are
//! the simulated 90% and 50% intervals divided by it. A point is a diamond at ×1; a lower bound
//! ▲ and an upper bound ▼ (the glyphs of the fan charts); a range both, at its ends, measured
//! from the middle of the range (its geometric mean). Rows are grouped by the quantity they
//! report, as the calibration chart groups its panels ([`quantity_groups`]), and labelled by
//! the figure's id, month and value; an id is orange where the runs do not reproduce the figure
//! (a point outside the 90% interval, a bound or range the median misses).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::calibration::{Group, quantity_groups};
use super::fan::{draw_bound_mark, draw_observations};
use super::read::Results;
use super::theme::{
    self, Axis, Chart, DrawResult, Frame, INK, LegendItem, MUTED, PALETTE, REFERENCE, SIZE, Scale,
    Swatch, build_chart, draw_frame, fit, frame_insets, measure, padded, size, text_at, text_width,
};
use crate::output::format::human;
use crate::output::schema::FigureRecord;

/// Colour of the simulated intervals.
const SIMULATED: RGBColor = PALETTE[0];
/// Colour of an id whose figure the runs do not reproduce.
const MISS: RGBColor = PALETTE[1];
/// Height of a figure's row, pixels.
const ROW: i32 = 30;
/// Height of a group's caption line, pixels.
const HEAD: i32 = 28;
/// Font size of captions and row labels.
const FONT: u32 = size::SOURCE;
/// Ratios beyond 10^±LIMIT are drawn at the edge.
const LIMIT: f64 = 3.0;
/// Gap between columns, pixels.
const GAP: i32 = 40;
/// Height of the x axis under each column (ticks and description), pixels.
const AXIS_H: i32 = 90;

/// One line of a column: a group's caption, or a figure's row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Line {
    /// Index into the groups.
    Head(usize),
    /// Index into the figures.
    Figure(usize),
}

impl Line {
    fn height(self) -> i32 {
        match self {
            Line::Head(_) => HEAD,
            Line::Figure(_) => ROW,
        }
    }
}

/// Every reported figure against the baseline's runs.
pub struct RecordChart<'a> {
    results: &'a Results,
    groups: Vec<Group>,
    columns: Vec<Vec<Line>>,
}

impl<'a> RecordChart<'a> {
    /// Whether the folder has figures to draw.
    pub fn applies(results: &Results) -> bool {
        !results.summary.figures.is_empty()
    }

    /// The chart of the folder's figures.
    pub fn new(results: &'a Results) -> RecordChart<'a> {
        let figures = &results.summary.figures;
        let groups = quantity_groups(
            figures
                .iter()
                .map(|f| (f.variable.as_deref(), f.target.as_str(), f.unit.as_str())),
        );
        // Within a group, in the order of their months (then as written).
        let blocks: Vec<Vec<Line>> = groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let mut members = group.members.clone();
                members.sort_by(|a, b| figures[*a].month.cmp(&figures[*b].month));
                std::iter::once(Line::Head(g))
                    .chain(members.into_iter().map(Line::Figure))
                    .collect()
            })
            .collect();
        let columns = columns(&blocks, column_count(figures.len()));
        RecordChart {
            results,
            groups,
            columns,
        }
    }

    fn frame(&self) -> Frame {
        let r = self.results;
        let s = &r.summary;
        let figures = &s.figures;
        let baseline = figures
            .first()
            .map_or_else(|| s.scenario.baseline.clone(), |f| f.bundle.clone());
        let reproduced = figures.iter().filter(|f| f.reproduced()).count();
        let title = if s.scenario.title.is_empty() {
            &s.scenario.name
        } else {
            &s.scenario.title
        };
        Frame {
            title: format!(
                "The record: {reproduced} of {} reported figures reproduced by {}",
                figures.len(),
                r.bundle_label(&baseline)
            ),
            subtitle: format!(
                "{title} · {} runs each · seed {} · what the runs give for each figure, as a multiple of the figure (log scale)",
                super::read::thousands(s.manifest.provenance.runs),
                s.manifest.provenance.seed
            ),
            legend: vec![
                LegendItem::new(
                    Swatch::Band {
                        color: SIMULATED,
                        opacity: 0.35,
                    },
                    "simulated 90%",
                ),
                LegendItem::new(
                    Swatch::Band {
                        color: SIMULATED,
                        opacity: 0.85,
                    },
                    "simulated 50%, white: median",
                ),
                LegendItem::new(Swatch::Diamond, "reported value"),
                LegendItem::new(
                    Swatch::Dot {
                        color: INK,
                        marker: theme::Marker::Triangle,
                    },
                    "▲ at least, ▼ at most (a range: both)",
                ),
                LegendItem::new(
                    Swatch::line(MISS, 4),
                    "orange id: not reproduced (outside the 90%, or the median misses the bound)",
                ),
            ],
            source: r.source_line(),
        }
    }

    /// Height of the tallest column, pixels.
    fn content_height(&self) -> i32 {
        self.columns
            .iter()
            .map(|c| c.iter().map(|l| l.height()).sum::<i32>())
            .max()
            .unwrap_or(ROW)
    }
}

/// Columns for `n` figures: one for a few, three for many (a row stays readable and the chart
/// near a slide's shape).
fn column_count(n: usize) -> usize {
    match n {
        0..=12 => 1,
        13..=28 => 2,
        _ => 3,
    }
}

/// Blocks (a group's caption and rows, never split) laid into `count` columns of about equal
/// height, in order.
fn columns(blocks: &[Vec<Line>], count: usize) -> Vec<Vec<Line>> {
    let height = |b: &Vec<Line>| b.iter().map(|l| l.height()).sum::<i32>();
    let total: i32 = blocks.iter().map(height).sum();
    let mut out: Vec<Vec<Line>> = vec![Vec::new()];
    let mut filled = 0;
    for (k, block) in blocks.iter().enumerate() {
        let h = height(block);
        let left = count - out.len();
        // Start the next column when this block would pass the column's share by more than
        // half of itself (and columns remain; the remaining blocks must not outnumber them).
        let target = total * out.len() as i32 / count as i32;
        let started = out.last().is_some_and(|c| !c.is_empty());
        if left > 0 && started && (filled + h / 2 > target || blocks.len() - k <= left) {
            out.push(Vec::new());
        }
        filled += h;
        if let Some(column) = out.last_mut() {
            column.extend(block.iter().copied());
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// What the ratios are taken of: the value, the bound, or the middle of a range (geometric
/// for ranges above zero).
fn reference(f: &FigureRecord) -> Option<f64> {
    let r = match f.figure.as_str() {
        "point" => f.value?,
        "min" => f.low?,
        "max" => f.high?,
        _ => {
            let (a, b) = (f.low?, f.high?);
            if a > 0.0 && b > 0.0 {
                (a * b).sqrt()
            } else {
                0.5 * (a + b)
            }
        }
    };
    (r != 0.0 && r.is_finite()).then_some(r)
}

/// log10(v / r), within ±[`LIMIT`]; a ratio at or below zero (a value of the other sign) at
/// the lower limit.
fn log_ratio(v: f64, r: f64) -> Option<f64> {
    let q = v / r;
    if q.is_nan() {
        None
    } else if q <= 0.0 {
        Some(-LIMIT)
    } else {
        Some(q.log10().clamp(-LIMIT, LIMIT))
    }
}

/// A figure as its row says it: `= 1M`, `≥ 10k`, `≤ 5.5`, `4M–6M`.
fn figure_text(f: &FigureRecord) -> String {
    let n = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| human(v, 3));
    match f.figure.as_str() {
        "point" => n(f.value),
        "min" => format!("≥ {}", n(f.low)),
        "max" => format!("≤ {}", n(f.high)),
        _ => format!("{}–{}", n(f.low), n(f.high)),
    }
}

/// A row's label: id, month and figure (the month once: an id the scenario did not give is
/// `variable@month` already).
fn row_label(f: &FigureRecord) -> String {
    if f.id.ends_with(&format!("@{}", f.month)) {
        format!("{}  {}", f.id, figure_text(f))
    } else {
        format!("{}  {}  {}", f.id, f.month, figure_text(f))
    }
}

impl Chart for RecordChart<'_> {
    fn stem(&self) -> String {
        "record".into()
    }

    fn size(&self) -> (u32, u32) {
        let (top, bottom) = measure(SIZE.0, |area| frame_insets(area, &self.frame()));
        let h = top + bottom + self.content_height() + AXIS_H + 16;
        (SIZE.0, (h.max(0) as u32).max(SIZE.1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let figures = &self.results.summary.figures;
        let area = draw_frame(root, &self.frame())?;
        let (w, _) = area.dim_in_pixel();
        let cols = self.columns.len().max(1) as i32;
        let col_w = (w as i32 - GAP * (cols - 1)) / cols;
        // One x range for every column, so that rows compare across the chart.
        let mut span: Vec<f64> = vec![0.0];
        for f in figures {
            let Some(r) = reference(f) else { continue };
            span.extend(
                [f.p05, f.p95, f.low, f.high]
                    .into_iter()
                    .flatten()
                    .filter_map(|v| log_ratio(v, r)),
            );
        }
        let lo = span.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = span.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (x0, x1) = padded(lo, hi, 0.05);
        let top = f64::from(self.content_height());
        for (c, lines) in self.columns.iter().enumerate() {
            let column = area.clone().shrink(
                (c as i32 * (col_w + GAP), 0),
                (col_w.max(1) as u32, area.dim_in_pixel().1),
            );
            let label_w = lines
                .iter()
                .filter_map(|l| match l {
                    Line::Figure(j) => Some(text_width(&column, &row_label(&figures[*j]), FONT)),
                    Line::Head(_) => None,
                })
                .max()
                .unwrap_or(0)
                + 16;
            let plot_area = column.margin(0, 0, label_w, 0);
            let plot_w = col_w - label_w;
            let x = Axis::new(
                (x0, x1),
                Scale::Ratio,
                "simulated ÷ reported",
                (plot_w as usize / 90).clamp(2, 7),
            );
            let mut y = Axis::new((0.0, top), Scale::Number, "", 2)
                .unlabelled()
                .without_grid();
            y.ticks.clear();
            let mut chart = build_chart(&plot_area, &x, &y, None)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, top)],
                    REFERENCE.stroke_width(2),
                )))
                .drawing("the line of the reports")?;
            let base_y = column.get_base_pixel().1;
            let mut offset = 0;
            for line in lines {
                let centre = top - f64::from(offset + line.height() / 2);
                let py = chart.backend_coord(&(x0, centre)).1 - base_y;
                match *line {
                    Line::Head(g) => {
                        let group = &self.groups[g];
                        let caption = if group.unit.is_empty() {
                            group.caption.clone()
                        } else {
                            format!("{} ({})", group.caption, group.unit)
                        };
                        // A white strip under the caption interrupts the grid: the groups
                        // read as blocks.
                        let (xr, _) = chart.plotting_area().get_pixel_range();
                        let strip = [
                            (xr.start - column.get_base_pixel().0, py - HEAD / 2 + 2),
                            (xr.end - column.get_base_pixel().0, py + HEAD / 2),
                        ];
                        column
                            .draw(&Rectangle::new(strip, WHITE.filled()))
                            .drawing("a group's strip")?;
                        column
                            .draw(&PathElement::new(
                                vec![(0, py - HEAD / 2 + 1), (col_w, py - HEAD / 2 + 1)],
                                INK.mix(0.2).stroke_width(1),
                            ))
                            .drawing("a group's rule")?;
                        column
                            .draw(&Text::new(
                                fit(&column, &caption, FONT, col_w),
                                (0, py + 2),
                                text_at(FONT, &MUTED, HPos::Left, VPos::Center),
                            ))
                            .drawing("a group's caption")?;
                    }
                    Line::Figure(j) => {
                        let f = &figures[j];
                        let color = if f.reproduced() { INK } else { MISS };
                        column
                            .draw(&Text::new(
                                row_label(f),
                                (4, py),
                                text_at(FONT, &color, HPos::Left, VPos::Center),
                            ))
                            .drawing("a figure's label")?;
                        draw_row(&mut chart, f, centre, (x0, x1))?;
                    }
                }
                offset += line.height();
            }
        }
        Ok(())
    }
}

/// A figure's row at height `y`: the simulated intervals, the median, the report.
fn draw_row<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    f: &FigureRecord,
    y: f64,
    (x0, x1): (f64, f64),
) -> Result<()> {
    let Some(r) = reference(f) else {
        return Ok(());
    };
    let at = |v: Option<f64>| v.and_then(|v| log_ratio(v, r)).map(|x| x.clamp(x0, x1));
    for ((a, b), half, opacity) in [((f.p05, f.p95), 4, 0.35), ((f.p25, f.p75), 8, 0.85)] {
        if let (Some(a), Some(b)) = (at(a), at(b)) {
            let dx = chart.backend_coord(&(b, y)).0 - chart.backend_coord(&(a, y)).0;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((a, y))
                        + Rectangle::new(
                            [(0, -half), (dx.max(2), half)],
                            SIMULATED.mix(opacity).filled(),
                        ),
                ))
                .drawing("a simulated interval")?;
        }
    }
    if let Some(m) = at(f.p50) {
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((m, y))
                    + PathElement::new(vec![(0, -9), (0, 9)], WHITE.stroke_width(3)),
            ))
            .drawing("a median")?;
    }
    match f.figure.as_str() {
        "point" => draw_observations(chart, &[(0.0, y)])?,
        "min" => draw_bound_mark(chart, (0.0, y), true)?,
        "max" => draw_bound_mark(chart, (0.0, y), false)?,
        _ => {
            if let (Some(a), Some(b)) = (at(f.low), at(f.high)) {
                chart
                    .draw_series(LineSeries::new([(a, y), (b, y)], INK.stroke_width(3)))
                    .drawing("a reported range")?;
                draw_bound_mark(chart, (a, y), true)?;
                draw_bound_mark(chart, (b, y), false)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_groups_whole_and_balance_heights() {
        let block = |g: usize, n: usize| -> Vec<Line> {
            std::iter::once(Line::Head(g))
                .chain((0..n).map(|k| Line::Figure(g * 10 + k)))
                .collect()
        };
        let blocks: Vec<Vec<Line>> = [3, 1, 4, 1, 5, 2, 6, 1, 2]
            .iter()
            .enumerate()
            .map(|(g, &n)| block(g, n))
            .collect();
        let cols = columns(&blocks, 3);
        assert_eq!(cols.len(), 3);
        // Every line once, in order.
        let flat: Vec<Line> = cols.iter().flatten().copied().collect();
        let expected: Vec<Line> = blocks.iter().flatten().copied().collect();
        assert_eq!(flat, expected);
        // Each column starts with a caption (groups are never split).
        assert!(cols.iter().all(|c| matches!(c[0], Line::Head(_))));
        let heights: Vec<i32> = cols
            .iter()
            .map(|c| c.iter().map(|l| l.height()).sum())
            .collect();
        let (lo, hi) = (heights.iter().min().unwrap(), heights.iter().max().unwrap());
        // Within the largest block of each other.
        assert!(hi - lo <= HEAD + 6 * ROW, "{heights:?}");
        // Fewer blocks than columns: one column each.
        assert_eq!(columns(&blocks[..2], 3).len(), 2);
    }

    #[test]
    fn ratios_are_taken_of_the_figure() {
        assert!((log_ratio(2e6, 1e6).unwrap() - 2f64.log10()).abs() < 1e-12);
        assert_eq!(log_ratio(-1.0, 5.0), Some(-LIMIT));
        assert_eq!(log_ratio(1e9, 1.0), Some(LIMIT));
        let mut f = FigureRecord {
            bundle: "b".into(),
            id: "A08".into(),
            role: "fit".into(),
            target: "x".into(),
            variable: None,
            unit: String::new(),
            month: "2025-03".into(),
            figure: "range".into(),
            value: None,
            low: Some(4e6),
            high: Some(9e6),
            stated_p05: None,
            stated_p95: None,
            n: 10,
            p05: None,
            p25: None,
            p50: None,
            p75: None,
            p95: None,
            inside: true,
            met: Some(false),
            p_met: None,
            rel_error: None,
            source: String::new(),
            note: String::new(),
        };
        assert!((reference(&f).unwrap() - 6e6).abs() < 1e-6);
        assert_eq!(figure_text(&f), "4M–9M");
        assert!(!f.reproduced());
        f.figure = "min".into();
        assert_eq!(reference(&f), Some(4e6));
        assert_eq!(figure_text(&f), "≥ 4M");
    }
}

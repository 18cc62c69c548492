//! Fan charts: a recorded series over calendar months, the median with the ranges that hold
//! 50% and 90% of runs.
//!
//! Overlaid fans hide each other from three bundles on, so each bundle gets its own panel
//! (small multiples with a shared y axis, fewer y ticks when panels are short), and the panels
//! of other bundles carry the reference bundle's median as a dashed grey line for comparison.
//! The bundles drawn are the scenario's `[charts] bundles`, or all. Reported figures
//! (observations) are black diamonds at their months, reported bounds triangles (▲ at least,
//! ▼ at most). A share (unit `share`) is drawn in percent. An event is 0 or 1 in every run, so
//! its percentiles say nothing: it is drawn instead as the share of runs in which it has
//! happened by each month, one line per bundle.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::read::{Results, SeriesPoint, label_of, variable_label};
use super::same::drop_same;
use super::theme::{
    self, Axis, Caption, Chart, DrawResult, Frame, INK, LegendItem, REFERENCE, Scale, Swatch,
    build_chart, draw_frame, padded,
};
use crate::output::schema::{BundleInfo, VariableKind};

/// Opacity of the 90% band.
const OUTER: f64 = 0.16;
/// Opacity of the 50% band (drawn over the 90% band, so it reads darker).
const INNER: f64 = 0.34;

/// A fan chart of one recorded variable.
pub struct FanChart<'a> {
    results: &'a Results,
    var: String,
}

impl<'a> FanChart<'a> {
    /// The fan chart of `var`.
    pub fn new(results: &'a Results, var: &str) -> FanChart<'a> {
        FanChart {
            results,
            var: var.to_string(),
        }
    }

    fn label(&self) -> String {
        self.results
            .variable(&self.var)
            .map_or_else(|| theme::humanize(&self.var), variable_label)
    }

    fn unit(&self) -> String {
        self.results
            .variable(&self.var)
            .map(|v| v.unit.clone())
            .unwrap_or_default()
    }

    fn is_event(&self) -> bool {
        self.results
            .variable(&self.var)
            .is_some_and(|v| v.kind == VariableKind::Event)
    }

    /// Reported figures for this variable: (decimal year, value), each once.
    fn observations(&self) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for o in &self.results.summary.observations {
            if o.variable != self.var {
                continue;
            }
            let Ok(month) = crate::output::schema::Month::parse(&o.month) else {
                continue;
            };
            let point = (month.decimal_year(), o.observed);
            if !out.contains(&point) {
                out.push(point);
            }
        }
        out
    }

    /// Bounds and ranges reported for this variable: (decimal year, lower, upper).
    fn bounds(&self) -> Vec<Bound> {
        self.results
            .summary
            .bounds
            .iter()
            .filter(|b| b.variable == self.var)
            .filter_map(|b| {
                let month = crate::output::schema::Month::parse(&b.month).ok()?;
                Some((month.decimal_year(), b.low, b.high))
            })
            .collect()
    }

    /// The bundles drawn that have this series: (position, bundle, series).
    fn bundles(&self) -> Vec<(usize, BundleInfo, &'a [SeriesPoint])> {
        let r = self.results;
        r.charted_bundles()
            .into_iter()
            .filter_map(|(i, b)| r.series(&b.name, &self.var).map(|s| (i, b, s)))
            .collect()
    }

    fn draw_fans<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let bundles = self.bundles();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        // A bundle whose series equals the reference's gets no panel of its own.
        let (bundles, same) = drop_same(r, bundles, |b| r.same_series(b, &self.var));
        let observations = self.observations();
        let bounds = self.bounds();
        // The reference median is drawn in the other panels even when the reference bundle has
        // no panel of its own.
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| b.name == r.reference())
            .and_then(|(_, b)| r.series(&b.name, &self.var).map(|s| (label_of(&b), s)));
        let unit = self.unit();
        let label = if unit.is_empty() {
            self.label()
        } else {
            format!("{} ({unit})", self.label())
        };
        let (title, subtitle) = r.titles(
            &self.stem(),
            &self.var,
            &label,
            "median and the ranges of the middle 50% and 90% of runs, by month",
            r.subtitle_of(&shown),
        );
        let mut legend = vec![
            LegendItem::new(Swatch::line(INK, 4), "median"),
            LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: OUTER + INNER * (1.0 - OUTER),
                },
                "50% of runs",
            ),
            LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: OUTER,
                },
                "90% of runs",
            ),
        ];
        if bundles.iter().any(|(_, b, _)| b.name != r.reference())
            && let Some((label, _)) = &reference
        {
            legend.push(LegendItem::new(
                Swatch::reference_line(),
                format!("median of {label} (reference)"),
            ));
        }
        if !observations.is_empty() {
            legend.push(LegendItem::new(Swatch::Diamond, "reported figure"));
        }
        if !bounds.is_empty() {
            legend.push(LegendItem::new(
                Swatch::Dot {
                    color: INK,
                    marker: theme::Marker::Triangle,
                },
                "reported bound: ≥ at least (upside down: ≤ at most)",
            ));
        }
        let levers_start = r.levers_start();
        if let Some(t) = levers_start {
            legend.push(levers_item(t));
        }
        legend.extend(same.legend_item());
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;

        let drawn = bundles
            .iter()
            .map(|(_, _, s)| *s)
            .chain(reference.iter().map(|(_, s)| *s));
        let (t0, t1) = drawn
            .clone()
            .flat_map(|s| s.iter().map(|p| p.t))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
                (a.min(t), b.max(t))
            });
        let (mut lo, mut hi) = bundles
            .iter()
            .flat_map(|(_, _, s)| s.iter().flat_map(|p| [p.p[0], p.p[4], p.p[2]]))
            .chain(reference.iter().flat_map(|(_, s)| s.iter().map(|p| p.p[2])))
            .chain(observations.iter().map(|o| o.1))
            .chain(
                bounds
                    .iter()
                    .flat_map(|&(_, low, high)| low.into_iter().chain(high)),
            )
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if lo >= 0.0 {
            lo = 0.0;
        }
        let (_, hi) = padded(lo, hi, 0.04);
        let (t0, t1) = if t1 > t0 {
            (t0, t1)
        } else {
            padded(t0, t0, 0.0)
        };

        let n = bundles.len();
        // The unit; the title names the variable. A share is drawn in percent (its ticks say so).
        let value = super::numbers::scale_of_unit(&unit);
        let y_desc = unit.clone();
        let (w, h) = area.dim_in_pixel();
        // Column 0 is wider by the y axis labels so that every panel's plot has the same width.
        let y_label_w = |y: &Axis| theme::left_width(&area, y) - 8;
        let x_label_h =
            theme::line_height(theme::size::TICK) + 14 + theme::line_height(theme::size::AXIS) + 8
                - 8;
        let gap = 28;
        let panel_w = |y: &Axis, cols: usize| {
            (w as i32 - y_label_w(y) - gap * (cols as i32 - 1)) / cols as i32
        };
        let panel_h = |rows: usize| (h as i32 - x_label_h - gap * (rows as i32 - 1)) / rows as i32;
        // Panel titles may wrap; every panel reserves as many lines as the longest, so that
        // plots side by side line up on the shared y axis.
        let caption_lines = |y: &Axis, cols: usize| {
            if n < 2 {
                return 0;
            }
            let probe = area.margin(0, 0, 0, (w as i32 - panel_w(y, cols)).max(0));
            let unlabelled = y.clone().unlabelled();
            bundles
                .iter()
                .map(|(_, b, _)| theme::caption_lines(&probe, &unlabelled, &label_of(b)).len())
                .max()
                .unwrap_or(1)
        };
        let plot_h = |y: &Axis, rows: usize, cols: usize| {
            panel_h(rows)
                - caption_lines(y, cols) as i32 * theme::line_height(theme::size::PANEL)
                - 16
        };
        // The grid whose plots are largest at a time series' shape (about twice as wide as
        // tall): the smaller of half the plot width and the plot height, at its best.
        let first = Axis::new((lo, hi), value, y_desc.clone(), 7);
        let cols = (1..=n.max(1))
            .max_by_key(|&cols| {
                let rows = n.div_ceil(cols).max(1);
                let score = (panel_w(&first, cols) / 2).min(plot_h(&first, rows, cols));
                // Ties go to fewer columns.
                (score, std::cmp::Reverse(cols))
            })
            .unwrap_or(1);
        let rows = n.div_ceil(cols).max(1);
        // About one y tick per 42 px of plot height, so short panels do not crowd their labels.
        let y_axis = Axis::new(
            (lo, hi),
            value,
            y_desc,
            (plot_h(&first, rows, cols) / 42).clamp(2, 7) as usize,
        );
        let caption_lines = caption_lines(&y_axis, cols);
        let (label_w, panel_w, panel_h) =
            (y_label_w(&y_axis), panel_w(&y_axis, cols), panel_h(rows));
        let x_ticks = (panel_w / 90).clamp(3, 9) as usize;
        let x_axis = Axis::new((t0, t1), Scale::Month, "month", x_ticks);
        for (k, (index, bundle, series)) in bundles.iter().enumerate() {
            let (row, col) = (k / cols, k % cols);
            // Month labels go under the lowest panel of each column only: every plot has the
            // same height, so the shared y axis means the same in every panel.
            let lowest = k + cols >= n;
            let x0 = if col == 0 {
                0
            } else {
                label_w + col as i32 * (panel_w + gap)
            };
            let y0 = row as i32 * (panel_h + gap);
            let width = panel_w + if col == 0 { label_w } else { 0 };
            let height = panel_h + if lowest { x_label_h } else { 0 };
            let panel = area
                .clone()
                .shrink((x0, y0), (width.max(1) as u32, height.max(1) as u32));
            let x = if lowest {
                x_axis.clone()
            } else {
                x_axis.clone().unlabelled()
            };
            let y = if col == 0 {
                y_axis.clone()
            } else {
                y_axis.clone().unlabelled()
            };
            let color = r.style(*index).color;
            let caption = (bundles.len() > 1).then(|| label_of(bundle));
            let caption = caption.as_deref().map(|text| Caption {
                text,
                color,
                lines: caption_lines,
                size: crate::plot::theme::size::PANEL,
            });
            let mut chart = build_chart(&panel, &x, &y, caption)?;
            if let Some(t) = levers_start {
                draw_levers_line(&mut chart, t, (lo, hi))?;
            }
            draw_band(&mut chart, series, 0, 4, color.mix(OUTER))?;
            draw_band(&mut chart, series, 1, 3, color.mix(INNER))?;
            if bundle.name != r.reference()
                && let Some((_, reference)) = &reference
            {
                chart
                    .draw_series(DashedLineSeries::new(
                        reference.iter().map(|p| (p.t, p.p[2])),
                        12,
                        8,
                        REFERENCE.stroke_width(3),
                    ))
                    .drawing("the reference median")?;
            }
            chart
                .draw_series(LineSeries::new(
                    series.iter().map(|p| (p.t, p.p[2])),
                    color.stroke_width(4),
                ))
                .drawing("the median")?;
            draw_observations(&mut chart, &observations)?;
            draw_bounds(&mut chart, &bounds)?;
        }
        Ok(())
    }

    fn draw_event<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let bundles = self.bundles();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        // A bundle whose line equals the reference's is named once in the legend, not drawn.
        let (bundles, same_as_reference) = drop_same(r, bundles, |b| r.same_series(b, &self.var));
        let (title, subtitle) = r.titles(
            &self.stem(),
            &self.var,
            &self.label(),
            "share of runs in which it has happened, by month",
            r.subtitle_of(&shown),
        );
        let same = theme::coinciding(
            &bundles
                .iter()
                .map(|(_, b, s)| {
                    let means: Vec<f64> = s.iter().map(|p| p.mean).collect();
                    (means, b.name == r.reference())
                })
                .collect::<Vec<_>>(),
        );
        let legend: Vec<LegendItem> = bundles
            .iter()
            .zip(&same)
            .map(|((i, b, s), same)| {
                let last = s.last().map_or(f64::NAN, |p| p.mean);
                let month = s.last().map_or(f64::NAN, |p| p.t);
                let reference = b.name == r.reference();
                let same = same.map_or_else(String::new, |j| {
                    format!(" (same as {})", label_of(&bundles[j].1))
                });
                LegendItem::new(
                    Swatch::bundle_line(r.style(*i)),
                    format!(
                        "{}{}: {} by {}{same}",
                        label_of(b),
                        if reference { " (reference)" } else { "" },
                        Scale::Percent.value(last),
                        Scale::Month.value(month)
                    ),
                )
            })
            .collect();
        let mut legend = legend;
        legend.extend(same_as_reference.legend_item());
        let levers_start = r.levers_start();
        if let Some(t) = levers_start {
            legend.push(levers_item(t));
        }
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        let (t0, t1) = bundles
            .iter()
            .flat_map(|(_, _, s)| s.iter().map(|p| p.t))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
                (a.min(t), b.max(t))
            });
        let (t0, t1) = if t1 > t0 {
            (t0, t1)
        } else {
            padded(t0, t0, 0.0)
        };
        let top = bundles
            .iter()
            .flat_map(|(_, _, s)| s.iter().map(|p| p.mean))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        // Round the top up to a tick so the highest line is not pressed against the frame.
        let top = if top >= 0.9 {
            1.0
        } else {
            ((top * 1.08) * 10.0).ceil() / 10.0
        }
        .max(0.1);
        let x = Axis::new((t0, t1), Scale::Month, "month", 9);
        let y = Axis::new((0.0, top), Scale::Percent, "share of runs", 6);
        let mut chart = build_chart(&area, &x, &y, None)?;
        if let Some(t) = levers_start {
            draw_levers_line(&mut chart, t, (0.0, top))?;
        }
        for ((i, _, s), look) in theme::overlay(bundles, |(i, _, _)| r.style(*i)) {
            let points = s.iter().map(|p| (p.t, p.mean)).collect();
            theme::draw_line(&mut chart, points, r.style(i).color, look)?;
        }
        Ok(())
    }
}

impl Chart for FanChart<'_> {
    fn stem(&self) -> String {
        format!("fan-{}", self.var)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        if self.is_event() {
            self.draw_event(root)
        } else {
            self.draw_fans(root)
        }
    }
}

/// The legend entry of the line where the levers start.
pub(crate) fn levers_item(t: f64) -> LegendItem {
    LegendItem::new(
        Swatch::Line {
            color: REFERENCE,
            width: 2,
            dash: theme::Dash::Dotted,
        },
        format!("levers act from {}", Scale::Month.value(t)),
    )
}

/// A dotted vertical line at `t` (where the levers start) from `y.0` to `y.1`: before it every
/// bundle follows the same history.
pub(crate) fn draw_levers_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    t: f64,
    y: (f64, f64),
) -> Result<()> {
    chart
        .draw_series(DashedLineSeries::new(
            [(t, y.0), (t, y.1)],
            4,
            6,
            REFERENCE.stroke_width(2),
        ))
        .drawing("the line where the levers start")?;
    Ok(())
}

/// Fills the band between percentiles `lo` and `hi` (indices into [`SeriesPoint::p`]).
fn draw_band<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    series: &[SeriesPoint],
    lo: usize,
    hi: usize,
    style: RGBAColor,
) -> Result<()> {
    let points: Vec<(f64, f64)> = series
        .iter()
        .map(|p| (p.t, p.p[lo]))
        .chain(series.iter().rev().map(|p| (p.t, p.p[hi])))
        .filter(|(_, v)| v.is_finite())
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(points, style.filled())))
        .drawing("a band")?;
    Ok(())
}

/// A reported bound or range: (decimal year, lower bound, upper bound).
type Bound = (f64, Option<f64>, Option<f64>);

/// Reported bounds as black triangles with a white rim: ▲ at a lower bound ("at least"), ▼ at
/// an upper bound ("at most"); a range gets both, joined by a line.
fn draw_bounds<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    bounds: &[Bound],
) -> Result<()> {
    for &(t, low, high) in bounds {
        if let (Some(a), Some(b)) = (low, high) {
            chart
                .draw_series(LineSeries::new([(t, a), (t, b)], INK.stroke_width(3)))
                .drawing("a reported range")?;
        }
        for (value, at_least) in [(low, true), (high, false)] {
            if let Some(value) = value.filter(|v| v.is_finite()) {
                draw_bound_mark(chart, (t, value), at_least)?;
            }
        }
    }
    Ok(())
}

/// One reported bound at `at`: a black triangle with a white rim, ▲ for "at least"
/// (`at_least`), ▼ for "at most"; its base on the bound, its tip pointing where the truth lies.
pub(crate) fn draw_bound_mark<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    at: (f64, f64),
    at_least: bool,
) -> Result<()> {
    let shape = if at_least {
        [(0, -14), (10, 0), (-10, 0)]
    } else {
        [(0, 14), (10, 0), (-10, 0)]
    };
    let rim: Vec<(i32, i32)> = shape
        .iter()
        .map(|&(x, y)| (x * 14 / 10, y * 14 / 10))
        .collect();
    chart
        .draw_series(std::iter::once(
            EmptyElement::at(at) + Polygon::new(rim, WHITE.filled()),
        ))
        .drawing("a reported bound")?;
    chart
        .draw_series(std::iter::once(
            EmptyElement::at(at) + Polygon::new(shape.to_vec(), INK.filled()),
        ))
        .drawing("a reported bound")?;
    Ok(())
}

/// Reported figures as black diamonds with a white rim.
pub(crate) fn draw_observations<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    observations: &[(f64, f64)],
) -> Result<()> {
    for (r, color) in [(14, WHITE), (10, BLACK)] {
        chart
            .draw_series(observations.iter().map(|&at| {
                EmptyElement::at(at)
                    + Polygon::new(vec![(0, -r), (r, 0), (0, r), (-r, 0)], color.filled())
            }))
            .drawing("a reported figure")?;
    }
    Ok(())
}

//! Fan charts that compare bundles on one series: the overlay (every bundle's median on one
//! panel, over the reference's bands) and the difference fan (each bundle minus the reference,
//! run by run, with bands of the paired differences).
//!
//! Beside the small multiples of [`super::fan`], the overlay shows at a glance how far the
//! bundles' medians part; the difference fan shows what the levers change in the same worlds
//! (common random numbers), which the bands of the separate fans hide: two wide, overlapping
//! fans can hold a difference that is small in spread and sure in sign. The difference bands
//! need the per-run paths (`paths.csv`, written for the variables of `[output] paths`); they
//! are drawn over the runs sampled there, and the chart says how many.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::fan::{draw_levers_line, draw_observations, levers_item};
use super::numbers::ValueFormat;
use super::paths::{DiffPoint, Paths};
use super::read::{Results, SeriesPoint, label_of, thousands, variable_label};
use super::same::drop_same;
use super::theme::{
    self, Axis, Caption, Chart, Dash, DrawResult, Frame, INK, LegendItem, REFERENCE, Scale, Swatch,
    build_chart, draw_frame, padded,
};
use crate::output::schema::BundleInfo;

/// Opacity of a 90% band.
const OUTER: f64 = 0.16;
/// Opacity of a 50% band.
const INNER: f64 = 0.34;

fn label(results: &Results, var: &str) -> (String, String) {
    let info = results.variable(var);
    let name = info.map_or_else(|| theme::humanize(var), variable_label);
    let unit = info.map(|v| v.unit.clone()).unwrap_or_default();
    (name, unit)
}

fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// Fills the band between `lo` and `hi` over `t`.
fn band<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    points: &[(f64, f64, f64)],
    style: RGBAColor,
) -> Result<()> {
    let outline: Vec<(f64, f64)> = points
        .iter()
        .map(|&(t, lo, _)| (t, lo))
        .chain(points.iter().rev().map(|&(t, _, hi)| (t, hi)))
        .filter(|(_, v)| v.is_finite())
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(outline, style.filled())))
        .drawing("a band")?;
    Ok(())
}

/// The range of finite values, `(0, 1)` when there are none.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

/// Every chosen bundle's median of one series on one panel, over the reference's bands.
pub struct OverlayFanChart<'a> {
    results: &'a Results,
    var: String,
}

impl<'a> OverlayFanChart<'a> {
    /// The overlay fan chart of `var`.
    pub fn new(results: &'a Results, var: &str) -> OverlayFanChart<'a> {
        OverlayFanChart {
            results,
            var: var.to_string(),
        }
    }

    /// Whether it has something to show: at least two bundles with the series.
    pub fn applies(results: &Results, var: &str) -> bool {
        results
            .charted_bundles()
            .iter()
            .filter(|(_, b)| results.series(&b.name, var).is_some())
            .count()
            >= 2
    }
}

impl Chart for OverlayFanChart<'_> {
    fn stem(&self) -> String {
        format!("fan-all-{}", self.var)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let bundles: Vec<(usize, BundleInfo, &[SeriesPoint])> = r
            .charted_bundles()
            .into_iter()
            .filter_map(|(i, b)| r.series(&b.name, &self.var).map(|s| (i, b, s)))
            .collect();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        let (bundles, same) = drop_same(r, bundles, |b| r.same_series(b, &self.var));
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| b.name == r.reference())
            .and_then(|(_, b)| r.series(&b.name, &self.var).map(|s| (label_of(&b), s)));
        let (name, unit) = label(r, &self.var);
        let value = super::numbers::scale_of_unit(&unit);
        // The legend reads like the lines' right ends: the reference first, then the others
        // from the highest final median down.
        let mut order: Vec<&(usize, BundleInfo, &[SeriesPoint])> = bundles.iter().collect();
        let end = |s: &[SeriesPoint]| s.last().map_or(f64::NAN, |p| p.p[2]);
        order.sort_by(|a, b| {
            (b.1.name == r.reference())
                .cmp(&(a.1.name == r.reference()))
                .then(end(b.2).total_cmp(&end(a.2)))
        });
        let format = ValueFormat::for_values(value, bundles.iter().map(|(_, _, s)| end(s)));
        let mut legend: Vec<LegendItem> = order
            .into_iter()
            .map(|(i, b, s)| {
                let (i, s) = (*i, *s);
                let last = s.last();
                let end = last.map_or(f64::NAN, |p| p.p[2]);
                let month = last.map_or(f64::NAN, |p| p.t);
                let tag = if b.name == r.reference() {
                    " (reference)"
                } else {
                    ""
                };
                LegendItem::new(
                    Swatch::bundle_line(r.style(i)),
                    format!(
                        "{}{tag}: {} in {}",
                        label_of(b),
                        format.format(end),
                        Scale::Month.value(month)
                    ),
                )
            })
            .collect();
        if let Some((label, _)) = &reference {
            legend.push(LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: OUTER + INNER * (1.0 - OUTER),
                },
                format!("{label}: 50% of runs"),
            ));
            legend.push(LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: OUTER,
                },
                format!("{label}: 90% of runs"),
            ));
        }
        let levers_start = r.levers_start();
        legend.extend(levers_start.map(levers_item));
        legend.extend(same.legend_item());
        let (title, subtitle) = r.titles(
            &self.stem(),
            &self.var,
            &with_unit(&name, &unit),
            "median of each bundle, by month",
            r.subtitle_of(&shown),
        );
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        let (t0, t1) = extent(bundles.iter().flat_map(|(_, _, s)| s.iter().map(|p| p.t)));
        let (mut lo, hi) = extent(
            bundles
                .iter()
                .flat_map(|(_, _, s)| s.iter().map(|p| p.p[2]))
                .chain(
                    reference
                        .iter()
                        .flat_map(|(_, s)| s.iter().flat_map(|p| [p.p[0], p.p[4]])),
                ),
        );
        if lo >= 0.0 {
            lo = 0.0;
        }
        let (_, hi) = padded(lo, hi, 0.04);
        let x = Axis::new((t0, t1), Scale::Month, "month", 9);
        let y = Axis::new((lo, hi), value, unit.clone(), 7);
        let mut chart = build_chart(&area, &x, &y, None)?;
        if let Some((_, s)) = &reference {
            let pts = |a: usize, b: usize| -> Vec<(f64, f64, f64)> {
                s.iter().map(|p| (p.t, p.p[a], p.p[b])).collect()
            };
            band(&mut chart, &pts(0, 4), INK.mix(OUTER * 0.6))?;
            band(&mut chart, &pts(1, 3), INK.mix(INNER * 0.5))?;
        }
        if let Some(t) = levers_start {
            draw_levers_line(&mut chart, t, (lo, hi))?;
        }
        for ((i, _, s), look) in theme::overlay(bundles, |(i, _, _)| r.style(*i)) {
            let points = s.iter().map(|p| (p.t, p.p[2])).collect();
            theme::draw_line(&mut chart, points, r.style(i).color, look)?;
        }
        let observations: Vec<(f64, f64)> = r
            .summary
            .observations
            .iter()
            .filter(|o| o.variable == self.var)
            .filter_map(|o| {
                crate::output::schema::Month::parse(&o.month)
                    .ok()
                    .map(|m| (m.decimal_year(), o.observed))
            })
            .collect();
        draw_observations(&mut chart, &observations)?;
        Ok(())
    }
}

/// A bundle's panel: its position, the bundle, its differences from the reference by month.
type Panel = (usize, BundleInfo, Vec<DiffPoint>);

/// Each bundle minus the reference, run by run, by month: a panel per bundle.
pub struct DiffFanChart<'a> {
    results: &'a Results,
    paths: &'a Paths,
    var: String,
}

impl<'a> DiffFanChart<'a> {
    /// The difference fan chart of `var`, from the sampled `paths`.
    pub fn new(results: &'a Results, paths: &'a Paths, var: &str) -> DiffFanChart<'a> {
        DiffFanChart {
            results,
            paths,
            var: var.to_string(),
        }
    }

    /// Whether it can be drawn: the reference and another charted bundle have sampled paths
    /// of the series.
    pub fn applies(results: &Results, paths: &Paths, var: &str) -> bool {
        let reference = results.reference();
        paths.has(reference, var)
            && results
                .charted_bundles()
                .iter()
                .any(|(_, b)| b.name != reference && paths.has(&b.name, var))
    }

    /// The bundles drawn with their differences; those identical to the reference (every
    /// difference zero) are counted apart.
    fn panels(&self) -> (Vec<Panel>, Vec<BundleInfo>) {
        let r = self.results;
        let reference = r.reference();
        let mut identical = Vec::new();
        let mut panels = Vec::new();
        for (i, b) in r.charted_bundles() {
            if b.name == reference {
                continue;
            }
            let Some(d) = self.paths.differences(&b.name, reference, &self.var) else {
                continue;
            };
            if d.iter().all(|p| p.p.iter().all(|v| *v == 0.0)) {
                identical.push(b);
            } else {
                panels.push((i, b, d));
            }
        }
        (panels, identical)
    }
}

impl Chart for DiffFanChart<'_> {
    fn stem(&self) -> String {
        format!("fan-diff-{}", self.var)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let reference = r.bundle_label(r.reference());
        let (panels, identical) = self.panels();
        let (name, unit) = label(r, &self.var);
        let sampled = self.paths.sampled(r.reference(), &self.var);
        let shown: Vec<(usize, BundleInfo)> = r
            .charted_bundles()
            .into_iter()
            .filter(|(_, b)| self.paths.has(&b.name, &self.var))
            .collect();
        let subtitle = format!(
            "{} · differences in the same runs (common random numbers), over the {} runs \
             sampled in paths.csv",
            r.subtitle_of(&shown),
            thousands(sampled as u64)
        );
        let (title, subtitle) = r.titles(
            &self.stem(),
            &self.var,
            &with_unit(&name, &unit),
            &format!("difference from {reference}, run by run, by month"),
            subtitle,
        );
        let mut legend = vec![
            LegendItem::new(Swatch::line(INK, 4), "median difference"),
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
            LegendItem::new(
                Swatch::Line {
                    color: INK,
                    width: 1,
                    dash: Dash::Solid,
                },
                "95% interval of the mean difference (simulation precision)",
            ),
            LegendItem::new(
                Swatch::reference_line(),
                format!("no difference from {reference} (reference)"),
            ),
        ];
        let levers_start = r.levers_start();
        legend.extend(levers_start.map(levers_item));
        if !identical.is_empty() {
            let same = super::same::Same {
                reference: reference.clone(),
                labels: identical.iter().map(label_of).collect(),
            };
            legend.extend(same.legend_item());
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
        let months = &self.paths.months;
        let (t0, t1) = extent(months.iter().copied());
        // Before the levers act every difference is zero by construction: the axis starts a
        // year before them, so the months where they differ get the width.
        let t0 = levers_start.map_or(t0, |t| t0.max(t - 1.0));
        let (lo, hi) = extent(panels.iter().flat_map(|(_, _, d)| {
            d.iter()
                .flat_map(|p| [p.p[0], p.p[4], p.mean - 1.96 * p.se, p.mean + 1.96 * p.se])
        }));
        let (lo, hi) = padded(lo.min(0.0), hi.max(0.0), 0.05);
        let n = panels.len().max(1);
        let cols = match n {
            1..=3 => n,
            4 => 2,
            5 | 6 => 3,
            7..=9 => 3,
            _ => 4,
        };
        let rows = n.div_ceil(cols);
        let (w, h) = area.dim_in_pixel();
        let gap = 28;
        let y_probe = Axis::new((lo, hi), Scale::Signed, unit.clone(), 5);
        let label_w = theme::left_width(&area, &y_probe) - 8;
        let x_label_h =
            theme::line_height(theme::size::TICK) + 14 + theme::line_height(theme::size::AXIS);
        let panel_w = (w as i32 - label_w - gap * (cols as i32 - 1)) / cols as i32;
        let panel_h = (h as i32 - x_label_h - gap * (rows as i32 - 1)) / rows as i32;
        let caption_lines = panels
            .iter()
            .map(|(_, b, _)| {
                let probe = area.margin(0, 0, 0, (w as i32 - panel_w).max(0));
                theme::caption_lines(&probe, &y_probe.clone().unlabelled(), &label_of(b)).len()
            })
            .max()
            .unwrap_or(1);
        let plot_h = panel_h - caption_lines as i32 * theme::line_height(theme::size::PANEL) - 16;
        let y_axis = Axis::new(
            (lo, hi),
            Scale::Signed,
            unit,
            (plot_h / 42).clamp(2, 6) as usize,
        );
        let x_axis = Axis::new(
            (t0, t1),
            Scale::Month,
            "month",
            (panel_w / 90).clamp(3, 9) as usize,
        );
        for (k, (i, b, d)) in panels.iter().enumerate() {
            let d: Vec<DiffPoint> = d.iter().copied().filter(|p| p.t >= t0 - 1e-9).collect();
            let (row, col) = (k / cols, k % cols);
            let lowest = k + cols >= panels.len();
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
            let color = r.style(*i).color;
            let text = label_of(b);
            let mut chart = build_chart(
                &panel,
                &x,
                &y,
                Some(Caption {
                    text: &text,
                    color,
                    lines: caption_lines,
                    size: crate::plot::theme::size::PANEL,
                }),
            )?;
            if let Some(t) = levers_start {
                draw_levers_line(&mut chart, t, (lo, hi))?;
            }
            let pts = |a: usize, b: usize| -> Vec<(f64, f64, f64)> {
                d.iter().map(|p| (p.t, p.p[a], p.p[b])).collect()
            };
            band(&mut chart, &pts(0, 4), color.mix(OUTER))?;
            band(&mut chart, &pts(1, 3), color.mix(INNER))?;
            chart
                .draw_series(DashedLineSeries::new(
                    [(t0, 0.0), (t1, 0.0)],
                    12,
                    8,
                    REFERENCE.stroke_width(3),
                ))
                .drawing("the zero line")?;
            chart
                .draw_series(LineSeries::new(
                    d.iter().map(|p| (p.t, p.p[2])),
                    color.stroke_width(4),
                ))
                .drawing("the median difference")?;
            for sign in [-1.0, 1.0] {
                chart
                    // Thin and solid: the dotted line is the levers' start.
                    .draw_series(LineSeries::new(
                        d.iter()
                            .filter(|p| p.se.is_finite())
                            .map(|p| (p.t, p.mean + sign * 1.96 * p.se)),
                        INK.stroke_width(1),
                    ))
                    .drawing("the interval of the mean")?;
            }
        }
        Ok(())
    }
}

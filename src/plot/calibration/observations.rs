//! Every reported figure against its prior and posterior predictive bands, over time.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::CalibrationResults;
use crate::output::schema::Month;
use crate::output::schema::calibration::{Fit, ObservationFit};
use crate::plot::labels::{self, Item, Rect};
use crate::plot::theme::{
    self, Axis, Caption, Chart, DrawResult, Frame, INK, LegendItem, PALETTE, Scale, Swatch,
    build_chart, draw_frame, line_height, padded, size, text_at, text_width,
};

/// Colour of the posterior.
const POSTERIOR: RGBColor = PALETTE[0];
/// Colour of the prior.
const PRIOR: RGBColor = RGBColor(150, 150, 150);
/// Colour of an id whose figure lies outside the posterior band.
const MISS: RGBColor = PALETTE[1];

/// The figures about one quantity: a panel.
#[derive(Clone, Debug)]
pub struct Group {
    /// Caption: the variable, or the expression with its months left out.
    pub caption: String,
    /// The variable, for a fan of its predictive series.
    pub variable: Option<String>,
    /// Unit, if known.
    pub unit: String,
    /// Indices into the file's observations.
    pub members: Vec<usize>,
}

/// An expression with its quoted months replaced by `…`, so that windows of one quantity share
/// a panel.
fn without_months(expr: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push('…');
            }
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// The panels, in the order their first figure appears in the scenario.
pub fn groups(r: &CalibrationResults) -> Vec<Group> {
    quantity_groups(
        r.file
            .observations
            .iter()
            .map(|o| (o.variable.as_deref(), o.target.as_str(), o.unit.as_str())),
    )
}

/// Figures grouped by the quantity they report: a variable, or an expression with its months
/// left out (so that windows of one quantity share a group), in the order of their first
/// figure. `figures` gives each figure's variable, target (the variable or the expression)
/// and unit; [`Group::members`] index into it. The calibration chart draws a panel per group,
/// the record chart of `run` a block of rows.
pub fn quantity_groups<'a>(
    figures: impl IntoIterator<Item = (Option<&'a str>, &'a str, &'a str)>,
) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (j, (variable, target, unit)) in figures.into_iter().enumerate() {
        let caption = match variable {
            Some(v) => v.to_string(),
            None => without_months(target),
        };
        match out.iter_mut().find(|g| g.caption == caption) {
            Some(g) => g.members.push(j),
            None => out.push(Group {
                caption,
                variable: variable.map(str::to_string),
                unit: unit.to_string(),
                members: vec![j],
            }),
        }
    }
    out
}

/// One page of panels.
pub struct ObservationPage<'a> {
    results: &'a CalibrationResults,
    groups: &'a [Group],
    page: usize,
    pages: usize,
}

impl<'a> ObservationPage<'a> {
    /// Page `page` of `pages`, with these panels.
    pub fn new(
        results: &'a CalibrationResults,
        groups: &'a [Group],
        page: usize,
        pages: usize,
    ) -> ObservationPage<'a> {
        ObservationPage {
            results,
            groups,
            page,
            pages,
        }
    }
}

fn decimal(month: &str) -> f64 {
    Month::parse(month).map_or(f64::NAN, |m| m.decimal_year())
}

/// A band's ends and median, if any.
fn band(f: &Fit) -> Option<(f64, f64, f64)> {
    f.band.map(|b| (b.p05, b.p50, b.p95))
}

impl Chart for ObservationPage<'_> {
    fn stem(&self) -> String {
        format!("calibration-observations-{}", self.page)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let page = if self.pages > 1 {
            format!(" ({} of {})", self.page, self.pages)
        } else {
            String::new()
        };
        let frame = Frame {
            title: format!("Reported figures against the world before and after calibration{page}"),
            subtitle: r.subtitle(),
            legend: vec![
                LegendItem::new(
                    Swatch::Band {
                        color: PRIOR,
                        opacity: 0.45,
                    },
                    "prior 90% band",
                ),
                LegendItem::new(
                    Swatch::Band {
                        color: POSTERIOR,
                        opacity: 0.5,
                    },
                    "posterior 90% band",
                ),
                LegendItem::new(Swatch::line(POSTERIOR, 4), "posterior median"),
                LegendItem::new(Swatch::Diamond, "reported value and its 90% range"),
                LegendItem::new(
                    Swatch::Dot {
                        color: INK,
                        marker: theme::Marker::Triangle,
                    },
                    "≥ at least (upside down: ≤ at most)",
                ),
                LegendItem::new(Swatch::line(INK, 4), "a reported range"),
                LegendItem::new(Swatch::Outline { color: INK }, "hollow: held out"),
                LegendItem::new(
                    Swatch::line(MISS, 4),
                    "orange id: outside the posterior band",
                ),
            ],
            source: r.source_line(),
        };
        let area = draw_frame(root, &frame)?;
        let (w, h) = area.dim_in_pixel();
        let cols = 3usize;
        let rows = super::PANELS_PER_PAGE.div_ceil(cols);
        let gap = 26;
        let panel_w = (w as i32 - gap * (cols as i32 - 1)) / cols as i32;
        let panel_h = (h as i32 - gap * (rows as i32 - 1)) / rows as i32;
        for (k, group) in self.groups.iter().enumerate() {
            let (row, col) = (k / cols, k % cols);
            let panel = area.clone().shrink(
                (col as i32 * (panel_w + gap), row as i32 * (panel_h + gap)),
                (panel_w.max(1) as u32, panel_h.max(1) as u32),
            );
            self.draw_panel(&panel, group)?;
        }
        Ok(())
    }
}

impl ObservationPage<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &DrawingArea<DB, Shift>,
        group: &Group,
    ) -> Result<()> {
        let r = self.results;
        let obs: Vec<&ObservationFit> = group
            .members
            .iter()
            .map(|&j| &r.file.observations[j])
            .collect();
        let months: Vec<f64> = obs.iter().map(|o| decimal(&o.month)).collect();
        let first = months.iter().copied().fold(f64::INFINITY, f64::min);
        let last = months.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (start, end) = (
            decimal(&r.file.scenario.start),
            decimal(&r.file.scenario.end),
        );
        let t0 = (first - 0.5).max(start);
        let t1 = (last + 0.25).min(end).max(t0 + 0.25);
        let fan = |which: &str| -> Vec<(f64, f64, f64, f64)> {
            let Some(var) = &group.variable else {
                return Vec::new();
            };
            r.predictive
                .iter()
                .filter(|p| p.which == which && &p.variable == var)
                .map(|p| (decimal(&p.month), p.p05, p.p50, p.p95))
                .filter(|p| p.0 >= t0 - 1e-9 && p.0 <= t1 + 1e-9)
                .collect()
        };
        let (prior_fan, posterior_fan) = (fan("prior"), fan("posterior"));
        // The y range holds the bands, the figures and the reports' ranges.
        let mut values: Vec<f64> = Vec::new();
        for o in &obs {
            for f in [&o.prior, &o.posterior] {
                if let Some((a, _, b)) = band(f) {
                    values.extend([a, b]);
                }
            }
            values.extend(o.value.iter().chain(&o.low).chain(&o.high));
            values.extend(o.stated_p05.iter().chain(&o.stated_p95));
        }
        for p in prior_fan.iter().chain(&posterior_fan) {
            values.extend([p.1, p.3]);
        }
        let (mut lo, mut hi) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if lo >= 0.0 {
            lo = 0.0;
        }
        let (lo, hi) = padded(lo, hi, 0.06);
        let (panel_w, panel_h) = panel.dim_in_pixel();
        let mut x = Axis::new(
            (t0, t1),
            Scale::Month,
            "",
            (panel_w as usize / 140).clamp(2, 5),
        );
        // No month label at the very ends, where it would run into the next panel's.
        let span = t1 - t0;
        x.ticks
            .retain(|&t| t >= t0 + 0.06 * span && t <= t1 - 0.1 * span);
        let y = Axis::new(
            (lo, hi),
            Scale::Number,
            "",
            (panel_h as usize / 60).clamp(2, 5),
        );
        let caption = if group.unit.is_empty() {
            group.caption.clone()
        } else {
            format!("{} ({})", group.caption, group.unit)
        };
        let mut chart = build_chart(
            panel,
            &x,
            &y,
            Some(Caption {
                text: &caption,
                color: INK,
                lines: 1,
                size: crate::plot::theme::size::PANEL,
            }),
        )?;
        for (points, color, opacity) in
            [(&prior_fan, PRIOR, 0.35), (&posterior_fan, POSTERIOR, 0.35)]
        {
            if points.len() > 1 {
                let outline: Vec<(f64, f64)> = points
                    .iter()
                    .map(|p| (p.0, p.1))
                    .chain(points.iter().rev().map(|p| (p.0, p.3)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        outline,
                        color.mix(opacity).filled(),
                    )))
                    .drawing("a predictive band")?;
            }
        }
        if posterior_fan.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    posterior_fan.iter().map(|p| (p.0, p.2)),
                    POSTERIOR.stroke_width(3),
                ))
                .drawing("the posterior median")?;
        }
        let mut labels = Vec::new();
        // What the ids must not cover besides the figures: the bands' bars.
        let mut marks: Vec<Rect> = Vec::new();
        for (o, &t) in obs.iter().zip(&months) {
            // Without a fan, the bands at the figure's month: prior left, posterior right.
            if group.variable.is_none() {
                for (f, dx, color) in [(&o.prior, -18, PRIOR), (&o.posterior, 18, POSTERIOR)] {
                    if let Some((a, m, b)) = band(f) {
                        let (x, ya) = chart.backend_coord(&(t, a));
                        let yb = chart.backend_coord(&(t, b)).1;
                        marks.push(Rect {
                            left: x + dx - 6,
                            top: yb.min(ya),
                            right: x + dx + 6,
                            bottom: yb.max(ya),
                        });
                        chart
                            .draw_series(std::iter::once(
                                EmptyElement::at((t, a))
                                    + Rectangle::new(
                                        [(dx - 6, 0), (dx + 6, chart_dy(&chart, a, b))],
                                        color.mix(0.75).filled(),
                                    ),
                            ))
                            .drawing("a band")?;
                        chart
                            .draw_series(std::iter::once(
                                EmptyElement::at((t, m))
                                    + PathElement::new(
                                        vec![(dx - 6, 0), (dx + 6, 0)],
                                        WHITE.stroke_width(3),
                                    ),
                            ))
                            .drawing("a median")?;
                    }
                }
            }
            labels.push(draw_figure(&mut chart, o, t)?);
        }
        place_labels(&mut chart, panel, &labels, &marks)
    }
}

/// Draws the ids beside their figures, each where it covers no figure, band and other id
/// ([`labels::place`]), with a leader line when pushed away.
fn place_labels<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    panel: &DrawingArea<DB, Shift>,
    labels: &[Label],
    marks: &[Rect],
) -> Result<()> {
    let h = line_height(size::SOURCE) + 4;
    let items: Vec<Item> = labels
        .iter()
        .map(|l| Item {
            mark: Rect::around(chart.backend_coord(&l.at), (12, 12)),
            size: (text_width(panel, &l.text, size::SOURCE) + 8, h),
        })
        .collect();
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let bounds = Rect {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
    };
    let placed = labels::place(&items, marks, &[], bounds);
    for (l, place) in labels.iter().zip(&placed) {
        let at = chart.backend_coord(&l.at);
        if let Some((from, to)) = place.leader {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(l.at)
                        + PathElement::new(
                            vec![(from.0 - at.0, from.1 - at.1), (to.0 - at.0, to.1 - at.1)],
                            l.color.mix(0.6).stroke_width(1),
                        ),
                ))
                .drawing("a leader line")?;
        }
        let (left, mid) = (place.rect.left + 4, place.rect.centre().1);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(l.at)
                    + Text::new(
                        l.text.clone(),
                        (left - at.0, mid - at.1),
                        text_at(size::SOURCE, &l.color, HPos::Left, VPos::Center),
                    ),
            ))
            .drawing("an id")?;
    }
    Ok(())
}

/// The pixel height from value `a` up to value `b` (negative: up).
fn chart_dy<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, theme::Coords>,
    a: f64,
    b: f64,
) -> i32 {
    chart.backend_coord(&(0.0, b)).1 - chart.backend_coord(&(0.0, a)).1
}

/// A figure's mark: a diamond with the report's range, ▲ for a lower bound, ▼ for an upper,
/// a bracket for a range; filled when fitted, hollow when held out. Returns its id's label.
fn draw_figure<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    o: &ObservationFit,
    t: f64,
) -> Result<Label> {
    let fitted = o.role == "fit";
    let fill = if fitted { INK } else { WHITE };
    let edge = INK.stroke_width(2);
    let (anchor, shape): (f64, Vec<(i32, i32)>) = match o.figure.as_str() {
        "point" => (
            o.value.unwrap_or(f64::NAN),
            vec![(0, -10), (10, 0), (0, 10), (-10, 0)],
        ),
        "min" => (o.low.unwrap_or(f64::NAN), vec![(0, -14), (10, 0), (-10, 0)]),
        "max" => (o.high.unwrap_or(f64::NAN), vec![(0, 14), (10, 0), (-10, 0)]),
        _ => (o.low.unwrap_or(f64::NAN), Vec::new()),
    };
    if let (Some(a), Some(b)) = (o.stated_p05, o.stated_p95) {
        let dy = chart_dy(chart, a, b);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t, a))
                    + PathElement::new(vec![(0, 0), (0, dy)], INK.stroke_width(2)),
            ))
            .drawing("a report's range")?;
    }
    if o.figure == "range"
        && let (Some(a), Some(b)) = (o.low, o.high)
    {
        let dy = chart_dy(chart, a, b);
        let bracket = vec![(-7, 0), (0, 0), (0, dy), (-7, dy)];
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t, a)) + PathElement::new(bracket, INK.stroke_width(4)),
            ))
            .drawing("a range")?;
    }
    if !shape.is_empty() && anchor.is_finite() {
        let rim: Vec<(i32, i32)> = shape
            .iter()
            .map(|&(x, y)| (x * 14 / 10, y * 14 / 10))
            .collect();
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t, anchor)) + Polygon::new(rim, WHITE.filled()),
            ))
            .drawing("a figure")?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t, anchor)) + Polygon::new(shape.clone(), fill.filled()),
            ))
            .drawing("a figure")?;
        let mut outline = shape.clone();
        outline.push(shape[0]);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t, anchor)) + PathElement::new(outline, edge),
            ))
            .drawing("a figure")?;
    }
    let label_at = if anchor.is_finite() {
        anchor
    } else {
        o.high.unwrap_or(0.0)
    };
    let color = if o.posterior.inside { INK } else { MISS };
    let text = match o.figure.as_str() {
        "min" => format!("≥ {}", o.id),
        "max" => format!("≤ {}", o.id),
        _ => o.id.clone(),
    };
    Ok(Label {
        text,
        color,
        at: (t, label_at),
    })
}

/// A figure's id, to be placed where it covers no mark and no other id.
struct Label {
    text: String,
    color: RGBColor,
    at: (f64, f64),
}

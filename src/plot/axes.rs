//! Axes: the coordinates every chart uses, tick labels, and the chart builder that leaves room
//! for labels and panel titles and draws the grid.
//!
//! Chart modules describe their axes as [`Axis`] values and get a plotters chart from
//! [`build_chart`]; sizes and colours come from [`super::theme`].

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::theme::{DrawResult, INK, Scale, fit, line_height, size, text, text_width, wrap};

/// The coordinates of every chart: `f64` on both axes, with tick positions chosen here rather
/// than by plotters (so months fall on Januaries and numbers on round values).
pub type Coords = Cartesian2d<Ticked, Ticked>;

/// A linear `f64` axis whose ticks are given. (plotters' `WithKeyPoints` over `f64` loses the
/// label formatter that `configure_mesh` needs, hence this small coordinate of our own.)
#[derive(Clone, Debug)]
pub struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let share = ((v - self.lo) / span).clamp(-10.0, 10.0);
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// One axis of a chart.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Drawn range.
    pub range: (f64, f64),
    /// Tick positions.
    pub ticks: Vec<f64>,
    /// How tick labels are written.
    pub scale: Scale,
    /// Description with unit; empty for none.
    pub desc: String,
    /// Whether tick labels are drawn (off for inner panels of small multiples).
    pub labels: bool,
    /// Row or column names, for an axis of categories at 0, 1, 2, ...
    pub categories: Option<Vec<String>>,
    /// Whether grid lines are drawn at the ticks.
    pub grid: bool,
}

impl Axis {
    /// A value axis over `range` with about `target` ticks.
    pub fn new(range: (f64, f64), scale: Scale, desc: impl Into<String>, target: usize) -> Axis {
        Axis {
            range,
            ticks: scale.ticks(range.0, range.1, target),
            scale,
            desc: desc.into(),
            labels: true,
            categories: None,
            grid: true,
        }
    }

    /// An axis of named categories at 0, 1, 2, ... (the first drawn at the top of a y axis
    /// when `top_down`).
    pub fn categories(names: Vec<String>, desc: impl Into<String>) -> Axis {
        let n = names.len().max(1) as f64;
        Axis {
            range: (-0.6, n - 0.4),
            ticks: (0..names.len()).map(|i| i as f64).collect(),
            scale: Scale::Number,
            desc: desc.into(),
            labels: true,
            categories: Some(names),
            grid: true,
        }
    }

    /// Without grid lines.
    pub fn without_grid(mut self) -> Axis {
        self.grid = false;
        self
    }

    /// Without tick labels or description.
    pub fn unlabelled(mut self) -> Axis {
        self.labels = false;
        self.desc.clear();
        self
    }

    /// The label of the tick at `v`.
    pub fn label(&self, v: f64) -> String {
        if !self.labels {
            return String::new();
        }
        match &self.categories {
            Some(names) => {
                let i = v.round();
                if i >= 0.0 && (i as usize) < names.len() && (v - i).abs() < 1e-6 {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            }
            None => {
                // Thousands below 10,000 are written plainly (`5000`), above it with `k`; on
                // one axis the ticks share the style of the largest (`5k`, `10k`, `15k`).
                // Month ticks that all fall on Januaries are written as years (`2026`):
                // the month adds nothing (issue 14).
                if self.scale == Scale::Month && years_only(&self.ticks) {
                    return format!("{}", (v + 1e-6).floor() as i64);
                }
                let top = self.ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
                if self.scale == Scale::Number && top >= 1e4 && (1e3..1e4).contains(&v.abs()) {
                    format!("{}k", crate::output::format::significant(v / 1e3, 3))
                } else {
                    self.scale.tick(v)
                }
            }
        }
    }

    fn coord(&self) -> Ticked {
        let (lo, hi) = self.range;
        let ticks = self
            .ticks
            .iter()
            .copied()
            .filter(|t| *t >= lo - 1e-9 && *t <= hi + 1e-9)
            .collect();
        Ticked { lo, hi, ticks }
    }
}

/// `x` with fewer ticks when its labels, each with a gap of a third of the widest, would not
/// fit in `width` pixels.
fn thin_ticks<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, x: &Axis, width: i32) -> Axis {
    let mut axis = x.clone();
    if !x.labels || x.categories.is_some() {
        return axis;
    }
    let fits = |a: &Axis| {
        let widths: Vec<i32> = a
            .ticks
            .iter()
            .map(|t| text_width(area, &a.label(*t), size::TICK))
            .collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        // Ticks are evenly spaced: each label must fit in the space between two ticks.
        let span = a.range.1 - a.range.0;
        let gap = match a.ticks.as_slice() {
            [t0, t1, ..] if span > 0.0 => ((t1 - t0) / span * f64::from(width)) as i32,
            _ => i32::MAX,
        };
        widest + widest / 3 <= gap
    };
    let mut target = x.ticks.len();
    while !fits(&axis) && target > 2 {
        target -= 1;
        axis.ticks = x.scale.ticks(x.range.0, x.range.1, target);
    }
    axis
}

/// Whether month ticks (decimal years) all fall on Januaries, more than one of them.
pub fn years_only(ticks: &[f64]) -> bool {
    ticks.len() > 1
        && ticks.iter().all(|t| {
            ((t * 12.0).round() as i64).rem_euclid(12) == 0
                && (t * 12.0 - (t * 12.0).round()).abs() < 1e-6
        })
}

/// Width of the label area left of a chart's plot for the axis `y`, pixels.
pub fn left_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, y: &Axis) -> i32 {
    if !y.labels {
        return 8;
    }
    let widest = y
        .ticks
        .iter()
        .map(|t| text_width(area, &y.label(*t), size::TICK))
        .max()
        .unwrap_or(0);
    widest
        + 16
        + if y.desc.is_empty() {
            0
        } else {
            line_height(size::AXIS) + 10
        }
}

/// A panel title over a chart.
#[derive(Clone, Copy, Debug)]
pub struct Caption<'c> {
    /// Text.
    pub text: &'c str,
    /// Colour.
    pub color: RGBColor,
    /// Lines to reserve, at least (so that panels side by side keep aligned plots).
    pub lines: usize,
    /// Font size: [`size::PANEL`], smaller where a narrow panel would wrap its title into many
    /// lines (the dashboard).
    pub size: u32,
}

/// The lines of a panel title over a chart on `area` with y axis `y`.
pub fn caption_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: &Axis,
    caption: &str,
) -> Vec<String> {
    caption_lines_at(area, y, caption, size::PANEL)
}

/// The lines of a panel title in font size `font` over a chart on `area` with y axis `y`.
pub fn caption_lines_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: &Axis,
    caption: &str,
    font: u32,
) -> Vec<String> {
    let width = area.dim_in_pixel().0 as i32 - left_width(area, y) - 8;
    wrap(area, caption, font, width)
}

/// Builds a chart on `area` with room for the axes' labels, and draws its grid and axes.
/// `caption` is drawn above the plot, left-aligned, in its colour.
///
/// # Errors
/// When drawing fails.
pub fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    caption: Option<Caption<'_>>,
) -> Result<ChartContext<'a, DB, Coords>> {
    let tick_h = line_height(size::TICK);
    let desc_h = line_height(size::AXIS);
    let left = left_width(area, y);
    // On a narrow canvas (half a slide, a column) the x tick labels would run into each
    // other: fewer ticks until they fit with room between them (issue 14).
    let thinned = thin_ticks(area, x, area.dim_in_pixel().0 as i32 - left);
    let x = &thinned;
    let bottom = if x.labels {
        tick_h + 14 + if x.desc.is_empty() { 0 } else { desc_h + 8 }
    } else {
        8
    };
    let top = match caption {
        Some(caption) => {
            let lines = caption_lines_at(area, y, caption.text, caption.size);
            for (k, line) in lines.iter().enumerate() {
                area.draw(&Text::new(
                    line.clone(),
                    (left + 4, k as i32 * line_height(caption.size)),
                    text(caption.size, &caption.color),
                ))
                .drawing("a panel title")?;
            }
            lines.len().max(caption.lines) as i32 * line_height(caption.size) + 8
        }
        None => 6,
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(top)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(x.coord(), y.coord())
        .drawing("the axes")?;
    let x_fmt = |v: &f64| x.label(*v);
    let y_fmt = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(200)
        .y_labels(200)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(text(size::TICK, &INK))
        .axis_desc_style(text(size::AXIS, &INK))
        .bold_line_style(INK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.mix(0.55))
        .set_all_tick_mark_size(6);
    if !x.desc.is_empty() {
        // Descriptions are centred under the plot; a long one would run into the next panel.
        let width = area.dim_in_pixel().0 as i32 - left;
        mesh.x_desc(fit(
            area,
            &short_x_desc(area, &x.desc, width),
            size::AXIS,
            width,
        ));
    }
    if !y.desc.is_empty() {
        // Written upwards beside the plot; a long one would run into the panel below.
        let height = area.dim_in_pixel().1 as i32 - top - bottom;
        mesh.y_desc(fit(area, &y.desc, size::AXIS, height));
    }
    if !x.grid {
        mesh.disable_x_mesh();
    }
    if !y.grid {
        mesh.disable_y_mesh();
    }
    mesh.draw().drawing("the grid")?;
    Ok(chart)
}

/// An x-axis description that fits `width`: as written, or with "lower is better" and "higher
/// is better" said by an arrow along the axis (`shells, ← better`), or the arrow alone
/// (`← better`), before anything is cut.
fn short_x_desc<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    desc: &str,
    width: i32,
) -> String {
    if text_width(area, desc, size::AXIS) <= width {
        return desc.to_string();
    }
    let arrow = desc
        .replace("lower is better", "← better")
        .replace("higher is better", "better →");
    if text_width(area, &arrow, size::AXIS) <= width {
        return arrow;
    }
    // The direction matters more than the unit, which the ticks show (`20%`).
    match arrow.rsplit_once(", ") {
        Some((_, direction)) if direction.contains("better") => direction.to_string(),
        _ => arrow,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_axis_says_better_with_an_arrow() {
        super::super::theme::register_fonts().unwrap();
        super::super::theme::measure(1600, |root| {
            let desc = "probability, lower is better";
            let full = text_width(root, desc, size::AXIS);
            assert_eq!(short_x_desc(root, desc, full), desc);
            assert_eq!(short_x_desc(root, desc, full - 1), "probability, ← better");
            let arrow = text_width(root, "shells, better →", size::AXIS);
            assert_eq!(
                short_x_desc(root, "shells, higher is better", arrow),
                "shells, better →"
            );
            assert_eq!(
                short_x_desc(root, "shells, higher is better", arrow - 1),
                "better →"
            );
        });
    }

    #[test]
    fn january_ticks_read_as_years() {
        let years = Axis::new((2022.6, 2030.95), Scale::Month, "month", 5);
        let labels: Vec<String> = years.ticks.iter().map(|t| years.label(*t)).collect();
        assert!(labels.iter().all(|l| l.len() == 4), "{labels:?}");
        assert!(labels.contains(&"2026".to_string()), "{labels:?}");
        // Within a year the months stay.
        let months = Axis::new((2024.0, 2024.9), Scale::Month, "month", 6);
        assert!(months.label(months.ticks[1]).contains('-'));
    }
}

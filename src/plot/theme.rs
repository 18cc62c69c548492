//! The look shared by every chart: canvas size, palette, fonts, tick choices and formats, and the
//! frame (title, subtitle, legend, source line) drawn around each chart's plotting area.
//!
//! Chart modules ask this module for styles and for the area to draw in; they never pick a
//! colour or a font size themselves, so that every chart reads the same on a slide.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::format::{human, month_of};

pub use super::axes::{Axis, Caption, Coords, Ticked, build_chart, caption_lines, left_width};

/// Canvas size of every chart, pixels: a 16:9 slide.
pub const SIZE: (u32, u32) = (1600, 900);

/// Font family name under which the embedded font is registered.
pub const FONT: &str = "sans-serif";

/// Font sizes in plotters units. plotters draws a size-`s` font with an em of `s / 1.24` px in
/// SVG, and Noto Sans capitals come out about `0.52 s` px tall in PNG; below 24 tick labels stop
/// being readable at the back of a briefing room.
pub mod size {
    /// Chart title.
    pub const TITLE: u32 = 46;
    /// Subtitle lines.
    pub const SUBTITLE: u32 = 28;
    /// Legend entries.
    pub const LEGEND: u32 = 27;
    /// Axis descriptions (units).
    pub const AXIS: u32 = 29;
    /// Tick labels.
    pub const TICK: u32 = 27;
    /// Panel titles in small multiples and the dashboard.
    pub const PANEL: u32 = 30;
    /// Source line.
    pub const SOURCE: u32 = 24;
}

/// Outer margin of the canvas, pixels.
pub const MARGIN: i32 = 32;

/// Text colour: near-black, softer than pure black on projectors.
pub const INK: RGBColor = RGBColor(33, 33, 33);
/// Secondary text (subtitle, source line).
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Reference lines (the reference bundle's median).
pub const REFERENCE: RGBColor = RGBColor(110, 110, 110);

/// Okabe & Ito (2008), "Color Universal Design": eight colours that readers with any common
/// colour-vision deficiency can tell apart. Ordered so the first bundles get the strongest
/// contrast on white; yellow, the weakest on white, comes last.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// The colour of the bundle at position `index` among the scenario's bundles (not among the
/// bundles run, so a bundle keeps its colour when others are left out).
pub fn bundle_color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Registers the embedded Noto Sans once per process.
///
/// plotters' default font path needs fontconfig and installed fonts; with its `ab_glyph`
/// feature and a registered font, text renders on a machine with no fonts at all.
///
/// # Errors
/// When the embedded font cannot be parsed (a broken build).
pub fn register_fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, ttf_noto_sans::REGULAR).is_ok()
    });
    if *ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded chart font could not be loaded"))
    }
}

/// A text style of the embedded font.
pub fn text(size: u32, color: &RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, size).into_font());
    style.color = color.to_backend_color();
    style
}

/// A text style anchored at `h`, `v`.
pub fn text_at(size: u32, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(h, v))
}

/// Turns a plotters error (which is generic over the backend) into an [`anyhow::Error`].
pub trait DrawResult<T> {
    /// The value, or the error with what was being drawn.
    fn drawing(self, what: &str) -> Result<T>;
}

impl<T, E: Display> DrawResult<T> for std::result::Result<T, E> {
    fn drawing(self, what: &str) -> Result<T> {
        self.map_err(|e| anyhow!("could not draw {what}: {e}"))
    }
}

/// A chart that can be drawn on any plotters backend (PNG and SVG).
pub trait Chart {
    /// File name without extension, e.g. `fan-shells_in_russia`.
    fn stem(&self) -> String;
    /// Draws the whole chart on `root` (which has the size [`SIZE`]).
    ///
    /// # Errors
    /// When drawing fails.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Draws `chart` as `<dir>/<stem>.png` and `<dir>/<stem>.svg`.
///
/// # Errors
/// When drawing or writing either file fails.
pub fn save(chart: &impl Chart, dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts()?;
    let stem = chart.stem();
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .with_context(|| format!("could not write '{}'", png.display()))?;
    }
    {
        let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .with_context(|| format!("could not write '{}'", svg.display()))?;
    }
    Ok(vec![png, svg])
}

/// How values on an axis are spaced and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Plain numbers: `8M`, `15k`, `0.25`.
    Number,
    /// Probabilities and shares drawn as percentages: `40%`.
    Percent,
    /// Decimal years written as months: `2024-10`.
    Month,
}

impl Scale {
    /// The scale for an outcome or variable unit as written in `summary.json`.
    pub fn of_unit(unit: &str) -> Scale {
        match unit {
            "probability" | "share of months" => Scale::Percent,
            "year" => Scale::Month,
            _ => Scale::Number,
        }
    }

    /// A tick label.
    pub fn tick(self, v: f64) -> String {
        match self {
            Scale::Number => human(v, 3),
            Scale::Percent => {
                let pct = v * 100.0;
                if (pct - pct.round()).abs() < 1e-6 {
                    format!("{pct:.0}%")
                } else {
                    format!("{}%", crate::output::format::significant(pct, 2))
                }
            }
            Scale::Month => month_of(v),
        }
    }

    /// A value in a legend or label (one more digit than a tick).
    pub fn value(self, v: f64) -> String {
        match self {
            Scale::Number => human(v, 3),
            Scale::Percent => crate::output::format::percent(v),
            Scale::Month => month_of(v),
        }
    }

    /// About `target` tick positions inside `[lo, hi]`, at round values.
    pub fn ticks(self, lo: f64, hi: f64, target: usize) -> Vec<f64> {
        match self {
            Scale::Month => month_ticks(lo, hi, target),
            Scale::Number | Scale::Percent => nice_ticks(lo, hi, target),
        }
    }
}

/// Round tick values (1, 2, 2.5 or 5 times a power of ten) inside `[lo, hi]`, at most about
/// `target` of them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect()
}

/// Month ticks every 1, 2, 3, 6, 12, 24, ... months, aligned to January, inside `[lo, hi]`
/// (decimal years).
pub fn month_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let first = (lo * 12.0 - 1e-6).ceil() as i64;
    let last = (hi * 12.0 + 1e-6).floor() as i64;
    let span = (last - first).max(1);
    let step = [1i64, 2, 3, 6, 12, 24, 36, 60, 120, 240, 600, 1200]
        .into_iter()
        .find(|s| span / s < target.max(1) as i64)
        .unwrap_or(1200);
    (first..=last)
        .filter(|m| m.rem_euclid(step) == 0)
        .map(|m| m as f64 / 12.0)
        .collect()
}

/// `[lo, hi]` widened so that a constant or empty range still draws, and padded by `pad` of the
/// span on each side.
pub fn padded(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let half = (lo.abs() * 0.1).max(0.5);
        return (lo - half, hi + half);
    }
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// A name as a person reads it: `shells_in_russia` → `Shells in russia`.
pub fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a legend entry looks like.
#[derive(Clone, Debug)]
pub enum Swatch {
    /// A line; dashed when `dashed`.
    Line {
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// Dashed.
        dashed: bool,
    },
    /// A filled block (a band).
    Band {
        /// Colour.
        color: RGBColor,
        /// Opacity, 0 to 1.
        opacity: f64,
    },
    /// A marker for a reported figure.
    Diamond,
    /// A dot.
    Dot {
        /// Colour.
        color: RGBColor,
    },
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct LegendItem {
    /// Its look.
    pub swatch: Swatch,
    /// Its text.
    pub label: String,
}

impl LegendItem {
    /// An entry.
    pub fn new(swatch: Swatch, label: impl Into<String>) -> LegendItem {
        LegendItem {
            swatch,
            label: label.into(),
        }
    }
}

/// Everything around a chart's plotting area.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// What is shown, in words.
    pub title: String,
    /// Scenario, bundles, runs and seed.
    pub subtitle: String,
    /// Legend entries, laid out in rows under the subtitle (never over data).
    pub legend: Vec<LegendItem>,
    /// Where the numbers come from.
    pub source: String,
}

/// Width of a legend swatch, pixels.
const SWATCH_W: i32 = 46;

/// Draws `frame` on the whole canvas and returns the area left for the plot.
///
/// # Errors
/// When drawing fails.
pub fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> Result<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).drawing("the background")?;
    let (w, h) = root.dim_in_pixel();
    let width = w as i32 - 2 * MARGIN;
    let mut y = MARGIN - 4;
    for line in wrap(root, &frame.title, size::TITLE, width) {
        root.draw(&Text::new(line, (MARGIN, y), text(size::TITLE, &INK)))
            .drawing("the title")?;
        y += line_height(size::TITLE);
    }
    y += 2;
    for line in wrap(root, &frame.subtitle, size::SUBTITLE, width) {
        root.draw(&Text::new(line, (MARGIN, y), text(size::SUBTITLE, &MUTED)))
            .drawing("the subtitle")?;
        y += line_height(size::SUBTITLE);
    }
    if !frame.legend.is_empty() {
        y += 10;
        y = draw_legend(root, &frame.legend, MARGIN, y, width)?;
    }
    let source_lines = wrap(root, &frame.source, size::SOURCE, width);
    let mut sy = h as i32 - MARGIN / 2 - source_lines.len() as i32 * line_height(size::SOURCE);
    let bottom = h as i32 - sy + 8;
    for line in source_lines {
        root.draw(&Text::new(line, (MARGIN, sy), text(size::SOURCE, &MUTED)))
            .drawing("the source line")?;
        sy += line_height(size::SOURCE);
    }
    Ok(root.margin(y + 12, bottom, MARGIN / 2, MARGIN + 12))
}

/// Vertical distance between lines of text of a font size, pixels.
pub fn line_height(font_size: u32) -> i32 {
    (f64::from(font_size) * 0.98).round() as i32
}

/// Width of `s` in the embedded font at `font_size`, pixels (as plotters lays it out).
pub fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    font_size: u32,
) -> i32 {
    area.estimate_text_size(s, &text(font_size, &INK))
        .map(|(w, _)| w as i32)
        .unwrap_or_else(|_| (s.chars().count() as f64 * f64::from(font_size) * 0.5) as i32)
}

/// `s` broken at spaces into lines no wider than `width` pixels.
pub fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    font_size: u32,
    width: i32,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(area, &candidate, font_size) > width {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `s` shortened at a space, with an ellipsis, to fit `width` pixels.
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    font_size: u32,
    width: i32,
) -> String {
    if text_width(area, s, font_size) <= width {
        return s.to_string();
    }
    let words: Vec<&str> = s.split(' ').collect();
    for n in (1..words.len()).rev() {
        let candidate = format!("{}…", words[..n].join(" "));
        if text_width(area, &candidate, font_size) <= width {
            return candidate;
        }
    }
    words.first().map_or_else(String::new, |w| format!("{w}…"))
}

/// Draws legend entries left to right from `(x, y)`, wrapping at `width`; returns the y below.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    x0: i32,
    y0: i32,
    width: i32,
) -> Result<i32> {
    let gap = 34;
    let row_h = line_height(size::LEGEND) + 8;
    let (mut x, mut y) = (x0, y0);
    for item in items {
        let w = SWATCH_W + 10 + text_width(root, &item.label, size::LEGEND);
        if x > x0 && x + w > x0 + width {
            x = x0;
            y += row_h;
        }
        let mid = y + (f64::from(size::LEGEND) * 0.30) as i32;
        draw_swatch(root, &item.swatch, x, mid)?;
        root.draw(&Text::new(
            item.label.clone(),
            (x + SWATCH_W + 10, y),
            text(size::LEGEND, &INK),
        ))
        .drawing("the legend")?;
        x += w + gap;
    }
    Ok(y + row_h)
}

/// Draws a swatch whose left edge is `x` and vertical centre `mid`.
fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: &Swatch,
    x: i32,
    mid: i32,
) -> Result<()> {
    match swatch {
        Swatch::Line {
            color,
            width,
            dashed,
        } => {
            let style = color.stroke_width(*width);
            if *dashed {
                root.draw(&DashedPathElement::new(
                    vec![(x, mid), (x + SWATCH_W, mid)],
                    10,
                    6,
                    style,
                ))
            } else {
                root.draw(&PathElement::new(
                    vec![(x, mid), (x + SWATCH_W, mid)],
                    style,
                ))
            }
            .drawing("a legend swatch")?;
        }
        Swatch::Band { color, opacity } => {
            root.draw(&Rectangle::new(
                [(x, mid - 11), (x + SWATCH_W, mid + 11)],
                color.mix(*opacity).filled(),
            ))
            .drawing("a legend swatch")?;
        }
        Swatch::Diamond => {
            draw_diamond(root, (x + SWATCH_W / 2, mid), 11)?;
        }
        Swatch::Dot { color } => {
            root.draw(&Circle::new((x + SWATCH_W / 2, mid), 9, color.filled()))
                .drawing("a legend swatch")?;
        }
    }
    Ok(())
}

/// The marker of a reported figure: a black diamond with a white rim, so it shows on any band.
pub fn draw_diamond<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    r: i32,
) -> Result<()> {
    let outer = vec![
        (x, y - r - 3),
        (x + r + 3, y),
        (x, y + r + 3),
        (x - r - 3, y),
    ];
    let inner = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)];
    area.draw(&Polygon::new(outer, WHITE.filled()))
        .drawing("a marker")?;
    area.draw(&Polygon::new(inner, BLACK.filled()))
        .drawing("a marker")?;
    Ok(())
}

/// How one bundle's line is drawn where bundles' lines overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineLook {
    /// Stroke width, pixels.
    pub width: u32,
    /// Dashed (the reference bundle).
    pub dashed: bool,
}

/// Orders overlaid lines for drawing and picks their looks. Bundles often coincide (a lever
/// that does not touch an outcome leaves it identical under common random numbers), and the
/// line drawn last would hide the others. So lines are drawn from thick to thin, and the
/// reference bundle last, dashed, so that each coinciding line still shows as a rim or
/// between dashes.
pub fn overlay<T>(items: Vec<T>, is_reference: impl Fn(&T) -> bool) -> Vec<(T, LineLook)> {
    let (reference, others): (Vec<T>, Vec<T>) = items.into_iter().partition(|t| is_reference(t));
    let m = others.len();
    let mut out: Vec<(T, LineLook)> = others
        .into_iter()
        .enumerate()
        .map(|(k, t)| {
            let width = 3 + (3 * (m - 1 - k) as u32) / 2;
            (
                t,
                LineLook {
                    width,
                    dashed: false,
                },
            )
        })
        .collect();
    out.extend(reference.into_iter().map(|t| {
        (
            t,
            LineLook {
                width: 4,
                dashed: true,
            },
        )
    }));
    out
}

/// Draws a line through `points` in `color` with `look`.
///
/// # Errors
/// When drawing fails.
pub fn draw_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coords>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    look: LineLook,
) -> Result<()> {
    let style = color.stroke_width(look.width);
    if look.dashed {
        chart
            .draw_series(DashedLineSeries::new(points, 14, 9, style))
            .drawing("a line")?;
    } else {
        chart
            .draw_series(LineSeries::new(points, style))
            .drawing("a line")?;
    }
    Ok(())
}

/// Rows and columns for `n` small multiples on a 16:9 canvas.
pub fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 => (1, 3),
        4 => (2, 2),
        5 | 6 => (2, 3),
        7 | 8 => (2, 4),
        9 => (3, 3),
        _ => (n.div_ceil(4), 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 36e6, 6), vec![0.0, 1e7, 2e7, 3e7]);
        let fifths = nice_ticks(0.0, 1.0, 5);
        assert_eq!(fifths.len(), 6);
        for (k, t) in fifths.iter().enumerate() {
            assert!((t - k as f64 * 0.2).abs() < 1e-12, "{fifths:?}");
        }
        let months = month_ticks(2022.0 + 8.0 / 12.0, 2030.0 + 11.0 / 12.0, 6);
        let labels: Vec<String> = months.iter().map(|m| Scale::Month.tick(*m)).collect();
        assert_eq!(labels, ["2024-01", "2026-01", "2028-01", "2030-01"]);
    }

    #[test]
    fn labels_read_like_a_briefing() {
        assert_eq!(Scale::Number.tick(8_000_000.0), "8M");
        assert_eq!(Scale::Percent.tick(0.4), "40%");
        assert_eq!(Scale::Percent.tick(0.025), "2.5%");
        assert_eq!(Scale::Month.tick(2024.75), "2024-10");
        assert_eq!(humanize("shells_in_russia"), "Shells in russia");
        assert_eq!(padded(5.0, 5.0, 0.05), (4.5, 5.5));
    }

    #[test]
    fn grids_fit_the_panels() {
        for n in 1..20 {
            let (r, c) = grid(n);
            assert!(r * c >= n, "{n}");
        }
    }
}

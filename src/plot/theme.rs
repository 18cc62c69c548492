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
use crate::output::schema::ValueKind;

pub use super::axes::{
    Axis, Caption, Coords, Ticked, build_chart, caption_lines, caption_lines_at, left_width,
};
use super::options::{ChartSize, ImageFormat};

/// Canvas size of a chart, pixels: a 16:9 slide. (The dashboard grows taller when its panels
/// need the room.)
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

/// The colours of bundles other than the reference: Okabe & Ito (2008), "Color Universal
/// Design", whose colours readers with any common colour-vision deficiency can tell apart, less
/// its yellow (too faint on white for a line) and its black (which marks the reference bundle).
/// Ordered so the first bundles get the strongest contrast on white.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
];

/// The colour of the reference bundle: black, which no other bundle has.
pub const REFERENCE_BUNDLE: RGBColor = RGBColor(0, 0, 0);

/// How a line is stroked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
}

/// The shape of a bundle's point marks (medians, probabilities, cost–effect points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Marker {
    /// A disc.
    Circle,
    /// A square.
    Square,
    /// A triangle, point up.
    Triangle,
}

/// How one bundle is drawn in every chart: its colour, the dash of its lines where lines of
/// bundles overlay, and the shape of its point marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleStyle {
    /// Colour.
    pub color: RGBColor,
    /// Line dash.
    pub dash: Dash,
    /// Point mark.
    pub marker: Marker,
    /// Whether this is the reference bundle.
    pub reference: bool,
}

/// The style of the bundle at position `index` among the scenario's bundles (not among the
/// bundles run or charted, so a bundle looks the same in every chart, whichever others are left
/// out), when the reference bundle is at `reference`.
///
/// The reference bundle is black, solid, with discs. The others take the six [`PALETTE`]
/// colours in scenario order with solid lines and discs; the next six the same colours with
/// dashed lines and squares, the next six dotted lines and triangles: eighteen bundles besides
/// the reference, no two alike.
pub fn bundle_style(index: usize, reference: Option<usize>) -> BundleStyle {
    if reference == Some(index) {
        return BundleStyle {
            color: REFERENCE_BUNDLE,
            dash: Dash::Solid,
            marker: Marker::Circle,
            reference: true,
        };
    }
    let slot = match reference {
        Some(r) if r < index => index - 1,
        _ => index,
    };
    let (dash, marker) = match (slot / PALETTE.len()) % 3 {
        0 => (Dash::Solid, Marker::Circle),
        1 => (Dash::Dashed, Marker::Square),
        _ => (Dash::Dotted, Marker::Triangle),
    };
    BundleStyle {
        color: PALETTE[slot % PALETTE.len()],
        dash,
        marker,
        reference: false,
    }
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
    /// Canvas size, pixels: [`SIZE`], or taller when the chart needs it.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    /// Draws the whole chart on `root` (which has the size [`Chart::size`]).
    ///
    /// # Errors
    /// When drawing fails.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// The canvas size and file formats that [`save`] writes, as `leversim plot --size --format`
/// ask: a slide, PNG and SVG unless [`with_output`] says otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Canvas size.
    pub size: ChartSize,
    /// Files written for each chart.
    pub formats: Vec<ImageFormat>,
}

impl Default for Output {
    fn default() -> Output {
        Output {
            size: ChartSize::Slide,
            formats: vec![ImageFormat::Png, ImageFormat::Svg],
        }
    }
}

thread_local! {
    /// The output [`save`] uses on this thread. Every chart module saves through [`save`], and
    /// the size and formats shape the files, not what a chart shows; so they are set once
    /// around the drawing ([`with_output`]) rather than threaded through each module's
    /// `render_*` function.
    static OUTPUT: std::cell::RefCell<Output> = std::cell::RefCell::new(Output::default());
}

/// Runs `f` with [`save`] writing `output`'s size and formats; restores the previous output
/// afterwards.
pub fn with_output<R>(output: &Output, f: impl FnOnce() -> R) -> R {
    let previous = OUTPUT.with(|o| o.replace(output.clone()));
    let result = f();
    OUTPUT.with(|o| o.replace(previous));
    result
}

/// Draws `chart` into `dir` as `<stem>.png` and `<stem>.svg` (or the size and formats of
/// [`with_output`]); returns the files written.
///
/// # Errors
/// When drawing or writing a file fails.
pub fn save(chart: &impl Chart, dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts()?;
    let output = OUTPUT.with(|o| o.borrow().clone());
    let stem = super::stem::safe_stem(&chart.stem());
    let size = output.size.for_chart(chart.size());
    let mut written = Vec::new();
    for format in &output.formats {
        let path = dir.join(format!("{stem}.{}", format.extension()));
        match format {
            ImageFormat::Png => {
                let root = BitMapBackend::new(&path, size).into_drawing_area();
                chart.draw(&root)?;
                root.present()
                    .with_context(|| format!("could not write '{}'", path.display()))?;
            }
            ImageFormat::Svg => {
                std::fs::write(&path, svg_string(chart, size)?)
                    .with_context(|| format!("could not write '{}'", path.display()))?;
            }
            ImageFormat::Pdf => {
                let pdf = super::pdf::pdf_of(&svg_string(chart, size)?)?;
                std::fs::write(&path, pdf)
                    .with_context(|| format!("could not write '{}'", path.display()))?;
            }
        }
        written.push(path);
    }
    Ok(written)
}

/// Draws `chart` at `size` pixels as SVG text, for embedding in a page (`leversim report`):
/// the `<svg>` element scales to its container's width, its text stays text.
///
/// # Errors
/// When drawing fails.
pub fn svg_string(chart: &impl Chart, size: (u32, u32)) -> Result<String> {
    register_fonts()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        chart.draw(&root)?;
        root.present().drawing("an embedded chart")?;
    }
    Ok(svg_text_as_measured(&out))
}

/// The ratio of the em plotters' PNG text has to the em its SVG text has, at one font size.
/// The bitmap backend (ab_glyph) scales a size-`s` font so that its ascent minus descent is
/// `s` px: Noto Sans has 2048 units to the em, ascent 2189 and descent 600 (its `hhea`
/// table), so an em of `s · 2048 / 2789` px. The SVG backend writes `font-size` `s / 1.24`.
/// Layout (wrapping, label widths) measures with the first; unscaled, SVG and PDF text came
/// out 9.8% wider than measured and ran past the canvas (seen in the PDF charts, issue 14).
pub const SVG_FONT_SCALE: f64 = 1.24 * 2048.0 / 2789.0;

/// `svg` with every `font-size="x"` scaled by [`SVG_FONT_SCALE`], so that its text is as wide
/// as the layout measured it (and as in the PNG).
pub fn svg_text_as_measured(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(size) => out.push_str(&format!("{:.2}", size * SVG_FONT_SCALE)),
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
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
    /// Differences, signed: `+5`, `-2.5M`, `0`. (Charts of differences scale their values to
    /// the unit they show first: percentage points, months.)
    Signed,
    /// Ratios on a log axis: values are log10 of the ratio, written as the ratio (`×0.5`,
    /// `×1`, `×10`), ticks at 1, 2 and 5 times powers of ten (at powers of ten over many
    /// decades). Used where quantities of different units share an axis (the record chart).
    Ratio,
}

impl Scale {
    /// The scale for values of a kind: decided by the kind, never by reading a unit's text
    /// (a scenario may well declare a unit called "year").
    pub fn of(value: ValueKind) -> Scale {
        match value {
            ValueKind::Probability | ValueKind::Share => Scale::Percent,
            ValueKind::Month => Scale::Month,
            ValueKind::Number => Scale::Number,
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
                    format!("{}%", crate::output::format::significant(pct, 3))
                }
            }
            Scale::Month => month_of(v),
            Scale::Signed => signed(v, 3),
            Scale::Ratio => ratio(v, 3),
        }
    }

    /// A value in a legend or label (one more digit than a tick).
    pub fn value(self, v: f64) -> String {
        match self {
            Scale::Number => human(v, 3),
            Scale::Percent => crate::output::format::percent(v),
            Scale::Month => month_of(v),
            Scale::Signed => signed(v, 2),
            Scale::Ratio => ratio(v, 2),
        }
    }

    /// About `target` tick positions inside `[lo, hi]`, at round values.
    pub fn ticks(self, lo: f64, hi: f64, target: usize) -> Vec<f64> {
        match self {
            Scale::Month => month_ticks(lo, hi, target),
            Scale::Number | Scale::Percent | Scale::Signed => nice_ticks(lo, hi, target),
            Scale::Ratio => ratio_ticks(lo, hi, target),
        }
    }
}

/// A ratio given as its log10, written as the ratio: `×0.5`, `×1`, `×20`, `×1k`.
pub fn ratio(log10: f64, digits: usize) -> String {
    if !log10.is_finite() {
        return "–".into();
    }
    format!("×{}", human(10f64.powf(log10), digits))
}

/// Ticks (as log10 of the ratio) inside `[lo, hi]` (log10 too), at most about `target` of
/// them (at least two where the range holds two): at 1, 2 and 5 times powers of ten when they
/// fit, else at 1 and 3 times, else at every, second, ... power of ten.
pub fn ratio_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let inside = |t: &f64| *t >= lo - 1e-9 && *t <= hi + 1e-9;
    let (first, last) = (lo.floor() as i32, hi.ceil() as i32);
    let at = |multiples: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|k| multiples.iter().map(move |m| f64::from(k) + m.log10()))
            .filter(inside)
            .collect()
    };
    let target = target.max(2);
    for multiples in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0][..]] {
        let ticks = at(multiples);
        if ticks.len() <= target {
            return ticks;
        }
    }
    let decades = (last - first).max(1);
    let step = (1..=decades)
        .find(|s| decades / s < target as i32)
        .unwrap_or(decades);
    (first..=last)
        .filter(|k| k.rem_euclid(step) == 0)
        .map(f64::from)
        .filter(inside)
        .collect()
}

/// A difference with its sign: `+3.1`, `-250k`, `0` (never `-0`), with about `digits`
/// significant digits.
pub fn signed(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "–".into();
    }
    let text = human(v, digits);
    if text == "0" || text.starts_with('-') {
        text
    } else {
        format!("+{text}")
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
    /// A line.
    Line {
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// Dash.
        dash: Dash,
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
    /// An empty box with a coloured edge (a heat map cell picked out).
    Outline {
        /// Colour of the edge.
        color: RGBColor,
    },
    /// A point mark.
    Dot {
        /// Colour.
        color: RGBColor,
        /// Shape.
        marker: Marker,
    },
}

impl Swatch {
    /// A solid line.
    pub fn line(color: RGBColor, width: u32) -> Swatch {
        Swatch::Line {
            color,
            width,
            dash: Dash::Solid,
        }
    }

    /// The grey dashed line that marks the reference bundle's median in other bundles' panels.
    pub fn reference_line() -> Swatch {
        Swatch::Line {
            color: REFERENCE,
            width: 3,
            dash: Dash::Dashed,
        }
    }

    /// A disc.
    pub fn dot(color: RGBColor) -> Swatch {
        Swatch::Dot {
            color,
            marker: Marker::Circle,
        }
    }

    /// A bundle's line in an overlay.
    pub fn bundle_line(style: BundleStyle) -> Swatch {
        Swatch::Line {
            color: style.color,
            width: 5,
            dash: style.dash,
        }
    }

    /// A bundle's point mark.
    pub fn bundle_dot(style: BundleStyle) -> Swatch {
        Swatch::Dot {
            color: style.color,
            marker: style.marker,
        }
    }
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
    let (top, bottom) = lay_frame(root, frame, true)?;
    Ok(root.margin(top, bottom, MARGIN / 2, MARGIN + 12))
}

/// The space `frame` takes above and below the plot on `root`, pixels (what [`draw_frame`]
/// leaves out of the area it returns).
pub fn frame_insets<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> (i32, i32) {
    lay_frame(root, frame, false).unwrap_or((0, 0))
}

/// Lays out (and, when `draw`, draws) the frame; returns the space above and below the plot.
fn lay_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    draw: bool,
) -> Result<(i32, i32)> {
    let (w, h) = root.dim_in_pixel();
    let width = w as i32 - 2 * MARGIN;
    let mut y = MARGIN - 4;
    for line in wrap(root, &frame.title, size::TITLE, width) {
        if draw {
            root.draw(&Text::new(line, (MARGIN, y), text(size::TITLE, &INK)))
                .drawing("the title")?;
        }
        y += line_height(size::TITLE);
    }
    y += 2;
    for line in wrap(root, &frame.subtitle, size::SUBTITLE, width) {
        if draw {
            root.draw(&Text::new(line, (MARGIN, y), text(size::SUBTITLE, &MUTED)))
                .drawing("the subtitle")?;
        }
        y += line_height(size::SUBTITLE);
    }
    if !frame.legend.is_empty() {
        y += 10;
        y = lay_legend(root, &frame.legend, MARGIN, y, width, draw)?;
    }
    let source_lines = wrap(root, &frame.source, size::SOURCE, width);
    let mut sy = h as i32 - MARGIN / 2 - source_lines.len() as i32 * line_height(size::SOURCE);
    let bottom = h as i32 - sy + 8;
    for line in source_lines {
        if draw {
            root.draw(&Text::new(line, (MARGIN, sy), text(size::SOURCE, &MUTED)))
                .drawing("the source line")?;
        }
        sy += line_height(size::SOURCE);
    }
    Ok((y + 12, bottom))
}

/// Runs `f` on a drawing area of width `width` that draws nothing, to measure text before the
/// canvas exists (text sizes come from the embedded font, not from the backend).
pub fn measure<R>(width: u32, f: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> R) -> R {
    let mut sink = String::new();
    let root = SVGBackend::with_string(&mut sink, (width, SIZE.1)).into_drawing_area();
    f(&root)
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

/// Lays out legend entries left to right from `(x, y)`, wrapping at `width`, and draws them
/// when `draw`; returns the y below.
fn lay_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    x0: i32,
    y0: i32,
    width: i32,
    draw: bool,
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
        if draw {
            let mid = y + (f64::from(size::LEGEND) * 0.30) as i32;
            draw_swatch(root, &item.swatch, x, mid)?;
            root.draw(&Text::new(
                item.label.clone(),
                (x + SWATCH_W + 10, y),
                text(size::LEGEND, &INK),
            ))
            .drawing("the legend")?;
        }
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
        Swatch::Line { color, width, dash } => {
            let style = color.stroke_width(*width);
            let path = vec![(x, mid), (x + SWATCH_W, mid)];
            match dash {
                Dash::Solid => root.draw(&PathElement::new(path, style)),
                Dash::Dashed | Dash::Dotted => {
                    let (on, off) = dash_pattern(*dash, *width);
                    root.draw(&DashedPathElement::new(path, on, off, style))
                }
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
        Swatch::Outline { color } => {
            root.draw(&Rectangle::new(
                [(x + 4, mid - 13), (x + SWATCH_W - 4, mid + 13)],
                color.stroke_width(3),
            ))
            .drawing("a legend swatch")?;
        }
        Swatch::Dot { color, marker } => {
            for (shape, fill) in marker_shapes(*marker, 10, 2) {
                let fill = if fill { *color } else { WHITE };
                let at = (x + SWATCH_W / 2, mid);
                match shape {
                    Shape::Circle(r) => root.draw(&Circle::new(at, r, fill.filled())),
                    Shape::Polygon(points) => root.draw(&Polygon::new(
                        points
                            .into_iter()
                            .map(|(dx, dy)| (at.0 + dx, at.1 + dy))
                            .collect::<Vec<_>>(),
                        fill.filled(),
                    )),
                }
                .drawing("a legend swatch")?;
            }
        }
    }
    Ok(())
}

/// Dash length and gap, pixels, for a line of `width`.
pub fn dash_pattern(dash: Dash, width: u32) -> (u32, u32) {
    match dash {
        Dash::Solid => (1, 0),
        Dash::Dashed => (16, 8 + width),
        Dash::Dotted => (width.max(3), 6 + width),
    }
}

/// A shape of a point mark, in pixel offsets from its centre.
#[derive(Clone, Debug)]
pub enum Shape {
    /// A disc of this radius.
    Circle(i32),
    /// A polygon.
    Polygon(Vec<(i32, i32)>),
}

/// The shapes that draw a point mark of about radius `r` with a white rim `rim` pixels wide:
/// the rim first (`false`: draw in white), then the mark (`true`: draw in its colour). Marks of
/// one radius have about the same area whatever their shape.
pub fn marker_shapes(marker: Marker, r: i32, rim: i32) -> Vec<(Shape, bool)> {
    let shape = |r: f64| -> Shape {
        let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
        match marker {
            Marker::Circle => Shape::Circle(r.round() as i32),
            Marker::Square => {
                let h = r * 0.886;
                Shape::Polygon(vec![p(-h, -h), p(h, -h), p(h, h), p(-h, h)])
            }
            Marker::Triangle => Shape::Polygon(vec![
                p(0.0, -1.55 * r),
                p(1.35 * r, 0.78 * r),
                p(-1.35 * r, 0.78 * r),
            ]),
        }
    };
    let r = f64::from(r);
    let mut out = Vec::new();
    if rim > 0 {
        let grow = match marker {
            Marker::Triangle => 2.0 * f64::from(rim),
            _ => f64::from(rim),
        };
        out.push((shape(r + grow), false));
    }
    out.push((shape(r), true));
    out
}

/// Draws a bundle's point mark at data point `at` on `chart`, with a white rim, shifted `dx`
/// pixels to the right.
///
/// # Errors
/// When drawing fails.
pub fn draw_marker<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coords>,
    at: (f64, f64),
    dx: i32,
    style: BundleStyle,
    r: i32,
) -> Result<()> {
    for (shape, fill) in marker_shapes(style.marker, r, 3) {
        let color = if fill { style.color } else { WHITE };
        match shape {
            Shape::Circle(r) => chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Circle::new((dx, 0), r, color.filled()),
            )),
            Shape::Polygon(points) => chart.draw_series(std::iter::once(
                EmptyElement::at(at)
                    + Polygon::new(
                        points
                            .into_iter()
                            .map(|(x, y)| (x + dx, y))
                            .collect::<Vec<_>>(),
                        color.filled(),
                    ),
            )),
        }
        .drawing("a point mark")?;
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
    /// Dash (the bundle's).
    pub dash: Dash,
}

/// Orders overlaid lines for drawing and picks their looks. Bundles often coincide (a lever
/// that does not touch an outcome leaves it identical under common random numbers), and the
/// line drawn last would hide the others. So lines are drawn from thick to thin, and the
/// reference bundle last, on top, so that each coinciding line still shows as a rim; each line
/// keeps its bundle's dash.
pub fn overlay<T>(items: Vec<T>, style: impl Fn(&T) -> BundleStyle) -> Vec<(T, LineLook)> {
    let (reference, others): (Vec<T>, Vec<T>) = items.into_iter().partition(|t| style(t).reference);
    let m = others.len() as u32;
    // Widths from 3 px up, 1.5 px apart for a few lines, 1 px apart for many.
    let step2 = if m <= 5 { 3 } else { 2 };
    let mut out: Vec<(T, LineLook)> = others
        .into_iter()
        .enumerate()
        .map(|(k, t)| {
            let width = 3 + (step2 * (m - 1 - k as u32)) / 2;
            let dash = style(&t).dash;
            (t, LineLook { width, dash })
        })
        .collect();
    out.extend(reference.into_iter().map(|t| {
        (
            t,
            LineLook {
                width: 4,
                dash: Dash::Solid,
            },
        )
    }));
    out
}

/// For each overlaid line (its data, and whether it is the reference bundle's), the position of
/// the line it coincides with, if any: the reference bundle's, else the first equal one before
/// it. Under common random numbers a lever that does not touch an outcome leaves its line
/// identical to another's, hidden under it, so the legend says which it equals.
pub fn coinciding<T: PartialEq>(lines: &[(T, bool)]) -> Vec<Option<usize>> {
    let reference = lines.iter().position(|(_, r)| *r);
    lines
        .iter()
        .enumerate()
        .map(|(k, (data, is_reference))| {
            if *is_reference {
                return None;
            }
            reference
                .filter(|&r| lines[r].0 == *data)
                .or_else(|| (0..k).find(|&j| !lines[j].1 && lines[j].0 == *data))
        })
        .collect()
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
    match look.dash {
        Dash::Solid => chart
            .draw_series(LineSeries::new(points, style))
            .drawing("a line")?,
        Dash::Dashed | Dash::Dotted => {
            let (on, off) = dash_pattern(look.dash, look.width);
            chart
                .draw_series(DashedLineSeries::new(points, on, off, style))
                .drawing("a line")?
        }
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_ticks_are_round_multiples() {
        let labels = |lo: f64, hi: f64, n: usize| -> Vec<String> {
            ratio_ticks(lo, hi, n)
                .iter()
                .map(|t| ratio(*t, 3))
                .collect()
        };
        // A factor of 8 either side, three ticks: 1 and 3 times powers of ten.
        assert_eq!(labels(-0.9, 0.9, 3), ["×0.3", "×1", "×3"]);
        // Room for more: 1, 2 and 5.
        assert_eq!(labels(-0.9, 0.9, 7), ["×0.2", "×0.5", "×1", "×2", "×5"]);
        // Many decades: every second power of ten.
        assert_eq!(labels(-3.0, 3.0, 4), ["×0.01", "×1", "×100"]);
        assert_eq!(Scale::Ratio.tick(1.0), "×10");
    }

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
        // Ticks 2.5 points apart keep their half points.
        assert_eq!(Scale::Percent.tick(0.175), "17.5%");
        assert_eq!(Scale::Month.tick(2024.75), "2024-10");
        assert_eq!(humanize("shells_in_russia"), "Shells in russia");
        assert_eq!(padded(5.0, 5.0, 0.05), (4.5, 5.5));
    }

    #[test]
    fn every_bundle_looks_different() {
        // Up to 19 bundles (the reference and 18 others; 18 without a reference): no two share
        // colour, dash and mark, and only the reference is black.
        for n in 1..=19 {
            for reference in [None, Some(0), Some(n / 2), Some(n - 1)] {
                if reference.is_none() && n > 18 {
                    continue;
                }
                let styles: Vec<BundleStyle> = (0..n).map(|i| bundle_style(i, reference)).collect();
                for (i, a) in styles.iter().enumerate() {
                    assert_eq!(a.reference, reference == Some(i));
                    assert_eq!(a.color == REFERENCE_BUNDLE, a.reference, "{n} {i}");
                    for b in &styles[i + 1..] {
                        assert!(
                            (a.color, a.dash, a.marker) != (b.color, b.dash, b.marker),
                            "{n} bundles, reference {reference:?}: {a:?} and {b:?}"
                        );
                    }
                }
            }
        }
        // Lines in an overlay differ in colour or dash (not only in mark), for 12 bundles.
        let lines: Vec<_> = (0..12)
            .map(|i| {
                let s = bundle_style(i, Some(0));
                (s.color, s.dash)
            })
            .collect();
        for (i, a) in lines.iter().enumerate() {
            assert!(!lines[i + 1..].contains(a), "{a:?}");
        }
    }

    #[test]
    fn svg_text_is_scaled_to_the_measured_size() {
        let svg = r#"<text font-size="37.096774193548384" x="1">A</text><text font-size="x">"#;
        let fixed = svg_text_as_measured(svg);
        assert_eq!(
            fixed,
            r#"<text font-size="33.78" x="1">A</text><text font-size="x">"#
        );
        // The width plotters measures for PNG text equals that of the SVG text after scaling:
        // an SVG em of s / 1.24 · scale = the PNG em, s · 2048 / 2789.
        let s = 46.0;
        assert!((s / 1.24 * SVG_FONT_SCALE - s * 2048.0 / 2789.0).abs() < 1e-9);
    }

    #[test]
    fn coinciding_lines_point_at_the_reference_first() {
        let lines = [(1, false), (2, true), (1, false), (2, false), (3, false)];
        assert_eq!(coinciding(&lines), [None, None, Some(0), Some(1), None]);
    }

    #[test]
    fn overlaid_lines_thin_out_and_the_reference_is_last() {
        for n in 1..=12 {
            let looks = overlay((0..n).collect(), |i| bundle_style(*i, Some(0)));
            assert_eq!(looks.last().map(|l| l.0), Some(0));
            let others: Vec<u32> = looks[..n - 1].iter().map(|l| l.1.width).collect();
            assert!(others.windows(2).all(|w| w[0] > w[1]), "{others:?}");
            assert!(others.iter().all(|w| (3..=13).contains(w)), "{others:?}");
        }
    }
}

//! What `leversim plot` can be asked for: the bundles and outcomes charted (in [`View`]), the
//! canvas size and the file formats of the charts.
//!
//! Values arrive as the words of the command line and are checked here, so that a bad one is
//! refused with a message that names it and says what would do ([`OptionError`]); names of
//! bundles and outcomes are checked against a results folder by the command (`cli/plot.rs`),
//! which has the did-you-mean helper.

use std::fmt;
use std::str::FromStr;

use super::read::View;
use super::theme::SIZE;

/// A refused option value: names the value and says what would do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// `--size` neither a preset nor `WxH` within bounds.
    #[error(
        "`{0}` is not a chart size: use slide (1600x900), half (800x900), column (1050x800) or \
         WIDTHxHEIGHT in pixels, each from {MIN_SIDE} to {MAX_SIDE}, e.g. 1200x800"
    )]
    Size(String),
    /// `--format` not one of the formats.
    #[error("`{0}` is not a chart format: use png, svg or pdf (several with commas: png,pdf)")]
    Format(String),
    /// A name in `--bundles` that is no bundle of the results.
    #[error("`{name}` is not a bundle of these results{hint}")]
    Bundle {
        /// The name given.
        name: String,
        /// ": did you mean ...?", or the bundles there are.
        hint: String,
    },
    /// A name in `--outcomes` that is no outcome or series of the results.
    #[error("`{name}` is neither an outcome nor a recorded series of these results{hint}")]
    Outcome {
        /// The name given.
        name: String,
        /// ": did you mean ...?", or the outcomes there are.
        hint: String,
    },
}

/// Smallest side of a chart, pixels: below it the title, legend and axes leave no plot.
pub const MIN_SIDE: u32 = 400;
/// Largest side of a chart, pixels (a PNG of 8000 × 8000 is 256 MB in memory while drawn).
pub const MAX_SIDE: u32 = 8000;

/// The canvas of a chart.
///
/// Text has the same size in pixels at every canvas size, so that a chart made for half a slide
/// and put on half a slide reads like a full-slide chart on a full slide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChartSize {
    /// A 16:9 slide, 1600 × 900 (the default).
    #[default]
    Slide,
    /// Half a 16:9 slide, side by side with another chart: 800 × 900.
    Half,
    /// A column of a printed page: 1050 × 800.
    Column,
    /// Any width × height in pixels.
    Pixels(u32, u32),
}

impl ChartSize {
    /// Width and height in pixels.
    pub fn pixels(self) -> (u32, u32) {
        match self {
            ChartSize::Slide => SIZE,
            ChartSize::Half => (800, 900),
            ChartSize::Column => (1050, 800),
            ChartSize::Pixels(w, h) => (w, h),
        }
    }

    /// The canvas of a chart whose own size is `natural` (a dashboard taller than a slide for
    /// many bundles): this size, taller in the same proportion.
    pub fn for_chart(self, natural: (u32, u32)) -> (u32, u32) {
        let (w, h) = self.pixels();
        if natural.1 > SIZE.1 && self == ChartSize::Slide {
            return natural;
        }
        if natural.1 > SIZE.1 {
            let taller = u64::from(h) * u64::from(natural.1) / u64::from(SIZE.1);
            return (w, taller.min(u64::from(MAX_SIDE)) as u32);
        }
        (w, h)
    }
}

impl FromStr for ChartSize {
    type Err = OptionError;

    /// `slide`, `half`, `column` or `WIDTHxHEIGHT` (each side from [`MIN_SIDE`] to [`MAX_SIDE`]).
    ///
    /// ```
    /// use leversim::plot::options::ChartSize;
    /// assert_eq!("half".parse::<ChartSize>().unwrap().pixels(), (800, 900));
    /// assert_eq!("1200x800".parse::<ChartSize>().unwrap().pixels(), (1200, 800));
    /// assert!("0x0".parse::<ChartSize>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<ChartSize, OptionError> {
        let word = s.trim().to_ascii_lowercase();
        match word.as_str() {
            "slide" => return Ok(ChartSize::Slide),
            "half" => return Ok(ChartSize::Half),
            "column" => return Ok(ChartSize::Column),
            _ => {}
        }
        let bad = || OptionError::Size(s.to_string());
        let (w, h) = word.split_once(['x', '×']).ok_or_else(bad)?;
        let side = |v: &str| {
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (MIN_SIDE..=MAX_SIDE).contains(n))
        };
        match (side(w), side(h)) {
            (Some(w), Some(h)) => Ok(ChartSize::Pixels(w, h)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ChartSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, h) = self.pixels();
        write!(f, "{w}x{h}")
    }
}

/// A file format of charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImageFormat {
    /// PNG, for slides.
    Png,
    /// SVG, for print and the web; text stays text.
    Svg,
    /// PDF, for print: vector graphics, the embedded font's glyphs as text (selectable,
    /// searchable).
    Pdf,
}

impl ImageFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
            ImageFormat::Pdf => "pdf",
        }
    }

    /// The formats in `s`, a comma-separated list (`png,pdf`), each once, in the order png,
    /// svg, pdf.
    ///
    /// # Errors
    /// [`OptionError::Format`] naming the first word that is not a format.
    pub fn parse_list(s: &str) -> Result<Vec<ImageFormat>, OptionError> {
        let mut out = Vec::new();
        for word in s.split(',') {
            let format = match word.trim().to_ascii_lowercase().as_str() {
                "png" => ImageFormat::Png,
                "svg" => ImageFormat::Svg,
                "pdf" => ImageFormat::Pdf,
                _ => return Err(OptionError::Format(word.trim().to_string())),
            };
            if !out.contains(&format) {
                out.push(format);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// A list of formats as one command-line value (`png,pdf`): see [`ImageFormat::parse_list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formats(pub Vec<ImageFormat>);

impl FromStr for Formats {
    type Err = OptionError;

    fn from_str(s: &str) -> Result<Formats, OptionError> {
        ImageFormat::parse_list(s).map(Formats)
    }
}

/// Everything `leversim plot` may be asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotOptions {
    /// Bundles, outcomes and source line.
    pub view: View,
    /// Canvas size.
    pub size: ChartSize,
    /// Files written for each chart.
    pub formats: Vec<ImageFormat>,
}

impl Default for PlotOptions {
    /// What `leversim run` draws: every chart the scenario chooses, on a slide, as PNG and SVG.
    fn default() -> PlotOptions {
        PlotOptions {
            view: View::default(),
            size: ChartSize::Slide,
            formats: vec![ImageFormat::Png, ImageFormat::Svg],
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_are_named() {
        assert_eq!("slide".parse(), Ok(ChartSize::Slide));
        assert_eq!("Column".parse(), Ok(ChartSize::Column));
        assert_eq!("1200x800".parse(), Ok(ChartSize::Pixels(1200, 800)));
        assert_eq!("1200×800".parse(), Ok(ChartSize::Pixels(1200, 800)));
        for bad in [
            "0x0", "100x100", "9000x900", "big", "1200x", "x800", "-1x5", "",
        ] {
            let err = bad.parse::<ChartSize>().unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&format!("`{bad}`")), "{text}");
            assert!(
                text.contains("slide") && text.contains("WIDTHxHEIGHT"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_taller_chart_stays_taller_in_proportion() {
        assert_eq!(ChartSize::Slide.for_chart((1600, 1350)), (1600, 1350));
        assert_eq!(ChartSize::Half.for_chart((1600, 1350)), (800, 1350));
        assert_eq!(ChartSize::Half.for_chart(SIZE), (800, 900));
    }

    #[test]
    fn formats_parse_as_a_list() {
        assert_eq!(
            ImageFormat::parse_list("pdf,png,pdf"),
            Ok(vec![ImageFormat::Png, ImageFormat::Pdf])
        );
        assert_eq!(
            ImageFormat::parse_list("jpeg"),
            Err(OptionError::Format("jpeg".into()))
        );
        assert!(
            OptionError::Format("jpeg".into())
                .to_string()
                .contains("png, svg or pdf")
        );
    }
}

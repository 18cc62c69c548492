//! PDF charts: the SVG a chart draws, converted to PDF with its text kept as text.
//!
//! plotters has no PDF backend. Its SVG keeps every label as a `<text>` element in the
//! `sans-serif` family; [`svg2pdf`] (typst's converter, over `usvg`) lays that text out with the
//! embedded Noto Sans, registered here as the sans-serif family, and writes it as PDF text in
//! a subset of that font, embedded: the words can be selected, searched and copied, and the
//! file needs no font on the reader's machine.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use svg2pdf::usvg;

/// Pixels per inch of the page: a 1600 × 900 slide chart becomes a 13.33 × 7.5 inch page,
/// the size of a 16:9 presentation slide.
pub const DPI: f32 = 120.0;

/// The family name of the embedded font, as the font itself gives it.
const FAMILY: &str = "Noto Sans";

/// The PDF of the chart drawn as `svg` (plotters' SVG).
///
/// # Errors
/// When the SVG cannot be read or the PDF cannot be written (a broken chart, not bad input).
pub fn pdf_of(svg: &str) -> Result<Vec<u8>> {
    let mut options = usvg::Options::default();
    {
        let fonts = Arc::make_mut(&mut options.fontdb);
        fonts.load_font_data(ttf_noto_sans::REGULAR.to_vec());
        fonts.set_sans_serif_family(FAMILY);
    }
    options.font_family = FAMILY.to_string();
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| anyhow!("could not read a chart's SVG for its PDF: {e}"))?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions { dpi: DPI },
    )
    .map_err(|e| anyhow!("could not write a chart as PDF: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_pdf_text_in_the_embedded_font() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100">
            <text x="10" y="50" font-family="sans-serif" font-size="20">Status quo 19%</text>
            </svg>"#;
        let pdf = pdf_of(svg).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        // The font is embedded (a FontFile2 stream of a subset of Noto Sans) with a ToUnicode
        // map, which is what makes the glyphs selectable text.
        assert!(text.contains("FontFile2"), "no embedded TrueType font");
        assert!(text.contains("NotoSans"), "not the embedded font");
        assert!(text.contains("ToUnicode"), "text not mapped to Unicode");
    }
}

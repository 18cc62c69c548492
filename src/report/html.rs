//! The HTML of the report page: escaping, a small builder and the page's stylesheet.
//!
//! Every text that comes from a scenario or a results file goes through [`esc`] (element
//! content and attribute values alike), so a label such as `<script>` shows as text. The page
//! holds no script, no link and no reference to anything outside it: its styles are inline, its
//! charts inline SVG, and system fonts draw its text.

use std::fmt::Write;

/// `text` escaped for HTML element content and quoted attribute values.
///
/// # Examples
/// ```
/// use leversim::report::html::esc;
/// assert_eq!(esc("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
/// ```
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page being written.
#[derive(Default)]
pub struct Html {
    out: String,
}

impl Html {
    /// Appends markup written by this module (never user text: use [`Html::text`]).
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Appends `text`, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&esc(text));
        self
    }

    /// `<tag class="class">text</tag>`, text escaped.
    pub fn el(&mut self, tag: &str, class: &str, text: &str) -> &mut Self {
        if class.is_empty() {
            let _ = write!(self.out, "<{tag}>{}</{tag}>", esc(text));
        } else {
            let _ = write!(self.out, "<{tag} class=\"{class}\">{}</{tag}>", esc(text));
        }
        self
    }

    /// A table: a header row and rows of cells, all escaped; `numeric[i]` right-aligns
    /// column i.
    pub fn table(&mut self, class: &str, head: &[String], rows: &[Vec<String>], numeric: &[bool]) {
        let _ = write!(self.out, "<table class=\"{class}\"><thead><tr>");
        for (i, h) in head.iter().enumerate() {
            let c = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(self.out, "<th{c}>{}</th>", esc(h));
        }
        self.out.push_str("</tr></thead><tbody>");
        for row in rows {
            self.out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let c = if numeric.get(i).copied().unwrap_or(false) {
                    " class=\"n\""
                } else {
                    ""
                };
                // A line break in a cell separates an estimate from its change.
                let _ = write!(self.out, "<td{c}>{}</td>", esc(cell).replace('\n', "<br>"));
            }
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table>");
    }

    /// The page.
    pub fn finish(self) -> String {
        self.out
    }
}

/// The page's styles: a readable screen page, and a print layout on A4 or Letter (the margins
/// and sizes fit both: 210 × 279 mm is the area they share).
pub const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #212121;
  max-width: 62em; margin: 1.5em auto; padding: 0 1em; line-height: 1.4; font-size: 15px; }
h1 { font-size: 1.55em; margin: 0 0 .2em; line-height: 1.2; }
h2 { font-size: 1.1em; margin: 1em 0 .3em; border-bottom: 1px solid #bbb; padding-bottom: .1em; }
p { margin: .3em 0; }
.question { font-size: 1.1em; font-weight: 600; margin: .4em 0; }
.muted, .note { color: #5a5a5a; }
.note { font-size: .88em; }
ul { margin: .3em 0; padding-left: 1.2em; }
li { margin: .15em 0; }
table { border-collapse: collapse; width: 100%; font-size: .86em; margin: .3em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .12em .35em; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #888; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; }
/* The results table has a column per outcome: its cells wrap between numbers rather than
   push the table past the page. */
table.results th.n { white-space: normal; }
table.results td:first-child { min-width: 7em; }
.charts { display: grid; grid-template-columns: 1fr; gap: .6em; }
.print { display: none; }
figure { margin: 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
.prov { font-size: .8em; color: #444; overflow-wrap: anywhere; }
code { font-size: .95em; }
@page { size: auto; margin: 10mm 10mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 7.6pt; line-height: 1.25; }
  h1 { font-size: 13pt; } h2 { font-size: 9pt; margin: 1.6mm 0 .6mm; }
  .question { font-size: 9pt; margin: .8mm 0; }
  table { font-size: 6.9pt; margin: .5mm 0; }
  th, td { padding: .1mm 1mm; }
  li { margin: 0; }
  .charts { gap: 1mm; }
  .screen { display: none; }
  .print { display: block; }
  /* Side by side, the charts keep nearly the size they would have stacked at a readable
     height, and leave the second page room for the record, the assumptions and a long
     provenance (paths differ from machine to machine). */
  .charts { grid-template-columns: 1fr 1fr; align-items: start; }
  figure svg { max-height: 80mm; width: 100%; margin: 0 auto; }
  .prov { font-size: .75em; }
  h2, tr { break-after: avoid; break-inside: avoid; }
}
"#;

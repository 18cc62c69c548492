//! Text rendering of diagnostics in the rustc style, which analysts can read without training
//! and which is stable enough to snapshot-test:
//!
//! ```text
//! error[unknown-name]: unknown name `shell_outptu`
//!   --> scenarios/korea-russia.toml:42:15
//!    |
//! 42 | rate = "war * shell_outptu * (1 - interdict)"
//!    |               ^^^^^^^^^^^^ not a param, lever, stock, flow, auxiliary or event
//!    |
//!    = help: did you mean `shell_output`?
//! ```
//!
//! Layout rules (all deterministic):
//! - The gutter is as wide as the largest line number shown in the diagnostic.
//! - The primary label is underlined with `^`, secondary labels with `-`. Labels are grouped by
//!   file (primary's file first, others in order of first appearance); each group has its own
//!   `--> file:line:col` header; inside a group lines are sorted and gaps shown as `...`.
//! - Columns in headers count Unicode chars. In the quoted line a tab is shown as 4 spaces and
//!   every other char as one column (East-Asian width is ignored), so carets stay aligned.
//! - A span covering several lines underlines the first line to its end and appends
//!   `(continues to line N)`; an empty span shows one caret at its position.
//! - Lines longer than 160 columns are cut to a window of 120 columns around the labels, with
//!   `...` on each cut side.
//!
//! ANSI colours are added only when requested and never change the text otherwise: stripping
//! the escape codes from coloured output gives exactly the plain output.

use std::collections::BTreeSet;

use super::printable::printable;
use super::source::{FileId, SourceFile, SourceMap};
use super::{Diagnostic, Diagnostics, Label, Severity};

/// Display width of a tab in quoted source lines.
const TAB_WIDTH: usize = 4;
/// Quoted lines wider than this (in display columns) are windowed.
const LONG_LINE: usize = 160;
/// Width of the window shown for a long line (excluding the `...` markers).
const WINDOW: usize = 120;
/// Marker for the cut side(s) of a windowed line.
const ELLIPSIS: &str = "...";

/// ANSI styling; every method is the identity when colour is off.
#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    const RESET: &'static str = "\x1b[0m";
    const BOLD: &'static str = "\x1b[1m";
    const RED: &'static str = "\x1b[1;31m";
    const YELLOW: &'static str = "\x1b[1;33m";
    const BLUE: &'static str = "\x1b[1;34m";

    fn paint(self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{code}{text}{}", Self::RESET)
        } else {
            text.to_owned()
        }
    }

    fn severity(self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Error => Self::RED,
            Severity::Warning => Self::YELLOW,
        };
        self.paint(code, text)
    }

    fn gutter(self, text: &str) -> String {
        self.paint(Self::BLUE, text)
    }

    fn bold(self, text: &str) -> String {
        self.paint(Self::BOLD, text)
    }
}

/// One underline under a quoted line; `start..end` are char indices into the line.
struct Mark {
    start: usize,
    end: usize,
    primary: bool,
    message: String,
}

/// A quoted source line and the underlines beneath it.
struct QuotedLine<'a> {
    number: usize,
    text: &'a str,
    marks: Vec<Mark>,
}

/// All labels of one diagnostic that point into the same file.
struct FileGroup<'a> {
    path: String,
    /// 1-based (line, column) shown in the `-->` header; `None` for an unknown file.
    location: Option<(usize, usize)>,
    lines: Vec<QuotedLine<'a>>,
}

/// A label resolved against its source file.
struct Placed<'a> {
    line: usize,
    column: usize,
    text: &'a str,
    mark: Mark,
}

/// Resolves a label to its first line, char range on that line and final message.
fn place<'a>(file: &'a SourceFile, label: &Label, primary: bool) -> Placed<'a> {
    let span = label.span.normalized();
    let start = file.clamp_offset(span.start as usize);
    let end = file.clamp_offset(span.end as usize).max(start);
    let (line, column) = file.line_col(start);
    // The last covered byte decides the final line, so a span that swallows its line's newline
    // is still a single-line span.
    let last_line = file.line_col(if end > start { end - 1 } else { start }).0;
    let text = file.line_text(line).unwrap_or("");
    let line_chars = text.chars().count();
    let start_char = column.saturating_sub(1);
    let line_start = file.line_start(line).unwrap_or(0);
    let end_char = if last_line > line {
        line_chars
    } else {
        let covered = file
            .text
            .get(line_start..end)
            .map_or(0, |s| s.chars().count());
        covered.min(line_chars)
    };
    let mut message = label.message.clone();
    if last_line > line {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(&format!("(continues to line {last_line})"));
    }
    Placed {
        line,
        column,
        text,
        mark: Mark {
            start: start_char,
            end: end_char.max(start_char),
            primary,
            message,
        },
    }
}

/// Groups the labels of `diag` by file, primary file first, lines sorted within a group.
fn build_groups<'a>(diag: &Diagnostic, sources: &'a SourceMap) -> Vec<FileGroup<'a>> {
    let labels = diag
        .primary
        .iter()
        .map(|label| (label, true))
        .chain(diag.secondary.iter().map(|label| (label, false)));
    let mut order: Vec<FileId> = Vec::new();
    let mut placed_by_file: Vec<Vec<Placed<'a>>> = Vec::new();
    for (label, primary) in labels {
        let file_id = label.span.file;
        let index = order
            .iter()
            .position(|&id| id == file_id)
            .unwrap_or_else(|| {
                order.push(file_id);
                placed_by_file.push(Vec::new());
                order.len() - 1
            });
        if let (Some(file), Some(bucket)) = (sources.get(file_id), placed_by_file.get_mut(index)) {
            bucket.push(place(file, label, primary));
        }
    }
    order
        .into_iter()
        .zip(placed_by_file)
        .map(|(file_id, placed)| {
            // The primary label fixes its group's header; other groups use their earliest label.
            let anchor = placed
                .iter()
                .find(|p| p.mark.primary)
                .or_else(|| placed.iter().min_by_key(|p| (p.line, p.column)));
            FileGroup {
                path: sources.get(file_id).map_or_else(
                    || format!("<unknown file #{}>", file_id.0),
                    |file| file.path.clone(),
                ),
                location: anchor.map(|p| (p.line, p.column)),
                lines: merge_lines(placed),
            }
        })
        .collect()
}

/// Sorts placed labels by (line, column, primary first) and merges those on the same line.
fn merge_lines(mut placed: Vec<Placed<'_>>) -> Vec<QuotedLine<'_>> {
    placed.sort_by_key(|p| (p.line, p.mark.start, !p.mark.primary));
    let mut lines: Vec<QuotedLine<'_>> = Vec::new();
    for p in placed {
        match lines.last_mut() {
            Some(last) if last.number == p.line => last.marks.push(p.mark),
            _ => lines.push(QuotedLine {
                number: p.line,
                text: p.text,
                marks: vec![p.mark],
            }),
        }
    }
    lines
}

/// A quoted line after tab expansion: its chars and the display column of every char index
/// (one extra entry for the position just past the end).
struct Expanded {
    chars: Vec<char>,
    columns: Vec<usize>,
}

fn expand_tabs(text: &str) -> Expanded {
    let mut chars = Vec::with_capacity(text.len());
    let mut columns = Vec::with_capacity(text.len() + 1);
    for c in text.chars() {
        columns.push(chars.len());
        if c == '\t' {
            chars.extend(std::iter::repeat_n(' ', TAB_WIDTH));
        } else if super::printable::is_unprintable(c) {
            // A raw control character in a quoted line would act on the terminal.
            chars.push('\u{fffd}');
        } else {
            chars.push(c);
        }
    }
    columns.push(chars.len());
    Expanded { chars, columns }
}

impl Expanded {
    /// Display column range of the char range `start..end`, at least one column wide.
    fn display_range(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.columns.len().saturating_sub(1);
        let column = |index: usize| self.columns.get(index.min(last)).copied().unwrap_or(0);
        let from = column(start);
        (from, column(end).max(from + 1))
    }
}

/// The visible part `start..end` (display columns) of a quoted line.
struct Window {
    start: usize,
    end: usize,
    cut_left: bool,
    cut_right: bool,
}

/// Chooses the window for a line `len` columns wide whose labels cover `focus_start..focus_end`.
fn choose_window(len: usize, focus_start: usize, focus_end: usize) -> Window {
    if len <= LONG_LINE {
        return Window {
            start: 0,
            end: len,
            cut_left: false,
            cut_right: false,
        };
    }
    let focus_width = focus_end.saturating_sub(focus_start);
    let mut start = focus_start.saturating_sub(WINDOW.saturating_sub(focus_width) / 2);
    let end = (start + WINDOW).min(len);
    // Near the end of the line, slide left so the window stays full width.
    start = start.min(end.saturating_sub(WINDOW));
    Window {
        start,
        end,
        cut_left: start > 0,
        cut_right: end < len,
    }
}

/// Renders one diagnostic (header, snippets, notes, help), ending with a newline.
pub fn render_diagnostic(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let style = Style { color };
    let groups = build_groups(diag, sources);
    let widest = groups
        .iter()
        .flat_map(|group| group.lines.iter().map(|line| line.number))
        .max()
        .unwrap_or(0);
    let width = widest.to_string().len();
    let pad = " ".repeat(width);
    let empty_gutter = format!("{pad} {}\n", style.gutter("|"));

    let mut out = header(diag, style);
    for (index, group) in groups.iter().enumerate() {
        if index > 0 {
            out.push_str(&empty_gutter);
        }
        out.push_str(&render_group(group, diag.severity, width, style));
    }
    let has_footer = !diag.notes.is_empty() || diag.help.is_some();
    if has_footer && !groups.is_empty() {
        out.push_str(&empty_gutter);
    }
    let notes = diag.notes.iter().map(|note| ("note", note));
    for (kind, text) in notes.chain(diag.help.iter().map(|help| ("help", help))) {
        out.push_str(&format!(
            "{pad} {} {}: {}\n",
            style.gutter("="),
            style.bold(kind),
            printable(text)
        ));
    }
    out
}

fn header(diag: &Diagnostic, style: Style) -> String {
    let tag = format!("{}[{}]", diag.severity.as_str(), diag.code.as_str());
    format!(
        "{}{}\n",
        style.severity(diag.severity, &tag),
        style.bold(&format!(": {}", printable(&diag.message)))
    )
}

fn render_group(group: &FileGroup<'_>, severity: Severity, width: usize, style: Style) -> String {
    let pad = " ".repeat(width);
    let location = match group.location {
        Some((line, column)) => format!("{}:{line}:{column}", printable(&group.path)),
        None => printable(&group.path).into_owned(),
    };
    let mut out = format!("{pad}{} {location}\n", style.gutter("-->"));
    if group.lines.is_empty() {
        return out;
    }
    out.push_str(&format!("{pad} {}\n", style.gutter("|")));
    let mut previous: Option<usize> = None;
    for line in &group.lines {
        if previous.is_some_and(|p| line.number > p + 1) {
            out.push_str(&format!("{}\n", style.gutter(ELLIPSIS)));
        }
        previous = Some(line.number);
        out.push_str(&render_line(line, severity, width, style));
    }
    out
}

/// The quoted line plus one underline row per mark.
fn render_line(line: &QuotedLine<'_>, severity: Severity, width: usize, style: Style) -> String {
    let expanded = expand_tabs(line.text);
    let ranges: Vec<(usize, usize)> = line
        .marks
        .iter()
        .map(|mark| expanded.display_range(mark.start, mark.end))
        .collect();
    let focus_start = ranges.iter().map(|r| r.0).min().unwrap_or(0);
    let focus_end = ranges.iter().map(|r| r.1).max().unwrap_or(0);
    let window = choose_window(expanded.chars.len(), focus_start, focus_end);

    let visible: String = expanded
        .chars
        .get(window.start..window.end)
        .unwrap_or_default()
        .iter()
        .collect();
    let left = if window.cut_left { ELLIPSIS } else { "" };
    let right = if window.cut_right { ELLIPSIS } else { "" };
    let number = format!("{:>width$} |", line.number);
    let quoted = format!("{left}{visible}{right}");
    let mut out = if quoted.is_empty() {
        format!("{}\n", style.gutter(&number))
    } else {
        format!("{} {quoted}\n", style.gutter(&number))
    };

    let pad = " ".repeat(width);
    let shift = left.len();
    for (mark, &(from, to)) in line.marks.iter().zip(&ranges) {
        // Clip to the window; a mark wholly outside keeps one caret at the nearest edge.
        // (max/min rather than clamp: clamp would panic if the window were ever inverted.)
        let from_clipped = from.max(window.start).min(window.end);
        let to_clipped = to.min(window.end).max(from_clipped + 1);
        let indent = " ".repeat(from_clipped - window.start + shift);
        let symbol = if mark.primary { "^" } else { "-" };
        let mut underline = symbol.repeat(to_clipped - from_clipped);
        if !mark.message.is_empty() {
            underline.push(' ');
            underline.push_str(&printable(&mark.message));
        }
        let painted = if mark.primary {
            style.severity(severity, &underline)
        } else {
            style.gutter(&underline)
        };
        out.push_str(&format!("{pad} {} {indent}{painted}\n", style.gutter("|")));
    }
    out
}

/// The closing summary line, e.g. `error: 3 problems found in x.toml (2 errors, 1 warning)`.
///
/// "in ..." names the file when all located problems are in one file, says "in N files"
/// otherwise, and is omitted when no problem has a location. With warnings only it reads
/// `warning: no errors in x.toml (2 warnings)`. Empty for an empty collection.
pub fn render_summary(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
    let style = Style { color };
    let (errors, warnings) = (diags.error_count(), diags.warning_count());
    if errors + warnings == 0 {
        return String::new();
    }
    let files: BTreeSet<FileId> = diags
        .iter()
        .filter_map(|d| d.primary.as_ref())
        .map(|label| label.span.file)
        .filter(|&id| sources.get(id).is_some())
        .collect();
    let place = match files.len() {
        0 => String::new(),
        1 => files
            .first()
            .and_then(|&id| sources.get(id))
            .map_or_else(String::new, |file| format!(" in {}", printable(&file.path))),
        n => format!(" in {n} files"),
    };
    let (severity, text) = if errors > 0 {
        (
            Severity::Error,
            format!(
                ": {} found{place} ({}, {})",
                plural(errors + warnings, "problem"),
                plural(errors, "error"),
                plural(warnings, "warning")
            ),
        )
    } else {
        (
            Severity::Warning,
            format!(": no errors{place} ({})", plural(warnings, "warning")),
        )
    };
    format!(
        "{}{}\n",
        style.severity(severity, severity.as_str()),
        style.bold(&text)
    )
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::source::Span;
    use super::super::{Code, Diagnostic};
    use super::*;

    /// Byte span of the `nth` (0-based) occurrence of `needle` in `text`.
    fn find(file: FileId, text: &str, needle: &str, nth: usize) -> Span {
        let start = text.match_indices(needle).nth(nth).unwrap().0;
        Span::new(file, start as u32, (start + needle.len()) as u32)
    }

    fn plain(diag: &Diagnostic, sources: &SourceMap) -> String {
        render_diagnostic(diag, sources, false)
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// 41 filler lines so the interesting line is line 42, as in the spec example.
    fn korea_russia() -> (SourceMap, FileId, String) {
        let mut text = "# filler\n".repeat(41);
        text.push_str("rate = \"war * shell_outptu * (1 - interdict)\"\n");
        let mut sources = SourceMap::new();
        let id = sources.add("scenarios/korea-russia.toml", text.clone());
        (sources, id, text)
    }

    #[test]
    fn single_line_label_with_help() {
        let (sources, f, text) = korea_russia();
        let diag = Diagnostic::error(Code::UnknownName, "unknown name `shell_outptu`")
            .with_label(
                find(f, &text, "shell_outptu", 0),
                "not a param, lever, stock, flow, auxiliary or event",
            )
            .with_help("did you mean `shell_output`?");
        let expected = r#"error[unknown-name]: unknown name `shell_outptu`
  --> scenarios/korea-russia.toml:42:15
   |
42 | rate = "war * shell_outptu * (1 - interdict)"
   |               ^^^^^^^^^^^^ not a param, lever, stock, flow, auxiliary or event
   |
   = help: did you mean `shell_output`?
"#;
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn color_only_adds_escapes() {
        let (sources, f, text) = korea_russia();
        let diag = Diagnostic::error(Code::UnknownName, "unknown name `shell_outptu`")
            .with_label(find(f, &text, "shell_outptu", 0), "here")
            .with_label(find(f, &text, "war", 0), "related")
            .with_note("n")
            .with_help("h");
        let colored = render_diagnostic(&diag, &sources, true);
        assert!(colored.contains("\x1b[1;31merror[unknown-name]\x1b[0m"));
        assert!(colored.contains("\x1b[1;34m---"));
        assert_eq!(strip_ansi(&colored), plain(&diag, &sources));
        assert!(!plain(&diag, &sources).contains('\x1b'));
        let diags: Diagnostics = [diag].into_iter().collect();
        let summary = render_summary(&diags, &sources, true);
        assert!(summary.starts_with("\x1b[1;31merror\x1b[0m"));
        assert_eq!(
            strip_ansi(&summary),
            render_summary(&diags, &sources, false)
        );
    }

    #[test]
    fn secondary_label_on_other_line_and_gap() {
        let text = "[params]\noil = 1\n# a\n# b\noil = 2\ngas = 3\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::error(Code::DuplicateName, "`oil` is defined twice")
            .with_label(find(f, text, "oil", 1), "second definition")
            .with_label(find(f, text, "oil", 0), "first defined here")
            .with_label(find(f, text, "gas", 0), "");
        let expected = r"error[duplicate-name]: `oil` is defined twice
 --> x.toml:5:1
  |
2 | oil = 1
  | --- first defined here
...
5 | oil = 2
  | ^^^ second definition
6 | gas = 3
  | ---
";
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn two_labels_on_one_line() {
        let text = "x = \"a + b\"\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::error(Code::WrongType, "cannot add")
            .with_label(find(f, text, "b", 0), "text")
            .with_label(find(f, text, "a", 0), "number");
        let expected = r#"error[wrong-type]: cannot add
 --> x.toml:1:10
  |
1 | x = "a + b"
  |      - number
  |          ^ text
"#;
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn label_at_end_of_file() {
        let text = "name = \"unterminated";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let end = text.len() as u32;
        let diag = Diagnostic::error(Code::TomlSyntax, "unterminated string")
            .with_label(Span::point(f, end), "expected `\"` here");
        let expected = r#"error[toml-syntax]: unterminated string
 --> x.toml:1:21
  |
1 | name = "unterminated
  |                     ^ expected `"` here
"#;
        assert_eq!(plain(&diag, &sources), expected);
        // Offsets past the end clamp to the same place.
        let past = Diagnostic::error(Code::TomlSyntax, "unterminated string")
            .with_label(Span::new(f, end + 5, end + 9), "expected `\"` here");
        assert_eq!(plain(&past, &sources), expected);
        // With a trailing newline, end of file is the empty line after it.
        let text = "values = [1, 2\n";
        let g = sources.add("y.toml", text);
        let diag = Diagnostic::error(Code::TomlSyntax, "unclosed array")
            .with_label(Span::point(g, text.len() as u32), "expected `]`");
        let expected =
            "error[toml-syntax]: unclosed array\n --> y.toml:2:1\n  |\n2 |\n  | ^ expected `]`\n";
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn multibyte_chars_before_span() {
        let text = "note = \"2024–2025 café\" + bad\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::error(Code::FormulaSyntax, "unexpected `bad`")
            .with_label(find(f, text, "bad", 0), "here");
        let expected = r#"error[formula-syntax]: unexpected `bad`
 --> x.toml:1:27
  |
1 | note = "2024–2025 café" + bad
  |                           ^^^ here
"#;
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn tab_expands_to_four_columns() {
        let text = "\trate =\tnope\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::error(Code::BadValue, "bad value")
            .with_label(find(f, text, "nope", 0), "not a number");
        let expected = r"error[bad-value]: bad value
 --> x.toml:1:9
  |
1 |     rate =    nope
  |               ^^^^ not a number
";
        assert_eq!(plain(&diag, &sources), expected);
        // A span over the tab itself is four carets wide.
        let tab = Diagnostic::error(Code::BadValue, "tab").with_label(Span::new(f, 7, 8), "");
        assert!(plain(&tab, &sources).ends_with(&format!("  | {}^^^^\n", " ".repeat(10))));
    }

    #[test]
    fn long_line_is_windowed() {
        let text = format!("x = \"{}BAD{}\"\n", "a".repeat(200), "b".repeat(200));
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text.clone());
        let diag =
            Diagnostic::error(Code::BadValue, "bad").with_label(find(f, &text, "BAD", 0), "here");
        // Span at display cols 205..208; window = 120 cols starting at 205 - 58 = 147.
        let expected = format!(
            "error[bad-value]: bad\n --> x.toml:1:206\n  |\n1 | ...{}BAD{}...\n  | {}^^^ here\n",
            "a".repeat(58),
            "b".repeat(59),
            " ".repeat(61)
        );
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn long_line_window_slides_at_line_end() {
        let text = format!("{}END", "a".repeat(200));
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text.clone());
        let diag =
            Diagnostic::error(Code::BadValue, "bad").with_label(find(f, &text, "END", 0), "");
        let expected = format!(
            "error[bad-value]: bad\n --> x.toml:1:201\n  |\n1 | ...{}END\n  | {}^^^\n",
            "a".repeat(117),
            " ".repeat(120)
        );
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn multi_line_span() {
        let text = "rate = \"\"\"\nwar *\n  oil\"\"\"\nnext = 1\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let start = text.find("\"\"\"").unwrap() as u32;
        let end = (text.find("oil").unwrap() + 6) as u32;
        let diag = Diagnostic::error(Code::FormulaSyntax, "formula is incomplete")
            .with_label(Span::new(f, start, end), "this formula");
        let expected = r#"error[formula-syntax]: formula is incomplete
 --> x.toml:1:8
  |
1 | rate = """
  |        ^^^ this formula (continues to line 3)
"#;
        assert_eq!(plain(&diag, &sources), expected);
        // A span that merely includes its own newline stays single-line.
        let own_line =
            Diagnostic::error(Code::BadValue, "x").with_label(find(f, text, "war *\n", 0), "");
        assert!(plain(&own_line, &sources).ends_with("2 | war *\n  | ^^^^^\n"));
    }

    #[test]
    fn no_label_diagnostic() {
        let diag = Diagnostic::error(Code::Io, "cannot read `missing.toml`: file not found")
            .with_note("the path is relative to the current directory")
            .with_help("check the spelling of the path");
        let expected = r"error[io]: cannot read `missing.toml`: file not found
  = note: the path is relative to the current directory
  = help: check the spelling of the path
";
        assert_eq!(plain(&diag, &SourceMap::new()), expected);
        let bare = Diagnostic::error(Code::Io, "boom");
        assert_eq!(plain(&bare, &SourceMap::new()), "error[io]: boom\n");
    }

    #[test]
    fn warning_header() {
        let text = "[levers]\nblockade = 0.5\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::warning(Code::UnusedItem, "lever `blockade` is never used")
            .with_label(find(f, text, "blockade", 0), "declared here")
            .with_note("unused levers do not affect any output");
        let expected = r"warning[unused-item]: lever `blockade` is never used
 --> x.toml:2:1
  |
2 | blockade = 0.5
  | ^^^^^^^^ declared here
  |
  = note: unused levers do not affect any output
";
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn two_files() {
        let base = "[params]\n\n\n\n\n\n\n\n\noil_price = 80\n";
        let child = "extends = \"base.toml\"\noil_price = 90\n";
        let mut sources = SourceMap::new();
        let b = sources.add("scenarios/base.toml", base);
        let c = sources.add("scenarios/child.toml", child);
        let diag = Diagnostic::error(Code::DuplicateName, "`oil_price` is defined twice")
            .with_label(find(c, child, "oil_price", 0), "redefined here")
            .with_label(find(b, base, "oil_price", 0), "first defined here")
            .with_help("use [overrides] to change an inherited value");
        let expected = r#"error[duplicate-name]: `oil_price` is defined twice
  --> scenarios/child.toml:2:1
   |
 2 | oil_price = 90
   | ^^^^^^^^^ redefined here
   |
  --> scenarios/base.toml:10:1
   |
10 | oil_price = 80
   | --------- first defined here
   |
   = help: use [overrides] to change an inherited value
"#;
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn unknown_file_and_inverted_span_do_not_panic() {
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", "a = 1\n");
        let diag = Diagnostic::error(Code::BadValue, "odd")
            .with_label(Span::new(FileId(9), 0, 3), "nowhere")
            .with_label(Span::new(f, 4, 1), "inverted");
        let expected = r"error[bad-value]: odd
 --> <unknown file #9>
  |
 --> x.toml:1:2
  |
1 | a = 1
  |  - inverted
";
        assert_eq!(plain(&diag, &sources), expected);
    }

    #[test]
    fn crlf_line_is_quoted_without_carriage_return() {
        let text = "a = 1\r\nb = x\r\n";
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", text);
        let diag = Diagnostic::error(Code::UnknownName, "unknown name `x`")
            .with_label(find(f, text, "x", 0), "");
        assert_eq!(
            plain(&diag, &sources),
            "error[unknown-name]: unknown name `x`\n --> x.toml:2:5\n  |\n2 | b = x\n  |     ^\n"
        );
    }
}

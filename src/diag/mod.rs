//! Diagnostics: every problem leversim finds in a scenario, reported like a good compiler does.
//!
//! Scenario files are written by analysts, not programmers, so each problem carries a stable
//! code, a plain-language message, the exact `file:line:column`, the quoted source line with an
//! underline, and where possible a hint ("did you mean `shell_output`?"). Problems are collected
//! in [`Diagnostics`] rather than returned one at a time, so a single `leversim validate` reports
//! everything at once, and rendering is deterministic so the output can be snapshot-tested.
//!
//! - [`source`] owns file text and byte-offset to line/column conversion.
//! - [`render`] turns a [`Diagnostic`] into text (plain or ANSI-coloured).
//! - [`suggest`] finds the closest known name for a misspelt one.

pub mod printable;
pub mod render;
pub mod source;
pub mod suggest;

use std::fmt;

pub use printable::printable;
pub use source::{FileId, SourceFile, SourceMap, Span};

/// How serious a diagnostic is: errors stop a run, warnings do not.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Severity {
    /// The scenario cannot be run as written.
    Error,
    /// The scenario runs, but something looks unintended.
    Warning,
}

impl Severity {
    /// Lower-case word used in rendered headers (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable machine-readable identifier of a kind of problem, shown as `error[code]`.
///
/// The kebab-case strings are part of leversim's interface (users search for them, tests and
/// scripts match on them), so never rename one; add new variants instead.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[non_exhaustive]
pub enum Code {
    /// A file could not be read.
    Io,
    /// A file is not valid UTF-8.
    NotUtf8,
    /// The TOML itself is malformed.
    TomlSyntax,
    /// A key that this section does not accept.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value of the wrong TOML type.
    WrongType,
    /// A name defined twice.
    DuplicateName,
    /// A reference to a name that is not defined.
    UnknownName,
    /// A formula calls a function that does not exist.
    UnknownFunction,
    /// A function called with the wrong number of arguments.
    WrongArity,
    /// A formula that does not parse.
    FormulaSyntax,
    /// Formulas that depend on each other circularly.
    FormulaCycle,
    /// An invalid distribution name or parameter set.
    BadDistribution,
    /// A malformed or out-of-range date.
    BadDate,
    /// An empty or reversed range.
    BadRange,
    /// A value outside its allowed domain.
    BadValue,
    /// A probability outside [0, 1] or probabilities that do not sum to 1.
    BadProbability,
    /// A reference to something of the wrong kind.
    BadReference,
    /// A user definition using a name leversim reserves.
    ReservedName,
    /// A section that must have entries but has none.
    EmptySection,
    /// A problem with the `extends` chain.
    Extends,
    /// Input beyond a size limit.
    TooLarge,
    /// Something declared but never used (a warning).
    UnusedItem,
    /// A calibration folder that cannot be used with this scenario.
    BadPosterior,
}

impl Code {
    /// Every code, in declaration order; used by tests and by `leversim explain`-style listings.
    pub const ALL: &'static [Code] = &[
        Code::Io,
        Code::NotUtf8,
        Code::TomlSyntax,
        Code::UnknownKey,
        Code::MissingKey,
        Code::WrongType,
        Code::DuplicateName,
        Code::UnknownName,
        Code::UnknownFunction,
        Code::WrongArity,
        Code::FormulaSyntax,
        Code::FormulaCycle,
        Code::BadDistribution,
        Code::BadDate,
        Code::BadRange,
        Code::BadValue,
        Code::BadProbability,
        Code::BadReference,
        Code::ReservedName,
        Code::EmptySection,
        Code::Extends,
        Code::TooLarge,
        Code::UnusedItem,
        Code::BadPosterior,
    ];

    /// The stable kebab-case identifier shown in `error[...]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "io",
            Self::NotUtf8 => "not-utf8",
            Self::TomlSyntax => "toml-syntax",
            Self::UnknownKey => "unknown-key",
            Self::MissingKey => "missing-key",
            Self::WrongType => "wrong-type",
            Self::DuplicateName => "duplicate-name",
            Self::UnknownName => "unknown-name",
            Self::UnknownFunction => "unknown-function",
            Self::WrongArity => "wrong-arity",
            Self::FormulaSyntax => "formula-syntax",
            Self::FormulaCycle => "formula-cycle",
            Self::BadDistribution => "bad-distribution",
            Self::BadDate => "bad-date",
            Self::BadRange => "bad-range",
            Self::BadValue => "bad-value",
            Self::BadProbability => "bad-probability",
            Self::BadReference => "bad-reference",
            Self::ReservedName => "reserved-name",
            Self::EmptySection => "empty-section",
            Self::Extends => "extends",
            Self::TooLarge => "too-large",
            Self::UnusedItem => "unused-item",
            Self::BadPosterior => "bad-posterior",
        }
    }

    /// One plain-language sentence explaining the code to an analyst.
    pub fn description(self) -> &'static str {
        match self {
            Self::Io => "A file could not be read from disk.",
            Self::NotUtf8 => "A file is not valid UTF-8 text.",
            Self::TomlSyntax => "The file is not valid TOML.",
            Self::UnknownKey => "A key is not recognised in this section.",
            Self::MissingKey => "A required key is missing.",
            Self::WrongType => "A value has the wrong type, e.g. text where a number is expected.",
            Self::DuplicateName => "The same name is defined more than once.",
            Self::UnknownName => "A formula or reference uses a name that is not defined.",
            Self::UnknownFunction => "A formula calls a function that does not exist.",
            Self::WrongArity => "A function is called with the wrong number of arguments.",
            Self::FormulaSyntax => "A formula cannot be parsed.",
            Self::FormulaCycle => {
                "Formulas depend on each other in a cycle, so none of them can be computed first."
            }
            Self::BadDistribution => "A distribution's name or parameters are invalid.",
            Self::BadDate => "A date is malformed or out of range.",
            Self::BadRange => "A range is empty or reversed (minimum above maximum).",
            Self::BadValue => "A value is outside its allowed range or otherwise invalid.",
            Self::BadProbability => {
                "A probability is outside [0, 1], or probabilities that must sum to 1 do not."
            }
            Self::BadReference => "A reference points to something of the wrong kind.",
            Self::ReservedName => "A name is reserved by leversim and cannot be defined.",
            Self::EmptySection => "A section that must contain entries is empty.",
            Self::Extends => "The `extends` chain is invalid (missing file or a cycle).",
            Self::TooLarge => "The input exceeds a size limit.",
            Self::UnusedItem => "Something is declared but never used.",
            Self::BadPosterior => {
                "A calibration folder is missing, unreadable, or made from another version of the scenario."
            }
        }
    }

    /// The severity this code normally has: [`Severity::Warning`] for [`Code::UnusedItem`],
    /// [`Severity::Error`] otherwise.
    pub fn default_severity(self) -> Severity {
        match self {
            Self::UnusedItem => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message attached to a span of source text.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Label {
    /// The underlined source range.
    pub span: Span,
    /// Text written after the underline (may be empty).
    pub message: String,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable identifier of the kind of problem.
    pub code: Code,
    /// One-line summary shown in the header.
    pub message: String,
    /// The main location (underlined with `^`); `None` for whole-file problems such as I/O.
    pub primary: Option<Label>,
    /// Related locations (underlined with `-`), e.g. the first definition of a duplicate.
    pub secondary: Vec<Label>,
    /// Extra context, rendered as `= note: ...`.
    pub notes: Vec<String>,
    /// A suggested fix, rendered as `= help: ...`.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of the given severity with no location yet.
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// An error with no location yet.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning with no location yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// Adds a label: the first call sets the primary label, later calls add secondary ones.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        let label = Label {
            span,
            message: message.into(),
        };
        if self.primary.is_none() {
            self.primary = Some(label);
        } else {
            self.secondary.push(label);
        }
        self
    }

    /// Adds a note (rendered in the order added).
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line, replacing any previous one.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line only if `help` is `Some`; convenient with
    /// [`suggest::did_you_mean`].
    pub fn with_optional_help(self, help: Option<String>) -> Self {
        match help {
            Some(help) => self.with_help(help),
            None => self,
        }
    }

    /// Sort key: position of the primary label; label-less (whole-file) diagnostics first.
    fn position(&self) -> Option<(FileId, u32)> {
        self.primary
            .as_ref()
            .map(|label| (label.span.file, label.span.start))
    }
}

/// An ordered collection of diagnostics gathered during one run.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Appends many diagnostics (e.g. another [`Diagnostics`]).
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// True if any diagnostic is an error (the scenario must not run).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Iterates in the current order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics as a vector, in the current order.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Orders by (file, start offset of the primary label), so output follows the file; errors
    /// and warnings interleave by position. Diagnostics without a primary label (whole-file
    /// problems) come first. The sort is stable: ties keep the order they were reported in.
    pub fn sort(&mut self) {
        self.items.sort_by_key(Diagnostic::position);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

/// Renders every diagnostic followed by a summary line; see [`render`] for the format.
///
/// Diagnostics are rendered in position order (a stable [`Diagnostics::sort`] applied to a copy
/// of the order), each followed by a blank line, so the output is stable whatever order the
/// checks ran in. Returns an empty string when there is nothing to report: the caller knows
/// which file it validated and can print its own "ok" line.
pub fn render_all(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
    if diags.is_empty() {
        return String::new();
    }
    let mut ordered: Vec<&Diagnostic> = diags.iter().collect();
    ordered.sort_by_key(|d| d.position());
    let mut out = String::new();
    for diagnostic in ordered {
        out.push_str(&render::render_diagnostic(diagnostic, sources, color));
        out.push('\n');
    }
    out.push_str(&render::render_summary(diags, sources, color));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_unique() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code string {name}");
            assert!(!name.is_empty());
            assert!(
                name.split('-').all(|part| !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{name} is not kebab-case"
            );
            let description = code.description();
            assert!(description.ends_with('.'), "{name}: {description}");
            assert!(description.len() > 10, "{name}: {description}");
            assert_eq!(code.to_string(), name);
        }
        assert_eq!(Code::ALL.len(), 24);
        // ALL is in declaration order, so it is sorted and holds each variant once.
        assert!(Code::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn default_severities() {
        assert_eq!(Code::UnusedItem.default_severity(), Severity::Warning);
        assert_eq!(Code::UnknownName.default_severity(), Severity::Error);
    }

    #[test]
    fn builder_first_label_is_primary() {
        let f = FileId(0);
        let d = Diagnostic::error(Code::DuplicateName, "dup")
            .with_label(Span::new(f, 10, 13), "second")
            .with_label(Span::new(f, 0, 3), "first")
            .with_label(Span::new(f, 20, 23), "third")
            .with_note("n1")
            .with_note("n2")
            .with_help("h1")
            .with_optional_help(None)
            .with_optional_help(Some("h2".into()));
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.primary.as_ref().unwrap().message, "second");
        let secondary: Vec<_> = d.secondary.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(secondary, ["first", "third"]);
        assert_eq!(d.notes, ["n1", "n2"]);
        assert_eq!(d.help.as_deref(), Some("h2"));
        assert_eq!(
            Diagnostic::warning(Code::UnusedItem, "w").severity,
            Severity::Warning
        );
    }

    #[test]
    fn counts() {
        let mut diags = Diagnostics::new();
        assert!(diags.is_empty() && !diags.has_errors());
        diags.push(Diagnostic::warning(Code::UnusedItem, "w"));
        assert!(!diags.has_errors());
        diags.extend([
            Diagnostic::error(Code::BadDate, "e1"),
            Diagnostic::error(Code::BadRange, "e2"),
        ]);
        assert!(diags.has_errors());
        assert_eq!((diags.error_count(), diags.warning_count()), (2, 1));
        assert_eq!(diags.len(), 3);
        assert_eq!(diags.into_vec().len(), 3);
    }

    #[test]
    fn sort_by_file_then_offset_stable_with_unlabelled_first() {
        let (a, b) = (FileId(0), FileId(1));
        let diags: Diagnostics = [
            Diagnostic::error(Code::BadValue, "b-5").with_label(Span::new(b, 5, 6), ""),
            Diagnostic::warning(Code::UnusedItem, "a-9").with_label(Span::new(a, 9, 9), ""),
            Diagnostic::error(Code::BadValue, "a-2").with_label(Span::new(a, 2, 3), ""),
            Diagnostic::error(Code::Io, "io"),
            Diagnostic::warning(Code::UnusedItem, "a-2-tie").with_label(Span::new(a, 2, 8), ""),
            Diagnostic::error(Code::BadValue, "a-30").with_label(Span::new(a, 30, 31), ""),
        ]
        .into_iter()
        .collect();
        let mut sorted = diags.clone();
        sorted.sort();
        let order: Vec<_> = sorted.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(order, ["io", "a-2", "a-2-tie", "a-9", "a-30", "b-5"]);
    }

    #[test]
    fn render_all_sorts_and_summarises_warnings_only() {
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", "a = 1\nb = 2\n");
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::warning(Code::UnusedItem, "`b` is never used")
                .with_label(Span::new(f, 6, 7), "declared here"),
        );
        diags.push(
            Diagnostic::warning(Code::UnusedItem, "`a` is never used")
                .with_label(Span::new(f, 0, 1), "declared here"),
        );
        let expected = r"warning[unused-item]: `a` is never used
 --> x.toml:1:1
  |
1 | a = 1
  | ^ declared here

warning[unused-item]: `b` is never used
 --> x.toml:2:1
  |
2 | b = 2
  | ^ declared here

warning: no errors in x.toml (2 warnings)
";
        assert_eq!(render_all(&diags, &sources, false), expected);
    }

    #[test]
    fn render_all_empty_is_empty() {
        assert_eq!(render_all(&Diagnostics::new(), &SourceMap::new(), true), "");
    }

    #[test]
    fn summary_wording() {
        let mut sources = SourceMap::new();
        let a = sources.add("scenarios/x.toml", "a = 1\nb = 2\n");
        let b = sources.add("scenarios/y.toml", "c = 3\n");
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::error(Code::BadValue, "e1").with_label(Span::new(a, 0, 1), ""));
        diags.push(Diagnostic::error(Code::BadValue, "e2").with_label(Span::new(a, 6, 7), ""));
        diags.push(Diagnostic::warning(Code::UnusedItem, "w").with_label(Span::new(a, 4, 5), ""));
        assert_eq!(
            render::render_summary(&diags, &sources, false),
            "error: 3 problems found in scenarios/x.toml (2 errors, 1 warning)\n"
        );
        diags.push(Diagnostic::error(Code::BadValue, "e3").with_label(Span::new(b, 0, 1), ""));
        assert_eq!(
            render::render_summary(&diags, &sources, false),
            "error: 4 problems found in 2 files (3 errors, 1 warning)\n"
        );
        let only_io: Diagnostics = [Diagnostic::error(Code::Io, "x")].into_iter().collect();
        assert_eq!(
            render::render_summary(&only_io, &sources, false),
            "error: 1 problem found (1 error, 0 warnings)\n"
        );
        let one_warning: Diagnostics =
            [Diagnostic::warning(Code::UnusedItem, "w").with_label(Span::new(b, 0, 1), "")]
                .into_iter()
                .collect();
        assert_eq!(
            render::render_summary(&one_warning, &sources, false),
            "warning: no errors in scenarios/y.toml (1 warning)\n"
        );
    }

    #[test]
    fn render_all_orders_by_position_and_separates_with_blank_lines() {
        let mut sources = SourceMap::new();
        let f = sources.add("x.toml", "a = 1\nb = 2\n");
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::error(Code::BadValue, "second").with_label(Span::new(f, 6, 7), ""));
        diags.push(
            Diagnostic::warning(Code::UnusedItem, "first").with_label(Span::new(f, 0, 1), ""),
        );
        let expected = r"warning[unused-item]: first
 --> x.toml:1:1
  |
1 | a = 1
  | ^

error[bad-value]: second
 --> x.toml:2:1
  |
2 | b = 2
  | ^

error: 2 problems found in x.toml (1 error, 1 warning)
";
        assert_eq!(render_all(&diags, &sources, false), expected);
    }
}

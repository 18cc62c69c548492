//! Reading TOML with positions: a thin, typed walker over `toml::de::DeTable`.
//!
//! serde's derive stops at the first error and loses positions under `flatten`, while analysts
//! need every problem at once, each with `file:line:column` and a did-you-mean. So the scenario
//! reader walks toml's spanned document tree itself. Each getter records the key as known;
//! [`TableReader::finish`] then reports every key that nobody asked for as an unknown key, with
//! the closest known key as a hint.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::keys::{self, Table};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};

/// A value with the place in a scenario file where it was written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }
}

/// What every reader call needs: the file being read and where problems go.
pub struct Cx<'d> {
    /// The file whose document is being walked.
    pub file: FileId,
    /// Collected problems.
    pub diags: &'d mut Diagnostics,
}

impl Cx<'_> {
    /// The diagnostic span of a byte range in the current file.
    pub fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span {
            file: self.file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }
}

/// A TOML value with its span, as the document tree holds it.
pub type Value<'a> = Spanned<DeValue<'a>>;

/// The name of a value's TOML type, for "expected X, found Y" messages.
pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reads a value as a finite number (integer or float).
pub fn number(cx: &mut Cx<'_>, what: &str, value: &Value<'_>) -> Option<Sp<f64>> {
    let span = cx.span(value.span());
    let (parsed, literal) = match value.get_ref() {
        DeValue::Integer(int) => (
            i128::from_str_radix(int.as_str(), int.radix())
                .ok()
                .map(|i| i as f64),
            int.as_str(),
        ),
        DeValue::Float(float) => (float.as_str().parse::<f64>().ok(), float.as_str()),
        other => {
            let mut d = Diagnostic::error(
                Code::WrongType,
                format!("`{what}` must be a number, not {}", type_name(other)),
            )
            .with_label(span, "expected a number here");
            if let DeValue::String(s) = other
                && s.trim().parse::<f64>().is_ok_and(f64::is_finite)
            {
                d = d.with_help(format!("write the number without quotes: {}", s.trim()));
            }
            cx.push(d);
            return None;
        }
    };
    match parsed {
        Some(v) if v.is_finite() => Some(Sp::new(v, span)),
        // `nan`, `inf`, `+inf`, `-inf` are TOML's spellings; anything else is a number too large.
        _ if literal.contains("nan") || literal.contains("inf") => {
            cx.push(
                Diagnostic::error(Code::BadValue, format!("`{what}` must be a finite number"))
                    .with_label(span, "not a finite number")
                    .with_help(
                        "infinities and nan are not accepted; write a large finite bound instead",
                    ),
            );
            None
        }
        _ => {
            cx.push(
                Diagnostic::error(Code::BadValue, format!("`{what}` is too large"))
                    .with_label(span, "beyond the range of numbers")
                    .with_help("numbers must be below about 1.8e308"),
            );
            None
        }
    }
}

/// Reads a value as a string.
pub fn string(cx: &mut Cx<'_>, what: &str, value: &Value<'_>) -> Option<Sp<String>> {
    match value.get_ref() {
        DeValue::String(s) => Some(Sp::new(s.to_string(), cx.span(value.span()))),
        other => {
            let span = cx.span(value.span());
            cx.push(
                Diagnostic::error(
                    Code::WrongType,
                    format!("`{what}` must be a string, not {}", type_name(other)),
                )
                .with_label(span, "expected a string in quotes here"),
            );
            None
        }
    }
}

/// A table being read: remembers which keys were asked for, so that the rest can be reported.
pub struct TableReader<'a> {
    table: &'a DeTable<'a>,
    span: Span,
    /// Dotted path of the table for messages, e.g. `params.shell_output`.
    path: String,
    /// The keys this kind of table accepts (see [`keys`]).
    keys: &'static Table,
    known: Vec<&'static str>,
    consumed_all: bool,
}

impl<'a> TableReader<'a> {
    /// A reader over `table`, which was written at `span`, is called `path` in messages and
    /// accepts the keys of `keys`.
    pub fn new(
        table: &'a DeTable<'a>,
        span: Span,
        path: impl Into<String>,
        keys: &'static Table,
    ) -> TableReader<'a> {
        TableReader {
            table,
            span,
            path: path.into(),
            keys,
            known: Vec::new(),
            consumed_all: false,
        }
    }

    /// Reads `value` as a table with the keys of `keys`, reporting a type error otherwise.
    pub fn from_value(
        cx: &mut Cx<'_>,
        value: &'a Value<'a>,
        path: &str,
        keys: &'static Table,
    ) -> Option<TableReader<'a>> {
        let span = cx.span(value.span());
        match value.get_ref() {
            DeValue::Table(table) => Some(TableReader::new(table, span, path, keys)),
            other => {
                cx.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{path}` must be a table, not {}", type_name(other)),
                    )
                    .with_label(span, "expected a table here"),
                );
                None
            }
        }
    }

    /// The span of the whole table.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The dotted path of this table in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The raw value under `key`, marking the key as known.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Value<'a>> {
        // The JSON Schema is generated from `keys`; a key read but not listed there would be
        // accepted by leversim and flagged by editors.
        debug_assert!(
            self.keys.key(key).is_some(),
            "the reader reads `{key}` in `{}`, which scenario::keys does not list",
            self.path
        );
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table.get(key)
    }

    /// Whether `key` is present (and marks it known).
    pub fn has(&mut self, key: &'static str) -> bool {
        self.get(key).is_some()
    }

    /// The span of the key itself (for "this key" messages), if present.
    pub fn key_span(&self, cx: &Cx<'_>, key: &str) -> Option<Span> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, _)| cx.span(k.span()))
    }

    fn full_key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// An optional string.
    pub fn str(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Sp<String>> {
        let value = self.get(key)?;
        string(cx, &self.full_key(key), value)
    }

    /// An optional finite number.
    pub fn f64(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Sp<f64>> {
        let value = self.get(key)?;
        number(cx, &self.full_key(key), value)
    }

    /// An optional non-negative whole number.
    pub fn u64(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Sp<u64>> {
        let value = self.get(key)?;
        let span = cx.span(value.span());
        let path = self.full_key(key);
        let (code, message, label, help) = match value.get_ref() {
            DeValue::Integer(int) => match u64::from_str_radix(int.as_str(), int.radix()) {
                Ok(whole) => return Some(Sp::new(whole, span)),
                Err(_) if int.as_str().starts_with('-') => (
                    Code::BadValue,
                    format!("`{path}` cannot be negative"),
                    "a negative number".to_string(),
                    None,
                ),
                Err(_) => (
                    Code::BadValue,
                    format!("`{path}` is too large"),
                    format!("above the largest accepted, {}", u64::MAX),
                    None,
                ),
            },
            DeValue::Float(_) => (
                Code::WrongType,
                format!("`{path}` must be a whole number"),
                format!("found {}", describe(value.get_ref())),
                Some(format!(
                    "write it with digits only, e.g. {key} = 1000 (TOML reads 1e3 and 1000.0 as fractional numbers)"
                )),
            ),
            DeValue::String(s) if s.trim().parse::<u64>().is_ok() => (
                Code::WrongType,
                format!("`{path}` must be a whole number, not a string"),
                format!("found {}", describe(value.get_ref())),
                Some(format!("write it without quotes: {key} = {}", s.trim())),
            ),
            other => (
                Code::WrongType,
                format!("`{path}` must be a whole number, not {}", type_name(other)),
                format!("found {}", describe(other)),
                None,
            ),
        };
        let mut d = Diagnostic::error(code, message).with_label(span, label);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        cx.push(d);
        None
    }

    /// An optional boolean.
    pub fn bool(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Sp<bool>> {
        let value = self.get(key)?;
        let span = cx.span(value.span());
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, span)),
            other => {
                cx.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "`{}` must be true or false, not {}",
                            self.full_key(key),
                            type_name(other)
                        ),
                    )
                    .with_label(span, "expected true or false"),
                );
                None
            }
        }
    }

    /// An optional sub-table.
    pub fn table(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<TableReader<'a>> {
        let value = self.get(key)?;
        TableReader::from_value(cx, value, &self.full_key(key), self.keys.child(key))
    }

    /// An optional array, with its span.
    pub fn array(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<(&'a DeArray<'a>, Span)> {
        let value = self.get(key)?;
        let span = cx.span(value.span());
        match value.get_ref() {
            DeValue::Array(array) => Some((array, span)),
            other => {
                cx.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "`{}` must be an array, not {}",
                            self.full_key(key),
                            type_name(other)
                        ),
                    )
                    .with_label(span, "expected an array [ ... ] here"),
                );
                None
            }
        }
    }

    /// Every entry, for tables whose keys are names chosen by the analyst (`[params]`, ...).
    /// All keys count as known.
    pub fn entries(&mut self, cx: &Cx<'_>) -> Vec<(Sp<String>, &'a Value<'a>)> {
        self.consumed_all = true;
        self.table
            .iter()
            .map(|(k, v)| {
                let key: &Cow<'_, str> = k.get_ref();
                (Sp::new(key.to_string(), cx.span(k.span())), v)
            })
            .collect()
    }

    /// Reports every key that was not asked for as unknown, suggesting the closest known one.
    pub fn finish(&self, cx: &mut Cx<'_>) {
        if self.consumed_all {
            return;
        }
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref().as_ref();
            if self.known.contains(&name) {
                continue;
            }
            let span = cx.span(key.span());
            let mut diagnostic = Diagnostic::error(
                Code::UnknownKey,
                format!("unknown key `{name}` {}", display_path(&self.path)),
            )
            .with_label(span, "not a key leversim knows here");
            match did_you_mean(name, self.known.iter().copied()) {
                Some(hint) => diagnostic = diagnostic.with_help(hint),
                // A key written after a `[table]` header belongs to that table, so `extends` or
                // `params = ...` placed below `[scenario]` lands here.
                None if !self.path.is_empty() && keys::ROOT.key(name).is_some() => {
                    diagnostic = diagnostic.with_help(format!(
                        "`{name}` belongs at the top level: keys after a [table] header belong to \
                         that table, so move it above the first header"
                    ));
                }
                None => {
                    let mut keys = self.known.clone();
                    keys.sort_unstable();
                    diagnostic = diagnostic
                        .with_help(format!("the keys allowed here are: {}", keys.join(", ")));
                }
            }
            cx.push(diagnostic);
        }
    }
}

/// Where a key is, for messages: "at the top level" or "in `levers.x`".
fn display_path(path: &str) -> String {
    if path.is_empty() {
        "at the top level".into()
    } else {
        format!("in `{path}`")
    }
}

/// A short description of a value for messages: its type, or the value itself when short.
pub fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::Integer(i) => format!("{i}"),
        DeValue::Float(f) => format!("{f}"),
        DeValue::String(s) if s.chars().count() <= 40 => format!("\"{s}\""),
        other => type_name(other).to_string(),
    }
}

/// The byte offset at which a string value's content starts in the file, when that content is
/// written verbatim (so that spans inside a formula map onto the file exactly); `None` when the
/// string contains escapes or line-continuations, in which case messages point at the whole
/// string instead.
pub fn verbatim_content_start(
    source: &str,
    span: std::ops::Range<usize>,
    content: &str,
) -> Option<usize> {
    let raw = source.get(span.clone())?;
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if raw.len() >= 2 * quote.len() && raw.starts_with(quote) && raw.ends_with(quote) {
            let inner = &raw[quote.len()..raw.len() - quote.len()];
            // A multi-line string drops one newline right after the opening quotes.
            let (inner, skipped) = if quote.len() == 3 {
                if let Some(rest) = inner.strip_prefix("\r\n") {
                    (rest, 2)
                } else if let Some(rest) = inner.strip_prefix('\n') {
                    (rest, 1)
                } else {
                    (inner, 0)
                }
            } else {
                (inner, 0)
            };
            return (inner == content).then_some(span.start + quote.len() + skipped);
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_strings_map_offsets() {
        let src = r#"a = "x + y""#;
        let start = src.find('"').unwrap();
        assert_eq!(
            verbatim_content_start(src, start..src.len(), "x + y"),
            Some(start + 1)
        );
        let src = r#"a = "x \"y\"""#;
        let start = src.find('"').unwrap();
        assert_eq!(
            verbatim_content_start(src, start..src.len(), "x \"y\""),
            None
        );
        let src = "a = '''\nx'''";
        let start = src.find('\'').unwrap();
        assert_eq!(
            verbatim_content_start(src, start..src.len(), "x"),
            Some(start + 4)
        );
    }
}

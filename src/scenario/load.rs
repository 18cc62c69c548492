//! Loading a scenario: bytes to text, TOML to items, `extends` chains merged.
//!
//! A variant file names its base with `extends = "base.toml"` (relative to the variant). The base
//! is loaded first; the variant's items then replace base items of the same name and add new
//! ones, `[scenario]` fields override one by one, and observations are appended. Each item keeps
//! the span of the file it came from, so messages point at the right file.

use std::io::Read;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use super::read::{ScenarioFile, read_document};
use super::reader::{Cx, Sp, TableReader};
use super::{Bundle, Meta, Month, Scenario};
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Largest scenario file accepted: far above any hand-written scenario, small enough to parse
/// quickly and to keep a mistaken path (a data dump, a binary) from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How deep `extends` chains may go before leversim suspects a mistake.
const MAX_EXTENDS_DEPTH: usize = 16;

/// Longest time axis accepted, in months (500 years).
pub const MAX_MONTHS: usize = 6000;

/// The result of loading: the sources (for rendering messages), every problem found, and the
/// scenario when there was no error.
pub struct Loaded {
    /// Texts of every file read.
    pub sources: SourceMap,
    /// Problems found (errors and warnings).
    pub diags: Diagnostics,
    /// The scenario, when no error was found.
    pub scenario: Option<Scenario>,
    /// When there were errors: what could be read anyway, without the broken items (their
    /// names are in [`Scenario::broken`]). Compiling it finds the remaining problems, so that one
    /// `validate` reports everything at once.
    pub partial: Option<Scenario>,
}

/// Loads and checks the scenario at `path`, following `extends`.
pub fn load(path: &Path) -> Loaded {
    let mut loader = Loader::default();
    let file = loader.load_file(path, None, 0);
    loader.finish(path.display().to_string(), file)
}

/// Loads a scenario from text (for tests and documentation examples). `extends` paths are taken
/// relative to the current directory.
pub fn load_str(name: &str, text: &str) -> Loaded {
    let mut loader = Loader::default();
    let file = loader.parse(name, Path::new(name), text.to_string(), 0);
    loader.finish(name.to_string(), file)
}

#[derive(Default)]
struct Loader {
    sources: SourceMap,
    diags: Diagnostics,
    /// Canonical paths of the files being loaded, outermost first, to catch cycles.
    stack: Vec<PathBuf>,
}

impl Loader {
    fn load_file(
        &mut self,
        path: &Path,
        cited_at: Option<Span>,
        depth: usize,
    ) -> Option<ScenarioFile> {
        let display = path.display().to_string();
        // A base named by `extends` must be a regular file: a FIFO would block the load
        // forever and a device never ends. (The file given on the command line may be a pipe,
        // as with `leversim run <(...)`: the user chose it.)
        let bytes = match read_limited(path, cited_at.is_some()) {
            Ok(bytes) => bytes,
            Err(message) => {
                // A missing base of `extends` is a problem of the scenario, not of the machine.
                let code = if cited_at.is_some() {
                    Code::Extends
                } else {
                    Code::Io
                };
                let mut d = Diagnostic::error(code, format!("cannot read `{display}`: {message}"));
                if let Some(span) = cited_at {
                    d = d.with_label(span, "named here").with_help(
                        "the path in `extends` is relative to the folder of the file that names it",
                    );
                }
                self.diags.push(d);
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let offset = err.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let file = self.sources.add(display.clone(), lossy);
                self.diags.push(
                    Diagnostic::error(Code::NotUtf8, format!("`{display}` is not UTF-8 text"))
                        .with_label(span(file, offset..offset + 1), "this byte is not valid UTF-8")
                        .with_help("save the file as UTF-8 (most editors offer this under \"Save as\" or \"Encoding\")"),
                );
                return None;
            }
        };
        self.parse(&display, path, text, depth)
    }

    fn parse(
        &mut self,
        display: &str,
        path: &Path,
        text: String,
        depth: usize,
    ) -> Option<ScenarioFile> {
        let file = self.sources.add(display.to_string(), text.clone());
        let table = match DeTable::parse(&text) {
            Ok(table) => table,
            Err(err) => {
                let range = err
                    .span()
                    .or_else(|| deep_dotted_key(&text))
                    .unwrap_or(0..0);
                let snippet = text.get(range.clone()).unwrap_or_default();
                let mut message = first_line(err.message());
                if snippet.trim().is_empty() && message.starts_with("string values must be quoted")
                {
                    // toml says this of `key =` with nothing after it.
                    message = "expected a value here".into();
                }
                let help = toml_help(&message, snippet);
                if help.contains("commas") {
                    message = "expected `,` between values".into();
                }
                self.diags.push(
                    Diagnostic::error(Code::TomlSyntax, format!("`{display}` is not valid TOML"))
                        .with_label(span(file, range), message)
                        .with_help(help),
                );
                return None;
            }
        };
        let root_span = span(file, 0..0);
        let mut cx = Cx {
            file,
            diags: &mut self.diags,
        };
        let mut root = TableReader::new(table.get_ref(), root_span, "", &super::keys::ROOT);
        let mut parsed = read_document(&mut cx, &text, &mut root);
        root.finish(&mut cx);
        if let Some(extends) = parsed.extends.take() {
            return Some(self.extend(path, parsed, extends, depth));
        }
        Some(parsed)
    }

    fn extend(
        &mut self,
        path: &Path,
        variant: ScenarioFile,
        extends: Sp<String>,
        depth: usize,
    ) -> ScenarioFile {
        let base_path = path.parent().unwrap_or(Path::new("")).join(&extends.value);
        if depth >= MAX_EXTENDS_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    Code::Extends,
                    format!("`extends` chains deeper than {MAX_EXTENDS_DEPTH} files"),
                )
                .with_label(extends.span, "here"),
            );
            return variant;
        }
        let canonical = base_path.canonicalize().unwrap_or(base_path.clone());
        let me = path.canonicalize().unwrap_or(path.to_path_buf());
        if self.stack.is_empty() {
            self.stack.push(me.clone());
        }
        if self.stack.contains(&canonical) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            self.diags.push(
                Diagnostic::error(
                    Code::Extends,
                    format!("`extends` goes round in a circle: {}", chain.join(" -> ")),
                )
                .with_label(extends.span, "this file is already being loaded"),
            );
            return variant;
        }
        self.stack.push(canonical);
        let base = self.load_file(&base_path, Some(extends.span), depth + 1);
        self.stack.pop();
        match base {
            Some(base) => merge(base, variant),
            None => variant,
        }
    }

    fn finish(mut self, path: String, file: Option<ScenarioFile>) -> Loaded {
        // Without its base a variant lacks what the base declares; checking it further would
        // only report those absences.
        let base_missing = self.diags.iter().any(|d| d.code == Code::Extends);
        let assembled = file
            .filter(|_| !base_missing)
            .and_then(|file| assemble(&mut self.diags, path, file));
        let (scenario, partial) = if self.diags.has_errors() {
            (None, assembled)
        } else {
            (assembled, None)
        };
        self.diags.sort();
        Loaded {
            sources: self.sources,
            diags: self.diags,
            scenario,
            partial,
        }
    }
}

fn span(file: FileId, range: std::ops::Range<usize>) -> Span {
    Span {
        file,
        start: range.start as u32,
        end: range.end as u32,
    }
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("syntax error")
        .trim()
        .to_string()
}

/// The first key with more dotted parts than toml accepts (`a.b.c...`, toml 1.x reports "recursion
/// limit" for it without a position): the key on the first line with more than 64 dots before
/// its `=` or closing `]`.
fn deep_dotted_key(text: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let key_end = line.find(['=', ']']).unwrap_or(line.len());
        let key = &line[..key_end];
        if key.matches('.').count() > 64 {
            let start = offset + (key.len() - key.trim_start().len());
            return Some(start..offset + key.trim_end().len());
        }
        offset += line.len();
    }
    None
}

/// A hint for a TOML syntax error, chosen from the parser's message (toml 1.x wording) and the
/// offending text; the generic pointer to the TOML syntax otherwise.
fn toml_help(message: &str, snippet: &str) -> String {
    let curly = ['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}'];
    if snippet.contains(curly) {
        "use straight quotes (\"), not curly ones; word processors turn one into the other".into()
    } else if message.contains("duplicate key") {
        "a key may be given only once per table, and a [table] header only once per file; \
         merge the two"
            .into()
    } else if message.contains("basic string") || message.contains("literal string,") {
        "close the string with the same quote on the same line; for a formula over several \
         lines use triple quotes \"\"\"...\"\"\""
            .into()
    } else if message.contains("unclosed table") {
        "a table header is written on one line with both brackets, e.g. [stocks] or \
         [levers.enforcement]"
            .into()
    } else if message == "expected a value here" {
        "write a value after `=`: text in quotes, a number, true or false, [an array] or \
         { a table }"
            .into()
    } else if message.contains("string values must be quoted")
        && snippet.split_whitespace().count() > 1
        && snippet.split_whitespace().all(|w| w.parse::<f64>().is_ok())
    {
        // toml says this of the `1 2` in `[1 2]`.
        "values side by side need commas between them, e.g. [0, 1]".into()
    } else if message.contains("string values must be quoted") {
        "put text in double quotes, e.g. name = \"korea-russia\"".into()
    } else if message.contains("recursion") {
        "arrays, inline tables and dotted keys may nest at most 80 levels; scenario files need a \
         few"
        .into()
    } else {
        "see https://toml.io for the syntax; strings need quotes, tables [brackets]".into()
    }
}

fn read_limited(path: &Path, regular_only: bool) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a folder, not a file".into());
    }
    if regular_only && !meta.is_file() {
        return Err(
            "it is not a regular file (a device, a pipe or a socket); `extends` names a scenario file"
                .into(),
        );
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "it is {:.1} MB; scenario files are limited to {} MB (is it a scenario file?)",
            meta.len() as f64 / (1024.0 * 1024.0),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    // The length above is 0 for devices and pipes (`/dev/zero`, `<(cat x)`), which could
    // otherwise be read forever: read at most one byte past the limit.
    let file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_reason(&e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "it is longer than the {} MB that scenario files are limited to (is it a scenario file?)",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// Replaces items of `base` by same-named items of `variant` (in place) and appends new ones.
fn merge_items<T>(base: &mut Vec<T>, variant: Vec<T>, name: impl Fn(&T) -> &str) {
    for item in variant {
        match base.iter().position(|b| name(b) == name(&item)) {
            Some(i) => base[i] = item,
            None => base.push(item),
        }
    }
}

fn merge(mut base: ScenarioFile, variant: ScenarioFile) -> ScenarioFile {
    let m = variant.meta;
    let b = &mut base.meta;
    b.span = m.span.or(b.span);
    b.name = m.name.or(b.name.take());
    b.title = m.title.or(b.title.take());
    b.description = m.description.or(b.description.take());
    b.source = m.source.or(b.source.take());
    b.start = m.start.or(b.start.take());
    b.end = m.end.or(b.end.take());
    b.runs = m.runs.or(b.runs.take());
    b.seed = m.seed.or(b.seed.take());
    b.baseline = m.baseline.or(b.baseline.take());
    b.cost_unit = m.cost_unit.or(b.cost_unit.take());
    b.given.extend(m.given);
    merge_items(&mut base.actors, variant.actors, |a| &a.code.value);
    merge_items(&mut base.params, variant.params, |a| &a.name.value);
    merge_items(&mut base.levers, variant.levers, |a| &a.name.value);
    merge_items(&mut base.stocks, variant.stocks, |a| &a.name.value);
    merge_items(&mut base.flows, variant.flows, |a| &a.name.value);
    merge_items(&mut base.aux, variant.aux, |a| &a.name.value);
    merge_items(&mut base.events, variant.events, |a| &a.name.value);
    merge_items(&mut base.outcomes, variant.outcomes, |a| &a.name.value);
    merge_items(&mut base.bundles, variant.bundles, |a| &a.name.value);
    base.observations.extend(variant.observations);
    base.calibration = variant.calibration.or(base.calibration);
    base.broken.extend(variant.broken);
    base.output = variant.output.or(base.output);
    base.charts = variant.charts.or(base.charts);
    base.report = variant.report.or(base.report);
    base
}

/// Turns the merged fields into a [`Scenario`], checking what needs the whole file.
fn assemble(diags: &mut Diagnostics, path: String, file: ScenarioFile) -> Option<Scenario> {
    let m = file.meta;
    let at = m.span.unwrap_or(Span {
        file: FileId(0),
        start: 0,
        end: 0,
    });
    // One message for everything missing, listing the lines to add. Keys written but invalid
    // (a bad month, a number for a name) have their own message already.
    let needed = [
        ("name", m.name.is_some(), "name = \"my-scenario\""),
        ("start", m.start.is_some(), "start = \"2024-01\""),
        ("end", m.end.is_some(), "end = \"2030-12\""),
    ];
    let absent: Vec<(&str, &str)> = needed
        .iter()
        .filter(|(key, read, _)| !read && !m.given.contains(key))
        .map(|(key, _, line)| (*key, *line))
        .collect();
    if !absent.is_empty() {
        let keys: Vec<String> = absent.iter().map(|(k, _)| format!("`{k}`")).collect();
        let keys = match keys.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        let lines: Vec<&str> = absent.iter().map(|(_, line)| *line).collect();
        let d = match m.span {
            Some(at) => Diagnostic::error(Code::MissingKey, format!("`[scenario]` needs {keys}"))
                .with_label(at, "missing here")
                .with_help(format!("add under [scenario]: {}", lines.join(", "))),
            None => Diagnostic::error(Code::MissingKey, "there is no `[scenario]` table")
                .with_label(at, "expected `[scenario]` with name, start and end")
                .with_help(
                    "start the file with [scenario], then name = \"my-scenario\", \
                     start = \"2024-01\" and end = \"2030-12\" on lines of their own",
                ),
        };
        diags.push(d);
    }
    let (name, start, end) = (m.name?, m.start?, m.end?);
    if end.value < start.value {
        diags.push(
            Diagnostic::error(
                Code::BadDate,
                format!(
                    "the scenario ends ({}) before it starts ({})",
                    end.value, start.value
                ),
            )
            .with_label(end.span, "end")
            .with_label(start.span, "start"),
        );
        return None;
    }
    let months = end.value.months_since(start.value) as usize + 1;
    if months > MAX_MONTHS {
        diags.push(
            Diagnostic::error(
                Code::TooLarge,
                format!("{months} months is longer than the {MAX_MONTHS} leversim simulates"),
            )
            .with_label(end.span, "end")
            .with_label(start.span, "start")
            .with_help(format!(
                "a time axis may be at most {MAX_MONTHS} months ({} years); check `start` and `end`",
                MAX_MONTHS / 12
            )),
        );
        return None;
    }
    if !name
        .value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || name.value.is_empty()
    {
        diags.push(
            Diagnostic::error(
                Code::BadValue,
                format!(
                    "scenario name \"{}\" cannot name a results folder",
                    name.value
                ),
            )
            .with_label(name.span, "use letters, digits, - and _")
            .with_help("e.g. name = \"korea-russia\""),
        );
        return None;
    }
    let length = name.value.chars().count();
    if length > super::read::MAX_NAME_CHARS {
        diags.push(
            Diagnostic::error(
                Code::TooLarge,
                format!("the scenario name is {length} characters long"),
            )
            .with_label(
                name.span,
                format!("at most {} characters", super::read::MAX_NAME_CHARS),
            )
            .with_help(
                "the name becomes the results folder's name (output/<name>); shorten it (`title` can say more)",
            ),
        );
        return None;
    }
    let runs = m.runs.unwrap_or(Sp::new(1000, at));
    if runs.value == 0 {
        diags.push(
            Diagnostic::error(Code::BadValue, "`runs` must be at least 1")
                .with_label(runs.span, "zero runs"),
        );
        return None;
    }
    let mut bundles = file.bundles;
    if bundles.is_empty() {
        bundles.push(Bundle {
            name: Sp::new("baseline".into(), at),
            label: Some("Baseline".into()),
            description: "lever defaults (no bundles declared)".into(),
            settings: Vec::new(),
        });
    }
    let meta = Meta {
        title: m.title.unwrap_or_else(|| name.value.clone()),
        name,
        description: m.description.unwrap_or_default(),
        source: m.source.unwrap_or_else(|| "leversim".into()),
        start,
        end,
        runs,
        seed: m.seed.unwrap_or(Sp::new(1, at)),
        baseline: m.baseline,
        cost_unit: m.cost_unit.unwrap_or_default(),
    };
    Some(Scenario {
        path,
        meta,
        actors: file.actors,
        params: file.params,
        levers: file.levers,
        stocks: file.stocks,
        flows: file.flows,
        aux: file.aux,
        events: file.events,
        outcomes: file.outcomes,
        observations: file.observations,
        calibration: file.calibration.unwrap_or_default(),
        bundles,
        output: file.output.unwrap_or_default(),
        charts: file.charts.unwrap_or_default(),
        report: file.report.unwrap_or_default(),
        broken: file.broken,
    })
}

impl Scenario {
    /// The month at index `t` (0 = start).
    pub fn month_at(&self, t: usize) -> Month {
        self.meta.start.value.offset(t as i32)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `keys::ROOT` (used for the "belongs at the top level" hint) lists exactly the keys the
    /// reader accepts at the top level.
    #[test]
    fn root_keys_are_the_keys_read_at_the_top_level() {
        let unknown = |key: &str| {
            let loaded = load_str("root.toml", &format!("{key} = 1\n"));
            loaded.diags.iter().any(|d| d.code == Code::UnknownKey)
        };
        for key in crate::scenario::keys::ROOT.keys {
            assert!(!unknown(key.name), "{}", key.name);
        }
        assert!(unknown("scenarios"));
    }

    #[test]
    fn toml_errors_get_a_matching_hint() {
        let help = |text: &str| {
            let loaded = load_str("t.toml", text);
            let d = loaded.diags.iter().next().unwrap();
            (d.code, d.help.clone().unwrap_or_default())
        };
        let (code, hint) = help("a = 1\na = 2\n");
        assert_eq!(code, Code::TomlSyntax);
        assert!(hint.contains("only once"), "{hint}");
        assert!(
            help("a = \u{201c}x\u{201d}\n")
                .1
                .contains("straight quotes")
        );
        assert!(help("a =\n").1.contains("value after `=`"));
        assert!(help("a = \"x\n").1.contains("close the string"));
        assert!(help("[stocks\n").1.contains("both brackets"));
        assert!(help("a = [1 2]\n").1.contains("commas"));
        assert!(help("a = [1,,2]\n").1.contains("toml.io"));
        let dotted = format!("{} = 1\n", vec!["k"; 200].join("."));
        let loaded = load_str("t.toml", &format!("[scenario]\n{dotted}"));
        let d = loaded.diags.iter().next().unwrap();
        let label = d.primary.as_ref().unwrap();
        assert_eq!(
            (label.span.start, label.span.end),
            (11, 11 + dotted.find(" =").unwrap() as u32)
        );
    }
}

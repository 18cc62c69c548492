//! One scenario file's TOML document into typed items, with every local check.
//!
//! "Local" means checkable without the other items: types, unknown keys, distributions, months,
//! bounds, formula syntax. Whether a name used in a formula exists is decided later, by the
//! model compiler, once `extends` files are merged.
//!
//! This file reads the document and the `[scenario]` table and holds the helpers every item
//! reader uses; [`world`] reads what the world is made of (params, levers, stocks, flows,
//! auxiliaries, events) and [`policy`] what is compared and checked (outcomes, bundles,
//! observations, charts).

mod observation;
mod policy;
mod world;

use observation::{read_calibration, read_observation};
use policy::{read_bundle, read_charts, read_outcome, read_report};
use world::{read_aux, read_event, read_flow, read_lever, read_param, read_stock};

use toml::de::DeValue;

use super::formula;
use super::keys;
use super::reader::{Cx, Sp, TableReader, Value, number, string, verbatim_content_start};
use super::{
    Actor, Aux, Bundle, CalibrationConfig, ChartsConfig, Event, Flow, Formula, Info, Lever, Month,
    Observation, Outcome, OutputConfig, Param, ReportConfig, Stock,
};
use crate::diag::{Code, Diagnostic, Span};
/// The `[scenario]` fields as one file writes them (all optional, since a variant file may set
/// only some of them).
#[derive(Clone, Debug, Default)]
pub(crate) struct MetaFields {
    pub span: Option<Span>,
    pub name: Option<Sp<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub start: Option<Sp<Month>>,
    pub end: Option<Sp<Month>>,
    pub runs: Option<Sp<u64>>,
    pub seed: Option<Sp<u64>>,
    pub baseline: Option<Sp<String>>,
    pub cost_unit: Option<String>,
    /// The required keys (`name`, `start`, `end`) that the file writes, valid or not, so that a
    /// wrongly written one is not also reported as missing.
    pub given: Vec<&'static str>,
}

/// Everything one file says.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScenarioFile {
    pub extends: Option<Sp<String>>,
    pub meta: MetaFields,
    pub actors: Vec<Actor>,
    pub params: Vec<Param>,
    pub levers: Vec<Lever>,
    pub stocks: Vec<Stock>,
    pub flows: Vec<Flow>,
    pub aux: Vec<Aux>,
    pub events: Vec<Event>,
    pub outcomes: Vec<Outcome>,
    pub observations: Vec<Observation>,
    pub calibration: Option<CalibrationConfig>,
    pub bundles: Vec<Bundle>,
    pub output: Option<OutputConfig>,
    pub charts: Option<ChartsConfig>,
    pub report: Option<ReportConfig>,
    pub broken: Vec<String>,
}

/// Reads a whole document. `source` is the file's text (for mapping formula spans).
pub(crate) fn read_document(
    cx: &mut Cx<'_>,
    source: &str,
    root: &mut TableReader<'_>,
) -> ScenarioFile {
    let mut file = ScenarioFile {
        extends: root.str(cx, "extends"),
        ..ScenarioFile::default()
    };
    if let Some(mut t) = root.table(cx, "scenario") {
        file.meta = read_meta(cx, &mut t);
        t.finish(cx);
    }
    if let Some(mut t) = root.table(cx, "actors") {
        for (code, value) in t.entries(cx) {
            if let Some(name) = string(cx, &format!("actors.{}", code.value), value) {
                file.actors.push(Actor {
                    code,
                    name: name.value,
                });
            }
        }
    }
    section(
        cx,
        source,
        root,
        "params",
        &mut file.params,
        &mut file.broken,
        read_param,
    );
    section(
        cx,
        source,
        root,
        "levers",
        &mut file.levers,
        &mut file.broken,
        read_lever,
    );
    section(
        cx,
        source,
        root,
        "stocks",
        &mut file.stocks,
        &mut file.broken,
        read_stock,
    );
    section(
        cx,
        source,
        root,
        "flows",
        &mut file.flows,
        &mut file.broken,
        read_flow,
    );
    section(
        cx,
        source,
        root,
        "aux",
        &mut file.aux,
        &mut file.broken,
        read_aux,
    );
    section(
        cx,
        source,
        root,
        "events",
        &mut file.events,
        &mut file.broken,
        read_event,
    );
    section(
        cx,
        source,
        root,
        "outcomes",
        &mut file.outcomes,
        &mut file.broken,
        read_outcome,
    );
    section(
        cx,
        source,
        root,
        "bundles",
        &mut file.bundles,
        &mut file.broken,
        read_bundle,
    );
    if let Some((array, _)) = root.array(cx, "observations") {
        for (i, value) in array.iter().enumerate() {
            if let Some(mut t) = TableReader::from_value(
                cx,
                value,
                &format!("observations[{i}]"),
                &keys::OBSERVATION,
            ) {
                if let Some(obs) = read_observation(cx, source, &mut t, i) {
                    file.observations.push(obs);
                }
                t.finish(cx);
            }
        }
    }
    if let Some(mut t) = root.table(cx, "calibration") {
        file.calibration = Some(read_calibration(cx, &mut t));
        t.finish(cx);
    }
    if let Some(mut t) = root.table(cx, "output") {
        file.output = Some(read_output(cx, &mut t));
        t.finish(cx);
    }
    if let Some(mut t) = root.table(cx, "charts") {
        file.charts = Some(read_charts(cx, &mut t));
        t.finish(cx);
    }
    if let Some(mut t) = root.table(cx, "report") {
        file.report = Some(read_report(cx, &mut t));
        t.finish(cx);
    }
    file
}

/// Reads `[output]`.
fn read_output(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> OutputConfig {
    use crate::output::schema::TableFormat;
    let format = t
        .str(cx, "format")
        .and_then(|word| match TableFormat::from_word(&word.value) {
            Some(format) => Some(Sp::new(format, word.span)),
            None => {
                let words: Vec<&str> = TableFormat::ALL.iter().map(|f| f.as_str()).collect();
                cx.push(
                    Diagnostic::error(
                        Code::BadValue,
                        format!("unknown results format \"{}\"", word.value),
                    )
                    .with_label(word.span, "not a results format")
                    .with_help(format!(
                        "formats: {} (\"parquet\" writes Parquet files beside the CSV files)",
                        words.join(", ")
                    )),
                );
                None
            }
        });
    let path_runs = t.u64(cx, "path_runs").and_then(|n| {
        if (1..=MAX_PATH_RUNS).contains(&n.value) {
            return Some(n);
        }
        cx.push(
            Diagnostic::error(
                Code::BadValue,
                format!(
                    "`output.path_runs` must be 1 to {MAX_PATH_RUNS}, not {}",
                    n.value
                ),
            )
            .with_label(n.span, "out of range")
            .with_help("paths are for drawing: a few hundred runs show the spread"),
        );
        None
    });
    OutputConfig {
        series: name_list(cx, t, "series"),
        format,
        paths: name_list(cx, t, "paths"),
        path_runs,
    }
}

/// Most runs per bundle whose paths `[output] paths` may write. They are held in memory while
/// written: 10,000 runs of ten variables over ten years are 96 MB per bundle, and 1.2 million
/// rows, which a notebook still plots.
pub(crate) const MAX_PATH_RUNS: u64 = 10_000;

type ItemReader<T> = fn(&mut Cx<'_>, &str, Sp<String>, &Value<'_>) -> Option<T>;

/// Reads a section whose keys are item names, e.g. `[params]` or `[levers.x]` tables.
fn section<T>(
    cx: &mut Cx<'_>,
    source: &str,
    root: &mut TableReader<'_>,
    key: &'static str,
    out: &mut Vec<T>,
    broken: &mut Vec<String>,
    read: ItemReader<T>,
) {
    let Some(mut table) = root.table(cx, key) else {
        return;
    };
    if table.is_empty() {
        let span = table.span();
        cx.push(
            Diagnostic::warning(Code::EmptySection, format!("`[{key}]` is empty"))
                .with_label(span, "nothing is declared in this section"),
        );
    }
    for (name, value) in table.entries(cx) {
        let text = name.value.clone();
        match read(cx, source, name, value) {
            Some(item) => out.push(item),
            None => broken.push(text),
        }
    }
}

fn read_meta(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> MetaFields {
    let given = ["name", "start", "end"]
        .into_iter()
        .filter(|key| t.has(key))
        .collect();
    MetaFields {
        given,
        span: Some(t.span()),
        name: t.str(cx, "name"),
        title: t.str(cx, "title").map(|s| s.value),
        description: t.str(cx, "description").map(|s| s.value),
        source: t.str(cx, "source").map(|s| s.value),
        start: month(cx, t, "start"),
        end: month(cx, t, "end"),
        runs: t.u64(cx, "runs"),
        seed: t.u64(cx, "seed"),
        baseline: t.str(cx, "baseline"),
        cost_unit: t.str(cx, "cost_unit").map(|s| s.value),
    }
}

/// Names the formula language gives a meaning of its own.
pub(crate) const RESERVED: [&str; 11] = [
    "t",
    "month",
    "year",
    "time",
    "pi",
    "lever_cost",
    "true",
    "false",
    "and",
    "or",
    "not",
];

/// Longest name of an item or a scenario, in characters. Names become parts of file names
/// (`charts/fan-<variable>.png`, `output/<scenario>-sensitivity`), which file systems limit to
/// 255 bytes; 100 leaves room for every prefix and suffix leversim adds, and is far more than
/// a name in a formula wants.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Checks that an item name can be used in formulas.
fn check_name(cx: &mut Cx<'_>, name: &Sp<String>, kind: &str) -> bool {
    let text = name.value.as_str();
    let length = text.chars().count();
    if length > MAX_NAME_CHARS {
        cx.push(
            Diagnostic::error(
                Code::TooLarge,
                format!("the name of {kind} is {length} characters long"),
            )
            .with_label(name.span, format!("at most {MAX_NAME_CHARS} characters"))
            .with_help(
                "names become parts of chart file names; shorten it (a `label` can say more)",
            ),
        );
        return false;
    }
    let mut chars = text.chars();
    let well_formed = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        cx.push(
            Diagnostic::error(
                Code::BadValue,
                format!("`{text}` cannot be the name of {kind}"),
            )
            .with_label(name.span, "names must be usable in formulas")
            .with_help(
                "use letters, digits and underscores, starting with a letter, e.g. `shell_output`",
            ),
        );
        return false;
    }
    if RESERVED.contains(&text) || text == "outside" {
        cx.push(
            Diagnostic::error(Code::ReservedName, format!("`{text}` is a reserved name"))
                .with_label(name.span, "formulas already give this name a meaning")
                .with_help(format!("rename it, e.g. `{text}_value`")),
        );
        return false;
    }
    true
}

/// An optional month under `key`.
fn month(cx: &mut Cx<'_>, t: &mut TableReader<'_>, key: &'static str) -> Option<Sp<Month>> {
    if let Some(value) = t.get(key)
        && let DeValue::Datetime(date) = value.get_ref()
    {
        // TOML reads an unquoted 2024-01-01 as a date; leversim's months are quoted text.
        let example = date.date.map_or_else(
            || "2024-10".to_string(),
            |d| format!("{:04}-{:02}", d.year, d.month),
        );
        let span = cx.span(value.span());
        cx.push(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{}.{key}` must be a month in quotes, not a TOML date",
                    t.path()
                ),
            )
            .with_label(span, "a date without quotes")
            .with_help(format!("write {key} = \"{example}\"")),
        );
        return None;
    }
    let text = t.str(cx, key)?;
    month_text(cx, &text)
}

fn month_text(cx: &mut Cx<'_>, text: &Sp<String>) -> Option<Sp<Month>> {
    match Month::parse(&text.value) {
        Ok(m) => Some(Sp::new(m, text.span)),
        Err(err) => {
            let mut d = Diagnostic::error(Code::BadDate, err.to_string())
                .with_label(text.span, "not a valid month");
            // "2024-01-15": a full date where leversim, which steps in whole months, wants one.
            if let Some(head) = text.value.get(..7)
                && text.value.len() == 10
                && Month::parse(head).is_ok()
            {
                d = d.with_help(format!(
                    "leversim steps in whole months; write \"{head}\" without the day"
                ));
            }
            cx.push(d);
            None
        }
    }
}

/// A formula: a string to parse, or a plain number.
pub(crate) fn formula(
    cx: &mut Cx<'_>,
    source: &str,
    what: &str,
    value: &Value<'_>,
) -> Option<Formula> {
    let span = cx.span(value.span());
    match value.get_ref() {
        DeValue::String(text) => {
            let content_start =
                verbatim_content_start(source, value.span(), text).map(|s| s as u32);
            match formula::parse(text) {
                Ok(expr) => Some(Formula {
                    text: text.to_string(),
                    expr,
                    span,
                    content_start,
                }),
                Err(err) => {
                    let f = Formula {
                        text: text.to_string(),
                        expr: formula::Expr {
                            kind: formula::ExprKind::Number(0.0),
                            span: formula::Span::new(0, 0),
                        },
                        span,
                        content_start,
                    };
                    let mut d = Diagnostic::error(
                        Code::FormulaSyntax,
                        format!("in `{what}`: {}", err.message),
                    )
                    .with_label(f.file_span(err.span), err.message.clone());
                    if let Some(hint) = err.hint {
                        d = d.with_help(hint);
                    }
                    cx.push(d);
                    None
                }
            }
        }
        DeValue::Integer(_) | DeValue::Float(_) => {
            let v = number(cx, what, value)?;
            Some(Formula {
                text: source.get(value.span()).unwrap_or("0").to_string(),
                expr: formula::Expr {
                    kind: formula::ExprKind::Number(v.value),
                    span: formula::Span::new(0, 0),
                },
                span,
                content_start: None,
            })
        }
        other => {
            cx.push(
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`{what}` must be a formula in quotes or a number, not {}",
                        super::reader::type_name(other)
                    ),
                )
                .with_label(span, "expected a formula here"),
            );
            None
        }
    }
}

fn formula_key(
    cx: &mut Cx<'_>,
    source: &str,
    t: &mut TableReader<'_>,
    key: &'static str,
) -> Option<Formula> {
    let value = t.get(key)?;
    formula(cx, source, &format!("{}.{key}", t.path()), value)
}

fn info(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> Info {
    Info {
        label: t.str(cx, "label").map(|s| s.value),
        unit: t.str(cx, "unit").map(|s| s.value).unwrap_or_default(),
        note: t.str(cx, "note").map(|s| s.value).unwrap_or_default(),
    }
}

fn missing(cx: &mut Cx<'_>, t: &TableReader<'_>, key: &str, example: &str) {
    cx.push(
        Diagnostic::error(Code::MissingKey, format!("`{}` needs `{key}`", t.path()))
            .with_label(t.span(), format!("`{key}` is missing here"))
            .with_help(format!("add e.g. {key} = {example}")),
    );
}

/// A list of names: `["a", "b"]`.
fn name_list(
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_>,
    key: &'static str,
) -> Option<Vec<Sp<String>>> {
    let path = format!("{}.{key}", t.path());
    let (array, _) = t.array(cx, key)?;
    Some(array.iter().filter_map(|v| string(cx, &path, v)).collect())
}

fn ramp_months(cx: &mut Cx<'_>, ramp: Option<Sp<u64>>) -> Option<u32> {
    match ramp {
        None => Some(0),
        Some(r) if r.value <= 1200 => Some(r.value as u32),
        Some(r) => {
            cx.push(
                Diagnostic::error(
                    Code::BadValue,
                    format!("a ramp of {} months is longer than 100 years", r.value),
                )
                .with_label(r.span, "too long"),
            );
            None
        }
    }
}

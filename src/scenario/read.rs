//! One scenario file's TOML document into typed items, with every local check.
//!
//! "Local" means checkable without the other items: types, unknown keys, distributions, months,
//! bounds, formula syntax. Whether a name used in a formula exists is decided later, by the
//! model compiler, once `extends` files are merged.

use toml::de::DeValue;

use super::dist::{self, Dist};
use super::formula;
use super::reader::{Cx, Sp, TableReader, Value, number, string, verbatim_content_start};
use super::{
    Actor, Aux, Better, BoundRule, Bundle, ChartsConfig, Event, Flow, Formula, Info, Lever,
    LeverSetting, LeverValue, Month, Observation, Outcome, OutcomeKind, OutputConfig, Param, Stock,
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
    pub bundles: Vec<Bundle>,
    pub output: Option<OutputConfig>,
    pub charts: Option<ChartsConfig>,
    pub broken: Vec<String>,
}

/// Keys that distributions take; anything else in a param table is not a distribution key.
const DIST_KEYS: [&str; 20] = [
    "value",
    "mean",
    "sd",
    "median",
    "p05",
    "p95",
    "mu",
    "sigma",
    "error_factor",
    "min",
    "max",
    "mode",
    "lambda",
    "a",
    "b",
    "shape",
    "scale",
    "rate",
    "p",
    "n",
];

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
            if let Some(mut t) = TableReader::from_value(cx, value, &format!("observations[{i}]")) {
                if let Some(obs) = read_observation(cx, &mut t) {
                    file.observations.push(obs);
                }
                t.finish(cx);
            }
        }
    }
    if let Some(mut t) = root.table(cx, "output") {
        file.output = Some(OutputConfig {
            series: name_list(cx, &mut t, "series"),
        });
        t.finish(cx);
    }
    if let Some(mut t) = root.table(cx, "charts") {
        file.charts = Some(read_charts(cx, &mut t));
        t.finish(cx);
    }
    file
}

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

/// Checks that an item name can be used in formulas.
fn check_name(cx: &mut Cx<'_>, name: &Sp<String>, kind: &str) -> bool {
    let text = name.value.as_str();
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

fn read_param(
    cx: &mut Cx<'_>,
    _source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Param> {
    let ok = check_name(cx, &name, "a param");
    let path = format!("params.{}", name.value);
    if let DeValue::Integer(_) | DeValue::Float(_) = value.get_ref() {
        let v = number(cx, &path, value)?;
        return ok.then(|| Param {
            name,
            dist: Dist::Constant { value: v.value },
            info: Info::default(),
        });
    }
    let mut t = TableReader::from_value(cx, value, &path)?;
    let info = info(cx, &mut t);
    let dist_name = t.str(cx, "dist");
    let mut keys: Vec<(&str, Sp<f64>)> = Vec::new();
    for key in DIST_KEYS {
        if let Some(v) = t.f64(cx, key) {
            keys.push((key, v));
        }
    }
    t.finish(cx);
    let Some(dist_name) = dist_name else {
        if !t.has("dist") {
            missing(cx, &t, "dist", "\"lognormal\"");
        }
        return None;
    };
    let plain: Vec<(&str, f64)> = keys.iter().map(|(k, v)| (*k, v.value)).collect();
    match dist::from_keys(&dist_name.value, &plain) {
        Ok(dist) => ok.then_some(Param { name, dist, info }),
        Err(err) => {
            let mut d = Diagnostic::error(
                Code::BadDistribution,
                format!("param `{}`: {}", name.value, err.message),
            );
            let spans: Vec<Span> = err
                .keys
                .iter()
                .filter_map(|k| keys.iter().find(|(key, _)| key == k).map(|(_, v)| v.span))
                .collect();
            if spans.is_empty() {
                d = d.with_label(dist_name.span, "this distribution");
            }
            for span in spans {
                d = d.with_label(span, "here");
            }
            if let Some(hint) = err.hint {
                d = d.with_help(hint);
            }
            cx.push(d);
            None
        }
    }
}

fn read_lever(cx: &mut Cx<'_>, source: &str, name: Sp<String>, value: &Value<'_>) -> Option<Lever> {
    let ok = check_name(cx, &name, "a lever");
    let mut t = TableReader::from_value(cx, value, &format!("levers.{}", name.value))?;
    let info = info(cx, &mut t);
    let default = t.f64(cx, "default");
    let range = pair(cx, &mut t, "range");
    let cost = formula_key(cx, source, &mut t, "cost");
    let from = month(cx, &mut t, "from");
    let ramp = t.u64(cx, "ramp");
    t.finish(cx);
    let Some(default) = default else {
        if !t.has("default") {
            missing(cx, &t, "default", "0");
        }
        return None;
    };
    let range = range.unwrap_or(Sp::new((0.0, 1.0), t.span()));
    let (lo, hi) = range.value;
    if lo > hi {
        cx.push(
            Diagnostic::error(
                Code::BadRange,
                format!("lever `{}`: range [{lo}, {hi}] is empty", name.value),
            )
            .with_label(range.span, "the lower end is above the upper end"),
        );
        return None;
    }
    if default.value < lo || default.value > hi {
        cx.push(
            Diagnostic::error(
                Code::BadRange,
                format!(
                    "lever `{}`: default {} is outside its range [{lo}, {hi}]",
                    name.value, default.value
                ),
            )
            .with_label(default.span, "outside the range")
            .with_label(range.span, "range declared here"),
        );
        return None;
    }
    let ramp = ramp_months(cx, ramp)?;
    ok.then_some(Lever {
        name,
        default,
        range,
        cost,
        from,
        ramp,
        info,
    })
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

/// A two-number array `[lo, hi]`.
fn pair(cx: &mut Cx<'_>, t: &mut TableReader<'_>, key: &'static str) -> Option<Sp<(f64, f64)>> {
    let path = format!("{}.{key}", t.path());
    let (array, span) = t.array(cx, key)?;
    if array.len() != 2 {
        cx.push(
            Diagnostic::error(
                Code::WrongType,
                format!("`{path}` must have two numbers, [low, high]"),
            )
            .with_label(span, format!("{} values here", array.len())),
        );
        return None;
    }
    let lo = number(cx, &path, &array[0])?;
    let hi = number(cx, &path, &array[1])?;
    Some(Sp::new((lo.value, hi.value), span))
}

fn read_stock(cx: &mut Cx<'_>, source: &str, name: Sp<String>, value: &Value<'_>) -> Option<Stock> {
    let ok = check_name(cx, &name, "a stock");
    let mut t = TableReader::from_value(cx, value, &format!("stocks.{}", name.value))?;
    let info = info(cx, &mut t);
    let init = formula_key(cx, source, &mut t, "init");
    let init_given = t.has("init");
    let actor = t.str(cx, "actor");
    let min = t.f64(cx, "min");
    let max = t.f64(cx, "max");
    let bound = t.str(cx, "bound");
    t.finish(cx);
    let bound = match bound {
        None => BoundRule::Error,
        Some(b) => match b.value.as_str() {
            "error" => BoundRule::Error,
            "clamp" => BoundRule::Clamp,
            _ => {
                cx.push(
                    Diagnostic::error(
                        Code::BadValue,
                        format!(
                            "`bound` must be \"error\" or \"clamp\", not \"{}\"",
                            b.value
                        ),
                    )
                    .with_label(b.span, "unknown bound rule")
                    .with_help("\"clamp\" holds the stock at its bound; \"error\" stops the run"),
                );
                return None;
            }
        },
    };
    if let (Some(lo), Some(hi)) = (&min, &max)
        && lo.value > hi.value
    {
        cx.push(
            Diagnostic::error(
                Code::BadRange,
                format!(
                    "stock `{}`: min {} is above max {}",
                    name.value, lo.value, hi.value
                ),
            )
            .with_label(lo.span, "min")
            .with_label(hi.span, "max"),
        );
        return None;
    }
    let init = match init {
        Some(f) => f,
        None if init_given => return None,
        None => Formula {
            text: "0".into(),
            expr: formula::Expr {
                kind: formula::ExprKind::Number(0.0),
                span: formula::Span::new(0, 0),
            },
            span: t.span(),
            content_start: None,
        },
    };
    if let formula::ExprKind::Number(v) = init.expr.kind {
        let below = min.as_ref().is_some_and(|lo| v < lo.value);
        let above = max.as_ref().is_some_and(|hi| v > hi.value);
        if below || above {
            cx.push(
                Diagnostic::error(
                    Code::BadRange,
                    format!("stock `{}` starts at {v}, outside its bounds", name.value),
                )
                .with_label(init.span, "initial value"),
            );
            return None;
        }
    }
    ok.then_some(Stock {
        name,
        init,
        actor,
        min,
        max,
        bound,
        info,
    })
}

fn read_flow(cx: &mut Cx<'_>, source: &str, name: Sp<String>, value: &Value<'_>) -> Option<Flow> {
    let ok = check_name(cx, &name, "a flow");
    let mut t = TableReader::from_value(cx, value, &format!("flows.{}", name.value))?;
    let info = info(cx, &mut t);
    let from = t.str(cx, "from");
    let to = t.str(cx, "to");
    let rate = formula_key(cx, source, &mut t, "rate");
    let has_rate = t.has("rate");
    let commodity = t.str(cx, "commodity").map(|s| s.value).unwrap_or_default();
    t.finish(cx);
    if !has_rate {
        missing(cx, &t, "rate", "\"100 * war\"");
    }
    if from.is_none() && to.is_none() {
        cx.push(
            Diagnostic::error(
                Code::MissingKey,
                format!("flow `{}` has neither `from` nor `to`", name.value),
            )
            .with_label(t.span(), "a flow moves an amount from a stock or into one")
            .with_help("add to = \"<stock>\" and/or from = \"<stock>\""),
        );
        return None;
    }
    let rate = rate?;
    ok.then_some(Flow {
        name,
        from,
        to,
        rate,
        commodity,
        info,
    })
}

fn read_aux(cx: &mut Cx<'_>, source: &str, name: Sp<String>, value: &Value<'_>) -> Option<Aux> {
    let ok = check_name(cx, &name, "an auxiliary");
    let path = format!("aux.{}", name.value);
    if let DeValue::Table(_) = value.get_ref() {
        let mut t = TableReader::from_value(cx, value, &path)?;
        let info = info(cx, &mut t);
        let expr = formula_key(cx, source, &mut t, "expr");
        let has_expr = t.has("expr");
        t.finish(cx);
        if !has_expr {
            missing(cx, &t, "expr", "\"0.05 + 0.25 * intel_sharing\"");
        }
        let expr = expr?;
        return ok.then_some(Aux { name, expr, info });
    }
    let expr = formula(cx, source, &path, value)?;
    ok.then_some(Aux {
        name,
        expr,
        info: Info::default(),
    })
}

fn read_event(cx: &mut Cx<'_>, source: &str, name: Sp<String>, value: &Value<'_>) -> Option<Event> {
    let ok = check_name(cx, &name, "an event");
    let mut t = TableReader::from_value(cx, value, &format!("events.{}", name.value))?;
    let info = Info {
        label: t.str(cx, "label").map(|s| s.value),
        unit: "0/1".into(),
        note: t.str(cx, "note").map(|s| s.value).unwrap_or_default(),
    };
    let hazard = formula_key(cx, source, &mut t, "hazard");
    let when = formula_key(cx, source, &mut t, "when");
    let given = t.has("hazard") || t.has("when");
    let not_before = month(cx, &mut t, "not_before");
    t.finish(cx);
    if !given {
        cx.push(
            Diagnostic::error(
                Code::MissingKey,
                format!("event `{}` needs `hazard` or `when`", name.value),
            )
            .with_label(t.span(), "this event can never happen")
            .with_help("add hazard = \"0.02\" (a probability per month) or when = \"<condition>\""),
        );
        return None;
    }
    if let Some(h) = &hazard
        && let formula::ExprKind::Number(p) = h.expr.kind
        && !(0.0..=1.0).contains(&p)
    {
        cx.push(
            Diagnostic::error(
                Code::BadProbability,
                format!("hazard {p} is not a probability per month"),
            )
            .with_label(h.span, "must be between 0 and 1")
            .with_help(
                "a hazard is the chance that the event happens in a month; a yearly chance p is \
                 1 - (1 - p)^(1/12) per month",
            ),
        );
        return None;
    }
    if (hazard.is_none() && t.has("hazard")) || (when.is_none() && t.has("when")) {
        return None;
    }
    ok.then_some(Event {
        name,
        hazard,
        when,
        not_before,
        info,
    })
}

fn read_outcome(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Outcome> {
    let ok = check_name(cx, &name, "an outcome");
    let mut t = TableReader::from_value(cx, value, &format!("outcomes.{}", name.value))?;
    let info = info(cx, &mut t);
    let expr = formula_key(cx, source, &mut t, "expr");
    let has_expr = t.has("expr");
    let kind = t.str(cx, "kind");
    let better = t.str(cx, "better");
    let at = month(cx, &mut t, "at");
    let from = month(cx, &mut t, "from");
    let to = month(cx, &mut t, "to");
    let is_cost = t.bool(cx, "cost").is_some_and(|b| b.value);
    t.finish(cx);
    if !has_expr {
        missing(cx, &t, "expr", "\"shells_in_russia\"");
    }
    let kind = match kind {
        None => OutcomeKind::Final,
        Some(k) => match OutcomeKind::ALL
            .iter()
            .find(|kind| kind.as_str() == k.value)
        {
            Some(kind) => *kind,
            None => {
                let names: Vec<&str> = OutcomeKind::ALL.iter().map(|k| k.as_str()).collect();
                let mut d = Diagnostic::error(
                    Code::BadValue,
                    format!("unknown outcome kind \"{}\"", k.value),
                )
                .with_label(k.span, "not an outcome kind");
                d = match crate::diag::suggest::did_you_mean(&k.value, names.iter().copied()) {
                    Some(hint) => d.with_help(hint),
                    None => d.with_help(format!("kinds: {}", names.join(", "))),
                };
                cx.push(d);
                return None;
            }
        },
    };
    let better = match better {
        None => Better::Neither,
        Some(b) => match b.value.as_str() {
            "lower" => Better::Lower,
            "higher" => Better::Higher,
            "none" => Better::Neither,
            _ => {
                cx.push(
                    Diagnostic::error(
                        Code::BadValue,
                        format!(
                            "`better` must be \"lower\", \"higher\" or \"none\", not \"{}\"",
                            b.value
                        ),
                    )
                    .with_label(b.span, "unknown direction"),
                );
                return None;
            }
        },
    };
    if at.is_some() && !matches!(kind, OutcomeKind::Final) {
        let span = t.key_span(cx, "at").unwrap_or(t.span());
        cx.push(
            Diagnostic::error(
                Code::BadValue,
                format!(
                    "`at` only applies to kind \"final\"; this outcome is \"{}\"",
                    kind.as_str()
                ),
            )
            .with_label(span, "not used by this kind")
            .with_help("for other kinds set the window with `from` and `to`"),
        );
        return None;
    }
    if kind == OutcomeKind::Final && (from.is_some() || to.is_some()) {
        let key = if from.is_some() { "from" } else { "to" };
        let span = t.key_span(cx, key).unwrap_or(t.span());
        cx.push(
            Diagnostic::error(Code::BadValue, format!("`{key}` sets a window, which kind \"final\" does not use"))
                .with_label(span, "ignored by a final value")
                .with_help("for the value at a given month write `at = \"YYYY-MM\"`; for a window choose a kind such as \"max\", \"sum\" or \"mean\""),
        );
        return None;
    }
    if let (Some(f), Some(to)) = (&from, &to)
        && f.value > to.value
    {
        cx.push(
            Diagnostic::error(
                Code::BadRange,
                format!("window {} to {} ends before it starts", f.value, to.value),
            )
            .with_label(f.span, "from")
            .with_label(to.span, "to"),
        );
        return None;
    }
    let expr = expr?;
    ok.then_some(Outcome {
        name,
        expr,
        kind,
        at,
        from,
        to,
        better,
        is_cost,
        info,
    })
}

fn read_bundle(
    cx: &mut Cx<'_>,
    _source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Bundle> {
    let ok = check_name(cx, &name, "a bundle");
    let mut t = TableReader::from_value(cx, value, &format!("bundles.{}", name.value))?;
    let label = t.str(cx, "label").map(|s| s.value);
    let description = t
        .str(cx, "description")
        .map(|s| s.value)
        .unwrap_or_default();
    let mut settings = Vec::new();
    if let Some(mut levers) = t.table(cx, "levers") {
        for (lever, value) in levers.entries(cx) {
            if let Some(value) = read_lever_value(cx, &lever, value) {
                settings.push(LeverSetting { lever, value });
            }
        }
    }
    t.finish(cx);
    ok.then_some(Bundle {
        name,
        label,
        description,
        settings,
    })
}

fn read_lever_value(cx: &mut Cx<'_>, lever: &Sp<String>, value: &Value<'_>) -> Option<LeverValue> {
    let path = format!("levers.{}", lever.value);
    if let DeValue::Integer(_) | DeValue::Float(_) = value.get_ref() {
        let value = number(cx, &path, value)?;
        return Some(LeverValue::Constant {
            value,
            from: None,
            ramp: None,
        });
    }
    let mut t = TableReader::from_value(cx, value, &path)?;
    let v = t.f64(cx, "value");
    let from = month(cx, &mut t, "from");
    let ramp = t.u64(cx, "ramp");
    let schedule = t.array(cx, "schedule");
    t.finish(cx);
    match (v, schedule) {
        (Some(value), None) => {
            let ramp = match ramp {
                None => None,
                some => Some(ramp_months(cx, some)?),
            };
            Some(LeverValue::Constant { value, from, ramp })
        }
        (None, Some((points, span))) => {
            if from.is_some() || ramp.is_some() {
                cx.push(
                    Diagnostic::error(
                        Code::BadValue,
                        "a schedule sets its own months; `from` and `ramp` do not apply",
                    )
                    .with_label(span, "schedule"),
                );
                return None;
            }
            read_schedule(cx, &path, points, span)
        }
        (Some(_), Some((_, span))) => {
            cx.push(
                Diagnostic::error(
                    Code::BadValue,
                    "give either `value` or `schedule`, not both",
                )
                .with_label(span, "schedule"),
            );
            None
        }
        (None, None) => {
            missing(cx, &t, "value", "0.8");
            None
        }
    }
}

fn read_schedule(
    cx: &mut Cx<'_>,
    path: &str,
    points: &toml::de::DeArray<'_>,
    span: Span,
) -> Option<LeverValue> {
    let mut out: Vec<(Sp<Month>, Sp<f64>)> = Vec::new();
    for point in points.iter() {
        let pspan = cx.span(point.span());
        let pair = match point.get_ref() {
            DeValue::Array(pair) if pair.len() == 2 => pair,
            _ => {
                cx.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("each point of `{path}.schedule` must be [\"YYYY-MM\", value]"),
                    )
                    .with_label(pspan, "not a [month, value] pair"),
                );
                return None;
            }
        };
        let month = string(cx, path, &pair[0]).and_then(|m| month_text(cx, &m))?;
        let value = number(cx, path, &pair[1])?;
        if let Some((prev, _)) = out.last()
            && month.value <= prev.value
        {
            cx.push(
                Diagnostic::error(Code::BadDate, "schedule months must increase")
                    .with_label(month.span, format!("not after {}", prev.value)),
            );
            return None;
        }
        out.push((month, value));
    }
    if out.is_empty() {
        cx.push(
            Diagnostic::error(Code::BadValue, "a schedule needs at least one point")
                .with_label(span, "empty"),
        );
        return None;
    }
    Some(LeverValue::Schedule(out))
}

fn read_observation(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> Option<Observation> {
    let var = t.str(cx, "var");
    let at = month(cx, t, "at");
    let value = t.f64(cx, "value");
    let tolerance = t.f64(cx, "tolerance");
    let note = t.str(cx, "note").map(|s| s.value).unwrap_or_default();
    let mut complete = true;
    for (key, present, example) in [
        ("var", var.is_some() || t.has("var"), "\"shells_in_russia\""),
        ("at", at.is_some() || t.has("at"), "\"2024-10\""),
        ("value", value.is_some() || t.has("value"), "8_000_000"),
    ] {
        if !present {
            missing(cx, t, key, example);
            complete = false;
        }
    }
    let tolerance = match tolerance {
        None => 0.25,
        Some(tol) if tol.value > 0.0 => tol.value,
        Some(tol) => {
            cx.push(
                Diagnostic::error(
                    Code::BadValue,
                    "`tolerance` is a relative distance and must be above 0",
                )
                .with_label(tol.span, "e.g. 0.25 for 25%"),
            );
            return None;
        }
    };
    if !complete {
        return None;
    }
    Some(Observation {
        var: var?,
        at: at?,
        value: value?,
        tolerance,
        note,
        span: t.span(),
    })
}

fn read_charts(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> ChartsConfig {
    let mut charts = ChartsConfig {
        series: name_list(cx, t, "series"),
        outcomes: name_list(cx, t, "outcomes"),
        dashboard: name_list(cx, t, "dashboard"),
        bundles: name_list(cx, t, "bundles"),
        titles: Vec::new(),
    };
    if let Some(mut titles) = t.table(cx, "titles") {
        for (name, value) in titles.entries(cx) {
            if let Some(title) = string(cx, &format!("charts.titles.{}", name.value), value) {
                charts.titles.push((name, title.value));
            }
        }
    }
    charts
}

//! Readers of what a scenario compares and checks: outcomes, bundles (with lever values and
//! schedules), observations and the `[charts]` table.

use toml::de::DeValue;

use super::*; // the helpers every item reader shares (names, months, formulas, texts)
use crate::diag::{Code, Diagnostic, Span};
use crate::scenario::keys;
use crate::scenario::reader::{Cx, Sp, TableReader, Value, number, string};
use crate::scenario::{
    Better, Bundle, ChartsConfig, LeverSetting, LeverValue, Month, Outcome, OutcomeKind,
    ReportConfig,
};

pub(super) fn read_outcome(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Outcome> {
    let ok = check_name(cx, &name, "an outcome");
    let mut t = TableReader::from_value(
        cx,
        value,
        &format!("outcomes.{}", name.value),
        &keys::OUTCOME,
    )?;
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

pub(super) fn read_bundle(
    cx: &mut Cx<'_>,
    _source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Bundle> {
    let ok = check_name(cx, &name, "a bundle");
    let mut t =
        TableReader::from_value(cx, value, &format!("bundles.{}", name.value), &keys::BUNDLE)?;
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

pub(super) fn read_lever_value(
    cx: &mut Cx<'_>,
    lever: &Sp<String>,
    value: &Value<'_>,
) -> Option<LeverValue> {
    let path = format!("levers.{}", lever.value);
    if let DeValue::Integer(_) | DeValue::Float(_) = value.get_ref() {
        let value = number(cx, &path, value)?;
        return Some(LeverValue::Constant {
            value,
            from: None,
            ramp: None,
        });
    }
    let mut t = TableReader::from_value(cx, value, &path, &keys::SETTING)?;
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

pub(super) fn read_schedule(
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

pub(super) fn read_charts(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> ChartsConfig {
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

/// The `[report]` table.
pub(super) fn read_report(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> ReportConfig {
    let texts = |cx: &mut Cx<'_>, t: &mut TableReader<'_>, key: &'static str| -> Vec<String> {
        let path = format!("{}.{key}", t.path());
        t.array(cx, key)
            .map(|(array, _)| {
                array
                    .iter()
                    .filter_map(|v| string(cx, &path, v).map(|s| s.value))
                    .collect()
            })
            .unwrap_or_default()
    };
    ReportConfig {
        question: t.str(cx, "question").map(|s| s.value),
        outcomes: name_list(cx, t, "outcomes"),
        series: name_list(cx, t, "series"),
        assumptions: texts(cx, t, "assumptions"),
        limitations: texts(cx, t, "limitations"),
    }
}

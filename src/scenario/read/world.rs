//! Readers of what a scenario's world is made of: params, levers, stocks, flows, auxiliaries
//! and events.

use toml::de::DeValue;

use super::*; // the helpers every item reader shares (names, months, formulas, texts)
use crate::diag::{Code, Diagnostic, Span};
use crate::scenario::dist::{self, Dist};
use crate::scenario::formula;
use crate::scenario::keys;
use crate::scenario::reader::{Cx, Sp, TableReader, Value, number};
use crate::scenario::{Aux, BoundRule, Event, Flow, Formula, Info, Lever, Param, Stock};

pub(super) fn read_param(
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
    let mut t = TableReader::from_value(cx, value, &path, &keys::PARAM)?;
    let info = info(cx, &mut t);
    let dist_name = t.str(cx, "dist");
    let mut keys: Vec<(&str, Sp<f64>)> = Vec::new();
    for key in keys::dist_keys() {
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

pub(super) fn read_lever(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Lever> {
    let ok = check_name(cx, &name, "a lever");
    let mut t =
        TableReader::from_value(cx, value, &format!("levers.{}", name.value), &keys::LEVER)?;
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

pub(super) fn read_stock(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Stock> {
    let ok = check_name(cx, &name, "a stock");
    let mut t =
        TableReader::from_value(cx, value, &format!("stocks.{}", name.value), &keys::STOCK)?;
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

pub(super) fn read_flow(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Flow> {
    let ok = check_name(cx, &name, "a flow");
    let mut t = TableReader::from_value(cx, value, &format!("flows.{}", name.value), &keys::FLOW)?;
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

pub(super) fn read_aux(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Aux> {
    let ok = check_name(cx, &name, "an auxiliary");
    let path = format!("aux.{}", name.value);
    if let DeValue::Table(_) = value.get_ref() {
        let mut t = TableReader::from_value(cx, value, &path, &keys::AUX)?;
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

pub(super) fn read_event(
    cx: &mut Cx<'_>,
    source: &str,
    name: Sp<String>,
    value: &Value<'_>,
) -> Option<Event> {
    let ok = check_name(cx, &name, "an event");
    let mut t =
        TableReader::from_value(cx, value, &format!("events.{}", name.value), &keys::EVENT)?;
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

//! Readers of reported figures (`[[observations]]`) and of the `[calibration]` table.
//!
//! An observation says what was reported, as it was reported: a target (a variable at a month,
//! or an expression over the run), one figure (a point value, a lower or upper bound, or a
//! range) and the report's own uncertainty. Everything that can be checked without the rest of
//! the scenario is checked here; whether the variable exists, whether windows lie inside the
//! time axis and whether ids are unique is checked by the model compiler.

use super::*; // the helpers every item reader shares (names, months, formulas, texts)
use crate::diag::{Code, Diagnostic};
use crate::scenario::reader::{Cx, Sp, TableReader, number};
use crate::scenario::{CalibrationConfig, Figure, Observation, ObservationRole, Scale, Spread};

/// Reads the `index`-th `[[observations]]` table.
pub(super) fn read_observation(
    cx: &mut Cx<'_>,
    source: &str,
    t: &mut TableReader<'_>,
    index: usize,
) -> Option<Observation> {
    let id = t.str(cx, "id");
    let cited = t.str(cx, "source");
    let quote = t.str(cx, "quote").map(|s| s.value).unwrap_or_default();
    let role = t.str(cx, "role");
    let var = t.str(cx, "var");
    let has_var = t.has("var");
    let expr = formula_key(cx, source, t, "expr");
    let has_expr = t.has("expr");
    let at = month(cx, t, "at");
    let has_at = t.has("at");
    let value = t.f64(cx, "value");
    let min = t.f64(cx, "min");
    let max = t.f64(cx, "max");
    let range = range(cx, t);
    let sd = t.f64(cx, "sd");
    let rel_sd = t.f64(cx, "rel_sd");
    let p05 = t.f64(cx, "p05");
    let p95 = t.f64(cx, "p95");
    let scale = t.str(cx, "scale");
    let tolerance = t.f64(cx, "tolerance");
    let note = t.str(cx, "note").map(|s| s.value).unwrap_or_default();
    // Keys written but unreadable have their own message; only their absence is checked below.
    let given = |key: &'static str, t: &mut TableReader<'_>| t.has(key);
    let written: Vec<&'static str> = ["value", "min", "max", "range", "sd", "rel_sd", "p05", "p95"]
        .into_iter()
        .filter(|k| given(k, t))
        .collect();
    let mut ok = true;

    // The target.
    if has_var && has_expr {
        let span = t.key_span(cx, "expr").unwrap_or(t.span());
        cx.push(
            Diagnostic::error(
                Code::BadValue,
                "an observation has either `var` or `expr`, not both",
            )
            .with_label(span, "second target")
            .with_help("`var` observes a variable at `at`; `expr` an expression such as \"sum(x, '2024-01', '2024-06')\""),
        );
        ok = false;
    } else if !has_var && !has_expr {
        cx.push(
            Diagnostic::error(Code::MissingKey, format!("`{}` needs `var` or `expr`", t.path()))
                .with_label(t.span(), "no target here")
                .with_help("add e.g. var = \"shells_delivered\" (with at = \"2024-10\"), or expr = \"sum(containers, '2023-09', '2024-02')\""),
        );
        ok = false;
    } else if has_var && !has_at {
        missing(cx, t, "at", "\"2024-10\"");
        ok = false;
    }

    // The figure: one of a value, bounds (min, max or both) or a range.
    let forms = usize::from(written.contains(&"value"))
        + usize::from(written.contains(&"min") || written.contains(&"max"))
        + usize::from(written.contains(&"range"));
    if forms == 0 {
        cx.push(
            Diagnostic::error(Code::MissingKey, format!("`{}` needs a figure", t.path()))
                .with_label(t.span(), "no `value`, `min`, `max` or `range` here")
                .with_help("add the reported figure: value = 8_000_000 (with its uncertainty, e.g. rel_sd = 0.2), min = 10_000 (\"more than\"), max = 3e6 (\"up to\") or range = [1.7, 5.5]"),
        );
        return None;
    }
    if forms > 1 {
        let second = ["range", "min", "max"]
            .into_iter()
            .filter(|k| written.contains(k))
            .find_map(|k| t.key_span(cx, k))
            .unwrap_or(t.span());
        cx.push(
            Diagnostic::error(Code::BadValue, "an observation gives one figure")
                .with_label(second, "a second figure")
                .with_help("write a point (`value`), a bound (`min` or `max`, or both for a range) or `range = [low, high]`; several figures of one quantity are several observations"),
        );
        return None;
    }
    let figure = if written.contains(&"value") {
        Figure::Point(value?)
    } else if written.contains(&"range") {
        let (lo, hi) = range?;
        Figure::Range(lo, hi)
    } else {
        match (min, max) {
            (Some(lo), Some(hi)) => Figure::Range(lo, hi),
            (Some(lo), None) if !written.contains(&"max") => Figure::Min(lo),
            (None, Some(hi)) if !written.contains(&"min") => Figure::Max(hi),
            _ => return None,
        }
    };
    if let Figure::Range(lo, hi) = figure
        && lo.value > hi.value
    {
        let (what_lo, what_hi) = if written.contains(&"range") {
            ("low end", "high end")
        } else {
            ("min", "max")
        };
        let mut d = Diagnostic::error(
            Code::BadRange,
            format!(
                "{what_lo} ({}) is above the {what_hi} ({})",
                lo.value, hi.value
            ),
        );
        d = if lo.span == hi.span {
            d.with_label(lo.span, "reversed")
        } else {
            d.with_label(lo.span, what_lo).with_label(hi.span, what_hi)
        };
        cx.push(d.with_help("swap them: the lower figure first"));
        ok = false;
    }

    // The report's uncertainty.
    let spreads = usize::from(written.contains(&"sd"))
        + usize::from(written.contains(&"rel_sd"))
        + usize::from(written.contains(&"p05") || written.contains(&"p95"));
    if spreads > 1 {
        let span = ["rel_sd", "p05", "p95"]
            .into_iter()
            .filter(|k| written.contains(k))
            .find_map(|k| t.key_span(cx, k))
            .unwrap_or(t.span());
        cx.push(
            Diagnostic::error(Code::BadValue, "give the report's uncertainty once")
                .with_label(span, "a second uncertainty")
                .with_help("one of sd (absolute), rel_sd (relative) or p05 and p95 (the report's 90% range)"),
        );
        return None;
    }
    let spread = match (sd, rel_sd, p05, p95) {
        (Some(s), ..) => Some(Spread::Sd(positive(cx, s, "sd")?)),
        (_, Some(r), ..) => Some(Spread::RelSd(positive(cx, r, "rel_sd")?)),
        (_, _, Some(lo), Some(hi)) => {
            if lo.value >= hi.value {
                cx.push(
                    Diagnostic::error(
                        Code::BadRange,
                        format!("p05 ({}) must be below p95 ({})", lo.value, hi.value),
                    )
                    .with_label(lo.span, "p05")
                    .with_label(hi.span, "p95"),
                );
                return None;
            }
            Some(Spread::Interval(lo, hi))
        }
        (_, _, Some(_), None) if !written.contains(&"p95") => {
            missing(cx, t, "p95", "the top of the report's 90% range");
            return None;
        }
        (_, _, None, Some(_)) if !written.contains(&"p05") => {
            missing(cx, t, "p05", "the bottom of the report's 90% range");
            return None;
        }
        _ if spreads > 0 => return None, // written but unreadable: already reported
        _ => None,
    };
    match (figure, spread) {
        (Figure::Point(v), Some(Spread::Interval(lo, hi)))
            if v.value < lo.value || v.value > hi.value =>
        {
            cx.push(
                Diagnostic::error(
                    Code::BadRange,
                    format!(
                        "the value {} lies outside the report's range {} to {}",
                        v.value, lo.value, hi.value
                    ),
                )
                .with_label(v.span, "value")
                .with_label(lo.span, "p05")
                .with_help("p05 and p95 bracket the reported value"),
            );
            ok = false;
        }
        (Figure::Min(_) | Figure::Max(_) | Figure::Range(..), Some(Spread::Interval(lo, _))) => {
            cx.push(
                Diagnostic::error(Code::BadValue, "p05 and p95 give the range of a reported value")
                    .with_label(lo.span, "not for a bound or range")
                    .with_help("a bound's or range's edges are softened by rel_sd (or sd); for a report that only gives a range write range = [p05, p95]"),
            );
            ok = false;
        }
        _ => {}
    }

    // The scale.
    let scale = match scale {
        None => None,
        Some(s) => match s.value.as_str() {
            "log" => Some(Sp::new(Scale::Log, s.span)),
            "linear" => Some(Sp::new(Scale::Linear, s.span)),
            other => {
                cx.push(
                    Diagnostic::error(
                        Code::BadValue,
                        format!("`scale` must be \"log\" or \"linear\", not \"{other}\""),
                    )
                    .with_label(s.span, "unknown scale")
                    .with_help("\"log\": the report's error is relative (counts, money); \"linear\": absolute (shares, differences that may be negative)"),
                );
                return None;
            }
        },
    };
    let numbers = figure_numbers(figure, spread);
    if let Some(s) = scale
        && s.value == Scale::Log
        && let Some(bad) = numbers.iter().find(|n| n.value <= 0.0)
    {
        cx.push(
            Diagnostic::error(
                Code::BadValue,
                format!(
                    "on the log scale a figure must be above zero, not {}",
                    bad.value
                ),
            )
            .with_label(bad.span, "not above zero")
            .with_label(s.span, "log scale chosen here")
            .with_help("use scale = \"linear\" for a quantity that can be zero or negative"),
        );
        ok = false;
    }
    let linear = scale.map_or_else(
        || numbers.iter().any(|n| n.value <= 0.0),
        |s| s.value == Scale::Linear,
    );
    if linear {
        // On the linear scale a relative spread or the default softness scales with the figure,
        // which must then not be zero.
        let relative = match spread {
            None => !matches!(figure, Figure::Point(_)),
            Some(Spread::RelSd(_)) => true,
            _ => false,
        };
        if relative && let Some(zero) = figure_numbers(figure, None).iter().find(|n| n.value == 0.0)
        {
            cx.push(
                Diagnostic::error(
                    Code::BadValue,
                    "a figure of 0 on the linear scale needs an absolute uncertainty",
                )
                .with_label(zero.span, "relative to zero is nothing")
                .with_help("give `sd`, in the figure's unit"),
            );
            ok = false;
        }
    }

    let role = match role {
        None => ObservationRole::Fit,
        Some(r) => match r.value.as_str() {
            "fit" => ObservationRole::Fit,
            "check" => ObservationRole::Check,
            other => {
                let mut d = Diagnostic::error(
                    Code::BadValue,
                    format!("`role` must be \"fit\" or \"check\", not \"{other}\""),
                )
                .with_label(r.span, "unknown role");
                d = d.with_help(
                    crate::diag::suggest::did_you_mean(other, ["fit", "check"])
                        .unwrap_or_else(|| "\"fit\": used to calibrate and scored; \"check\": only scored (a held-out figure)".into()),
                );
                cx.push(d);
                return None;
            }
        },
    };
    // The history check's default tolerance: the report's own 90% half-width, relative, when it
    // states one, else 25%.
    let stated = match (figure, spread) {
        (Figure::Point(v), Some(Spread::RelSd(r))) if v.value != 0.0 => Some(1.645 * r.value),
        (Figure::Point(v), Some(Spread::Sd(s))) if v.value != 0.0 => {
            Some(1.645 * s.value / v.value.abs())
        }
        (Figure::Point(v), Some(Spread::Interval(lo, hi))) if v.value != 0.0 => {
            Some((hi.value - v.value).max(v.value - lo.value) / v.value.abs())
        }
        _ => None,
    };
    let tolerance = match tolerance {
        None => stated.unwrap_or(0.25),
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
    if id.is_some() && cited.is_none() && !t.has("source") {
        missing(
            cx,
            t,
            "source",
            "\"Kyiv Independent, 2024-06-14, https://...\"",
        );
        ok = false;
    }
    if let Some(id) = &id
        && id.value.trim().is_empty()
    {
        cx.push(
            Diagnostic::error(Code::BadValue, "an observation's `id` cannot be empty")
                .with_label(id.span, "empty")
                .with_help("e.g. id = \"C07\", the row of your figures table"),
        );
        ok = false;
    }
    if !ok || (has_var && var.is_none()) || (has_expr && expr.is_none()) || (has_at && at.is_none())
    {
        return None;
    }
    let id_given = id.is_some();
    let id = id.unwrap_or_else(|| {
        let text = match (&var, &at) {
            (Some(v), Some(m)) => format!("{}@{}", v.value, m.value),
            _ => format!("observation-{}", index + 1),
        };
        Sp::new(text, t.span())
    });
    Some(Observation {
        id,
        id_given,
        source: cited.map(|s| s.value).unwrap_or_default(),
        quote,
        role,
        var,
        expr,
        at,
        figure,
        spread,
        scale,
        tolerance,
        note,
        span: t.span(),
    })
}

/// `range = [low, high]`, each number with its own span.
fn range(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> Option<(Sp<f64>, Sp<f64>)> {
    let path = format!("{}.range", t.path());
    let (array, span) = t.array(cx, "range")?;
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
    let lo = number(cx, &path, &array[0]);
    let hi = number(cx, &path, &array[1]);
    Some((lo?, hi?))
}

fn positive(cx: &mut Cx<'_>, x: Sp<f64>, key: &str) -> Option<Sp<f64>> {
    if x.value > 0.0 {
        return Some(x);
    }
    cx.push(
        Diagnostic::error(
            Code::BadValue,
            format!("`{key}` must be above 0, not {}", x.value),
        )
        .with_label(x.span, "an uncertainty is positive"),
    );
    None
}

/// The numbers a figure and its spread write, for scale checks.
fn figure_numbers(figure: Figure, spread: Option<Spread>) -> Vec<Sp<f64>> {
    let mut out = match figure {
        Figure::Point(v) | Figure::Min(v) | Figure::Max(v) => vec![v],
        Figure::Range(lo, hi) => vec![lo, hi],
    };
    if let Some(Spread::Interval(lo, hi)) = spread {
        out.extend([lo, hi]);
    }
    out
}

/// Reads `[calibration]`.
pub(super) fn read_calibration(cx: &mut Cx<'_>, t: &mut TableReader<'_>) -> CalibrationConfig {
    let positive_count = |cx: &mut Cx<'_>, v: Option<Sp<u64>>, key: &str, least: u64| match v {
        Some(n) if n.value < least => {
            cx.push(
                Diagnostic::error(
                    Code::BadValue,
                    format!("`calibration.{key}` must be at least {least}"),
                )
                .with_label(n.span, "too few"),
            );
            None
        }
        other => other,
    };
    let posterior = t.str(cx, "posterior");
    let particles = t.u64(cx, "particles");
    let sims = t.u64(cx, "sims");
    let gross_error = match t.f64(cx, "gross_error") {
        Some(g) if !(0.0..1.0).contains(&g.value) => {
            cx.push(
                Diagnostic::error(
                    Code::BadProbability,
                    format!("`calibration.gross_error` is a probability below 1, not {}", g.value),
                )
                .with_label(g.span, "outside [0, 1)")
                .with_help("the share of reports taken to be simply wrong, e.g. 0.05; 0 trusts every report's stated error"),
            );
            None
        }
        other => other,
    };
    CalibrationConfig {
        posterior,
        particles: positive_count(cx, particles, "particles", 100),
        sims: positive_count(cx, sims, "sims", 1),
        gross_error,
    }
}

//! Bundle comparisons: a dot and intervals per bundle for one outcome, and cost against effect.
//!
//! The dot-interval chart puts each bundle on its own row (median dot, thick bar for the middle
//! 50% of runs, thin bar for the middle 90%; for a month of first crossing, over all runs, with
//! the share in which it never happens), sorted best first by the outcome's `better`, with
//! the reference bundle's median as a dashed line through every row. A probability outcome gets
//! its probability and 95% interval instead. The same rows, drawn smaller, make up the
//! dashboard. The cost–effect chart places each bundle at its mean cost and mean outcome, with
//! 95% intervals of both means.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::distribution::wilson;
use super::numbers::ValueFormat;
use super::read::{Results, RunValues, label_of, outcome_label};
use super::same::{Same, split_same};
use super::theme::{
    self, Axis, BundleStyle, Caption, Chart, DrawResult, Frame, INK, LegendItem, REFERENCE, Scale,
    Swatch, build_chart, draw_frame, draw_marker, line_height, padded, size, text_at, text_width,
};
use crate::output::schema::{Better, OutcomeInfo, OutcomeKind};

/// Space between a row's interval (or median mark) and its value label, pixels.
const LABEL_GAP: i32 = 20;

/// 97.5th percentile of the standard normal, for 95% intervals of means.
const Z95: f64 = 1.959_963_984_540_054;

/// One bundle's row in a dot-interval chart.
#[derive(Clone, Debug)]
pub struct IntervalRow {
    /// The bundle's name.
    pub bundle: String,
    /// Bundle label as shown.
    pub label: String,
    /// How the bundle is drawn.
    pub style: BundleStyle,
    /// Median, or probability.
    pub center: f64,
    /// The middle 50% of runs (none for probabilities).
    pub inner: Option<(f64, f64)>,
    /// The middle 90% of runs, or the 95% interval of a probability.
    pub outer: (f64, f64),
    /// Whether this is the reference bundle.
    pub reference: bool,
    /// The value label, when it says more than the centre's value (a month with the share of
    /// runs in which the event never happens).
    pub label_text: Option<String>,
}

/// The `p` quantile of a month of first crossing over **all** runs, those in which it never
/// happens counting as later than any month: the `⌈p·n⌉`-th smallest of the n runs, `None`
/// when that run never sees it. (The median of the runs with a month is conditional on the
/// event happening and reads as far too early when many runs never see it: issue 14.)
///
/// # Examples
/// ```
/// use leversim::plot::compare::quantile_over_all;
/// use leversim::plot::read::RunValues;
/// let v = RunValues { sorted: vec![2026.0, 2027.0, 2028.0], total: 5 };
/// assert_eq!(quantile_over_all(&v, 0.5), Some(2028.0));
/// assert_eq!(quantile_over_all(&v, 0.05), Some(2026.0));
/// assert_eq!(quantile_over_all(&v, 0.75), None);
/// ```
pub fn quantile_over_all(v: &RunValues, p: f64) -> Option<f64> {
    if v.total == 0 {
        return None;
    }
    let k = ((p * v.total as f64).ceil() as usize).clamp(1, v.total);
    v.sorted.get(k - 1).copied()
}

/// The decimal year just after the scenario's last month: where "never (in the horizon)" is
/// drawn on a month axis.
fn horizon_end(results: &Results) -> f64 {
    crate::output::schema::Month::parse(&results.summary.scenario.end)
        .map_or(f64::NAN, |m| m.decimal_year() + 1.0 / 12.0)
}

/// The rows of `outcome`, top to bottom: best first when `sorted` and the outcome has a
/// direction, else in run order.
pub fn interval_rows(results: &Results, outcome: &OutcomeInfo, sorted: bool) -> Vec<IntervalRow> {
    let probability = outcome.kind == OutcomeKind::Probability;
    let first = outcome.kind == OutcomeKind::First;
    let end = horizon_end(results);
    let mut rows: Vec<IntervalRow> = results
        .bundles()
        .into_iter()
        .filter_map(|(i, b)| {
            // A bundle without values (an event that never happened in it) keeps its row,
            // empty, so that rows line up across dashboard panels.
            let rec = results.record(&b.name, &outcome.name)?;
            let get = |v: Option<f64>| v.unwrap_or(f64::NAN);
            let mut label_text = None;
            let (center, inner, outer) = if first {
                let values = results.values(&b.name, &outcome.name)?;
                let q = |p: f64| quantile_over_all(values, p).unwrap_or(end);
                let never = 1.0 - values.sorted.len() as f64 / values.total.max(1) as f64;
                let month = match quantile_over_all(values, 0.5) {
                    Some(m) => crate::output::format::month_of(m),
                    None => format!("after {}", results.summary.scenario.end),
                };
                if never > 0.0 {
                    label_text = Some(format!(
                        "{month} · never {}",
                        crate::output::format::percent(never)
                    ));
                } else if month.starts_with("after") {
                    label_text = Some(month);
                }
                (q(0.5), Some((q(0.25), q(0.75))), (q(0.05), q(0.95)))
            } else if probability {
                let p = get(rec.mean);
                (p, None, wilson(p, rec.n))
            } else {
                (
                    get(rec.p50),
                    Some((get(rec.p25), get(rec.p75))),
                    (get(rec.p05), get(rec.p95)),
                )
            };
            let reference = b.name == results.reference();
            Some(IntervalRow {
                bundle: b.name.clone(),
                label: if reference {
                    format!("{} (reference)", label_of(&b))
                } else {
                    label_of(&b)
                },
                style: results.style(i),
                center,
                inner,
                outer,
                reference,
                label_text,
            })
        })
        .collect();
    if sorted {
        match outcome.better {
            Better::Lower => rows.sort_by(|a, b| a.center.total_cmp(&b.center)),
            Better::Higher => rows.sort_by(|a, b| b.center.total_cmp(&a.center)),
            Better::Neither => {}
        }
    }
    rows
}

/// The legend of a dot-interval chart.
pub fn interval_legend(probability: bool, reference: Option<&str>) -> Vec<LegendItem> {
    let mut items = if probability {
        vec![
            LegendItem::new(Swatch::dot(INK), "probability"),
            LegendItem::new(Swatch::line(INK, 3), "95% interval"),
        ]
    } else {
        vec![
            LegendItem::new(Swatch::dot(INK), "median"),
            LegendItem::new(Swatch::line(INK, 12), "50% of runs"),
            LegendItem::new(Swatch::line(INK, 3), "90% of runs"),
        ]
    };
    if let Some(reference) = reference {
        let what = if probability { "probability" } else { "median" };
        items.push(LegendItem::new(
            Swatch::reference_line(),
            format!("{what} of {reference} (reference)"),
        ));
    }
    items
}

/// How a dot-interval panel is labelled.
#[derive(Clone, Copy, Debug)]
pub struct PanelLabels<'t> {
    /// How values are written.
    pub scale: Scale,
    /// x-axis description.
    pub x_desc: &'t str,
    /// Panel title, the lines it reserves and its font size.
    pub caption: Option<(&'t str, usize, u32)>,
    /// About how many x ticks.
    pub x_ticks: usize,
    /// Whether the bundle names are written left of the rows (off for panels to the right of
    /// another with the same rows).
    pub row_names: bool,
    /// The values the axis must hold, instead of the rows' own (so that panels of one kind
    /// share an axis: every probability panel of the dashboard).
    pub range: Option<(f64, f64)>,
}

/// The rows' names as a category axis (top row first).
pub fn row_axis(rows: &[IntervalRow]) -> Axis {
    Axis::categories(rows.iter().rev().map(|r| r.label.clone()).collect(), "")
}

/// Draws dot-interval `rows` (top to bottom) on `area`, each labelled with its centre value.
///
/// # Errors
/// When drawing fails.
pub fn draw_intervals<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[IntervalRow],
    labels: PanelLabels<'_>,
) -> Result<()> {
    let PanelLabels {
        scale,
        x_desc,
        caption,
        x_ticks,
        row_names,
        range,
    } = labels;
    let n = rows.len();
    // One format for every row's label (issue 14).
    let format = ValueFormat::for_values(scale, rows.iter().map(|r| r.center));
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| [r.outer.0, r.outer.1, r.center])
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let (lo, hi) = range.unwrap_or((lo, hi));
    let (mut lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if scale != Scale::Month && lo >= 0.0 && lo < 0.3 * hi {
        lo = 0.0;
    }
    let (x0, x1) = padded(lo, hi, 0.04);
    let x0 = if lo == 0.0 { 0.0 } else { x0 };
    let y = if row_names {
        row_axis(rows)
    } else {
        row_axis(rows).unlabelled()
    };
    // Room on the right for the value labels, which start LABEL_GAP right of each row's interval:
    // the plot is widened so that the widest label ends inside it.
    let label_w = rows
        .iter()
        .filter(|r| r.center.is_finite())
        .map(|r| text_width(area, &row_label(r, &format), size::TICK))
        .max()
        .unwrap_or(0)
        + LABEL_GAP
        + 8;
    let plot_w = area.dim_in_pixel().0 as i32 - theme::left_width(area, &y);
    let x1 = if range.is_some() {
        // A shared axis is the same in every panel, whatever its width: room for the labels
        // as a fixed share of the span.
        x1 + (x1 - x0) * 0.6
    } else if plot_w > 2 * label_w {
        x0 + (x1 - x0) * f64::from(plot_w) / f64::from(plot_w - label_w)
    } else {
        x1 + (x1 - x0) * 0.5
    };
    let x = Axis::new((x0, x1), scale, x_desc, x_ticks);
    let caption = caption.map(|(text, lines, size)| Caption {
        text,
        color: INK,
        lines,
        size,
    });
    let mut chart = build_chart(area, &x, &y, caption)?;
    if let Some(reference) = rows.iter().find(|r| r.reference)
        && reference.center.is_finite()
    {
        chart
            .draw_series(DashedLineSeries::new(
                [(reference.center, -0.6), (reference.center, n as f64 - 0.4)],
                12,
                8,
                REFERENCE.stroke_width(3),
            ))
            .drawing("the reference line")?;
    }
    for (k, row) in rows.iter().enumerate() {
        let yk = (n - 1 - k) as f64;
        let (a, b) = row.outer;
        if a.is_finite() && b.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(a, yk), (b, yk)],
                    row.style.color.stroke_width(3),
                )))
                .drawing("an interval")?;
        }
        if let Some((a, b)) = row.inner
            && a.is_finite()
            && b.is_finite()
        {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(a, yk), (b, yk)],
                    row.style.color.stroke_width(12),
                )))
                .drawing("an interval")?;
        }
        if row.center.is_finite() {
            draw_marker(&mut chart, (row.center, yk), 0, row.style, 9)?;
            // On a white ground, so that the reference line does not run through it.
            let label = row_label(row, &format);
            let w = text_width(area, &label, size::TICK);
            let half = line_height(size::TICK) / 2;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((b.max(row.center), yk))
                        + Rectangle::new(
                            [(LABEL_GAP - 4, -half), (LABEL_GAP + w + 4, half)],
                            WHITE.filled(),
                        )
                        + Text::new(
                            label,
                            (LABEL_GAP, 0),
                            text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                        ),
                ))
                .drawing("a value label")?;
        }
    }
    Ok(())
}

/// A row's value label.
fn row_label(row: &IntervalRow, format: &ValueFormat) -> String {
    row.label_text
        .clone()
        .unwrap_or_else(|| format.format(row.center))
}

/// The x-axis description of an outcome on a dot-interval chart.
pub fn value_desc(outcome: &OutcomeInfo) -> String {
    let unit = match Scale::of(outcome.kind.value()) {
        Scale::Month => {
            "month first reached, over all runs (runs in which it never happens count as later)"
                .to_string()
        }
        Scale::Percent if outcome.kind == OutcomeKind::Probability => "probability".to_string(),
        _ => outcome.unit.clone(),
    };
    match outcome.better {
        Better::Lower => format!("{unit}, lower is better"),
        Better::Higher => format!("{unit}, higher is better"),
        Better::Neither => unit,
    }
}

/// The dot-interval chart of one outcome.
pub struct CompareChart<'a> {
    results: &'a Results,
    outcome: &'a OutcomeInfo,
}

impl<'a> CompareChart<'a> {
    /// The chart of `outcome`.
    pub fn new(results: &'a Results, outcome: &'a OutcomeInfo) -> CompareChart<'a> {
        CompareChart { results, outcome }
    }
}

impl Chart for CompareChart<'_> {
    fn stem(&self) -> String {
        format!("compare-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let kind = match o.better {
            Better::Lower | Better::Higher => "bundles compared, best first",
            Better::Neither => "bundles compared",
        };
        let (title, subtitle) =
            r.titles(&self.stem(), &o.name, &outcome_label(o), kind, r.subtitle());
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| b.name == r.reference())
            .map(|(_, b)| label_of(&b));
        let rows = interval_rows(r, o, true);
        // A bundle with the reference's values in every run is named in the legend, not
        // given a row (the dashboard keeps every row, so that its panels line up).
        let (rows, same) = split_same(
            rows,
            |row| row.reference,
            |row| r.same_runs(&row.bundle, &o.name),
        );
        let same = Same {
            reference: r.bundle_label(r.reference()),
            labels: same.iter().map(|row| r.bundle_label(&row.bundle)).collect(),
        };
        let probability = o.kind == OutcomeKind::Probability;
        let mut legend = interval_legend(probability, reference.as_deref());
        legend.extend(same.legend_item());
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        draw_intervals(
            &area,
            &rows,
            PanelLabels {
                scale: Scale::of(o.kind.value()),
                x_desc: &value_desc(o),
                caption: None,
                x_ticks: 8,
                row_names: true,
                range: None,
            },
        )
    }
}

/// Cost against effect for one outcome: one point per bundle.
pub struct CostEffectChart<'a> {
    results: &'a Results,
    outcome: &'a OutcomeInfo,
    cost: &'a OutcomeInfo,
}

impl<'a> CostEffectChart<'a> {
    /// The chart of `outcome` against the cost outcome `cost`.
    pub fn new(
        results: &'a Results,
        outcome: &'a OutcomeInfo,
        cost: &'a OutcomeInfo,
    ) -> CostEffectChart<'a> {
        CostEffectChart {
            results,
            outcome,
            cost,
        }
    }
}

/// A mean and its 95% interval.
fn mean_interval(mean: Option<f64>, se: Option<f64>) -> Option<(f64, f64, f64)> {
    let m = mean?;
    let half = se.unwrap_or(0.0) * Z95;
    Some((m, m - half, m + half))
}

impl Chart for CostEffectChart<'_> {
    fn stem(&self) -> String {
        format!("cost-effect-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let points: Vec<_> = r
            .bundles()
            .into_iter()
            .filter_map(|(i, b)| {
                let c = r.record(&b.name, &self.cost.name)?;
                let e = r.record(&b.name, &o.name)?;
                let cost = mean_interval(c.mean, c.se)?;
                let effect = if o.kind == OutcomeKind::Probability {
                    let p = e.mean?;
                    let (lo, hi) = wilson(p, e.n);
                    (p, lo, hi)
                } else {
                    mean_interval(e.mean, e.se)?
                };
                Some((i, b, cost, effect))
            })
            .collect();
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &format!("{} against cost", outcome_label(o)),
            "bundle means with 95% intervals",
            r.subtitle(),
        );
        let legend = points
            .iter()
            .map(|(i, b, _, _)| {
                let label = if b.name == r.reference() {
                    format!("{} (reference)", label_of(b))
                } else {
                    label_of(b)
                };
                LegendItem::new(Swatch::bundle_dot(r.style(*i)), label)
            })
            .collect();
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        let range = |pick: fn(&(f64, f64, f64)) -> [f64; 3], of_cost: bool| {
            points
                .iter()
                .flat_map(|(_, _, c, e)| pick(if of_cost { c } else { e }))
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let all = |t: &(f64, f64, f64)| [t.0, t.1, t.2];
        let (c0, c1) = range(all, true);
        let (e0, e1) = range(all, false);
        let from_zero = |lo: f64, hi: f64| {
            let (a, b) = padded(lo, hi, 0.08);
            if lo >= 0.0 && a < 0.0 {
                (0.0, b)
            } else {
                (a, b)
            }
        };
        let (c0, c1) = from_zero(c0, c1);
        let (e0, e1) = from_zero(e0, e1);
        let cost_unit = if self.cost.unit.is_empty() {
            r.summary.scenario.cost_unit.clone()
        } else {
            self.cost.unit.clone()
        };
        let cost_label = outcome_label(self.cost);
        let x_desc = if cost_unit.is_empty() {
            format!("{cost_label}, mean")
        } else {
            format!("{cost_label} ({cost_unit}), mean")
        };
        let y_scale = Scale::of(o.kind.value());
        let y = Axis::new((e0, e1), y_scale, value_desc(o), 7);
        let x = Axis::new((c0, c1), Scale::Number, x_desc, 8);
        let mut chart = build_chart(&area, &x, &y, None)?;
        // Bundles at about the same place (a lever that changes neither cost nor this outcome)
        // are set side by side, 26 px apart, with their intervals, so that none hides another.
        let px: Vec<(i32, i32)> = points
            .iter()
            .map(|(_, _, c, e)| chart.backend_coord(&(c.0, e.0)))
            .collect();
        let near = |a: (i32, i32), b: (i32, i32)| (a.0 - b.0).abs() < 24 && (a.1 - b.1).abs() < 24;
        let bar = INK.mix(0.7).stroke_width(2);
        let mut shifted = Vec::new();
        for (k, &at) in px.iter().enumerate() {
            let group: Vec<usize> = (0..points.len()).filter(|&j| near(px[j], at)).collect();
            let slot = group.iter().position(|&j| j == k).unwrap_or(0) as i32;
            shifted.push((2 * slot - (group.len() as i32 - 1)) * 13);
        }
        for ((_, _, (c, clo, chi), (e, elo, ehi)), dx) in points.iter().zip(&shifted) {
            // Interval ends as pixel offsets from the point, so they move with it.
            let at = chart.backend_coord(&(*c, *e));
            let off = |x: f64, y: f64| {
                let p = chart.backend_coord(&(x, y));
                (p.0 - at.0 + dx, p.1 - at.1)
            };
            let (left, right, low, high) =
                (off(*clo, *e), off(*chi, *e), off(*c, *elo), off(*c, *ehi));
            chart
                .draw_series([
                    EmptyElement::at((*c, *e)) + PathElement::new(vec![left, right], bar),
                    EmptyElement::at((*c, *e)) + PathElement::new(vec![low, high], bar),
                ])
                .drawing("an interval")?;
        }
        for ((i, _, (c, _, _), (e, _, _)), dx) in points.iter().zip(&shifted) {
            draw_marker(&mut chart, (*c, *e), *dx, r.style(*i), 12)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The cost-effect chart's intervals are 95%: mean ± 1.959964 se (the 97.5th percentile of
    /// the standard normal, e.g. NIST/SEMATECH e-Handbook table 1.3.6.7.1); a 90% interval
    /// (± 1.644854 se) is 16% narrower and fails.
    #[test]
    fn mean_intervals_are_95_percent() {
        let (m, lo, hi) = mean_interval(Some(10.0), Some(2.0)).unwrap();
        assert_eq!(m, 10.0);
        assert!((hi - 10.0 - 2.0 * 1.959_964).abs() < 1e-6, "{hi}");
        assert!((10.0 - lo - 2.0 * 1.959_964).abs() < 1e-6, "{lo}");
        // A mean without a standard error (a cost fixed by the bundle) has a point interval.
        assert_eq!(mean_interval(Some(3.0), None), Some((3.0, 3.0, 3.0)));
        assert_eq!(mean_interval(None, Some(1.0)), None);
    }
}

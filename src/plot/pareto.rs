//! Cost against improvement, with the Pareto front: one chart per outcome with a direction,
//! drawn from `comparison.json` in a folder written by `leversim compare` when the scenario has
//! a cost outcome.
//!
//! Each bundle sits at its mean cost (x) and its mean improvement over the reference (y, signed
//! so that up is better whichever way the outcome is judged), with the 95% interval of the
//! paired difference. The bundles that no other bundle beats on both cost and improvement (the
//! Pareto front) are drawn in full and joined by a step line: for each budget, the best
//! improvement a bundle within it reaches. The others are faded. Every point is named; labels
//! are placed so that none covers another or a point (see [`super::labels`]).
//!
//! `leversim run` draws `cost-effect-<outcome>` instead (mean cost against the outcome's mean,
//! with independent intervals): a compare folder has the paired differences and the front, so
//! it gets this chart and not that near-duplicate.

use anyhow::Result;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::forest::{DiffUnit, improvement_sign};
use super::labels::{self, Item, Rect};
use super::read::{Results, outcome_label};
use super::theme::{
    Axis, BundleStyle, Chart, DrawResult, Frame, INK, LegendItem, MUTED, REFERENCE, Scale, Swatch,
    build_chart, draw_frame, draw_marker, line_height, padded, size, text_at, text_width,
};
use crate::output::schema::{Better, Comparison, OutcomeInfo};

/// 97.5th percentile of the standard normal, for 95% intervals of means.
const Z95: f64 = 1.959_963_984_540_054;
/// Radius of a point mark, pixels.
const R: i32 = 11;
/// How much of a bundle's colour a bundle off the front keeps (the rest is white).
const FADE: f64 = 0.45;

/// One bundle's point.
#[derive(Clone, Debug)]
struct Point {
    label: String,
    style: BundleStyle,
    cost: f64,
    /// Improvement over the reference, in the unit shown.
    effect: f64,
    /// 95% interval of the mean cost, if it varies.
    cost_ci: Option<(f64, f64)>,
    /// 95% interval of the paired improvement.
    effect_ci: Option<(f64, f64)>,
    pareto: bool,
}

/// The points within `wx` pixels of each other across and `wy` up or down, chained: each
/// cluster in order of its first point.
fn clusters(points: &[(i32, i32)], wx: i32, wy: i32) -> Vec<Vec<usize>> {
    let mut cluster: Vec<usize> = (0..points.len()).collect();
    for i in 0..points.len() {
        for j in 0..i {
            let near =
                (points[i].0 - points[j].0).abs() <= wx && (points[i].1 - points[j].1).abs() <= wy;
            if near && cluster[i] != cluster[j] {
                let (from, to) = (cluster[i].max(cluster[j]), cluster[i].min(cluster[j]));
                for c in &mut cluster {
                    if *c == from {
                        *c = to;
                    }
                }
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, c) in cluster.iter().enumerate() {
        match out.iter_mut().find(|g| cluster[g[0]] == *c) {
            Some(g) => g.push(i),
            None => out.push(vec![i]),
        }
    }
    out
}

/// `color` faded towards white, keeping `keep` of it.
fn faded(color: RGBColor, keep: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * keep + 255.0 * (1.0 - keep)).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Cost against improvement for one outcome.
pub struct ParetoChart<'a> {
    results: &'a Results,
    comparison: &'a Comparison,
    outcome: &'a OutcomeInfo,
    cost: &'a OutcomeInfo,
}

impl<'a> ParetoChart<'a> {
    /// The chart of `outcome` against the cost outcome `cost`.
    pub fn new(
        results: &'a Results,
        comparison: &'a Comparison,
        outcome: &'a OutcomeInfo,
        cost: &'a OutcomeInfo,
    ) -> ParetoChart<'a> {
        ParetoChart {
            results,
            comparison,
            outcome,
            cost,
        }
    }

    /// Whether `comparison` has cost–effect records of `outcome` (an outcome with a direction,
    /// in a scenario with a cost outcome).
    pub fn applies(comparison: &Comparison, outcome: &OutcomeInfo) -> bool {
        comparison
            .cost_effect
            .iter()
            .any(|c| c.outcome == outcome.name && c.cost.is_finite() && c.effect.is_finite())
    }

    fn points(&self) -> Vec<Point> {
        let r = self.results;
        let o = self.outcome;
        let unit = DiffUnit::of(o);
        let sign = improvement_sign(o).unwrap_or(1.0);
        r.bundles()
            .into_iter()
            .filter_map(|(i, b)| {
                let rec = self
                    .comparison
                    .cost_effect
                    .iter()
                    .find(|c| c.bundle == b.name && c.outcome == o.name)?;
                if !(rec.cost.is_finite() && rec.effect.is_finite()) {
                    return None;
                }
                let cost_ci = r
                    .record(&b.name, &self.cost.name)
                    .and_then(|c| c.se)
                    .filter(|se| *se > 0.0)
                    .map(|se| (rec.cost - Z95 * se, rec.cost + Z95 * se));
                // The paired interval is of the mean over pairs in which both have a value; for
                // a month of first crossing that is not the mean the improvement is of, so it is
                // left out there.
                let effect_ci = self
                    .comparison
                    .records
                    .iter()
                    .find(|c| c.bundle == b.name && c.outcome == o.name)
                    .filter(|_| Scale::of(o.kind.value()) != Scale::Month)
                    .and_then(|c| Some((c.ci95_low?, c.ci95_high?)))
                    .map(|(a, z)| {
                        let (a, z) = (sign * a * unit.factor, sign * z * unit.factor);
                        (a.min(z), a.max(z))
                    });
                let mut label = r.bundle_label(&b.name);
                if b.name == self.comparison.reference {
                    label.push_str(" (reference)");
                }
                Some(Point {
                    label,
                    style: r.style(i),
                    cost: rec.cost,
                    effect: rec.effect * unit.factor,
                    cost_ci,
                    effect_ci,
                    pareto: rec.pareto,
                })
            })
            .collect()
    }
}

impl Chart for ParetoChart<'_> {
    fn stem(&self) -> String {
        format!("pareto-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let unit = DiffUnit::of(o);
        let reference = r.bundle_label(&self.comparison.reference);
        let points = self.points();
        let front_n = points.iter().filter(|p| p.pareto).count();
        let legend = vec![
            LegendItem::new(
                Swatch::dot(INK),
                "on the Pareto front: no other bundle is cheaper and better",
            ),
            LegendItem::new(
                Swatch::dot(faded(INK, FADE)),
                "off the front: another is cheaper and better",
            ),
            LegendItem::new(Swatch::line(INK, 3), "best improvement for the cost"),
            LegendItem::new(Swatch::line(MUTED, 2), "95% interval"),
            LegendItem::new(Swatch::reference_line(), format!("{reference} (reference)")),
        ];
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &outcome_label(o),
            "improvement against cost, and the Pareto front",
            format!(
                "{} · {front_n} of {} bundles on the front",
                r.subtitle(),
                points.len()
            ),
        );
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        let extent = |f: &dyn Fn(&Point) -> Vec<f64>| {
            points
                .iter()
                .flat_map(f)
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let (c0, c1) = extent(&|p| {
            let (a, b) = p.cost_ci.unwrap_or((p.cost, p.cost));
            vec![p.cost, a, b]
        });
        let (e0, e1) = extent(&|p| {
            let (a, b) = p.effect_ci.unwrap_or((p.effect, p.effect));
            vec![p.effect, a, b, 0.0]
        });
        let (c0, c1) = if c0.is_finite() { (c0, c1) } else { (0.0, 1.0) };
        let (e0, e1) = if e0.is_finite() {
            (e0, e1)
        } else {
            (-1.0, 1.0)
        };
        let (x0, x1) = {
            let (a, b) = padded(c0, c1, 0.1);
            if c0 >= 0.0 && a < 0.0 {
                (0.0, b)
            } else {
                (a, b)
            }
        };
        // Room above and below the points for their labels.
        let (y0, y1) = padded(e0, e1, 0.15);
        let cost_unit = if self.cost.unit.is_empty() {
            r.summary.scenario.cost_unit.clone()
        } else {
            self.cost.unit.clone()
        };
        let cost_label = outcome_label(self.cost);
        let x_desc = if cost_unit.is_empty() {
            format!("{cost_label}, mean")
        } else {
            format!("{cost_label}, mean ({cost_unit})")
        };
        let what = match o.better {
            Better::Lower => "reduction",
            Better::Higher | Better::Neither => "increase",
        };
        let y_desc = if unit.name.is_empty() {
            format!("{what} from {reference}")
        } else {
            format!("{what} from {reference} ({})", unit.name)
        };
        let x = Axis::new((x0, x1), Scale::Number, x_desc, 8);
        let y = Axis::new((y0, y1), Scale::Signed, y_desc, 7);
        let mut chart = build_chart(&area, &x, &y, None)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, 0.0), (x1, 0.0)],
                12,
                8,
                REFERENCE.stroke_width(3),
            ))
            .drawing("the reference line")?;

        // The front as a staircase: from each bundle on it, the same improvement up to the
        // cost of the next, which improves on it.
        let mut front: Vec<&Point> = points.iter().filter(|p| p.pareto).collect();
        front.sort_by(|a, b| {
            a.cost
                .total_cmp(&b.cost)
                .then(a.effect.total_cmp(&b.effect))
        });
        let mut stairs: Vec<(f64, f64)> = Vec::new();
        for p in &front {
            if let Some(&(_, last)) = stairs.last() {
                stairs.push((p.cost, last));
            }
            stairs.push((p.cost, p.effect));
        }
        if let Some(&(_, last)) = stairs.last() {
            // The best improvement holds for any larger budget.
            stairs.push((x1, last));
        }
        // Lines the labels should not cross: the reference level and the front.
        let mapper = chart.as_coord_spec().clone();
        let segment = |a: (f64, f64), b: (f64, f64)| {
            let (p, q) = (mapper.translate(&a), mapper.translate(&b));
            Rect {
                left: p.0.min(q.0),
                top: p.1.min(q.1),
                right: p.0.max(q.0),
                bottom: p.1.max(q.1),
            }
            .grow(3)
        };
        // The front may be crossed (a label has a white ground); the reference line and the
        // intervals may not: a label there hides where a bundle's interval ends or whether it
        // reaches zero (issue 14).
        let lines: Vec<Rect> = stairs.windows(2).map(|w| segment(w[0], w[1])).collect();
        let mut avoid = vec![segment((x0, 0.0), (x1, 0.0))];
        chart
            .draw_series(LineSeries::new(stairs, INK.stroke_width(3)))
            .drawing("the Pareto front")?;

        // Points at the same place (bundles alike in cost and effect) are set side by side.
        let px: Vec<(i32, i32)> = points
            .iter()
            .map(|p| chart.backend_coord(&(p.cost, p.effect)))
            .collect();
        let step = 2 * R + 4;
        let mut dx = vec![0; points.len()];
        for g in clusters(&px, 6, 6) {
            for (slot, &k) in g.iter().enumerate() {
                dx[k] = (2 * slot as i32 - (g.len() as i32 - 1)) * step / 2;
            }
        }
        // Points side by side whose marks touch share a label, which names them left to right.
        // (Points above one another get a label each, above and below.)
        let shifted: Vec<(i32, i32)> = px.iter().zip(&dx).map(|(p, d)| (p.0 + d, p.1)).collect();
        let mut groups = clusters(&shifted, step, 6);
        for g in &mut groups {
            g.sort_by_key(|&k| shifted[k]);
        }

        // An interval drawn beside its place, as its point is (points alike set side by side).
        let shift = |r: Rect, d: i32| Rect {
            left: r.left + d,
            right: r.right + d,
            ..r
        };
        // Intervals, thin, under the points.
        for (k, p) in points.iter().enumerate() {
            let color = if p.pareto { MUTED } else { faded(MUTED, FADE) };
            let at = px[k];
            let off = |x: f64, y: f64| {
                let q = chart.backend_coord(&(x, y));
                (q.0 - at.0 + dx[k], q.1 - at.1)
            };
            let mut whiskers = Vec::new();
            if let Some((a, b)) = p.effect_ci {
                whiskers.push(vec![off(p.cost, a), off(p.cost, b)]);
                avoid.push(shift(segment((p.cost, a), (p.cost, b)), dx[k]));
            }
            if let Some((a, b)) = p.cost_ci {
                whiskers.push(vec![off(a, p.effect), off(b, p.effect)]);
                avoid.push(shift(segment((a, p.effect), (b, p.effect)), dx[k]));
            }
            for line in whiskers {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((p.cost, p.effect))
                            + PathElement::new(line, color.stroke_width(2)),
                    ))
                    .drawing("an interval")?;
            }
        }

        // Labels: one per group, placed around the group's marks inside the plot.
        let label_h = line_height(size::TICK) + 6;
        let texts: Vec<String> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&k| points[k].label.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let marks: Vec<Rect> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&k| Rect::around((px[k].0 + dx[k], px[k].1), (R + 3, R + 3)))
                    .reduce(Rect::union)
                    .unwrap_or_else(|| Rect::around(px[g[0]], (R, R)))
            })
            .collect();
        let items: Vec<Item> = texts
            .iter()
            .zip(&marks)
            .map(|(t, m)| Item {
                mark: *m,
                size: (text_width(&area, t, size::TICK) + 10, label_h),
            })
            .collect();
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let bounds = Rect {
            left: xr.start,
            top: yr.start,
            right: xr.end,
            bottom: yr.end,
        };
        let placed = labels::place_avoiding(
            &items,
            &labels::Obstacles {
                marks: &[],
                lines: &lines,
                avoid: &avoid,
            },
            bounds,
        );
        for (g, place) in groups.iter().zip(&placed) {
            if let Some((from, to)) = place.leader {
                let k = g[0];
                let at = px[k];
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((points[k].cost, points[k].effect))
                            + PathElement::new(
                                vec![(from.0 - at.0, from.1 - at.1), (to.0 - at.0, to.1 - at.1)],
                                MUTED.stroke_width(2),
                            ),
                    ))
                    .drawing("a leader line")?;
            }
        }
        // Points off the front first, so that the front is drawn over them.
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by_key(|&k| points[k].pareto);
        for k in order {
            let p = &points[k];
            let style = if p.pareto {
                p.style
            } else {
                BundleStyle {
                    color: faded(p.style.color, FADE),
                    ..p.style
                }
            };
            draw_marker(&mut chart, (p.cost, p.effect), dx[k], style, R)?;
        }
        for ((g, place), label) in groups.iter().zip(&placed).zip(texts) {
            let k = g[0];
            let at = px[k];
            let front = g.iter().any(|&j| points[j].pareto);
            let rect = place.rect;
            let (l, t, rr, b) = (
                rect.left - at.0,
                rect.top - at.1,
                rect.right - at.0,
                rect.bottom - at.1,
            );
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((points[k].cost, points[k].effect))
                        + Rectangle::new([(l, t), (rr, b)], WHITE.mix(0.8).filled())
                        + Text::new(
                            label,
                            (l + 5, (t + b) / 2),
                            text_at(
                                size::TICK,
                                if front { &INK } else { &MUTED },
                                HPos::Left,
                                VPos::Center,
                            ),
                        ),
                ))
                .drawing("a label")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The intervals of cost and improvement are 95% ones: Z95 is the 97.5th percentile of the
    /// standard normal (a 90% interval would use 1.6449).
    #[test]
    fn intervals_are_95_percent() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let normal = Normal::new(0.0, 1.0).unwrap_or_else(|e| panic!("{e}"));
        assert!((Z95 - normal.inverse_cdf(0.975)).abs() < 1e-9, "{Z95}");
    }
}

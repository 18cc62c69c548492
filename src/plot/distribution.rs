//! Outcome distributions: how the runs' values of one outcome spread, per bundle.
//!
//! For a numeric outcome, histograms on shared bins are drawn as outlines (filled only
//! faintly) so that six bundles overlaid still read, with each bundle's median as a dashed
//! line in its colour and its value in the legend. The axis shows the middle 99% of the pooled
//! runs, so one extreme run does not squeeze the rest into a corner. For a probability outcome
//! (0 or 1 in every run) a histogram says nothing: bars give the probability per bundle with its
//! 95% interval.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::read::{Results, RunValues, label_of, outcome_label};
use super::theme::{
    self, Axis, Chart, DrawResult, Frame, INK, LegendItem, Scale, Swatch, build_chart,
    bundle_color, draw_frame, padded, size, text_at,
};
use crate::output::schema::OutcomeInfo;

/// Histogram bins for continuous values.
const BINS: usize = 40;

/// The distribution chart of one outcome.
pub struct DistributionChart<'a> {
    results: &'a Results,
    outcome: &'a OutcomeInfo,
}

impl<'a> DistributionChart<'a> {
    /// The chart of `outcome`.
    pub fn new(results: &'a Results, outcome: &'a OutcomeInfo) -> DistributionChart<'a> {
        DistributionChart { results, outcome }
    }

    fn draw_histograms<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let scale = Scale::of_unit(&o.unit);
        let bundles: Vec<_> = r
            .bundles()
            .into_iter()
            .filter_map(|(i, b)| r.values(&b.name, &o.name).map(|v| (i, b, v)))
            .collect();
        let name = r
            .custom_title(&o.name)
            .map_or_else(|| outcome_label(o), str::to_string);
        let title = format!("{name}: distribution over runs, by bundle");
        let legend = bundles
            .iter()
            .map(|(i, b, v)| {
                let mut label = format!(
                    "{}: median {}",
                    label_of(b),
                    scale.value(v.quantile(0.5))
                );
                if v.sorted.len() < v.total {
                    let never = 1.0 - v.sorted.len() as f64 / v.total as f64;
                    label.push_str(&format!(", never in {}", Scale::Percent.value(never)));
                }
                LegendItem::new(
                    Swatch::Line {
                        color: bundle_color(*i),
                        width: 4,
                        dashed: false,
                    },
                    label,
                )
            })
            .collect();
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle: r.subtitle(),
                legend,
                source: r.source_line(),
            },
        )?;

        let (lo, hi, clipped) = shown_range(bundles.iter().map(|(_, _, v)| *v));
        let edges = bin_edges(lo, hi, bundles.iter().map(|(_, _, v)| *v));
        let shares: Vec<Vec<f64>> = bundles
            .iter()
            .map(|(_, _, v)| histogram(v, &edges))
            .collect();
        let top = shares
            .iter()
            .flatten()
            .copied()
            .filter(|s| s.is_finite())
            .fold(0.0f64, f64::max);
        let (x0, x1) = padded(edges[0], edges[edges.len() - 1], 0.01);
        let mut x_desc = match scale {
            Scale::Month => "month first reached".to_string(),
            _ => o.unit.clone(),
        };
        if clipped {
            x_desc.push_str(" (middle 99% of runs shown)");
        }
        let x = Axis::new((x0, x1), scale, x_desc, 9);
        let y = Axis::new(
            (0.0, padded(0.0, top.max(0.01), 0.06).1),
            Scale::Percent,
            "share of runs per bin",
            6,
        );
        let mut chart = build_chart(&area, &x, &y, None)?;
        for ((i, _, _), shares) in bundles.iter().zip(&shares) {
            let color = bundle_color(*i);
            let mut outline = vec![(edges[0], 0.0)];
            for (k, s) in shares.iter().enumerate() {
                outline.push((edges[k], *s));
                outline.push((edges[k + 1], *s));
            }
            outline.push((edges[edges.len() - 1], 0.0));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline.clone(),
                    color.mix(0.07).filled(),
                )))
                .drawing("a histogram")?;
            chart
                .draw_series(LineSeries::new(outline, color.stroke_width(3)))
                .drawing("a histogram")?;
        }
        let y_top = y.range.1;
        for (i, _, v) in &bundles {
            let m = v.quantile(0.5);
            if m.is_finite() {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(m, 0.0), (m, y_top)],
                        14,
                        8,
                        bundle_color(*i).stroke_width(3),
                    ))
                    .drawing("a median")?;
            }
        }
        Ok(())
    }

    fn draw_probabilities<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let rows: Vec<_> = r
            .bundles()
            .into_iter()
            .filter_map(|(i, b)| {
                let rec = r.record(&b.name, &o.name)?;
                let p = rec.mean?;
                Some((i, label_of(&b), p, wilson(p, rec.n)))
            })
            .collect();
        let name = r
            .custom_title(&o.name)
            .map_or_else(|| outcome_label(o), str::to_string);
        let title = format!("{name}: probability by bundle");
        let legend = vec![
            LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: 0.35,
                },
                "probability (share of runs)",
            ),
            LegendItem::new(
                Swatch::Line {
                    color: INK,
                    width: 3,
                    dashed: false,
                },
                "95% interval (Wilson)",
            ),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle: r.subtitle(),
                legend,
                source: r.source_line(),
            },
        )?;
        let n = rows.len();
        // First bundle at the top: category k is drawn at height n - 1 - k.
        let names: Vec<String> = rows.iter().rev().map(|row| row.1.clone()).collect();
        let top = rows.iter().map(|row| row.3.1).fold(0.0f64, f64::max);
        // Room to the right of the widest interval for its label.
        let x1 = (top * 1.45).clamp(0.05, 1.45);
        let mut x = Axis::new((0.0, x1), Scale::Percent, "probability", 7);
        x.ticks.retain(|t| *t <= 1.0 + 1e-9);
        let y = Axis::categories(names, "");
        let mut chart = build_chart(&area, &x, &y, None)?;
        for (k, (i, _, p, (lo, hi))) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            let color = bundle_color(*i);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, yk - 0.3), (*p, yk + 0.3)],
                    color.mix(0.8).filled(),
                )))
                .drawing("a bar")?;
            draw_whisker(&mut chart, *lo, *hi, yk)?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((*hi, yk))
                        + Text::new(
                            format!(
                                "{}  ({} – {})",
                                Scale::Percent.value(*p),
                                Scale::Percent.value(*lo),
                                Scale::Percent.value(*hi)
                            ),
                            (14, 0),
                            text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                        ),
                ))
                .drawing("a bar label")?;
        }
        Ok(())
    }
}

impl Chart for DistributionChart<'_> {
    fn stem(&self) -> String {
        format!("dist-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        if self.outcome.kind == "probability" {
            self.draw_probabilities(root)
        } else {
            self.draw_histograms(root)
        }
    }
}

/// The Wilson score interval for a proportion `p` of `n` runs at 95% (Wilson 1927; Brown, Cai
/// & DasGupta 2001 recommend it over the normal interval, which collapses at 0 and 1).
pub fn wilson(p: f64, n: u64) -> (f64, f64) {
    if n == 0 || !p.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = n as f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A horizontal interval with end caps at height `y`.
pub fn draw_whisker<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, theme::Coords>,
    lo: f64,
    hi: f64,
    y: f64,
) -> Result<()> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Ok(());
    }
    let style = INK.stroke_width(3);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(lo, y), (hi, y)],
            style,
        )))
        .drawing("an interval")?;
    for end in [lo, hi] {
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((end, y)) + PathElement::new(vec![(0, -10), (0, 10)], style),
            ))
            .drawing("an interval")?;
    }
    Ok(())
}

/// The range of values drawn: the pooled 0.5th to 99.5th percentiles (and whether that leaves
/// runs out), or everything when the values are few distinct integers.
pub fn shown_range<'v>(values: impl Iterator<Item = &'v RunValues> + Clone) -> (f64, f64, bool) {
    let (min, max) = values
        .clone()
        .filter_map(|v| Some((*v.sorted.first()?, *v.sorted.last()?)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
            (a.min(lo), b.max(hi))
        });
    if !min.is_finite() {
        return (0.0, 1.0, false);
    }
    if integral(values.clone()) && max - min <= 60.0 {
        return (min, max, false);
    }
    let lo = values
        .clone()
        .map(|v| v.quantile(0.005))
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = values
        .map(|v| v.quantile(0.995))
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    (lo, hi, lo > min || hi < max)
}

fn integral<'v>(mut values: impl Iterator<Item = &'v RunValues>) -> bool {
    values.all(|v| v.sorted.iter().all(|x| x.fract() == 0.0))
}

/// Bin edges over `[lo, hi]`: one bin per integer for few distinct integers, else [`BINS`]
/// equal bins.
fn bin_edges<'v>(lo: f64, hi: f64, values: impl Iterator<Item = &'v RunValues>) -> Vec<f64> {
    if integral(values) && hi - lo <= 60.0 {
        let n = (hi - lo) as usize + 1;
        return (0..=n).map(|k| lo - 0.5 + k as f64).collect();
    }
    let (lo, hi) = if hi > lo { (lo, hi) } else { padded(lo, hi, 0.0) };
    let w = (hi - lo) / BINS as f64;
    (0..=BINS).map(|k| lo + w * k as f64).collect()
}

/// Share of all runs (including those without a value) in each bin; values outside the edges
/// are not counted.
fn histogram(v: &RunValues, edges: &[f64]) -> Vec<f64> {
    let total = v.total.max(1) as f64;
    edges
        .windows(2)
        .enumerate()
        .map(|(k, e)| {
            let below = v.sorted.partition_point(|x| *x < e[0]);
            // The last bin includes its upper edge.
            let upto = if k + 2 == edges.len() {
                v.sorted.partition_point(|x| *x <= e[1])
            } else {
                v.sorted.partition_point(|x| *x < e[1])
            };
            (upto - below) as f64 / total
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_published_value() {
        // Brown, Cai & DasGupta (2001): for 0 successes in 20 the Wilson upper bound is 0.161.
        let (lo, hi) = wilson(0.0, 20);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.1611).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let v = RunValues {
            sorted: vec![0.0, 1.0, 1.0, 2.0, 3.0],
            total: 6,
        };
        let edges = bin_edges(0.0, 3.0, std::iter::once(&v));
        assert_eq!(edges.len(), 5);
        let h = histogram(&v, &edges);
        assert_eq!(h.iter().sum::<f64>(), 5.0 / 6.0);
        assert_eq!(h[1], 2.0 / 6.0);
    }
}

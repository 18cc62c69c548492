//! Outcome distributions: how the runs' values of one outcome spread, per bundle.
//!
//! Each bundle gets a row (the rows share the x axis and the height scale), so that any number
//! of bundles stays readable where overlaid curves turn to spaghetti. A continuous outcome is a
//! smooth density (Gaussian kernels); months of first crossing and few distinct integers get
//! histogram outlines on shared bins; a value that is the same in every run (a cost fixed by
//! the levers) is a spike. Every other row carries the reference bundle's curve as a dashed
//! grey line for comparison. Each bundle's median is a mark on its curve, with its value (and
//! the share of runs without a value) right of the row. The axis shows the middle 99% of the
//! pooled runs, so one extreme run does not squeeze the rest into a corner. The bundles drawn
//! are the scenario's `[charts] bundles`, or all.
//!
//! For a probability outcome (0 or 1 in every run) a histogram says nothing: bars give the
//! probability of each bundle with its 95% interval.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::numbers::ValueFormat;
use super::read::{Results, RunValues, label_of, outcome_label};
use super::same::drop_same;
use super::theme::{
    self, Axis, Chart, Dash, DrawResult, Frame, INK, LegendItem, REFERENCE, Scale, Swatch,
    build_chart, draw_frame, draw_marker, padded, size, text_at,
};
use crate::output::schema::{BundleInfo, OutcomeInfo, OutcomeKind};

/// Histogram bins for continuous values.
const BINS: usize = 40;

/// Opacity of the area under a bundle's curve.
const FILL: f64 = 0.22;

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
        let scale = Scale::of(o.kind.value());
        let bundles: Vec<_> = r
            .charted_bundles()
            .into_iter()
            .filter_map(|(i, b)| r.values(&b.name, &o.name).map(|v| (i, b, v)))
            .collect();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        // A bundle with the reference's values in every run gets no row of its own.
        let (bundles, same) = drop_same(r, bundles, |b| r.same_runs(b, &o.name));
        let is_reference = |b: &BundleInfo| b.name == r.reference();
        // The reference bundle's curve is drawn, grey, in every other row (whether or not it
        // has a row of its own), so each row compares with it.
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| is_reference(b))
            .and_then(|(_, b)| r.values(&b.name, &o.name).map(|v| (label_of(&b), v)))
            .filter(|_| bundles.iter().any(|(_, b, _)| !is_reference(b)));
        let mut values: Vec<&RunValues> = bundles.iter().map(|(_, _, v)| *v).collect();
        values.extend(reference.iter().map(|(_, v)| *v));
        let (lo, hi, clipped) = shown_range(values.iter().copied());
        let curves = Curves::of(&values, lo, hi, scale, &o.unit);
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &outcome_label(o),
            "distribution over runs, by bundle",
            r.subtitle_of(&shown),
        );
        let mut legend = vec![
            LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: FILL + 0.1,
                },
                format!("height: {} (same scale in every row)", curves.y_desc),
            ),
            LegendItem::new(Swatch::dot(INK), "median"),
        ];
        if let Some((label, _)) = &reference {
            legend.push(LegendItem::new(
                Swatch::Line {
                    color: REFERENCE,
                    width: 2,
                    dash: Dash::Dashed,
                },
                format!("{label} (reference), for comparison"),
            ));
        }
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

        // One row per bundle, first at the top, with its median (and the share of runs
        // without a value) written right of the plot.
        let n = bundles.len();
        let format =
            ValueFormat::for_values(scale, bundles.iter().map(|(_, _, v)| v.quantile(0.5)));
        let notes: Vec<String> = bundles
            .iter()
            .map(|(_, _, v)| {
                let mut note = format!("median {}", format.format(v.quantile(0.5)));
                if v.sorted.len() < v.total {
                    let never = 1.0 - v.sorted.len() as f64 / v.total as f64;
                    note.push_str(&format!(", never in {}", Scale::Percent.value(never)));
                }
                note
            })
            .collect();
        let notes_w = notes
            .iter()
            .map(|t| theme::text_width(&area, t, size::TICK))
            .max()
            .unwrap_or(0)
            + 24;
        let plot_area = area.margin(0, 0, 0, notes_w);
        let names: Vec<String> = bundles
            .iter()
            .rev()
            .map(|(_, b, _)| {
                if is_reference(b) {
                    format!("{} (reference)", label_of(b))
                } else {
                    label_of(b)
                }
            })
            .collect();
        let top = curves
            .points
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|s| s.is_finite())
            .fold(0.0f64, f64::max)
            .max(1e-12);
        let (x0, x1) = padded(curves.from, curves.to, 0.01);
        let mut x_desc = match scale {
            Scale::Month => "month first reached".to_string(),
            _ => o.unit.clone(),
        };
        if clipped {
            x_desc.push_str(" (middle 99% of runs shown)");
        }
        let x = Axis::new((x0, x1), scale, x_desc, 9);
        let y = Axis::categories(names, "").without_grid();
        let mut chart = build_chart(&plot_area, &x, &y, None)?;
        // A row's curve rises from its baseline, 0.42 below the row's centre, to at most 0.42
        // above it: rows do not overlap.
        let lift = |k: usize, h: f64| (n - 1 - k) as f64 - 0.42 + 0.84 * h / top;
        let ref_points = reference.as_ref().and_then(|_| curves.points.last());
        for (k, ((i, b, v), points)) in bundles.iter().zip(&curves.points).enumerate() {
            let style = r.style(*i);
            let base = lift(k, 0.0);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, base), (x1, base)],
                    INK.mix(0.3).stroke_width(1),
                )))
                .drawing("a baseline")?;
            let raised = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
                pts.iter().map(|&(x, h)| (x, lift(k, h))).collect()
            };
            if curves.spikes {
                // One value in every run: a bar at it, as tall as the share of runs with it.
                if let Some(&(at, h)) = points.get(1) {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(at, base), (at, lift(k, h))],
                            style.color.stroke_width(7),
                        )))
                        .drawing("a spike")?;
                }
            } else {
                let mut area_under = raised(points);
                if let (Some(first), Some(last)) = (points.first(), points.last()) {
                    area_under.push((last.0, base));
                    area_under.push((first.0, base));
                }
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        area_under,
                        style.color.mix(FILL).filled(),
                    )))
                    .drawing("a distribution")?;
                chart
                    .draw_series(LineSeries::new(raised(points), style.color.stroke_width(3)))
                    .drawing("a distribution")?;
            }
            if let Some(reference) = ref_points
                && !is_reference(b)
            {
                let points = if curves.spikes {
                    reference
                        .get(1)
                        .map(|&(at, h)| vec![(at, base), (at, lift(k, h))])
                        .unwrap_or_default()
                } else {
                    raised(reference)
                };
                chart
                    .draw_series(DashedLineSeries::new(
                        points,
                        10,
                        7,
                        REFERENCE.stroke_width(2),
                    ))
                    .drawing("the reference distribution")?;
            }
            let m = v.quantile(0.5);
            if m.is_finite() {
                let h = lift(k, height_at(points, m));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(m, base), (m, h)],
                        style.color.stroke_width(2),
                    )))
                    .drawing("a median")?;
                draw_marker(&mut chart, (m, h), 0, style, 8)?;
            }
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x1, (n - 1 - k) as f64))
                        + Text::new(
                            notes[k].clone(),
                            (20, 0),
                            text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                        ),
                ))
                .drawing("a median label")?;
        }
        Ok(())
    }

    fn draw_probabilities<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let bundles: Vec<_> = r
            .charted_bundles()
            .into_iter()
            .filter_map(|(i, b)| {
                let rec = r.record(&b.name, &o.name)?;
                Some((i, b, (rec.mean?, rec.n)))
            })
            .collect();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        // A bundle with the reference's values in every run gets no bar of its own.
        let (bundles, same) = drop_same(r, bundles, |b| r.same_runs(b, &o.name));
        let rows: Vec<_> = bundles
            .iter()
            .map(|(i, b, (p, n))| {
                let label = if b.name == r.reference() {
                    format!("{} (reference)", label_of(b))
                } else {
                    label_of(b)
                };
                (*i, label, *p, wilson(*p, *n))
            })
            .collect();
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &outcome_label(o),
            "probability by bundle",
            r.subtitle_of(&shown),
        );
        let mut legend = vec![
            LegendItem::new(
                Swatch::Band {
                    color: INK,
                    opacity: 0.35,
                },
                "probability (share of runs)",
            ),
            LegendItem::new(Swatch::line(INK, 3), "95% interval (Wilson)"),
        ];
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
        let format = ValueFormat::for_values(
            Scale::Percent,
            rows.iter().flat_map(|row| [row.2, row.3.0, row.3.1]),
        );
        for (k, (i, _, p, (lo, hi))) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            let color = r.style(*i).color;
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
                                format.format(*p),
                                format.format(*lo),
                                format.format(*hi)
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
        if self.outcome.kind == OutcomeKind::Probability {
            self.draw_probabilities(root)
        } else {
            self.draw_histograms(root)
        }
    }
}

/// The curves of a distribution chart, one per bundle, in the units of the y axis.
struct Curves {
    /// Points of each bundle's curve.
    points: Vec<Vec<(f64, f64)>>,
    /// Whether every bundle has a single value (a cost fixed by its levers): each curve is a
    /// spike, `[(x, 0), (x, share), (x, 0)]`.
    spikes: bool,
    /// x range covered.
    from: f64,
    to: f64,
    /// What the y axis shows.
    y_desc: String,
}

impl Curves {
    /// Smooth densities for continuous values; histogram outlines for months, few distinct
    /// integers, or values without spread (where a density is undefined).
    fn of(values: &[&RunValues], lo: f64, hi: f64, scale: Scale, unit: &str) -> Curves {
        let spread = values
            .iter()
            .all(|v| v.sorted.len() > 1 && v.sorted[0] < v.sorted[v.sorted.len() - 1]);
        let discrete = integral(values.iter().copied()) && hi - lo <= 60.0;
        if scale != Scale::Month && spread && !discrete && hi > lo {
            // Densities scaled to "share of runs per 1/BINS of the range", so the y axis
            // reads like a histogram's.
            let width = (hi - lo) / BINS as f64;
            let grid: Vec<f64> = (0..=GRID)
                .map(|k| lo + (hi - lo) * k as f64 / GRID as f64)
                .collect();
            let points = values
                .iter()
                .map(|v| {
                    let d = kde(v, &grid);
                    grid.iter().zip(d).map(|(x, d)| (*x, d * width)).collect()
                })
                .collect();
            let per = crate::output::format::human(width, 2);
            return Curves {
                points,
                spikes: false,
                from: lo,
                to: hi,
                y_desc: if unit.is_empty() {
                    format!("share of runs per {per}")
                } else {
                    format!("share of runs per {per} {unit}")
                },
            };
        }
        let constant = values
            .iter()
            .all(|v| v.sorted.first() == v.sorted.last() && !v.sorted.is_empty() && v.total > 0);
        if constant {
            // Every bundle has one value (a cost fixed by its levers): a spike per bundle.
            let points = values
                .iter()
                .map(|v| {
                    let x = v.sorted[0];
                    let share = v.sorted.len() as f64 / v.total as f64;
                    vec![(x, 0.0), (x, share), (x, 0.0)]
                })
                .collect();
            let (from, to) = padded(lo, hi, 0.06);
            return Curves {
                points,
                spikes: true,
                from,
                to,
                y_desc: "share of runs at the value".to_string(),
            };
        }
        let (edges, y_desc) = if scale == Scale::Month {
            let edges = month_bins(lo, hi);
            let months = ((edges[1] - edges[0]) * 12.0).round();
            let desc = if months == 1.0 {
                "share of runs per month".to_string()
            } else {
                format!("share of runs per {months} months")
            };
            (edges, desc)
        } else {
            let edges = bin_edges(lo, hi, values.iter().copied());
            let desc = if discrete {
                "share of runs per value".to_string()
            } else {
                "share of runs per bin".to_string()
            };
            (edges, desc)
        };
        let points = values
            .iter()
            .map(|v| {
                let shares = histogram(v, &edges);
                let mut outline = vec![(edges[0], 0.0)];
                for (k, s) in shares.iter().enumerate() {
                    outline.push((edges[k], *s));
                    outline.push((edges[k + 1], *s));
                }
                outline.push((edges[edges.len() - 1], 0.0));
                outline
            })
            .collect();
        Curves {
            points,
            spikes: false,
            from: edges[0],
            to: edges[edges.len() - 1],
            y_desc,
        }
    }
}

/// Points on a density curve.
const GRID: usize = 300;

/// The height of a curve (points in x order) at `x`: linear between points; for a histogram
/// outline, the top of the bin.
fn height_at(points: &[(f64, f64)], x: f64) -> f64 {
    // Where the curve is vertical at `x` (a bin edge, a spike), its top.
    let at = points
        .iter()
        .filter(|p| p.0 == x)
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max);
    if at.is_finite() {
        return at;
    }
    let k = points.partition_point(|p| p.0 <= x);
    match (points.get(k.wrapping_sub(1)), points.get(k)) {
        (Some(a), Some(b)) if b.0 > a.0 => a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0),
        (Some(a), _) => a.1,
        (None, Some(b)) => b.1,
        (None, None) => 0.0,
    }
}

/// A Gaussian kernel density estimate at `grid`, integrating to the share of runs with a
/// value. Bandwidth by Silverman's rule of thumb, 0.9 min(sd, IQR/1.34) n^(-1/5) (Silverman
/// 1986, eq. 3.31). Values are first binned finely (4096 bins) so the cost does not grow with
/// the number of runs.
fn kde(v: &RunValues, grid: &[f64]) -> Vec<f64> {
    let n = v.sorted.len();
    if n < 2 || v.total == 0 {
        return vec![0.0; grid.len()];
    }
    let mean = v.sorted.iter().sum::<f64>() / n as f64;
    let sd = (v.sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let iqr = v.quantile(0.75) - v.quantile(0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let h = 0.9 * spread * (n as f64).powf(-0.2);
    if !(h > 0.0 && h.is_finite()) {
        return vec![0.0; grid.len()];
    }
    const FINE: usize = 4096;
    let a = v.sorted[0];
    let w = ((v.sorted[n - 1] - a) / FINE as f64).max(f64::MIN_POSITIVE);
    let mut counts = vec![0u32; FINE];
    for x in &v.sorted {
        let k = (((x - a) / w) as usize).min(FINE - 1);
        counts[k] += 1;
    }
    let norm = 1.0 / (v.total as f64 * h * (2.0 * std::f64::consts::PI).sqrt());
    grid.iter()
        .map(|g| {
            let lo = ((g - 5.0 * h - a) / w).floor().max(0.0) as usize;
            let hi = (((g + 5.0 * h - a) / w).ceil().max(0.0) as usize).min(FINE);
            (lo.min(FINE)..hi)
                .filter(|k| counts[*k] > 0)
                .map(|k| {
                    let c = a + (k as f64 + 0.5) * w;
                    let z = (g - c) / h;
                    f64::from(counts[k]) * (-0.5 * z * z).exp()
                })
                .sum::<f64>()
                * norm
        })
        .collect()
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
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        padded(lo, hi, 0.0)
    };
    let w = (hi - lo) / BINS as f64;
    (0..=BINS).map(|k| lo + w * k as f64).collect()
}

/// Bins of whole months (1, 2, 3, 6 or 12 of them, for at most about [`BINS`] bins) centred
/// on the months in `[lo, hi]` (decimal years), so each month's runs fall in one bin.
fn month_bins(lo: f64, hi: f64) -> Vec<f64> {
    let first = (lo * 12.0).round() as i64;
    let last = (hi * 12.0).round() as i64;
    let span = (last - first + 1).max(1);
    let width = [1i64, 2, 3, 6, 12, 24]
        .into_iter()
        .find(|w| span / w <= BINS as i64)
        .unwrap_or(24);
    let start = first.div_euclid(width) * width;
    let mut edges = Vec::new();
    let mut m = start;
    loop {
        edges.push((m as f64 - 0.5) / 12.0);
        if m > last {
            break;
        }
        m += width;
    }
    edges
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
    fn density_integrates_to_the_share_with_a_value() {
        // 999 values spread over [0, 1), of 1000 runs: the curve's area is 0.999.
        let v = RunValues {
            sorted: (0..999).map(|k| (f64::from(k) / 999.0).powi(2)).collect(),
            total: 1000,
        };
        let grid: Vec<f64> = (0..=2000)
            .map(|k| -1.0 + 3.0 * f64::from(k) / 2000.0)
            .collect();
        let area: f64 = kde(&v, &grid).iter().sum::<f64>() * 3.0 / 2000.0;
        assert!((area - 0.999).abs() < 1e-3, "{area}");
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
        assert!((h.iter().sum::<f64>() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(h[1], 2.0 / 6.0);
    }
}

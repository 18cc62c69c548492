//! Sweep charts, drawn from `sweep.json` alone (so `leversim plot DIR` redraws them).
//!
//! | file | chart |
//! |---|---|
//! | `sweep-<outcome>` | one lever: the mean over the lever's values with the median and the band of 5% to 95% of runs (a probability: its 95% interval); two levers: a heat map of the mean, values written in the cells when they fit |
//!
//! Every grid point ran on the same run indices (common random numbers), so the curves are
//! smooth: differences between neighbouring points are the lever's effect, not sampling noise.
//! The base bundle's setting of the lever is marked (a dashed line; an outlined cell).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::compare::value_desc;
use super::distribution::wilson;
use super::read::{label_of, outcome_label, thousands};
use super::theme::{
    self, Axis, Chart, Dash, DrawResult, Frame, INK, LegendItem, PALETTE, REFERENCE, Scale, Swatch,
    build_chart, draw_frame, line_height, padded, size, text_at, text_width, wrap,
};
use crate::output::folder::{MAX_JSON_BYTES, read_bounded};
use crate::output::format::human;
use crate::output::schema::{
    OutcomeInfo, OutcomeKind, ScenarioInfo, SweepLever, SweepRecord, SweepReport,
};

/// Reads `dir/sweep.json` and checks that it has what the charts need.
///
/// # Errors
/// When the file cannot be read or was written by an older leversim.
pub fn read_sweep(dir: &Path) -> Result<SweepReport> {
    let path = dir.join("sweep.json");
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    let report: SweepReport = serde_json::from_slice(&text).with_context(|| {
        format!(
            "'{}' is not a leversim sweep (written by another version?)",
            path.display()
        )
    })?;
    if report.info.is_none() {
        bail!(
            "'{}' was written by an older leversim and lacks what the charts need: run the sweep again",
            path.display()
        );
    }
    if report.lever_info.is_empty() || report.lever_info.len() > 2 {
        bail!(
            "'{}' describes {} swept levers; a sweep chart needs one or two",
            path.display(),
            report.lever_info.len()
        );
    }
    Ok(report)
}

/// Reads `dir/sweep.json` and draws a chart per outcome into `dir/charts/`.
///
/// # Errors
/// When the file cannot be read, lacks what the charts need (it was written by an older
/// leversim), or a chart cannot be drawn or written.
pub fn render_sweep(dir: &Path) -> Result<Vec<PathBuf>> {
    let report = read_sweep(dir)?;
    let Some(info) = &report.info else {
        bail!("internal error: a checked sweep report without its scenario");
    };
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    let names: Vec<&str> = if info.charts.outcomes.is_empty() {
        info.outcomes.iter().map(|o| o.name.as_str()).collect()
    } else {
        info.charts.outcomes.iter().map(String::as_str).collect()
    };
    let mut written = Vec::new();
    for name in names {
        let Some(outcome) = info.outcomes.iter().find(|o| o.name == name) else {
            continue;
        };
        let sweep = Sweep {
            report: &report,
            info,
            outcome,
        };
        if !sweep.records().iter().any(|r| r.mean.is_some()) {
            continue;
        }
        if report.lever_info.len() == 1 {
            written.extend(theme::save(&SweepLineChart(sweep), &charts)?);
        } else {
            written.extend(theme::save(&SweepHeatmap(sweep), &charts)?);
        }
    }
    Ok(written)
}

/// One outcome of a sweep.
#[derive(Clone, Copy)]
struct Sweep<'a> {
    report: &'a SweepReport,
    info: &'a ScenarioInfo,
    outcome: &'a OutcomeInfo,
}

impl Sweep<'_> {
    fn records(&self) -> Vec<&SweepRecord> {
        self.report
            .records
            .iter()
            .filter(|r| r.outcome == self.outcome.name)
            .collect()
    }

    /// Half the 95% interval of the paired difference between two points, at its widest over
    /// the grid (the records' `diff_se` against the first point); `None` for files written
    /// before it was recorded.
    fn precision(&self) -> Option<f64> {
        self.records()
            .iter()
            .filter_map(|r| r.diff_se)
            .filter(|v| v.is_finite())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
            .map(|se| Z95 * se)
    }

    /// The subtitle's note on the precision of differences between points.
    fn precision_note(&self, scale: Scale) -> Option<String> {
        let p = self.precision()?;
        let text = match scale {
            Scale::Percent => format!(
                "{} percentage points",
                crate::output::format::significant(p * 100.0, 2)
            ),
            _ => human(p, 2),
        };
        Some(format!(
            "differences between points known to ±{text} (95%, paired runs)"
        ))
    }

    fn name(&self) -> String {
        self.info
            .charts
            .titles
            .iter()
            .find(|(n, _)| *n == self.outcome.name)
            .map_or_else(|| outcome_label(self.outcome), |(_, t)| t.clone())
    }

    fn base_label(&self) -> String {
        self.info
            .bundles
            .iter()
            .find(|b| b.name == self.report.base_bundle)
            .map_or_else(|| self.report.base_bundle.clone(), label_of)
    }

    fn title(&self) -> String {
        let levers: Vec<String> = self.report.lever_info.iter().map(lever_name).collect();
        format!("{}: response to {}", self.name(), levers.join(" and "))
    }

    /// Scenario, grid, base bundle, runs and seed.
    fn subtitle(&self) -> String {
        let r = self.report;
        let title = if self.info.title.is_empty() {
            &self.info.name
        } else {
            &self.info.title
        };
        let grid = match &r.lever_info[..] {
            [l] => format!(
                "{} values from {} to {}",
                l.values.len(),
                human(l.values.first().copied().unwrap_or(f64::NAN), 3),
                human(l.values.last().copied().unwrap_or(f64::NAN), 3)
            ),
            ls => format!(
                "a grid of {} points",
                ls.iter().map(|l| l.values.len()).product::<usize>()
            ),
        };
        format!(
            "{title} · {grid}, other levers as in {} · {} runs per point, common random numbers · seed {}",
            self.base_label(),
            thousands(r.provenance.runs),
            r.provenance.seed
        )
    }

    fn source_line(&self) -> String {
        super::read::source_line(&self.report.provenance, "sweep", &self.info.source)
    }
}

/// A lever's name for people: its label, or its name made readable.
fn lever_name(l: &SweepLever) -> String {
    if l.label.is_empty() || l.label == l.name {
        theme::humanize(&l.name)
    } else {
        l.label.clone()
    }
}

/// The axis description of a lever.
fn lever_desc(l: &SweepLever) -> String {
    if l.unit.is_empty() {
        lever_name(l)
    } else {
        format!("{} ({})", lever_name(l), l.unit)
    }
}

/// The colour of the sweep's lines and band (Okabe–Ito blue).
const LINE: RGBColor = PALETTE[0];

/// One lever: the outcome over the lever's values.
struct SweepLineChart<'a>(Sweep<'a>);

impl Chart for SweepLineChart<'_> {
    fn stem(&self) -> String {
        format!("sweep-{}", self.0.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let s = self.0;
        let o = s.outcome;
        let lever = &s.report.lever_info[0];
        let probability = o.kind == OutcomeKind::Probability;
        let scale = Scale::of(o.kind.value());
        let mut records = s.records();
        records.sort_by(|a, b| {
            let key = |r: &SweepRecord| r.levers.first().copied().unwrap_or(f64::NAN);
            key(a).total_cmp(&key(b))
        });
        let get = |v: Option<f64>| v.unwrap_or(f64::NAN);
        // (lever value, mean, median, band low, band high)
        let points: Vec<(f64, f64, f64, f64, f64)> = records
            .iter()
            .filter_map(|r| {
                let x = *r.levers.first()?;
                let mean = get(r.mean);
                let (lo, hi) = if probability {
                    wilson(mean, r.n)
                } else {
                    (get(r.p05), get(r.p95))
                };
                Some((x, mean, get(r.p50), lo, hi))
            })
            .collect();
        let base_in_range = lever
            .values
            .first()
            .is_some_and(|v| lever.base >= *v - 1e-12)
            && lever
                .values
                .last()
                .is_some_and(|v| lever.base <= *v + 1e-12);
        let mut legend = if probability {
            vec![
                LegendItem::new(Swatch::line(LINE, 5), "probability"),
                LegendItem::new(
                    Swatch::Band {
                        color: LINE,
                        opacity: 0.22,
                    },
                    "95% interval of each estimate",
                ),
            ]
        } else {
            vec![
                LegendItem::new(Swatch::line(LINE, 5), "mean"),
                LegendItem::new(
                    Swatch::Line {
                        color: LINE,
                        width: 3,
                        dash: Dash::Dashed,
                    },
                    "median",
                ),
                LegendItem::new(
                    Swatch::Band {
                        color: LINE,
                        opacity: 0.22,
                    },
                    "5% to 95% of runs",
                ),
            ]
        };
        if base_in_range {
            legend.push(LegendItem::new(
                Swatch::reference_line(),
                format!("setting in {}: {}", s.base_label(), human(lever.base, 3)),
            ));
        }
        let mut subtitle = s.subtitle();
        if let Some(note) = s.precision_note(scale) {
            subtitle.push_str(&format!(" · {note}"));
            legend.push(LegendItem::new(
                Swatch::line(INK, 3),
                "95% interval of the difference from the first point (paired runs)",
            ));
        }
        let area = draw_frame(
            root,
            &Frame {
                title: s.title(),
                subtitle,
                legend,
                source: s.source_line(),
            },
        )?;
        let (lo, hi) = points
            .iter()
            .flat_map(|p| {
                if probability {
                    vec![p.1, p.3, p.4]
                } else {
                    vec![p.1, p.2, p.3, p.4]
                }
            })
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let (mut y0, y1) = padded(lo, hi, 0.05);
        if scale != Scale::Month && lo >= 0.0 && (y0 < 0.0 || lo < 0.3 * hi) {
            y0 = 0.0;
        }
        let (v0, v1) = (
            lever.values.first().copied().unwrap_or(0.0),
            lever.values.last().copied().unwrap_or(1.0),
        );
        let (x0, x1) = padded(v0, v1, 0.02);
        let mut x = Axis::new((x0, x1), Scale::Number, lever_desc(lever), 10);
        if lever.values.len() <= 11 {
            x.ticks = lever.values.clone();
        }
        let y = Axis::new((y0, y1), scale, value_desc(o), 7);
        let mut chart = build_chart(&area, &x, &y, None)?;
        let band: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.3.is_finite() && p.4.is_finite())
            .map(|p| (p.0, p.3))
            .chain(
                points
                    .iter()
                    .rev()
                    .filter(|p| p.3.is_finite() && p.4.is_finite())
                    .map(|p| (p.0, p.4)),
            )
            .collect();
        if band.len() >= 4 {
            chart
                .draw_series(std::iter::once(Polygon::new(band, LINE.mix(0.22).filled())))
                .drawing("the band")?;
        }
        if base_in_range {
            chart
                .draw_series(DashedLineSeries::new(
                    [(lever.base, y0), (lever.base, y1)],
                    12,
                    8,
                    REFERENCE.stroke_width(3),
                ))
                .drawing("the base setting")?;
        }
        let line = |pick: fn(&(f64, f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
            points
                .iter()
                .filter(|p| pick(p).is_finite())
                .map(|p| (p.0, pick(p)))
                .collect()
        };
        if !probability {
            theme::draw_line(
                &mut chart,
                line(|p| p.2),
                LINE,
                theme::LineLook {
                    width: 3,
                    dash: Dash::Dashed,
                },
            )?;
        }
        let means = line(|p| p.1);
        theme::draw_line(
            &mut chart,
            means.clone(),
            LINE,
            theme::LineLook {
                width: 5,
                dash: Dash::Solid,
            },
        )?;
        // The paired precision of each point's difference from the first: short black
        // whiskers on the means (simulation precision, apart from the band of runs).
        for r in &records {
            let (Some(x), Some(m), Some(se)) = (r.levers.first(), r.mean, r.diff_se) else {
                continue;
            };
            if se > 0.0 && se.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, m - Z95 * se), (*x, m + Z95 * se)],
                        INK.stroke_width(3),
                    )))
                    .drawing("a paired interval")?;
            }
        }
        if means.len() <= 30 {
            chart
                .draw_series(means.iter().map(|&(x, y)| {
                    EmptyElement::at((x, y))
                        + Circle::new((0, 0), 8, WHITE.filled())
                        + Circle::new((0, 0), 6, LINE.filled())
                }))
                .drawing("a point")?;
        }
        Ok(())
    }
}

/// The spread of the finite values of `grid`.
fn grid_span(grid: &[Vec<f64>]) -> f64 {
    let (lo, hi) = grid
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if lo.is_finite() { hi - lo } else { 0.0 }
}

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Viridis (van der Walt and Smith, matplotlib's default): a sequential scale that stays
/// readable for colour-blind readers and in greyscale, from dark purple (0) to yellow (1).
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 8] = [
        (68, 1, 84),
        (70, 50, 127),
        (54, 92, 141),
        (39, 127, 143),
        (31, 162, 136),
        (74, 194, 110),
        (160, 219, 57),
        (254, 232, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether text on `c` should be white (a dark cell) rather than ink.
fn dark(c: RGBColor) -> bool {
    let l = 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    l < 140.0
}

/// A heat map cell's value, with the same decimals in every cell (three significant digits on
/// the largest, `top`), so that the numbers line up.
fn cell_label(scale: Scale, v: f64, top: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let fixed = |v: f64, top: f64| {
        let decimals = if top > 0.0 {
            (2 - top.log10().floor() as i32).clamp(0, 6) as usize
        } else {
            0
        };
        format!("{v:.decimals$}")
    };
    match scale {
        Scale::Percent => format!("{}%", fixed(v * 100.0, top * 100.0)),
        Scale::Number | Scale::Signed => {
            // The suffix of the largest for every cell: 7.90M, not 7.9M beside 7.92M.
            let (div, suffix) = [(1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e4, "k")]
                .into_iter()
                .find(|(d, _)| top >= *d)
                .map_or((1.0, ""), |(d, s)| (if s == "k" { 1e3 } else { d }, s));
            format!("{}{suffix}", fixed(v / div, top / div))
        }
        Scale::Month | Scale::Ratio => scale.value(v),
    }
}

/// A colour-bar tick label with as many digits as its neighbours need to differ and to show
/// the tick's value (`27.25%`, not `27.3%`).
fn tick_label(scale: Scale, t: f64, ticks: &[f64]) -> String {
    let exact = |d: usize, v: f64| -> String {
        match scale {
            Scale::Percent => format!("{}%", crate::output::format::significant(v * 100.0, d)),
            Scale::Number if v.abs() < 1e4 => crate::output::format::significant(v, d),
            _ => scale.tick(v),
        }
    };
    let shows = |d: usize| {
        ticks.iter().all(|v| {
            let text = exact(d, *v);
            let number: Option<f64> = text.trim_end_matches('%').parse().ok();
            let value = if scale == Scale::Percent {
                v * 100.0
            } else {
                *v
            };
            number.is_none_or(|n| (n - value).abs() <= 1e-9 * value.abs().max(1.0))
        })
    };
    let digits = (3..=6).find(|d| shows(*d)).unwrap_or(6);
    exact(digits, t)
}

/// Colour of a grid point without a value.
const EMPTY: RGBColor = RGBColor(220, 220, 220);

/// Two levers: a heat map of the mean.
struct SweepHeatmap<'a>(Sweep<'a>);

/// Cell edges around grid values: halfway to each neighbour, and as far again at the ends.
fn edges(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    (0..n)
        .map(|i| {
            let left = if i > 0 {
                (values[i - 1] + values[i]) / 2.0
            } else if n > 1 {
                values[0] - (values[1] - values[0]) / 2.0
            } else {
                values[0] - 0.5
            };
            let right = if i + 1 < n {
                (values[i] + values[i + 1]) / 2.0
            } else if n > 1 {
                values[i] + (values[i] - values[i - 1]) / 2.0
            } else {
                values[0] + 0.5
            };
            (left, right)
        })
        .collect()
}

/// Width of the colour bar, pixels.
const BAR_W: i32 = 34;

impl Chart for SweepHeatmap<'_> {
    fn stem(&self) -> String {
        format!("sweep-{}", self.0.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let s = self.0;
        let o = s.outcome;
        let (lx, ly) = (&s.report.lever_info[0], &s.report.lever_info[1]);
        let scale = Scale::of(o.kind.value());
        let records = s.records();
        let mean_at = |i: usize, j: usize| -> f64 {
            let (x, y) = (lx.values[i], ly.values[j]);
            records
                .iter()
                .find(|r| {
                    r.levers.len() == 2
                        && (r.levers[0] - x).abs() <= 1e-9 * x.abs().max(1.0)
                        && (r.levers[1] - y).abs() <= 1e-9 * y.abs().max(1.0)
                })
                .and_then(|r| r.mean)
                .unwrap_or(f64::NAN)
        };
        let grid: Vec<Vec<f64>> = (0..lx.values.len())
            .map(|i| (0..ly.values.len()).map(|j| mean_at(i, j)).collect())
            .collect();
        let (lo, hi) = grid
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        // A grid on which the outcome does not move gets one colour, and says so.
        let constant = hi - lo <= 1e-12 * hi.abs().max(lo.abs()).max(1.0);
        let hi = if constant { lo } else { hi };
        // Differences between points smaller than their paired precision are noise: the
        // colour scale spans at least the 95% interval of a difference, so that they do not
        // show as the darkest against the brightest (issue 14).
        let precision = s.precision().filter(|_| !constant);
        let (lo, hi) = match precision {
            Some(p) if hi - lo < 2.0 * p => {
                let mid = (lo + hi) / 2.0;
                (mid - p, mid + p)
            }
            _ => (lo, hi),
        };
        let widened = precision.is_some_and(|p| grid_span(&grid) < 2.0 * p);
        let colour = |v: f64| {
            if !v.is_finite() {
                EMPTY
            } else if hi > lo {
                viridis((v - lo) / (hi - lo))
            } else {
                viridis(0.5)
            }
        };
        let find = |values: &[f64], v: f64| {
            values
                .iter()
                .position(|x| (x - v).abs() <= 1e-9 * v.abs().max(1.0))
        };
        let base = find(&lx.values, lx.base).zip(find(&ly.values, ly.base));
        let what = if o.kind == OutcomeKind::Probability {
            "probability"
        } else {
            "mean"
        };
        let mut legend = Vec::new();
        if base.is_some() {
            legend.push(LegendItem::new(
                Swatch::Outline { color: INK },
                format!(
                    "setting in {}: {} {}, {} {}",
                    s.base_label(),
                    lx.name,
                    human(lx.base, 3),
                    ly.name,
                    human(ly.base, 3)
                ),
            ));
        }
        let area = draw_frame(
            root,
            &Frame {
                title: s.title(),
                subtitle: if constant {
                    format!("{} · the {what} is the same at every point", s.subtitle())
                } else {
                    let mut text = format!("{} · colour: the {what} at each point", s.subtitle());
                    if let Some(note) = s.precision_note(scale) {
                        text.push_str(&format!(" · {note}"));
                    }
                    if widened {
                        text.push_str(
                            "; the colour scale spans that interval, wider than the differences",
                        );
                    }
                    text
                },
                legend,
                source: s.source_line(),
            },
        )?;

        // The colour bar right of the plot: the bar, its ticks and labels, its title above.
        let ticks: Vec<f64> = if hi > lo {
            scale.ticks(lo, hi, 6)
        } else {
            vec![lo]
        };
        let tick_w = ticks
            .iter()
            .map(|t| text_width(&area, &tick_label(scale, *t, &ticks), size::TICK))
            .max()
            .unwrap_or(0);
        let bar_total = (BAR_W + 12 + tick_w + 16).max(190);
        let (w, h) = area.dim_in_pixel();
        let plot_area = area.margin(0, 0, 0, bar_total + 24);
        let bar_area = area
            .clone()
            .shrink(((w as i32 - bar_total).max(0), 0), (bar_total as u32, h));
        let bar_title = wrap(&bar_area, &value_desc(o), size::TICK, bar_total - 4);
        let title_h = bar_title.len() as i32 * line_height(size::TICK) + 12;

        let ex = edges(&lx.values);
        let ey = edges(&ly.values);
        let x_range = (ex[0].0, ex[ex.len() - 1].1);
        let y_range = (ey[0].0, ey[ey.len() - 1].1);
        let mut x = Axis::new(x_range, Scale::Number, lever_desc(lx), 10).without_grid();
        if lx.values.len() <= 12 {
            x.ticks = lx.values.clone();
        }
        let mut y = Axis::new(y_range, Scale::Number, lever_desc(ly), 10).without_grid();
        if ly.values.len() <= 12 {
            y.ticks = ly.values.clone();
        }
        // The plot starts below the colour bar's title, so that the bar spans the plot.
        let plot_area = plot_area.margin(title_h, 0, 0, 0);
        let mut chart = build_chart(&plot_area, &x, &y, None)?;
        for (i, (x0, x1)) in ex.iter().enumerate() {
            for (j, (y0, y1)) in ey.iter().enumerate() {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(*x0, *y0), (*x1, *y1)],
                        colour(grid[i][j]).filled(),
                    )))
                    .drawing("a cell")?;
            }
        }
        // Values in the cells, when every label fits its cell.
        let cell_w =
            chart.backend_coord(&(ex[0].1, 0.0)).0 - chart.backend_coord(&(ex[0].0, 0.0)).0;
        let cell_h =
            (chart.backend_coord(&(0.0, ey[0].0)).1 - chart.backend_coord(&(0.0, ey[0].1)).1).abs();
        let top = grid
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let labels: Vec<Vec<String>> = grid
            .iter()
            .map(|col| col.iter().map(|v| cell_label(scale, *v, top)).collect())
            .collect();
        let widest = labels
            .iter()
            .flatten()
            .map(|l| text_width(&plot_area, l, size::TICK))
            .max()
            .unwrap_or(0);
        if widest + 10 <= cell_w && line_height(size::TICK) + 6 <= cell_h {
            for (i, col) in labels.iter().enumerate() {
                for (j, label) in col.iter().enumerate() {
                    let c = colour(grid[i][j]);
                    let ink = if dark(c) { WHITE } else { INK };
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((lx.values[i], ly.values[j]))
                                + Text::new(
                                    label.clone(),
                                    (0, 0),
                                    text_at(size::TICK, &ink, HPos::Center, VPos::Center),
                                ),
                        ))
                        .drawing("a cell value")?;
                }
            }
        }
        if let Some((i, j)) = base {
            let (x0, x1) = ex[i];
            let (y0, y1) = ey[j];
            let style = if dark(colour(grid[i][j])) { WHITE } else { INK };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    style.stroke_width(4),
                )))
                .drawing("the base setting")?;
        }

        // The colour bar, as tall as the plot.
        let (_, yr) = chart.plotting_area().get_pixel_range();
        let base_y = bar_area.get_base_pixel().1;
        let (top, bottom) = (yr.start - base_y, yr.end - base_y);
        for (k, line) in bar_title.iter().enumerate() {
            bar_area
                .draw(&Text::new(
                    line.clone(),
                    (0, top - title_h + k as i32 * line_height(size::TICK)),
                    text_at(size::TICK, &INK, HPos::Left, VPos::Top),
                ))
                .drawing("the colour bar")?;
        }
        let steps = (bottom - top).max(1);
        for k in 0..steps {
            let t = if constant {
                0.5
            } else {
                1.0 - f64::from(k) / f64::from(steps - 1).max(1.0)
            };
            bar_area
                .draw(&Rectangle::new(
                    [(0, top + k), (BAR_W, top + k + 1)],
                    viridis(t).filled(),
                ))
                .drawing("the colour bar")?;
        }
        bar_area
            .draw(&Rectangle::new(
                [(0, top), (BAR_W, bottom)],
                INK.mix(0.55).stroke_width(1),
            ))
            .drawing("the colour bar")?;
        for &t in &ticks {
            let share = if hi > lo { (t - lo) / (hi - lo) } else { 0.5 };
            let py = bottom - (share * f64::from(bottom - top)).round() as i32;
            bar_area
                .draw(&PathElement::new(
                    vec![(BAR_W, py), (BAR_W + 8, py)],
                    INK.mix(0.55).stroke_width(1),
                ))
                .drawing("the colour bar")?;
            bar_area
                .draw(&Text::new(
                    tick_label(scale, t, &ticks),
                    (BAR_W + 12, py),
                    text_at(size::TICK, &INK, HPos::Left, VPos::Center),
                ))
                .drawing("the colour bar")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_share_decimals_and_suffix() {
        assert_eq!(cell_label(Scale::Number, 7.9e6, 8.19e6), "7.90M");
        assert_eq!(cell_label(Scale::Number, 0.0, 3.35), "0.00");
        assert_eq!(cell_label(Scale::Number, 940.0, 12_000.0), "0.9k");
        assert_eq!(cell_label(Scale::Percent, 0.23, 0.231), "23.0%");
        assert_eq!(cell_label(Scale::Number, f64::NAN, 1.0), "–");
    }

    #[test]
    fn colour_bar_ticks_show_their_value() {
        let ticks = [0.27, 0.2725, 0.275, 0.2775];
        let labels: Vec<String> = ticks
            .iter()
            .map(|t| tick_label(Scale::Percent, *t, &ticks))
            .collect();
        assert_eq!(labels, ["27%", "27.25%", "27.5%", "27.75%"]);
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(254, 232, 37));
        assert!(dark(viridis(0.1)) && !dark(viridis(0.9)));
        assert_eq!(
            edges(&[0.0, 0.5, 1.0]),
            [(-0.25, 0.25), (0.25, 0.75), (0.75, 1.25)]
        );
    }
}

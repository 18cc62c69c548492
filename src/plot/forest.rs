//! Paired differences against the reference bundle: a ranked forest plot per outcome, drawn
//! from `comparison.json` in a folder written by `leversim compare`.
//!
//! Each bundle other than the reference has a row: its mean paired difference (bundle minus
//! reference, run by run on common random numbers) with the 95% interval of that mean, ranked
//! best first by the outcome's `better`, with a line at zero (no difference). A table right of
//! the plot repeats the numbers with the share of runs in which the bundle did better and, where
//! there are any, the share of ties. Probabilities are in percentage points, months of first
//! crossing in months, as `leversim compare` prints them.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::read::{Results, outcome_label};
use super::theme::{
    Axis, BundleStyle, Caption, Chart, DrawResult, Frame, INK, LegendItem, MUTED, REFERENCE, Scale,
    Swatch, build_chart, draw_frame, draw_marker, padded, signed, size, text_at, text_width,
};
use crate::output::format::percent;
use crate::output::schema::{Better, Comparison, ComparisonRecord, OutcomeInfo};
use crate::plot::numbers::ValueFormat;

/// How the differences of an outcome are shown.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffUnit {
    /// Factor from the outcome's values to the unit shown: 100 for percentage points, 12 for
    /// months (an outcome of the month of first crossing is in decimal years), else 1.
    pub factor: f64,
    /// The unit shown, in words: `percentage points`, `months`, or the outcome's unit.
    pub name: String,
    /// What follows a value in a label: ` pp`, ` mo`, or nothing (the axis names the unit).
    pub suffix: &'static str,
}

impl DiffUnit {
    /// The unit of the differences of `outcome`.
    pub fn of(outcome: &OutcomeInfo) -> DiffUnit {
        match Scale::of(outcome.kind.value()) {
            Scale::Percent => DiffUnit {
                factor: 100.0,
                name: "percentage points".into(),
                suffix: " pp",
            },
            Scale::Month => DiffUnit {
                factor: 12.0,
                name: "months".into(),
                suffix: " mo",
            },
            _ => DiffUnit {
                factor: 1.0,
                name: outcome.unit.clone(),
                suffix: "",
            },
        }
    }

    /// A difference (already scaled) with its sign and unit: `-3.1 pp`.
    pub fn text(&self, v: f64) -> String {
        if v.is_finite() {
            format!("{}{}", signed(v, 3), self.suffix)
        } else {
            "–".into()
        }
    }

    /// A mean difference and its interval (already scaled), all with the same decimals:
    /// `-4.18 pp [-5.03, -3.32]`, `-1.02M [-1.11M, -0.93M]`, `+11.5k [+9.4k, +13.6k]`.
    ///
    /// ```
    /// use leversim::plot::forest::DiffUnit;
    /// let shells = DiffUnit { factor: 1.0, name: "shells".into(), suffix: "" };
    /// assert_eq!(shells.interval(11_500.0, 9_440.0, 13_600.0), "+11.5k [+9.4k, +13.6k]");
    /// assert_eq!(shells.interval(-1.02e6, -1.11e6, -932e3), "-1.02M [-1.11M, -0.93M]");
    /// let pp = DiffUnit { factor: 100.0, name: "percentage points".into(), suffix: " pp" };
    /// assert_eq!(pp.interval(-4.18, -5.03, -3.32), "-4.18 pp [-5.03, -3.32]");
    /// ```
    pub fn interval(&self, mean: f64, lo: f64, hi: f64) -> String {
        let top = [mean, lo, hi].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if top == 0.0 {
            return format!("{} [{}, {}]", self.text(mean), signed(lo, 3), signed(hi, 3));
        }
        if top >= 1e4 {
            // One suffix and one number of decimals for all three, set by the largest.
            let f = ValueFormat::for_values(Scale::Signed, [mean, lo, hi]);
            return format!(
                "{}{} [{}, {}]",
                f.format(mean),
                self.suffix,
                f.format(lo),
                f.format(hi)
            );
        }
        // Three significant digits on the largest of the three.
        let decimals = (2 - top.log10().floor() as i32).clamp(0, 6) as usize;
        let fixed = |v: f64| {
            let text = format!("{v:+.decimals$}");
            let digits = text.trim_start_matches(['+', '-']);
            if digits.chars().all(|c| c == '0' || c == '.') {
                digits.to_string()
            } else {
                text
            }
        };
        format!(
            "{}{} [{}, {}]",
            fixed(mean),
            self.suffix,
            fixed(lo),
            fixed(hi)
        )
    }
}

/// The sign that turns a difference of an outcome into an improvement, if it has a direction.
pub fn improvement_sign(outcome: &OutcomeInfo) -> Option<f64> {
    outcome.better.improvement_sign()
}

/// One bundle's row.
#[derive(Clone, Debug)]
struct Row {
    label: String,
    style: BundleStyle,
    /// Mean difference and its 95% interval, in the unit shown.
    mean: f64,
    lo: f64,
    hi: f64,
    p_better: Option<f64>,
    p_tie: f64,
}

/// The ranked forest plot of one outcome.
pub struct ForestChart<'a> {
    results: &'a Results,
    comparison: &'a Comparison,
    outcome: &'a OutcomeInfo,
}

impl<'a> ForestChart<'a> {
    /// The chart of `outcome`.
    pub fn new(
        results: &'a Results,
        comparison: &'a Comparison,
        outcome: &'a OutcomeInfo,
    ) -> ForestChart<'a> {
        ForestChart {
            results,
            comparison,
            outcome,
        }
    }

    /// The rows, top to bottom: best first, bundles without a difference last; in run order
    /// for an outcome without a direction.
    fn rows(&self) -> Vec<Row> {
        let r = self.results;
        let o = self.outcome;
        let unit = DiffUnit::of(o);
        let scaled = |v: Option<f64>| v.map_or(f64::NAN, |v| v * unit.factor);
        let mut rows: Vec<Row> = r
            .bundles()
            .into_iter()
            .filter_map(|(i, b)| {
                let rec: &ComparisonRecord = self
                    .comparison
                    .records
                    .iter()
                    .find(|x| x.bundle == b.name && x.outcome == o.name)?;
                Some(Row {
                    label: r.bundle_label(&b.name),
                    style: r.style(i),
                    mean: scaled(rec.mean_diff),
                    lo: scaled(rec.ci95_low),
                    hi: scaled(rec.ci95_high),
                    p_better: rec.p_better,
                    p_tie: rec.p_tie,
                })
            })
            .collect();
        if let Some(sign) = improvement_sign(o) {
            let key = |row: &Row| {
                let v = sign * row.mean;
                if v.is_nan() { f64::NEG_INFINITY } else { v }
            };
            rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
        }
        rows
    }
}

/// The table right of the plot: headers and each row's cells.
struct Table {
    headers: Vec<&'static str>,
    cells: Vec<Vec<String>>,
    /// Whether each column is right-aligned.
    right: Vec<bool>,
}

fn table(rows: &[Row], unit: &DiffUnit) -> Table {
    let with_better = rows.iter().any(|r| r.p_better.is_some());
    let with_ties = rows.iter().any(|r| r.p_tie >= 0.0005);
    let mut headers = vec!["mean [95% interval]"];
    let mut right = vec![false];
    if with_better {
        headers.push("P(better)");
        right.push(true);
    }
    if with_ties {
        headers.push("ties");
        right.push(true);
    }
    let cells = rows
        .iter()
        .map(|r| {
            let scale = r.mean.abs().max(1e-300);
            let mean = if !r.mean.is_finite() {
                "–".to_string()
            } else if r.lo.is_finite() && r.hi.is_finite() && r.hi - r.lo > 1e-9 * scale {
                unit.interval(r.mean, r.lo, r.hi)
            } else {
                // Under common random numbers a lever that acts the same way in every run
                // (a fixed cost) gives the same difference in every run.
                format!("{} in every run", unit.text(r.mean))
            };
            let mut row = vec![mean];
            if with_better {
                row.push(r.p_better.map_or_else(|| "–".into(), percent));
            }
            if with_ties {
                row.push(percent(r.p_tie));
            }
            row
        })
        .collect();
    Table {
        headers,
        cells,
        right,
    }
}

/// Rows are never drawn thicker than a chart of this many would draw them.
const MIN_ROWS: usize = 6;

/// Space between the plot and the table, and between the table's columns, pixels.
const TABLE_GAP: i32 = 30;

impl Chart for ForestChart<'_> {
    fn stem(&self) -> String {
        format!("forest-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let unit = DiffUnit::of(o);
        let reference = r.bundle_label(&self.comparison.reference);
        let ranked = match o.better {
            Better::Lower | Better::Higher => ", best first",
            Better::Neither => "",
        };
        let mut subtitle = format!(
            "{} · differences run by run, on common random numbers",
            r.subtitle()
        );
        if Scale::of(o.kind.value()) == Scale::Month {
            subtitle.push_str(" · over runs in which both reach it");
        }
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &outcome_label(o),
            &format!("difference from {reference}{ranked}"),
            subtitle,
        );
        let frame = Frame {
            title,
            subtitle,
            legend: vec![
                LegendItem::new(Swatch::dot(INK), "mean difference"),
                LegendItem::new(Swatch::line(INK, 4), "95% interval of the mean"),
                LegendItem::new(
                    Swatch::line(REFERENCE, 3),
                    format!("no difference from {reference} (reference)"),
                ),
            ],
            source: r.source_line(),
        };
        let area = draw_frame(root, &frame)?;
        let rows = self.rows();
        let n = rows.len();
        let table = table(&rows, &unit);

        // The table's columns, as wide as their widest cell or header.
        let widths: Vec<i32> = (0..table.headers.len())
            .map(|c| {
                table
                    .cells
                    .iter()
                    .map(|row| text_width(&area, &row[c], size::TICK))
                    .chain(std::iter::once(text_width(
                        &area,
                        table.headers[c],
                        size::PANEL,
                    )))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let table_w: i32 = widths.iter().map(|w| w + TABLE_GAP).sum::<i32>() + 8;
        let (w, h) = area.dim_in_pixel();
        let plot_area = area.margin(0, 0, 0, table_w);
        let table_area = area
            .clone()
            .shrink(((w as i32 - table_w).max(0), 0), (table_w.max(1) as u32, h));

        let (lo, hi) = rows
            .iter()
            .flat_map(|r| [r.lo, r.hi, r.mean])
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (x0, x1) = padded(lo, hi, 0.06);
        let direction = match o.better {
            Better::Lower => "; lower is better",
            Better::Higher => "; higher is better",
            Better::Neither => "",
        };
        let x_desc = if unit.name.is_empty() {
            format!("difference from {reference}{direction}")
        } else {
            format!("difference from {reference} ({}{direction})", unit.name)
        };
        let x = Axis::new((x0, x1), Scale::Signed, x_desc, 8);
        let mut y = Axis::categories(rows.iter().rev().map(|r| r.label.clone()).collect(), "");
        // Room above the top row for the arrows that say which side is better; and rows never
        // thicker than MIN_ROWS rows would make them, so that two rows do not fill the slide.
        let pad = MIN_ROWS.saturating_sub(n) as f64 / 2.0;
        let (bottom, top) = (-0.6 - pad, n as f64 - 0.4 + 0.6 + pad);
        y.range = (bottom, top);
        let caption = format!("bundle minus {reference}, run by run");
        let mut chart = build_chart(
            &plot_area,
            &x,
            &y,
            Some(Caption {
                text: &caption,
                color: INK,
                lines: 1,
                size: crate::plot::theme::size::PANEL,
            }),
        )?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, bottom), (0.0, top)],
                REFERENCE.stroke_width(3),
            )))
            .drawing("the zero line")?;
        let (left_word, right_word) = match (o.better, Scale::of(o.kind.value())) {
            (Better::Lower, _) => ("← better", "worse →"),
            (Better::Higher, _) => ("← worse", "better →"),
            (Better::Neither, Scale::Month) => ("← earlier", "later →"),
            (Better::Neither, _) => ("← lower", "higher →"),
        };
        // Each beside the zero line, where there is room for it.
        let arrow_y = n as f64 - 0.4 + 0.3;
        let (xr, _) = chart.plotting_area().get_pixel_range();
        let zero = chart.backend_coord(&(0.0, arrow_y)).0;
        for (word, dx, hpos, room) in [
            (left_word, -12, HPos::Right, zero - xr.start),
            (right_word, 12, HPos::Left, xr.end - zero),
        ] {
            if text_width(&plot_area, word, size::TICK) + 16 <= room {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((0.0, arrow_y))
                            + Text::new(
                                word,
                                (dx, 0),
                                text_at(size::TICK, &MUTED, hpos, VPos::Center),
                            ),
                    ))
                    .drawing("the direction")?;
            }
        }
        for (k, row) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            if row.lo.is_finite() && row.hi.is_finite() {
                let style = row.style.color.stroke_width(4);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(row.lo, yk), (row.hi, yk)],
                        style,
                    )))
                    .drawing("an interval")?;
                for end in [row.lo, row.hi] {
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((end, yk))
                                + PathElement::new(vec![(0, -9), (0, 9)], style),
                        ))
                        .drawing("an interval")?;
                }
            }
            if row.mean.is_finite() {
                draw_marker(&mut chart, (row.mean, yk), 0, row.style, 9)?;
            }
        }

        // The table: headers level with the plot's caption, a line of cells level with each row.
        let base_y = table_area.get_base_pixel().1;
        let mut x = TABLE_GAP;
        for (c, header) in table.headers.iter().enumerate() {
            let (hx, hpos) = if table.right[c] {
                (x + widths[c], HPos::Right)
            } else {
                (x, HPos::Left)
            };
            table_area
                .draw(&Text::new(
                    header.to_string(),
                    (hx, 0),
                    text_at(size::PANEL, &INK, hpos, VPos::Top),
                ))
                .drawing("the table")?;
            for (k, cells) in table.cells.iter().enumerate() {
                let yk = (n - 1 - k) as f64;
                let py = chart.backend_coord(&(0.0, yk)).1 - base_y;
                table_area
                    .draw(&Text::new(
                        cells[c].clone(),
                        (hx, py),
                        text_at(size::TICK, &INK, hpos, VPos::Center),
                    ))
                    .drawing("the table")?;
            }
            x += widths[c] + TABLE_GAP;
        }
        Ok(())
    }
}

//! The over-time chart: first-order and total Sobol' indices of a series month by month, as
//! stacked areas, so that an analyst sees which assumption drives the answer early and which
//! late.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{GREY, MAX_BANDS, input_label, outcome_name, source_line, subtitle};
use crate::output::schema::Month;
use crate::output::schema::{OutcomeSummary, SensitivityReport};
use crate::plot::read::thousands;
use crate::plot::theme::{
    Axis, Caption, Chart, DrawResult, Frame, INK, LegendItem, PALETTE, REFERENCE, Scale, Swatch,
    build_chart, draw_frame,
};

/// First-order and total indices of a series month by month, as stacked areas.
pub struct OverTimeChart<'a> {
    pub(super) report: &'a SensitivityReport,
    pub(super) series: &'a OutcomeSummary,
}

/// An input's name and its first-order and total indices per month.
type InputSeries = (String, Vec<f64>, Vec<f64>);

/// One band of a stacked-area chart: its label, colour and value per month.
struct Band {
    label: String,
    color: RGBColor,
    values: Vec<f64>,
}

impl OverTimeChart<'_> {
    /// Months (decimal years) and, per input in report order, (S1, ST) per month (0 where
    /// undefined; small negative estimates clipped to 0 so that areas stack).
    fn table(&self) -> (Vec<f64>, Vec<InputSeries>) {
        let r = self.report;
        let mut months: Vec<String> = Vec::new();
        for rec in r.over_time.iter().filter(|x| x.series == self.series.name) {
            if months.last() != Some(&rec.month) {
                months.push(rec.month.clone());
            }
        }
        let t: Vec<f64> = months
            .iter()
            .map(|m| Month::parse(m).map_or(f64::NAN, Month::decimal_year))
            .collect();
        let inputs = r
            .inputs
            .iter()
            .map(|input| {
                let mut s1 = vec![0.0; months.len()];
                let mut st = vec![0.0; months.len()];
                for rec in r
                    .over_time
                    .iter()
                    .filter(|x| x.series == self.series.name && x.input == input.name)
                {
                    if let Some(k) = months.iter().position(|m| *m == rec.month) {
                        s1[k] = rec.s1.unwrap_or(0.0).max(0.0);
                        st[k] = rec.st.unwrap_or(0.0).max(0.0);
                    }
                }
                (input.name.clone(), s1, st)
            })
            .collect();
        (t, inputs)
    }

    /// Stacked bands: the `MAX_BANDS` inputs with the largest mean total index, then the others
    /// summed; for first order, what is left to 1 (interactions and estimation error).
    fn bands(&self, inputs: &[InputSeries], total: bool) -> Vec<Band> {
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        order.sort_by(|&a, &b| mean(&inputs[b].2).total_cmp(&mean(&inputs[a].2)));
        let n = inputs.first().map_or(0, |i| i.1.len());
        let mut bands = Vec::new();
        let mut other = vec![0.0; n];
        let mut others = 0;
        // Inputs that never reach half a percent are not worth a colour of their own.
        let visible = |st: &[f64]| st.iter().any(|v| *v >= 0.005);
        for (rank, &i) in order.iter().enumerate() {
            let (name, s1, st) = &inputs[i];
            let values = if total { st } else { s1 };
            if rank < MAX_BANDS && visible(st) {
                bands.push(Band {
                    label: input_label(self.report, name, false),
                    color: PALETTE[rank],
                    values: values.clone(),
                });
            } else {
                others += 1;
                for (o, v) in other.iter_mut().zip(values) {
                    *o += v;
                }
            }
        }
        if others > 0 && other.iter().any(|v| *v >= 0.005) {
            bands.push(Band {
                label: format!("{others} other input{}", if others == 1 { "" } else { "s" }),
                color: GREY,
                values: other,
            });
        }
        bands
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_panel<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        t: &[f64],
        bands: &[Band],
        rest: Option<&[f64]>,
        caption: &str,
        x_labels: bool,
        y_max: f64,
        y_desc: &str,
    ) -> Result<()> {
        let (t0, t1) = (t[0], t[t.len() - 1] + 1.0 / 12.0);
        let x = Axis::new((t0, t1), Scale::Month, "", 8);
        let x = if x_labels { x } else { x.unlabelled() };
        let y = Axis::new((0.0, y_max), Scale::Percent, y_desc, 5);
        let mut chart = build_chart(
            area,
            &x,
            &y,
            Some(Caption {
                text: caption,
                color: INK,
                lines: 1,
                size: crate::plot::theme::size::PANEL,
            }),
        )?;
        let mut lower = vec![0.0; t.len()];
        // Each month's value spans the month: steps, not slopes, so a month reads as one value.
        let edges = |k: usize| (t[k], t[k] + 1.0 / 12.0);
        let mut draw_band = |values: &[f64], color: RGBColor, opacity: f64| -> Result<()> {
            let upper: Vec<f64> = lower.iter().zip(values).map(|(l, v)| l + v).collect();
            let mut poly = Vec::with_capacity(4 * t.len());
            for (k, &u) in upper.iter().enumerate() {
                let (a, b) = edges(k);
                poly.push((a, u));
                poly.push((b, u));
            }
            for (k, &l) in lower.iter().enumerate().rev() {
                let (a, b) = edges(k);
                poly.push((b, l));
                poly.push((a, l));
            }
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(opacity).filled(),
                )))
                .drawing("a band")?;
            lower = upper;
            Ok(())
        };
        for band in bands {
            draw_band(&band.values, band.color, 0.9)?;
        }
        if let Some(rest) = rest {
            draw_band(rest, GREY, 0.25)?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(t0, 1.0), (t1, 1.0)],
                12,
                8,
                REFERENCE.stroke_width(2),
            ))
            .drawing("the 100% line")?;
        Ok(())
    }
}

impl Chart for OverTimeChart<'_> {
    fn stem(&self) -> String {
        format!("sobol-time-{}", self.series.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.report;
        let s = self.series;
        let (t, inputs) = self.table();
        let first = self.bands(&inputs, false);
        let totals = self.bands(&inputs, true);
        let n = t.len();
        let stacked = |bands: &[Band], k: usize| bands.iter().map(|b| b.values[k]).sum::<f64>();
        // Months in which the series varies: there the first-order bands leave a rest to 100%.
        let varies: Vec<bool> = (0..n)
            .map(|k| inputs.iter().any(|i| i.2[k] > 0.0))
            .collect();
        let rest: Vec<f64> = (0..n)
            .map(|k| {
                if varies[k] {
                    (1.0 - stacked(&first, k)).max(0.0)
                } else {
                    0.0
                }
            })
            .collect();
        let mut legend: Vec<LegendItem> = totals
            .iter()
            .map(|b| {
                LegendItem::new(
                    Swatch::Band {
                        color: b.color,
                        opacity: 0.9,
                    },
                    b.label.clone(),
                )
            })
            .collect();
        legend.push(LegendItem::new(
            Swatch::Band {
                color: GREY,
                opacity: 0.25,
            },
            "not explained by any input alone",
        ));
        let m = &r.manifest;
        let what = format!(
            "N = {} base samples · blank where the series does not vary yet",
            thousands(m.samples as u64)
        );
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "{}: what drives it, month by month (Sobol' indices)",
                    outcome_name(s)
                ),
                subtitle: subtitle(r, &what),
                legend,
                source: source_line(r),
            },
        )?;
        if n == 0 {
            return Ok(());
        }
        let (_, h) = area.dim_in_pixel();
        let (top, bottom) = area.split_vertically(h as i32 * 47 / 100);
        let bottom = bottom.margin(14, 0, 0, 0);
        let st_max = (0..n)
            .map(|k| stacked(&totals, k))
            .fold(1.0, f64::max)
            .min(4.0);
        // `bands` orders both panels by mean total index, so colours match.
        Self::draw_panel(
            &top,
            &t,
            &first,
            Some(&rest),
            "First order: share of the variance each input explains alone (stacked; the rest is interactions)",
            false,
            (0..n)
                .map(|k| stacked(&first, k) + rest[k])
                .fold(1.0, f64::max)
                .min(2.0)
                * 1.05,
            "share of variance",
        )?;
        Self::draw_panel(
            &bottom,
            &t,
            &totals,
            None,
            "Total: each input alone and through interactions (stacked; above 100% where inputs interact)",
            true,
            st_max * 1.05,
            "share of variance",
        )?;
        Ok(())
    }
}

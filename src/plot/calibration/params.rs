//! What the figures taught about each param: its posterior within its prior.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::CalibrationResults;
use crate::output::format::{human, percent};
use crate::output::schema::calibration::ParamSummary;
use crate::plot::theme::{
    Axis, Chart, DrawResult, Frame, INK, LegendItem, PALETTE, SIZE, Scale, Swatch, build_chart,
    draw_frame, size, text_at, text_width,
};

const POSTERIOR: RGBColor = PALETTE[0];
const PRIOR: RGBColor = RGBColor(150, 150, 150);

/// Pixels per param row.
const ROW: u32 = 34;

/// The posterior of each sampled param on the scale of its prior's percentiles.
pub struct ParamsChart<'a> {
    results: &'a CalibrationResults,
}

impl<'a> ParamsChart<'a> {
    /// The chart of a calibration.
    pub fn new(results: &'a CalibrationResults) -> ParamsChart<'a> {
        ParamsChart { results }
    }

    /// Sampled params, most narrowed first.
    fn rows(&self) -> Vec<&'a ParamSummary> {
        let mut rows: Vec<&ParamSummary> = self
            .results
            .file
            .params
            .iter()
            .filter(|p| p.informed)
            .collect();
        rows.sort_by(|a, b| b.learned.total_cmp(&a.learned));
        rows
    }
}

fn range(p: &ParamSummary, prior: bool) -> String {
    let (a, b) = if prior {
        (p.prior_p05, p.prior_p95)
    } else {
        (p.posterior_p05, p.posterior_p95)
    };
    format!("{} – {}", human(a, 3), human(b, 3))
}

impl Chart for ParamsChart<'_> {
    fn stem(&self) -> String {
        "calibration-params".into()
    }

    fn size(&self) -> (u32, u32) {
        let n = self.rows().len() as u32;
        (SIZE.0, SIZE.1.max(380 + n * ROW))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let rows = self.rows();
        let n = rows.len();
        let others = r.file.params.len() - n;
        let mut subtitle = r.subtitle();
        if others > 0 {
            subtitle.push_str(&format!(
                " · {others} more params cannot change a fitted figure and keep their priors"
            ));
        }
        let frame = Frame {
            title: "What the reported figures taught: each param's posterior within its prior, most moved or narrowed first".into(),
            subtitle,
            legend: vec![
                LegendItem::new(
                    Swatch::Band {
                        color: PRIOR,
                        opacity: 0.35,
                    },
                    "prior 90% range (its 5th to 95th percentile)",
                ),
                LegendItem::new(Swatch::line(POSTERIOR, 8), "posterior 90% range"),
                LegendItem::new(Swatch::dot(POSTERIOR), "posterior median"),
            ],
            source: r.source_line(),
        };
        let area = draw_frame(root, &frame)?;
        let cells: Vec<[String; 3]> = rows
            .iter()
            .map(|p| {
                [
                    range(p, true),
                    range(p, false),
                    percent(p.narrowing.max(0.0)),
                ]
            })
            .collect();
        let headers = ["prior 90%", "posterior 90%", "narrower"];
        let gap = 28;
        let widths: Vec<i32> = (0..3)
            .map(|c| {
                cells
                    .iter()
                    .map(|row| text_width(&area, &row[c], size::TICK))
                    .chain(std::iter::once(text_width(&area, headers[c], size::PANEL)))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let table_w: i32 = widths.iter().map(|w| w + gap).sum::<i32>() + 8;
        let (w, h) = area.dim_in_pixel();
        let plot_area = area.margin(0, 0, 0, table_w);
        let table_area = area
            .clone()
            .shrink(((w as i32 - table_w).max(0), 0), (table_w.max(1) as u32, h));
        let x = Axis::new((0.0, 1.0), Scale::Percent, "percentile of the prior", 6);
        let labels: Vec<String> = rows.iter().rev().map(|p| p.name.clone()).collect();
        let y = Axis::categories(labels, "");
        let caption = "where the posterior lies in the prior";
        let mut chart = build_chart(
            &plot_area,
            &x,
            &y,
            Some(crate::plot::theme::Caption {
                text: caption,
                color: INK,
                lines: 1,
                size: crate::plot::theme::size::PANEL,
            }),
        )?;
        for (k, p) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.05, yk - 0.32), (0.95, yk + 0.32)],
                    PRIOR.mix(0.35).filled(),
                )))
                .drawing("a prior range")?;
            let [a, m, b] = p.prior_cdf;
            if a.is_finite() && b.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(a, yk), (b, yk)],
                        POSTERIOR.stroke_width(8),
                    )))
                    .drawing("a posterior range")?;
            }
            if m.is_finite() {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((m, yk))
                            + Circle::new((0, 0), 9, WHITE.filled())
                            + Circle::new((0, 0), 7, POSTERIOR.filled()),
                    ))
                    .drawing("a posterior median")?;
            }
        }
        let base_y = table_area.get_base_pixel().1;
        let mut x0 = gap;
        for c in 0..3 {
            let right = c == 2;
            let (hx, hpos) = if right {
                (x0 + widths[c], HPos::Right)
            } else {
                (x0, HPos::Left)
            };
            table_area
                .draw(&Text::new(
                    headers[c].to_string(),
                    (hx, 0),
                    text_at(size::PANEL, &INK, hpos, VPos::Top),
                ))
                .drawing("the table")?;
            for (k, row) in cells.iter().enumerate() {
                let yk = (n - 1 - k) as f64;
                let py = chart.backend_coord(&(0.0, yk)).1 - base_y;
                table_area
                    .draw(&Text::new(
                        row[c].clone(),
                        (hx, py),
                        text_at(size::TICK, &INK, hpos, VPos::Center),
                    ))
                    .drawing("the table")?;
            }
            x0 += widths[c] + gap;
        }
        Ok(())
    }
}

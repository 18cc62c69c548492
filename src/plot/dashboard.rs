//! The one-page dashboard: the scenario's key outcomes side by side, for a single slide.
//!
//! Each outcome is a small dot-interval panel (see [`super::compare`]) with the bundles in the
//! same order in every panel, so a reader can follow one bundle across outcomes. The outcomes
//! are the scenario's `[charts] dashboard` list, or the first four charted outcomes.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::{PanelLabels, draw_intervals, interval_rows, row_axis, value_desc};
use super::read::{Results, label_of, outcome_label};
use super::theme::{
    self, Chart, Frame, INK, LegendItem, REFERENCE, Scale, Swatch, draw_frame, grid,
};

/// The dashboard of a results folder.
pub struct Dashboard<'a> {
    results: &'a Results,
    outcomes: Vec<String>,
}

impl<'a> Dashboard<'a> {
    /// A dashboard of `outcomes` (names; unknown names are skipped).
    pub fn new(results: &'a Results, outcomes: &[String]) -> Dashboard<'a> {
        Dashboard {
            results,
            outcomes: outcomes.to_vec(),
        }
    }
}

impl Chart for Dashboard<'_> {
    fn stem(&self) -> String {
        "dashboard".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let outcomes: Vec<_> = self
            .outcomes
            .iter()
            .filter_map(|name| r.outcome(name))
            .collect();
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| b.name == r.reference())
            .map(|(_, b)| label_of(&b));
        let mut legend = vec![
            LegendItem::new(Swatch::Dot { color: INK }, "median (probability)"),
            LegendItem::new(
                Swatch::Line {
                    color: INK,
                    width: 12,
                    dashed: false,
                },
                "50% of runs",
            ),
            LegendItem::new(
                Swatch::Line {
                    color: INK,
                    width: 3,
                    dashed: false,
                },
                "90% of runs (95% interval)",
            ),
        ];
        if let Some(reference) = reference {
            legend.push(LegendItem::new(
                Swatch::Line {
                    color: REFERENCE,
                    width: 3,
                    dashed: true,
                },
                format!("median of {reference} (reference)"),
            ));
        }
        let area = draw_frame(
            root,
            &Frame {
                title: "Key outcomes by policy bundle".to_string(),
                subtitle: r.subtitle(),
                legend,
                source: r.source_line(),
            },
        )?;
        let (rows, cols) = grid(outcomes.len());
        // Every panel has the same rows (bundles in run order), so only the first column names
        // them; it is wider by the names so that all plots have the same width.
        let Some(first) = outcomes.first() else {
            return Ok(());
        };
        let names = row_axis(&interval_rows(r, first, false));
        let names_w = theme::left_width(&area, &names) - 8;
        let (w, h) = area.dim_in_pixel();
        let (gap_x, gap_y) = (40, 22);
        let panel_w = (w as i32 - names_w - gap_x * (cols as i32 - 1)) / cols as i32;
        let panel_h = (h as i32 - gap_y * (rows as i32 - 1)) / rows as i32;
        let xs: Vec<i32> = (1..cols as i32)
            .map(|c| names_w + c * (panel_w + gap_x))
            .collect();
        let ys: Vec<i32> = (1..rows as i32).map(|k| k * (panel_h + gap_y)).collect();
        let panels: Vec<_> = area
            .split_by_breakpoints(xs, ys)
            .into_iter()
            .enumerate()
            .map(|(k, panel)| {
                let (row, col) = (k / cols, k % cols);
                panel.margin(
                    0,
                    if row + 1 < rows { gap_y } else { 0 },
                    0,
                    if col + 1 < cols { gap_x } else { 0 },
                )
            })
            .collect();
        let captions: Vec<String> = outcomes
            .iter()
            .map(|o| {
                r.custom_title(&o.name)
                    .map_or_else(|| outcome_label(o), str::to_string)
            })
            .collect();
        let lines = captions
            .iter()
            .zip(&panels)
            .enumerate()
            .map(|(k, (c, panel))| {
                let y = if k % cols == 0 {
                    names.clone()
                } else {
                    names.clone().unlabelled()
                };
                theme::caption_lines(panel, &y, c).len()
            })
            .max()
            .unwrap_or(1);
        for (k, ((o, panel), caption)) in outcomes.iter().zip(&panels).zip(&captions).enumerate() {
            let rows = interval_rows(r, o, false);
            draw_intervals(
                panel,
                &rows,
                PanelLabels {
                    scale: Scale::of_unit(&o.unit),
                    x_desc: &value_desc(o),
                    caption: Some((caption, lines)),
                    x_ticks: if cols > 2 { 4 } else { 5 },
                    row_names: k % cols == 0,
                },
            )?;
        }
        Ok(())
    }
}

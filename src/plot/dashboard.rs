//! The one-page dashboard: the scenario's key outcomes side by side, for a single slide.
//!
//! Each outcome is a small dot-interval panel (see [`super::compare`]) with the bundles in the
//! same order in every panel, so a reader can follow one bundle across outcomes. The outcomes
//! are the scenario's `[charts] dashboard` list, or the first four charted outcomes.
//!
//! The layout follows the number of bundles: each bundle's row is as tall as a line of its
//! label (plus air), panels sit as many to a row as leave each plot readable, and the canvas
//! grows taller than 900 px when the rows need it (it stays 1600 px wide).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::{PanelLabels, draw_intervals, interval_rows, row_axis, value_desc};
use super::read::{Results, label_of, outcome_label};
use super::theme::{
    self, Chart, Frame, INK, LegendItem, SIZE, Scale, Swatch, draw_frame, frame_insets,
    line_height, size,
};
use crate::output::schema::{OutcomeInfo, OutcomeKind};

/// Height of one bundle's row in a panel, pixels: a line of tick labels and air.
const ROW_H: i32 = 36;
/// Narrowest panel (plot and value labels, without the row names), pixels.
const MIN_PANEL_W: i32 = 330;
/// Gaps between panels, pixels.
const GAP_X: i32 = 40;
const GAP_Y: i32 = 26;

/// The dashboard of a results folder.
pub struct Dashboard<'a> {
    results: &'a Results,
    outcomes: Vec<String>,
}

/// Where the panels go.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layout {
    /// Panel rows and columns.
    rows: usize,
    cols: usize,
    /// Width of the bundle names left of the first column, pixels.
    names_w: i32,
    /// Width of each panel right of the names, pixels.
    panel_w: i32,
    /// Lines the panel titles of each row of panels reserve (the most any of them needs).
    caption_lines: Vec<usize>,
    /// Height of each row of panels, pixels.
    panel_h: Vec<i32>,
    /// Canvas height, pixels.
    height: u32,
}

impl<'a> Dashboard<'a> {
    /// A dashboard of `outcomes` (names; unknown names are skipped).
    pub fn new(results: &'a Results, outcomes: &[String]) -> Dashboard<'a> {
        Dashboard {
            results,
            outcomes: outcomes.to_vec(),
        }
    }

    fn outcomes(&self) -> Vec<&'a OutcomeInfo> {
        self.outcomes
            .iter()
            .filter_map(|name| self.results.outcome(name))
            .collect()
    }

    fn captions(&self) -> Vec<String> {
        self.outcomes()
            .iter()
            .map(|o| {
                self.results
                    .custom_title(&o.name)
                    .map_or_else(|| outcome_label(o), str::to_string)
            })
            .collect()
    }

    fn frame(&self) -> Frame {
        let r = self.results;
        let reference = r
            .bundles()
            .into_iter()
            .find(|(_, b)| b.name == r.reference())
            .map(|(_, b)| label_of(&b));
        // Spread across runs (the world's uncertainty) and the precision of a probability's
        // estimate (Monte Carlo error) are different things: each has its own legend entry,
        // named for the panels that show it (issue 14).
        let kinds: Vec<bool> = self
            .outcomes()
            .iter()
            .map(|o| o.kind == OutcomeKind::Probability)
            .collect();
        let (spread, precision) = (kinds.iter().any(|p| !p), kinds.iter().any(|p| *p));
        let mut legend = Vec::new();
        if spread {
            legend.extend([
                LegendItem::new(Swatch::dot(INK), "median"),
                LegendItem::new(Swatch::line(INK, 12), "50% of runs"),
                LegendItem::new(Swatch::line(INK, 3), "90% of runs"),
            ]);
        }
        if precision {
            legend.extend([
                LegendItem::new(Swatch::dot(INK), "probability"),
                LegendItem::new(
                    Swatch::line(INK, 3),
                    "its 95% interval (simulation precision)",
                ),
            ]);
        }
        if let Some(reference) = reference {
            let what = match (spread, precision) {
                (true, true) => "median or probability",
                (false, true) => "probability",
                _ => "median",
            };
            legend.push(LegendItem::new(
                Swatch::reference_line(),
                format!("{what} of {reference} (reference)"),
            ));
        }
        let (title, subtitle) = match r.custom_title("dashboard") {
            Some(title) => (
                title.to_string(),
                format!("Key outcomes by policy bundle · {}", r.subtitle()),
            ),
            None => ("Key outcomes by policy bundle".to_string(), r.subtitle()),
        };
        Frame {
            title,
            subtitle,
            legend,
            source: r.source_line(),
        }
    }

    /// The layout on a canvas `root` of the final width (any height).
    fn layout<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Option<Layout> {
        let outcomes = self.outcomes();
        let first = outcomes.first()?;
        let rows_n = interval_rows(self.results, first, false).len().max(1) as i32;
        let (top, bottom) = frame_insets(root, &self.frame());
        // The area draw_frame leaves: margins of MARGIN / 2 left and MARGIN + 12 right.
        let width = root.dim_in_pixel().0 as i32 - theme::MARGIN / 2 - (theme::MARGIN + 12);
        let names = row_axis(&interval_rows(self.results, first, false));
        let names_w = theme::left_width(root, &names) - 8;
        let m = outcomes.len();
        // As many panels to a row as stay at least MIN_PANEL_W wide, then balanced over rows.
        let fit = ((width - names_w + GAP_X) / (MIN_PANEL_W + GAP_X)).max(1) as usize;
        let rows = m.div_ceil(fit.min(m));
        let cols = m.div_ceil(rows);
        let panel_w = (width - names_w - GAP_X * (cols as i32 - 1)) / cols as i32;
        let probe = names.clone().unlabelled();
        let panel = root.margin(0, 0, 0, (root.dim_in_pixel().0 as i32 - panel_w).max(0));
        let captions = self.captions();
        let caption_lines: Vec<usize> = captions
            .chunks(cols)
            .map(|row| {
                row.iter()
                    .map(|c| theme::caption_lines(&panel, &probe, c).len())
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        // A panel: its title, the rows (the category axis spans rows + 0.2), the x axis.
        let x_axis_h = line_height(size::TICK) + 14 + line_height(size::AXIS) + 8;
        let body = ((f64::from(rows_n) + 0.2) * f64::from(ROW_H)).round() as i32 + x_axis_h;
        let mut panel_h: Vec<i32> = caption_lines
            .iter()
            .map(|l| *l as i32 * line_height(size::PANEL) + 8 + body)
            .collect();
        let needed = top + bottom + panel_h.iter().sum::<i32>() + GAP_Y * (rows as i32 - 1);
        let height = (needed.max(0) as u32).max(SIZE.1);
        // On a canvas taller than needed, the rows of panels share the spare height.
        let spare = height as i32 - needed;
        for h in &mut panel_h {
            *h += spare / rows as i32;
        }
        Some(Layout {
            rows,
            cols,
            names_w,
            panel_w,
            caption_lines,
            panel_h,
            height,
        })
    }
}

impl Chart for Dashboard<'_> {
    fn stem(&self) -> String {
        "dashboard".into()
    }

    fn size(&self) -> (u32, u32) {
        let height = theme::measure(SIZE.0, |root| self.layout(root).map(|l| l.height));
        (SIZE.0, height.unwrap_or(SIZE.1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let outcomes = self.outcomes();
        let layout = self.layout(root);
        let area = draw_frame(root, &self.frame())?;
        let Some(Layout {
            cols,
            names_w,
            panel_w,
            caption_lines,
            panel_h,
            ..
        }) = layout
        else {
            return Ok(());
        };
        // Every panel has the same rows (bundles in run order), so only the first column names
        // them; it is wider by the names so that all plots have the same width.
        let panels: Vec<_> = (0..outcomes.len())
            .map(|k| {
                let (row, col) = (k / cols, k % cols);
                let x0 = if col == 0 {
                    0
                } else {
                    names_w + col as i32 * (panel_w + GAP_X)
                };
                let y0: i32 = panel_h[..row].iter().map(|h| h + GAP_Y).sum();
                let width = panel_w + if col == 0 { names_w } else { 0 };
                area.clone()
                    .shrink((x0, y0), (width.max(1) as u32, panel_h[row].max(1) as u32))
            })
            .collect();
        for (k, ((o, panel), caption)) in outcomes
            .iter()
            .zip(&panels)
            .zip(&self.captions())
            .enumerate()
        {
            let rows = interval_rows(r, o, false);
            draw_intervals(
                panel,
                &rows,
                PanelLabels {
                    scale: Scale::of(o.kind.value()),
                    x_desc: &value_desc(o),
                    caption: Some((caption, caption_lines[k / cols])),
                    x_ticks: if cols > 2 { 4 } else { 5 },
                    row_names: k % cols == 0,
                },
            )?;
        }
        Ok(())
    }
}

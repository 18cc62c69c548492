//! The one-page dashboard: the scenario's key outcomes side by side, for a single slide.
//!
//! Each outcome is a small dot-interval panel (see [`super::compare`]) with the bundles in the
//! same order in every panel, so a reader can follow one bundle across outcomes. The outcomes
//! are the scenario's `[charts] dashboard` list, or the first four charted outcomes.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::{draw_intervals, interval_rows, value_desc};
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
        let scenario = &r.summary.scenario;
        let name = if scenario.title.is_empty() {
            theme::humanize(&scenario.name)
        } else {
            scenario.title.clone()
        };
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
                format!("{reference} (reference)"),
            ));
        }
        let area = draw_frame(
            root,
            &Frame {
                title: format!("{name}: key outcomes by policy bundle"),
                subtitle: r.subtitle(),
                legend,
                source: r.source_line(),
            },
        )?;
        let (rows, cols) = grid(outcomes.len());
        let panels = area.split_evenly((rows, cols));
        for (k, (o, panel)) in outcomes.iter().zip(&panels).enumerate() {
            let (row, col) = (k / cols, k % cols);
            let panel = panel.margin(
                if row > 0 { 18 } else { 0 },
                0,
                0,
                if col + 1 < cols { 36 } else { 0 },
            );
            let caption = r
                .custom_title(&o.name)
                .map_or_else(|| outcome_label(o), str::to_string);
            let rows = interval_rows(r, o, false);
            draw_intervals(
                &panel,
                &rows,
                Scale::of_unit(&o.unit),
                &value_desc(o),
                Some(&caption),
                5,
            )?;
        }
        Ok(())
    }
}

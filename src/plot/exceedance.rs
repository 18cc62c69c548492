//! Exceedance curves: for each value x, the share of runs in which the outcome exceeds x, one
//! line per bundle.
//!
//! This answers the briefing question "how likely is it to be worse than X?" directly, and,
//! unlike overlaid histograms, lines for six bundles do not hide each other. The bundles drawn
//! are the scenario's `[charts] bundles`, or all. Runs without a
//! value (a `first` outcome that never happened) count as exceeding every month: "not yet by
//! then".

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::distribution::shown_range;
use super::read::{Results, label_of, outcome_label};
use super::same::drop_same;
use super::theme::{
    self, Axis, Chart, Frame, LegendItem, Scale, Swatch, build_chart, draw_frame, padded,
};
use crate::output::schema::OutcomeInfo;

/// Points per curve: enough for a smooth line at 1600 px, few enough for a small SVG.
const POINTS: usize = 400;

/// The exceedance chart of one outcome.
pub struct ExceedanceChart<'a> {
    results: &'a Results,
    outcome: &'a OutcomeInfo,
}

impl<'a> ExceedanceChart<'a> {
    /// The chart of `outcome`.
    pub fn new(results: &'a Results, outcome: &'a OutcomeInfo) -> ExceedanceChart<'a> {
        ExceedanceChart { results, outcome }
    }
}

impl Chart for ExceedanceChart<'_> {
    fn stem(&self) -> String {
        format!("exceed-{}", self.outcome.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let r = self.results;
        let o = self.outcome;
        let scale = Scale::of(o.kind.value());
        let bundles: Vec<_> = r
            .charted_bundles()
            .into_iter()
            .filter_map(|(i, b)| r.values(&b.name, &o.name).map(|v| (i, b, v)))
            .collect();
        let shown: Vec<_> = bundles.iter().map(|(i, b, _)| (*i, b.clone())).collect();
        // A bundle with the reference's values in every run is named, not drawn.
        let (bundles, same_as_reference) = drop_same(r, bundles, |b| r.same_runs(b, &o.name));
        let kind = match scale {
            Scale::Month => "chance that it has not happened by a given month",
            _ => "chance of exceeding a given value",
        };
        let (title, subtitle) = r.titles(
            &self.stem(),
            &o.name,
            &outcome_label(o),
            kind,
            r.subtitle_of(&shown),
        );
        let same = theme::coinciding(
            &bundles
                .iter()
                .map(|(_, b, v)| (*v, b.name == r.reference()))
                .collect::<Vec<_>>(),
        );
        let legend = bundles
            .iter()
            .zip(&same)
            .map(|((i, b, _), same)| {
                let mut label = label_of(b);
                if b.name == r.reference() {
                    label.push_str(" (reference)");
                }
                if let Some(j) = same {
                    label.push_str(&format!(" (same as {})", label_of(&bundles[*j].1)));
                }
                LegendItem::new(Swatch::bundle_line(r.style(*i)), label)
            })
            .chain(same_as_reference.legend_item())
            .collect();
        let area = draw_frame(
            root,
            &Frame {
                title,
                subtitle,
                legend,
                source: r.source_line(),
            },
        )?;
        let (lo, hi, clipped) = shown_range(bundles.iter().map(|(_, _, v)| *v));
        let (x0, x1) = padded(lo, hi, 0.02);
        let mut x_desc = match scale {
            Scale::Month => "month".to_string(),
            _ => o.unit.clone(),
        };
        if clipped {
            x_desc.push_str(" (middle 99% of runs shown)");
        }
        let x = Axis::new((x0, x1), scale, x_desc, 9);
        let y_desc = match scale {
            Scale::Month => "share of runs not yet happened",
            _ => "share of runs above the value",
        };
        let y = Axis::new((0.0, 1.02), Scale::Percent, y_desc, 6);
        let mut chart = build_chart(&area, &x, &y, None)?;
        let step = (x1 - x0) / POINTS as f64;
        for ((i, _, v), look) in theme::overlay(bundles, |(i, _, _)| r.style(*i)) {
            // A step function sampled finely, plus both sides of each step inside the range
            // when there are few distinct values (so steps stay vertical).
            let mut xs: Vec<f64> = (0..=POINTS).map(|k| x0 + step * k as f64).collect();
            let mut distinct = v.sorted.clone();
            distinct.dedup();
            if distinct.len() <= POINTS {
                for d in distinct.into_iter().filter(|d| *d > x0 && *d < x1) {
                    xs.push(d - step * 1e-3);
                    xs.push(d);
                }
                xs.sort_by(f64::total_cmp);
            }
            let points = xs
                .into_iter()
                .map(|x| (x, 1.0 - v.share_at_most(x)))
                .collect();
            theme::draw_line(&mut chart, points, r.style(i).color, look)?;
        }
        Ok(())
    }
}

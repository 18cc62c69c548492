//! The one-page dashboard: the scenario's key outcomes side by side, for a single slide.
//!
//! Each outcome is a small dot-interval panel (see [`super::compare`]) with the bundles in the
//! same order in every panel, so a reader can follow one bundle across outcomes. The outcomes
//! are the scenario's `[charts] dashboard` list, or the first four charted outcomes.
//!
//! The layout follows the number of bundles and outcomes: the panels fill their rows (no empty
//! cell), the dashboard stays a 16:9 slide while its rows and panels stay readable, and only
//! then grows taller than 900 px (it stays 1600 px wide). Panel titles keep to two lines: the
//! outcome's label where the scenario's chart title is too long, a smaller font where needed,
//! three lines at the smallest font rather than leaving the slide, and a layout with wider
//! panels where even that would cut a title. Probability panels share
//! one axis.

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
/// Narrowest panel when that keeps the dashboard on one 16:9 slide, pixels: four x ticks and
/// a value label still fit.
const TIGHT_PANEL_W: i32 = 200;
/// Shortest bundle row when that keeps the dashboard on one slide, pixels: a line of tick
/// labels (26 px) and a little air.
const TIGHT_ROW_H: i32 = 29;
/// Gaps between panels, pixels.
const GAP_X: i32 = 40;
const GAP_Y: i32 = 26;
/// Font sizes a row of panel titles may take, largest first: the panel title's own, then
/// smaller ones, so that narrow panels keep their titles to [`MAX_TITLE_LINES`] (five lines of
/// a long title pushed the plots down, issue 14).
const TITLE_FONTS: [u32; 3] = [size::PANEL, 26, 22];
/// Most lines of a panel title.
const MAX_TITLE_LINES: usize = 2;

/// The dashboard of a results folder.
pub struct Dashboard<'a> {
    results: &'a Results,
    outcomes: Vec<String>,
}

/// Where the panels go.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layout {
    /// Panels in each row of panels: balanced, so that no cell is left empty (5 outcomes are
    /// 3 and 2, each row filling the width).
    counts: Vec<usize>,
    /// Width of the bundle names left of the first column, pixels.
    names_w: i32,
    /// Width of the panels of each row, right of the names, pixels.
    panel_w: Vec<i32>,
    /// Lines the panel titles of each row of panels reserve (the most any of them needs).
    caption_lines: Vec<usize>,
    /// Font size of the panel titles of each row of panels.
    caption_font: Vec<u32>,
    /// Each panel's title, in outcome order.
    titles: Vec<String>,
    /// Height of each row of panels, pixels.
    panel_h: Vec<i32>,
    /// Canvas height, pixels.
    height: u32,
}

/// `m` panels in `rows` rows, as even as can be, the fuller rows first.
fn balanced(m: usize, rows: usize) -> Vec<usize> {
    let rows = rows.clamp(1, m.max(1));
    (0..rows)
        .map(|r| m / rows + usize::from(r < m % rows))
        .collect()
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

    /// The forms a panel's title may take, preferred first: the scenario's title for the
    /// outcome (`[charts.titles]`), then the outcome's label (usually shorter).
    fn title_forms(&self) -> Vec<Vec<String>> {
        self.outcomes()
            .iter()
            .map(|o| {
                let label = outcome_label(o);
                match self.results.custom_title(&o.name) {
                    Some(title) if title != label => vec![title.to_string(), label],
                    _ => vec![label],
                }
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
    ///
    /// A 16:9 slide when it can be: of the ways to put the panels in rows (balanced, no empty
    /// cell), those whose panels stay at least [`TIGHT_PANEL_W`] wide, whose bundle rows at
    /// least [`TIGHT_ROW_H`] tall on 900 px, and whose titles fit in [`MAX_TITLE_LINES`] uncut; of these the one whose narrowest panel and bundle
    /// row are most generous against [`MIN_PANEL_W`] and [`ROW_H`]. When none fits (many
    /// bundles), rows of [`ROW_H`] on a taller canvas, panels at least [`MIN_PANEL_W`] wide.
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
        let probe = names.clone().unlabelled();
        let forms = self.title_forms();
        let x_axis_h = line_height(size::TICK) + 14 + line_height(size::AXIS) + 8;
        // The panel widths, titles (their lines and font per row of panels, the text per
        // panel) and fixed heights (title, x axis) of a split.
        let shape = |counts: &[usize]| {
            let mut start = 0;
            let mut widths = Vec::new();
            let mut lines = Vec::new();
            let mut fonts = Vec::new();
            let mut titles = Vec::new();
            let mut cut = false;
            for &c in counts {
                let w = (width - names_w - GAP_X * (c as i32 - 1)) / c as i32;
                let panel = root.margin(0, 0, 0, (root.dim_in_pixel().0 as i32 - w).max(0));
                let (font, texts, row_cut) = row_titles(&panel, &probe, &forms[start..start + c]);
                cut |= row_cut;
                let l = texts
                    .iter()
                    .map(|t| theme::caption_lines_at(&panel, &probe, t, font).len())
                    .max()
                    .unwrap_or(1);
                widths.push(w);
                lines.push(l);
                fonts.push(font);
                titles.extend(texts);
                start += c;
            }
            let fixed: i32 = lines
                .iter()
                .zip(&fonts)
                .map(|(l, f)| *l as i32 * line_height(*f) + 8 + x_axis_h)
                .sum();
            (widths, lines, fonts, titles, fixed, cut)
        };
        let slide = SIZE.1 as i32;
        let mut best: Option<(f64, Vec<usize>, i32)> = None;
        for rows in 1..=m {
            let counts = balanced(m, rows);
            let (widths, _, _, _, fixed, cut) = shape(&counts);
            let narrowest = widths.iter().copied().min().unwrap_or(0);
            let free = slide - top - bottom - GAP_Y * (rows as i32 - 1) - fixed;
            let row_h = (f64::from(free) / (rows as f64 * (f64::from(rows_n) + 0.2))) as i32;
            // A title cut short is a panel that cannot be read: rather a taller canvas.
            if narrowest < TIGHT_PANEL_W || row_h < TIGHT_ROW_H || cut {
                continue;
            }
            let score = (f64::from(narrowest) / f64::from(MIN_PANEL_W))
                .min(f64::from(row_h) / f64::from(ROW_H));
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                best = Some((score, counts, row_h.min(ROW_H)));
            }
        }
        let (counts, row_h) = match best {
            Some((_, counts, row_h)) => (counts, row_h),
            None => {
                let fit = ((width - names_w + GAP_X) / (MIN_PANEL_W + GAP_X)).max(1) as usize;
                (balanced(m, m.div_ceil(fit.min(m))), ROW_H)
            }
        };
        let (panel_w, caption_lines, caption_font, titles, _, _) = shape(&counts);
        // A panel: its title, the rows (the category axis spans rows + 0.2), the x axis.
        let body = ((f64::from(rows_n) + 0.2) * f64::from(row_h)).round() as i32 + x_axis_h;
        let mut panel_h: Vec<i32> = caption_lines
            .iter()
            .zip(&caption_font)
            .map(|(l, f)| *l as i32 * line_height(*f) + 8 + body)
            .collect();
        let rows = counts.len() as i32;
        let needed = top + bottom + panel_h.iter().sum::<i32>() + GAP_Y * (rows - 1);
        let height = (needed.max(0) as u32).max(SIZE.1);
        // On a canvas taller than needed, the rows of panels share the spare height.
        let spare = height as i32 - needed;
        for h in &mut panel_h {
            *h += spare / rows;
        }
        Some(Layout {
            counts,
            names_w,
            panel_w,
            caption_lines,
            caption_font,
            titles,
            panel_h,
            height,
        })
    }
}

/// The font and titles of one row of panels on `panel`-wide areas: the largest font of
/// [`TITLE_FONTS`] at which every panel has a form of its title (the first of its `forms`
/// that fits) in at most [`MAX_TITLE_LINES`] lines. When none does, the smallest font, and
/// titles that do not fit are cut at a word with an ellipsis (the last value: whether any was).
fn row_titles<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    probe: &theme::Axis,
    forms: &[Vec<String>],
) -> (u32, Vec<String>, bool) {
    let lines = |t: &str, font: u32| theme::caption_lines_at(panel, probe, t, font).len();
    for font in TITLE_FONTS {
        let fitted: Option<Vec<String>> = forms
            .iter()
            .map(|f| {
                f.iter()
                    .find(|t| lines(t, font) <= MAX_TITLE_LINES)
                    .cloned()
            })
            .collect();
        if let Some(titles) = fitted {
            return (font, titles, false);
        }
    }
    let font = TITLE_FONTS[TITLE_FONTS.len() - 1];
    // Rather a third line at the smallest font than a dashboard taller than a 16:9 slide.
    let third: Option<Vec<String>> = forms
        .iter()
        .map(|f| {
            f.iter()
                .find(|t| lines(t, font) <= MAX_TITLE_LINES + 1)
                .cloned()
        })
        .collect();
    if let Some(titles) = third {
        return (font, titles, false);
    }
    let titles = forms
        .iter()
        .map(|f| {
            if let Some(t) = f.iter().find(|t| lines(t, font) <= MAX_TITLE_LINES) {
                return t.clone();
            }
            // The shortest form, cut.
            let short = f
                .iter()
                .min_by_key(|t| t.chars().count())
                .cloned()
                .unwrap_or_default();
            let words: Vec<&str> = short.split(' ').collect();
            (1..words.len())
                .rev()
                .map(|k| {
                    format!(
                        "{}…",
                        words[..k].join(" ").trim_end_matches([',', ';', ':'])
                    )
                })
                .find(|t| lines(t, font) <= MAX_TITLE_LINES)
                .unwrap_or(short)
        })
        .collect();
    (font, titles, true)
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
            counts,
            names_w,
            panel_w,
            caption_lines,
            caption_font,
            titles,
            panel_h,
            ..
        }) = layout
        else {
            return Ok(());
        };
        // Every probability panel shares one axis, so that 5% is as far from 0 in each.
        let probability = |o: &OutcomeInfo| o.kind == OutcomeKind::Probability;
        let shared = outcomes
            .iter()
            .filter(|o| probability(o))
            .flat_map(|o| interval_rows(r, o, false))
            .flat_map(|row| [row.outer.0, row.outer.1, row.center])
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
            });
        // Every panel has the same rows (bundles in run order), so only the first panel of
        // each row names them; it is wider by the names so that the plots of a row have the
        // same width.
        let mut k = 0;
        let mut y0 = 0;
        for (row, &count) in counts.iter().enumerate() {
            let w = panel_w[row];
            for col in 0..count {
                let o = outcomes[k];
                let x0 = if col == 0 {
                    0
                } else {
                    names_w + col as i32 * (w + GAP_X)
                };
                let width = w + if col == 0 { names_w } else { 0 };
                let panel = area
                    .clone()
                    .shrink((x0, y0), (width.max(1) as u32, panel_h[row].max(1) as u32));
                let rows = interval_rows(r, o, false);
                draw_intervals(
                    &panel,
                    &rows,
                    PanelLabels {
                        scale: Scale::of(o.kind.value()),
                        x_desc: &value_desc(o),
                        caption: Some((&titles[k], caption_lines[row], caption_font[row])),
                        x_ticks: if count > 2 { 4 } else { 5 },
                        row_names: col == 0,
                        range: if probability(o) { shared } else { None },
                    },
                )?;
                k += 1;
            }
            y0 += panel_h[row] + GAP_Y;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn titles_keep_to_two_lines() {
        theme::register_fonts().unwrap();
        let long = "Probability of an operational nuclear-powered submarine by 2030";
        let label = "Operational nuclear-powered submarine by 2030";
        theme::measure(SIZE.0, |root| {
            let probe = theme::Axis::new((0.0, 1.0), Scale::Number, "", 3).unlabelled();
            let panel = |w: i32| root.margin(0, 0, 0, SIZE.0 as i32 - w);
            let forms = vec![vec![long.to_string(), label.to_string()]];
            // Wide: the chart title, at the panel title's size.
            let (font, titles, cut) = row_titles(&panel(900), &probe, &forms);
            assert_eq!((font, titles[0].as_str(), cut), (size::PANEL, long, false));
            // Narrower: the label, then smaller type, then a third line; cut only after that.
            let mut seen = Vec::new();
            for w in [560, 420, 330, 280, 240, 200, 160] {
                let (font, titles, cut) = row_titles(&panel(w), &probe, &forms);
                let lines = theme::caption_lines_at(&panel(w), &probe, &titles[0], font).len();
                // Two lines, or three at the smallest font before anything is cut.
                let smallest = TITLE_FONTS[TITLE_FONTS.len() - 1];
                assert!(
                    lines <= MAX_TITLE_LINES || (font == smallest && lines == MAX_TITLE_LINES + 1),
                    "{w}: {titles:?} in {lines} lines at {font}"
                );
                assert_eq!(cut, titles[0].ends_with('…'), "{w}: {titles:?}");
                seen.push((font, titles[0].clone()));
            }
            assert!(seen.iter().any(|(_, t)| t == label), "{seen:?}");
            assert!(seen.iter().any(|(f, _)| *f < size::PANEL), "{seen:?}");
            // The narrowest cuts at a word.
            let last = &seen[seen.len() - 1].1;
            assert!(last.ends_with('…') && label.starts_with(last.trim_end_matches('…')));
        });
    }

    #[test]
    fn panels_fill_their_rows() {
        assert_eq!(balanced(5, 2), [3, 2]);
        assert_eq!(balanced(4, 2), [2, 2]);
        assert_eq!(balanced(7, 2), [4, 3]);
        assert_eq!(balanced(5, 1), [5]);
        assert_eq!(balanced(3, 9), [1, 1, 1]);
        for m in 1..12 {
            for rows in 1..=m {
                let counts = balanced(m, rows);
                assert_eq!(counts.iter().sum::<usize>(), m);
                assert!(counts.iter().all(|c| *c >= 1));
                assert!(counts.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1));
            }
        }
    }
}

//! Charts of a folder of `leversim discover`: drawn from `discovery.json` and `discovery.csv`
//! only, so that `leversim plot DIR` redraws them.
//!
//! | file | chart |
//! |---|---|
//! | `discover-tradeoff` | PRIM's peeling trajectory, coverage against density, the chosen box marked and the base rate drawn (PRIM only) |
//! | `discover-limits` | each input the first box restricts: its range in the box against its full range |
//! | `discover-scatter` | the runs on the two inputs the first box restricts most significantly, coloured by the condition, with the box drawn |

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::read::{source_line, thousands};
use super::theme::{
    self, Axis, Chart, Frame, INK, LegendItem, MUTED, PALETTE, Scale, Swatch, build_chart,
    draw_frame, padded, size, text,
};
use crate::output::folder::{MAX_CSV_BYTES, MAX_JSON_BYTES, open_bounded, read_bounded};
use crate::output::format::{human, percent};
use crate::output::schema::{
    DISCOVERY_COLUMNS, DiscoveryFile, DiscoveryInput, InputKind, LimitRecord,
};

/// Most runs drawn in the scatter: beyond this the points only hide each other and the SVG
/// grows past what a slide tool opens quickly. A fixed stride keeps the choice reproducible.
const MAX_POINTS: usize = 6000;

/// Colour of runs where the condition holds (Okabe & Ito vermillion) and where it does not
/// (their blue): told apart by readers with any common colour-vision deficiency.
const HOLDS: RGBColor = PALETTE[1];
const NOT_HOLDS: RGBColor = PALETTE[0];

/// Reads `discovery.json` and `discovery.csv` of `dir` and draws its charts into
/// `dir/charts/`; returns the files written.
///
/// # Errors
/// When a file cannot be read or a chart cannot be drawn or written.
pub fn render_discovery(dir: &Path) -> Result<Vec<PathBuf>> {
    let file = read_discovery(dir)?;
    let runs = read_runs(&dir.join("discovery.csv"))?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("could not create '{}'", charts.display()))?;
    let mut files = Vec::new();
    if !file.trajectory.is_empty() {
        files.extend(theme::save(&TradeoffChart { file: &file }, &charts)?);
    }
    if file.boxes.first().is_some_and(|b| !b.limits.is_empty()) {
        files.extend(theme::save(&LimitsChart { file: &file }, &charts)?);
    }
    if let Some(scatter) = ScatterChart::new(&file, &runs) {
        files.extend(theme::save(&scatter, &charts)?);
    }
    Ok(files)
}

/// `discovery.json` of the folder `dir`.
///
/// # Errors
/// When it is missing, unreadable or not a discovery.
pub fn read_discovery(dir: &Path) -> Result<DiscoveryFile> {
    let path = dir.join("discovery.json");
    let text = read_bounded(&path, MAX_JSON_BYTES)?;
    serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a leversim discovery", path.display()))
}

/// `discovery.csv` in memory: the condition per run and the restricted inputs' values.
struct Runs {
    condition: Vec<bool>,
    columns: Vec<(String, Vec<f64>)>,
}

fn read_runs(path: &Path) -> Result<Runs> {
    let file = open_bounded(path, MAX_CSV_BYTES)?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("could not read '{}'", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < DISCOVERY_COLUMNS.len()
        || header[..DISCOVERY_COLUMNS.len()] != DISCOVERY_COLUMNS
    {
        bail!(
            "'{}' does not start with the columns {}",
            path.display(),
            DISCOVERY_COLUMNS.join(",")
        );
    }
    let first = DISCOVERY_COLUMNS.len();
    let mut runs = Runs {
        condition: Vec::new(),
        columns: header[first..]
            .iter()
            .map(|h| (h.clone(), Vec::new()))
            .collect(),
    };
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("could not read '{}'", path.display()))?;
        runs.condition.push(&record[3] == "1");
        for (k, (_, column)) in runs.columns.iter_mut().enumerate() {
            let cell = record.get(first + k).unwrap_or("");
            column.push(cell.parse().with_context(|| {
                format!(
                    "'{}' line {}: `{cell}` is not a number",
                    path.display(),
                    i + 2
                )
            })?);
        }
    }
    Ok(runs)
}

/// Subtitle: scenario, the runs analysed, seed.
fn subtitle(file: &DiscoveryFile) -> String {
    let t = &file.target;
    let which = match (&t.bundle, &t.versus) {
        (Some(b), Some(r)) => format!("{b} vs {r}, paired runs"),
        (Some(b), None) => format!("bundle {b}"),
        (None, _) => "every bundle pooled".into(),
    };
    format!(
        "{} · {which} · {} runs · condition holds in {} of them ({}) · seed {}",
        file.manifest.title,
        thousands(t.runs),
        thousands(t.of_interest),
        percent(file.base_rate),
        file.manifest.provenance.seed
    )
}

fn source(file: &DiscoveryFile) -> String {
    let what = format!("{} scenario discovery", file.manifest.method.to_uppercase());
    source_line(&file.manifest.provenance, &what, &file.manifest.source)
}

/// An input's name for people.
fn input_label(input: &DiscoveryInput) -> String {
    let base = if input.label.is_empty() || input.label == input.name {
        super::theme::humanize(&input.name)
    } else {
        input.label.clone()
    };
    let base = if input.kind == InputKind::Lever {
        format!("{base} (lever)")
    } else {
        base
    };
    if input.unit.is_empty() {
        base
    } else {
        format!("{base}, {}", input.unit)
    }
}

fn input<'a>(file: &'a DiscoveryFile, name: &str) -> Option<&'a DiscoveryInput> {
    file.manifest.inputs.iter().find(|i| i.name == name)
}

/// The coverage–density trade-off of the first box's trajectory.
struct TradeoffChart<'a> {
    file: &'a DiscoveryFile,
}

impl Chart for TradeoffChart<'_> {
    fn stem(&self) -> String {
        "discover-tradeoff".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let f = self.file;
        let chosen = f.boxes.first();
        let legend = vec![
            LegendItem::new(
                Swatch::dot(NOT_HOLDS),
                format!(
                    "a box on PRIM's path, from all runs to smaller boxes ({} of a box's runs peeled per step)",
                    percent(f.manifest.peel_alpha)
                ),
            ),
            LegendItem::new(Swatch::dot(HOLDS), "the box chosen"),
            LegendItem::new(
                Swatch::line(theme::REFERENCE, 3),
                "share of all runs where the condition holds",
            ),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "Where {}: the more runs of interest a box covers, the less dense they are in it",
                    f.target.description
                ),
                subtitle: subtitle(f),
                legend,
                source: source(f),
            },
        )?;
        let x = Axis::new(
            (0.0, 1.02),
            Scale::Percent,
            "coverage: share of the runs where the condition holds that fall in the box",
            6,
        );
        let y = Axis::new(
            (0.0, 1.02),
            Scale::Percent,
            "density: share of the box's runs where it holds",
            6,
        );
        let mut chart = build_chart(&area, &x, &y, None)?;
        let points: Vec<(f64, f64)> = f
            .trajectory
            .iter()
            .map(|p| (p.coverage, p.density))
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, f.base_rate), (1.02, f.base_rate)],
                theme::REFERENCE.stroke_width(3),
            )))
            .map_err(|e| anyhow::anyhow!("could not draw the base rate: {e}"))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                points.clone(),
                NOT_HOLDS.mix(0.5).stroke_width(3),
            )))
            .map_err(|e| anyhow::anyhow!("could not draw the trajectory: {e}"))?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 7, NOT_HOLDS.filled())),
            )
            .map_err(|e| anyhow::anyhow!("could not draw the trajectory: {e}"))?;
        if let Some(&start) = points.first() {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(start)
                        + plotters::element::Text::new(
                            "all runs",
                            (-14, 0),
                            text(size::TICK, &MUTED).pos(Pos::new(HPos::Right, VPos::Bottom)),
                        ),
                ))
                .map_err(|e| anyhow::anyhow!("could not label the start: {e}"))?;
        }
        if let Some(b) = chosen {
            let at = (b.coverage, b.density);
            chart
                .draw_series([
                    Circle::new(at, 16, HOLDS.stroke_width(5)),
                    Circle::new(at, 8, HOLDS.filled()),
                ])
                .map_err(|e| anyhow::anyhow!("could not mark the chosen box: {e}"))?;
            let note = format!(
                "chosen: covers {} of the runs of interest, {} dense, {} input{} restricted",
                percent(b.coverage),
                percent(b.density),
                b.limits.len(),
                if b.limits.len() == 1 { "" } else { "s" }
            );
            // Written to the left of the mark when it sits in the right half, and under it
            // when it sits high, so that the note stays inside the plot.
            let (h, dx) = if b.coverage > 0.5 {
                (HPos::Right, -22)
            } else {
                (HPos::Left, 22)
            };
            let (v, dy) = if b.density > 0.6 {
                (VPos::Top, 22)
            } else {
                (VPos::Bottom, -20)
            };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + plotters::element::Text::new(
                            note,
                            (dx, dy),
                            text(size::LEGEND, &INK).pos(Pos::new(h, v)),
                        ),
                ))
                .map_err(|e| anyhow::anyhow!("could not label the chosen box: {e}"))?;
        }
        Ok(())
    }
}

/// Each restricted input's range in the box against its full range.
struct LimitsChart<'a> {
    file: &'a DiscoveryFile,
}

impl Chart for LimitsChart<'_> {
    fn stem(&self) -> String {
        "discover-limits".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let f = self.file;
        let Some(b) = f.boxes.first() else {
            return Ok(());
        };
        let rows: Vec<(&LimitRecord, &DiscoveryInput)> = b
            .limits
            .iter()
            .filter_map(|l| input(f, &l.input).map(|i| (l, i)))
            .collect();
        let legend = vec![
            LegendItem::new(
                Swatch::line(RGBColor(215, 215, 215), 14),
                "full range of the input in the runs",
            ),
            LegendItem::new(Swatch::line(HOLDS, 14), "range inside the box"),
        ];
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "Box 1: the inputs that set apart the runs where {}",
                    f.target.description
                ),
                subtitle: format!(
                    "covers {} of those runs; {} of the runs in the box meet the condition (against {} of all runs); quasi-p beside each input",
                    percent(b.coverage),
                    percent(b.density),
                    percent(f.base_rate)
                ),
                legend,
                source: source(f),
            },
        )?;
        // Top row first: the categories axis puts index 0 at the bottom.
        let names: Vec<String> = rows
            .iter()
            .rev()
            .map(|(l, i)| {
                let qp = l
                    .qp_value
                    .map_or_else(String::new, |q| format!(" (qp {})", qp_text(q)));
                format!("{}{qp}", input_label(i))
            })
            .collect();
        let y = Axis::categories(names, "").without_grid();
        let x = Axis::new(
            (-0.02, 1.02),
            Scale::Percent,
            "position in the input's range over the runs (0% = smallest, 100% = largest)",
            6,
        );
        let mut chart = build_chart(&area, &x, &y, None)?;
        let n = rows.len();
        for (k, (l, i)) in rows.iter().enumerate() {
            let row = (n - 1 - k) as f64;
            let span = (i.max - i.min).max(f64::MIN_POSITIVE);
            let lo = l.low.unwrap_or(i.min);
            let hi = l.high.unwrap_or(i.max);
            let (a, z) = ((lo - i.min) / span, (hi - i.min) / span);
            chart
                .draw_series([
                    Rectangle::new(
                        [(0.0, row - 0.12), (1.0, row + 0.12)],
                        RGBColor(215, 215, 215).filled(),
                    ),
                    Rectangle::new([(a, row - 0.22), (z, row + 0.22)], HOLDS.filled()),
                ])
                .map_err(|e| anyhow::anyhow!("could not draw a range: {e}"))?;
            let ends = [
                (0.0, human(i.min, 3), MUTED, -0.3),
                (1.0, human(i.max, 3), MUTED, -0.3),
            ];
            for (xv, label, color, dy) in ends {
                chart
                    .draw_series(std::iter::once(plotters::element::Text::new(
                        label,
                        (xv, row + dy),
                        text(size::TICK, &color).pos(Pos::new(HPos::Center, VPos::Center)),
                    )))
                    .map_err(|e| anyhow::anyhow!("could not label a range: {e}"))?;
            }
            let inside = match (l.low, l.high) {
                (Some(lo), Some(hi)) => format!("{} to {}", human(lo, 3), human(hi, 3)),
                (Some(lo), None) => format!("over {}", human(lo, 3)),
                (None, Some(hi)) => format!("under {}", human(hi, 3)),
                (None, None) => String::new(),
            };
            chart
                .draw_series(std::iter::once(plotters::element::Text::new(
                    inside,
                    ((a + z) / 2.0, row + 0.34),
                    text(size::LEGEND, &INK).pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(|e| anyhow::anyhow!("could not label a box range: {e}"))?;
        }
        Ok(())
    }
}

fn qp_text(q: f64) -> String {
    if q < 0.001 {
        "<0.001".into()
    } else {
        format!("{q:.3}")
    }
}

/// The runs on the two inputs the box restricts most significantly.
struct ScatterChart<'a> {
    file: &'a DiscoveryFile,
    x: (&'a DiscoveryInput, &'a [f64], [Option<f64>; 2]),
    y: (&'a DiscoveryInput, &'a [f64], [Option<f64>; 2]),
    condition: &'a [bool],
}

impl<'a> ScatterChart<'a> {
    fn new(file: &'a DiscoveryFile, runs: &'a Runs) -> Option<ScatterChart<'a>> {
        let b = file.boxes.first()?;
        let mut axes = b.limits.iter().filter_map(|l| {
            let info = input(file, &l.input)?;
            let column = runs.columns.iter().find(|(n, _)| *n == l.input)?;
            Some((info, column.1.as_slice(), [l.low, l.high]))
        });
        let x = axes.next()?;
        let y = axes.next()?;
        Some(ScatterChart {
            file,
            x,
            y,
            condition: &runs.condition,
        })
    }
}

impl Chart for ScatterChart<'_> {
    fn stem(&self) -> String {
        "discover-scatter".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let f = self.file;
        let n = self.condition.len();
        let stride = n.div_ceil(MAX_POINTS).max(1);
        let shown = n.div_ceil(stride);
        let legend = vec![
            LegendItem::new(Swatch::dot(HOLDS), "a run where the condition holds"),
            LegendItem::new(Swatch::dot(NOT_HOLDS), "a run where it does not"),
            LegendItem::new(
                Swatch::line(INK, 4),
                "box 1 (its limits on these two inputs)",
            ),
        ];
        let mut sub = subtitle(f);
        if stride > 1 {
            sub.push_str(&format!(
                " · one run in {stride} drawn ({})",
                thousands(shown as u64)
            ));
        }
        let area = draw_frame(
            root,
            &Frame {
                title: format!(
                    "Where {}: the runs on the box's two most significant inputs",
                    f.target.description
                ),
                subtitle: sub,
                legend,
                source: source(f),
            },
        )?;
        let range = |i: &DiscoveryInput| padded(i.min, i.max, 0.02);
        let x = Axis::new(range(self.x.0), Scale::Number, input_label(self.x.0), 8);
        let y = Axis::new(range(self.y.0), Scale::Number, input_label(self.y.0), 6);
        let mut chart = build_chart(&area, &x, &y, None)?;
        // Runs where the condition fails first and faint, so the runs of interest stay visible.
        for (holds, color, alpha) in [(false, NOT_HOLDS, 0.35), (true, HOLDS, 0.8)] {
            let points = (0..n)
                .step_by(stride)
                .filter(|&i| self.condition[i] == holds)
                .map(|i| Circle::new((self.x.1[i], self.y.1[i]), 4, color.mix(alpha).filled()));
            chart
                .draw_series(points)
                .map_err(|e| anyhow::anyhow!("could not draw the runs: {e}"))?;
        }
        let lo_x = self.x.2[0].unwrap_or(x.range.0);
        let hi_x = self.x.2[1].unwrap_or(x.range.1);
        let lo_y = self.y.2[0].unwrap_or(y.range.0);
        let hi_y = self.y.2[1].unwrap_or(y.range.1);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (lo_x, lo_y),
                    (hi_x, lo_y),
                    (hi_x, hi_y),
                    (lo_x, hi_y),
                    (lo_x, lo_y),
                ],
                INK.stroke_width(4),
            )))
            .map_err(|e| anyhow::anyhow!("could not draw the box: {e}"))?;
        Ok(())
    }
}

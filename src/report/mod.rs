//! `leversim report DIR`: the one-page briefing of a results folder, `DIR/report.html`.
//!
//! The page reads the folder only (through [`crate::plot::Results`] and
//! [`crate::output::schema`]), never the engine: the question and description of the scenario,
//! the bundles with their levers and costs, key findings written from the paired comparisons,
//! the forest and fan charts of the outcomes and series `[report]` chooses, the history check
//! (and the calibration's scores when the runs drew their params from a posterior), the
//! scenario's own assumptions and limitations, and the provenance of every number.
//!
//! Paired comparisons come from the folder's `comparison.json` when `leversim compare` wrote
//! it; otherwise they are recomputed from the pairs of `runs.csv` ([`pairs`]), with the same
//! statistics, so that a folder of `leversim run` gets the same findings.
//!
//! The page is self-contained ([`html`]): inline CSS, inline SVG charts, no script, nothing
//! fetched; a print stylesheet lays it on two A4 or Letter pages.

pub mod findings;
pub mod html;
pub mod pairs;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::output::format::{human, percent};
use crate::output::schema::{
    Better, CalibrationFile, Comparison, OutcomeInfo, OutcomeKind, VariableKind,
};
use crate::plot::read::{outcome_label, read_comparison, scenario_source};
use crate::plot::{Results, Selection, fan, forest, theme};
use findings::{Findings, money};
use html::{CSS, Html, esc};

/// File name of the report in a results folder.
pub const REPORT_FILE: &str = "report.html";

/// Canvas of an embedded chart, pixels: the slide's, whose layout the charts are drawn for.
/// Across the page's width (about 190 mm printed) their tick labels read at about 9 pt; at
/// half the width (tried first) they fell to 4–6 pt and the forest chart's ticks collided.
pub const CHART_SIZE: (u32, u32) = theme::SIZE;

/// Most charts on the page.
const MAX_CHARTS: usize = 4;

/// Charts printed: two across the page's width fill the second sheet with the history check,
/// the assumptions and the provenance; the others show on screen only.
const PRINTED_CHARTS: usize = 2;

/// Writes `dir/report.html` and returns its path.
///
/// # Errors
/// When `dir` is not a results folder of `leversim run` or `compare`, a file cannot be read, a
/// chart cannot be drawn or the page cannot be written.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let page = render_report(dir)?;
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, page).with_context(|| format!("could not write '{}'", path.display()))?;
    Ok(path)
}

/// Reads the folder `dir` and returns the report page.
///
/// # Errors
/// As [`write_report`], without the writing.
pub fn render_report(dir: &Path) -> Result<String> {
    let results = Results::read(dir)?;
    let reference = results.reference().to_string();
    let comparison = match read_comparison(dir)? {
        Some(c) => Some((c, "comparison.json (leversim compare)")),
        None => pairs::comparison_from_runs(dir, &results.summary, &reference)?
            .map(|c| (c, "the pairs of runs.csv")),
    };
    let page = Page {
        results: &results,
        comparison: comparison.as_ref().map(|(c, _)| c),
        pairs_from: comparison.as_ref().map_or("", |(_, from)| from),
        outcomes: report_outcomes(&results),
        series: report_series(&results),
    };
    page.render()
}

/// The outcomes reported, in order: `[report] outcomes`, else the dashboard's (without the
/// cost, which every finding states anyway).
pub fn report_outcomes(results: &Results) -> Vec<String> {
    let chosen = &results.summary.scenario.report.outcomes;
    let names = if chosen.is_empty() {
        Selection::of(results)
            .dashboard
            .into_iter()
            .filter(|n| results.outcome(n).is_some_and(|o| !o.is_cost))
            .collect()
    } else {
        chosen.clone()
    };
    names
        .into_iter()
        .filter(|n| results.outcome(n).is_some())
        .collect()
}

/// The series drawn as fan charts: `[report] series`, else the first charted series.
pub fn report_series(results: &Results) -> Vec<String> {
    let chosen = &results.summary.scenario.report.series;
    let names = if chosen.is_empty() {
        Selection::of(results).series.into_iter().take(1).collect()
    } else {
        chosen.clone()
    };
    names
        .into_iter()
        .filter(|v| {
            results
                .bundles()
                .iter()
                .any(|(_, b)| results.series(&b.name, v).is_some())
        })
        .collect()
}

struct Page<'a> {
    results: &'a Results,
    comparison: Option<&'a Comparison>,
    pairs_from: &'static str,
    outcomes: Vec<String>,
    series: Vec<String>,
}

impl Page<'_> {
    fn render(&self) -> Result<String> {
        let r = self.results;
        let s = &r.summary.scenario;
        let title = if s.title.is_empty() {
            &s.name
        } else {
            &s.title
        };
        let mut h = Html::default();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>")
            .text(title)
            .raw("</title><style>")
            .raw(CSS)
            .raw("</style></head><body>\n<header>");
        h.el("h1", "", title);
        if !s.report.question.is_empty() {
            h.raw("<p class=\"question\">")
                .text(&s.report.question)
                .raw("</p>");
        }
        if !s.description.is_empty() {
            h.el("p", "", &s.description);
        }
        h.el("p", "muted", &r.subtitle());
        h.raw("</header>\n");
        let f = Findings::new(r, self.comparison, &self.outcomes);
        self.findings(&mut h, &f);
        self.bundles(&mut h, &f);
        h.raw("<div>");
        self.charts(&mut h)?;
        self.history(&mut h);
        self.assumptions(&mut h);
        self.provenance(&mut h);
        h.raw("</div></body></html>\n");
        Ok(h.finish())
    }

    fn findings(&self, h: &mut Html, f: &Findings<'_>) {
        h.el("h2", "", "Key findings");
        let sentences = f.sentences();
        if sentences.is_empty() {
            h.el("p", "", "The scenario has no outcome to report.");
        } else {
            h.raw("<ul>");
            for s in &sentences {
                h.el("li", "", s);
            }
            h.raw("</ul>");
        }
        h.el("p", "note", &f.method_note(self.pairs_from));
        let (head, rows) = f.table();
        if !rows.is_empty() {
            h.el("h2", "", "Results by bundle");
            let numeric: Vec<bool> = (0..head.len()).map(|i| i > 0).collect();
            h.table("results", &head, &rows, &numeric);
        }
    }

    fn bundles(&self, h: &mut Html, f: &Findings<'_>) {
        let r = self.results;
        let s = &r.summary.scenario;
        h.el("h2", "", "Bundles compared");
        let levers = |name: &str| -> String {
            let Some(b) = s.bundles.iter().find(|b| b.name == name) else {
                return String::new();
            };
            if b.settings.is_empty() {
                return "No lever set.".into();
            }
            // Every lever of the scenario at one value (the full package) says so in a line.
            let first = b.settings[0].value;
            let all_levers = s.levers.len() > 2
                && s.levers
                    .iter()
                    .all(|l| b.settings.iter().any(|set| set.lever == l.name))
                && b.settings
                    .iter()
                    .all(|set| set.value == first && set.from.is_empty());
            if all_levers {
                return format!("Levers: all {} at {}.", s.levers.len(), human(first, 3));
            }
            let list: Vec<String> = b
                .settings
                .iter()
                .map(|set| {
                    let label = s
                        .levers
                        .iter()
                        .find(|l| l.name == set.lever)
                        .map_or_else(|| set.lever.clone(), |l| l.label.clone());
                    if set.schedule {
                        return format!(
                            "{label} on a schedule from {}, ending at {}",
                            set.from,
                            human(set.value, 3)
                        );
                    }
                    let from = if set.from.is_empty() {
                        String::new()
                    } else {
                        format!(" from {}", set.from)
                    };
                    format!("{label} = {}{from}", human(set.value, 3))
                })
                .collect();
            format!("Levers: {}.", list.join("; "))
        };
        let mut head = vec!["Bundle".to_string(), "What it does".into()];
        if f.cost.is_some() {
            head.push(f.cost_header());
        }
        let rows: Vec<Vec<String>> = r
            .bundles()
            .iter()
            .map(|(_, b)| {
                let what = if b.description.is_empty() {
                    levers(&b.name)
                } else {
                    format!("{} {}", b.description, levers(&b.name))
                };
                let mut row = vec![r.bundle_label(&b.name), what];
                if f.cost.is_some() {
                    row.push(f.cost_text(&b.name));
                }
                row
            })
            .collect();
        h.table("bundles", &head, &rows, &[false, false, true]);
        let starts: Vec<&str> = s
            .levers
            .iter()
            .map(|l| l.from.as_str())
            .filter(|m| !m.is_empty())
            .collect();
        if let Some(first) = starts.iter().min() {
            h.el(
                "p",
                "note",
                &format!(
                    "Levers act from {first}; before that every bundle follows the same history."
                ),
            );
        }
    }

    fn charts(&self, h: &mut Html) -> Result<()> {
        let r = self.results;
        let mut forests: Vec<(String, String)> = Vec::new();
        if let Some(c) = self.comparison {
            for name in &self.outcomes {
                let Some(o) = r.outcome(name) else { continue };
                if o.better == Better::Neither || forests.len() >= MAX_CHARTS {
                    continue;
                }
                let chart = forest::ForestChart::new(r, c, o);
                forests.push((
                    format!("Paired difference from the reference: {}", outcome_label(o)),
                    theme::svg_string(&chart, CHART_SIZE)?,
                ));
            }
        }
        let mut fans: Vec<(String, String)> = Vec::new();
        for var in self.series.iter().take(MAX_CHARTS) {
            let chart = fan::FanChart::new(r, var);
            let label = r
                .variable(var)
                .map_or_else(|| var.clone(), crate::plot::read::variable_label);
            let what = if r
                .variable(var)
                .is_some_and(|v| v.kind == VariableKind::Event)
            {
                "Share of runs in which it has happened"
            } else {
                "Median, 50% and 90% of runs by month"
            };
            fans.push((
                format!("{what}: {label}"),
                theme::svg_string(&chart, CHART_SIZE)?,
            ));
        }
        // The printed pair is the first outcome's forest chart and the first fan chart; the
        // others follow on screen.
        let mut svgs: Vec<(String, String)> = Vec::new();
        let (mut forests, mut fans) = (forests.into_iter(), fans.into_iter());
        svgs.extend(forests.next());
        svgs.extend(fans.next());
        svgs.extend(forests);
        svgs.extend(fans);
        svgs.truncate(MAX_CHARTS);
        if svgs.is_empty() {
            return Ok(());
        }
        h.el("h2", "", "Charts");
        h.raw("<div class=\"charts\">");
        for (i, (alt, svg)) in svgs.iter().enumerate() {
            let class = if i < PRINTED_CHARTS {
                ""
            } else {
                " class=\"screen\""
            };
            h.raw("<figure")
                .raw(class)
                .raw(" role=\"img\" aria-label=\"")
                .text(alt)
                .raw("\">")
                .raw(&responsive(svg))
                .raw("</figure>");
        }
        h.raw("</div>");
        if svgs.len() > PRINTED_CHARTS {
            h.el(
                "p",
                "note print",
                &format!(
                    "The screen version of this page has {} more chart(s); every chart is in the folder's charts/ as PNG and SVG.",
                    svgs.len() - PRINTED_CHARTS
                ),
            );
        }
        Ok(())
    }

    fn history(&self, h: &mut Html) {
        let r = self.results;
        let s = &r.summary;
        h.el("h2", "", "How well the world reproduces the record");
        let reference = r.reference();
        let checked: Vec<_> = s
            .observations
            .iter()
            .filter(|o| o.bundle == reference)
            .collect();
        if checked.is_empty() {
            h.el(
                "p",
                "",
                "The scenario has no reported figures to check its history against.",
            );
        } else {
            let inside = checked.iter().filter(|o| o.inside).count();
            let pass = checked.iter().filter(|o| o.pass).count();
            h.el(
                "p",
                "",
                &format!(
                    "{inside} of {} reported figures lie inside the 90% band of the runs of {} at their month; {pass} also have the median within the tolerance.",
                    checked.len(),
                    r.bundle_label(reference)
                ),
            );
            let rows: Vec<Vec<String>> = checked
                .iter()
                .map(|o| {
                    let name = r
                        .variable(&o.variable)
                        .map_or_else(|| o.variable.clone(), crate::plot::read::variable_label);
                    vec![
                        format!("{name}, {}", o.month),
                        human(o.observed, 3),
                        format!(
                            "{} [{}, {}]",
                            human(o.p50, 3),
                            human(o.p05, 3),
                            human(o.p95, 3)
                        ),
                        if o.pass {
                            "yes".into()
                        } else if o.inside {
                            format!("median off by {}", percent(o.median_rel_error))
                        } else {
                            "outside the band".into()
                        },
                    ]
                })
                .collect();
            h.table(
                "history",
                &[
                    "Reported figure".into(),
                    "Reported".into(),
                    "Model median [90% band]".into(),
                    "Reproduced".into(),
                ],
                &rows,
                &[false, true, true, false],
            );
        }
        if let Some(post) = &s.manifest.provenance.posterior {
            self.calibration(h, &post.path);
        }
    }

    fn calibration(&self, h: &mut Html, path: &str) {
        let p = Path::new(path);
        let file = if p.is_dir() {
            p.join("calibration.json")
        } else {
            p.to_path_buf()
        };
        let read =
            crate::output::folder::read_bounded(&file, crate::output::folder::MAX_JSON_BYTES)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<CalibrationFile>(&bytes).ok());
        let Some(cal) = read else {
            h.el(
                "p",
                "",
                &format!(
                    "The runs drew their params from the calibration {path}, which could not be read from here to show its scores."
                ),
            );
            return;
        };
        h.el(
            "p",
            "",
            &format!("The runs drew their params from the posterior of the calibration {path}. Its scores:"),
        );
        let opt = |v: Option<f64>| v.map_or_else(|| "–".into(), percent);
        let rows: Vec<Vec<String>> = cal
            .scores
            .iter()
            .map(|sc| {
                vec![
                    format!("{} figures, {}", sc.role, sc.stage),
                    sc.points.to_string(),
                    opt(sc.inside),
                    sc.bounds.to_string(),
                    opt(sc.bounds_met),
                    opt(sc.median_rel_error),
                ]
            })
            .collect();
        h.table(
            "scores",
            &[
                "Figures".into(),
                "Points".into(),
                "Inside 90% band".into(),
                "Bounds".into(),
                "Bounds met".into(),
                "Median error".into(),
            ],
            &rows,
            &[false, true, true, true, true, true],
        );
    }

    fn assumptions(&self, h: &mut Html) {
        let report = &self.results.summary.scenario.report;
        h.el("h2", "", "Assumptions and limitations");
        let mut items: Vec<String> = report
            .assumptions
            .iter()
            .map(|a| format!("Assumption: {a}"))
            .chain(
                report
                    .limitations
                    .iter()
                    .map(|l| format!("Limitation: {l}")),
            )
            .collect();
        if items.is_empty() {
            items.push(
                "The scenario states no assumptions or limitations of its own (`[report] assumptions` and `limitations`).".into(),
            );
        }
        items.push(
            "Intervals are the Monte Carlo precision of estimates within the model (95%); they do not cover doubt about the model's structure or its priors.".into(),
        );
        h.raw("<ul>");
        for item in &items {
            h.el("li", "", item);
        }
        h.raw("</ul>");
    }

    fn provenance(&self, h: &mut Html) {
        let r = self.results;
        let p = &r.summary.manifest.provenance;
        h.el("h2", "", "Provenance");
        let mut text = String::new();
        let source = scenario_source(&r.summary.scenario.source);
        if !source.is_empty() && source != "leversim" {
            let _ = write!(text, "Source: {source}. ");
        }
        let _ = write!(
            text,
            "leversim {}{}; scenario {} (sha256 {}); seed {}; {} runs per bundle; bundles: {}.",
            p.version,
            p.commit
                .as_ref()
                .map_or_else(String::new, |c| format!(" (commit {c})")),
            p.scenario,
            p.scenario_sha256,
            p.seed,
            p.runs,
            p.bundles.join(", "),
        );
        if !p.overrides.is_empty() {
            let sets: Vec<String> = p
                .overrides
                .iter()
                .map(|o| format!("{}={}", o.name, o.value))
                .collect();
            let _ = write!(text, " Overrides: {}.", sets.join(", "));
        }
        if let Some(post) = &p.posterior {
            let _ = write!(text, " Posterior: {} (sha256 {}).", post.path, post.sha256);
        }
        h.el("p", "prov", &text);
        if !p.command.is_empty() {
            h.raw("<p class=\"prov\">Reproduce: <code>")
                .text(&p.command)
                .raw("</code>, then <code>leversim report ")
                .text(&r.dir.display().to_string())
                .raw("</code></p>");
        }
    }
}

/// An SVG of plotters made to scale with its container: its fixed `width` and `height`
/// attributes are dropped (its `viewBox` keeps the proportions).
fn responsive(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return esc(svg);
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return esc(svg);
    };
    let open = &svg[start..end];
    let cleaned: Vec<&str> = open
        .split(' ')
        .filter(|attr| !attr.starts_with("width=") && !attr.starts_with("height="))
        .collect();
    format!("{}{}", cleaned.join(" "), &svg[end..])
}

/// The unit of a value for people, with money written as `$37bn`.
pub fn value_text(o: &OutcomeInfo, v: f64) -> String {
    match o.kind {
        OutcomeKind::Probability | OutcomeKind::Share => percent(v),
        OutcomeKind::First => crate::output::format::month_of(v),
        _ => money(v, &o.unit),
    }
}

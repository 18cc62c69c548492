//! The numbers of the report in words: key findings and the table of results by bundle.
//!
//! Every number comes from the folder: a bundle's estimate and its 95% interval from
//! `summary.json` (mean ± 1.96 standard errors), its difference from the reference with the
//! paired 95% interval from the comparison (`comparison.json`, or recomputed from the pairs of
//! `runs.csv`). A month of first crossing is reported as the month by which half of **all** runs
//! have seen it, with the share that never do; the mean of the runs that have a month (which is
//! conditional on the event happening) is never shown as if it were the typical month.

use crate::output::format::{human, month_of, percent, significant};
use crate::output::schema::{Better, Comparison, ComparisonRecord, OutcomeInfo, OutcomeKind};
use crate::plot::Results;
use crate::plot::forest::DiffUnit;
use crate::plot::read::{RunValues, outcome_label};

/// z for a two-sided 95% normal interval.
const Z95: f64 = 1.959_964;

/// The findings of one results folder.
pub struct Findings<'a> {
    results: &'a Results,
    comparison: Option<&'a Comparison>,
    outcomes: Vec<&'a OutcomeInfo>,
    /// The cost outcome, if the scenario has one.
    pub cost: Option<&'a OutcomeInfo>,
}

/// `v` in `unit` for people: money as `$37bn`, other units after the number (`8.1M shells`).
///
/// # Examples
/// ```
/// use leversim::report::findings::money;
/// assert_eq!(money(37.04, "$bn"), "$37bn");
/// assert_eq!(money(8_123_456.0, "shells"), "8.12M shells");
/// assert_eq!(money(-1.5, "$bn"), "-$1.5bn");
/// ```
pub fn money(v: f64, unit: &str) -> String {
    let unit = unit.trim();
    if let Some(rest) = unit.strip_prefix('$') {
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}${}{rest}", human(v.abs(), 3));
    }
    if unit.is_empty() {
        human(v, 3)
    } else {
        format!("{} {unit}", human(v, 3))
    }
}

/// The first month by which at least half of all runs (with or without a month) have seen the
/// event, as a decimal year; `None` when fewer than half ever do.
///
/// # Examples
/// ```
/// use leversim::plot::read::RunValues;
/// use leversim::report::findings::median_over_all;
/// let v = RunValues { sorted: vec![2026.0, 2027.0], total: 4 };
/// assert_eq!(median_over_all(&v), Some(2027.0));
/// let v = RunValues { sorted: vec![2026.0], total: 4 };
/// assert_eq!(median_over_all(&v), None);
/// ```
pub fn median_over_all(v: &RunValues) -> Option<f64> {
    if v.total == 0 {
        return None;
    }
    let k = v.total.div_ceil(2);
    v.sorted.get(k - 1).copied()
}

/// Share of runs without a value (the event never happened in the horizon).
fn never(v: &RunValues) -> f64 {
    if v.total == 0 {
        f64::NAN
    } else {
        (v.total - v.sorted.len()) as f64 / v.total as f64
    }
}

impl<'a> Findings<'a> {
    /// The findings on `outcomes` (names; the cost outcome is stated beside each, not as a
    /// finding of its own).
    pub fn new(
        results: &'a Results,
        comparison: Option<&'a Comparison>,
        outcomes: &[String],
    ) -> Findings<'a> {
        let cost = results.summary.scenario.outcomes.iter().find(|o| o.is_cost);
        Findings {
            results,
            comparison,
            outcomes: outcomes
                .iter()
                .filter_map(|n| results.outcome(n))
                .filter(|o| !o.is_cost)
                .collect(),
            cost,
        }
    }

    fn reference(&self) -> &str {
        self.results.reference()
    }

    fn label(&self, bundle: &str) -> String {
        self.results.bundle_label(bundle)
    }

    fn record(&self, bundle: &str, outcome: &str) -> Option<&'a ComparisonRecord> {
        self.comparison?
            .records
            .iter()
            .find(|r| r.bundle == bundle && r.outcome == outcome)
    }

    /// A bundle's estimate of `o` with its 95% interval: `6.1% [5.6, 6.6]`; a month as the
    /// median over all runs with the share that never see it.
    pub fn estimate(&self, bundle: &str, o: &OutcomeInfo) -> String {
        self.estimate_with(bundle, o, true)
    }

    /// As [`Findings::estimate`]; without the unit when `unit` is false (a table's header
    /// names it).
    fn estimate_with(&self, bundle: &str, o: &OutcomeInfo, unit: bool) -> String {
        let value = |o: &OutcomeInfo, v: f64| {
            if unit || !matches!(o.kind.value(), crate::output::schema::ValueKind::Number) {
                value(o, v)
            } else {
                human(v, 3)
            }
        };
        let r = self.results;
        if o.kind == OutcomeKind::First {
            let Some(v) = r.values(bundle, &o.name) else {
                return "–".into();
            };
            let end = &r.summary.scenario.end;
            return match median_over_all(v) {
                Some(m) => format!("{} (never by {end}: {})", month_of(m), percent(never(v))),
                None => format!("after {end} (never by then: {})", percent(never(v))),
            };
        }
        let Some(rec) = r.record(bundle, &o.name) else {
            return "–".into();
        };
        let (Some(mean), se) = (rec.mean, rec.se) else {
            return "–".into();
        };
        let (lo, hi) = match se {
            Some(se) if se > 0.0 => (mean - Z95 * se, mean + Z95 * se),
            _ => return value(o, mean),
        };
        match o.kind {
            OutcomeKind::Probability | OutcomeKind::Share => {
                let pct = |v: f64| significant(100.0 * v.clamp(0.0, 1.0), 2);
                format!("{} [{}, {}]", percent(mean), pct(lo), pct(hi))
            }
            _ => format!("{} [{}, {}]", value(o, mean), human(lo, 3), human(hi, 3)),
        }
    }

    /// A bundle's difference from the reference on `o` with its paired 95% interval.
    fn change(&self, rec: &ComparisonRecord, o: &OutcomeInfo) -> String {
        self.change_with(rec, o, true)
    }

    fn change_with(&self, rec: &ComparisonRecord, o: &OutcomeInfo, with_unit: bool) -> String {
        let unit = DiffUnit::of(o);
        let s = |v: Option<f64>| v.map_or(f64::NAN, |v| v * unit.factor);
        let (m, lo, hi) = (s(rec.mean_diff), s(rec.ci95_low), s(rec.ci95_high));
        let text = if lo.is_finite() && hi.is_finite() && hi > lo {
            unit.interval(m, lo, hi)
        } else {
            format!("{} in every run", unit.text(m))
        };
        match (unit.suffix.is_empty(), o.unit.trim()) {
            (true, u) if with_unit && !u.is_empty() => format!("{text} {u}"),
            _ => text,
        }
    }

    /// Whether the bundle's paired 95% interval lies wholly on the better (+1), worse (-1) side
    /// of zero, or includes it (0).
    fn verdict(rec: &ComparisonRecord) -> i32 {
        let sign = rec.better.improvement_sign().unwrap_or(0.0);
        match (rec.ci95_low, rec.ci95_high, rec.mean_diff) {
            (Some(lo), Some(hi), _) if lo < hi => {
                if sign * lo > 0.0 && sign * hi > 0.0 {
                    1
                } else if sign * lo < 0.0 && sign * hi < 0.0 {
                    -1
                } else {
                    0
                }
            }
            // Every pair differs by the same amount: the difference is exact.
            (_, _, Some(d)) => (sign * d).partial_cmp(&0.0).map_or(0, |o| o as i32),
            _ => 0,
        }
    }

    /// The cost of a bundle: `$37bn`, or its mean when it varies across runs.
    pub fn cost_text(&self, bundle: &str) -> String {
        let Some(c) = self.cost else {
            return String::new();
        };
        let Some(rec) = self.results.record(bundle, &c.name) else {
            return "–".into();
        };
        match (rec.mean, rec.min, rec.max) {
            (Some(m), Some(lo), Some(hi)) if lo == hi => money(m, &c.unit),
            (Some(m), _, _) => format!("{} (mean)", money(m, &c.unit)),
            _ => "–".into(),
        }
    }

    /// The header of the cost column: the cost outcome's label.
    pub fn cost_header(&self) -> String {
        self.cost.map(outcome_label).unwrap_or_default()
    }

    /// The key findings, one sentence per reported outcome.
    pub fn sentences(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter_map(|o| match o.kind {
                OutcomeKind::First => self.date_sentence(o),
                _ => self.sentence(o),
            })
            .collect()
    }

    fn bundles(&self) -> Vec<String> {
        self.results
            .bundles()
            .into_iter()
            .map(|(_, b)| b.name)
            .filter(|b| b != self.reference())
            .collect()
    }

    fn sentence(&self, o: &OutcomeInfo) -> Option<String> {
        let reference = self.reference();
        let label = outcome_label(o);
        let base = format!(
            "{} under {}",
            self.estimate(reference, o),
            self.label(reference)
        );
        let records: Vec<&ComparisonRecord> = self
            .bundles()
            .iter()
            .filter_map(|b| self.record(b, &o.name))
            .collect();
        if records.is_empty() {
            return Some(format!("{label}: {base}."));
        }
        let names = |list: &[&&ComparisonRecord]| -> String {
            let mut names: Vec<String> = list.iter().map(|r| self.label(&r.bundle)).collect();
            if names.len() > 4 {
                let more = names.len() - 3;
                names.truncate(3);
                names.push(format!("{more} more"));
            }
            names.join(", ")
        };
        let better: Vec<&&ComparisonRecord> =
            records.iter().filter(|r| Self::verdict(r) > 0).collect();
        let worse: Vec<&&ComparisonRecord> =
            records.iter().filter(|r| Self::verdict(r) < 0).collect();
        let same: Vec<&&ComparisonRecord> =
            records.iter().filter(|r| Self::verdict(r) == 0).collect();
        let mut best_bundle: Option<String> = None;
        let mut text = if o.better == Better::Neither {
            // No direction: the largest change whose interval excludes zero.
            let moved: Vec<&&ComparisonRecord> = records
                .iter()
                .filter(|r| {
                    r.ci95_low
                        .zip(r.ci95_high)
                        .is_some_and(|(l, h)| l > 0.0 || h < 0.0)
                })
                .collect();
            match moved.iter().max_by(|a, b| {
                let key = |r: &ComparisonRecord| r.mean_diff.map_or(0.0, f64::abs);
                key(a).total_cmp(&key(b))
            }) {
                Some(best) => format!(
                    "{label}: {} under {}, against {base}: {}",
                    self.estimate(&best.bundle, o),
                    self.label(&best.bundle),
                    self.change(best, o)
                ),
                None => format!("{label}: {base}; no bundle changes it detectably"),
            }
        } else {
            match better.iter().max_by(|a, b| {
                let key = |r: &ComparisonRecord| r.improvement.unwrap_or(f64::NEG_INFINITY);
                key(a).total_cmp(&key(b))
            }) {
                Some(best) => {
                    best_bundle = Some(best.bundle.clone());
                    let cost = if self.cost.is_some() {
                        format!("; cost {}", self.cost_text(&best.bundle))
                    } else {
                        String::new()
                    };
                    format!(
                        "{label}: best is {}, {} against {base}, a change of {}{cost}",
                        self.label(&best.bundle),
                        self.estimate(&best.bundle, o),
                        self.change(best, o)
                    )
                }
                None => format!("{label}: {base}; no bundle improves it detectably"),
            }
        };
        if o.better != Better::Neither {
            let others: Vec<&&ComparisonRecord> = better
                .iter()
                .filter(|r| Some(r.bundle.as_str()) != best_bundle.as_deref())
                .copied()
                .collect();
            if !others.is_empty() {
                text += &format!(". Also better: {}", names(&others[..]));
            }
            if !worse.is_empty() {
                text += &format!(". Worse: {}", names(&worse[..]));
            }
        }
        if !same.is_empty() {
            text += &format!(
                ". No detectable change (interval includes 0): {}",
                names(&same[..])
            );
        }
        Some(text + ".")
    }

    fn date_sentence(&self, o: &OutcomeInfo) -> Option<String> {
        let r = self.results;
        let reference = self.reference();
        let label = outcome_label(o);
        let reference_values = r.values(reference, &o.name)?;
        let ref_median = median_over_all(reference_values);
        let mut text = format!(
            "{label}: half of all runs have it by {} under {}",
            self.estimate(reference, o),
            self.label(reference)
        );
        let moved: Vec<String> = self
            .bundles()
            .iter()
            .filter_map(|b| {
                let v = r.values(b, &o.name)?;
                (median_over_all(v) != ref_median
                    || (never(v) - never(reference_values)).abs() >= 0.005)
                    .then(|| format!("{} {}", self.label(b), self.estimate(b, o)))
            })
            .collect();
        if moved.is_empty() {
            text += "; the same month and share under every bundle";
        } else {
            text += &format!("; differently under {}", moved.join("; "));
        }
        Some(text + ".")
    }

    /// How the numbers were computed, for the note under the findings.
    pub fn method_note(&self, pairs_from: &str) -> String {
        let r = self.results;
        let p = &r.summary.manifest.provenance;
        let mut note = format!(
            "Each estimate is the mean of {} runs with its 95% interval [low, high] (Monte Carlo precision). ",
            crate::plot::read::thousands(p.runs)
        );
        if self.comparison.is_some() {
            note += &format!(
                "Changes are paired differences from {} on common random numbers, with their 95% intervals, from {pairs_from}. ",
                self.label(self.reference())
            );
        } else {
            note += "The reference bundle was not run, so no change is computed. ";
        }
        if self.outcomes.iter().any(|o| o.kind == OutcomeKind::First) {
            note += "A month is the first by which half of all runs have seen the event (runs that never do count as later), with the share of runs that never do.";
        }
        note.trim_end().to_string()
    }

    /// The results by bundle: a header and a row per bundle run (estimate, then the change).
    /// Costs are in the table of bundles.
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut head = vec!["Bundle".to_string()];
        head.extend(self.outcomes.iter().map(|o| {
            let unit = o.unit.trim();
            if matches!(o.kind.value(), crate::output::schema::ValueKind::Number)
                && !unit.is_empty()
            {
                format!("{} ({unit})", outcome_label(o))
            } else {
                outcome_label(o)
            }
        }));
        let reference = self.reference();
        let rows = self
            .results
            .bundles()
            .iter()
            .map(|(_, b)| {
                let mut row = vec![self.label(&b.name)];
                for o in &self.outcomes {
                    let estimate = self.estimate_with(&b.name, o, false);
                    let cell = if b.name == reference {
                        format!("{estimate}\n(reference)")
                    } else if o.kind == OutcomeKind::First {
                        estimate
                    } else {
                        match self.record(&b.name, &o.name) {
                            Some(rec) => {
                                format!("{estimate}\n{}", self.change_with(rec, o, false))
                            }
                            None => estimate,
                        }
                    };
                    row.push(cell);
                }
                row
            })
            .collect();
        (head, rows)
    }
}

/// A value of `o` for people.
fn value(o: &OutcomeInfo, v: f64) -> String {
    super::value_text(o, v)
}

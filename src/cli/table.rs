//! The tables `run` prints: outcomes per bundle, and the history check.

use crate::output::format::{human, month_of, percent};
use crate::output::schema::Summary;
use crate::scenario::{OutcomeKind, Scenario};

/// A value as the outcome's kind reads best.
pub(super) fn show(kind: OutcomeKind, v: Option<f64>) -> String {
    match (kind, v) {
        (_, None) => "–".into(),
        (OutcomeKind::Probability | OutcomeKind::Share, Some(v)) => percent(v),
        (OutcomeKind::First, Some(v)) => month_of(v),
        (_, Some(v)) => human(v, 3),
    }
}

/// Prints the header line and one block per outcome.
pub fn print_outcomes(s: &Scenario, summary: &Summary) {
    let m = &summary.manifest.provenance;
    let timing = &summary.manifest.timing;
    say!(
        "{}: {} runs x {} bundle{}, seed {}, {} thread{}, {:.2} s ({} runs/s)",
        s.meta.name.value,
        m.runs,
        m.bundles.len(),
        if m.bundles.len() == 1 { "" } else { "s" },
        m.seed,
        m.threads,
        if m.threads == 1 { "" } else { "s" },
        timing.elapsed_s,
        human(timing.runs_per_s, 3)
    );
    let width = m
        .bundles
        .iter()
        .map(|b| b.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    for o in &s.outcomes {
        let label = o.info.label.clone().unwrap_or_else(|| o.name.value.clone());
        let unit = match o.kind {
            OutcomeKind::Probability => "probability".to_string(),
            OutcomeKind::First => "month first reached".to_string(),
            _ => o.info.unit.clone(),
        };
        let better = match o.better {
            crate::scenario::Better::Lower => "; lower is better",
            crate::scenario::Better::Higher => "; higher is better",
            crate::scenario::Better::Neither => "",
        };
        let paren = if unit.is_empty() && better.is_empty() {
            String::new()
        } else {
            format!(
                " ({}{better})",
                if unit.is_empty() { "no unit" } else { &unit }
            )
        };
        say!("\n{label}{paren}");
        let records = summary
            .outcomes
            .iter()
            .filter(|r| r.outcome == o.name.value);
        if o.kind == OutcomeKind::Probability {
            say!(
                "  {:<width$} {:>10} {:>18}",
                "bundle",
                "probability",
                "95% interval"
            );
            for r in records {
                let (lo, hi) = wilson(r.mean.unwrap_or(f64::NAN), r.n);
                say!(
                    "  {:<width$} {:>10} {:>18}",
                    r.bundle,
                    percent(r.mean.unwrap_or(f64::NAN)),
                    format!("{} – {}", percent(lo), percent(hi))
                );
            }
            continue;
        }
        say!(
            "  {:<width$} {:>10} {:>10} {:>10} {:>10}",
            "bundle",
            "mean",
            "p05",
            "p50",
            "p95"
        );
        for r in records {
            let never = if o.kind == OutcomeKind::First && r.n < m.runs {
                format!(
                    "  (never in {} of runs)",
                    percent(1.0 - r.n as f64 / m.runs as f64)
                )
            } else {
                String::new()
            };
            say!(
                "  {:<width$} {:>10} {:>10} {:>10} {:>10}{never}",
                r.bundle,
                show(o.kind, r.mean),
                show(o.kind, r.p05),
                show(o.kind, r.p50),
                show(o.kind, r.p95)
            );
        }
    }
}

/// Wilson score interval for a proportion (Wilson 1927), which behaves near 0 and 1 where the
/// normal approximation does not.
pub fn wilson(p: f64, n: u64) -> (f64, f64) {
    if n == 0 || p.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let n = n as f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Prints the check of reported history against the baseline bundle.
pub fn print_history(summary: &Summary, baseline: &str) {
    let records: Vec<_> = summary
        .observations
        .iter()
        .filter(|o| o.bundle == baseline)
        .collect();
    if records.is_empty() {
        return;
    }
    let passed = records.iter().filter(|r| r.pass).count();
    say!(
        "\nHistory check ({baseline}): {passed} of {} reported figures reproduced (inside the 90% band, median within tolerance)",
        records.len()
    );
    let width = records
        .iter()
        .map(|r| r.variable.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    say!(
        "  {:<width$} {:>7} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8}",
        "variable",
        "month",
        "reported",
        "p05",
        "p50",
        "p95",
        "inside",
        "median"
    );
    for r in records {
        let err = if r.observed == 0.0 {
            human(r.p50 - r.observed, 2)
        } else {
            format!("{:+.0}%", (r.p50 / r.observed - 1.0) * 100.0)
        };
        say!(
            "  {:<width$} {:>7} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8}{}",
            r.variable,
            r.month,
            human(r.observed, 3),
            human(r.p05, 3),
            human(r.p50, 3),
            human(r.p95, 3),
            if r.inside { "yes" } else { "NO" },
            err,
            if r.pass { "" } else { "  <- not reproduced" }
        );
    }
}

/// Prints one line on every reported figure (points, bounds and ranges, of variables and of
/// expressions) against the baseline's runs, when there are more than the history check's
/// points: how many the runs reproduce, and which they do not.
pub fn print_figures(summary: &Summary) {
    let figures = &summary.figures;
    let Some(first) = figures.first() else {
        return;
    };
    let points = summary
        .observations
        .iter()
        .filter(|o| o.bundle == first.bundle)
        .count();
    if figures.len() <= points {
        return;
    }
    let missed: Vec<&str> = figures
        .iter()
        .filter(|f| !f.reproduced())
        .map(|f| f.id.as_str())
        .collect();
    say!(
        "\nEvery reported figure ({}: points, bounds and ranges, of variables and expressions) against {}: {} reproduced (a point inside the 90% band, a bound or range met by the median)",
        figures.len(),
        first.bundle,
        figures.len() - missed.len()
    );
    if !missed.is_empty() {
        const SHOWN: usize = 16;
        let more = missed.len().saturating_sub(SHOWN);
        let list = missed[..missed.len().min(SHOWN)].join(", ");
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        say!("  not reproduced: {list}{tail} (summary.json `figures`, chart `record`)");
    }
}

/// Prints the faults counted with `--on-fault count`.
pub fn print_faults(summary: &Summary) {
    if summary.faults.is_empty() {
        return;
    }
    let retired: u64 = summary.faults.iter().map(|f| f.count).sum();
    say!(
        "\nFaults counted: {retired} run(s) left out of every statistic (runs.csv names each in its `fault` column)"
    );
    say!(
        "  {:<16} {:<24} {:<12} {:>6}  first (reproduce with --bundle B --run K)",
        "bundle",
        "variable",
        "kind",
        "runs"
    );
    for f in &summary.faults {
        say!(
            "  {:<16} {:<24} {:<12} {:>6}  run {} in {}",
            f.bundle,
            f.variable,
            f.kind,
            f.count,
            f.first_run,
            f.first_month
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_reference() {
        // Wilson interval for 0 successes in 10 trials: [0, 0.2775] (Newcombe 1998, table I).
        let (lo, hi) = wilson(0.0, 10);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 1e-4, "{hi}");
        // 81 of 263: [0.2553, 0.3662] (Newcombe 1998).
        let (lo, hi) = wilson(81.0 / 263.0, 263);
        assert!(
            (lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4,
            "{lo} {hi}"
        );
    }
}

//! `summary.json`'s `figures`: every reported figure (points, bounds, ranges; of variables and
//! of expressions) against the baseline's runs, checked against numbers computed independently
//! from `runs.csv` (an outcome over the same window, and the params each run drew).

use std::path::Path;

use leversim::output::schema::{FigureRecord, Summary};

use crate::util::{close, leversim, runs_column, temp_dir, type7};

const RUNS: usize = 2000;

/// `steady` moves the param `rate` a month, so its sums have a closed form (a multiple of a
/// normal); `noisy` draws a new factor each month, and the outcome `q1` sums it over the
/// window that observation N1 sums. The lever starts after every observation, so both bundles
/// share the observed months.
const WORLD: &str = r#"
[scenario]
name = "figures"
start = "2024-01"
end = "2025-06"
runs = 2000
seed = 5

[params]
rate = { dist = "normal", mean = 100, sd = 10 }

[levers.push]
default = 0
range = [0, 1]
from = "2025-01"

[stocks]
held = { init = 0, unit = "items" }
held_steady = { init = 0, unit = "items" }

[flows.noisy]
to = "held"
rate = "rate * (1 + push) * lognormal(1, 0.3)"

[flows.steady]
to = "held_steady"
rate = "rate"

[outcomes.q1]
expr = "noisy"
kind = "sum"
from = "2024-01"
to = "2024-03"

[outcomes.held]
expr = "held"

[[observations]]
id = "N1"
source = "a report"
expr = "sum(noisy, '2024-01', '2024-03')"
value = 300

[[observations]]
id = "S2"
source = "another report"
expr = "sum(steady, '2024-02', '2024-04')"
min = 320

[[observations]]
id = "S3"
source = "a third report"
var = "held_steady"
at = "2024-06"
range = [500, 700]

[bundles.status_quo]
[bundles.push]
levers = { push = 1 }
"#;

fn run(dir: &Path, name: &str, threads: &str, extra: &[&str]) -> (Summary, std::path::PathBuf) {
    let scenario = dir.join("world.toml");
    std::fs::write(&scenario, WORLD).unwrap();
    let out_dir = dir.join(name);
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--threads",
        threads,
    ];
    args.extend(extra);
    let out = leversim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    (summary, out_dir)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The five percentiles of a figure.
fn band(f: &FigureRecord) -> [f64; 5] {
    [f.p05, f.p25, f.p50, f.p75, f.p95].map(|p| p.unwrap_or(f64::NAN))
}

fn expected(values: &[f64]) -> [f64; 5] {
    [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| type7(values, p))
}

#[test]
fn every_figure_is_evaluated_in_the_baseline_runs() {
    let dir = temp_dir("figures", "all");
    let (summary, out_dir) = run(&dir, "all", "2", &[]);
    let figures = &summary.figures;
    let ids: Vec<&str> = figures.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["N1", "S2", "S3"]);
    assert!(figures.iter().all(|f| f.bundle == "status_quo"));
    assert!(figures.iter().all(|f| f.n == RUNS as u64));
    let kinds: Vec<_> = figures
        .iter()
        .map(|f| (f.figure.as_str(), f.value, f.low, f.high))
        .collect();
    assert_eq!(
        kinds,
        [
            ("point", Some(300.0), None, None),
            ("min", None, Some(320.0), None),
            ("range", None, Some(500.0), Some(700.0)),
        ]
    );
    assert_eq!(figures[1].month, "2024-04");
    assert_eq!(figures[2].variable.as_deref(), Some("held_steady"));
    assert_eq!(figures[2].unit, "items");
    let runs = out_dir.join("runs.csv");

    // N1 against the outcome over the same window: the same runs, so the same numbers.
    let q1 = sorted(runs_column(&runs, "status_quo", "q1"));
    for (got, want) in band(&figures[0]).iter().zip(expected(&q1)) {
        assert!(close(*got, want), "N1: {got} against {want}");
    }
    let inside = type7(&q1, 0.05) <= 300.0 && 300.0 <= type7(&q1, 0.95);
    assert_eq!(figures[0].inside, inside);
    let rel = (type7(&q1, 0.5) - 300.0).abs() / 300.0;
    assert!(close(figures[0].rel_error.unwrap(), rel));
    assert_eq!(figures[0].met, None);

    // S2 and S3 from the params each run drew: 3 and 6 months of `rate`.
    let rate = runs_column(&runs, "status_quo", "param.rate");
    let s2 = sorted(rate.iter().map(|r| 3.0 * r).collect());
    for (got, want) in band(&figures[1]).iter().zip(expected(&s2)) {
        assert!(close(*got, want), "S2: {got} against {want}");
    }
    let share = s2.iter().filter(|v| **v >= 320.0).count() as f64 / RUNS as f64;
    assert!((figures[1].p_met.unwrap() - share).abs() < 1e-12);
    assert_eq!(figures[1].met, Some(type7(&s2, 0.5) >= 320.0));
    assert_eq!(figures[1].inside, type7(&s2, 0.95) >= 320.0);
    // The closed form: 3·rate ~ N(300, 30), so P(≥ 320) = 1 − Φ(2/3) = 0.2525; within four
    // standard errors of a share of 2,000 runs.
    let se = (0.2525f64 * 0.7475 / RUNS as f64).sqrt();
    assert!((share - 0.2525).abs() < 4.0 * se, "{share}");
    let s3 = sorted(rate.iter().map(|r| 6.0 * r).collect());
    for (got, want) in band(&figures[2]).iter().zip(expected(&s3)) {
        assert!(close(*got, want), "S3: {got} against {want}");
    }
    let in_range = s3.iter().filter(|v| (500.0..=700.0).contains(*v)).count() as f64 / RUNS as f64;
    assert!((figures[2].p_met.unwrap() - in_range).abs() < 1e-12);
    assert_eq!(
        figures[2].met,
        Some((500.0..=700.0).contains(&type7(&s3, 0.5)))
    );

    // The chart of the record.
    assert!(out_dir.join("charts/record.png").exists());
    assert!(out_dir.join("charts/record.svg").exists());

    // Without the baseline among the bundles run, its runs are still the ones compared: the
    // same figures.
    let (only_push, _) = run(&dir, "push", "2", &["--bundle", "push"]);
    assert_eq!(only_push.figures, summary.figures);
    // And a thread count of one changes nothing.
    let (one, _) = run(&dir, "one", "1", &[]);
    assert_eq!(one.figures, summary.figures);
    std::fs::remove_dir_all(&dir).ok();
}

//! Exact values, month by month, where the semantics leave no room for sampling error: the
//! calendar slots (`t`, `month`, `year`, `time`), the month an observation is read at, lever
//! ramps set through `--set`, sweeps and designed experiments, and the pairs a comparison keeps
//! when runs are retired by counted faults.
//!
//! Each test here was written against a one-line bug planted in the engine that the rest of the
//! suite let through (issue 20): a calendar counted from 0, an observation read a month late, a
//! `--set` ramp starting a month late, a comparison keeping pairs whose reference run was
//! retired. The expected values are written out by hand from the documented semantics
//! (docs/scenario-format.md), not computed by the code under test.

use std::sync::Arc;

use crate::util::model;
use leversim::compare::compare_bundles;
use leversim::compare::sweep::{grid_model, parse_grid};
use leversim::diag::Diagnostics;
use leversim::engine::{self, FaultMode, RunInputs, RunOutput, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::output::summary::observation_records;
use leversim::scenario::{Scenario, load_str};

fn scenario(text: &str) -> Scenario {
    load_str("exact.toml", text).scenario.expect("valid")
}

/// Runs every bundle of `model` with the given plan details.
fn run_plan(model: &Model, runs: u64, on_fault: FaultMode, inputs: Option<RunInputs>) -> RunOutput {
    let plan = RunPlan {
        seed: 3,
        runs,
        first_run: 0,
        bundles: (0..model.bundles.len()).collect(),
        threads: 1,
        inputs: inputs.map(Arc::new),
        on_fault,
    };
    engine::run(model, &plan, &|_| {}, &Default::default()).expect("no stopping fault")
}

/// The per-month means of a recorded variable in planned bundle `b`, checked to be the same in
/// every run (min = max), so that they are the variable's exact path.
fn path(model: &Model, out: &RunOutput, b: usize, var: &str) -> Vec<f64> {
    let v = model
        .var_index(var)
        .unwrap_or_else(|| panic!("no variable {var}"));
    let r = model
        .recorded
        .iter()
        .position(|&x| x == v)
        .unwrap_or_else(|| panic!("{var} is not recorded"));
    out.series[b][r]
        .iter()
        .enumerate()
        .map(|(m, cell)| {
            assert_eq!(cell.min, cell.max, "{var} varies across runs in month {m}");
            assert_eq!(
                cell.mean, cell.min,
                "{var}: mean of equal values in month {m}"
            );
            cell.mean
        })
        .collect()
}

const CALENDAR: &str = r#"
[scenario]
name = "calendar"
start = "2023-11"
end = "2025-02"

[aux]
tt = "t"
mo = "month"
yr = "year"
tm = "time"

[outcomes.first_january]
expr = "month == 1"
kind = "first"

[outcomes.months_in_2024]
expr = "year == 2024"
kind = "sum"

[outcomes.last_time]
expr = "time"
"#;

/// `t` counts months from 0, `month` is the calendar month 1–12, `year` the calendar year and
/// `time` the decimal year `year + (month − 1) / 12`, in every month of a scenario that starts
/// in November and crosses two new years.
#[test]
fn calendar_slots_hold_the_calendar_month_by_month() {
    let m = model(CALENDAR);
    let out = run_plan(&m, 2, FaultMode::Stop, None);
    let months = [11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2];
    let years = [
        2023, 2023, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2025,
        2025,
    ];
    assert_eq!(m.n_months, months.len());
    let t: Vec<f64> = (0..months.len()).map(|i| i as f64).collect();
    assert_eq!(path(&m, &out, 0, "tt"), t);
    assert_eq!(
        path(&m, &out, 0, "mo"),
        months.map(f64::from).to_vec(),
        "calendar month"
    );
    assert_eq!(
        path(&m, &out, 0, "yr"),
        years.map(f64::from).to_vec(),
        "calendar year"
    );
    let decimal: Vec<f64> = months
        .iter()
        .zip(years)
        .map(|(&mo, y)| f64::from(y) + f64::from(mo - 1) / 12.0)
        .collect();
    assert_eq!(path(&m, &out, 0, "tm"), decimal, "decimal year");
    // Outcomes see the same calendar: January 2024 is the first January (2024.0), 2024 has
    // 12 months, and the last month is February 2025.
    for run in 0..2 {
        let row = &out.outcomes[0][run * 3..run * 3 + 3];
        assert_eq!(row, [2024.0, 12.0, 2025.0 + 1.0 / 12.0], "run {run}");
    }
}

const HISTORY: &str = r#"
[scenario]
name = "history"
start = "2024-01"
end = "2024-12"

[stocks]
total = { init = 0 }

[flows.inflow]
to = "total"
rate = "t + 1"

[aux]
tenfold = "10 * t"

[[observations]]
var = "total"
at = "2024-01"
value = 1

[[observations]]
var = "total"
at = "2024-06"
value = 21

[[observations]]
var = "inflow"
at = "2024-10"
value = 10

[[observations]]
var = "tenfold"
at = "2024-12"
value = 110

[[observations]]
var = "total"
at = "2024-12"
value = 70
tolerance = 0.1
"#;

/// An observation at month m is compared with the variable at the end of month m (a flow or
/// auxiliary: its value during month m). `total` gains t + 1 in month t, so it holds
/// (m + 1)(m + 2) / 2 at the end of month m: 1 in January, 21 in June, 78 in December.
#[test]
fn observations_are_read_in_their_own_month() {
    let (m, s) = (model(HISTORY), scenario(HISTORY));
    let out = run_plan(&m, 3, FaultMode::Stop, None);
    let records = observation_records(&s, &m, &out);
    let got: Vec<(&str, &str, f64, f64, f64)> = records
        .iter()
        .map(|r| (r.variable.as_str(), r.month.as_str(), r.p05, r.p50, r.p95))
        .collect();
    assert_eq!(
        got,
        [
            ("total", "2024-01", 1.0, 1.0, 1.0),
            ("total", "2024-06", 21.0, 21.0, 21.0),
            ("inflow", "2024-10", 10.0, 10.0, 10.0),
            ("tenfold", "2024-12", 110.0, 110.0, 110.0),
            ("total", "2024-12", 78.0, 78.0, 78.0),
        ]
    );
    let verdicts: Vec<(bool, bool, f64)> = records
        .iter()
        .map(|r| (r.inside, r.pass, r.median_rel_error))
        .collect();
    assert_eq!(
        verdicts,
        [
            (true, true, 0.0),
            (true, true, 0.0),
            (true, true, 0.0),
            (true, true, 0.0),
            // 78 against a reported 70: outside the (degenerate) band, 8/70 off.
            (false, false, 8.0 / 70.0),
        ]
    );
}

const RAMP: &str = r#"
[scenario]
name = "ramp"
start = "2024-01"
end = "2024-09"

[levers.k]
default = 0.5
range = [0, 1]
from = "2024-03"
ramp = 4

[levers.flat]
default = 0
range = [0, 8]

[aux]
lv = "k"
fl = "flat"

[outcomes.k_final]
expr = "k"

[bundles.status_quo]
[bundles.early]
levers = { k = { value = 0, from = "2024-02", ramp = 2 } }
"#;

/// The documented ramp of lever `k` towards `value` (default 0.5, from 2024-03, ramp 4):
/// 0.5 before March, then 1/4, 2/4, 3/4 of the way, then `value` from June on.
fn k_path(value: f64) -> Vec<f64> {
    let d = 0.5;
    let share = [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0];
    share.iter().map(|s| d + (value - d) * s).collect()
}

fn compiled(text: &str, set: &[(&str, f64)]) -> Model {
    let s = scenario(text);
    let overrides = Overrides {
        values: set.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
    };
    let mut diags = Diagnostics::new();
    compile(&s, &overrides, &mut diags).expect("compiles")
}

/// `--set k=1` applies to every bundle from the lever's own `from`, ramping as the lever
/// declares; a bundle's own setting of `k` is replaced, `from` and `ramp` included. An
/// unramped lever takes the value at once.
#[test]
fn set_ramps_a_lever_from_its_own_start() {
    let m = compiled(RAMP, &[("k", 1.0), ("flat", 8.0)]);
    let out = run_plan(&m, 2, FaultMode::Stop, None);
    assert_eq!(
        k_path(1.0),
        [0.5, 0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0, 1.0]
    );
    for b in 0..2 {
        assert_eq!(path(&m, &out, b, "fl"), [8.0; 9], "bundle {b}");
    }
    assert_eq!(path(&m, &out, 0, "lv"), k_path(1.0));
    // `--set` replaces the bundle's own setting in every month, the early February move of
    // the bundle `early` included, exactly as a sweep point does.
    assert_eq!(path(&m, &out, 1, "lv"), k_path(1.0));
    // Without `--set`, the bundle's own `from` and `ramp` hold: from February over 2 months.
    let plain = compiled(RAMP, &[]);
    let out = run_plan(&plain, 2, FaultMode::Stop, None);
    assert_eq!(path(&plain, &out, 0, "lv"), [0.5; 9]);
    assert_eq!(
        path(&plain, &out, 1, "lv"),
        [0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
}

/// A sweep point is the base bundle with the swept lever set like `--set`: same ramp, same
/// start, for each grid value.
#[test]
fn sweep_points_ramp_like_set() {
    let s = scenario(RAMP);
    let m = compiled(RAMP, &[]);
    let grid = parse_grid("k=0:1:0.5", &s).unwrap();
    let (swept, points) = grid_model(&m, 0, &[grid]).unwrap();
    assert_eq!(points, [[0.0], [0.5], [1.0]]);
    let out = run_plan(&swept, 2, FaultMode::Stop, None);
    for (b, value) in [0.0, 0.5, 1.0].into_iter().enumerate() {
        assert_eq!(path(&swept, &out, b, "lv"), k_path(value), "k = {value}");
    }
    // The second lever (unramped, from the start) takes each value in every month, and the
    // first keeps its default: each lever reads its own ramp.
    let grid = parse_grid("flat=0:8:4", &s).unwrap();
    let (swept, _) = grid_model(&m, 0, &[grid]).unwrap();
    let out = run_plan(&swept, 2, FaultMode::Stop, None);
    for (b, value) in [0.0, 4.0, 8.0].into_iter().enumerate() {
        assert_eq!(path(&swept, &out, b, "fl"), [value; 9], "flat = {value}");
        assert_eq!(path(&swept, &out, b, "lv"), [0.5; 9], "flat = {value}");
    }
}

/// Designed experiments (sensitivity analysis) give each run its own lever value, applied from
/// the lever's `from` and ramped as it declares: the same path as `--set` with that value.
#[test]
fn designed_lever_inputs_ramp_like_set() {
    let m = compiled(RAMP, &[]);
    let k = m.lever_names.iter().position(|n| n == "k").unwrap();
    let values = [1.0, 0.0, 0.25];
    let inputs = RunInputs {
        params: Vec::new(),
        levers: vec![k],
        values: values.to_vec(),
        ..RunInputs::default()
    };
    let plan = RunPlan {
        inputs: Some(Arc::new(inputs)),
        bundles: vec![0],
        ..RunPlan::new(3, 3, vec![0], 1)
    };
    let out = engine::run(&m, &plan, &|_| {}, &Default::default()).unwrap();
    // The runs differ, so check the final value per run and the mean path month by month.
    let finals: Vec<f64> = out.outcomes[0].clone();
    assert_eq!(finals, values);
    let r = m
        .recorded
        .iter()
        .position(|&v| m.vars[v].name == "lv")
        .unwrap();
    let paths: Vec<Vec<f64>> = values.iter().map(|v| k_path(*v)).collect();
    for month in 0..m.n_months {
        let cell = &out.series[0][r][month];
        let want: Vec<f64> = paths.iter().map(|p| p[month]).collect();
        let lo = want.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = want.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((cell.min, cell.max), (lo, hi), "month {month}");
        let mean = want.iter().sum::<f64>() / 3.0;
        assert!(
            (cell.mean - mean).abs() < 1e-15,
            "month {month}: {}",
            cell.mean
        );
    }
}

const RETIRED: &str = r#"
[scenario]
name = "retired"
start = "2024-01"
end = "2024-01"

[params]
u = { dist = "uniform", min = 0, max = 1 }

[levers.k]
default = 0
range = [0, 1]

[stocks]
level = { init = 0, max = BOUND }

[flows.f]
to = "level"
rate = "if(k > 0.5, if(u < 0.1, 5, u + 0.3), 2 * u)"

[outcomes.level]
expr = "level"
better = "lower"

[outcomes.u_drawn]
expr = "u"

[bundles.status_quo]
[bundles.other]
levers = { k = 1 }
"#;

/// Under `--on-fault count` a retired run has no value, and a pair is compared only when both
/// its runs completed. The reference (`level` = 2u) is retired when u > 0.75, the other bundle
/// (`level` = u + 0.3, or 5 when u < 0.1) when u < 0.1: only runs with 0.1 ≤ u ≤ 0.75 remain,
/// in which the difference is 0.3 − u and the bundle is better when u > 0.3.
#[test]
fn comparisons_leave_out_pairs_with_a_retired_run() {
    let runs = 400;
    // The same draws without the bound: every run's u.
    let free = model(&RETIRED.replace("BOUND", "100"));
    let all = run_plan(&free, runs, FaultMode::Stop, None);
    let u: Vec<f64> = all.outcomes[0].chunks(2).map(|row| row[1]).collect();
    let kept: Vec<f64> = u
        .iter()
        .copied()
        .filter(|u| (0.1..=0.75).contains(u))
        .collect();
    let retired_ref = u.iter().filter(|u| **u > 0.75).count();
    let retired_other = u.iter().filter(|u| **u < 0.1).count();
    assert!(retired_ref > 50 && retired_other > 20 && kept.len() > 200);

    let text = RETIRED.replace("BOUND", "1.5");
    let (m, s) = (model(&text), scenario(&text));
    let out = run_plan(&m, runs, FaultMode::Count, None);
    let per_bundle = |b: usize| out.faults.iter().filter(|(fb, _)| *fb == b).count();
    assert_eq!((per_bundle(0), per_bundle(1)), (retired_ref, retired_other));

    let c = compare_bundles(&s, &m, &out, 0);
    let r = &c.records[0];
    assert_eq!((r.outcome.as_str(), r.bundle.as_str()), ("level", "other"));
    let n = kept.len() as f64;
    let diffs: Vec<f64> = kept.iter().map(|u| (u + 0.3) - 2.0 * u).collect();
    let mean = diffs.iter().sum::<f64>() / n;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let better = kept.iter().filter(|u| **u + 0.3 < 2.0 * **u).count() as f64;
    assert_eq!(r.n, kept.len() as u64);
    let close =
        |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1.0));
    assert!(close(r.mean_diff, mean), "{:?} vs {mean}", r.mean_diff);
    assert!(close(r.se_paired, (var / n).sqrt()), "{:?}", r.se_paired);
    assert!(
        close(r.p_better, better / n),
        "{:?} vs {}",
        r.p_better,
        better / n
    );
    assert_eq!(r.p_tie, 0.0);
    // The `u` outcome is the same draw in both bundles: all kept pairs tie.
    let ru = &c.records[1];
    assert_eq!(
        (ru.n, ru.p_tie, ru.mean_diff),
        (kept.len() as u64, 1.0, Some(0.0))
    );
}

/// A stock's initial value (here drawn from a param, so that validation cannot see it) outside
/// its declared bounds is a fault of the run's initial value (month `None`), whichever bound it
/// crosses.
#[test]
fn initial_values_outside_the_bounds_fault() {
    let run = |range: &str| {
        let text = format!(
            "[scenario]\nname = \"init\"\nstart = \"2024-01\"\nend = \"2024-02\"\n\
             [params]\np = {{ dist = \"uniform\", {range} }}\n\
             [stocks]\ns = {{ init = \"p * 1\", min = 0, max = 10 }}\n[outcomes.s]\nexpr = \"s\"\n"
        );
        let m = model(&text);
        engine::run(
            &m,
            &RunPlan::new(1, 2, vec![0], 1),
            &|_| {},
            &Default::default(),
        )
    };
    let bound = engine::FaultKind::Bound {
        min: 0.0,
        max: 10.0,
    };
    for (range, below) in [("min = -2, max = -1", true), ("min = 11, max = 12", false)] {
        let Err(engine::RunError::Fault(f)) = run(range) else {
            panic!("{range}: expected a fault");
        };
        assert_eq!(
            (f.var.as_str(), f.month, f.run, &f.kind),
            ("s", None, 0, &bound),
            "{range}"
        );
        assert!(if below { f.value < 0.0 } else { f.value > 10.0 }, "{f:?}");
    }
    // Inside the bounds, up to them, no fault.
    run("min = 0, max = 10").unwrap();
}

/// The memory estimate that refuses plans too big to fit, by part: every run's outcomes (10
/// bytes a value with the allocator's slack, and 40 bytes a run for the columns made while
/// summarising), the series sums (one set per bundle, two per worker
/// in flight), the workers' series buffers (a unit's runs per cell), the statistics table, the
/// quantile sketches (one set per worker, sized by the values each holds), each worker's batch
/// state and a fixed part.
#[test]
fn memory_estimate_counts_each_part() {
    use leversim::engine::CellStats;
    use leversim::stats::QuantileSketch;
    let m = model(CALENDAR);
    // 4 recorded auxiliaries x 16 months = 64 cells; 3 outcomes; 1 bundle.
    assert_eq!((m.recorded.len(), m.n_months, m.outcomes.len()), (4, 16, 3));
    let inline = std::mem::size_of::<QuantileSketch>() as u64;
    let stats = std::mem::size_of::<CellStats>() as u64;
    let plan = RunPlan::new(1, 1000, vec![0, 0], 3);
    let e = engine::estimate_memory(&m, &plan);
    assert_eq!(e.outcomes, 1000 * 2 * (3 * 10 + 40));
    assert_eq!(
        e.series_sums,
        (2 + 2 * 3) * 64 * 8 + 3 * 64 * 1000 * 8 + 2 * 64 * stats
    );
    // Past 32 values a sketch is dense: 2 KiB of counts for a typical series.
    let dense = inline + 2048;
    assert_eq!(e.sketches, 2 * 64 * (3 * inline + dense + 2 * dense));
    assert_eq!(e.workers, 3 * (m.n_slots as u64 + 6) * 64 * 8);
    assert_eq!(e.fixed, 10 << 20);
    assert_eq!(
        e.total(),
        e.outcomes + e.series_sums + e.sketches + e.workers + e.fixed
    );
    // Ten runs: buffers of 10 values a cell, sketches in the short list form (16 bytes an
    // entry, capacity a power of two): 16 entries for all ten runs, 4 for a worker's share.
    let plan = RunPlan::new(1, 10, vec![0], 3);
    let e = engine::estimate_memory(&m, &plan);
    assert_eq!(
        e.series_sums,
        (1 + 2 * 3) * 64 * 8 + 3 * 64 * 10 * 8 + 64 * stats
    );
    assert_eq!(e.sketches, 64 * (3 * inline + 16 * 16 + 2 * 16 * 4));
}

/// `summary.json` lists every variable with its kind, unit and whether it is recorded.
#[test]
fn variables_are_listed_with_their_kinds() {
    let text = r#"
[scenario]
name = "kinds"
start = "2024-01"
end = "2024-02"

[levers.k]
default = 1
range = [0, 2]
cost = "3 * k"

[stocks]
s = { init = 0, unit = "items" }

[flows.f]
to = "s"
rate = "k"
unit = "items/month"

[aux]
a = "2 * s"

[events.e]
when = "s > 0"

[output]
series = ["s"]
"#;
    let (m, s) = (model(text), scenario(text));
    let info = leversim::output::summary::scenario_info(&s, &m);
    let mut got: Vec<(String, String, String, bool)> = info
        .variables
        .iter()
        .map(|v| {
            // The kind as summary.json writes it.
            let kind = serde_json::to_value(v.kind).unwrap();
            let kind = kind.as_str().unwrap().to_string();
            (v.name.clone(), kind, v.unit.clone(), v.recorded)
        })
        .collect();
    got.sort();
    let row = |n: &str, k: &str, u: &str, r: bool| (n.into(), k.into(), u.into(), r);
    assert_eq!(
        got,
        [
            row("a", "aux", "", false),
            row("e", "event", "0/1", false),
            row("f", "flow", "items/month", false),
            // Costs are per year, in the scenario's cost unit (none here).
            row("k.cost", "lever_cost", "/year", false),
            row("s", "stock", "items", true),
        ]
    );
}

/// A formula that reads a flow sees this month's flow, wherever the flow is declared: the
/// month's formulas are ordered by what they read, flows included.
#[test]
fn an_auxiliary_reads_the_flow_of_its_own_month() {
    let m = model(
        r#"
[scenario]
name = "order"
start = "2024-01"
end = "2024-06"

[stocks]
store = { init = 0 }

[aux]
doubled = "2 * inflow"

[flows.inflow]
to = "store"
rate = "t + 1"

[outcomes.total]
expr = "store"
"#,
    );
    let out = run_plan(&m, 1, FaultMode::Stop, None);
    assert_eq!(
        path(&m, &out, 0, "doubled"),
        vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    );
}

/// An outcome over months whose formula reads a window is read from the month the window is
/// complete: a `sum` of a three-month total over a six-month scenario adds its last four months.
#[test]
fn an_outcome_over_months_starts_when_its_window_is_complete() {
    let m = model(
        r#"
[scenario]
name = "complete"
start = "2024-01"
end = "2024-06"

[stocks]
store = { init = 0 }

[flows.inflow]
to = "store"
rate = "t + 1"

[outcomes.first_quarter]
expr = "sum(inflow, '2024-01', '2024-03')"
kind = "sum"
"#,
    );
    let out = run_plan(&m, 1, FaultMode::Stop, None);
    // 1 + 2 + 3 = 6, in March, April, May and June.
    assert_eq!(out.outcomes[0][0], 24.0);
}

//! Monte Carlo results against closed-form answers, with tolerances of a few standard errors
//! derived from the known variance, at fixed seeds.

use crate::util::{column, mean_var, model, run};
use leversim::engine::SERIES_PERCENTILES;
use leversim::stats::quantile_sorted;
use leversim::stats::sketch::RELATIVE_ACCURACY;

/// A constant flow of 1,000 a month thinned by Binomial(1000, 0.2) for 12 months delivers
/// Binomial(12000, 0.2): mean 2400, variance 1920.
#[test]
fn binomial_thinned_flow_has_binomial_mean_and_variance() {
    let m = model(
        r#"
        [scenario]
        name = "thin"
        start = "2024-01"
        end = "2024-12"
        [params]
        p = 0.2
        [stocks]
        arrived = { init = 0 }
        [flows.shipments]
        to = "arrived"
        rate = "binomial(1000, p)"
        [outcomes.total]
        expr = "arrived"
        "#,
    );
    // 50,000 runs: the sample variance's relative error is sqrt(2 / n) = 0.63%, so a 5% error
    // in the variance lies 7.9 standard errors out and fails the 5-SE check with power above
    // 99.8% (the mean's 5% error is 270 standard errors).
    let n = 50_000;
    let out = run(&m, n, 11, 2);
    let (mean, var) = mean_var(&column(&m, &out, 0, 0));
    let (true_mean, true_var) = (2400.0, 1920.0);
    let se_mean = (true_var / n as f64).sqrt();
    // SE of a sample variance of near-normal data: var * sqrt(2 / (n - 1)).
    let se_var = true_var * (2.0 / (n as f64 - 1.0)).sqrt();
    assert!(
        (mean - true_mean).abs() < 5.0 * se_mean,
        "mean {mean}, expected {true_mean} ± {se_mean}"
    );
    assert!(
        (var - true_var).abs() < 5.0 * se_var,
        "variance {var}, expected {true_var} ± {se_var}"
    );
}

/// A constant hazard h from the first month makes the firing month geometric:
/// P(k) = (1-h)^k h, mean (1-h)/h = 4, variance (1-h)/h² = 20 for h = 0.2; and the
/// probability of firing within 12 months is 1 - 0.8^12.
///
/// 200,000 runs: the geometric's kurtosis is 9 + h²/(1 − h) = 9.05, so the sample variance's
/// relative error is sqrt(8.05 / n) = 0.63% and a 5% error in it lies 7.9 standard errors out
/// (power above 99.8% against the 5-SE check); a 5% error in the mean, the first month's
/// probability or the year's lies 11 to 74 standard errors out.
#[test]
fn constant_hazard_gives_geometric_firing_month() {
    let m = model(
        r#"
        [scenario]
        name = "hazard"
        start = "2000-01"
        end = "2007-12"
        [events.crisis]
        hazard = "0.2"
        [outcomes.first_month]
        expr = "crisis"
        kind = "first"
        [outcomes.within_a_year]
        expr = "crisis"
        kind = "probability"
        to = "2000-12"
        "#,
    );
    let n = 200_000;
    let out = run(&m, n, 5, 2);
    // The month of first crossing is reported as a decimal year: 2000 + k/12.
    let months: Vec<f64> = column(&m, &out, 0, 0)
        .iter()
        .map(|y| ((y - 2000.0) * 12.0).round())
        .collect();
    assert!(
        months.iter().all(|k| k.is_finite()),
        "P(no event in 96 months) = 0.8^96 ≈ 5e-10"
    );
    let (mean, var) = mean_var(&months);
    let h: f64 = 0.2;
    let true_var = (1.0 - h) / (h * h);
    let se = (true_var / n as f64).sqrt();
    assert!(
        (mean - 4.0).abs() < 5.0 * se,
        "mean firing month {mean}, expected 4 ± {se}"
    );
    let se_var = true_var * ((8.0 + h * h / (1.0 - h)) / n as f64).sqrt();
    assert!(
        (var - true_var).abs() < 5.0 * se_var,
        "variance {var}, expected {true_var} ± {se_var}"
    );
    let p0 = months.iter().filter(|&&k| k == 0.0).count() as f64 / n as f64;
    let se0 = (h * (1.0 - h) / n as f64).sqrt();
    assert!((p0 - h).abs() < 5.0 * se0, "P(first month) {p0}");
    let year: Vec<f64> = column(&m, &out, 0, 1);
    let p12 = year.iter().sum::<f64>() / n as f64;
    let expected = 1.0 - 0.8f64.powi(12);
    let se12 = (expected * (1.0 - expected) / n as f64).sqrt();
    assert!(
        (p12 - expected).abs() < 5.0 * se12,
        "P(within a year) {p12}, expected {expected}"
    );
}

/// A param elicited as a 90% range reproduces that range: the 5th and 95th percentiles of its
/// draws are p05 and p95 within 5 standard errors of a sample quantile,
/// sqrt(p(1-p)/n) / f(x_p).
#[test]
fn elicited_range_is_reproduced() {
    let m = model(
        r#"
        [scenario]
        name = "range"
        start = "2024-01"
        end = "2024-01"
        [params]
        x = { dist = "normal", p05 = 10, p95 = 20 }
        y = { dist = "lognormal", p05 = 1000, p95 = 9000 }
        [outcomes.x]
        expr = "x"
        [outcomes.y]
        expr = "y"
        "#,
    );
    let n = 40_000;
    let out = run(&m, n, 3, 2);
    let mut x = column(&m, &out, 0, 0);
    x.sort_by(f64::total_cmp);
    let sd = 10.0 / (2.0 * 1.644_853_626_951_472_2);
    let density = (-0.5 * 1.644_853_626_951_472_2f64.powi(2)).exp()
        / (2.0 * std::f64::consts::PI).sqrt()
        / sd;
    let se = (0.05 * 0.95 / n as f64).sqrt() / density;
    for (p, want) in [(0.05, 10.0), (0.95, 20.0)] {
        let got = quantile_sorted(&x, p).unwrap();
        assert!(
            (got - want).abs() < 5.0 * se,
            "x quantile {p}: {got}, expected {want} ± {se}"
        );
    }
    let mut y = column(&m, &out, 0, 1);
    y.sort_by(f64::total_cmp);
    let median = quantile_sorted(&y, 0.5).unwrap();
    // Median of a lognormal with this 90% range: sqrt(1000 * 9000) = 3000.
    assert!((median / 3000.0 - 1.0).abs() < 0.02, "median {median}");
}

/// Every outcome kind on a deterministic series x = t (0, 1, ..., 11).
#[test]
fn outcome_kinds_on_a_known_series() {
    let m = model(
        r#"
        [scenario]
        name = "kinds"
        start = "2024-01"
        end = "2024-12"
        [aux]
        x = "t"
        [outcomes.final]
        expr = "x"
        [outcomes.at_june]
        expr = "x"
        at = "2024-06"
        [outcomes.max]
        expr = "x"
        kind = "max"
        [outcomes.min]
        expr = "x"
        kind = "min"
        from = "2024-03"
        [outcomes.sum]
        expr = "x"
        kind = "sum"
        [outcomes.mean]
        expr = "x"
        kind = "mean"
        [outcomes.share]
        expr = "x > 5"
        kind = "share"
        [outcomes.first]
        expr = "x >= 3"
        kind = "first"
        [outcomes.never]
        expr = "x > 100"
        kind = "first"
        [outcomes.ever]
        expr = "x == 7"
        kind = "probability"
        [outcomes.ever_early]
        expr = "x == 7"
        kind = "probability"
        to = "2024-06"
        "#,
    );
    let out = run(&m, 3, 1, 1);
    let row = &out.outcomes[0][..m.outcomes.len()];
    let expected = [11.0, 5.0, 11.0, 2.0, 66.0, 5.5, 0.5, 2024.25];
    assert_eq!(&row[..8], &expected);
    assert!(
        row[8].is_nan(),
        "a `first` outcome that never happens has no value"
    );
    assert_eq!(&row[9..], &[1.0, 0.0]);
}

/// Lever settings: `from` keeps history at the default, `ramp` rises linearly, schedules
/// interpolate, and bundles that do not set a lever keep its default.
#[test]
fn lever_schedules_follow_from_ramp_and_points() {
    let m = model(
        r#"
        [scenario]
        name = "levers"
        start = "2025-01"
        end = "2025-12"
        [levers.effort]
        default = 0.2
        range = [0, 1]
        from = "2025-04"
        ramp = 4
        [aux]
        e = "effort"
        [outcomes.march]
        expr = "e"
        at = "2025-03"
        [outcomes.april]
        expr = "e"
        at = "2025-04"
        [outcomes.june]
        expr = "e"
        at = "2025-06"
        [outcomes.august]
        expr = "e"
        at = "2025-08"
        [bundles.status_quo]
        [bundles.ramped]
        levers = { effort = 1.0 }
        [bundles.scheduled]
        levers = { effort = { schedule = [["2025-02", 0.4], ["2025-06", 0.8]] } }
        [bundles.quick]
        levers = { effort = { value = 0.6, from = "2025-06", ramp = 0 } }
        "#,
    );
    let out = run(&m, 1, 1, 1);
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
    assert!(close(&out.outcomes[0], &[0.2, 0.2, 0.2, 0.2]));
    // Ramp of 4 months from April: 1/4, 2/4, 3/4, 4/4 of the way from 0.2 to 1.
    assert!(
        close(&out.outcomes[1], &[0.2, 0.4, 0.8, 1.0]),
        "{:?}",
        out.outcomes[1]
    );
    // Schedule: 0.4 in February rising linearly to 0.8 in June.
    assert!(
        close(&out.outcomes[2], &[0.5, 0.6, 0.8, 0.8]),
        "{:?}",
        out.outcomes[2]
    );
    assert!(
        close(&out.outcomes[3], &[0.2, 0.2, 0.6, 0.6]),
        "{:?}",
        out.outcomes[3]
    );
}

/// Stocks: flows between stocks conserve the total; `clamp` saturates; events with `when` fire
/// in the first month the condition holds, and `.at` / `.since` follow.
#[test]
fn stocks_flows_bounds_and_conditions() {
    let m = model(
        r#"
        [scenario]
        name = "stocks"
        start = "2024-01"
        end = "2024-12"
        [actors]
        A = "Supplier"
        [stocks]
        depot = { init = 100 }
        front = { init = 0 }
        progress = { init = 0, max = 1, bound = "clamp" }
        [flows.send]
        from = "depot"
        to = "front"
        rate = "10"
        [flows.research]
        from = "A"
        to = "progress"
        rate = "0.3"
        [events.done]
        when = "progress >= 1"
        [outcomes.total]
        expr = "depot + front"
        [outcomes.front]
        expr = "front"
        [outcomes.progress]
        expr = "progress"
        [outcomes.done_at]
        expr = "done.at"
        [outcomes.since]
        expr = "done.since"
        "#,
    );
    let out = run(&m, 2, 1, 1);
    // progress: 0.3, 0.6, 0.9, 1.2 -> clamped to 1 at the end of month index 3, so the event
    // happens in month index 3 and, by December (index 11), 8 months have passed.
    assert_eq!(&out.outcomes[0][..5], &[100.0, 120.0, 1.0, 3.0, 8.0]);
}

/// The series percentiles come from a streaming sketch; they must agree with the exact
/// (type-1) percentiles of the same values within the sketch's stated relative accuracy.
#[test]
fn series_percentiles_match_exact_quantiles() {
    let m = model(
        r#"
        [scenario]
        name = "sketch"
        start = "2024-01"
        end = "2024-06"
        [params]
        rate = { dist = "lognormal", median = 1000, sigma = 0.8 }
        [stocks]
        s = { init = 0 }
        [flows.f]
        to = "s"
        rate = "rate * lognormal(1, 0.5)"
        [outcomes.s_march]
        expr = "s"
        at = "2024-03"
        "#,
    );
    let n = 5_000;
    let out = run(&m, n, 9, 2);
    let mut exact = column(&m, &out, 0, 0);
    exact.sort_by(f64::total_cmp);
    let r = m
        .recorded
        .iter()
        .position(|&v| m.vars[v].name == "s")
        .unwrap();
    let cell = &out.series[0][r][2];
    for (i, p) in SERIES_PERCENTILES.iter().enumerate() {
        // Type-1 quantile: the k-th smallest value with k = ceil(p n).
        let k = ((p * n as f64).ceil() as usize).max(1);
        let want = exact[k - 1];
        let got = cell.p[i];
        assert!(
            ((got - want) / want).abs() <= RELATIVE_ACCURACY * 1.000_001,
            "p{p}: sketch {got}, exact {want}"
        );
    }
    let mean = exact.iter().sum::<f64>() / n as f64;
    assert!(
        (cell.mean / mean - 1.0).abs() < 1e-12,
        "series mean {} vs {mean}",
        cell.mean
    );
}

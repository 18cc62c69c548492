//! Bundle comparisons and sweeps against closed forms.

use crate::util::{model, run};
use leversim::compare::compare_bundles;
use leversim::compare::sweep::{grid_model, parse_grid, sweep_records};
use leversim::scenario::load_str;

const PAIRED: &str = r#"
[scenario]
name = "paired"
start = "2024-01"
end = "2024-12"
[levers.k]
default = 0
range = [0, 1]
[stocks]
s = { init = 0 }
[flows.f]
to = "s"
rate = "normal(10, 2) + k * normal(1, 1)"
[outcomes.s]
expr = "s"
better = "higher"
[bundles.base]
[bundles.more]
levers = { k = 1 }
"#;

fn scenario(text: &str) -> leversim::scenario::Scenario {
    load_str("test.toml", text).scenario.expect("valid")
}

/// With common random numbers the paired difference of the two bundles is the sum of the 12
/// extra N(1, 1) draws: mean 12, variance 12. Independent samples would see var(base) = 12 * 4
/// and var(more) = 12 * 4 + 12, so their error is sqrt(108 / n), three times the paired one.
#[test]
fn paired_difference_matches_closed_form() {
    let m = model(PAIRED);
    let s = scenario(PAIRED);
    // 50,000 runs: the variance of the paired differences is estimated to sqrt(2 / n) = 0.63%
    // (normal differences), so that a 5% error in it lies 7.9 standard errors out and fails
    // the 5-SE check with power above 99.8%; the mean's 5% error is 16 standard errors.
    let n = 50_000;
    let out = run(&m, n, 17, 2);
    let c = compare_bundles(&s, &m, &out, 0);
    let r = &c.records[0];
    assert_eq!((r.bundle.as_str(), r.reference.as_str()), ("more", "base"));
    let se = (12.0 / n as f64).sqrt();
    let mean = r.mean_diff.unwrap();
    assert!(
        (mean - 12.0).abs() < 5.0 * se,
        "mean difference {mean}, expected 12 ± {se}"
    );
    // Compared as variances, to 5 standard errors of a sample variance, sqrt(2 / n) relative
    // (for the sum of two variances this bounds the error from above).
    let rel = 5.0 * (2.0 / n as f64).sqrt();
    let se_paired = r.se_paired.unwrap();
    assert!(
        ((se_paired / se).powi(2) - 1.0).abs() < rel,
        "paired SE {se_paired}, expected {se}"
    );
    let se_ind = r.se_independent.unwrap();
    let expected_ind = (108.0 / n as f64).sqrt();
    assert!(
        ((se_ind / expected_ind).powi(2) - 1.0).abs() < rel,
        "independent SE {se_ind}, expected {expected_ind}"
    );
    // The interval is mean ± t(0.975, n − 1) se (its coverage over repeated experiments is
    // checked by `stats::paired`'s unit tests; one interval covers 12 only 95% of the time).
    assert!((r.ci95_high.unwrap() - mean - 1.96 * se_paired).abs() < 0.01 * se_paired);
    assert!((mean - r.ci95_low.unwrap() - 1.96 * se_paired).abs() < 0.01 * se_paired);
    // P(sum of 12 N(1,1) > 0) = Phi(12 / sqrt(12)) ≈ 0.99973.
    assert!(r.p_better.unwrap() > 0.995);
    assert_eq!(r.p_tie, 0.0);
    assert_eq!(r.improvement, r.mean_diff);
}

/// One month, an event with hazard 0.1 in the reference and 0.2 in the bundle, drawn from the
/// same uniform: the bundle's event happens whenever the reference's does, so it is never
/// better (lower is better), ties with probability 0.9 (both happen: 0.1, neither: 0.8) and is
/// worse with probability 0.1.
#[test]
fn ties_are_counted_apart() {
    let text = r#"
        [scenario]
        name = "ties"
        start = "2024-01"
        end = "2024-01"
        [levers.h]
        default = 0.1
        range = [0, 1]
        [events.crisis]
        hazard = "h"
        [outcomes.crisis]
        expr = "crisis"
        kind = "probability"
        better = "lower"
        [bundles.calm]
        [bundles.tense]
        levers = { h = 0.2 }
    "#;
    let (m, s) = (model(text), scenario(text));
    // 200,000 runs: a share's standard error is at most 0.00067, so that a 5% error in the
    // 10% share (0.005, 7.5 standard errors) fails the 5-SE check with power above 99%.
    let n = 200_000;
    let out = run(&m, n, 3, 2);
    let tense_vs_calm = &compare_bundles(&s, &m, &out, 0).records[0];
    assert_eq!(tense_vs_calm.p_better, Some(0.0));
    let se = (0.9f64 * 0.1 / n as f64).sqrt();
    assert!(
        (tense_vs_calm.p_tie - 0.9).abs() < 5.0 * se,
        "ties {}",
        tense_vs_calm.p_tie
    );
    let calm_vs_tense = &compare_bundles(&s, &m, &out, 1).records[0];
    assert!((calm_vs_tense.p_better.unwrap() - 0.1).abs() < 5.0 * se);
    assert!((calm_vs_tense.p_better.unwrap() + calm_vs_tense.p_tie - 1.0).abs() < 1e-12);
}

/// Four bundles with known cost and effect: B is dominated by A (dearer and worse), the others
/// form the Pareto front.
#[test]
fn pareto_front_and_cost_effectiveness() {
    let text = r#"
        [scenario]
        name = "pareto"
        start = "2024-01"
        end = "2024-12"
        [levers.a]
        default = 0
        range = [0, 1]
        cost = "a"
        [levers.b]
        default = 0
        range = [0, 1]
        cost = "2 * b"
        [outcomes.harm]
        expr = "10 - 5 * a - 3 * b"
        better = "lower"
        [outcomes.cost]
        expr = "lever_cost / 12"
        kind = "sum"
        cost = true
        [bundles.none]
        [bundles.A]
        levers = { a = 1 }
        [bundles.B]
        levers = { b = 1 }
        [bundles.AB]
        levers = { a = 1, b = 1 }
        [bundles.A_again]
        levers = { a = 1 }
    "#;
    let (m, s) = (model(text), scenario(text));
    let out = run(&m, 10, 1, 1);
    let c = compare_bundles(&s, &m, &out, 0);
    // Two bundles with the same cost and effect do not dominate each other: both stay on the
    // front (domination needs strictly better in one of the two).
    let on_front = |b: &str| {
        c.cost_effect
            .iter()
            .find(|r| r.bundle == b && r.outcome == "harm")
            .unwrap()
            .pareto
    };
    assert!(on_front("A") && on_front("A_again"));
    assert_eq!(c.cost_outcome.as_deref(), Some("cost"));
    let get = |b: &str| {
        c.cost_effect
            .iter()
            .find(|r| r.bundle == b && r.outcome == "harm")
            .unwrap()
    };
    assert!(get("none").pareto && get("A").pareto && get("AB").pareto);
    assert!(
        !get("B").pareto,
        "B costs 2 for an improvement of 3; A costs 1 for 5"
    );
    assert!((get("A").effect_per_cost.unwrap() - 5.0).abs() < 1e-9);
    assert!((get("B").effect_per_cost.unwrap() - 1.5).abs() < 1e-9);
    assert!((get("AB").extra_cost - 3.0).abs() < 1e-9 && (get("AB").effect - 8.0).abs() < 1e-9);
    assert_eq!(get("none").effect_per_cost, None);
}

/// A sweep shares random numbers along the grid: for an outcome linear in the lever, the means
/// step by exactly the lever's effect, with no sampling noise between points.
#[test]
fn sweep_points_share_random_numbers() {
    let text = PAIRED.replace("k * normal(1, 1)", "5 * k");
    let (m, s) = (model(&text), scenario(&text));
    let grid = parse_grid("k=0:1:0.25", &s).unwrap();
    assert_eq!(grid.values, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    let (swept, points) = grid_model(&m, 0, &[grid]).unwrap();
    let out = run(&swept, 500, 5, 2);
    let records = sweep_records(&s, &swept, &out, &points);
    let means: Vec<f64> = records.iter().map(|r| r.mean.unwrap()).collect();
    assert_eq!(means.len(), 5, "one record per point of the grid");
    for w in means.windows(2) {
        // 12 months x 5 x 0.25 = 15 per step.
        assert!((w[1] - w[0] - 15.0).abs() < 1e-9, "{means:?}");
    }
    assert!(
        parse_grid("k=0:2:0.5", &s)
            .unwrap_err()
            .contains("outside the range")
    );
    assert!(
        parse_grid("kk=0:1:0.5", &s)
            .unwrap_err()
            .contains("`kk` is not a lever")
    );
    assert!(parse_grid("k=1:0:0.5", &s).is_err());
    // A one-point grid is a grid.
    assert_eq!(parse_grid("k=0.5:0.5:0.1", &s).unwrap().values, vec![0.5]);
    // At most MAX_POINTS (2,000) values: exactly 2,000 is allowed, 2,001 is not.
    let wide = scenario(&PAIRED.replace("range = [0, 1]", "range = [0, 2000]"));
    assert_eq!(parse_grid("k=1:2000:1", &wide).unwrap().values.len(), 2000);
    let err = parse_grid("k=0:2000:1", &wide).unwrap_err();
    assert!(err.contains("2001 values"), "{err}");
    // Both ends of a range away from 0 are checked, with no slack beyond rounding.
    let offset = scenario(&PAIRED.replace("range = [0, 1]", "range = [-3, 2]"));
    assert_eq!(
        parse_grid("k=-3:2:1", &offset).unwrap().values,
        vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    );
    let below = parse_grid("k=-3.5:2:0.5", &offset).unwrap_err();
    assert!(
        below.contains("-3.5 is outside the range [-3, 2]"),
        "{below}"
    );
    let above = parse_grid("k=-3:2.5:0.5", &offset).unwrap_err();
    assert!(
        above.contains("2.5 is outside the range [-3, 2]"),
        "{above}"
    );
}

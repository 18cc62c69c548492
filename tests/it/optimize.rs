//! `root(...)`, and what the optimiser does to a model's ops: per-run values hoisted out of the
//! month, repeated computations shared. (That it changes no value is pinned by the reference
//! test, which is bit-identical to hand-written code, and by the golden values.)

use leversim::engine::{self, RunError, RunPlan};
use leversim::model::ops::{BinFn, Op};

use crate::util::{column, errors, model, run};

const LAKE_ROOT: &str = r#"
[scenario]
name = "root"
start = "2000-01"
end = "2000-12"
[params]
b = { dist = "uniform", min = 0.1, max = 0.45 }
[aux]
p_crit = "root(x, 0.01, 1.5, x^2 / (1 + x^2) - b * x)"
[stocks]
s = { init = 0 }
[flows.f]
to = "s"
rate = "p_crit * normal(1, 0.1)"
[outcomes.p]
expr = "p_crit"
[outcomes.b]
expr = "b"
"#;

/// For q = 2, x^2/(1 + x^2) = b x has the roots 0 and (1 ± sqrt(1 − 4b²)) / (2b); the smaller
/// positive one, written 2b / (1 + sqrt(1 − 4b²)) to avoid cancellation, is the only root in
/// [0.01, 1.5] for b in [0.1, 0.45] (the larger one is above 1.5). Bisection ends at a
/// neighbour of the root, so the two agree to a few units in the last place (the formula's own
/// rounding errors).
#[test]
fn root_finds_the_critical_threshold_of_the_lake() {
    let m = model(LAKE_ROOT);
    let out = run(&m, 300, 5, 1);
    let (p, b) = (column(&m, &out, 0, 0), column(&m, &out, 0, 1));
    for (p, b) in p.iter().zip(&b) {
        let exact = 2.0 * b / (1.0 + (1.0 - 4.0 * b * b).sqrt());
        assert!(
            (p - exact).abs() <= 8.0 * f64::EPSILON * exact,
            "b = {b}: root {p}, exact {exact}"
        );
    }
}

/// The root reads only a param, so it is found once per run, not every month; the flow that
/// draws stays in the month.
#[test]
fn per_run_values_leave_the_month() {
    let m = model(LAKE_ROOT);
    assert!(m.run_ops.iter().any(|op| matches!(op, Op::Root { .. })));
    let month = || m.step_ops.iter().chain(&m.event_ops).chain(&m.outcome_ops);
    assert!(!month().any(|op| matches!(op, Op::Root { .. })));
    assert!(month().any(|op| matches!(op, Op::Draw { .. })));
    assert!(!m.run_ops.iter().any(|op| matches!(op, Op::Draw { .. })));
}

/// `pollution^q / (1 + pollution^q)` raises to the power once, in the month and in the root's
/// body alike.
#[test]
fn repeated_subexpressions_are_computed_once() {
    let m = model(
        r#"
        [scenario]
        name = "cse"
        start = "2000-01"
        end = "2000-12"
        [params]
        q = { dist = "uniform", min = 2, max = 4 }
        b = 0.3
        [stocks]
        pollution = { init = 0.1 }
        [flows.recycling]
        to = "pollution"
        rate = "pollution^q / (1 + pollution^q) + 0.01 * normal(0, 1)"
        [aux]
        p_crit = "root(x, 0.01, 1.5, x^q / (1 + x^q) - b * x)"
        [outcomes.final]
        expr = "pollution + p_crit"
        "#,
    );
    let pows = |ops: &[Op]| {
        ops.iter()
            .filter(|op| matches!(op, Op::Bin { f: BinFn::Pow, .. }))
            .count()
    };
    assert_eq!(pows(&m.step_ops), 1, "{:#?}", m.step_ops);
    assert_eq!(m.roots.len(), 1);
    assert_eq!(pows(&m.roots[0].ops), 1, "{:#?}", m.roots[0].ops);
}

/// Where the formula has the same sign at both ends there is no root to bracket: NaN, which
/// stops the run with the variable named, like any other NaN.
#[test]
fn a_bracket_without_a_sign_change_is_a_fault() {
    let m = model(
        r#"
        [scenario]
        name = "noroot"
        start = "2000-01"
        end = "2000-03"
        [aux]
        r = "root(x, 0, 1, x + 1)"
        [outcomes.r]
        expr = "r"
        "#,
    );
    let plan = RunPlan::new(1, 10, vec![0], 1);
    match engine::run(&m, &plan, &|_| {}, &Default::default()) {
        Err(RunError::Fault(f)) => assert_eq!(f.var, "r"),
        other => panic!("expected a fault, got {:?}", other.map(|o| o.outcomes)),
    }
}

/// Exact zeros at an end or a midpoint are answers; the bracket may be given either way round.
#[test]
fn roots_at_ends_and_reversed_brackets() {
    let m = model(
        r#"
        [scenario]
        name = "ends"
        start = "2000-01"
        end = "2000-01"
        [aux]
        at_low = "root(x, 2, 5, x - 2)"
        at_mid = "root(y, 0, 4, y - 2)"
        reversed = "root(z, 3, 0, z^2 - 2)"
        [outcomes.a]
        expr = "at_low"
        [outcomes.b]
        expr = "at_mid"
        [outcomes.c]
        expr = "reversed"
        "#,
    );
    let out = run(&m, 3, 1, 1);
    assert_eq!(column(&m, &out, 0, 0), [2.0; 3]);
    assert_eq!(column(&m, &out, 0, 1), [2.0; 3]);
    for r in column(&m, &out, 0, 2) {
        assert!((r - 2f64.sqrt()).abs() <= 2.0 * f64::EPSILON, "{r}");
    }
}

#[test]
fn misuses_of_root_are_explained() {
    let base = |expr: &str| {
        format!(
            r#"
            [scenario]
            name = "bad"
            start = "2000-01"
            end = "2000-12"
            [params]
            b = 0.3
            [aux]
            r = "{expr}"
            [outcomes.r]
            expr = "r"
            "#
        )
    };
    let e = errors(&base("root(x, 0, 1, x - uniform(0, 1))"));
    assert!(e.contains("`uniform` cannot be used inside root()"), "{e}");
    let e = errors(&base("root(x, 0, 1, root(y, 0, 1, y - x))"));
    assert!(e.contains("cannot be used inside another root()"), "{e}");
    let e = errors(&base("root(2, 0, 1, b - 0.5)"));
    assert!(e.contains("root() names its unknown first"), "{e}");
    let e = errors(&base("root(b, 0, 1, b - 0.5)"));
    assert!(e.contains("`b` is already a name in the scenario"), "{e}");
    let e = errors(&base("root(x, 0, 1)"));
    assert!(e.contains("`root` takes 4 arguments, not 3"), "{e}");
    let e = errors(&base("root(x, 0, 1, x - c)"));
    assert!(e.contains("unknown name `c`"), "{e}");
}

/// Observation targets run through their own optimised phase (in place of the outcomes, when
/// calibrating): their temporaries must never clobber values hoisted for the whole run, and
/// their window accumulators are written by the engine between the events and the outcomes.
/// Here each observation's expression is also an outcome read at the same month; the two must
/// agree in every run, bit for bit.
const OBSERVED_AND_OUTCOME: &str = r#"
[scenario]
name = "observed"
start = "2024-01"
end = "2024-12"
[params]
p = { dist = "uniform", min = 1, max = 2 }
q = { dist = "lognormal", median = 3, sigma = 0.2 }
[aux]
hoisted = "exp(p) * q + p * p"
[stocks]
s = { init = 0 }
[flows.f]
to = "s"
rate = "hoisted * normal(1, 0.2) + p * q"
[outcomes.o1]
expr = "at(s, '2024-06') * (p * q + 1) + sum(f, '2024-02', '2024-05')"
[outcomes.o2]
expr = "mean(f, '2024-03', '2024-09') / (exp(p) * q + p * p)"
[outcomes.o3]
expr = "at(s, '2024-12') - at(s, '2024-03') + hoisted"
[[observations]]
id = "O1"
source = "test"
expr = "at(s, '2024-06') * (p * q + 1) + sum(f, '2024-02', '2024-05')"
value = 100
rel_sd = 0.5
[[observations]]
id = "O2"
source = "test"
expr = "mean(f, '2024-03', '2024-09') / (exp(p) * q + p * p)"
value = 1
rel_sd = 0.5
[[observations]]
id = "O3"
source = "test"
expr = "at(s, '2024-12') - at(s, '2024-03') + hoisted"
value = 100
rel_sd = 0.5
"#;

#[test]
fn observation_targets_equal_the_same_outcomes() {
    let m = model(OBSERVED_AND_OUTCOME);
    let observing = m.observing(Vec::new(), false);
    let runs = 257;
    let plain = run(&m, runs, 11, 2);
    let observed = run(&observing, runs, 11, 1);
    for k in 0..3 {
        let a = column(&m, &plain, 0, k);
        let b = column(&observing, &observed, 0, k);
        assert_eq!(a.len(), runs as usize);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x.to_bits(), y.to_bits(), "outcome {k}, run {i}: {x} vs {y}");
        }
    }
}

/// A power whose base is a param and whose exponent changes every month (the lake's discount
/// factor `delta^t`) takes the base's logarithm once per run (`Op::PowLog` in the month, the
/// logarithm in the run list), and gives the bits of `pow` itself: the sums below are those of
/// the scalar function, month by month in the same order, for bases of both signs (negative
/// ones go through `pow`'s own handling of integer exponents) and exponents 0, ±1, 2 and others.
#[test]
fn per_run_base_takes_its_logarithm_once() {
    let m = model(
        r#"
        [scenario]
        name = "power"
        start = "2000-01"
        end = "2008-04"
        [params]
        delta = { dist = "uniform", min = -1.5, max = 1.5 }
        [outcomes.u]
        expr = "delta^t"
        kind = "sum"
        [outcomes.v]
        expr = "delta^(t - 50)"
        kind = "sum"
        [outcomes.d]
        expr = "delta"
        "#,
    );
    let month = || m.step_ops.iter().chain(&m.event_ops).chain(&m.outcome_ops);
    assert!(month().any(|op| matches!(op, Op::PowLog { .. })));
    assert!(!month().any(|op| matches!(op, Op::Bin { f: BinFn::Pow, .. })));
    let out = run(&m, 200, 3, 1);
    let (u, v, d) = (
        column(&m, &out, 0, 0),
        column(&m, &out, 0, 1),
        column(&m, &out, 0, 2),
    );
    for ((u, v), d) in u.iter().zip(&v).zip(&d) {
        let (mut su, mut sv) = (0.0, 0.0);
        for t in 0..100 {
            su += engine::vmath::pow(*d, f64::from(t));
            sv += engine::vmath::pow(*d, f64::from(t - 50));
        }
        assert_eq!(u.to_bits(), su.to_bits(), "delta = {d}");
        assert_eq!(v.to_bits(), sv.to_bits(), "delta = {d}");
    }
}

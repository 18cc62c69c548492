//! The estimators against closed forms: the Ishigami function, Sobol's G function and a linear
//! model; the intervals' coverage over repeated experiments, bootstrap on random rows and
//! block spreads on scrambled Sobol' points; and how many fewer runs the Sobol' points need
//! for the same accuracy.

use super::*;
use crate::sensitivity::design::SaltelliDesign;
use std::f64::consts::PI;

/// Ishigami & Homma (1990), a = 7, b = 0.1, inputs uniform on [−π, π].
fn ishigami(x: &[f64]) -> f64 {
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

/// Its analytic indices (Sobol' & Levitan 1999; Saltelli et al. 2008, *Global Sensitivity
/// Analysis: The Primer*, §4.7): S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
pub(crate) fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
    let (a, b) = (7.0, 0.1);
    let p4 = PI.powi(4);
    let p8 = PI.powi(8);
    let v = a * a / 8.0 + b * p4 / 5.0 + b * b * p8 / 18.0 + 0.5;
    let v1 = 0.5 * (1.0 + b * p4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * p8 / 225.0;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

/// Outputs of `f` on a Saltelli design scaled by `to_x`.
fn outputs(
    design: &SaltelliDesign,
    f: impl Fn(&[f64]) -> f64,
    to_x: impl Fn(usize, f64) -> f64,
) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let d = design.d;
    let eval = |m: &[f64]| -> Vec<f64> {
        m.chunks(d)
            .map(|row| {
                let x: Vec<f64> = row.iter().enumerate().map(|(i, &u)| to_x(i, u)).collect();
                f(&x)
            })
            .collect()
    };
    let ya = eval(&design.a);
    let yb = eval(&design.b);
    let yab = (0..d).map(|i| eval(&design.ab(i))).collect();
    (ya, yb, yab)
}

#[test]
fn reference_values_are_the_published_ones() {
    let (s1, st) = ishigami_indices();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(s1.map(round), [0.3139, 0.4424, 0.0]);
    assert_eq!(st.map(round), [0.5576, 0.4424, 0.2437]);
}

/// Six intervals checked at once: each at 1 − 0.05/6 (Bonferroni), so that all six cover the
/// truth with probability at least 95%. (Each 95% interval alone misses 5% of the time; the
/// coverage test below checks that rate.)
const FAMILY_6: f64 = 1.0 - 0.05 / 6.0;

/// N = 20,000 base samples (100,000 evaluations), 500 resamples.
#[test]
fn ishigami_indices_within_their_intervals() {
    let design = SaltelliDesign::random(2024, 20_000, 3);
    let (ya, yb, yab) = outputs(&design, ishigami, |_, u| -PI + 2.0 * PI * u);
    let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
    let col = sobol(&ya, &yb, &refs, 500, FAMILY_6, 1).unwrap();
    let (s1, st) = ishigami_indices();
    for (i, ix) in col.indices.iter().enumerate() {
        assert!(
            ix.s1_ci.0 <= s1[i] && s1[i] <= ix.s1_ci.1,
            "S1 x{}: {ix:?}",
            i + 1
        );
        assert!(
            ix.st_ci.0 <= st[i] && st[i] <= ix.st_ci.1,
            "ST x{}: {ix:?}",
            i + 1
        );
        // And the intervals are informative: narrower than 0.08 at this N.
        assert!(
            ix.s1_ci.1 - ix.s1_ci.0 < 0.08 && ix.st_ci.1 - ix.st_ci.0 < 0.08,
            "{ix:?}"
        );
        assert!(ix.s1_ci.0 <= ix.s1 && ix.s1 <= ix.s1_ci.1);
        assert!(ix.st_ci.0 <= ix.st && ix.st <= ix.st_ci.1);
    }
    // Ishigami's variance: a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 = 13.845.
    assert!((col.variance - 13.845).abs() < 0.3, "{}", col.variance);
    assert!((col.mean - 3.5).abs() < 0.05, "{}", col.mean);
}

/// y = Σ a_i x_i with independent inputs: S1_i = ST_i = a_i² Var(x_i) / Σ a_j² Var(x_j).
/// Here x ~ U(0, 1), so the indices are a_i² / Σ a_j² = 1/14, 4/14, 9/14, 0. Six intervals
/// are checked (the null input's are exact), each at 1 − 0.05/6.
#[test]
fn linear_model_matches_analytic_indices() {
    let a = [1.0, 2.0, 3.0, 0.0];
    let design = SaltelliDesign::random(7, 8192, 4);
    let f = |x: &[f64]| x.iter().zip(&a).map(|(x, a)| x * a).sum::<f64>();
    let (ya, yb, yab) = outputs(&design, f, |_, u| u);
    let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
    let col = sobol(&ya, &yb, &refs, 500, FAMILY_6, 3).unwrap();
    for (i, ix) in col.indices.iter().enumerate().take(3) {
        let s = a[i] * a[i] / 14.0;
        assert!(ix.s1_ci.0 <= s && s <= ix.s1_ci.1, "S1 x{i}: {ix:?}");
        assert!(ix.st_ci.0 <= s && s <= ix.st_ci.1, "ST x{i}: {ix:?}");
    }
    // An input with no effect gets exactly zero: A_B^(3) gives the same outputs as A.
    assert_eq!((col.indices[3].s1, col.indices[3].st), (0.0, 0.0));
    assert_eq!(col.indices[3].st_ci, (0.0, 0.0));
}

/// A shift of the outcome changes nothing (the estimator centres f(B)); a constant outcome has
/// no indices.
#[test]
fn shift_invariance_and_constant_outcomes() {
    let design = SaltelliDesign::random(1, 1000, 3);
    let to_x = |_, u: f64| -PI + 2.0 * PI * u;
    let (ya, yb, yab) = outputs(&design, ishigami, to_x);
    let (sa, sb, sab) = outputs(&design, |x| ishigami(x) + 1e7, to_x);
    let r1: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
    let r2: Vec<&[f64]> = sab.iter().map(Vec::as_slice).collect();
    let c1 = sobol(&ya, &yb, &r1, 0, 0.95, 1).unwrap();
    let c2 = sobol(&sa, &sb, &r2, 0, 0.95, 1).unwrap();
    for (x, y) in c1.indices.iter().zip(&c2.indices) {
        assert!((x.s1 - y.s1).abs() < 1e-6 && (x.st - y.st).abs() < 1e-6);
    }
    let (ca, cb, cab) = outputs(&design, |_| 5.0, to_x);
    let r3: Vec<&[f64]> = cab.iter().map(Vec::as_slice).collect();
    assert!(sobol(&ca, &cb, &r3, 10, 0.95, 1).is_none());
    let mut bad = ya.clone();
    bad[3] = f64::NAN;
    assert!(sobol(&bad, &yb, &r1, 10, 0.95, 1).is_none());
}

/// The 95% intervals should cover the true indices in about 95% of experiments: 1,000
/// independent experiments of N = 500 on Ishigami, 200 resamples each, six intervals each.
///
/// Measured (this seed): 93.8% of the 6,000 intervals cover the truth (93.2–94.4% per index;
/// percentile-bootstrap intervals under-cover slightly at small N), against 89.0% when the
/// same experiments build 90% intervals. The test accepts 92.5% to 97.5%: a 5-point (5%)
/// error in coverage fails. Power: the pooled coverage has a standard error of at most
/// 0.0075 (that of one index's 1,000 trials, so correlation between an experiment's six
/// intervals cannot make it larger), so a coverage of 90% lies 3.3 standard errors below the
/// acceptance region and fails with probability above 99.9%.
#[test]
fn bootstrap_intervals_cover_95_percent() {
    use rayon::prelude::*;
    let (s1, st) = ishigami_indices();
    let experiments = 1000u64;
    let covered: Vec<[u32; 6]> = (0..experiments)
        .into_par_iter()
        .map(|e| {
            let design = SaltelliDesign::random(10_000 + e, 500, 3);
            let (ya, yb, yab) = outputs(&design, ishigami, |_, u| -PI + 2.0 * PI * u);
            let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
            let col = sobol(&ya, &yb, &refs, 200, 0.95, e).unwrap();
            let mut hits = [0u32; 6];
            for (i, ix) in col.indices.iter().enumerate() {
                hits[i] = u32::from(ix.s1_ci.0 <= s1[i] && s1[i] <= ix.s1_ci.1);
                hits[3 + i] = u32::from(ix.st_ci.0 <= st[i] && st[i] <= ix.st_ci.1);
            }
            hits
        })
        .collect();
    let per_index: Vec<f64> = (0..6)
        .map(|k| f64::from(covered.iter().map(|h| h[k]).sum::<u32>()) / experiments as f64)
        .collect();
    let pooled = per_index.iter().sum::<f64>() / 6.0;
    assert!(
        (0.925..=0.975).contains(&pooled),
        "pooled coverage {pooled} (S1 x1..x3, ST x1..x3: {per_index:?})"
    );
    // And no single index is far off: each within 4 of its standard errors (0.0075) of 93.8%.
    for (k, c) in per_index.iter().enumerate() {
        assert!((c - 0.938).abs() < 0.03, "index {k}: coverage {c}");
    }
}

/// Sobol's G function (Saltelli & Sobol' 1995) with Saltelli's a = (0, 1, 4.5, 9, 99, 99),
/// inputs uniform on [0, 1].
const G_A: [f64; 6] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];

fn g_function(x: &[f64]) -> f64 {
    x.iter()
        .zip(G_A)
        .map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
        .product()
}

/// Its indices: V_i = 1 / (3 (1 + a_i)²), V = Π (1 + V_i) − 1, S1_i = V_i / V,
/// ST_i = V_i Π_{j≠i} (1 + V_j) / V.
fn g_indices() -> ([f64; 6], [f64; 6]) {
    let v: Vec<f64> = G_A
        .iter()
        .map(|a| 1.0 / (3.0 * (1.0 + a).powi(2)))
        .collect();
    let total = v.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
    let s1 = std::array::from_fn(|i| v[i] / total);
    let st = std::array::from_fn(|i| {
        let others: f64 = (0..6).filter(|&j| j != i).map(|j| 1.0 + v[j]).product();
        v[i] * others / total
    });
    (s1, st)
}

#[derive(Clone)]
struct Case {
    name: &'static str,
    d: usize,
    f: fn(&[f64]) -> f64,
    to_x: fn(usize, f64) -> f64,
    truth: (Vec<f64>, Vec<f64>),
}

fn cases() -> [Case; 2] {
    let (s1, st) = ishigami_indices();
    let (g1, gt) = g_indices();
    [
        Case {
            name: "Ishigami",
            d: 3,
            f: ishigami,
            to_x: |_, u| -PI + 2.0 * PI * u,
            truth: (s1.to_vec(), st.to_vec()),
        },
        Case {
            name: "G",
            d: 6,
            f: g_function,
            to_x: |_, u| u,
            truth: (g1.to_vec(), gt.to_vec()),
        },
    ]
}

/// The 95% intervals from the spread of independently scrambled blocks cover the analytic
/// indices in about 95% of experiments: 300 experiments per function and N (1024: 4 blocks of
/// 256; 4096: 4 blocks of 1024), every index (S1 and ST of each input). With 300 trials a coverage's standard error is 1.3 points; we
/// accept 90% to 99% for each index (a correct 95% interval fails this with probability below
/// 0.1% per index), and the average over all indices within 92.5% to 97.5%.
#[test]
fn block_intervals_cover_about_95_percent() {
    let experiments = 300u64;
    for (case, n) in cases()
        .into_iter()
        .flat_map(|c| [1024, 4096].map(|n| (c.clone(), n)))
    {
        let d = case.d;
        let mut covered = vec![[0u32; 2]; d];
        for e in 0..experiments {
            let design = SaltelliDesign::new(50_000 + e, n, d);
            let (ya, yb, yab) = outputs(&design, case.f, case.to_x);
            let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
            let col = sobol_blocks(&ya, &yb, &refs, &design.blocks, 0.95).unwrap();
            for (i, ix) in col.indices.iter().enumerate() {
                let (s1, st) = (case.truth.0[i], case.truth.1[i]);
                covered[i][0] += u32::from(ix.s1_ci.0 <= s1 && s1 <= ix.s1_ci.1);
                covered[i][1] += u32::from(ix.st_ci.0 <= st && st <= ix.st_ci.1);
            }
        }
        let mut all = 0.0;
        for (i, c) in covered.iter().enumerate() {
            for (k, &c) in c.iter().enumerate() {
                let share = f64::from(c) / experiments as f64;
                all += share;
                eprintln!(
                    "{} N={n} {} x{}: coverage {share:.3}",
                    case.name,
                    ["S1", "ST"][k],
                    i + 1
                );
                assert!(
                    (0.90..=0.99).contains(&share),
                    "{}: {} of x{}: coverage {share}",
                    case.name,
                    ["S1", "ST"][k],
                    i + 1
                );
            }
        }
        let mean = all / (2 * d) as f64;
        assert!(
            (0.925..=0.975).contains(&mean),
            "{}: mean coverage {mean}",
            case.name
        );
    }
}

/// Root mean square error over all of a function's indices, over `reps` seeds.
fn rmse(case: &Case, n: usize, reps: u64, sobol_points: bool) -> f64 {
    let mut sum = 0.0;
    let mut count = 0.0;
    for e in 0..reps {
        let design = if sobol_points {
            SaltelliDesign::new(90_000 + e, n, case.d)
        } else {
            SaltelliDesign::random(90_000 + e, n, case.d)
        };
        let (ya, yb, yab) = outputs(&design, case.f, case.to_x);
        let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
        let mut est = vec![Estimate { s1: 0.0, st: 0.0 }; case.d];
        estimate(&ya, &yb, &refs, None, &mut est).unwrap();
        for (i, e) in est.iter().enumerate() {
            sum += (e.s1 - case.truth.0[i]).powi(2) + (e.st - case.truth.1[i]).powi(2);
            count += 2.0;
        }
    }
    (sum / count).sqrt()
}

/// Fewer runs for the same answer: over 50 seeds, the root mean square error of all indices
/// from the Sobol' design with 5 times fewer base samples (so 5 times fewer runs) is below that
/// of today's random rows, at N = 16384 on both functions; the table for docs/performance.md is
/// printed (`cargo test --release --lib fewer_runs -- --nocapture`).
#[test]
fn fewer_runs_for_the_same_accuracy() {
    let reps = 50;
    for case in cases() {
        for n in [1024, 4096, 16384] {
            let random = rmse(&case, n, reps, false);
            let mut line = format!("{} random N={n}: rmse {random:.5};", case.name);
            for divisor in [1, 4, 5, 8] {
                let q = rmse(&case, n / divisor, reps, true);
                line.push_str(&format!(" sobol N={}: {q:.5};", n / divisor));
                if n == 16384 && divisor == 5 {
                    assert!(q < random, "{line}");
                }
            }
            eprintln!("{line}");
        }
    }
}

#[test]
#[ignore]
fn explore_blocks() {
    for case in cases() {
        for n in [2048usize, 4096, 8192, 16384] {
            let mut line = format!("{} N={n}:", case.name);
            let random = rmse_k(&case, n, 50, 0);
            line.push_str(&format!(" random {random:.5}"));
            for k in [2usize, 4, 8] {
                line.push_str(&format!(" k={k}: {:.5}", rmse_k(&case, n, 50, k)));
            }
            eprintln!("{line}");
        }
    }
}

fn rmse_k(case: &Case, n: usize, reps: u64, k: usize) -> f64 {
    let mut sum = 0.0;
    let mut count = 0.0;
    for e in 0..reps {
        let design = if k > 0 {
            SaltelliDesign::with_blocks(90_000 + e, n, case.d, k)
        } else {
            SaltelliDesign::random(90_000 + e, n, case.d)
        };
        let (ya, yb, yab) = outputs(&design, case.f, case.to_x);
        let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
        let mut est = vec![Estimate { s1: 0.0, st: 0.0 }; case.d];
        estimate(&ya, &yb, &refs, None, &mut est).unwrap();
        for (i, e) in est.iter().enumerate() {
            sum += (e.s1 - case.truth.0[i]).powi(2) + (e.st - case.truth.1[i]).powi(2);
            count += 2.0;
        }
    }
    (sum / count).sqrt()
}

#[test]
#[ignore]
fn explore_bootstrap_on_one_sequence() {
    for case in cases() {
        for n in [1024usize, 4096] {
            let experiments = 100u64;
            let mut covered = 0u32;
            let mut total = 0u32;
            let mut width = 0.0;
            for e in 0..experiments {
                let design = SaltelliDesign::with_blocks(70_000 + e, n, case.d, 1);
                let (ya, yb, yab) = outputs(&design, case.f, case.to_x);
                let refs: Vec<&[f64]> = yab.iter().map(Vec::as_slice).collect();
                let col = sobol(&ya, &yb, &refs, 200, 0.95, e).unwrap();
                for (i, ix) in col.indices.iter().enumerate() {
                    let (s1, st) = (case.truth.0[i], case.truth.1[i]);
                    covered += u32::from(ix.s1_ci.0 <= s1 && s1 <= ix.s1_ci.1);
                    covered += u32::from(ix.st_ci.0 <= st && st <= ix.st_ci.1);
                    width += ix.s1_ci.1 - ix.s1_ci.0 + ix.st_ci.1 - ix.st_ci.0;
                    total += 2;
                }
            }
            eprintln!(
                "{} N={n}: bootstrap on one sequence covers {:.3}, mean width {:.4}",
                case.name,
                f64::from(covered) / f64::from(total),
                width / f64::from(total)
            );
        }
    }
}

//! Accuracy against the platform's maths library (glibc here, itself within about 0.52 ulp of
//! the exact values), special values exactly as C99 Annex F has them, and identical bits from
//! every compiled variant of the row functions.

use super::*;
use crate::engine::rng::{Stream, stream};
use rand::Rng;

/// Distance in units in the last place between two finite numbers of the same sign (counted
/// through zero otherwise).
fn ulps(a: f64, b: f64) -> u64 {
    let ordered = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    ordered(a).abs_diff(ordered(b))
}

/// Compares `ours` with `reference` on `args`: NaN where it is NaN, the same infinities and
/// zeros (with their signs), elsewhere at most `max_ulps` apart. Returns the largest distance.
fn compare(
    name: &str,
    args: &[(f64, f64)],
    ours: impl Fn(f64, f64) -> f64,
    reference: impl Fn(f64, f64) -> f64,
    max_ulps: u64,
) -> u64 {
    let mut worst = 0;
    let mut differ = 0;
    for &(x, y) in args {
        let (a, b) = (ours(x, y), reference(x, y));
        if b.is_nan() || a.is_nan() {
            assert!(
                a.is_nan() && b.is_nan(),
                "{name}({x:e}, {y:e}): {a:e}, expected {b:e}"
            );
            continue;
        }
        if b.is_infinite() || b == 0.0 || a.is_infinite() || a == 0.0 {
            // Next to the over- and underflow thresholds the two may round either way.
            let near_edge = a.abs() <= 4.0 * 4.9e-324
                || b.abs() <= 4.0 * 4.9e-324
                || a.abs() >= 1.7e308
                || b.abs() >= 1.7e308;
            if !near_edge {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{name}({x:e}, {y:e}): {a:e}, expected {b:e}"
                );
                continue;
            }
        }
        let d = ulps(a, b);
        assert!(
            d <= max_ulps,
            "{name}({x:e}, {y:e}): {a:e}, expected {b:e}: {d} ulps"
        );
        worst = worst.max(d);
        if d > 0 {
            differ += 1;
        }
    }
    eprintln!(
        "{name}: {} arguments, {differ} differ from the platform, by at most {worst} ulp",
        args.len()
    );
    worst
}

fn rng(k: u64) -> Stream {
    stream(k, 0x5EED, 0)
}

/// Every kind of f64: random bit patterns (all exponents, subnormals, both signs).
fn any_bits(n: usize, k: u64) -> Vec<f64> {
    let mut r = rng(k);
    (0..n).map(|_| f64::from_bits(r.next_u64())).collect()
}

/// Uniform in [lo, hi).
fn uniform(n: usize, lo: f64, hi: f64, k: u64) -> Vec<f64> {
    let mut r = rng(k);
    (0..n)
        .map(|_| lo + (hi - lo) * ((r.next_u64() >> 11) as f64 / (1u64 << 53) as f64))
        .collect()
}

/// Values every function must get right.
fn edges() -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.0,
        10.0,
        1e-300,
        1e300,
        f64::MAX,
        -f64::MAX,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE * 0.5,
        5e-324,
        -5e-324,
        1e-310,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0 + f64::EPSILON,
        1.0 - f64::EPSILON / 2.0,
        709.782_712_893_383_973_096,
        709.782_712_893_384,
        709.78,
        710.0,
        -708.39,
        -745.133_219_101_941_108_42,
        -745.2,
        -746.0,
        -1e4,
        1e4,
        std::f64::consts::LN_2,
        std::f64::consts::E,
        1e-20,
        -1e-20,
    ];
    let more: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(more);
    v
}

fn unary_args() -> Vec<(f64, f64)> {
    let mut v = edges();
    v.extend(any_bits(300_000, 1));
    v.extend(uniform(300_000, -750.0, 750.0, 2));
    v.extend(uniform(200_000, -1.0, 1.0, 3));
    v.extend(uniform(200_000, 0.0, 1e6, 4));
    v.into_iter().map(|x| (x, 0.0)).collect()
}

#[test]
fn exp_within_one_ulp_of_the_platform() {
    let worst = compare("exp", &unary_args(), |x, _| exp(x), |x, _| x.exp(), 1);
    assert!(worst <= 1);
}

#[test]
fn ln_within_one_ulp_of_the_platform() {
    let worst = compare("ln", &unary_args(), |x, _| ln(x), |x, _| x.ln(), 1);
    assert!(worst <= 1);
}

#[test]
fn log10_within_two_ulps_of_the_platform() {
    let worst = compare("log10", &unary_args(), |x, _| log10(x), |x, _| x.log10(), 2);
    assert!(worst <= 2);
    for k in -300..=300 {
        let p = format!("1e{k}").parse::<f64>().unwrap();
        let l = log10(p);
        assert!(
            (l - f64::from(k)).abs() <= f64::from(k).abs() * f64::EPSILON,
            "log10(1e{k}) = {l}"
        );
    }
}

fn pow_args() -> Vec<(f64, f64)> {
    let special = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        3.0,
        -3.0,
        0.25,
        1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e308,
        5e-324,
        2_147_483_649.0,
        -2_147_483_649.0,
        9_007_199_254_740_993.0,
        1.8e19,
        3e19,
        -3e19,
        1.0 + f64::EPSILON,
        1.0 - f64::EPSILON / 2.0,
        1024.0,
        -1075.0,
        1e-10,
    ];
    let mut v = Vec::new();
    for &x in &special {
        for &y in &special {
            v.push((x, y));
        }
    }
    let xs = uniform(200_000, 0.0, 5.0, 5);
    let ys = uniform(200_000, -60.0, 60.0, 6);
    v.extend(xs.into_iter().zip(ys));
    // The lake's recycling term: pollution up to 10, q in [2, 4.5].
    let xs = uniform(100_000, 0.0, 10.0, 7);
    let ys = uniform(100_000, 2.0, 4.5, 8);
    v.extend(xs.into_iter().zip(ys));
    // Near 1 with large exponents, huge and tiny bases, results near the edges of the range.
    let xs = uniform(100_000, 0.999, 1.001, 9);
    let ys = uniform(100_000, -1e6, 1e6, 10);
    v.extend(xs.into_iter().zip(ys));
    let xs = any_bits(200_000, 11).into_iter().map(f64::abs);
    let ys = uniform(200_000, -3.0, 3.0, 12);
    v.extend(xs.zip(ys));
    // Negative bases with integer exponents, and with fractional ones (NaN).
    let xs = uniform(100_000, -20.0, 0.0, 13);
    let ys = uniform(100_000, -30.0, 30.0, 14);
    v.extend(xs.iter().zip(&ys).map(|(x, y)| (*x, y.round())));
    v.extend(xs.iter().zip(&ys).map(|(x, y)| (*x, *y)));
    v.extend(any_bits(200_000, 15).into_iter().zip(any_bits(200_000, 16)));
    v
}

#[test]
fn pow_within_one_ulp_of_the_platform() {
    let worst = compare("pow", &pow_args(), pow, f64::powf, 1);
    assert!(worst <= 1);
}

/// Rows give the scalar function's bits in every lane, whichever variant the CPU runs; the
/// variants are compiled here once more, each for one instruction set, and compared.
#[test]
fn every_variant_gives_the_same_bits() {
    #[multiversion(targets("x86_64+avx2+fma"))]
    fn exp_avx2(d: &mut Row, a: &Row) {
        for i in 0..LANES {
            d[i] = exp(a[i]);
        }
    }
    fn exp_baseline(d: &mut Row, a: &Row) {
        for i in 0..LANES {
            d[i] = exp(a[i]);
        }
    }
    #[multiversion(targets("x86_64+avx2+fma"))]
    fn pow_avx2(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row) {
        pow_kernel(d, ok, a, b);
    }
    fn pow_baseline(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row) {
        pow_kernel(d, ok, a, b);
    }
    type Logs<'a> = (&'a Row, &'a Row);
    #[multiversion(targets("x86_64+avx2+fma"))]
    fn pow_log_avx2(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row, (h, l): Logs<'_>) {
        pow_log_kernel(d, ok, a, b, h, l);
    }
    fn pow_log_baseline(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row, (h, l): Logs<'_>) {
        pow_log_kernel(d, ok, a, b, h, l);
    }
    let bits = |r: &Row| r.map(f64::to_bits);
    let unary = unary_args();
    let pairs = pow_args();
    for (c, chunk) in unary.chunks_exact(LANES).enumerate() {
        let a: Row = std::array::from_fn(|i| chunk[i].0);
        let b: Row = std::array::from_fn(|i| pairs[(c * LANES + i) % pairs.len()].1);
        let scalar = a.map(exp);
        let (mut d1, mut d2, mut d3) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
        exp_row(&mut d1, &a);
        exp_avx2(&mut d2, &a);
        exp_baseline(&mut d3, &a);
        assert_eq!(bits(&d1), bits(&scalar));
        assert_eq!(bits(&d2), bits(&scalar));
        assert_eq!(bits(&d3), bits(&scalar));
        ln_row(&mut d1, &a);
        assert_eq!(bits(&d1), bits(&a.map(ln)));
        log10_row(&mut d1, &a);
        assert_eq!(bits(&d1), bits(&a.map(log10)));
        let z = a.map(|x| x.clamp(-3.0, 3.0));
        scaled_exp_row(&mut d1, &b, &b, &z);
        let expect: Row = std::array::from_fn(|i| b[i] * exp(b[i] * z[i]));
        assert_eq!(bits(&d1), bits(&expect));
    }
    let mut general_rows = 0;
    for chunk in pairs.chunks_exact(LANES) {
        let a: Row = std::array::from_fn(|i| chunk[i].0);
        let b: Row = std::array::from_fn(|i| chunk[i].1);
        general_rows += usize::from(!b.iter().any(|&y| special_exponent(y)));
        let scalar: Row = std::array::from_fn(|i| pow(a[i], b[i]));
        let (mut d1, mut d2, mut d3) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
        let (mut ok2, mut ok3) = ([false; LANES], [false; LANES]);
        pow_row(&mut d1, &a, &b);
        pow_avx2(&mut d2, &mut ok2, &a, &b);
        pow_baseline(&mut d3, &mut ok3, &a, &b);
        assert_eq!(bits(&d1), bits(&scalar));
        assert_eq!(ok2, ok3);
        for i in 0..LANES {
            if ok2[i] {
                assert_eq!(d2[i].to_bits(), scalar[i].to_bits());
                assert_eq!(d3[i].to_bits(), scalar[i].to_bits());
            }
        }
        // The same powers from logarithms taken beforehand (a per-run base).
        let hi = a.map(|x| log2_pair(x).0);
        let lo = a.map(|x| log2_pair(x).1);
        let (mut ok4, mut ok5) = ([false; LANES], [false; LANES]);
        pow_log_row(&mut d1, &a, &b, &hi, &lo);
        pow_log_avx2(&mut d2, &mut ok4, &a, &b, (&hi, &lo));
        pow_log_baseline(&mut d3, &mut ok5, &a, &b, (&hi, &lo));
        assert_eq!(bits(&d1), bits(&scalar));
        assert_eq!((ok4, ok5), (ok2, ok2));
        for i in 0..LANES {
            if ok4[i] {
                assert_eq!(d2[i].to_bits(), scalar[i].to_bits());
                assert_eq!(d3[i].to_bits(), scalar[i].to_bits());
            }
        }
    }
    // Both kernels are exercised: rows with a special exponent and rows without.
    assert!(general_rows > 1000 && general_rows < pairs.len() / LANES);
}

/// The kernel without the special exponents settles exactly the lanes the full one settles
/// by the general method, with the same bits, for every exponent that is not special.
#[test]
fn general_path_equals_the_full_lane() {
    for (x, y) in pow_args() {
        if special_exponent(y) {
            continue;
        }
        let (v1, k1) = pow_lane(x, y);
        let (v2, k2) = pow_finish_general(x, pow_general(x, y));
        assert_eq!(k1, k2, "pow({x:e}, {y:e})");
        if k1 {
            assert_eq!(v1.to_bits(), v2.to_bits(), "pow({x:e}, {y:e})");
        }
    }
}

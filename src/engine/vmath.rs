//! `exp`, `ln`, `log10` and `pow` of our own: the same bits on every machine, and fast over
//! the lanes of a row.
//!
//! The platform's maths library differs between systems (glibc, musl, macOS) in the last bit of
//! some results, and it is called one value at a time. These functions are written with IEEE
//! arithmetic only (`+ − × ÷`, comparisons, bit operations, no fused multiply-add), so each
//! result is the same on any machine, and branch-free on the common path, so that a loop over a
//! row of 64 lanes vectorises. The row functions are compiled for AVX-512, AVX2 and the x86-64
//! baseline and the best the CPU has is chosen when the program runs ([`mod@multiversion`]); every
//! variant does the same operations on each lane, so all give identical bits (the tests compare
//! them), and the scalar functions give the same bits as the rows (constant folding at compile
//! time and the samplers use them).
//!
//! The algorithms are those of Sun's fdlibm (1993, freely distributable), as kept in musl:
//! `exp` and `ln` reduce the argument by a multiple of ln 2 (resp. to a mantissa in
//! [√2/2, √2)) and use a rational (resp. polynomial) approximation, with errors under 1 ulp;
//! `log10` carries the logarithm in two parts before scaling; `pow` computes log2 |x| in
//! extended precision (about 2^-64 relative), multiplies by y in two parts and exponentiates,
//! with errors under 1 ulp in fdlibm's analysis. The tests compare with the platform's functions
//! over a million arguments and every edge case (subnormals, huge and tiny values, negatives,
//! zeros of both signs, infinities, NaN): within 1 ulp of them.
//!
//! Lanes where `pow` needs special handling (x ≤ 0, infinite or NaN arguments, |y| > 2^31, a
//! result near overflow or in the subnormal range) are recomputed one by one after the vector
//! loop, by [`pow`] itself, so a row is always lane-by-lane equal to the scalar function.

// The constants are written with the digits of their sources (fdlibm), so that they can be
// checked against them; the compiler rounds them to the same f64s.
#![allow(clippy::excessive_precision)]

use multiversion::multiversion;

use super::exec::{LANES, Row};

/// 1.5 · 2^52: adding and subtracting it rounds a value below 2^51 to the nearest integer (ties
/// to even), and the low bits of the sum hold that integer.
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// An integer of magnitude below 2^51 as f64, by bits (vectorises without AVX-512DQ).
#[inline(always)]
fn int_to_f64(n: i64) -> f64 {
    f64::from_bits((SHIFT.to_bits() as i64).wrapping_add(n) as u64) - SHIFT
}

/// 2^k for k in [-1022, 1023], by bits.
#[inline(always)]
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// The value with its low 32 bits cleared (fdlibm's `SET_LOW_WORD(x, 0)`).
#[inline(always)]
fn trunc32(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0xFFFF_FFFF_0000_0000)
}

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const INV_LN2: f64 = std::f64::consts::LOG2_E;
const P1: f64 = 1.666_666_666_666_660_190_37e-1;
const P2: f64 = -2.777_777_777_701_559_338_42e-3;
const P3: f64 = 6.613_756_321_437_934_361_17e-5;
const P4: f64 = -1.653_390_220_546_525_153_90e-6;
const P5: f64 = 4.138_136_797_057_238_460_39e-8;

/// e^x, within 1 ulp; e^x overflows to infinity above 709.78 and underflows to 0 below
/// −745.13, through the subnormal numbers.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Outside [-746, 710] the result is 0 or infinity anyway; clamping keeps the exponent
    // arithmetic in range. NaN passes through the comparisons unchanged.
    let x = x.clamp(-746.0, 710.0);
    let shifted = x * INV_LN2 + SHIFT;
    let kf = shifted - SHIFT;
    let k = (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    // x = k ln2 + r, with k ln2 in two parts so that hi is exact.
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    // y · 2^k in two exact steps and one rounding, so that subnormal results round once. (The
    // clamp changes nothing for numbers; NaN has left garbage in k.)
    let k = k.clamp(-1100, 1100);
    let k1 = k >> 1;
    let k2 = k - k1;
    y * pow2(k1) * pow2(k2)
}

const LG1: f64 = 6.666_666_666_666_735_130e-1;
const LG2: f64 = 3.999_999_999_940_941_908e-1;
const LG3: f64 = 2.857_142_874_366_239_149e-1;
const LG4: f64 = 2.222_219_843_214_978_396e-1;
const LG5: f64 = 1.818_357_216_161_805_012e-1;
const LG6: f64 = 1.531_383_769_920_937_332e-1;
const LG7: f64 = 1.479_819_860_511_658_591e-1;
const TWO54: f64 = 18_014_398_509_481_984.0;

/// ln(1 + f) without its last two terms: x reduced to 2^k (1 + f), 1 + f in [√2/2, √2).
/// Returns (k, f, hfsq, s · (hfsq + R)) as fdlibm's `log` and `log10` use them.
#[inline(always)]
fn log_reduce(x: f64) -> (f64, f64, f64, f64) {
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * TWO54 } else { x };
    let k_adj: i64 = if sub { -54 } else { 0 };
    let bits = xs.to_bits();
    let hx = (bits >> 32).wrapping_add(0x3FF0_0000 - 0x3FE6_A09E) & 0xFFFF_FFFF;
    let k = (hx >> 20) as i64 - 0x3FF + k_adj;
    let hx = (hx & 0x000F_FFFF) + 0x3FE6_A09E;
    let m = f64::from_bits((hx << 32) | (bits & 0xFFFF_FFFF));
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    (int_to_f64(k), f, hfsq, s * (hfsq + r))
}

/// The value of a logarithm at the edges of its domain, or `None` inside it: NaN for NaN and
/// negative numbers, −∞ at ±0, +∞ at +∞.
#[inline(always)]
fn log_special(x: f64, v: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        x
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x < 0.0 {
        f64::NAN
    } else {
        v
    }
}

/// Natural logarithm, within 1 ulp; NaN below 0, −∞ at 0.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let (dk, f, hfsq, shr) = log_reduce(x);
    let v = shr + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    log_special(x, v)
}

const IVLN10_HI: f64 = 4.342_944_818_781_688_809_39e-1;
const IVLN10_LO: f64 = 2.508_294_671_164_527_522_98e-11;
const LOG10_2_HI: f64 = 3.010_299_956_636_117_713_06e-1;
const LOG10_2_LO: f64 = 3.694_239_077_158_930_786_16e-13;

/// Base-10 logarithm, within 1 ulp; NaN below 0, −∞ at 0.
#[inline(always)]
pub fn log10(x: f64) -> f64 {
    let (dk, f, hfsq, shr) = log_reduce(x);
    // ln(1 + f) as hi + lo, hi with 32 trailing zero bits, so hi · IVLN10_HI is exact.
    let hi = trunc32(f - hfsq);
    let lo = f - hi - hfsq + shr;
    let mut val_hi = hi * IVLN10_HI;
    let y = dk * LOG10_2_HI;
    let mut val_lo = dk * LOG10_2_LO + (lo + hi) * IVLN10_LO + lo * IVLN10_HI;
    let w = y + val_hi;
    val_lo += (y - w) + val_hi;
    val_hi = w;
    log_special(x, val_lo + val_hi)
}

// pow: log2 in extended precision (fdlibm e_pow.c).
const L1: f64 = 5.999_999_999_999_946_487_25e-1;
const L2: f64 = 4.285_714_285_785_501_842_52e-1;
const L3: f64 = 3.333_333_298_183_774_329_18e-1;
const L4: f64 = 2.727_281_238_085_340_064_89e-1;
const L5: f64 = 2.306_607_457_755_617_540_67e-1;
const L6: f64 = 2.069_750_178_003_384_177_84e-1;
const LG2_FULL: f64 = std::f64::consts::LN_2;
const LG2_H: f64 = 6.931_471_824_645_996_093_75e-1;
const LG2_L: f64 = -1.904_654_299_957_768_045_25e-9;
const CP: f64 = 9.617_966_939_259_755_543_29e-1;
const CP_H: f64 = 9.617_967_009_544_372_558_59e-1;
const CP_L: f64 = -7.028_461_650_952_758_265_16e-9;
const DP_H1: f64 = 5.849_624_872_207_641_601_56e-1;
const DP_L1: f64 = 1.350_039_202_129_748_971_28e-8;
const TWO53: f64 = 9_007_199_254_740_992.0;

/// log2(ax) as t1 + t2 (t1 with 32 trailing zero bits), for finite ax > 0.
#[inline(always)]
fn log2_extended(ax: f64) -> (f64, f64) {
    let sub = ax < f64::MIN_POSITIVE;
    let ax = if sub { ax * TWO53 } else { ax };
    let n_adj: i64 = if sub { -53 } else { 0 };
    let bits = ax.to_bits();
    let ix = bits >> 32;
    let mut n = (ix >> 20) as i64 - 0x3FF + n_adj;
    let j = ix & 0x000F_FFFF;
    // The mantissa's interval: |x| < sqrt(3/2): k = 0; < sqrt(3): k = 1; else halve it.
    let k1 = j > 0x3988E && j < 0xBB67A;
    let big = j >= 0xBB67A;
    let mut ix = j | 0x3FF0_0000;
    if big {
        n += 1;
        ix -= 0x0010_0000;
    }
    let ax = f64::from_bits((ix << 32) | (bits & 0xFFFF_FFFF));
    let (bp, dp_h, dp_l) = if k1 {
        (1.5, DP_H1, DP_L1)
    } else {
        (1.0, 0.0, 0.0)
    };
    // ss = s_h + s_l = (x - bp) / (x + bp)
    let u = ax - bp;
    let v = 1.0 / (ax + bp);
    let ss = u * v;
    let s_h = trunc32(ss);
    let t_h = f64::from_bits(
        (((ix >> 1) | 0x2000_0000) + 0x0008_0000 + if k1 { 1 << 18 } else { 0 }) << 32,
    );
    let t_l = ax - (t_h - bp);
    let s_l = v * ((u - s_h * t_h) - s_h * t_l);
    // log(ax)
    let s2 = ss * ss;
    let mut r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
    r += s_l * (s_h + ss);
    let s2 = s_h * s_h;
    let t_h = trunc32(3.0 + s2 + r);
    let t_l = r - ((t_h - 3.0) - s2);
    let u = s_h * t_h;
    let v = s_l * t_h + t_l * ss;
    let p_h = trunc32(u + v);
    let p_l = v - (p_h - u);
    let z_h = CP_H * p_h;
    let z_l = CP_L * p_h + p_l * CP + dp_l;
    let t = int_to_f64(n);
    let t1 = trunc32(((z_h + z_l) + dp_h) + t);
    let t2 = z_l - (((t1 - t) - dp_h) - z_h);
    (t1, t2)
}

/// y · (t1 + t2) as p_h + p_l, and their sum z.
#[inline(always)]
fn times_log(y: f64, t1: f64, t2: f64) -> (f64, f64, f64) {
    let y1 = trunc32(y);
    let p_l = (y - y1) * t1 + y * t2;
    let p_h = y1 * t1;
    (p_h, p_l, p_l + p_h)
}

/// 2^(p_h + p_l) as a mantissa in [0.7, 1.5) and a power of two n (with |p_h + p_l| < 1100).
#[inline(always)]
fn exp2_split(p_h: f64, p_l: f64, z: f64) -> (f64, i64) {
    let shifted = z + SHIFT;
    let nf = shifted - SHIFT;
    let n = (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let p_h = p_h - nf;
    let t = trunc32(p_l + p_h);
    let u = t * LG2_H;
    let v = (p_l - (t - p_h)) * LG2_FULL + t * LG2_L;
    let z = u + v;
    let w = v - (z - u);
    let t = z * z;
    let t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let r = (z * t1) / (t1 - 2.0) - (w + z * w);
    (1.0 - (r - z), n)
}

/// Whether the general method applies to x^y: x > 0 finite, |y| ≤ 2^31 (y not NaN).
#[inline(always)]
fn regular(x: f64, y: f64) -> bool {
    x > 0.0 && x < f64::INFINITY && y.abs() <= 2_147_483_648.0
}

/// 2^(y · (t1 + t2)) with t1 + t2 = log2 x, and whether it is a normal number found by the
/// general method (else the caller's scalar path recomputes it).
#[inline(always)]
fn exp2_of_product(y: f64, t1: f64, t2: f64) -> (f64, bool) {
    let (p_h, p_l, z) = times_log(y, t1, t2);
    let in_range = z > -1020.0 && z < 1020.0;
    let (p_h, p_l, z) = if in_range {
        (p_h, p_l, z)
    } else {
        (0.0, 0.0, 0.0)
    };
    let (m, n) = exp2_split(p_h, p_l, z);
    (m * pow2(n.clamp(-1022, 1023)), in_range)
}

/// x^y by the general method, and whether that value is final (x > 0 finite, y finite with
/// |y| ≤ 2^31, a normal result); other lanes' arithmetic is kept harmless and their value is
/// replaced by the caller.
#[inline(always)]
fn pow_general(x: f64, y: f64) -> (f64, bool) {
    let regular = regular(x, y);
    let xs = if regular { x } else { 2.0 };
    let ys = if regular { y } else { 0.25 };
    let (t1, t2) = log2_extended(xs);
    let (v, in_range) = exp2_of_product(ys, t1, t2);
    (v, regular && in_range)
}

/// log2 x in the two parts `pow` uses (`log2_extended`), for a base that stays the same over
/// many exponents (a per-run base raised to a monthly power): the `(t1, t2)` with which
/// [`pow_log_row`] gives [`pow`]'s bits. Where `pow` does not take logarithms (x ≤ 0, infinite
/// or NaN) any value will do; this gives log2 2.
#[inline(always)]
pub fn log2_pair(x: f64) -> (f64, f64) {
    log2_extended(if x > 0.0 && x < f64::INFINITY { x } else { 2.0 })
}

/// [`pow_general`] with log2 x given by [`log2_pair`].
#[inline(always)]
fn pow_general_log(x: f64, y: f64, t1: f64, t2: f64) -> (f64, bool) {
    let regular = regular(x, y);
    let ys = if regular { y } else { 0.25 };
    let (t1, t2) = if regular { (t1, t2) } else { (1.0, 0.0) };
    let (v, in_range) = exp2_of_product(ys, t1, t2);
    (v, regular && in_range)
}

/// Exponents fdlibm settles before the general method: 0, ±1, 2 and ½.
#[inline(always)]
fn special_exponent(y: f64) -> bool {
    y == 0.0 || y == 1.0 || y == 2.0 || y == -1.0 || y == 0.5
}

/// The vector path of `pow` from the general method's `(value, ok)`: the cases fdlibm settles
/// first (y = 0, x = 1, y = ±1, 2, ½), else the general value, final where `ok` (x > 0 finite
/// with y finite, |y| ≤ 2^31 and a normal result). Lanes not final go to [`pow`].
#[inline(always)]
fn pow_finish(x: f64, y: f64, (v, ok): (f64, bool)) -> (f64, bool) {
    let plus = x.to_bits() >> 63 == 0;
    if y == 0.0 || x == 1.0 {
        (1.0, true)
    } else if x.is_nan() {
        (f64::NAN, false)
    } else if y == 1.0 {
        (x, true)
    } else if y == 2.0 {
        (x * x, true)
    } else if y == -1.0 {
        (1.0 / x, true)
    } else if y == 0.5 && plus {
        (x.sqrt(), true)
    } else {
        (v, ok)
    }
}

/// [`pow_finish`] for a y that is not a [`special_exponent`]: the same `(value, ok)` without
/// computing the special cases' values (a square root and two divisions per lane). A NaN x is
/// not `ok` here either (it is not regular).
#[inline(always)]
fn pow_finish_general(x: f64, (v, ok): (f64, bool)) -> (f64, bool) {
    if x == 1.0 { (1.0, true) } else { (v, ok) }
}

/// The vector path of `pow` for one lane.
#[inline(always)]
fn pow_lane(x: f64, y: f64) -> (f64, bool) {
    pow_finish(x, y, pow_general(x, y))
}

/// Whether y is an integer, and if so whether odd.
fn parity(y: f64) -> Option<bool> {
    if y.abs() >= TWO53 {
        Some(false)
    } else if y == y.trunc() {
        Some((y.abs() as u64) & 1 == 1)
    } else {
        None
    }
}

/// x^y as C99's `pow` defines it (Annex F), within 1 ulp: `pow(x, 0)` and `pow(1, y)` are 1
/// even for NaN; a negative x needs an integer y (else NaN); zeros and infinities follow the
/// signs of x and y.
pub fn pow(x: f64, y: f64) -> f64 {
    let (v, ok) = pow_lane(x, y);
    if ok {
        return v;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    let ax = x.abs();
    let odd = parity(y) == Some(true);
    let negative = x.is_sign_negative();
    if y.is_infinite() {
        return if ax == 1.0 {
            1.0
        } else if (ax > 1.0) == (y > 0.0) {
            f64::INFINITY
        } else {
            0.0
        };
    }
    if ax == 0.0 || ax.is_infinite() {
        // |x|^y is 0 or ∞; the sign is x's for odd integer y.
        let big = (ax == 0.0) == (y < 0.0);
        let z = if big { f64::INFINITY } else { 0.0 };
        return if negative && odd { -z } else { z };
    }
    let sign = if x < 0.0 {
        match parity(y) {
            None => return f64::NAN,
            Some(true) => -1.0,
            Some(false) => 1.0,
        }
    } else {
        1.0
    };
    // ax finite > 0, y finite and non-zero.
    if ax == 1.0 {
        return sign;
    }
    if y.abs() > 1.8e19 {
        // |y| > 2^64: over- or underflows unless |x| = 1 (handled above).
        let big = (ax > 1.0) == (y > 0.0);
        return sign * if big { f64::INFINITY } else { 0.0 };
    }
    let (t1, t2) = log2_extended(ax);
    let (p_h, p_l, z) = times_log(y, t1, t2);
    // fdlibm's overflow test at 1024, with the tail p_l, and underflow at -1075.
    if z > 1024.0 || (z == 1024.0 && p_l + 8.008_566_259_537_294_437_2e-17 > z - p_h) {
        return sign * f64::INFINITY;
    }
    if z < -1075.0 || (z == -1075.0 && p_l <= z - p_h) {
        return sign * 0.0;
    }
    let (m, n) = exp2_split(p_h, p_l, z);
    // m · 2^n in two exact steps and one rounding (subnormal results round once).
    let n1 = n >> 1;
    let n2 = n - n1;
    sign * (m * pow2(n1) * pow2(n2))
}

/// Rows: each lane as the scalar function computes it.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn exp_row(d: &mut Row, a: &Row) {
    for i in 0..LANES {
        d[i] = exp(a[i]);
    }
}

/// `d = m · e^(s · z)` per lane: the log-normal draw's last step.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn scaled_exp_row(d: &mut Row, m: &Row, s: &Row, z: &Row) {
    // Lanes i and i + 32 in each step: two independent chains (see `pow_kernel_with`).
    const H: usize = LANES / 2;
    for i in 0..H {
        d[i] = m[i] * exp(s[i] * z[i]);
        d[i + H] = m[i + H] * exp(s[i + H] * z[i + H]);
    }
}

/// Natural logarithm of each lane.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn ln_row(d: &mut Row, a: &Row) {
    for i in 0..LANES {
        d[i] = ln(a[i]);
    }
}

/// Base-10 logarithm of each lane.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn log10_row(d: &mut Row, a: &Row) {
    for i in 0..LANES {
        d[i] = log10(a[i]);
    }
}

/// `a^b` per lane: the vector path for all lanes, then the scalar function for lanes it left.
pub fn pow_row(d: &mut Row, a: &Row, b: &Row) {
    let mut ok = [false; LANES];
    pow_row_vector(d, &mut ok, a, b);
    if ok.iter().all(|&k| k) {
        return;
    }
    for i in 0..LANES {
        if !ok[i] {
            d[i] = pow(a[i], b[i]);
        }
    }
}

#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn pow_row_vector(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row) {
    pow_kernel(d, ok, a, b);
}

/// Each lane's `(value, ok)` from the general method's result `$general(lane)`: rows with a
/// special exponent finish by [`pow_finish`], others by [`pow_finish_general`]. Each loop step
/// computes lanes `i` and `i + 32`: two independent chains of dependent operations, which the
/// core overlaps (one chain alone leaves it waiting on latencies). (A macro rather than a
/// function taking a closure: the closure was not inlined, and the loop not vectorised.)
macro_rules! pow_kernel_with {
    ($d:ident, $ok:ident, $a:ident, $b:ident, |$i:ident| $general:expr) => {{
        const H: usize = LANES / 2;
        let mut special = false;
        for &y in $b {
            special |= special_exponent(y);
        }
        if special {
            for k in 0..H {
                let (v0, k0) = pow_finish($a[k], $b[k], {
                    let $i = k;
                    $general
                });
                let (v1, k1) = pow_finish($a[k + H], $b[k + H], {
                    let $i = k + H;
                    $general
                });
                ($d[k], $ok[k], $d[k + H], $ok[k + H]) = (v0, k0, v1, k1);
            }
        } else {
            for k in 0..H {
                let (v0, k0) = pow_finish_general($a[k], {
                    let $i = k;
                    $general
                });
                let (v1, k1) = pow_finish_general($a[k + H], {
                    let $i = k + H;
                    $general
                });
                ($d[k], $ok[k], $d[k + H], $ok[k + H]) = (v0, k0, v1, k1);
            }
        }
    }};
}

/// The vector path over a row, inlined into each instruction set's variant (and the tests').
#[inline(always)]
fn pow_kernel(d: &mut Row, ok: &mut [bool; LANES], a: &Row, b: &Row) {
    pow_kernel_with!(d, ok, a, b, |i| pow_general(a[i], b[i]));
}

/// `x^y` per lane with log2 x given per lane by [`log2_pair`] (`hi`, `lo`): [`pow_row`]'s
/// bits without taking the logarithm again.
pub fn pow_log_row(d: &mut Row, x: &Row, y: &Row, hi: &Row, lo: &Row) {
    let mut ok = [false; LANES];
    pow_log_row_vector(d, &mut ok, x, y, hi, lo);
    if ok.iter().all(|&k| k) {
        return;
    }
    for i in 0..LANES {
        if !ok[i] {
            d[i] = pow(x[i], y[i]);
        }
    }
}

#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn pow_log_row_vector(d: &mut Row, ok: &mut [bool; LANES], x: &Row, y: &Row, hi: &Row, lo: &Row) {
    pow_log_kernel(d, ok, x, y, hi, lo);
}

/// [`pow_kernel`] from given logarithms.
#[inline(always)]
fn pow_log_kernel(d: &mut Row, ok: &mut [bool; LANES], x: &Row, y: &Row, hi: &Row, lo: &Row) {
    pow_kernel_with!(d, ok, x, y, |i| pow_general_log(x[i], y[i], hi[i], lo[i]));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

//! Normal draws over the lanes of a row: a stream's first number turned into a standard normal
//! deviate by inversion, for all 64 runs of a batch at once.
//!
//! A formula's `normal(..)` or `lognormal(..)` draws one number from the stream of its (run,
//! site, month) ([`super::rng`]): SplitMix64 seeded from the stream key, whose first output is
//! [`first_u64`]. That is three rounds of the SplitMix64 mixer, integer work that vectorises.
//! The 52 high bits become a uniform u strictly inside (0, 1), and z = Φ⁻¹(u) by Wichura's
//! algorithm AS 241 (PPND16; *Applied Statistics* 37:477–484, 1988), a rational approximation
//! accurate to about 1e-16, the method R's `rnorm` uses by default ("Inversion"). Inversion
//! takes exactly one number per draw and has no rejection loop, so every lane does the same
//! arithmetic and the loop vectorises; the logarithm is [`super::vmath::ln`], so the deviates
//! are the same bits on every machine. The tails reach ±8.2 (u = 2^-53).
//!
//! The scalar [`standard_normal`] is the same computation for one stream, and gives the same
//! bits as a row (the tests compare them).

// The coefficients are written with the digits of Wichura's paper, so that they can be checked
// against it; the compiler rounds them to the same f64s.
#![allow(clippy::excessive_precision)]

use multiversion::multiversion;
use rand::Rng;

use super::exec::{LANES, Row};
use super::rng::mix;
use super::vmath;

/// The first number of the stream of (`run_key`, `site`, `month`): what
/// `rng::stream(run_key, site, month).next_u64()` returns.
#[inline(always)]
pub fn first_u64(run_key: u64, site: u64, month: u64) -> u64 {
    first_u64_keyed(mix(run_key ^ site), month)
}

/// [`first_u64`] from the run's key of the site ([`super::rng::site_run_key`]).
#[inline(always)]
pub fn first_u64_keyed(site_run_key: u64, month: u64) -> u64 {
    mix(mix(site_run_key ^ month))
}

/// A uniform number strictly inside (0, 1) from the 52 high bits of `x`, centred in its cell:
/// (k + ½) · 2^-52, built by bits (exact, and it vectorises without 64-bit conversions).
#[inline(always)]
pub fn open_unit(x: u64) -> f64 {
    const HALF_CELL: f64 = 1.0 / (1u64 << 53) as f64;
    (f64::from_bits(0x3FF0_0000_0000_0000 | (x >> 12)) - 1.0) + HALF_CELL
}

const A: [f64; 8] = [
    3.387_132_872_796_366_608_0e0,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083_0e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061_0e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561_0e3,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34e0,
    4.630_337_846_156_545_295_90e0,
    5.769_497_221_460_691_405_50e0,
    3.647_848_324_763_204_605_04e0,
    1.270_458_252_452_368_382_58e0,
    2.417_807_251_774_506_117_70e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_40e-4,
];
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87e0,
    1.676_384_830_183_803_849_40e0,
    6.897_673_349_851_000_045_50e-1,
    1.481_039_764_274_800_745_90e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946_00e-4,
    1.050_750_071_644_416_843_24e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103_777_20e0,
    5.463_784_911_164_114_369_90e0,
    1.784_826_539_917_291_335_80e0,
    2.965_605_718_285_048_912_30e-1,
    2.653_218_952_657_612_309_30e-2,
    1.242_660_947_388_078_438_60e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_90e-1,
    1.369_298_809_227_358_053_10e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591_00e-4,
    1.846_318_317_510_054_681_80e-5,
    1.421_511_758_316_445_888_70e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// Horner's rule, highest coefficient last in `c`.
#[inline(always)]
fn poly(c: &[f64; 8], r: f64) -> f64 {
    let mut v = c[7];
    for k in (0..7).rev() {
        v = v * r + c[k];
    }
    v
}

/// Whether u is in AS 241's central region, |u − ½| ≤ 0.425.
#[inline(always)]
fn is_central(u: f64) -> bool {
    (u - 0.5).abs() <= 0.425
}

/// AS 241's central approximation, Φ⁻¹(u) for [`is_central`] u.
#[inline(always)]
fn central(u: f64) -> f64 {
    let q = u - 0.5;
    let r = 0.180_625 - q * q;
    q * poly(&A, r) / poly(&B, r)
}

/// AS 241's tail approximations, Φ⁻¹(u) for u outside the central region: r =
/// sqrt(−ln(min(u, 1 − u))), with the near and far coefficient sets. (Harmless for central u.)
#[inline(always)]
fn tail(u: f64) -> f64 {
    let q = u - 0.5;
    let p = if q < 0.0 { u } else { 1.0 - u };
    let p = if is_central(u) { 0.25 } else { p };
    let r = (-vmath::ln(p)).sqrt();
    let near = r <= 5.0;
    let rr = if near { r - 1.6 } else { r - 5.0 };
    let num: [f64; 8] = std::array::from_fn(|k| if near { C[k] } else { E[k] });
    let den: [f64; 8] = std::array::from_fn(|k| if near { D[k] } else { F[k] });
    let zt = poly(&num, rr) / poly(&den, rr);
    if q < 0.0 { -zt } else { zt }
}

/// Φ⁻¹(u) for u strictly inside (0, 1): Wichura's AS 241 (PPND16), branch-free: the central
/// and the tail approximations are both computed and one is kept.
#[inline(always)]
pub fn inv_normal(u: f64) -> f64 {
    let zc = central(u);
    let zt = tail(u);
    if is_central(u) { zc } else { zt }
}

/// A standard normal deviate from the next number of `rng` (for a fresh stream, the same bits
/// as a lane of [`normal_row`]).
#[inline]
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    inv_normal(open_unit(rng.next_u64()))
}

/// Per lane: the standard normal deviate of the stream of (run `i`, site, `month`), given the
/// run's key of the site for each lane ([`super::rng::site_run_key`]).
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn normal_row(z: &mut Row, site_run_keys: &[u64; LANES], month: u64) {
    normal_kernel(z, site_run_keys, month);
}

/// Lanes the tail approximation is computed for at once.
const TAIL_CHUNK: usize = 8;

/// [`normal_row`]'s work, inlined into each instruction set's variant (and the tests'): the
/// uniforms and the central approximation for every lane, then the tails only for the lanes
/// outside the central region (15% of them), gathered into chunks of [`TAIL_CHUNK`], since
/// the tails (a logarithm, a square root and two more rational functions) cost more than the
/// rest. Each lane gets [`inv_normal`]'s bits.
#[inline(always)]
fn normal_kernel(z: &mut Row, keys: &[u64; LANES], month: u64) {
    // Lanes i and i + 32 in each step: two independent chains of the mixer's multiplications.
    const H: usize = LANES / 2;
    let mut u = [0.0; LANES];
    for i in 0..H {
        u[i] = open_unit(first_u64_keyed(keys[i], month));
        u[i + H] = open_unit(first_u64_keyed(keys[i + H], month));
    }
    inv_normal_kernel(z, &u);
}

/// [`inv_normal`] of each lane of `u`, the tails computed only where needed (see
/// [`normal_kernel`]).
#[inline(always)]
fn inv_normal_kernel(z: &mut Row, u: &Row) {
    let mut out = [0u8; LANES];
    for i in 0..LANES {
        z[i] = central(u[i]);
        out[i] = u8::from(!is_central(u[i]));
    }
    // The tail lanes' indices, in order, without branches.
    let mut at = [0u8; LANES];
    let mut n = 0;
    for (i, &o) in out.iter().enumerate() {
        at[n] = i as u8;
        n += usize::from(o);
    }
    if n == 0 {
        return;
    }
    // Unused places hold ½, a central value, where the tail is harmless.
    let mut tu = [0.5; LANES];
    for k in 0..n {
        tu[k] = u[usize::from(at[k])];
    }
    let mut tz = [0.0; LANES];
    let chunks = n.div_ceil(TAIL_CHUNK);
    // Fixed-size chunks, so that each is one vectorised pass without bounds checks.
    let (tz_chunks, _) = tz.as_chunks_mut::<TAIL_CHUNK>();
    let (tu_chunks, _) = tu.as_chunks::<TAIL_CHUNK>();
    for (zc, uc) in tz_chunks.iter_mut().zip(tu_chunks).take(chunks) {
        for j in 0..TAIL_CHUNK {
            zc[j] = tail(uc[j]);
        }
    }
    for k in 0..n {
        z[usize::from(at[k])] = tz[k];
    }
}

/// Per lane: the first uniform number in [0, 1) of the stream of (`run_keys[i]`, `site`,
/// `month`), the bits [`super::sample::standard_uniform`] gives from that stream (the 53 high
/// bits of its first number, scaled; the conversion is exact). Inlined into its callers, which
/// are compiled per instruction set, so that the integer mixing vectorises.
#[inline(always)]
pub fn uniform_row(u: &mut Row, run_keys: &[u64; LANES], site: u64, month: u64) {
    const TWO_POW_MINUS_53: f64 = 1.0 / 9_007_199_254_740_992.0;
    for i in 0..LANES {
        u[i] = (first_u64(run_keys[i], site, month) >> 11) as f64 * TWO_POW_MINUS_53;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{run_key, stream};
    use statrs::function::erf::erfc_inv;

    /// The row's uniforms are the scalar sampler's, lane by lane.
    #[test]
    fn uniform_row_matches_the_scalar_sampler() {
        let keys: [u64; LANES] = std::array::from_fn(|i| run_key(11, 1000 + i as u64));
        for (site, month) in [(0u64, 0u64), (0x9E37_79B9_7F4A_7C15, 42), (7, u64::MAX - 1)] {
            let mut row = [0.0; LANES];
            uniform_row(&mut row, &keys, site, month);
            for (lane, &u) in row.iter().enumerate() {
                let scalar =
                    crate::engine::sample::standard_uniform(&mut stream(keys[lane], site, month));
                assert_eq!(u.to_bits(), scalar.to_bits(), "lane {lane}");
            }
        }
    }

    #[test]
    fn first_number_is_the_streams() {
        for k in 0..100u64 {
            let rk = run_key(7, k);
            let (site, month) = (mix(k) | 1, k % 13);
            assert_eq!(
                first_u64(rk, site, month),
                stream(rk, site, month).next_u64()
            );
        }
    }

    #[test]
    fn open_unit_is_inside_and_centred() {
        assert_eq!(open_unit(0), 0.5 / (1u64 << 52) as f64);
        assert_eq!(open_unit(u64::MAX), 1.0 - 0.5 / (1u64 << 52) as f64);
        assert_eq!(open_unit(1 << 63), 0.5 + 0.5 / (1u64 << 52) as f64);
        assert_eq!(
            open_unit(0x1234_5678_9ABC_DEF0),
            crate::sensitivity::design::open_unit(0x1234_5678_9ABC_DEF0)
        );
    }

    /// Against Φ⁻¹(u) = −√2 erfc⁻¹(2u) (statrs, Boost's approximation, a few ulps): within
    /// 1e-14 relative over the whole range, the far tails included.
    #[test]
    fn inversion_matches_the_normal_quantile() {
        let mut us: Vec<f64> = (1..100_000).map(|k| k as f64 / 100_000.0).collect();
        for e in 1..=52 {
            let tiny = 2f64.powi(-e);
            us.extend([tiny, 1.0 - tiny, 0.425 + 0.5, 0.075]);
        }
        us.push(open_unit(0));
        us.push(open_unit(u64::MAX));
        for u in us {
            if !(u > 0.0 && u < 1.0) {
                continue;
            }
            let z = inv_normal(u);
            let exact = -std::f64::consts::SQRT_2 * erfc_inv(2.0 * u);
            assert!(
                (z - exact).abs() <= 1e-14 * exact.abs().max(1e-300),
                "u = {u:e}: {z:e}, expected {exact:e}"
            );
        }
    }

    /// Every compiled variant of the row gives [`inv_normal`]'s bits, for rows with no tail
    /// lane, all tail lanes, and any mixture (the tails are gathered and scattered).
    #[test]
    fn every_variant_gives_the_same_bits() {
        #[multiversion(targets("x86_64+avx2+fma"))]
        fn avx2(z: &mut Row, u: &Row) {
            inv_normal_kernel(z, u);
        }
        fn baseline(z: &mut Row, u: &Row) {
            inv_normal_kernel(z, u);
        }
        let mut rows: Vec<Row> = vec![[0.5; LANES], [0.01; LANES], [0.999; LANES]];
        let edges = [open_unit(0), open_unit(u64::MAX), 0.075, 0.925, 1e-300, 0.5];
        rows.push(std::array::from_fn(|i| edges[i % edges.len()]));
        for k in 0..2000u64 {
            // Tail shares from none to all: u from the stream, pushed outwards for some lanes.
            let share = (k % 65) as f64 / 64.0;
            rows.push(std::array::from_fn(|i| {
                let x = first_u64(k, i as u64, 5);
                let u = open_unit(x);
                if ((x & 0xFFF) as f64) < share * 4096.0 {
                    u * 0.075
                } else {
                    u
                }
            }));
        }
        for u in rows {
            let want = u.map(inv_normal).map(f64::to_bits);
            let (mut a, mut b) = ([0.0; LANES], [0.0; LANES]);
            avx2(&mut a, &u);
            baseline(&mut b, &u);
            assert_eq!(a.map(f64::to_bits), want);
            assert_eq!(b.map(f64::to_bits), want);
        }
    }

    #[test]
    fn rows_and_streams_agree_bit_for_bit() {
        let run_keys: [u64; LANES] = std::array::from_fn(|i| run_key(3, i as u64));
        let cases = [(1, 0), (0xDEAD_BEEF, 17), (u64::MAX, u64::MAX - 1)];
        for (site, month) in cases.into_iter().chain((0..300).map(|m| (77, m))) {
            let mut z = [0.0; LANES];
            let keys = run_keys.map(|k| crate::engine::rng::site_run_key(k, site));
            normal_row(&mut z, &keys, month);
            for i in 0..LANES {
                let mut rng = stream(run_keys[i], site, month);
                assert_eq!(z[i].to_bits(), standard_normal(&mut rng).to_bits());
            }
        }
    }

    /// Moments of 400,000 deviates: mean 0 (se 0.0016), variance 1 (se 0.0022), kurtosis 3
    /// (se 0.0077); 5 standard errors each, so a correct sampler fails with probability below
    /// 1e-5 per check at this fixed seed.
    #[test]
    fn deviates_have_normal_moments() {
        let n = 400_000;
        let mut s = [0.0f64; 4];
        let rk = run_key(11, 0);
        for m in 0..n {
            let z = inv_normal(open_unit(first_u64(rk, 99, m)));
            let mut p = 1.0;
            for v in &mut s {
                p *= z;
                *v += p;
            }
        }
        let nf = n as f64;
        let (mean, var, kurt) = (s[0] / nf, s[1] / nf, s[3] / nf);
        assert!(mean.abs() < 5.0 * (1.0 / nf).sqrt(), "{mean}");
        assert!((var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(), "{var}");
        assert!((kurt - 3.0).abs() < 5.0 * (96.0 / nf).sqrt(), "{kurt}");
    }
}

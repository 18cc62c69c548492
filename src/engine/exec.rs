//! Executing ops over a batch of runs at once ("structure of arrays").
//!
//! Each slot holds one value per lane (run) of the batch. An op is dispatched once per batch
//! and then loops over the lanes, so the interpreter's overhead is shared by [`LANES`] runs and
//! the arithmetic loops vectorise. Both branches of an `if` are computed and then selected: a
//! random draw inside an untaken branch still happens, but since streams are keyed by month that
//! never shifts any other draw.

use multiversion::multiversion;

use super::rng::{Stream, stream_keyed};
use super::sample;
use super::vmath;
use super::vrand;
use crate::model::ops::{BinFn, DrawFn, Op, ROOT_MAX_STEPS, RootBody, UnFn, clamp, select};

/// Runs per batch. 64 keeps a slot's row at 512 bytes, so that a model's working set of a few
/// hundred slots stays in the L2 cache.
pub const LANES: usize = 64;

/// One slot's values across the lanes of a batch.
pub type Row = [f64; LANES];

/// What ops need besides the value table: where random draws find their streams, and the
/// bodies of roots.
pub struct DrawCx<'a> {
    /// Lanes in use (the last batch of a chunk may be partial).
    pub active: usize,
    /// Month code of this evaluation.
    pub month: u64,
    /// Per random site (indexed by `Op::Draw::site`) and lane: the run's key of the site
    /// ([`super::rng::site_run_key`]), computed once per run.
    pub site_keys: &'a [[u64; LANES]],
    /// Bodies of roots, indexed by `Op::Root::body`.
    pub roots: &'a [RootBody],
}

/// Read access to every row except an op's destination.
pub(super) struct Others<'v> {
    below: &'v [Row],
    above: &'v [Row],
    at: usize,
}

impl Others<'_> {
    /// A row other than the destination (the compiler never makes an op read its destination).
    #[inline(always)]
    pub(super) fn get(&self, slot: usize) -> &Row {
        if slot < self.at {
            &self.below[slot]
        } else {
            &self.above[slot - self.at - 1]
        }
    }
}

/// Splits the value table into the destination row and the others.
#[inline(always)]
pub(super) fn split(vals: &mut [Row], dst: usize) -> (&mut Row, Others<'_>) {
    let (below, rest) = vals.split_at_mut(dst);
    let (dst_row, above) = rest
        .split_first_mut()
        .unwrap_or_else(|| panic!("internal error: slot {dst} outside the value table"));
    (
        dst_row,
        Others {
            below,
            above,
            at: dst,
        },
    )
}

#[inline(always)]
fn map1(d: &mut Row, a: &Row, f: impl Fn(f64) -> f64) {
    for (d, a) in d.iter_mut().zip(a) {
        *d = f(*a);
    }
}

#[inline(always)]
fn map2(d: &mut Row, a: &Row, b: &Row, f: impl Fn(f64, f64) -> f64) {
    for ((d, a), b) in d.iter_mut().zip(a).zip(b) {
        *d = f(*a, *b);
    }
}

#[inline(always)]
fn map3(d: &mut Row, a: &Row, b: &Row, c: &Row, f: impl Fn(f64, f64, f64) -> f64) {
    for i in 0..LANES {
        d[i] = f(a[i], b[i], c[i]);
    }
}

/// Runs `ops` in order on `vals`. Compiled for AVX-512, AVX2 and the baseline, chosen when the
/// program runs: the lane loops of every op then use the widest vectors the CPU has. Every
/// variant does the same IEEE operations on each lane, so the results are the same bits.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn exec(ops: &[Op], vals: &mut [Row], cx: &DrawCx<'_>) {
    for op in ops {
        match *op {
            Op::Copy { dst, a } => {
                let (d, s) = split(vals, dst.index());
                *d = *s.get(a.index());
            }
            Op::Un { dst, f, a } => {
                let (d, s) = split(vals, dst.index());
                let a = s.get(a.index());
                macro_rules! un {
                    ($($v:ident),*) => {
                        match f {
                            UnFn::Exp => vmath::exp_row(d, a),
                            UnFn::Ln => vmath::ln_row(d, a),
                            UnFn::Log10 => vmath::log10_row(d, a),
                            $(UnFn::$v => map1(d, a, |x| UnFn::$v.apply(x)),)*
                        }
                    };
                }
                un!(
                    Neg, Not, Abs, Sqrt, Sin, Cos, Floor, Ceil, Round, Log2Hi, Log2Lo
                );
            }
            Op::Bin { dst, f, a, b } => {
                let (d, s) = split(vals, dst.index());
                let (a, b) = (s.get(a.index()), s.get(b.index()));
                macro_rules! bin {
                    ($($v:ident),*) => {
                        match f {
                            BinFn::Pow => vmath::pow_row(d, a, b),
                            $(BinFn::$v => map2(d, a, b, |x, y| BinFn::$v.apply(x, y)),)*
                        }
                    };
                }
                bin!(
                    Add, Sub, Mul, Div, Rem, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Min, Max
                );
            }
            Op::PowLog { dst, x, y, hi, lo } => {
                let (d, s) = split(vals, dst.index());
                let (x, y) = (s.get(x.index()), s.get(y.index()));
                vmath::pow_log_row(d, x, y, s.get(hi.index()), s.get(lo.index()));
            }
            Op::Select { dst, c, a, b } => {
                let (d, s) = split(vals, dst.index());
                map3(
                    d,
                    s.get(c.index()),
                    s.get(a.index()),
                    s.get(b.index()),
                    select,
                );
            }
            Op::Clamp { dst, x, lo, hi } => {
                let (d, s) = split(vals, dst.index());
                map3(
                    d,
                    s.get(x.index()),
                    s.get(lo.index()),
                    s.get(hi.index()),
                    clamp,
                );
            }
            Op::Draw {
                dst,
                f,
                site,
                args,
                guard,
            } => {
                let (d, s) = split(vals, dst.index());
                let [a, b, c] = args.map(|slot| s.get(slot.index()));
                let keys = &cx.site_keys[site as usize];
                // Lanes whose `if` takes the other branch skip the draw (value unused).
                let mut wanted = [true; LANES];
                if let Some((cond, branch)) = guard {
                    let cond = s.get(cond.index());
                    for (w, c) in wanted.iter_mut().zip(cond) {
                        *w = !c.is_nan() && (*c != 0.0) == branch;
                    }
                }
                draw(d, f, [a, b, c], cx, keys, &wanted);
            }
            Op::Root { dst, lo, hi, body } => {
                let (lo, hi) = (vals[lo.index()], vals[hi.index()]);
                vals[dst.index()] = root(&cx.roots[body as usize], lo, hi, vals, cx);
            }
        }
    }
}

/// The root of a body between the ends `a` and `b`, lane by lane, by the Illinois method
/// (regula falsi whose retained end has its value halved when it is kept twice running; Dowell
/// & Jarratt 1971, *BIT* 11:168–174), safeguarded by bisection: a secant point outside the
/// bracket, or a bracket that has not halved in three steps, takes the midpoint instead. A lane
/// stops when the midpoint of its bracket equals an end (the ends are neighbouring numbers) or
/// the body is exactly 0 at a point; the answer is then the end where the body is smaller in
/// magnitude (the first on a tie). NaN where the body has the same sign at both ends, or is NaN
/// at a point tried. A lane's answer depends on its own values only (finished lanes keep their
/// answer while others go on), so it is the same in any batch; a bracket like [0.01, 1.5] takes
/// 10 to 20 evaluations where bisection takes 55.
fn root(body: &RootBody, mut a: Row, mut b: Row, vals: &mut [Row], cx: &DrawCx<'_>) -> Row {
    let eval = |x: &Row, vals: &mut [Row]| -> Row {
        vals[body.x.index()] = *x;
        exec(&body.ops, vals, cx);
        vals[body.f.index()]
    };
    // True values at the ends (ta, tb), and the values the secant uses (fa, fb), which the
    // Illinois step halves.
    let mut ta = eval(&a, vals);
    let mut tb = eval(&b, vals);
    let (mut fa, mut fb) = (ta, tb);
    let mut out = [f64::NAN; LANES];
    let mut done = [true; LANES];
    let mut open = 0;
    for i in 0..cx.active {
        if ta[i] == 0.0 {
            out[i] = a[i];
        } else if tb[i] == 0.0 {
            out[i] = b[i];
        } else if ta[i] * tb[i] < 0.0 {
            done[i] = false;
            open += 1;
        }
    }
    let mut width: Row = std::array::from_fn(|i| (b[i] - a[i]).abs());
    let mut stalled = [0u8; LANES];
    let mut kept = [0i8; LANES];
    let mut x = a;
    for _ in 0..ROOT_MAX_STEPS {
        if open == 0 {
            break;
        }
        for i in 0..LANES {
            if done[i] {
                continue;
            }
            let mid = 0.5 * a[i] + 0.5 * b[i];
            if mid == a[i] || mid == b[i] {
                out[i] = if tb[i].abs() < ta[i].abs() {
                    b[i]
                } else {
                    a[i]
                };
                done[i] = true;
                open -= 1;
                continue;
            }
            let secant = b[i] - fb[i] * (b[i] - a[i]) / (fb[i] - fa[i]);
            let inside = secant > a[i].min(b[i]) && secant < a[i].max(b[i]);
            x[i] = if inside && stalled[i] < 3 {
                secant
            } else {
                mid
            };
        }
        if open == 0 {
            break;
        }
        let fx = eval(&x, vals);
        for i in 0..LANES {
            if done[i] {
                continue;
            }
            if fx[i] == 0.0 || fx[i].is_nan() {
                out[i] = if fx[i] == 0.0 { x[i] } else { f64::NAN };
                done[i] = true;
                open -= 1;
                continue;
            }
            if (fx[i] < 0.0) == (ta[i] < 0.0) {
                (a[i], ta[i], fa[i]) = (x[i], fx[i], fx[i]);
                if kept[i] == 1 {
                    fb[i] *= 0.5;
                }
                kept[i] = 1;
            } else {
                (b[i], tb[i], fb[i]) = (x[i], fx[i], fx[i]);
                if kept[i] == -1 {
                    fa[i] *= 0.5;
                }
                kept[i] = -1;
            }
            let w = (b[i] - a[i]).abs();
            if w <= 0.5 * width[i] {
                width[i] = w;
                stalled[i] = 0;
            } else {
                stalled[i] += 1;
            }
        }
    }
    out
}

fn draw(
    d: &mut Row,
    f: DrawFn,
    [a, b, c]: [&Row; 3],
    cx: &DrawCx<'_>,
    keys: &[u64; LANES],
    wanted: &[bool; LANES],
) {
    let active = cx.active;
    macro_rules! lanes {
        (|$rng:ident, $i:ident| $body:expr) => {
            for $i in 0..active {
                d[$i] = if wanted[$i] {
                    let mut $rng: Stream = stream_keyed(keys[$i], cx.month);
                    $body
                } else {
                    0.0
                };
            }
        };
    }
    match f {
        DrawFn::Normal | DrawFn::LogNormal => {
            normal(d, f == DrawFn::LogNormal, [a, b], cx, keys, wanted);
            return;
        }
        DrawFn::Uniform => lanes!(|r, i| sample::uniform(&mut r, a[i], b[i])),
        DrawFn::Triangular => lanes!(|r, i| sample::triangular(&mut r, a[i], b[i], c[i])),
        DrawFn::Pert => lanes!(|r, i| sample::pert(&mut r, a[i], b[i], c[i])),
        DrawFn::Beta => lanes!(|r, i| sample::beta(&mut r, a[i], b[i])),
        DrawFn::Gamma => lanes!(|r, i| sample::gamma(&mut r, a[i], b[i])),
        DrawFn::Exponential => lanes!(|r, i| sample::exponential(&mut r, a[i])),
        DrawFn::Poisson => lanes!(|r, i| sample::poisson(&mut r, a[i])),
        DrawFn::Binomial => lanes!(|r, i| sample::binomial(&mut r, a[i], b[i])),
        DrawFn::Bernoulli => lanes!(|r, i| sample::bernoulli(&mut r, a[i])),
    }
    d[active..].fill(0.0);
}

/// [`sample::normal`] and [`sample::lognormal`] over the lanes: the deviates of every lane at
/// once ([`vrand::normal_row`]), then `mean + sd · z` or `median · e^(sigma · z)` over the row,
/// then the lanes whose arguments admit no draw. Each lane gets the bits the scalar sampler
/// would give it.
fn normal(
    d: &mut Row,
    log: bool,
    [m, s]: [&Row; 2],
    cx: &DrawCx<'_>,
    keys: &[u64; LANES],
    wanted: &[bool; LANES],
) {
    let mut z = [0.0; LANES];
    vrand::normal_row(&mut z, keys, cx.month);
    if log {
        vmath::scaled_exp_row(d, m, s, &z);
    }
    normal_fixup(d, log, m, s, &z, cx.active, wanted);
}

/// The scalar samplers' rules, lane by lane, without branches: no draw (0) for lanes not
/// drawn, NaN for arguments out of range, the centre when the spread (or a log-normal's median)
/// is 0, else the draw.
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn normal_fixup(
    d: &mut Row,
    log: bool,
    m: &Row,
    s: &Row,
    z: &Row,
    active: usize,
    wanted: &[bool; LANES],
) {
    let fix = |centre: f64, spread: f64, drawn: f64| {
        let valid = centre.is_finite() && spread.is_finite() && spread >= 0.0;
        if !valid || (log && centre < 0.0) {
            f64::NAN
        } else if spread == 0.0 || (log && centre == 0.0) {
            centre
        } else {
            drawn
        }
    };
    if active == LANES && !wanted.contains(&false) {
        // Every lane drawn (the common case): no per-lane mask.
        for i in 0..LANES {
            let drawn = if log { d[i] } else { m[i] + s[i] * z[i] };
            d[i] = fix(m[i], s[i], drawn);
        }
        return;
    }
    for i in 0..LANES {
        let (centre, spread) = (m[i], s[i]);
        let drawn = if log { d[i] } else { centre + spread * z[i] };
        let valid = centre.is_finite() && spread.is_finite() && spread >= 0.0;
        d[i] = if i >= active || !wanted[i] {
            0.0
        } else if !valid || (log && centre < 0.0) {
            f64::NAN
        } else if spread == 0.0 || (log && centre == 0.0) {
            centre
        } else {
            drawn
        };
    }
}

//! Executing ops over a batch of runs at once ("structure of arrays").
//!
//! Each slot holds one value per lane (run) of the batch. An op is dispatched once per batch
//! and then loops over the lanes, so the interpreter's overhead is shared by [`LANES`] runs and
//! the arithmetic loops vectorise. Both branches of an `if` are computed and then selected: a
//! random draw inside an untaken branch still happens, but since streams are keyed by month that
//! never shifts any other draw.

use super::rng::{Stream, stream};
use super::sample;
use crate::model::ops::{BinFn, DrawFn, Op, ROOT_MAX_STEPS, RootBody, UnFn, clamp, select};

/// Runs per batch. 64 keeps a slot's row at 512 bytes, so that a model's working set of a few
/// hundred slots stays in the L2 cache.
pub const LANES: usize = 64;

/// One slot's values across the lanes of a batch.
pub type Row = [f64; LANES];

/// What ops need besides the value table: where random draws find their streams, and the
/// bodies of roots.
pub struct DrawCx<'a> {
    /// Per lane: the run part of the stream key.
    pub run_keys: &'a [u64; LANES],
    /// Lanes in use (the last batch of a chunk may be partial).
    pub active: usize,
    /// Month code of this evaluation.
    pub month: u64,
    /// Site keys, indexed by `Op::Draw::site`.
    pub sites: &'a [u64],
    /// Bodies of roots, indexed by `Op::Root::body`.
    pub roots: &'a [RootBody],
}

/// Read access to every row except an op's destination.
struct Others<'v> {
    below: &'v [Row],
    above: &'v [Row],
    at: usize,
}

impl Others<'_> {
    /// A row other than the destination (the compiler never makes an op read its destination).
    #[inline(always)]
    fn get(&self, slot: usize) -> &Row {
        if slot < self.at {
            &self.below[slot]
        } else {
            &self.above[slot - self.at - 1]
        }
    }
}

/// Splits the value table into the destination row and the others.
#[inline(always)]
fn split(vals: &mut [Row], dst: usize) -> (&mut Row, Others<'_>) {
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

/// Runs `ops` in order on `vals`.
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
                        match f { $(UnFn::$v => map1(d, a, |x| UnFn::$v.apply(x)),)* }
                    };
                }
                un!(
                    Neg, Not, Abs, Exp, Ln, Log10, Sqrt, Sin, Cos, Floor, Ceil, Round
                );
            }
            Op::Bin { dst, f, a, b } => {
                let (d, s) = split(vals, dst.index());
                let (a, b) = (s.get(a.index()), s.get(b.index()));
                macro_rules! bin {
                    ($($v:ident),*) => {
                        match f { $(BinFn::$v => map2(d, a, b, |x, y| BinFn::$v.apply(x, y)),)* }
                    };
                }
                bin!(
                    Add, Sub, Mul, Div, Rem, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Min, Max
                );
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
                let site = cx.sites[site as usize];
                // Lanes whose `if` takes the other branch skip the draw (value unused).
                let mut wanted = [true; LANES];
                if let Some((cond, branch)) = guard {
                    let cond = s.get(cond.index());
                    for (w, c) in wanted.iter_mut().zip(cond) {
                        *w = !c.is_nan() && (*c != 0.0) == branch;
                    }
                }
                draw(d, f, [a, b, c], cx, site, &wanted);
            }
            Op::Root { dst, lo, hi, body } => {
                let (lo, hi) = (vals[lo.index()], vals[hi.index()]);
                vals[dst.index()] = root(&cx.roots[body as usize], lo, hi, vals, cx);
            }
        }
    }
}

/// Bisection, lane by lane: the bracket [a, b] halves until its midpoint equals an end (the
/// ends are neighbours) or the body is exactly 0 there; the answer is then the end where the
/// body is smaller in magnitude (the first on a tie). NaN where the body has the same sign at
/// both ends, or is NaN at an end or at a midpoint. A lane's answer depends on its own values
/// only (finished lanes keep their answer while others go on), so it is the same in any batch.
fn root(body: &RootBody, mut a: Row, mut b: Row, vals: &mut [Row], cx: &DrawCx<'_>) -> Row {
    let eval = |x: &Row, vals: &mut [Row]| -> Row {
        vals[body.x.index()] = *x;
        exec(&body.ops, vals, cx);
        vals[body.f.index()]
    };
    let mut fa = eval(&a, vals);
    let mut fb = eval(&b, vals);
    let mut out = [f64::NAN; LANES];
    let mut done = [true; LANES];
    let mut open = 0;
    for i in 0..cx.active {
        if fa[i] == 0.0 {
            out[i] = a[i];
        } else if fb[i] == 0.0 {
            out[i] = b[i];
        } else if fa[i] * fb[i] < 0.0 {
            done[i] = false;
            open += 1;
        }
    }
    let mut mid = a;
    for _ in 0..ROOT_MAX_STEPS {
        if open == 0 {
            break;
        }
        for i in 0..LANES {
            mid[i] = 0.5 * a[i] + 0.5 * b[i];
            if !done[i] && (mid[i] == a[i] || mid[i] == b[i]) {
                out[i] = if fb[i].abs() < fa[i].abs() {
                    b[i]
                } else {
                    a[i]
                };
                done[i] = true;
                open -= 1;
            }
        }
        let fm = eval(&mid, vals);
        for i in 0..LANES {
            if done[i] {
                continue;
            }
            if fm[i] == 0.0 || fm[i].is_nan() {
                out[i] = if fm[i] == 0.0 { mid[i] } else { f64::NAN };
                done[i] = true;
                open -= 1;
            } else if (fm[i] < 0.0) == (fa[i] < 0.0) {
                a[i] = mid[i];
                fa[i] = fm[i];
            } else {
                b[i] = mid[i];
                fb[i] = fm[i];
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
    site: u64,
    wanted: &[bool; LANES],
) {
    let active = cx.active;
    macro_rules! lanes {
        (|$rng:ident, $i:ident| $body:expr) => {
            for $i in 0..active {
                d[$i] = if wanted[$i] {
                    let mut $rng: Stream = stream(cx.run_keys[$i], site, cx.month);
                    $body
                } else {
                    0.0
                };
            }
        };
    }
    match f {
        DrawFn::Normal => lanes!(|r, i| sample::normal(&mut r, a[i], b[i])),
        DrawFn::LogNormal => lanes!(|r, i| sample::lognormal(&mut r, a[i], b[i])),
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

//! Executing ops over a batch of runs at once ("structure of arrays").
//!
//! Each slot holds one value per lane (run) of the batch. An op is dispatched once per batch
//! and then loops over the lanes, so the interpreter's overhead is shared by [`LANES`] runs and
//! the arithmetic loops vectorise. Both branches of an `if` are computed and then selected: a
//! random draw inside an untaken branch still happens, but since streams are keyed by month that
//! never shifts any other draw.

use super::rng::{Stream, stream};
use super::sample;
use crate::model::ops::{BinFn, DrawFn, Op, UnFn, clamp, select};

/// Runs per batch. 64 keeps a slot's row at 512 bytes, so that a model's working set of a few
/// hundred slots stays in the L2 cache.
pub const LANES: usize = 64;

/// One slot's values across the lanes of a batch.
pub type Row = [f64; LANES];

/// What random draws need to find their streams.
pub struct DrawCx<'a> {
    /// Per lane: the run part of the stream key.
    pub run_keys: &'a [u64; LANES],
    /// Lanes in use (the last batch of a chunk may be partial).
    pub active: usize,
    /// Month code of this evaluation.
    pub month: u64,
    /// Site keys, indexed by `Op::Draw::site`.
    pub sites: &'a [u64],
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
        }
    }
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

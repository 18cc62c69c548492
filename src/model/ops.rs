//! The compiled form of formulas: register ops over numbered slots.
//!
//! Every value a formula can read or write lives in a slot: constants, time, params, levers,
//! stocks, auxiliaries, flows, event flags and scratch temporaries. An op reads slots and writes
//! one; the engine executes each op over a batch of runs at once. Names were resolved when the
//! ops were made, so running them involves no hashing and no strings.
//!
//! Arithmetic semantics are defined here once ([`UnFn::apply`], [`BinFn::apply`]) and used both
//! for constant folding at compile time and by the engine, so the two can never disagree
//! (`exp`, `ln`, `log10` and `pow` are the engine's own, [`vmath`], whose rows give the same
//! bits as these scalar calls).
//! NaN propagates through everything, comparisons and `if` included, so that a non-finite value
//! cannot be laundered into a 0 or 1 and slip past the fault checks.

use crate::engine::vmath;

/// Index of a slot in the engine's value table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotId(pub u32);

impl SlotId {
    /// The slot as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One-argument functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnFn {
    /// `-x`
    Neg,
    /// `not x`: 1 if x is 0, else 0.
    Not,
    /// `abs(x)`
    Abs,
    /// `exp(x)`
    Exp,
    /// `ln(x)`, natural logarithm.
    Ln,
    /// `log10(x)`
    Log10,
    /// `sqrt(x)`
    Sqrt,
    /// `sin(x)`, radians.
    Sin,
    /// `cos(x)`, radians.
    Cos,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `round(x)`, halves away from zero.
    Round,
    /// The high part of log2 x as `pow` takes it ([`vmath::log2_pair`]); made by the optimiser
    /// for a power whose base is a per-run value ([`Op::PowLog`]), never written in formulas.
    Log2Hi,
    /// The low part of that logarithm.
    Log2Lo,
}

impl UnFn {
    /// The function's value.
    #[inline(always)]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnFn::Neg => -x,
            UnFn::Not => {
                if x.is_nan() {
                    f64::NAN
                } else {
                    f64::from(u8::from(x == 0.0))
                }
            }
            UnFn::Abs => x.abs(),
            UnFn::Exp => vmath::exp(x),
            UnFn::Ln => vmath::ln(x),
            UnFn::Log10 => vmath::log10(x),
            UnFn::Sqrt => x.sqrt(),
            UnFn::Sin => x.sin(),
            UnFn::Cos => x.cos(),
            UnFn::Floor => x.floor(),
            UnFn::Ceil => x.ceil(),
            UnFn::Round => x.round(),
            UnFn::Log2Hi => vmath::log2_pair(x).0,
            UnFn::Log2Lo => vmath::log2_pair(x).1,
        }
    }
}

/// Two-argument functions and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinFn {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a % b`, remainder with the sign of `a`.
    Rem,
    /// `a ^ b`, `pow(a, b)`
    Pow,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// `a and b`
    And,
    /// `a or b`
    Or,
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
}

/// 1.0 for true, 0.0 for false, NaN if either input is NaN.
#[inline(always)]
fn truth(a: f64, b: f64, value: bool) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        f64::from(u8::from(value))
    }
}

impl BinFn {
    /// The function's value.
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinFn::Add => a + b,
            BinFn::Sub => a - b,
            BinFn::Mul => a * b,
            BinFn::Div => a / b,
            BinFn::Rem => a % b,
            BinFn::Pow => vmath::pow(a, b),
            BinFn::Lt => truth(a, b, a < b),
            BinFn::Le => truth(a, b, a <= b),
            BinFn::Gt => truth(a, b, a > b),
            BinFn::Ge => truth(a, b, a >= b),
            BinFn::Eq => truth(a, b, a == b),
            BinFn::Ne => truth(a, b, a != b),
            BinFn::And => truth(a, b, a != 0.0 && b != 0.0),
            BinFn::Or => truth(a, b, a != 0.0 || b != 0.0),
            // f64::min/max ignore NaN; these propagate it.
            BinFn::Min => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if b < a {
                    b
                } else {
                    a
                }
            }
            BinFn::Max => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if b > a {
                    b
                } else {
                    a
                }
            }
        }
    }
}

/// `if(c, a, b)`: a where c is non-zero, b where c is zero, NaN where c is NaN.
#[inline(always)]
pub fn select(c: f64, a: f64, b: f64) -> f64 {
    if c.is_nan() {
        f64::NAN
    } else if c != 0.0 {
        a
    } else {
        b
    }
}

/// `clamp(x, lo, hi)`, NaN-propagating; NaN when lo > hi.
#[inline(always)]
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() || lo.is_nan() || hi.is_nan() || lo > hi {
        f64::NAN
    } else {
        x.max(lo).min(hi)
    }
}

/// Distributions that formulas can draw from each month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawFn {
    /// `normal(mean, sd)`
    Normal,
    /// `lognormal(median, sigma)`: median and log-sd.
    LogNormal,
    /// `uniform(a, b)`
    Uniform,
    /// `triangular(min, mode, max)`
    Triangular,
    /// `pert(min, mode, max)`
    Pert,
    /// `beta(a, b)`
    Beta,
    /// `gamma(shape, scale)`
    Gamma,
    /// `exponential(rate)`
    Exponential,
    /// `poisson(lambda)`
    Poisson,
    /// `binomial(n, p)`
    Binomial,
    /// `bernoulli(p)`
    Bernoulli,
}

impl DrawFn {
    /// Every random function: (name in formulas, function, argument names).
    pub const ALL: [(&'static str, DrawFn, &'static [&'static str]); 11] = [
        ("normal", DrawFn::Normal, &["mean", "sd"]),
        ("lognormal", DrawFn::LogNormal, &["median", "sigma"]),
        ("uniform", DrawFn::Uniform, &["min", "max"]),
        ("triangular", DrawFn::Triangular, &["min", "mode", "max"]),
        ("pert", DrawFn::Pert, &["min", "mode", "max"]),
        ("beta", DrawFn::Beta, &["a", "b"]),
        ("gamma", DrawFn::Gamma, &["shape", "scale"]),
        ("exponential", DrawFn::Exponential, &["rate"]),
        ("poisson", DrawFn::Poisson, &["lambda"]),
        ("binomial", DrawFn::Binomial, &["n", "p"]),
        ("bernoulli", DrawFn::Bernoulli, &["p"]),
    ];

    /// The name in formulas.
    pub fn name(self) -> &'static str {
        DrawFn::ALL
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(name, _, _)| name)
    }
}

/// A compiled operation. Operands are slots; `dst` is never one of the operands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// `dst = a`
    Copy {
        /// Destination.
        dst: SlotId,
        /// Source.
        a: SlotId,
    },
    /// `dst = f(a)`
    Un {
        /// Destination.
        dst: SlotId,
        /// Function.
        f: UnFn,
        /// Argument.
        a: SlotId,
    },
    /// `dst = f(a, b)`
    Bin {
        /// Destination.
        dst: SlotId,
        /// Function.
        f: BinFn,
        /// First argument.
        a: SlotId,
        /// Second argument.
        b: SlotId,
    },
    /// `dst = if(c, a, b)`
    Select {
        /// Destination.
        dst: SlotId,
        /// Condition.
        c: SlotId,
        /// Value where the condition holds.
        a: SlotId,
        /// Value elsewhere.
        b: SlotId,
    },
    /// `dst = clamp(x, lo, hi)`
    Clamp {
        /// Destination.
        dst: SlotId,
        /// Value.
        x: SlotId,
        /// Lower bound.
        lo: SlotId,
        /// Upper bound.
        hi: SlotId,
    },
    /// `dst = draw from f(args)`, from the stream of random site `site`.
    Draw {
        /// Destination.
        dst: SlotId,
        /// Distribution.
        f: DrawFn,
        /// Index into the model's random sites.
        site: u32,
        /// Arguments (unused ones repeat the first).
        args: [SlotId; 3],
        /// When the draw sits in a branch of an `if`: the condition's slot and the branch
        /// (`true` for the first). Lanes whose condition picks the other branch skip the draw
        /// (their value is never used); since streams are keyed by month, skipping shifts no
        /// other draw, so results are identical to drawing everywhere.
        guard: Option<(SlotId, bool)>,
    },
    /// `dst = x ^ y` with log2 x given in two parts (`Log2Hi` and `Log2Lo` of `x`): the
    /// optimiser's form of a power whose base is a per-run value and whose exponent changes
    /// month by month, so that the logarithm is taken once per run. The same bits as
    /// `BinFn::Pow`.
    PowLog {
        /// Destination.
        dst: SlotId,
        /// Base.
        x: SlotId,
        /// Exponent.
        y: SlotId,
        /// `Log2Hi` of the base.
        hi: SlotId,
        /// `Log2Lo` of the base.
        lo: SlotId,
    },
    /// `dst = root(x, lo, hi, body)`: the x between `lo` and `hi` where the body's value is 0,
    /// by a safeguarded Illinois method ([`RootBody`] holds the body; see [`ROOT_MAX_STEPS`]).
    Root {
        /// Destination.
        dst: SlotId,
        /// One end of the bracket.
        lo: SlotId,
        /// The other end.
        hi: SlotId,
        /// Index into the model's root bodies.
        body: u32,
    },
}

impl Op {
    /// The slot the op writes.
    pub fn dst(&self) -> SlotId {
        match *self {
            Op::Copy { dst, .. }
            | Op::Un { dst, .. }
            | Op::Bin { dst, .. }
            | Op::Select { dst, .. }
            | Op::Clamp { dst, .. }
            | Op::Draw { dst, .. }
            | Op::PowLog { dst, .. }
            | Op::Root { dst, .. } => dst,
        }
    }

    /// Calls `f` on every slot the op reads (for a root, its bracket only: the body's reads are
    /// [`RootBody::free_reads`]).
    pub fn for_each_read(&self, mut f: impl FnMut(SlotId)) {
        match *self {
            Op::Copy { a, .. } | Op::Un { a, .. } => f(a),
            Op::Bin { a, b, .. } => {
                f(a);
                f(b);
            }
            Op::Select { c, a, b, .. } => {
                f(c);
                f(a);
                f(b);
            }
            Op::Clamp { x, lo, hi, .. } => {
                f(x);
                f(lo);
                f(hi);
            }
            Op::Draw { args, guard, .. } => {
                args.into_iter().for_each(&mut f);
                if let Some((c, _)) = guard {
                    f(c);
                }
            }
            Op::PowLog { x, y, hi, lo, .. } => {
                f(x);
                f(y);
                f(hi);
                f(lo);
            }
            Op::Root { lo, hi, .. } => {
                f(lo);
                f(hi);
            }
        }
    }

    /// The op with every slot (read or written) renamed by `map`.
    pub fn map_slots(self, mut map: impl FnMut(SlotId) -> SlotId) -> Op {
        match self {
            Op::Copy { dst, a } => Op::Copy {
                dst: map(dst),
                a: map(a),
            },
            Op::Un { dst, f, a } => Op::Un {
                dst: map(dst),
                f,
                a: map(a),
            },
            Op::Bin { dst, f, a, b } => Op::Bin {
                dst: map(dst),
                f,
                a: map(a),
                b: map(b),
            },
            Op::Select { dst, c, a, b } => Op::Select {
                dst: map(dst),
                c: map(c),
                a: map(a),
                b: map(b),
            },
            Op::Clamp { dst, x, lo, hi } => Op::Clamp {
                dst: map(dst),
                x: map(x),
                lo: map(lo),
                hi: map(hi),
            },
            Op::Draw {
                dst,
                f,
                site,
                args,
                guard,
            } => Op::Draw {
                dst: map(dst),
                f,
                site,
                args: args.map(&mut map),
                guard: guard.map(|(c, branch)| (map(c), branch)),
            },
            Op::PowLog { dst, x, y, hi, lo } => Op::PowLog {
                dst: map(dst),
                x: map(x),
                y: map(y),
                hi: map(hi),
                lo: map(lo),
            },
            Op::Root { dst, lo, hi, body } => Op::Root {
                dst: map(dst),
                lo: map(lo),
                hi: map(hi),
                body,
            },
        }
    }

    /// The op with its reads renamed by `map` and its destination kept (an op never reads its
    /// destination, so the two cannot be confused).
    pub fn map_reads(self, mut map: impl FnMut(SlotId) -> SlotId) -> Op {
        let dst = self.dst();
        self.map_slots(|s| if s == dst { s } else { map(s) })
    }
}

/// Most evaluations of a root's formula. The search stops, lane by lane, when the midpoint of the
/// bracket equals one of its ends (the ends are neighbouring numbers) or the formula is exactly
/// 0 at a point; it halves the bracket at least every fourth step, so from any finite bracket
/// that takes well under this many evaluations (bisection alone needs at most about 2,100),
/// 10 to 20 for a bracket like [0.01, 1.5].
pub const ROOT_MAX_STEPS: usize = 10_000;

/// The formula inside a `root(x, lo, hi, formula)`: ops computing `f` from `x` (and from other
/// slots, which stay fixed while the root is sought).
#[derive(Clone, Debug, PartialEq)]
pub struct RootBody {
    /// The slot the unknown is written to before each evaluation.
    pub x: SlotId,
    /// The slot of the formula's value.
    pub f: SlotId,
    /// Ops computing `f`; they draw no random numbers and contain no root.
    pub ops: Vec<Op>,
}

impl RootBody {
    /// Slots the body reads that it does not write itself (nor `x`): what the root depends on.
    pub fn free_reads(&self) -> Vec<SlotId> {
        let mut written = vec![self.x];
        let mut reads = Vec::new();
        for op in &self.ops {
            op.for_each_read(|s| {
                if !written.contains(&s) && !reads.contains(&s) {
                    reads.push(s);
                }
            });
            written.push(op.dst());
        }
        if !written.contains(&self.f) && !reads.contains(&self.f) {
            reads.push(self.f);
        }
        reads
    }

    /// Slots the body writes, `x` included.
    pub fn written(&self) -> Vec<SlotId> {
        let mut w = vec![self.x];
        w.extend(self.ops.iter().map(Op::dst));
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_propagates_through_logic() {
        assert!(BinFn::Gt.apply(f64::NAN, 0.0).is_nan());
        assert!(BinFn::And.apply(f64::NAN, 1.0).is_nan());
        assert!(BinFn::Min.apply(f64::NAN, 1.0).is_nan());
        assert!(BinFn::Max.apply(1.0, f64::NAN).is_nan());
        assert!(UnFn::Not.apply(f64::NAN).is_nan());
        assert!(select(f64::NAN, 1.0, 2.0).is_nan());
        assert_eq!(select(0.0, f64::NAN, 2.0), 2.0);
        assert!(clamp(1.0, 2.0, 1.0).is_nan());
    }

    /// Every operator with an exact answer, on both orders of its operands and on ties, so
    /// that a swapped comparison or a wrong branch shows (a mutation run found `max(a, b)`
    /// returning `a` unnoticed). exp, ln, pow and the trigonometric functions are left to the
    /// formula tests: their last bits may change with faster maths.
    #[test]
    fn exact_operators() {
        let cases: [(BinFn, [f64; 3]); 13] = [
            // (f, [f(1, 2), f(2, 1), f(2, 2)])
            (BinFn::Add, [3.0, 3.0, 4.0]),
            (BinFn::Sub, [-1.0, 1.0, 0.0]),
            (BinFn::Mul, [2.0, 2.0, 4.0]),
            (BinFn::Div, [0.5, 2.0, 1.0]),
            (BinFn::Rem, [1.0, 0.0, 0.0]),
            (BinFn::Min, [1.0, 1.0, 2.0]),
            (BinFn::Max, [2.0, 2.0, 2.0]),
            (BinFn::Lt, [1.0, 0.0, 0.0]),
            (BinFn::Le, [1.0, 0.0, 1.0]),
            (BinFn::Gt, [0.0, 1.0, 0.0]),
            (BinFn::Ge, [0.0, 1.0, 1.0]),
            (BinFn::Eq, [0.0, 0.0, 1.0]),
            (BinFn::Ne, [1.0, 1.0, 0.0]),
        ];
        for (f, want) in cases {
            let got = [f.apply(1.0, 2.0), f.apply(2.0, 1.0), f.apply(2.0, 2.0)];
            assert_eq!(got, want, "{f:?}");
        }
        assert_eq!(BinFn::Max.apply(-3.0, -5.0), -3.0);
        assert_eq!(BinFn::Min.apply(-3.0, -5.0), -5.0);
        let un: [(UnFn, [f64; 3]); 6] = [
            // (f, [f(-2.5), f(0.5), f(3.7)])
            (UnFn::Neg, [2.5, -0.5, -3.7]),
            (UnFn::Abs, [2.5, 0.5, 3.7]),
            (UnFn::Floor, [-3.0, 0.0, 3.0]),
            (UnFn::Ceil, [-2.0, 1.0, 4.0]),
            (UnFn::Round, [-3.0, 1.0, 4.0]),
            (UnFn::Not, [0.0, 0.0, 0.0]),
        ];
        for (f, want) in un {
            let got = [f.apply(-2.5), f.apply(0.5), f.apply(3.7)];
            assert_eq!(got, want, "{f:?}");
        }
        assert_eq!(UnFn::Not.apply(0.0), 1.0);
        assert_eq!(UnFn::Sqrt.apply(6.25), 2.5);
        assert_eq!([select(1.0, 3.0, 4.0), select(0.0, 3.0, 4.0)], [3.0, 4.0]);
        assert_eq!([clamp(-1.0, 0.0, 2.0), clamp(1.5, 0.0, 2.0)], [0.0, 1.5]);
    }

    #[test]
    fn logic_values() {
        assert_eq!(BinFn::Ge.apply(2.0, 2.0), 1.0);
        assert_eq!(BinFn::Or.apply(0.0, 0.0), 0.0);
        assert_eq!(BinFn::And.apply(2.0, -1.0), 1.0);
        assert_eq!(UnFn::Not.apply(3.0), 0.0);
        assert_eq!(BinFn::Rem.apply(-7.0, 3.0), -1.0);
        assert_eq!(clamp(5.0, 0.0, 1.0), 1.0);
    }
}

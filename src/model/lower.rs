//! Lowering one formula's expression tree to ops.
//!
//! Names are resolved to slots, function calls checked (name and arity), `date("YYYY-MM")`
//! turned into a month index, constant sub-expressions folded, and each random call given its
//! own site, named after the variable and the call (`flow:shells/lognormal#0`), so that its
//! stream does not depend on anything else in the scenario.

use std::collections::HashMap;

use super::names::{Names, Symbol};
use super::ops::{BinFn, DrawFn, Op, RootBody, SlotId, UnFn, clamp, select};
use super::{Site, WindowKind, WindowPlan};

mod window;
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::engine::rng::site_key;
use crate::scenario::formula::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::scenario::{Formula, Month};

/// Build-time slot numbering: variables first, then constants from `CONST_BASE`, temporaries
/// from `TEMP_BASE`; [`Slots::finish`] renumbers them densely.
const CONST_BASE: u32 = 1 << 30;
const TEMP_BASE: u32 = 1 << 31;

/// A lowered value: known at compile time, or in a slot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    /// A constant.
    Const(f64),
    /// A slot.
    Slot(SlotId),
}

/// Slot allocation shared by every formula of a model.
#[derive(Default)]
pub struct Slots {
    n_vars: u32,
    consts: Vec<f64>,
    const_index: HashMap<u64, u32>,
    max_temps: u32,
    /// Random sites, in order of first use.
    pub sites: Vec<Site>,
    /// Bodies of `root(...)` calls, indexed by `Op::Root::body`.
    pub roots: Vec<RootBody>,
}

impl Slots {
    /// A new variable slot.
    pub fn var(&mut self) -> SlotId {
        self.n_vars += 1;
        SlotId(self.n_vars - 1)
    }

    /// The slot of a constant (shared by equal constants).
    pub fn constant(&mut self, value: f64) -> SlotId {
        let bits = value.to_bits();
        if let Some(&k) = self.const_index.get(&bits) {
            return SlotId(CONST_BASE + k);
        }
        let k = self.consts.len() as u32;
        self.consts.push(value);
        self.const_index.insert(bits, k);
        SlotId(CONST_BASE + k)
    }

    /// Variables and constants: the slots that [`Slots::finish`] numbers below the temporaries.
    pub fn n_fixed(&self) -> usize {
        self.n_vars as usize + self.consts.len()
    }

    /// Renumbers build-time slots densely: variables, constants, temporaries. Returns the
    /// number of slots, the constant slots with values, and a function mapping old to new ids.
    pub fn finish(&self) -> (usize, Vec<(SlotId, f64)>, impl Fn(SlotId) -> SlotId + use<>) {
        let n_vars = self.n_vars;
        let n_consts = self.consts.len() as u32;
        let map = move |s: SlotId| {
            if s.0 >= TEMP_BASE {
                SlotId(s.0 - TEMP_BASE + n_vars + n_consts)
            } else if s.0 >= CONST_BASE {
                SlotId(s.0 - CONST_BASE + n_vars)
            } else {
                s
            }
        };
        let consts = self
            .consts
            .iter()
            .enumerate()
            .map(|(k, v)| (SlotId(n_vars + k as u32), *v))
            .collect();
        ((n_vars + n_consts + self.max_temps) as usize, consts, map)
    }
}

/// Renumbers the slots of an op.
pub fn remap(op: Op, map: &impl Fn(SlotId) -> SlotId) -> Op {
    op.map_slots(map)
}

/// Where in the month a formula runs, which limits what it may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Stock initial values: params and constants only.
    Init,
    /// Auxiliaries, flows, lever costs and events: the current month and before.
    Month,
    /// Outcomes and observations: also window functions over the whole run.
    Outcome,
}

/// The slot of each symbol.
pub struct SymbolSlots {
    /// Params.
    pub params: Vec<SlotId>,
    /// Levers.
    pub levers: Vec<SlotId>,
    /// Lever costs (`None` for levers without a cost).
    pub lever_costs: Vec<Option<SlotId>>,
    /// Sum of lever costs.
    pub lever_cost_total: SlotId,
    /// Stocks.
    pub stocks: Vec<SlotId>,
    /// Flows.
    pub flows: Vec<SlotId>,
    /// Auxiliaries.
    pub aux: Vec<SlotId>,
    /// Event flags.
    pub event_flags: Vec<SlotId>,
    /// Event months.
    pub event_at: Vec<SlotId>,
    /// `t`, `month`, `year`, `time`.
    pub time: [SlotId; 4],
}

/// What every formula of a model shares while being lowered.
pub struct Shared<'a> {
    /// Name table.
    pub names: &'a Names,
    /// Slots of symbols.
    pub symbols: &'a SymbolSlots,
    /// Shared slot allocation.
    pub slots: &'a mut Slots,
    /// Problems go here.
    pub diags: &'a mut Diagnostics,
    /// First month of the scenario (for `date`).
    pub start: Month,
    /// Months of the time axis (window functions must lie inside it).
    pub n_months: usize,
    /// Window functions met so far, shared (equal windows share a slot).
    pub windows: Vec<WindowPlan>,
}

/// Lowering of one formula.
pub struct Lowering<'s, 'a> {
    cx: &'s mut Shared<'a>,
    phase: Phase,
    /// Prefix of random site names: `aux:war`, `flow:shells`, ...
    owner: String,
    formula: &'s Formula,
    /// Ops emitted.
    pub ops: Vec<Op>,
    /// Symbols read, for dependency ordering.
    pub reads: Vec<Symbol>,
    /// The last month index of the window functions used, if any: the formula's value is
    /// final only from the end of that month.
    pub window_end: Option<usize>,
    temps: u32,
    draws: HashMap<&'static str, u32>,
    failed: bool,
    /// Conditions of the `if` branches being lowered, innermost last: draws inside a branch
    /// are skipped in lanes that take the other branch.
    guards: Vec<(SlotId, bool)>,
    /// The unknown of the `root(...)` being lowered, if any: its name and slot.
    bound: Option<(String, SlotId)>,
}

/// Functions that are not random: name, minimum and maximum arity.
const FUNCTIONS: [(&str, usize, usize); 24] = [
    ("if", 3, 3),
    ("min", 2, usize::MAX),
    ("max", 2, usize::MAX),
    ("clamp", 3, 3),
    ("abs", 1, 1),
    ("exp", 1, 1),
    ("ln", 1, 1),
    ("log10", 1, 1),
    ("sqrt", 1, 1),
    ("pow", 2, 2),
    ("sin", 1, 1),
    ("cos", 1, 1),
    ("floor", 1, 1),
    ("ceil", 1, 1),
    ("round", 1, 1),
    ("date", 1, 1),
    ("step", 1, 1),
    ("ramp", 2, 2),
    ("pulse", 1, 1),
    ("between", 2, 2),
    ("root", 4, 4),
    ("sum", 3, 3),
    ("mean", 3, 3),
    ("at", 2, 2),
];

/// Every function name formulas know (for suggestions and documentation).
pub fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .map(|(n, _, _)| *n)
        .chain(DrawFn::ALL.iter().map(|(n, _, _)| *n))
}

impl<'s, 'a> Lowering<'s, 'a> {
    /// Prepares to lower `formula`; `owner` prefixes its random sites (`flow:shells`).
    pub fn new(
        cx: &'s mut Shared<'a>,
        phase: Phase,
        owner: String,
        formula: &'s Formula,
    ) -> Lowering<'s, 'a> {
        Lowering {
            cx,
            phase,
            owner,
            formula,
            ops: Vec::new(),
            reads: Vec::new(),
            window_end: None,
            temps: 0,
            draws: HashMap::new(),
            failed: false,
            guards: Vec::new(),
            bound: None,
        }
    }

    /// Lowers the formula into `dst`; `false` if it had errors (already reported).
    pub fn lower_into(&mut self, dst: SlotId) -> bool {
        let formula = self.formula;
        let result = self.lower(&formula.expr);
        if self.failed {
            return false;
        }
        let Some(result) = result else { return false };
        match result {
            Operand::Slot(s)
                if s.0 >= TEMP_BASE && self.ops.last().is_some_and(|op| op.dst() == s) =>
            {
                if let Some(last) = self.ops.last_mut() {
                    *last = retarget(*last, dst);
                }
            }
            other => {
                let a = self.slot(other);
                self.ops.push(Op::Copy { dst, a });
            }
        }
        self.cx.slots.max_temps = self.cx.slots.max_temps.max(self.temps);
        true
    }

    fn temp(&mut self) -> SlotId {
        self.temps += 1;
        SlotId(TEMP_BASE + self.temps - 1)
    }

    fn slot(&mut self, operand: Operand) -> SlotId {
        match operand {
            Operand::Const(v) => self.cx.slots.constant(v),
            Operand::Slot(s) => s,
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) -> Option<Operand> {
        self.failed = true;
        self.cx.diags.push(diagnostic);
        None
    }

    fn lower(&mut self, e: &Expr) -> Option<Operand> {
        let span = self.formula.file_span(e.span);
        match &e.kind {
            ExprKind::Number(v) => Some(Operand::Const(*v)),
            ExprKind::Str(_) => self.error(
                Diagnostic::error(
                    Code::FormulaSyntax,
                    "a string is only allowed inside date(\"YYYY-MM\")",
                )
                .with_label(span, "unexpected string"),
            ),
            ExprKind::Name(name) => self.name(name, span),
            ExprKind::Unary(op, a) => {
                let a = self.lower(a)?;
                let f = match op {
                    UnaryOp::Neg => UnFn::Neg,
                    UnaryOp::Not => UnFn::Not,
                };
                Some(self.un(f, a))
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.lower(a);
                let b = self.lower(b);
                let f = match op {
                    BinaryOp::Add => BinFn::Add,
                    BinaryOp::Sub => BinFn::Sub,
                    BinaryOp::Mul => BinFn::Mul,
                    BinaryOp::Div => BinFn::Div,
                    BinaryOp::Rem => BinFn::Rem,
                    BinaryOp::Pow => BinFn::Pow,
                    BinaryOp::Lt => BinFn::Lt,
                    BinaryOp::Le => BinFn::Le,
                    BinaryOp::Gt => BinFn::Gt,
                    BinaryOp::Ge => BinFn::Ge,
                    BinaryOp::Eq => BinFn::Eq,
                    BinaryOp::Ne => BinFn::Ne,
                    BinaryOp::And => BinFn::And,
                    BinaryOp::Or => BinFn::Or,
                };
                Some(self.bin(f, a?, b?))
            }
            ExprKind::Call {
                name,
                name_span,
                args,
            } => {
                let name_span = self.formula.file_span(*name_span);
                self.call(name, name_span, args, span)
            }
        }
    }

    fn name(&mut self, name: &str, span: crate::diag::Span) -> Option<Operand> {
        if let Some((bound, slot)) = &self.bound
            && bound == name
        {
            return Some(Operand::Slot(*slot));
        }
        let Some(symbol) = self.cx.names.resolve(name, span, self.cx.diags) else {
            self.failed = true;
            return None;
        };
        if self.phase == Phase::Init && !matches!(symbol, Symbol::Param(_) | Symbol::Pi) {
            return self.error(
                Diagnostic::error(
                    Code::BadReference,
                    format!("a stock's initial value cannot use `{name}`"),
                )
                .with_label(
                    span,
                    "only params and numbers are known before the first month",
                )
                .with_help("make the starting amount a param, or start at 0 and add a flow"),
            );
        }
        self.reads.push(symbol);
        let s = self.cx.symbols;
        let slot = match symbol {
            Symbol::Param(i) => s.params[i],
            Symbol::Lever(i) => s.levers[i],
            Symbol::LeverCost(i) => s.lever_costs[i]?,
            Symbol::LeverCostTotal => s.lever_cost_total,
            Symbol::Stock(i) => s.stocks[i],
            Symbol::Flow(i) => s.flows[i],
            Symbol::Aux(i) => s.aux[i],
            Symbol::Event(i) => s.event_flags[i],
            Symbol::EventAt(i) => s.event_at[i],
            Symbol::EventSince(i) => {
                // since = flag ? t - at : 0
                let elapsed = self.bin(
                    BinFn::Sub,
                    Operand::Slot(s.time[0]),
                    Operand::Slot(s.event_at[i]),
                );
                return Some(self.select(
                    Operand::Slot(s.event_flags[i]),
                    elapsed,
                    Operand::Const(0.0),
                ));
            }
            Symbol::T => s.time[0],
            Symbol::Month => s.time[1],
            Symbol::Year => s.time[2],
            Symbol::Time => s.time[3],
            Symbol::Pi => return Some(Operand::Const(std::f64::consts::PI)),
        };
        Some(Operand::Slot(slot))
    }

    fn un(&mut self, f: UnFn, a: Operand) -> Operand {
        if let Operand::Const(x) = a {
            return Operand::Const(f.apply(x));
        }
        let a = self.slot(a);
        let dst = self.temp();
        self.ops.push(Op::Un { dst, f, a });
        Operand::Slot(dst)
    }

    fn bin(&mut self, f: BinFn, a: Operand, b: Operand) -> Operand {
        if let (Operand::Const(x), Operand::Const(y)) = (a, b) {
            return Operand::Const(f.apply(x, y));
        }
        let (a, b) = (self.slot(a), self.slot(b));
        let dst = self.temp();
        self.ops.push(Op::Bin { dst, f, a, b });
        Operand::Slot(dst)
    }

    fn select(&mut self, c: Operand, a: Operand, b: Operand) -> Operand {
        match (c, a, b) {
            (Operand::Const(c), a, b) if !c.is_nan() => {
                if c != 0.0 {
                    a
                } else {
                    b
                }
            }
            (Operand::Const(c), Operand::Const(a), Operand::Const(b)) => {
                Operand::Const(select(c, a, b))
            }
            _ => {
                let (c, a, b) = (self.slot(c), self.slot(a), self.slot(b));
                let dst = self.temp();
                self.ops.push(Op::Select { dst, c, a, b });
                Operand::Slot(dst)
            }
        }
    }

    fn clamp(&mut self, x: Operand, lo: Operand, hi: Operand) -> Operand {
        if let (Operand::Const(x), Operand::Const(lo), Operand::Const(hi)) = (x, lo, hi) {
            return Operand::Const(clamp(x, lo, hi));
        }
        let (x, lo, hi) = (self.slot(x), self.slot(lo), self.slot(hi));
        let dst = self.temp();
        self.ops.push(Op::Clamp { dst, x, lo, hi });
        Operand::Slot(dst)
    }

    fn t(&self) -> Operand {
        Operand::Slot(self.cx.symbols.time[0])
    }

    fn call(
        &mut self,
        name: &str,
        name_span: crate::diag::Span,
        args: &[Expr],
        span: crate::diag::Span,
    ) -> Option<Operand> {
        let draw = DrawFn::ALL.iter().find(|(n, _, _)| *n == name);
        let (min, max) = match (draw, FUNCTIONS.iter().find(|(n, _, _)| *n == name)) {
            (Some((_, _, params)), _) => (params.len(), params.len()),
            (None, Some((_, min, max))) => (*min, *max),
            (None, None) => {
                let hint = did_you_mean(name, function_names());
                return self.error(
                    Diagnostic::error(Code::UnknownFunction, format!("unknown function `{name}`"))
                        .with_label(name_span, "not a function leversim knows")
                        .with_optional_help(hint.or_else(|| {
                            Some(
                                "see docs/scenario-format.md for the functions formulas can use"
                                    .into(),
                            )
                        })),
                );
            }
        };
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (a, b) if a == b => format!("{a}"),
                (a, usize::MAX) => format!("at least {a}"),
                (a, b) => format!("{a} to {b}"),
            };
            let usage = match draw {
                Some((_, _, params)) => format!("{name}({})", params.join(", ")),
                None => usage(name).to_string(),
            };
            return self.error(
                Diagnostic::error(
                    Code::WrongArity,
                    format!(
                        "`{name}` takes {expected} argument{}, not {}",
                        if expected == "1" { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_label(span, "wrong number of arguments")
                .with_help(format!("usage: {usage}")),
            );
        }
        if name == "date" {
            return self.date(&args[0]);
        }
        if let Some(kind) = match name {
            "sum" => Some(WindowKind::Sum),
            "mean" => Some(WindowKind::Mean),
            "at" => Some(WindowKind::At),
            _ => None,
        } {
            return self.window(kind, name, args, span);
        }
        if name == "if" {
            return self.if_(args);
        }
        if name == "root" {
            return self.root(args, span);
        }
        if let Some((fname, f, _)) = draw {
            return self.draw(fname, *f, args);
        }
        // Time helpers also take months directly: step("2026-01") = step(date("2026-01")).
        let takes_months = matches!(name, "step" | "ramp" | "pulse" | "between");
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(match &arg.kind {
                ExprKind::Str(_) if takes_months => self.date(arg),
                _ => self.lower(arg),
            });
        }
        let values: Vec<Operand> = values.into_iter().collect::<Option<_>>()?;
        let un = |f| Some((f, values[0]));
        let unary = match name {
            "abs" => un(UnFn::Abs),
            "exp" => un(UnFn::Exp),
            "ln" => un(UnFn::Ln),
            "log10" => un(UnFn::Log10),
            "sqrt" => un(UnFn::Sqrt),
            "sin" => un(UnFn::Sin),
            "cos" => un(UnFn::Cos),
            "floor" => un(UnFn::Floor),
            "ceil" => un(UnFn::Ceil),
            "round" => un(UnFn::Round),
            _ => None,
        };
        if let Some((f, a)) = unary {
            return Some(self.un(f, a));
        }
        let t = self.t();
        Some(match name {
            "if" => self.select(values[0], values[1], values[2]),
            "min" | "max" => {
                let f = if name == "min" {
                    BinFn::Min
                } else {
                    BinFn::Max
                };
                let mut acc = values[0];
                for v in &values[1..] {
                    acc = self.bin(f, acc, *v);
                }
                acc
            }
            "clamp" => self.clamp(values[0], values[1], values[2]),
            "pow" => self.bin(BinFn::Pow, values[0], values[1]),
            "step" => self.bin(BinFn::Ge, t, values[0]),
            "pulse" => self.bin(BinFn::Eq, t, values[0]),
            "between" => {
                let after = self.bin(BinFn::Ge, t, values[0]);
                let before = self.bin(BinFn::Le, t, values[1]);
                self.bin(BinFn::And, after, before)
            }
            "ramp" => {
                if let (Operand::Const(a), Operand::Const(b)) = (values[0], values[1])
                    && b <= a
                {
                    return self.error(
                        Diagnostic::error(Code::BadRange, "ramp(start, end) needs end after start")
                            .with_label(span, format!("end {b} is not after start {a}")),
                    );
                }
                let elapsed = self.bin(BinFn::Sub, t, values[0]);
                let length = self.bin(BinFn::Sub, values[1], values[0]);
                let share = self.bin(BinFn::Div, elapsed, length);
                self.clamp(share, Operand::Const(0.0), Operand::Const(1.0))
            }
            _ => return None,
        })
    }

    /// `if(c, a, b)`: with a constant condition only the branch taken is compiled; otherwise
    /// both are, each under a guard so that its random draws happen only where it is taken.
    fn if_(&mut self, args: &[Expr]) -> Option<Operand> {
        let c = self.lower(&args[0])?;
        match c {
            Operand::Const(v) if !v.is_nan() => {
                // Both branches are lowered in order (so that mistakes in either are reported
                // and random sites are numbered as always), then the ops and dependencies of
                // the branch not taken are dropped.
                let (ops0, reads0) = (self.ops.len(), self.reads.len());
                let a = self.lower(&args[1]);
                let (ops1, reads1) = (self.ops.len(), self.reads.len());
                let b = self.lower(&args[2]);
                let (a, b) = (a?, b?);
                if v != 0.0 {
                    self.ops.truncate(ops1);
                    self.reads.truncate(reads1);
                    Some(a)
                } else {
                    self.ops.drain(ops0..ops1);
                    self.reads.drain(reads0..reads1);
                    Some(b)
                }
            }
            Operand::Const(_) => {
                let (a, b) = (self.lower(&args[1])?, self.lower(&args[2])?);
                Some(self.select(c, a, b))
            }
            Operand::Slot(slot) => {
                self.guards.push((slot, true));
                let a = self.lower(&args[1]);
                self.guards.pop();
                self.guards.push((slot, false));
                let b = self.lower(&args[2]);
                self.guards.pop();
                Some(self.select(c, a?, b?))
            }
        }
    }

    /// `root(x, lo, hi, formula)`: the formula is lowered into a body of its own, which the
    /// engine evaluates at the midpoints of a shrinking bracket (bisection).
    fn root(&mut self, args: &[Expr], span: crate::diag::Span) -> Option<Operand> {
        let name_span = self.formula.file_span(args[0].span);
        let ExprKind::Name(var) = &args[0].kind else {
            return self.error(
                Diagnostic::error(Code::FormulaSyntax, "root() names its unknown first")
                    .with_label(name_span, "expected a new name, such as `x`")
                    .with_help(format!("usage: {}", usage("root"))),
            );
        };
        if self.bound.is_some() {
            return self.error(
                Diagnostic::error(
                    Code::FormulaSyntax,
                    "root() cannot be used inside another root()",
                )
                .with_label(span, "a root inside a root")
                .with_help("compute the inner root in an auxiliary of its own"),
            );
        }
        if var.contains('.') || self.cx.names.get(var).is_some() {
            return self.error(
                Diagnostic::error(
                    Code::DuplicateName,
                    format!("`{var}` is already a name in the scenario"),
                )
                .with_label(name_span, "the unknown of root() needs a name of its own")
                .with_help("pick a name no param, lever, stock, flow, auxiliary or event uses, such as `x`"),
            );
        }
        let lo = self.lower(&args[1]);
        let hi = self.lower(&args[2]);
        let x = self.temp();
        self.bound = Some((var.clone(), x));
        let outer_ops = std::mem::take(&mut self.ops);
        let outer_guards = std::mem::take(&mut self.guards);
        let f = self.lower(&args[3]);
        let mut body = std::mem::replace(&mut self.ops, outer_ops);
        self.guards = outer_guards;
        self.bound = None;
        let (lo, hi, f) = (lo?, hi?, f?);
        let f = match f {
            Operand::Slot(s) => s,
            Operand::Const(_) => {
                let a = self.slot(f);
                let dst = self.temp();
                body.push(Op::Copy { dst, a });
                dst
            }
        };
        let (lo, hi) = (self.slot(lo), self.slot(hi));
        let index = self.cx.slots.roots.len() as u32;
        self.cx.slots.roots.push(RootBody { x, f, ops: body });
        let dst = self.temp();
        self.ops.push(Op::Root {
            dst,
            lo,
            hi,
            body: index,
        });
        Some(Operand::Slot(dst))
    }

    fn date(&mut self, arg: &Expr) -> Option<Operand> {
        let span = self.formula.file_span(arg.span);
        let ExprKind::Str(text) = &arg.kind else {
            return self.error(
                Diagnostic::error(Code::BadDate, "date() takes a month in quotes")
                    .with_label(span, "expected a string like \"2024-10\"")
                    .with_help("write date('2024-10') or date(\"2024-10\")"),
            );
        };
        match Month::parse(text) {
            Ok(m) => Some(Operand::Const(f64::from(m.months_since(self.cx.start)))),
            Err(err) => self.error(
                Diagnostic::error(Code::BadDate, err.to_string())
                    .with_label(span, "not a valid month"),
            ),
        }
    }

    fn draw(&mut self, fname: &'static str, f: DrawFn, args: &[Expr]) -> Option<Operand> {
        if let Some((x, _)) = &self.bound {
            let span = self
                .formula
                .file_span(args.first().map_or(self.formula.expr.span, |a| a.span));
            let x = x.clone();
            return self.error(
                Diagnostic::error(
                    Code::BadReference,
                    format!("`{fname}` cannot be used inside root()"),
                )
                .with_label(
                    span,
                    format!("a random draw in the formula whose root in `{x}` is sought"),
                )
                .with_help("draw the number in an auxiliary and use the auxiliary inside root()"),
            );
        }
        let mut values = Vec::with_capacity(3);
        for arg in args {
            values.push(self.lower(arg));
        }
        let values: Vec<Operand> = values.into_iter().collect::<Option<_>>()?;
        let slots: Vec<SlotId> = values.iter().map(|v| self.slot(*v)).collect();
        let count = self.draws.entry(fname).or_insert(0);
        let name = format!("{}/{fname}#{count}", self.owner);
        *count += 1;
        let site = self.cx.slots.sites.len() as u32;
        self.cx.slots.sites.push(Site {
            key: site_key(&name),
            name,
        });
        let arg = |i: usize| slots.get(i).copied().unwrap_or(slots[0]);
        let dst = self.temp();
        self.ops.push(Op::Draw {
            dst,
            f,
            site,
            args: [arg(0), arg(1), arg(2)],
            guard: self.guards.last().copied(),
        });
        Some(Operand::Slot(dst))
    }
}

fn retarget(op: Op, dst: SlotId) -> Op {
    match op {
        Op::Copy { a, .. } => Op::Copy { dst, a },
        Op::Un { f, a, .. } => Op::Un { dst, f, a },
        Op::Bin { f, a, b, .. } => Op::Bin { dst, f, a, b },
        Op::Select { c, a, b, .. } => Op::Select { dst, c, a, b },
        Op::Clamp { x, lo, hi, .. } => Op::Clamp { dst, x, lo, hi },
        Op::Draw {
            f,
            site,
            args,
            guard,
            ..
        } => Op::Draw {
            dst,
            f,
            site,
            args,
            guard,
        },
        Op::PowLog { x, y, hi, lo, .. } => Op::PowLog { dst, x, y, hi, lo },
        Op::Root { lo, hi, body, .. } => Op::Root { dst, lo, hi, body },
    }
}

fn usage(name: &str) -> &'static str {
    match name {
        "if" => "if(condition, value_if_true, value_if_false)",
        "min" => "min(a, b, ...)",
        "max" => "max(a, b, ...)",
        "clamp" => "clamp(x, low, high)",
        "pow" => "pow(base, exponent)",
        "date" => "date(\"2024-10\")",
        "step" => "step(t0): 0 before month index t0, 1 from it",
        "ramp" => "ramp(t0, t1): 0 before t0, rising linearly to 1 at t1",
        "pulse" => "pulse(t0): 1 in month index t0 only",
        "between" => "between(t0, t1): 1 from t0 to t1 inclusive",
        "root" => {
            "root(x, low, high, formula in x): the x between low and high where the formula is 0"
        }
        "sum" => "sum(variable, 'YYYY-MM', 'YYYY-MM'): the sum over those months, inclusive",
        "mean" => "mean(variable, 'YYYY-MM', 'YYYY-MM'): the mean over those months, inclusive",
        "at" => "at(variable, 'YYYY-MM'): the value at the end of that month",
        _ => "f(x)",
    }
}

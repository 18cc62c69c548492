//! Window functions (`sum`, `mean`, `at`) of outcomes and observations: each call becomes a slot
//! that the engine accumulates month by month (a [`WindowPlan`]); equal calls share one.

use super::{Lowering, Operand, Phase};
use crate::diag::{Code, Diagnostic};
use crate::model::names::Symbol;
use crate::model::{WindowKind, WindowPlan};
use crate::scenario::Month;
use crate::scenario::formula::{Expr, ExprKind};

impl Lowering<'_, '_> {
    /// A window function: `sum(x, from, to)`, `mean(x, from, to)` or `at(x, month)`, lowered
    /// to a slot that the engine accumulates month by month.
    pub(super) fn window(
        &mut self,
        kind: WindowKind,
        name: &str,
        args: &[Expr],
        span: crate::diag::Span,
    ) -> Option<Operand> {
        if self.phase != Phase::Outcome {
            return self.error(
                Diagnostic::error(
                    Code::BadReference,
                    format!("`{name}(...)` reads a whole window of months, so it is allowed only in outcomes and observations"),
                )
                .with_label(span, "here the model would read months that have not happened yet")
                .with_help("to accumulate inside the model, add a stock with the variable as its inflow"),
            );
        }
        let var_span = self.formula.file_span(args[0].span);
        let ExprKind::Name(var) = &args[0].kind else {
            return self.error(
                Diagnostic::error(
                    Code::BadReference,
                    format!("the first argument of `{name}` must be a variable's name"),
                )
                .with_label(var_span, "not a name")
                .with_help("to window an expression, make it an auxiliary and window that"),
            );
        };
        let Some(symbol) = self.cx.names.resolve(var, var_span, self.cx.diags) else {
            self.failed = true;
            return None;
        };
        let s = self.cx.symbols;
        let src = match symbol {
            Symbol::Param(i) => s.params[i],
            Symbol::Lever(i) => s.levers[i],
            Symbol::LeverCost(i) => s.lever_costs[i]?,
            Symbol::LeverCostTotal => s.lever_cost_total,
            Symbol::Stock(i) => s.stocks[i],
            Symbol::Flow(i) => s.flows[i],
            Symbol::Aux(i) => s.aux[i],
            Symbol::Event(i) => s.event_flags[i],
            Symbol::EventAt(i) => s.event_at[i],
            _ => {
                return self.error(
                    Diagnostic::error(
                        Code::BadReference,
                        format!("`{name}` takes a variable, and `{var}` is not one"),
                    )
                    .with_label(var_span, "not a stock, flow, auxiliary, event or lever")
                    .with_help("to window an expression, make it an auxiliary and window that"),
                );
            }
        };
        self.reads.push(symbol);
        let months: Vec<Option<usize>> = args[1..].iter().map(|a| self.window_month(a)).collect();
        let months: Vec<usize> = months.into_iter().collect::<Option<_>>()?;
        let (from, to) = match kind {
            WindowKind::At => (months[0], months[0]),
            _ => (months[0], months[1]),
        };
        if from > to {
            let (a, b) = (
                self.formula.file_span(args[1].span),
                self.formula.file_span(args[2].span),
            );
            let (first, last) = (
                self.cx.start.offset(from as i32),
                self.cx.start.offset(to as i32),
            );
            return self.error(
                Diagnostic::error(
                    Code::BadRange,
                    format!("window {first} to {last} ends before it starts"),
                )
                .with_label(a, "from")
                .with_label(b, "to")
                .with_help("write the earlier month first; both months are included"),
            );
        }
        self.window_end = Some(self.window_end.map_or(to, |e| e.max(to)));
        let plan = WindowPlan {
            kind,
            src,
            dst: src, // replaced below
            from,
            to,
        };
        let same = |w: &&WindowPlan| {
            w.kind == plan.kind && w.src == plan.src && w.from == plan.from && w.to == plan.to
        };
        if let Some(existing) = self.cx.windows.iter().find(same) {
            return Some(Operand::Slot(existing.dst));
        }
        let dst = self.cx.slots.var();
        self.cx.windows.push(WindowPlan { dst, ..plan });
        Some(Operand::Slot(dst))
    }

    /// A month argument of a window function: a 'YYYY-MM' string inside the time axis.
    fn window_month(&mut self, arg: &Expr) -> Option<usize> {
        let span = self.formula.file_span(arg.span);
        let ExprKind::Str(text) = &arg.kind else {
            self.error(
                Diagnostic::error(Code::BadDate, "a window's months are written in quotes")
                    .with_label(span, "expected a month like '2024-10'")
                    .with_help("e.g. sum(containers, '2023-09', '2024-02')"),
            );
            return None;
        };
        let month = match Month::parse(text) {
            Ok(m) => m,
            Err(err) => {
                self.error(
                    Diagnostic::error(Code::BadDate, err.to_string())
                        .with_label(span, "not a valid month"),
                );
                return None;
            }
        };
        let i = month.months_since(self.cx.start);
        if i < 0 || i as usize >= self.cx.n_months {
            let end = self.cx.start.offset(self.cx.n_months as i32 - 1);
            self.error(
                Diagnostic::error(
                    Code::BadDate,
                    format!("window month {month} is outside the scenario ({} to {end})", self.cx.start),
                )
                .with_label(span, "outside the time axis")
                .with_help(format!("a window must lie between {} and {end}; a figure about earlier months cannot be compared with this world", self.cx.start)),
            );
            return None;
        }
        Some(i as usize)
    }
}

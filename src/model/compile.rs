//! The compiler proper: slots for every symbol, ops for every formula, plans for stocks,
//! events and outcomes ([`super::bundles`] makes the bundle and param plans, [`super::checks`]
//! the checks that produce no code).

use super::bundles::{baseline, bundle_plans, lever_shares, param_plans};
use super::checks::{
    check_chart_names, check_observations, init_ops_reads, path_vars, recorded, warn_unused,
};
use super::lower::{Lowering, Phase, Shared, Slots, SymbolSlots, remap};
use super::names::{Names, Symbol};
use super::ops::{BinFn, Op, RootBody, SlotId};
use super::optimize::{Layout, Program, optimize};
use super::order::order;
use super::outcomes::{observation_plans, outcome_plans};
use super::{EventPlan, Model, StockPlan, TimeSlots, Var, VarKind, WindowPlan};
use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::engine::rng::site_key;
use crate::scenario::reader::Sp;
use crate::scenario::{Formula, Month, Scenario};
/// Values given on the command line with `--set NAME=VALUE`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// (name, value) pairs, in the order given.
    pub values: Vec<(String, f64)>,
}

/// Compiles a checked scenario. Problems (unknown names, cycles, bad references, impossible
/// lever settings) go to `diags`; the model is returned only when there were none.
pub fn compile(s: &Scenario, overrides: &Overrides, diags: &mut Diagnostics) -> Option<Model> {
    let errors_before = diags.error_count();
    let names = Names::new(s, diags);
    let mut slots = Slots::default();
    let time = TimeSlots {
        t: slots.var(),
        month: slots.var(),
        year: slots.var(),
        time: slots.var(),
    };
    let symbols = SymbolSlots {
        params: s.params.iter().map(|_| slots.var()).collect(),
        levers: s.levers.iter().map(|_| slots.var()).collect(),
        lever_costs: s
            .levers
            .iter()
            .map(|l| l.cost.as_ref().map(|_| slots.var()))
            .collect(),
        lever_cost_total: slots.var(),
        stocks: s.stocks.iter().map(|_| slots.var()).collect(),
        flows: s.flows.iter().map(|_| slots.var()).collect(),
        aux: s.aux.iter().map(|_| slots.var()).collect(),
        event_flags: s.events.iter().map(|_| slots.var()).collect(),
        event_at: s.events.iter().map(|_| slots.var()).collect(),
        time: [time.t, time.month, time.year, time.time],
    };
    let vars = variables(s, &symbols);
    let n_months = s.meta.n_months();
    let start = s.meta.start.value;
    let mut cx = Shared {
        names: &names,
        symbols: &symbols,
        slots: &mut slots,
        diags,
        start,
        n_months,
        windows: Vec::new(),
    };

    // Stocks' initial values.
    let mut init_ops = Vec::new();
    for (i, stock) in s.stocks.iter().enumerate() {
        let mut l = Lowering::new(
            &mut cx,
            Phase::Init,
            format!("stock:{}/init", stock.name.value),
            &stock.init,
        );
        if l.lower_into(symbols.stocks[i]) {
            init_ops.append(&mut l.ops);
        }
    }

    let (step_ops, step_vars, order_names, reads_step) = step_formulas(s, &mut cx, &symbols, &vars);

    // Events' conditions and hazards, evaluated after the stock update.
    let mut event_ops = Vec::new();
    let mut events = Vec::new();
    let mut reads_post: Vec<Symbol> = Vec::new();
    for (i, event) in s.events.iter().enumerate() {
        let mut lower =
            |formula: Option<&Formula>, part: &str, ops: &mut Vec<Op>, reads: &mut Vec<Symbol>| {
                let f = formula?;
                let dst = cx.slots.var();
                let mut l = Lowering::new(
                    &mut cx,
                    Phase::Month,
                    format!("event:{}/{part}", event.name.value),
                    f,
                );
                let ok = l.lower_into(dst);
                ops.append(&mut l.ops);
                reads.append(&mut l.reads);
                ok.then_some(dst)
            };
        let when = lower(event.when.as_ref(), "when", &mut event_ops, &mut reads_post);
        let hazard = lower(
            event.hazard.as_ref(),
            "hazard",
            &mut event_ops,
            &mut reads_post,
        );
        let not_before = event
            .not_before
            .as_ref()
            .map_or(0, |m| m.value.months_since(start).max(0) as usize);
        events.push(EventPlan {
            var: var_of(&vars, VarKind::Event, i),
            flag: symbols.event_flags[i],
            at: symbols.event_at[i],
            when,
            hazard,
            not_before,
            site: site_key(&format!("event:{}", event.name.value)),
        });
    }

    let (outcome_ops, outcomes) = outcome_plans(s, &mut cx, &mut reads_post);
    let (observable_ops, observables) = observation_plans(s, &mut cx, &vars, &mut reads_post);

    let stocks = stock_plans(s, &symbols, &vars, cx.diags);
    let params = param_plans(s, &symbols, overrides, cx.diags);
    let bundles = bundle_plans(s, overrides, n_months, cx.diags);
    let baseline = baseline(s, cx.diags);
    check_observations(s, &vars, cx.diags);
    let recorded = recorded(s, &vars, cx.diags);
    let paths = path_vars(s, &vars, cx.diags);
    check_chart_names(s, &vars, cx.diags);
    // A formula that failed to compile records no reads, so a name only it reads would be
    // reported unused by mistake (the misspelt `shell_outptu` makes `shell_output` look unused).
    // The warnings return once the errors are fixed.
    if !cx.diags.has_errors() {
        warn_unused(
            s,
            &reads_step,
            &reads_post,
            &init_ops_reads(s, &names),
            cx.diags,
        );
    }

    if cx.diags.error_count() > errors_before {
        return None;
    }
    let windows = std::mem::take(&mut cx.windows);
    let (n_slots, consts, map) = slots.finish();
    let remap_all =
        |ops: Vec<Op>| -> Vec<Op> { ops.into_iter().map(|op| remap(op, &map)).collect() };
    let mut program = Program {
        run: Vec::new(),
        init: remap_all(init_ops),
        month: [
            remap_all(step_ops),
            remap_all(event_ops),
            remap_all(outcome_ops),
        ],
        roots: slots
            .roots
            .iter()
            .map(|r| RootBody {
                x: map(r.x),
                f: map(r.f),
                ops: remap_all(r.ops.clone()),
            })
            .collect(),
        observe: remap_all(observable_ops),
    };
    let layout = Layout {
        n_fixed: slots.n_fixed(),
        n_slots,
        per_run: symbols
            .params
            .iter()
            .copied()
            .chain(consts.iter().map(|(s, _)| *s))
            .collect(),
        engine_writes: [
            symbols.stocks.clone(),
            symbols
                .event_flags
                .iter()
                .chain(&symbols.event_at)
                .copied()
                // Window accumulators are updated after the events, before the outcomes.
                .chain(windows.iter().map(|w| map(w.dst)))
                .collect(),
        ],
    };
    let n_slots = optimize(&mut program, &layout);
    let Program {
        run: run_ops,
        init: init_ops,
        month: [step_ops, event_ops, outcome_ops],
        roots,
        observe: observable_ops,
    } = program;
    debug_assert!(
        run_ops
            .iter()
            .chain(&init_ops)
            .chain(&step_ops)
            .chain(&event_ops)
            .chain(&outcome_ops)
            .chain(&observable_ops)
            .chain(roots.iter().flat_map(|r| &r.ops))
            .all(|op| !reads_own_destination(op)),
        "an op reads its own destination"
    );
    let hoisted: std::collections::HashSet<SlotId> = run_ops.iter().map(Op::dst).collect();
    let step_vars_monthly = step_vars
        .iter()
        .copied()
        .filter(|&v| !hoisted.contains(&vars[v].slot))
        .collect();
    Some(Model {
        name: s.meta.name.value.clone(),
        start,
        n_months,
        n_slots,
        consts,
        time,
        params,
        lever_slots: symbols.levers.clone(),
        lever_names: s.levers.iter().map(|l| l.name.value.clone()).collect(),
        bundles: bundles?,
        lever_defaults: s.levers.iter().map(|l| l.default.value).collect(),
        lever_share: lever_shares(s, n_months),
        baseline: baseline?,
        run_ops,
        init_ops,
        step_ops,
        step_vars,
        step_vars_monthly,
        stocks,
        event_ops,
        events,
        outcome_ops,
        outcomes,
        roots,
        windows: windows
            .iter()
            .map(|w| WindowPlan {
                src: map(w.src),
                dst: map(w.dst),
                ..w.clone()
            })
            .collect(),
        observable_ops,
        observables,
        run_months: n_months,
        posterior: None,
        posterior_path: None,
        site_keys: slots.sites.iter().map(|s| s.key).collect(),
        sites: slots.sites.clone(),
        vars,
        recorded,
        paths,
        order: order_names,
    })
}

/// Every per-month variable, in a fixed order: stocks, flows, auxiliaries, events, lever costs.
fn variables(s: &Scenario, symbols: &SymbolSlots) -> Vec<Var> {
    let label = |info: &crate::scenario::Info, name: &str| {
        info.label.clone().unwrap_or_else(|| name.to_string())
    };
    let mut vars = Vec::new();
    for (i, x) in s.stocks.iter().enumerate() {
        vars.push(Var {
            name: x.name.value.clone(),
            kind: VarKind::Stock,
            slot: symbols.stocks[i],
            unit: x.info.unit.clone(),
            label: label(&x.info, &x.name.value),
            actor: x
                .actor
                .as_ref()
                .map(|a| a.value.clone())
                .unwrap_or_default(),
        });
    }
    for (i, x) in s.flows.iter().enumerate() {
        vars.push(Var {
            name: x.name.value.clone(),
            kind: VarKind::Flow,
            slot: symbols.flows[i],
            unit: x.info.unit.clone(),
            label: label(&x.info, &x.name.value),
            actor: String::new(),
        });
    }
    for (i, x) in s.aux.iter().enumerate() {
        vars.push(Var {
            name: x.name.value.clone(),
            kind: VarKind::Aux,
            slot: symbols.aux[i],
            unit: x.info.unit.clone(),
            label: label(&x.info, &x.name.value),
            actor: String::new(),
        });
    }
    for (i, x) in s.events.iter().enumerate() {
        vars.push(Var {
            name: x.name.value.clone(),
            kind: VarKind::Event,
            slot: symbols.event_flags[i],
            unit: "0/1".into(),
            label: label(&x.info, &x.name.value),
            actor: String::new(),
        });
    }
    for (i, x) in s.levers.iter().enumerate() {
        if let Some(slot) = symbols.lever_costs[i] {
            vars.push(Var {
                name: format!("{}.cost", x.name.value),
                kind: VarKind::LeverCost,
                slot,
                unit: format!("{}/year", s.meta.cost_unit),
                label: format!("Cost of {}", label(&x.info, &x.name.value)),
                actor: String::new(),
            });
        }
    }
    vars
}

/// The index in `vars` of the `i`-th variable of `kind`. [`variables`] lays them out grouped by
/// kind in declaration order, so this is a binary search for the group plus `i` (a scan per call
/// made compiling 20 000 auxiliaries take seconds).
fn var_of(vars: &[Var], kind: VarKind, i: usize) -> usize {
    let rank = |k: VarKind| k as u8;
    let first = vars.partition_point(|v| rank(v.kind) < rank(kind));
    debug_assert!(vars.get(first + i).is_some_and(|v| v.kind == kind));
    first + i
}

type StepResult = (Vec<Op>, Vec<usize>, Vec<String>, Vec<Symbol>);

/// Lowers auxiliaries, flows and lever costs, and orders them by dependency.
fn step_formulas(
    s: &Scenario,
    cx: &mut Shared<'_>,
    symbols: &SymbolSlots,
    vars: &[Var],
) -> StepResult {
    // Nodes: aux, flows, lever costs (levers with a cost), then the cost total.
    struct Node {
        name: String,
        ops: Vec<Op>,
        reads: Vec<Symbol>,
        span: Span,
        var: Option<usize>,
    }
    let mut nodes: Vec<Node> = Vec::new();
    let lower = |cx: &mut Shared<'_>,
                 owner: String,
                 name: String,
                 f: &Formula,
                 dst: SlotId,
                 var: usize|
     -> Node {
        let mut l = Lowering::new(cx, Phase::Month, owner, f);
        l.lower_into(dst);
        Node {
            name,
            ops: std::mem::take(&mut l.ops),
            reads: std::mem::take(&mut l.reads),
            span: f.span,
            var: Some(var),
        }
    };
    for (i, a) in s.aux.iter().enumerate() {
        let var = var_of(vars, VarKind::Aux, i);
        nodes.push(lower(
            cx,
            format!("aux:{}", a.name.value),
            a.name.value.clone(),
            &a.expr,
            symbols.aux[i],
            var,
        ));
    }
    for (i, f) in s.flows.iter().enumerate() {
        let var = var_of(vars, VarKind::Flow, i);
        nodes.push(lower(
            cx,
            format!("flow:{}", f.name.value),
            f.name.value.clone(),
            &f.rate,
            symbols.flows[i],
            var,
        ));
    }
    let mut cost_nodes = Vec::new();
    let mut cost_vars = vars
        .iter()
        .enumerate()
        .filter(|(_, v)| v.kind == VarKind::LeverCost)
        .map(|(k, _)| k);
    for (i, lever) in s.levers.iter().enumerate() {
        if let (Some(cost), Some(slot)) = (&lever.cost, symbols.lever_costs[i]) {
            cost_nodes.push(nodes.len());
            let var = cost_vars.next().unwrap_or(0);
            let name = format!("{}.cost", lever.name.value);
            nodes.push(lower(cx, format!("lever:{name}"), name, cost, slot, var));
        }
    }
    // lever_cost = sum of the lever costs.
    let mut total_ops = Vec::new();
    let total = symbols.lever_cost_total;
    let costs: Vec<SlotId> = symbols.lever_costs.iter().flatten().copied().collect();
    match costs.split_first() {
        None => total_ops.push(Op::Copy {
            dst: total,
            a: cx.slots.constant(0.0),
        }),
        Some((first, rest)) => {
            // Partial sums in slots of their own: an op never reads the slot it writes.
            let mut acc = *first;
            for (k, c) in rest.iter().enumerate() {
                let dst = if k + 1 == rest.len() {
                    total
                } else {
                    cx.slots.var()
                };
                total_ops.push(Op::Bin {
                    dst,
                    f: BinFn::Add,
                    a: acc,
                    b: *c,
                });
                acc = dst;
            }
            if rest.is_empty() {
                total_ops.push(Op::Copy {
                    dst: total,
                    a: *first,
                });
            }
        }
    }
    let reads: Vec<Symbol> = (0..s.levers.len())
        .filter(|&i| symbols.lever_costs[i].is_some())
        .map(Symbol::LeverCost)
        .collect();
    nodes.push(Node {
        name: "lever_cost".into(),
        ops: total_ops,
        reads,
        span: s.meta.name.span,
        var: None,
    });

    let n_aux = s.aux.len();
    let n_flows = s.flows.len();
    let node_of = |symbol: &Symbol| -> Option<usize> {
        match *symbol {
            Symbol::Aux(i) => Some(i),
            Symbol::Flow(i) => Some(n_aux + i),
            Symbol::LeverCost(i) => {
                let k = (0..i).filter(|&j| symbols.lever_costs[j].is_some()).count();
                cost_nodes.get(k).copied()
            }
            Symbol::LeverCostTotal => Some(n_aux + n_flows + cost_nodes.len()),
            _ => None,
        }
    };
    let deps: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| n.reads.iter().filter_map(node_of).collect())
        .collect();
    let all_reads: Vec<Symbol> = nodes.iter().flat_map(|n| n.reads.iter().copied()).collect();
    match order(&deps) {
        Ok(sequence) => {
            let mut ops = Vec::new();
            let mut step_vars = Vec::new();
            let mut names = Vec::new();
            for i in sequence {
                ops.extend_from_slice(&nodes[i].ops);
                step_vars.extend(nodes[i].var);
                names.push(nodes[i].name.clone());
            }
            (ops, step_vars, names, all_reads)
        }
        Err(cycle) => {
            // A circle through thousands of formulas (generated files) is named in part: the
            // first members and a count, so the message stays readable.
            const SHOWN: usize = 20;
            let mut members: Vec<&str> = cycle
                .iter()
                .take(SHOWN)
                .map(|&i| nodes[i].name.as_str())
                .collect();
            if cycle.len() > SHOWN {
                members.push("...");
            }
            members.push(nodes[cycle[0]].name.as_str());
            let mut d = Diagnostic::error(Code::FormulaCycle, format!("these formulas depend on each other in a circle: {}", members.join(" -> ")))
                .with_help("break the circle by making one of them read a stock (last month's state) instead of another formula");
            for (k, &i) in cycle.iter().enumerate().take(SHOWN) {
                let next = cycle[(k + 1) % cycle.len()];
                d = d.with_label(
                    nodes[i].span,
                    format!("`{}` reads `{}`", nodes[i].name, nodes[next].name),
                );
            }
            if cycle.len() > SHOWN {
                d = d.with_note(format!(
                    "the circle goes through {} formulas; the first {SHOWN} are shown",
                    cycle.len()
                ));
            }
            cx.diags.push(d);
            (Vec::new(), Vec::new(), Vec::new(), all_reads)
        }
    }
}

pub(super) fn month_index(
    m: &Sp<Month>,
    start: Month,
    n_months: usize,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<usize> {
    let i = m.value.months_since(start);
    if i < 0 || i as usize >= n_months {
        let end = start.offset(n_months as i32 - 1);
        diags.push(
            Diagnostic::error(
                Code::BadDate,
                format!(
                    "{what} {} is outside the scenario ({start} to {end})",
                    m.value
                ),
            )
            .with_label(m.span, "outside the time axis"),
        );
        return None;
    }
    Some(i as usize)
}

fn stock_plans(
    s: &Scenario,
    symbols: &SymbolSlots,
    vars: &[Var],
    diags: &mut Diagnostics,
) -> Vec<StockPlan> {
    let mut plans: Vec<StockPlan> = s
        .stocks
        .iter()
        .enumerate()
        .map(|(i, x)| StockPlan {
            var: var_of(vars, VarKind::Stock, i),
            slot: symbols.stocks[i],
            inflows: Vec::new(),
            outflows: Vec::new(),
            min: x.min.as_ref().map_or(f64::NEG_INFINITY, |m| m.value),
            max: x.max.as_ref().map_or(f64::INFINITY, |m| m.value),
            bound: x.bound,
        })
        .collect();
    let stock = |name: &str| s.stocks.iter().position(|x| x.name.value == name);
    let actor = |name: &str| s.actors.iter().any(|a| a.code.value == name);
    for (i, flow) in s.flows.iter().enumerate() {
        let mut ends = [None, None];
        for (k, end) in [&flow.from, &flow.to].into_iter().enumerate() {
            let Some(end) = end else { continue };
            if let Some(j) = stock(&end.value) {
                ends[k] = Some(j);
            } else if end.value != "outside" && !actor(&end.value) {
                let candidates = s
                    .stocks
                    .iter()
                    .map(|x| x.name.value.as_str())
                    .chain(s.actors.iter().map(|a| a.code.value.as_str()))
                    .chain(std::iter::once("outside"));
                diags.push(
                    Diagnostic::error(Code::UnknownName, format!("flow `{}`: `{}` is not a stock or an actor", flow.name.value, end.value))
                        .with_label(end.span, "unknown stock or actor")
                        .with_optional_help(did_you_mean(&end.value, candidates).or_else(|| {
                            Some("a flow goes from/to a stock, an actor code (outside the model) or \"outside\"".into())
                        })),
                );
            }
        }
        if let Some(j) = ends[0] {
            plans[j].outflows.push(symbols.flows[i]);
        }
        if let Some(j) = ends[1] {
            plans[j].inflows.push(symbols.flows[i]);
        }
        if ends == [None, None] && (flow.from.is_some() || flow.to.is_some()) {
            let unknown_reported = [&flow.from, &flow.to]
                .into_iter()
                .flatten()
                .any(|e| stock(&e.value).is_none() && e.value != "outside" && !actor(&e.value));
            if !unknown_reported {
                diags.push(
                    Diagnostic::error(
                        Code::BadReference,
                        format!("flow `{}` does not touch any stock", flow.name.value),
                    )
                    .with_label(flow.name.span, "moves an amount from outside to outside")
                    .with_help(
                        "set `from` or `to` to a stock, so that the amount accumulates somewhere",
                    ),
                );
            }
        }
        if let (Some(a), Some(b)) = (ends[0], ends[1])
            && a == b
        {
            diags.push(
                Diagnostic::error(
                    Code::BadReference,
                    format!("flow `{}` goes from a stock to itself", flow.name.value),
                )
                .with_label(flow.name.span, "from and to are the same stock"),
            );
        }
    }
    for x in &s.stocks {
        if let Some(actor_code) = &x.actor
            && !actor(&actor_code.value)
        {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    format!(
                        "stock `{}`: unknown actor `{}`",
                        x.name.value, actor_code.value
                    ),
                )
                .with_label(actor_code.span, "not declared under [actors]")
                .with_optional_help(did_you_mean(
                    &actor_code.value,
                    s.actors.iter().map(|a| a.code.value.as_str()),
                )),
            );
        }
    }
    plans
}

/// Whether an op reads the slot it writes (the engine relies on this never happening).
pub(crate) fn reads_own_destination(op: &Op) -> bool {
    let d = op.dst();
    let mut reads = false;
    op.for_each_read(|s| reads |= s == d);
    reads
}

//! The names formulas can use, resolved once per scenario.
//!
//! Params, levers, stocks, flows, auxiliaries and events share one namespace (a formula must
//! know what `x` is without context); outcomes, bundles and actors live apart, and using them in
//! a formula is an error that says what they are.

use std::collections::HashMap;

use crate::diag::suggest::did_you_mean;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::scenario::Scenario;

/// What a name in a formula refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// A param, by index.
    Param(usize),
    /// A lever's value this month.
    Lever(usize),
    /// A lever's cost per year this month (`x.cost`).
    LeverCost(usize),
    /// The sum of all levers' costs this month (`lever_cost`).
    LeverCostTotal,
    /// A stock.
    Stock(usize),
    /// A flow.
    Flow(usize),
    /// An auxiliary.
    Aux(usize),
    /// An event's 0/1 flag.
    Event(usize),
    /// The month index an event happened (`x.at`).
    EventAt(usize),
    /// Months since an event happened (`x.since`).
    EventSince(usize),
    /// `t`, months since the start.
    T,
    /// `month`, 1 to 12.
    Month,
    /// `year`, the calendar year.
    Year,
    /// `time`, the decimal year.
    Time,
    /// `pi`.
    Pi,
}

/// The kind of a declared item with its article, for messages ("a param", "an event").
fn kind_name(symbol: Symbol) -> &'static str {
    match symbol {
        Symbol::Param(_) => "a param",
        Symbol::Lever(_) => "a lever",
        Symbol::Stock(_) => "a stock",
        Symbol::Flow(_) => "a flow",
        Symbol::Aux(_) => "an auxiliary",
        Symbol::Event(_) => "an event",
        _ => "a built-in name",
    }
}

/// The name table of a scenario.
pub struct Names {
    map: HashMap<String, (Symbol, Span)>,
    /// Names that exist but cannot be used in formulas, with what they are.
    others: HashMap<String, &'static str>,
    /// Levers with a cost formula.
    lever_has_cost: Vec<bool>,
    /// Items declared but unreadable (already reported).
    broken: Vec<String>,
}

const BUILTINS: [(&str, Symbol); 6] = [
    ("t", Symbol::T),
    ("month", Symbol::Month),
    ("year", Symbol::Year),
    ("time", Symbol::Time),
    ("pi", Symbol::Pi),
    ("lever_cost", Symbol::LeverCostTotal),
];

impl Names {
    /// Builds the table, reporting names declared twice.
    pub fn new(s: &Scenario, diags: &mut Diagnostics) -> Names {
        let mut names = Names {
            map: HashMap::new(),
            others: HashMap::new(),
            lever_has_cost: s.levers.iter().map(|l| l.cost.is_some()).collect(),
            broken: s.broken.clone(),
        };
        let declared = s
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| (&p.name, Symbol::Param(i)))
            .chain(
                s.levers
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (&x.name, Symbol::Lever(i))),
            )
            .chain(
                s.stocks
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (&x.name, Symbol::Stock(i))),
            )
            .chain(
                s.flows
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (&x.name, Symbol::Flow(i))),
            )
            .chain(
                s.aux
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (&x.name, Symbol::Aux(i))),
            )
            .chain(
                s.events
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (&x.name, Symbol::Event(i))),
            );
        for (name, symbol) in declared {
            if let Some((first, first_span)) = names.map.get(&name.value) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "`{}` is declared twice: as {} and as {}",
                            name.value,
                            kind_name(*first),
                            kind_name(symbol)
                        ),
                    )
                    .with_label(name.span, "second declaration")
                    .with_label(*first_span, "first declared here")
                    .with_help("params, levers, stocks, flows, auxiliaries and events share one set of names"),
                );
                continue;
            }
            names.map.insert(name.value.clone(), (symbol, name.span));
        }
        for o in &s.outcomes {
            names.others.insert(o.name.value.clone(), "an outcome");
        }
        for b in &s.bundles {
            names
                .others
                .entry(b.name.value.clone())
                .or_insert("a bundle");
        }
        for a in &s.actors {
            names
                .others
                .entry(a.code.value.clone())
                .or_insert("an actor");
        }
        names
    }

    /// The symbol of a declared item or built-in, without diagnostics.
    pub fn get(&self, name: &str) -> Option<Symbol> {
        if let Some((symbol, _)) = self.map.get(name) {
            return Some(*symbol);
        }
        BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    /// Resolves a name as written in a formula (possibly dotted), reporting what is wrong.
    pub fn resolve(&self, name: &str, span: Span, diags: &mut Diagnostics) -> Option<Symbol> {
        if let Some((base, member)) = name.split_once('.') {
            return self.resolve_member(base, member, span, diags);
        }
        if let Some(symbol) = self.get(name) {
            return Some(symbol);
        }
        if self.broken.iter().any(|b| b == name) {
            return None;
        }
        if let Some(what) = self.others.get(name) {
            diags.push(
                Diagnostic::error(
                    Code::BadReference,
                    format!("`{name}` is {what}, which formulas cannot use"),
                )
                .with_label(span, "not a param, lever, stock, flow, auxiliary or event")
                .with_help(match *what {
                    "an outcome" => {
                        "outcomes summarise a run; compute the value in an auxiliary and use that"
                    }
                    "an actor" => "actors tag stocks and flows; refer to a stock or flow instead",
                    _ => "bundles set levers; refer to the lever",
                }),
            );
            return None;
        }
        let candidates = self
            .map
            .keys()
            .map(String::as_str)
            .chain(BUILTINS.iter().map(|(n, _)| *n));
        diags.push(
            Diagnostic::error(Code::UnknownName, format!("unknown name `{name}`"))
                .with_label(span, "not a param, lever, stock, flow, auxiliary or event")
                .with_help(did_you_mean(name, candidates).unwrap_or_else(|| {
                    format!(
                        "declare `{name}` (e.g. under [params] or [aux]) or check its spelling; \
                         names are case-sensitive"
                    )
                })),
        );
        None
    }

    fn resolve_member(
        &self,
        base: &str,
        member: &str,
        span: Span,
        diags: &mut Diagnostics,
    ) -> Option<Symbol> {
        let symbol = match self.get(base) {
            Some(s) => s,
            None if self.broken.iter().any(|b| b == base) => return None,
            None => {
                self.resolve(base, span, diags);
                return None;
            }
        };
        let (resolved, members): (Option<Symbol>, &[&str]) = match symbol {
            Symbol::Event(i) => (
                match member {
                    "at" => Some(Symbol::EventAt(i)),
                    "since" => Some(Symbol::EventSince(i)),
                    _ => None,
                },
                &["at", "since"],
            ),
            Symbol::Lever(i) if self.lever_has_cost[i] => (
                if member == "cost" {
                    Some(Symbol::LeverCost(i))
                } else {
                    None
                },
                &["cost"],
            ),
            _ => (None, &[]),
        };
        if resolved.is_none() {
            let message = if members.is_empty() {
                format!("`{base}` is {} and has no `.{member}`", kind_name(symbol))
            } else {
                format!("`{base}` has no `.{member}`")
            };
            let help = if members.is_empty() {
                "only events (`.at`, `.since`) and levers with a cost (`.cost`) have members"
                    .to_string()
            } else {
                format!(
                    "available: {}",
                    members
                        .iter()
                        .map(|m| format!("`{base}.{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            diags.push(
                Diagnostic::error(Code::UnknownName, message)
                    .with_label(span, "unknown member")
                    .with_help(help),
            );
        }
        resolved
    }
}

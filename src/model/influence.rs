//! Which params can influence which slots: a forward data-flow analysis over the compiled ops.
//!
//! Calibration uses it to leave out of the sampler the params that cannot change any fitted
//! observation (their posterior is their prior, exactly), which makes the sampler's job smaller.
//! The analysis follows the month's order of work (see [`super`]): straight-line ops assign
//! their destination the union of their operands' sets (a scratch slot reused by another formula
//! is reassigned, so formulas do not leak into each other through it); stocks, event flags and
//! window accumulators carry their sets from month to month, so the month body is repeated until
//! nothing grows. The result can only over-state influence (a param read only in a branch that
//! is never taken still counts), never miss it.

use super::Model;
use super::ops::{Op, RootBody, SlotId};

/// A set of params (bit k: param k of [`Model::params`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Set(Vec<u64>);

impl Set {
    fn with(n: usize, k: Option<usize>) -> Set {
        let mut s = Set(vec![0; n.div_ceil(64)]);
        if let Some(k) = k {
            s.0[k / 64] |= 1 << (k % 64);
        }
        s
    }

    /// Adds `other`; whether anything was new.
    fn add(&mut self, other: &Set) -> bool {
        let mut grew = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let new = *a | *b;
            grew |= new != *a;
            *a = new;
        }
        grew
    }

    fn contains(&self, k: usize) -> bool {
        self.0[k / 64] & (1 << (k % 64)) != 0
    }
}

/// The slots an op's value depends on: its operands, and for a root the free reads of its body.
fn operands(op: &Op, roots: &[RootBody]) -> Vec<SlotId> {
    let mut v = Vec::new();
    op.for_each_read(|s| v.push(s));
    if let Op::Root { body, .. } = *op {
        v.extend(roots[body as usize].free_reads());
    }
    v
}

fn straight_line(ops: &[Op], roots: &[RootBody], sets: &mut [Set], n: usize) {
    for op in ops {
        let mut s = Set::with(n, None);
        for a in operands(op, roots) {
            s.add(&sets[a.index()]);
        }
        sets[op.dst().index()] = s;
    }
}

/// For each param of `model`, whether it can influence any of `targets` (slots read after the
/// outcome ops of a month, such as observation targets when the model is
/// [`Model::observing`]).
pub fn params_influencing(model: &Model, targets: &[SlotId]) -> Vec<bool> {
    let n = model.params.len();
    let mut sets = vec![Set::with(n, None); model.n_slots];
    for (k, p) in model.params.iter().enumerate() {
        sets[p.slot.index()] = Set::with(n, Some(k));
    }
    // Values the optimiser hoisted out of the month are computed once per run, after the params.
    straight_line(&model.run_ops, &model.roots, &mut sets, n);
    straight_line(&model.init_ops, &model.roots, &mut sets, n);
    // Repeat the month until the sets of the slots that carry over stop growing; every round
    // adds at least one param to some slot, so this ends after at most n + 1 rounds per slot.
    loop {
        let mut grew = false;
        straight_line(&model.step_ops, &model.roots, &mut sets, n);
        for s in &model.stocks {
            let mut flows = Set::with(n, None);
            for f in s.inflows.iter().chain(&s.outflows) {
                flows.add(&sets[f.index()]);
            }
            grew |= sets[s.slot.index()].add(&flows);
        }
        straight_line(&model.event_ops, &model.roots, &mut sets, n);
        for e in &model.events {
            let mut cause = Set::with(n, None);
            for slot in e.when.iter().chain(e.hazard.iter()) {
                cause.add(&sets[slot.index()]);
            }
            grew |= sets[e.flag.index()].add(&cause);
            let flag = sets[e.flag.index()].clone();
            grew |= sets[e.at.index()].add(&flag);
        }
        for w in &model.windows {
            let src = sets[w.src.index()].clone();
            grew |= sets[w.dst.index()].add(&src);
        }
        straight_line(&model.outcome_ops, &model.roots, &mut sets, n);
        if !grew {
            break;
        }
    }
    let mut reach = Set::with(n, None);
    for t in targets {
        reach.add(&sets[t.index()]);
    }
    (0..n).map(|k| reach.contains(k)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::diag::Diagnostics;
    use crate::model::compile;
    use crate::scenario::load_str;

    #[test]
    fn params_reach_observations_through_stocks_events_and_windows() {
        let text = r#"
[scenario]
name = "t"
start = "2024-01"
end = "2024-12"
[params]
rate = { dist = "uniform", min = 1, max = 2 }
hazard = { dist = "uniform", min = 0.1, max = 0.2 }
later = { dist = "uniform", min = 1, max = 2 }
unrelated = { dist = "uniform", min = 1, max = 2 }
[stocks]
a = { init = 0 }
b = { init = 0 }
[flows.fa]
to = "a"
rate = "rate * (1 + crisis)"
[flows.fb]
to = "b"
rate = "later * unrelated"
[events.crisis]
hazard = "hazard"
[outcomes.b_total]
expr = "b"
[[observations]]
id = "A"
source = "test"
expr = "sum(fa, '2024-01', '2024-06')"
value = 10
rel_sd = 0.1
"#;
        let loaded = load_str("t.toml", text);
        let scenario = loaded.scenario.expect("valid");
        let mut diags = Diagnostics::new();
        let model = compile(&scenario, &Default::default(), &mut diags).expect("compiles");
        let observing = model.observing(Vec::new(), false);
        let targets: Vec<SlotId> = observing.outcomes.iter().map(|o| o.slot).collect();
        let reach = params_influencing(&observing, &targets);
        assert_eq!(reach, vec![true, true, false, false]);
        // Names find their own variables (the result files look variables up by name).
        for name in ["a", "b", "fa", "fb", "crisis"] {
            let index = model.var_index(name).expect(name);
            assert_eq!(model.vars[index].name, name);
        }
        assert_eq!(model.var_index("nope"), None);
    }
}

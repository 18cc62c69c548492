//! Optimising a model's ops after lowering: the month loop does only what changes from month
//! to month, and does it once.
//!
//! Four passes over the ops of the whole model, in this order:
//! 1. **Renaming** (static single assignment for temporaries): lowering reuses temporary slots
//!    from formula to formula; each write of a temporary gets a slot of its own, so that a value
//!    can be kept (hoisted, shared) without another formula overwriting it.
//! 2. **Hoisting**: an op of the month (auxiliaries, flows, lever costs, events, outcomes) whose
//!    inputs are all per-run values (params, numbers, other hoisted values) and that draws no
//!    random number moves to [`Model::run_ops`](super::Model::run_ops), computed once per run
//!    after the params. A root whose bracket and formula read only such values is found once per
//!    run instead of every month. A power whose base is a per-run value and whose exponent is
//!    not (a discount factor `delta^t`) leaves the base's logarithm to the run list.
//! 3. **Common subexpressions** (value numbering): an op computing what an earlier op of the
//!    same month already computed from the same slots is dropped and its readers read the
//!    earlier result (`x^q / (1 + x^q)` raises to the power once). Values read from stocks and
//!    event flags are not shared across the points of the month where the engine changes them.
//!    Random draws are never shared: each is a draw of its own.
//! 4. **Slot allocation**: temporaries get slots by liveness, so that the value table stays about
//!    as small as before (the renaming would otherwise give every temporary a row of its own).
//!
//! None of this changes a value: every op computes the same function of the same inputs as
//! before, in an order that respects every dependency, so results are bit-identical with or
//! without it (the golden-value tests check this).

use std::collections::HashMap;

use super::ops::{BinFn, Op, RootBody, SlotId, UnFn};

/// The ops of a model, by where they run.
pub(super) struct Program {
    /// Once per run, after the params (filled by hoisting).
    pub run: Vec<Op>,
    /// Stocks' initial values, once per run.
    pub init: Vec<Op>,
    /// Month phases, in order: auxiliaries and flows; events; outcomes.
    pub month: [Vec<Op>; 3],
    /// Root bodies.
    pub roots: Vec<RootBody>,
    /// Observation targets: an alternative outcome phase that calibration runs instead of the
    /// outcomes ([`Model::observing`](super::Model::observing)). Optimised like the outcome
    /// phase, but never hoisted and sharing nothing with the month.
    pub observe: Vec<Op>,
}

/// What the passes need to know about slots.
pub(super) struct Layout {
    /// Slots below this are variables and constants (they keep their numbers); those above are
    /// temporaries.
    pub n_fixed: usize,
    /// Total slots before optimising.
    pub n_slots: usize,
    /// Fixed slots whose values are the same in every month of a run: params and constants.
    pub per_run: Vec<SlotId>,
    /// Slots the engine writes after each month phase (after the first phase: stocks; after
    /// the second: event flags and months).
    pub engine_writes: [Vec<SlotId>; 2],
}

/// Runs the passes; returns the number of slots the optimised program needs.
pub(super) fn optimize(p: &mut Program, layout: &Layout) -> usize {
    let mut next = layout.n_slots as u32;
    rename(p, layout.n_fixed, &mut next);
    hoist(p, layout, &mut next);
    let run = std::mem::take(&mut p.run);
    let (run, _, replaced) = share_with(run, &[], &[], layout.n_fixed);
    p.run = run;
    // A value of the run list that repeated an earlier one is read from the earlier one
    // everywhere: the month, the observations and root bodies read run values too.
    replace_reads(p, &replaced);
    let month = std::mem::take(&mut p.month);
    let lens = month.each_ref().map(Vec::len);
    let joined: Vec<Op> = month.into_iter().flatten().collect();
    let boundaries = [lens[0], lens[0] + lens[1]];
    let (mut joined, boundaries, replaced) =
        share_with(joined, &boundaries, &layout.engine_writes, layout.n_fixed);
    let (a, b) = (boundaries[0], boundaries[1]);
    let outcome = joined.split_off(b);
    let event = joined.split_off(a);
    p.month = [joined, event, outcome];
    // Root bodies may read the month's temporaries.
    replace_body_reads(&mut p.roots, &replaced);
    let observe = std::mem::take(&mut p.observe);
    let (observe, _, replaced) = share_with(observe, &[], &[], layout.n_fixed);
    p.observe = observe;
    replace_body_reads(&mut p.roots, &replaced);
    for body in &mut p.roots {
        let ops = std::mem::take(&mut body.ops);
        let (ops, _, replaced) = share_with(ops, &[], &[], layout.n_fixed);
        body.ops = ops;
        body.f = replaced.get(&body.f).copied().unwrap_or(body.f);
        body.ops = prune(std::mem::take(&mut body.ops), &[body.f], layout.n_fixed);
    }
    remove_dead(p, layout.n_fixed);
    allocate(p, layout.n_fixed)
}

fn is_temp(s: SlotId, n_fixed: usize) -> bool {
    s.index() >= n_fixed
}

/// Pass 1: every write of a temporary (and every root body's unknown and temporaries) gets a
/// fresh slot; reads follow the latest write.
fn rename(p: &mut Program, n_fixed: usize, next: &mut u32) {
    let mut fresh = || {
        *next += 1;
        SlotId(*next - 1)
    };
    let mut current: HashMap<SlotId, SlotId> = HashMap::new();
    let lists = std::iter::once(&mut p.run)
        .chain(std::iter::once(&mut p.init))
        .chain(p.month.iter_mut())
        .chain(std::iter::once(&mut p.observe));
    let mut bodies_seen = vec![false; p.roots.len()];
    for list in lists {
        for op in list.iter_mut() {
            let read = op.map_reads(|s| {
                if is_temp(s, n_fixed) {
                    current.get(&s).copied().unwrap_or(s)
                } else {
                    s
                }
            });
            let dst = read.dst();
            *op = if is_temp(dst, n_fixed) {
                let new = fresh();
                current.insert(dst, new);
                read.map_slots(|s| if s == dst { new } else { s })
            } else {
                read
            };
            if let Op::Root { body, .. } = *op {
                let k = body as usize;
                if !bodies_seen[k] {
                    bodies_seen[k] = true;
                    rename_body(&mut p.roots[k], n_fixed, &mut fresh);
                }
            }
        }
    }
}

fn rename_body(body: &mut RootBody, n_fixed: usize, fresh: &mut impl FnMut() -> SlotId) {
    let mut current: HashMap<SlotId, SlotId> = HashMap::new();
    let x = fresh();
    current.insert(body.x, x);
    body.x = x;
    for op in &mut body.ops {
        let read = op.map_reads(|s| current.get(&s).copied().unwrap_or(s));
        let dst = read.dst();
        *op = if is_temp(dst, n_fixed) {
            let new = fresh();
            current.insert(dst, new);
            read.map_slots(|s| if s == dst { new } else { s })
        } else {
            read
        };
    }
    body.f = current.get(&body.f).copied().unwrap_or(body.f);
}

/// Pass 2: ops of the month whose inputs are per-run values move to the run list. A power
/// whose base is a per-run value and whose exponent is not leaves the logarithm of its base to
/// the run list ([`Op::PowLog`]).
fn hoist(p: &mut Program, layout: &Layout, next: &mut u32) {
    let mut per_run: std::collections::HashSet<SlotId> = layout.per_run.iter().copied().collect();
    for list in &mut p.month {
        let mut kept = Vec::with_capacity(list.len());
        for op in list.drain(..) {
            let mut invariant = true;
            match op {
                Op::Draw { .. } => invariant = false,
                Op::Root { body, .. } => {
                    op.for_each_read(|s| invariant &= per_run.contains(&s));
                    for s in p.roots[body as usize].free_reads() {
                        invariant &= per_run.contains(&s);
                    }
                }
                _ => op.for_each_read(|s| invariant &= per_run.contains(&s)),
            }
            if invariant {
                per_run.insert(op.dst());
                p.run.push(op);
            } else if let Op::Bin {
                dst,
                f: BinFn::Pow,
                a,
                b,
            } = op
                && per_run.contains(&a)
            {
                let [hi, lo] = [0, 1].map(|k| SlotId(*next + k));
                *next += 2;
                p.run.push(Op::Un {
                    dst: hi,
                    f: UnFn::Log2Hi,
                    a,
                });
                p.run.push(Op::Un {
                    dst: lo,
                    f: UnFn::Log2Lo,
                    a,
                });
                per_run.extend([hi, lo]);
                kept.push(Op::PowLog {
                    dst,
                    x: a,
                    y: b,
                    hi,
                    lo,
                });
            } else {
                kept.push(op);
            }
        }
        *list = kept;
    }
}

/// The identity of a value an op computes: the op's kind and function, and its inputs with
/// the version of each (a slot the engine rewrites gets a new version).
type Key = (u8, u8, [(u32, u32); 3]);

fn key(op: &Op, version: &impl Fn(SlotId) -> u32) -> Option<Key> {
    let v = |s: SlotId| (s.0, version(s));
    let none = (u32::MAX, 0);
    Some(match *op {
        Op::Copy { a, .. } => (0, 0, [v(a), none, none]),
        Op::Un { f, a, .. } => (1, f as u8, [v(a), none, none]),
        Op::Bin { f, a, b, .. } => {
            let (mut x, mut y) = (v(a), v(b));
            // Exactly commutative in IEEE arithmetic (min and max are not, for ±0).
            let commutative = matches!(
                f,
                BinFn::Add | BinFn::Mul | BinFn::Eq | BinFn::Ne | BinFn::And | BinFn::Or
            );
            if commutative && y < x {
                std::mem::swap(&mut x, &mut y);
            }
            (2, f as u8, [x, y, none])
        }
        Op::Select { c, a, b, .. } => (3, 0, [v(c), v(a), v(b)]),
        Op::Clamp { x, lo, hi, .. } => (4, 0, [v(x), v(lo), v(hi)]),
        // The logarithms are functions of `x`.
        Op::PowLog { x, y, .. } => (2, BinFn::Pow as u8, [v(x), v(y), none]),
        Op::Draw { .. } | Op::Root { .. } => return None,
    })
}

/// Pass 3 on one straight list: drops repeated computations. `boundaries` are positions after
/// which the slots in `writes` (same index) change.
fn share_with(
    ops: Vec<Op>,
    boundaries: &[usize],
    writes: &[Vec<SlotId>],
    n_fixed: usize,
) -> (Vec<Op>, Vec<usize>, HashMap<SlotId, SlotId>) {
    let mut versions: HashMap<SlotId, u32> = HashMap::new();
    let mut seen: HashMap<Key, SlotId> = HashMap::new();
    let mut replaced: HashMap<SlotId, SlotId> = HashMap::new();
    let mut out = Vec::with_capacity(ops.len());
    let mut new_boundaries = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        for (k, &b) in boundaries.iter().enumerate() {
            if b == i {
                new_boundaries.push(out.len());
                for s in &writes[k] {
                    *versions.entry(*s).or_insert(0) += 1;
                }
            }
        }
        let op = op.map_reads(|s| replaced.get(&s).copied().unwrap_or(s));
        let version = |s: SlotId| versions.get(&s).copied().unwrap_or(0);
        match key(&op, &version) {
            Some(k) => match seen.get(&k) {
                Some(&earlier) if is_temp(op.dst(), n_fixed) => {
                    replaced.insert(op.dst(), earlier);
                }
                Some(&earlier) => out.push(Op::Copy {
                    dst: op.dst(),
                    a: earlier,
                }),
                None => {
                    seen.insert(k, op.dst());
                    out.push(op);
                }
            },
            None => out.push(op),
        }
    }
    while new_boundaries.len() < boundaries.len() {
        new_boundaries.push(out.len());
    }
    (out, new_boundaries, replaced)
}

/// Makes the init list, the month, the observations and root bodies read `replaced` values
/// from the slots that replace them.
fn replace_reads(p: &mut Program, replaced: &HashMap<SlotId, SlotId>) {
    if replaced.is_empty() {
        return;
    }
    let get = |s: SlotId| replaced.get(&s).copied().unwrap_or(s);
    for list in std::iter::once(&mut p.init)
        .chain(p.month.iter_mut())
        .chain(std::iter::once(&mut p.observe))
    {
        for op in list.iter_mut() {
            *op = op.map_reads(get);
        }
    }
    replace_body_reads(&mut p.roots, replaced);
}

/// Makes root bodies read `replaced` values from the slots that replace them.
fn replace_body_reads(roots: &mut [RootBody], replaced: &HashMap<SlotId, SlotId>) {
    if replaced.is_empty() {
        return;
    }
    let get = |s: SlotId| replaced.get(&s).copied().unwrap_or(s);
    for body in roots {
        for op in &mut body.ops {
            *op = op.map_reads(get);
        }
        body.f = get(body.f);
    }
}

/// Drops ops of a straight list whose temporaries nothing reads (`live` are read afterwards).
fn prune(ops: Vec<Op>, live: &[SlotId], n_fixed: usize) -> Vec<Op> {
    let mut needed: std::collections::HashSet<SlotId> = live.iter().copied().collect();
    let mut keep = vec![true; ops.len()];
    for (i, op) in ops.iter().enumerate().rev() {
        let dst = op.dst();
        if is_temp(dst, n_fixed) && !needed.contains(&dst) && !matches!(op, Op::Draw { .. }) {
            keep[i] = false;
            continue;
        }
        op.for_each_read(|s| {
            needed.insert(s);
        });
    }
    ops.into_iter()
        .zip(keep)
        .filter_map(|(op, k)| k.then_some(op))
        .collect()
}

/// Removes ops whose temporary results nothing reads, anywhere in the program.
fn remove_dead(p: &mut Program, n_fixed: usize) {
    loop {
        let mut read: std::collections::HashSet<SlotId> = std::collections::HashSet::new();
        let mut note = |op: &Op| op.for_each_read(|s| _ = read.insert(s));
        for op in p
            .run
            .iter()
            .chain(&p.init)
            .chain(p.month.iter().flatten())
            .chain(&p.observe)
        {
            note(op);
        }
        let count = |p: &Program| {
            p.run.len() + p.observe.len() + p.month.iter().map(Vec::len).sum::<usize>()
        };
        let before = count(p);
        let dead = |op: &Op| {
            is_temp(op.dst(), n_fixed)
                && !read.contains(&op.dst())
                && !matches!(op, Op::Draw { .. })
        };
        p.run.retain(|op| !dead(op));
        for list in &mut p.month {
            list.retain(|op| !dead(op));
        }
        p.observe.retain(|op| !dead(op));
        let after = count(p);
        if after == before {
            return;
        }
    }
}

/// Pass 4: temporaries get dense slots from `n_fixed` on. Values of the run list keep their
/// slots for the whole run; the init list and the month reuse slots as values die. Returns the
/// number of slots.
fn allocate(p: &mut Program, n_fixed: usize) -> usize {
    let mut assigned: HashMap<SlotId, SlotId> = HashMap::new();
    let mut slots = Slots {
        free: Vec::new(),
        top: n_fixed as u32,
        base: n_fixed as u32,
    };
    linear_scan(
        &mut p.run,
        &mut p.roots,
        &mut assigned,
        &mut slots,
        n_fixed,
        true,
    );
    let base = slots.top;
    let mut high = base;
    let mut s = Slots {
        free: Vec::new(),
        top: base,
        base,
    };
    linear_scan(
        &mut p.init,
        &mut p.roots,
        &mut assigned,
        &mut s,
        n_fixed,
        false,
    );
    high = high.max(s.top);
    let lens = p.month.each_ref().map(Vec::len);
    let mut joined: Vec<Op> = std::mem::take(&mut p.month).into_iter().flatten().collect();
    let mut s = Slots {
        free: Vec::new(),
        top: base,
        base,
    };
    linear_scan(
        &mut joined,
        &mut p.roots,
        &mut assigned,
        &mut s,
        n_fixed,
        false,
    );
    high = high.max(s.top);
    let outcome = joined.split_off(lens[0] + lens[1]);
    let event = joined.split_off(lens[0]);
    p.month = [joined, event, outcome];
    // The observation phase runs in place of the outcome phase, after the month's other ops:
    // its temporaries may reuse the month's slots, never the run list's.
    let mut s = Slots {
        free: Vec::new(),
        top: base,
        base,
    };
    linear_scan(
        &mut p.observe,
        &mut p.roots,
        &mut assigned,
        &mut s,
        n_fixed,
        false,
    );
    high = high.max(s.top);
    high as usize
}

/// Free slots and the next unused one.
struct Slots {
    free: Vec<u32>,
    top: u32,
    /// Slots below this belong to earlier lists and are never given out.
    base: u32,
}

impl Slots {
    fn take(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.top += 1;
            self.top - 1
        })
    }

    fn give(&mut self, slot: u32) {
        if slot >= self.base && !self.free.contains(&slot) {
            self.free.push(slot);
        }
    }
}

/// Assigns slots to the temporaries of `ops` (and of the bodies of its roots) by liveness;
/// with `keep`, values are never given back (the run list's values are read all run long).
fn linear_scan(
    ops: &mut [Op],
    roots: &mut [RootBody],
    assigned: &mut HashMap<SlotId, SlotId>,
    slots: &mut Slots,
    n_fixed: usize,
    keep: bool,
) {
    let mut last_use: HashMap<SlotId, usize> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        op.for_each_read(|s| {
            if is_temp(s, n_fixed) {
                last_use.insert(s, i);
            }
        });
    }
    for (i, op) in ops.iter_mut().enumerate() {
        // Reads were assigned when their values were written.
        let mut mapped = op.map_reads(|s| assigned.get(&s).copied().unwrap_or(s));
        if let Op::Root { body, .. } = mapped {
            // The body's slots live only while the root is sought: they take free slots (never
            // the bracket's, which are still held) and give them back at once.
            let body = &mut roots[body as usize];
            let mut local: HashMap<SlotId, SlotId> = HashMap::new();
            for s in body.written() {
                if is_temp(s, n_fixed) && !local.contains_key(&s) {
                    local.insert(s, SlotId(slots.take()));
                }
            }
            let map = |s: SlotId| local.get(&s).copied().unwrap_or(s);
            body.x = map(body.x);
            body.f = map(body.f);
            body.ops = body.ops.iter().map(|o| o.map_slots(map)).collect();
            let mut given: Vec<u32> = local.values().map(|s| s.0).collect();
            given.sort_unstable_by(|a, b| b.cmp(a));
            for s in given {
                slots.give(s);
            }
        }
        let dst = mapped.dst();
        if is_temp(dst, n_fixed) {
            let slot = SlotId(slots.take());
            assigned.insert(dst, slot);
            mapped = mapped.map_slots(|s| if s == dst { slot } else { s });
            if !keep && !last_use.contains_key(&dst) {
                slots.give(slot.0);
            }
        }
        // Operands whose last read this is give their slots back (after the destination was
        // chosen, so that an op never writes a slot it reads).
        if !keep {
            op.for_each_read(|s| {
                if is_temp(s, n_fixed)
                    && last_use.get(&s) == Some(&i)
                    && let Some(slot) = assigned.get(&s)
                {
                    slots.give(slot.0);
                }
            });
        }
        *op = mapped;
    }
}

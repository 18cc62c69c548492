//! One batch of up to [`LANES`] runs of one bundle, month by month.
//!
//! The batch owns its value table (one row per slot) and the outcome accumulators, and reuses
//! them from batch to batch, so the month loop allocates nothing. Series values are handed to a
//! [`Recorder`] after each month.

use multiversion::multiversion;

use super::exec::{DrawCx, LANES, Row, exec, split};
use super::rng::{PARAM_MONTH, run_key, site_run_key, stream};
use super::sample;
use super::{Fault, FaultKind, FaultMode};
use crate::model::{BundlePlan, Model, WindowKind};
use crate::scenario::{BoundRule, OutcomeKind};

/// Month code of stocks' initial values (drawn once per run, like params, but a separate code
/// so that a random initial value and a param never share a stream).
const INIT_MONTH: u64 = u64::MAX - 1;

/// Receives recorded series values: for month `m` and recorded variable `r`, one value per
/// active lane.
pub trait Recorder {
    /// Takes the values of recorded variable `r` at month `m`.
    fn record(&mut self, m: usize, r: usize, values: &[f64]);
}

/// Reusable state of a batch.
pub struct Batch {
    vals: Vec<Row>,
    acc: Vec<Row>,
    /// For `mean` outcomes: the sum of value / months, which cannot overflow where the plain
    /// sum can (twelve months of 1.7e308); used only when the plain sum did.
    acc_scaled: Vec<Row>,
    run_keys: [u64; LANES],
    /// Per random site of the formulas and lane: the run's key of the site.
    site_keys: Vec<[u64; LANES]>,
    fired: [bool; LANES],
}

impl Batch {
    /// State sized for `model`.
    pub fn new(model: &Model) -> Batch {
        let mut vals = vec![[0.0; LANES]; model.n_slots];
        for (slot, value) in &model.consts {
            vals[slot.index()] = [*value; LANES];
        }
        Batch {
            vals,
            acc: vec![[0.0; LANES]; model.outcomes.len()],
            acc_scaled: vec![[0.0; LANES]; model.outcomes.len()],
            run_keys: [0; LANES],
            site_keys: vec![[0; LANES]; model.site_keys.len()],
            fired: [false; LANES],
        }
    }
}

/// Which runs a batch simulates.
pub struct BatchSpec<'a> {
    /// The bundle's lever table.
    pub bundle: &'a BundlePlan,
    /// Bundle name for fault reports.
    pub bundle_name: &'a str,
    /// Master seed.
    pub seed: u64,
    /// Run index of lane 0.
    pub first_run: u64,
    /// Lanes in use.
    pub active: usize,
    /// Fixed per-run inputs, and the row of lane 0 in them.
    pub inputs: Option<(&'a super::RunInputs, usize)>,
    /// What a numeric fault does.
    pub on_fault: FaultMode,
}

/// Tracks which lanes are still valid and applies the fault mode.
struct Guard<'f> {
    mode: FaultMode,
    alive: [bool; LANES],
    all_alive: bool,
    counted: &'f mut Vec<Fault>,
}

impl Guard<'_> {
    #[inline(always)]
    fn live(&self, lane: usize) -> bool {
        self.all_alive || self.alive[lane]
    }

    /// Reports a fault in `lane`: stops the batch, or retires the lane and counts the fault.
    fn report(&mut self, lane: usize, fault: Fault) -> Result<(), Fault> {
        match self.mode {
            FaultMode::Stop => Err(fault),
            FaultMode::Count => {
                if self.alive[lane] {
                    self.alive[lane] = false;
                    self.all_alive = false;
                    self.counted.push(fault);
                }
                Ok(())
            }
        }
    }

    /// Reports every live lane of `row` holding NaN or an infinity.
    #[inline]
    fn check(
        &mut self,
        row: &Row,
        active: usize,
        make: impl Fn(usize, f64) -> Fault,
    ) -> Result<(), Fault> {
        if all_within(row, f64::NEG_INFINITY, f64::INFINITY) {
            return Ok(());
        }
        for (lane, &v) in row.iter().enumerate().take(active) {
            if !v.is_finite() && self.live(lane) {
                self.report(lane, make(lane, v))?;
            }
        }
        Ok(())
    }
}

/// Whether every lane of `row` is a number in [`min`, `max`] and finite: a scan without early
/// exit, so that it vectorises (the common case, where the answer is yes, is the one that
/// matters). Lanes past the active ones count too; a `false` only sends the caller to its exact
/// lane-by-lane check.
#[inline]
fn all_within(row: &Row, min: f64, max: f64) -> bool {
    const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
    let mut bad = false;
    for &v in row {
        bad |= (v.to_bits() & EXPONENT) == EXPONENT || v < min || v > max;
    }
    !bad
}

/// Simulates one batch. Outcomes go to `outcomes` (`active` rows of one value per outcome), series
/// values to `recorder`. With [`FaultMode::Stop`] the first numeric fault stops the batch and is
/// returned; with [`FaultMode::Count`] a faulting run is retired (its outcomes become NaN, its
/// later values are not recorded) and its fault is appended to `counted`. Compiled for AVX-512,
/// AVX2 and the baseline like [`exec`] (the lane loops of stocks and outcomes vectorise; every
/// variant gives the same bits).
#[multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub fn simulate(
    model: &Model,
    batch: &mut Batch,
    spec: &BatchSpec<'_>,
    outcomes: &mut [f64],
    recorder: &mut impl Recorder,
    counted: &mut Vec<Fault>,
) -> Result<(), Fault> {
    let active = spec.active;
    let mut guard = Guard {
        mode: spec.on_fault,
        alive: [true; LANES],
        all_alive: true,
        counted,
    };
    // The run index of each lane: its streams. Consecutive from `first_run`, unless the
    // inputs give each row its own (calibration re-uses a particle's runs).
    let mut run_ids = [0u64; LANES];
    for (lane, id) in run_ids.iter_mut().enumerate() {
        *id = spec
            .inputs
            .and_then(|(inputs, row0)| inputs.run_ids.get(row0 + lane).copied())
            .unwrap_or(spec.first_run + lane as u64);
    }
    for (key, &id) in batch.run_keys.iter_mut().zip(&run_ids) {
        *key = run_key(spec.seed, id);
    }
    batch.site_keys.resize(model.site_keys.len(), [0; LANES]);
    for (row, &site) in batch.site_keys.iter_mut().zip(&model.site_keys) {
        for (k, &run) in row.iter_mut().zip(&batch.run_keys) {
            *k = site_run_key(run, site);
        }
    }
    let keys: &[[u64; LANES]] = &batch.site_keys;
    let fault = |var: String, m: Option<usize>, lane: usize, value: f64, kind: FaultKind| Fault {
        var,
        month: m.map(|m| model.month_at(m)),
        bundle: spec.bundle_name.to_string(),
        run: run_ids[lane],
        value,
        kind,
    };

    // Params, then stocks' initial values.
    for p in &model.params {
        let row = &mut batch.vals[p.slot.index()];
        for (value, key) in row.iter_mut().zip(&batch.run_keys).take(active) {
            let mut rng = stream(*key, p.site, PARAM_MONTH);
            *value = p.dist.sample(&mut rng);
        }
        // A draw beyond the largest number is the param's fault, not that of the first
        // formula that reads it.
        guard.check(&batch.vals[p.slot.index()], active, |lane, value| {
            fault(
                format!("param {}", p.name),
                None,
                lane,
                value,
                FaultKind::NonFinite,
            )
        })?;
    }
    if let Some(post) = &model.posterior {
        // One member per run, from the run's own stream: every bundle's run k gets the same.
        for lane in 0..active {
            let mut rng = stream(batch.run_keys[lane], post.site, PARAM_MONTH);
            let row = post.row(post.pick(sample::standard_uniform(&mut rng)));
            for (&p, &value) in post.params.iter().zip(row) {
                batch.vals[model.params[p].slot.index()][lane] = value;
            }
        }
    }
    if let Some((inputs, row0)) = spec.inputs {
        for (k, &p) in inputs.params.iter().enumerate() {
            let row = &mut batch.vals[model.params[p].slot.index()];
            for (lane, value) in row.iter_mut().enumerate().take(active) {
                *value = inputs.values[(row0 + lane) * inputs.width() + k];
            }
        }
    }
    let run_keys = batch.run_keys;
    let draw_cx = DrawCx {
        active,
        month: INIT_MONTH,
        site_keys: keys,
        roots: &model.roots,
    };
    exec(&model.run_ops, &mut batch.vals, &draw_cx);
    exec(&model.init_ops, &mut batch.vals, &draw_cx);
    for s in &model.stocks {
        let row = &batch.vals[s.slot.index()];
        for (lane, &v) in row.iter().enumerate().take(active) {
            if guard.live(lane) && (!v.is_finite() || v < s.min || v > s.max) {
                let kind = if v.is_finite() {
                    FaultKind::Bound {
                        min: s.min,
                        max: s.max,
                    }
                } else {
                    FaultKind::NonFinite
                };
                guard.report(
                    lane,
                    fault(model.vars[s.var].name.clone(), None, lane, v, kind),
                )?;
            }
        }
    }
    for e in &model.events {
        batch.vals[e.flag.index()] = [0.0; LANES];
        batch.vals[e.at.index()] = [model.n_months as f64; LANES];
    }
    for (k, o) in model.outcomes.iter().enumerate() {
        batch.acc_scaled[k] = [0.0; LANES];
        batch.acc[k] = [match o.kind {
            OutcomeKind::Final | OutcomeKind::First => f64::NAN,
            OutcomeKind::Max => f64::NEG_INFINITY,
            OutcomeKind::Min => f64::INFINITY,
            OutcomeKind::Sum
            | OutcomeKind::Mean
            | OutcomeKind::Share
            | OutcomeKind::Probability => 0.0,
        }; LANES];
    }

    for w in &model.windows {
        batch.vals[w.dst.index()] = [0.0; LANES];
    }

    let n_levers = model.lever_slots.len();
    for m in 0..model.run_months {
        let month = model.month_at(m);
        let vals = &mut batch.vals;
        vals[model.time.t.index()] = [m as f64; LANES];
        vals[model.time.month.index()] = [f64::from(month.month()); LANES];
        vals[model.time.year.index()] = [f64::from(month.year()); LANES];
        vals[model.time.time.index()] = [month.decimal_year(); LANES];
        for (j, slot) in model.lever_slots.iter().enumerate() {
            vals[slot.index()] = [spec.bundle.levers[m * n_levers + j]; LANES];
        }
        if let Some((inputs, row0)) = spec.inputs {
            for (k, &j) in inputs.levers.iter().enumerate() {
                let share = model.lever_share[m * n_levers + j];
                let default = model.lever_defaults[j];
                let row = &mut vals[model.lever_slots[j].index()];
                for (lane, value) in row.iter_mut().enumerate().take(active) {
                    let target =
                        inputs.values[(row0 + lane) * inputs.width() + inputs.params.len() + k];
                    *value = default + (target - default) * share;
                }
            }
        }
        let draw_cx = DrawCx {
            active,
            month: m as u64,
            site_keys: keys,
            roots: &model.roots,
        };

        // 1. Auxiliaries, flows and lever costs.
        exec(&model.step_ops, vals, &draw_cx);
        // Variables whose formulas were hoisted keep their first month's values: checked then.
        let checked = if m == 0 {
            &model.step_vars
        } else {
            &model.step_vars_monthly
        };
        for &v in checked {
            let var = &model.vars[v];
            guard.check(&vals[var.slot.index()], active, |lane, value| {
                fault(var.name.clone(), Some(m), lane, value, FaultKind::NonFinite)
            })?;
        }

        // 2. Stocks.
        for s in &model.stocks {
            // In place (a flow is never the stock itself).
            let (row, flows) = split(vals, s.slot.index());
            for f in &s.inflows {
                let flow = flows.get(f.index());
                for lane in 0..LANES {
                    row[lane] += flow[lane];
                }
            }
            for f in &s.outflows {
                let flow = flows.get(f.index());
                for lane in 0..LANES {
                    row[lane] -= flow[lane];
                }
            }
            if all_within(row, s.min, s.max) {
                continue;
            }
            for (lane, v) in row.iter_mut().enumerate().take(active) {
                if !guard.live(lane) {
                    continue;
                }
                if !v.is_finite() {
                    let f = fault(
                        model.vars[s.var].name.clone(),
                        Some(m),
                        lane,
                        *v,
                        FaultKind::NonFinite,
                    );
                    guard.report(lane, f)?;
                } else if *v < s.min || *v > s.max {
                    match s.bound {
                        BoundRule::Clamp => *v = v.clamp(s.min, s.max),
                        BoundRule::Error => {
                            let kind = FaultKind::Bound {
                                min: s.min,
                                max: s.max,
                            };
                            guard.report(
                                lane,
                                fault(model.vars[s.var].name.clone(), Some(m), lane, *v, kind),
                            )?;
                        }
                    }
                }
            }
        }

        // 3. Events: all conditions first, then all firings, so that events read each other's
        // flags as of the start of the month.
        exec(&model.event_ops, vals, &draw_cx);
        for e in &model.events {
            let name = || model.vars[e.var].name.clone();
            batch.fired = [false; LANES];
            if m >= e.not_before {
                // The month's hazard draws of every lane at once (a lane's draw depends only on
                // its stream, so drawing for lanes that do not use it changes nothing).
                let mut uniforms = [0.0; LANES];
                if e.hazard.is_some() {
                    let flags = &vals[e.flag.index()];
                    if flags[..active].contains(&0.0) {
                        super::vrand::uniform_row(&mut uniforms, &run_keys, e.site, m as u64);
                    }
                }
                for lane in 0..active {
                    if vals[e.flag.index()][lane] != 0.0 || !guard.live(lane) {
                        continue;
                    }
                    if let Some(w) = e.when {
                        let c = vals[w.index()][lane];
                        if c.is_nan() {
                            let f = fault(
                                format!("{}.when", name()),
                                Some(m),
                                lane,
                                c,
                                FaultKind::NonFinite,
                            );
                            guard.report(lane, f)?;
                            continue;
                        }
                        if c == 0.0 {
                            continue;
                        }
                    }
                    let fires = match e.hazard {
                        None => true,
                        Some(h) => {
                            let p = vals[h.index()][lane];
                            if !(0.0..=1.0).contains(&p) {
                                let kind = if p.is_finite() {
                                    FaultKind::Hazard
                                } else {
                                    FaultKind::NonFinite
                                };
                                guard.report(
                                    lane,
                                    fault(format!("{}.hazard", name()), Some(m), lane, p, kind),
                                )?;
                                continue;
                            }
                            uniforms[lane] < p
                        }
                    };
                    batch.fired[lane] = fires;
                }
            }
            for (lane, _) in batch
                .fired
                .iter()
                .enumerate()
                .take(active)
                .filter(|(_, f)| **f)
            {
                vals[e.flag.index()][lane] = 1.0;
                vals[e.at.index()][lane] = m as f64;
            }
        }

        // 4. Window functions, then outcomes and series.
        update_windows(model, vals, m);
        exec(&model.outcome_ops, vals, &draw_cx);
        for (k, o) in model.outcomes.iter().enumerate() {
            if m < o.from || m > o.to {
                continue;
            }
            let row = &vals[o.slot.index()];
            guard.check(row, active, |lane, value| {
                fault(
                    format!("outcome {}", o.name),
                    Some(m),
                    lane,
                    value,
                    FaultKind::NonFinite,
                )
            })?;
            accumulate(
                &mut batch.acc[k],
                row,
                o.kind,
                m == o.to,
                month.decimal_year(),
            );
            if o.kind == OutcomeKind::Mean {
                let share = 1.0 / (o.to - o.from + 1) as f64;
                for (a, v) in batch.acc_scaled[k].iter_mut().zip(row) {
                    *a += v * share;
                }
            }
        }
        if guard.all_alive {
            for (r, &v) in model.recorded.iter().enumerate() {
                recorder.record(m, r, &vals[model.vars[v].slot.index()][..active]);
            }
        } else {
            // Retired runs (counted faults) are left out of the series from their fault on.
            let mut kept = [0.0; LANES];
            for (r, &v) in model.recorded.iter().enumerate() {
                let row = &vals[model.vars[v].slot.index()];
                let mut n = 0;
                for lane in (0..active).filter(|&l| guard.alive[l]) {
                    kept[n] = row[lane];
                    n += 1;
                }
                recorder.record(m, r, &kept[..n]);
            }
        }
    }

    let n_out = model.outcomes.len();
    for (k, o) in model.outcomes.iter().enumerate() {
        let months = (o.to - o.from + 1) as f64;
        for lane in 0..active {
            if !guard.live(lane) {
                outcomes[lane * n_out + k] = f64::NAN;
                continue;
            }
            let v = batch.acc[k][lane];
            let value = match o.kind {
                // The plain sum overflows only for values near the largest number; the mean of
                // those is still a number.
                OutcomeKind::Mean if v.is_infinite() => batch.acc_scaled[k][lane],
                OutcomeKind::Mean | OutcomeKind::Share => v / months,
                _ => v,
            };
            // Every monthly value was finite; a `sum` can still pass the largest number.
            // (NaN is a `first` outcome whose event never happened: no value.)
            if value.is_infinite() {
                let f = fault(
                    format!("outcome {}", o.name),
                    Some(o.to),
                    lane,
                    value,
                    FaultKind::NonFinite,
                );
                guard.report(lane, f)?;
                outcomes[lane * n_out + k] = f64::NAN;
                continue;
            }
            outcomes[lane * n_out + k] = value;
        }
    }
    // A run retired by the last check above has no outcomes at all.
    if !guard.all_alive {
        for lane in (0..active).filter(|&l| !guard.live(l)) {
            outcomes[lane * n_out..(lane + 1) * n_out].fill(f64::NAN);
        }
    }
    Ok(())
}

/// Adds this month's values to the windows that contain it.
#[inline]
fn update_windows(model: &Model, vals: &mut [Row], m: usize) {
    for w in &model.windows {
        if m < w.from || m > w.to {
            continue;
        }
        let src = vals[w.src.index()];
        let dst = &mut vals[w.dst.index()];
        match w.kind {
            WindowKind::At => *dst = src,
            WindowKind::Sum | WindowKind::Mean => {
                for (d, s) in dst.iter_mut().zip(&src) {
                    *d += s;
                }
                if w.kind == WindowKind::Mean && m == w.to {
                    let n = (w.to - w.from + 1) as f64;
                    for d in dst.iter_mut() {
                        *d /= n;
                    }
                }
            }
        }
    }
}

/// Updates an outcome's accumulators with this month's values.
#[inline]
fn accumulate(acc: &mut Row, row: &Row, kind: OutcomeKind, last: bool, decimal_year: f64) {
    match kind {
        OutcomeKind::Final => {
            if last {
                *acc = *row;
            }
        }
        OutcomeKind::Max => {
            for (a, v) in acc.iter_mut().zip(row) {
                *a = a.max(*v);
            }
        }
        OutcomeKind::Min => {
            for (a, v) in acc.iter_mut().zip(row) {
                *a = a.min(*v);
            }
        }
        OutcomeKind::Sum | OutcomeKind::Mean => {
            for (a, v) in acc.iter_mut().zip(row) {
                *a += *v;
            }
        }
        OutcomeKind::Share => {
            for (a, v) in acc.iter_mut().zip(row) {
                *a += f64::from(u8::from(*v != 0.0));
            }
        }
        OutcomeKind::Probability => {
            for (a, v) in acc.iter_mut().zip(row) {
                if *v != 0.0 {
                    *a = 1.0;
                }
            }
        }
        OutcomeKind::First => {
            for (a, v) in acc.iter_mut().zip(row) {
                if a.is_nan() && *v != 0.0 {
                    *a = decimal_year;
                }
            }
        }
    }
}

//! PRIM, the patient rule induction method (Friedman and Fisher 1999), as scenario discovery
//! uses it (Bryant and Lempert 2010): boxes in the input space where a condition holds much
//! more often than elsewhere.
//!
//! The steps follow the EMA Workbench's `prim` (version 2.5, `ema_workbench.analysis.prim`), so
//! that the two agree on the same data: peeling with the "lenient 1" objective (gain in the
//! box's mean per run removed), quantiles as `get_quantile` computes them (midway between two
//! distinct order statistics), ties between candidate peels broken by fewer restricted inputs
//! and then by input order (upper before lower), pasting with the same rules, and one-sided
//! binomial quasi-p-values per restricted side. Where a box is chosen from the trajectory
//! (the workbench leaves that to the analyst) see [`choose`].
//!
//! Input: columns of numbers (one per input, every run) and a 0/1 target per run. Output:
//! [`PrimResult`]. No I/O.
//!
//! Cost: each input is sorted once; a peel walks, for each input, only the runs between the
//! box's limit and the candidate quantile (about `alpha` of the box), so a step costs about
//! `2 · alpha · runs` per input rather than a sort.

use statrs::distribution::{Binomial, DiscreteCDF};

/// PRIM's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrimSettings {
    /// Share of the box's runs peeled off per step (the workbench's `peel_alpha`, 0.05).
    pub peel_alpha: f64,
    /// Share used when pasting back (`paste_alpha`, 0.05).
    pub paste_alpha: f64,
    /// Smallest box, as a share of all runs (`mass_min`, 0.05).
    pub mass_min: f64,
    /// Density a box must reach to be chosen (see [`choose`]).
    pub threshold: f64,
    /// Most boxes searched for (each on the runs the boxes before it leave).
    pub max_boxes: usize,
}

impl Default for PrimSettings {
    fn default() -> Self {
        PrimSettings {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
            threshold: 0.8,
            max_boxes: 3,
        }
    }
}

/// Lower and upper limit (both inclusive) of a box on each input.
pub type Limits = Vec<[f64; 2]>;

/// One box on a peeling (and pasting) trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The box.
    pub limits: Limits,
    /// Runs in the box.
    pub n: usize,
    /// Runs in the box where the condition holds.
    pub k: usize,
    /// Share of all runs where the condition holds that are in the box.
    pub coverage: f64,
    /// Share of the box's runs where the condition holds.
    pub density: f64,
    /// Share of all runs in the box.
    pub mass: f64,
    /// Inputs whose limits are narrower than their full range.
    pub n_restricted: usize,
    /// Whether pasting (rather than peeling) made this box.
    pub pasted: bool,
}

/// One box search: its trajectory and the box chosen from it.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxSearch {
    /// The trajectory, from the box around every remaining run, through every peel, then
    /// every paste.
    pub steps: Vec<Step>,
    /// Index of the chosen box in `steps`.
    pub chosen: usize,
    /// Whether the chosen box reaches the density threshold.
    pub meets_threshold: bool,
    /// Quasi-p-values of the chosen box, per input, for its lower and upper limit (`None`
    /// where that side is not restricted).
    pub qp: Vec<[Option<f64>; 2]>,
    /// Runs this search started from (those no earlier box holds).
    pub remaining: usize,
}

impl BoxSearch {
    /// The chosen box.
    pub fn chosen(&self) -> &Step {
        &self.steps[self.chosen]
    }
}

/// PRIM's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimResult {
    /// Every input's full range over all runs.
    pub init: Limits,
    /// Runs.
    pub n: usize,
    /// Runs where the condition holds.
    pub n_of_interest: usize,
    /// The box searches: the first box, then those covering the rest.
    pub boxes: Vec<BoxSearch>,
}

/// Why PRIM cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PrimError {
    /// Columns of different lengths, or none.
    #[error("PRIM needs at least one input and one value per run ({0})")]
    Shape(String),
    /// A setting out of range.
    #[error("{0}")]
    Setting(String),
    /// The condition holds in no run or in every run: there is nothing to tell apart.
    #[error("{0}")]
    Degenerate(String),
}

/// Runs PRIM on `x` (one column per input, one value per run; no NaN) and `y` (whether the
/// condition holds in each run).
///
/// # Errors
/// [`PrimError`] for columns of unequal length, settings out of range, or a condition that
/// holds in no run or in every run.
pub fn prim(x: &[Vec<f64>], y: &[bool], settings: &PrimSettings) -> Result<PrimResult, PrimError> {
    let n = y.len();
    if x.is_empty() || n == 0 || x.iter().any(|c| c.len() != n) {
        return Err(PrimError::Shape(format!("{} inputs, {n} runs", x.len())));
    }
    check_settings(settings)?;
    let n_of_interest = y.iter().filter(|&&v| v).count();
    if n_of_interest == 0 || n_of_interest == n {
        return Err(PrimError::Degenerate(format!(
            "the condition holds in {} of {n} runs",
            n_of_interest
        )));
    }
    let data = Data::new(x, y);
    let mut remaining = vec![true; n];
    let mut boxes = Vec::new();
    while boxes.len() < settings.max_boxes {
        let left = remaining.iter().filter(|&&r| r).count();
        let coi_left = (0..n).filter(|&i| remaining[i] && y[i]).count();
        if left == 0 || coi_left == 0 {
            break;
        }
        let mut search = Search::new(&data, &remaining, settings, n_of_interest);
        search.peel();
        search.paste();
        let (chosen, meets) = choose(&search.steps, settings.threshold);
        // Boxes after the first are kept only when they reach the threshold, as the workbench
        // keeps them (it returns a "dump box" otherwise).
        if !boxes.is_empty() && !meets {
            break;
        }
        let limits = search.steps[chosen].limits.clone();
        let qp = search.quasi_p(chosen);
        let steps = search.steps;
        for (i, r) in remaining.iter_mut().enumerate() {
            if *r && data.inside(i, &limits) {
                *r = false;
            }
        }
        boxes.push(BoxSearch {
            steps,
            chosen,
            meets_threshold: meets,
            qp,
            remaining: left,
        });
        if !meets {
            break;
        }
    }
    Ok(PrimResult {
        init: data.init.clone(),
        n,
        n_of_interest,
        boxes,
    })
}

fn check_settings(s: &PrimSettings) -> Result<(), PrimError> {
    let open = |name: &str, v: f64, hi: f64| {
        if v > 0.0 && v < hi {
            Ok(())
        } else {
            Err(PrimError::Setting(format!(
                "{name} must be between 0 and {hi} (exclusive), not {v}"
            )))
        }
    };
    open("alpha", s.peel_alpha, 0.5)?;
    open("paste alpha", s.paste_alpha, 0.5)?;
    open("the smallest mass", s.mass_min, 1.0)?;
    if !(s.threshold > 0.0 && s.threshold <= 1.0) {
        return Err(PrimError::Setting(format!(
            "the density threshold must be above 0 and at most 1, not {}",
            s.threshold
        )));
    }
    if s.max_boxes == 0 {
        return Err(PrimError::Setting(
            "at least one box must be searched for".into(),
        ));
    }
    Ok(())
}

/// The box chosen from a trajectory: the one with the largest coverage among those whose
/// density reaches `threshold` (the densest of those with equal coverage), and `true`; or, when
/// none reaches it, the densest box and `false`. Bryant and Lempert (2010) weigh coverage
/// against density by eye; a density floor with the most coverage above it is the rule their
/// examples follow, and it is what `--threshold` sets.
pub fn choose(steps: &[Step], threshold: f64) -> (usize, bool) {
    let mut best: Option<usize> = None;
    for (i, s) in steps.iter().enumerate() {
        if s.density >= threshold {
            best = match best {
                Some(b)
                    if steps[b].coverage > s.coverage
                        || (steps[b].coverage == s.coverage && steps[b].density >= s.density) =>
                {
                    Some(b)
                }
                _ => Some(i),
            };
        }
    }
    if let Some(b) = best {
        return (b, true);
    }
    let mut densest = 0;
    for (i, s) in steps.iter().enumerate() {
        if s.density > steps[densest].density {
            densest = i;
        }
    }
    (densest, false)
}

/// The inputs, sorted once.
struct Data<'a> {
    x: &'a [Vec<f64>],
    y: &'a [bool],
    /// Per input, run indices in ascending order of its value.
    order: Vec<Vec<u32>>,
    /// Per input, its values in that order.
    sorted: Vec<Vec<f64>>,
    /// Full range of each input.
    init: Limits,
}

impl<'a> Data<'a> {
    fn new(x: &'a [Vec<f64>], y: &'a [bool]) -> Data<'a> {
        let mut order = Vec::with_capacity(x.len());
        let mut sorted = Vec::with_capacity(x.len());
        let mut init = Vec::with_capacity(x.len());
        for column in x {
            let mut o: Vec<u32> = (0..column.len() as u32).collect();
            o.sort_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
            let s: Vec<f64> = o.iter().map(|&i| column[i as usize]).collect();
            init.push([s[0], s[s.len() - 1]]);
            order.push(o);
            sorted.push(s);
        }
        Data {
            x,
            y,
            order,
            sorted,
            init,
        }
    }

    fn inside(&self, i: usize, limits: &Limits) -> bool {
        self.x
            .iter()
            .zip(limits)
            .all(|(c, [lo, hi])| *lo <= c[i] && c[i] <= *hi)
    }

    fn n_restricted(&self, limits: &Limits) -> usize {
        limits
            .iter()
            .zip(&self.init)
            .filter(|(l, i)| l != i)
            .count()
    }
}

/// A candidate peel or paste: the new limit and what it does to the box.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    input: usize,
    /// 0 lower, 1 upper.
    side: usize,
    limit: f64,
    /// Runs in the new box.
    n: usize,
    /// Runs of interest in the new box.
    k: usize,
    objective: f64,
    n_restricted: usize,
}

/// One box search on the runs still remaining.
struct Search<'a> {
    data: &'a Data<'a>,
    settings: &'a PrimSettings,
    remaining: &'a [bool],
    /// Whether each run is in the current box (and remaining).
    inside: Vec<bool>,
    limits: Limits,
    n_box: usize,
    k_box: usize,
    n_total: usize,
    coi_total: usize,
    steps: Vec<Step>,
    /// Scratch: (value, run) of the runs walked.
    walked: Vec<(f64, u32)>,
}

impl<'a> Search<'a> {
    fn new(
        data: &'a Data<'a>,
        remaining: &'a [bool],
        settings: &'a PrimSettings,
        coi_total: usize,
    ) -> Search<'a> {
        let inside = remaining.to_vec();
        let n_box = inside.iter().filter(|&&v| v).count();
        let k_box = (0..inside.len())
            .filter(|&i| inside[i] && data.y[i])
            .count();
        let mut s = Search {
            data,
            settings,
            remaining,
            inside,
            limits: data.init.clone(),
            n_box,
            k_box,
            n_total: data.y.len(),
            coi_total,
            steps: Vec::new(),
            walked: Vec::new(),
        };
        s.record(false);
        s
    }

    fn record(&mut self, pasted: bool) {
        self.steps.push(Step {
            limits: self.limits.clone(),
            n: self.n_box,
            k: self.k_box,
            coverage: self.k_box as f64 / self.coi_total as f64,
            density: self.k_box as f64 / self.n_box as f64,
            mass: self.n_box as f64 / self.n_total as f64,
            n_restricted: self.data.n_restricted(&self.limits),
            pasted,
        });
    }

    /// The workbench's `lenient1` objective: change in the mean per run added or removed.
    fn objective(&self, n_new: usize, k_new: usize) -> f64 {
        let mean_old = self.k_box as f64 / self.n_box as f64;
        let mean_new = if n_new > 0 {
            k_new as f64 / n_new as f64
        } else {
            0.0
        };
        if mean_old == mean_new || n_new == self.n_box {
            return 0.0;
        }
        (mean_new - mean_old) / n_new.abs_diff(self.n_box) as f64
    }

    fn restricted_with(&self, input: usize, side: usize, limit: f64) -> usize {
        let mut n = self.data.n_restricted(&self.limits);
        let was = self.limits[input] != self.data.init[input];
        let mut new = self.limits[input];
        new[side] = limit;
        let is = new != self.data.init[input];
        if was && !is {
            n -= 1;
        } else if !was && is {
            n += 1;
        }
        n
    }

    /// The peel of `input` on `side`: its limit (the workbench's quantile of the box's values)
    /// and the runs it removes, walked from that side. Fills `self.walked` with the box's runs
    /// from that side up to and past the limit.
    fn peel_of(&mut self, input: usize, side: usize) -> Option<(f64, usize, usize)> {
        let n = self.n_box;
        if n == 0 {
            return None;
        }
        let sorted = &self.data.sorted[input];
        let order = &self.data.order[input];
        let [lo, hi] = self.limits[input];
        self.walked.clear();
        let (q, removed_n, removed_k);
        if side == 0 {
            // Lower: get_quantile(x, alpha), alpha < 0.5; index_higher moves up past ties.
            let i = (n - 1) as f64 * self.settings.peel_alpha;
            let (l, h0) = (i.floor() as usize, i.ceil() as usize);
            let start = sorted.partition_point(|v| *v < lo);
            // Values come from the sorted copy (read in order), not from the column by run.
            for (&run, &v) in order[start..].iter().zip(&sorted[start..]) {
                if !self.inside[run as usize] {
                    continue;
                }
                self.walked.push((v, run));
                let len = self.walked.len();
                if len > h0 && (v != self.walked[l].0 || len == n) {
                    break;
                }
                if len == n {
                    break;
                }
            }
            let h = self.walked.len() - 1;
            let (vl, vh) = (self.walked[l].0, self.walked[h].0);
            q = (vl + vh) / 2.0;
            let mut rn = 0;
            let mut rk = 0;
            for &(v, run) in &self.walked {
                if v < q {
                    rn += 1;
                    rk += usize::from(self.data.y[run as usize]);
                }
            }
            removed_n = rn;
            removed_k = rk;
        } else {
            // Upper: get_quantile(x, 1 - alpha); index_lower moves down past ties. Walking from
            // the top, the element at index m is the (n - 1 - m)-th walked.
            let i = (n - 1) as f64 * (1.0 - self.settings.peel_alpha);
            let (l0, hi_idx) = (i.floor() as usize, i.ceil() as usize);
            let h_from_top = n - 1 - hi_idx;
            let l0_from_top = n - 1 - l0;
            let end = sorted.partition_point(|v| *v <= hi);
            for (&run, &v) in order[..end].iter().zip(&sorted[..end]).rev() {
                if !self.inside[run as usize] {
                    continue;
                }
                self.walked.push((v, run));
                let len = self.walked.len();
                if len > l0_from_top && (v != self.walked[h_from_top].0 || len == n) {
                    break;
                }
                if len == n {
                    break;
                }
            }
            let l = self.walked.len() - 1;
            let (vl, vh) = (self.walked[l].0, self.walked[h_from_top].0);
            q = (vl + vh) / 2.0;
            let mut rn = 0;
            let mut rk = 0;
            for &(v, run) in &self.walked {
                if v > q {
                    rn += 1;
                    rk += usize::from(self.data.y[run as usize]);
                }
            }
            removed_n = rn;
            removed_k = rk;
        }
        Some((q, removed_n, removed_k))
    }

    fn peel(&mut self) {
        loop {
            let mut best: Option<Candidate> = None;
            let n_inputs = self.data.x.len();
            for input in 0..n_inputs {
                // The workbench lists the upper peel of each input before the lower.
                for side in [1, 0] {
                    let Some((limit, rn, rk)) = self.peel_of(input, side) else {
                        continue;
                    };
                    let n_new = self.n_box - rn;
                    let k_new = self.k_box - rk;
                    let c = Candidate {
                        input,
                        side,
                        limit,
                        n: n_new,
                        k: k_new,
                        objective: self.objective(n_new, k_new),
                        n_restricted: self.restricted_with(input, side, limit),
                    };
                    if better(&c, best.as_ref()) {
                        best = Some(c);
                    }
                }
            }
            let Some(c) = best else { return };
            let mass_old = self.n_box as f64 / self.n_total as f64;
            let mass_new = c.n as f64 / self.n_total as f64;
            if !(mass_new >= self.settings.mass_min && mass_new < mass_old && c.objective > 0.0) {
                return;
            }
            // Apply: walk again and drop the runs beyond the new limit.
            self.peel_of(c.input, c.side);
            for &(v, run) in &self.walked {
                let out = if c.side == 0 {
                    v < c.limit
                } else {
                    v > c.limit
                };
                if out {
                    self.inside[run as usize] = false;
                }
            }
            self.limits[c.input][c.side] = c.limit;
            self.n_box = c.n;
            self.k_box = c.k;
            self.record(false);
        }
    }

    fn paste(&mut self) {
        let n = self.n_total;
        loop {
            let restricted: Vec<usize> = (0..self.data.x.len())
                .filter(|&j| self.limits[j] != self.data.init[j])
                .collect();
            if restricted.is_empty() {
                return;
            }
            // Per remaining run: how many restricted limits it violates, and which when one.
            let mut single: Vec<Vec<u32>> = vec![Vec::new(); restricted.len()];
            let mut in_box: Vec<u32> = Vec::new();
            for i in 0..n {
                if !self.remaining[i] {
                    continue;
                }
                let mut count = 0;
                let mut which = 0;
                for (r, &j) in restricted.iter().enumerate() {
                    let v = self.data.x[j][i];
                    let [lo, hi] = self.limits[j];
                    if v < lo || v > hi {
                        count += 1;
                        which = r;
                        if count > 1 {
                            break;
                        }
                    }
                }
                match count {
                    0 => in_box.push(i as u32),
                    1 => single[which].push(i as u32),
                    _ => {}
                }
            }
            let mut best: Option<Candidate> = None;
            for (r, &j) in restricted.iter().enumerate() {
                let column = &self.data.x[j];
                let [lo, hi] = self.limits[j];
                let [min, max] = self.data.init[j];
                for side in [0, 1] {
                    // The runs a paste on this side could take in: those outside the box only
                    // on this side, and the box's own runs on its limit.
                    let mut values: Vec<f64> = Vec::new();
                    let mut extra: Vec<u32> = Vec::new();
                    for &i in &single[r] {
                        let v = column[i as usize];
                        if (side == 0 && v < lo) || (side == 1 && v > hi) {
                            values.push(v);
                            extra.push(i);
                        }
                    }
                    for &i in &in_box {
                        let v = column[i as usize];
                        if (side == 0 && v <= lo) || (side == 1 && v >= hi) {
                            values.push(v);
                        }
                    }
                    let limit = if values.is_empty() {
                        if side == 0 { min } else { max }
                    } else if side == 0 {
                        get_quantile(&mut values, 1.0 - self.settings.paste_alpha)
                    } else {
                        get_quantile(&mut values, self.settings.paste_alpha)
                    };
                    let mut n_new = self.n_box;
                    let mut k_new = self.k_box;
                    for &i in &extra {
                        let v = column[i as usize];
                        let taken = if side == 0 { v >= limit } else { v <= limit };
                        if taken {
                            n_new += 1;
                            k_new += usize::from(self.data.y[i as usize]);
                        }
                    }
                    let c = Candidate {
                        input: j,
                        side,
                        limit,
                        n: n_new,
                        k: k_new,
                        objective: self.objective(n_new, k_new),
                        n_restricted: self.restricted_with(j, side, limit),
                    };
                    if better(&c, best.as_ref()) {
                        best = Some(c);
                    }
                }
            }
            let Some(c) = best else { return };
            let mass_old = self.n_box as f64 / n as f64;
            let mass_new = c.n as f64 / n as f64;
            let mean_old = self.k_box as f64 / self.n_box as f64;
            let mean_new = c.k as f64 / c.n as f64;
            if !(mass_new >= self.settings.mass_min
                && mass_new > mass_old
                && c.objective > 0.0
                && mean_new > mean_old)
            {
                return;
            }
            self.limits[c.input][c.side] = c.limit;
            for i in 0..n {
                if self.remaining[i] && !self.inside[i] && self.data.inside(i, &self.limits) {
                    self.inside[i] = true;
                }
            }
            self.n_box = c.n;
            self.k_box = c.k;
            self.record(true);
        }
    }

    /// Quasi-p-values of step `at` (Bryant and Lempert 2010): for each restricted side, the
    /// chance of at least the box's runs of interest among its runs, were they drawn at the
    /// density of the box with that side's limit removed (a one-sided binomial test, as the
    /// workbench's `_calculate_quasip`), on the runs this search started from.
    fn quasi_p(&self, at: usize) -> Vec<[Option<f64>; 2]> {
        let step = &self.steps[at];
        let n = self.n_total;
        let mut out = vec![[None, None]; self.data.x.len()];
        for (j, slot) in out.iter_mut().enumerate() {
            for side in 0..2 {
                if step.limits[j][side] == self.data.init[j][side] {
                    continue;
                }
                let mut relaxed = step.limits.clone();
                relaxed[j][side] = self.data.init[j][side];
                // Only restricted inputs can put a run outside.
                let checked: Vec<usize> = (0..relaxed.len())
                    .filter(|&k| relaxed[k] != self.data.init[k])
                    .collect();
                let (mut t, mut h) = (0u64, 0u64);
                for i in 0..n {
                    let within = checked.iter().all(|&k| {
                        let v = self.data.x[k][i];
                        relaxed[k][0] <= v && v <= relaxed[k][1]
                    });
                    if self.remaining[i] && within {
                        t += 1;
                        h += u64::from(self.data.y[i]);
                    }
                }
                slot[side] = Some(binomial_at_least(
                    step.k as u64,
                    step.n as u64,
                    h as f64 / t as f64,
                ));
            }
        }
        out
    }
}

/// Whether candidate `c` beats `best`: a higher objective, then fewer restricted inputs; on a
/// full tie the one found first stays (the workbench's stable sort).
fn better(c: &Candidate, best: Option<&Candidate>) -> bool {
    match best {
        None => true,
        Some(b) => {
            c.objective > b.objective
                || (c.objective == b.objective && c.n_restricted < b.n_restricted)
        }
    }
}

/// The workbench's `get_quantile` (modelled on sdtoolkit): the midpoint of the two order
/// statistics around `q`, moved outward past ties so that it falls between distinct values.
pub fn get_quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let i = (n - 1) as f64 * q;
    let (mut lower, mut higher) = (i.floor() as usize, i.ceil() as usize);
    if q > 0.5 {
        while values[lower] == values[higher] && lower > 0 {
            lower -= 1;
        }
    } else {
        while values[lower] == values[higher] && higher < n - 1 {
            higher += 1;
        }
    }
    (values[lower] + values[higher]) / 2.0
}

/// P(X ≥ k) for X ~ Binomial(n, p): scipy's `binomtest(k, n, p, alternative="greater")`.
pub fn binomial_at_least(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 || k > n {
        return 0.0;
    }
    match Binomial::new(p, n) {
        // sf(k - 1) = P(X > k - 1) = P(X ≥ k).
        Ok(b) => b.sf(k - 1),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A reproducible uniform stream (SplitMix64), to keep these tests free of the engine.
    fn uniforms(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                (z >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn quantiles_fall_between_distinct_values() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(get_quantile(&mut v, 0.05), 1.5);
        assert_eq!(get_quantile(&mut v, 0.95), 4.5);
        let mut ties = vec![1.0, 1.0, 1.0, 2.0, 3.0];
        assert_eq!(get_quantile(&mut ties, 0.05), 1.5);
        let mut top = vec![1.0, 2.0, 3.0, 3.0, 3.0];
        assert_eq!(get_quantile(&mut top, 0.95), 2.5);
    }

    #[test]
    fn binomial_tail_matches_exact_sums() {
        // P(X ≥ 3), X ~ Binomial(5, 0.5) = (10 + 5 + 1) / 32.
        assert!((binomial_at_least(3, 5, 0.5) - 0.5).abs() < 1e-12);
        // P(X ≥ 10), X ~ Binomial(10, 0.1) = 1e-10.
        assert!((binomial_at_least(10, 10, 0.1) / 1e-10 - 1.0).abs() < 1e-9);
        assert_eq!(binomial_at_least(0, 10, 0.3), 1.0);
    }

    #[test]
    fn finds_a_two_sided_box_and_leaves_noise_alone() {
        // Condition: x0 > 0.7 and x1 < 0.3; x2, x3 are noise. 5,000 runs.
        let n = 5000;
        let x: Vec<Vec<f64>> = (0..4).map(|j| uniforms(10 + j, n)).collect();
        let y: Vec<bool> = (0..n).map(|i| x[0][i] > 0.7 && x[1][i] < 0.3).collect();
        let settings = PrimSettings {
            threshold: 1.0,
            ..PrimSettings::default()
        };
        let r = prim(&x, &y, &settings).unwrap();
        let b = &r.boxes[0];
        let chosen = b.chosen();
        assert!(b.meets_threshold);
        assert_eq!(chosen.density, 1.0);
        // Limits within a few spacings of runs near the edge (1/(0.3·n) ≈ 0.0007 apart).
        assert!(
            (chosen.limits[0][0] - 0.7).abs() < 0.01,
            "{:?}",
            chosen.limits
        );
        assert!(
            (chosen.limits[1][1] - 0.3).abs() < 0.01,
            "{:?}",
            chosen.limits
        );
        assert_eq!(chosen.n_restricted, 2, "{:?}", chosen.limits);
        assert!(chosen.coverage > 0.95);
        // Coverage rises and density falls back along the trajectory.
        assert!(
            b.steps
                .windows(2)
                .all(|w| w[1].pasted || w[1].mass < w[0].mass)
        );
        // Restricted sides are significant; the others have none.
        assert!(b.qp[0][0].unwrap() < 1e-10);
        assert!(b.qp[1][1].unwrap() < 1e-10);
        assert_eq!(b.qp[2], [None, None]);
        // x0's quasi-p, recomputed: the box without x0's lower limit is x1 ≤ its upper limit
        // alone; its density is the binomial's p.
        let within: Vec<usize> = (0..n).filter(|&i| x[1][i] <= chosen.limits[1][1]).collect();
        let hits = within.iter().filter(|&&i| y[i]).count();
        let p = hits as f64 / within.len() as f64;
        let expected = binomial_at_least(chosen.k as u64, chosen.n as u64, p);
        assert!(expected > 0.0);
        assert_eq!(b.qp[0][0], Some(expected));
    }

    #[test]
    fn a_peel_counts_the_inputs_it_leaves_restricted() {
        // Ties of the objective go to the peel that leaves fewer inputs restricted: a peel of
        // an input already restricted adds none, of a new one adds one, and a limit back at
        // the input's range removes one.
        let x = vec![uniforms(1, 100), uniforms(2, 100)];
        let y: Vec<bool> = x[0].iter().map(|v| *v > 0.5).collect();
        let data = Data::new(&x, &y);
        let remaining = vec![true; 100];
        let settings = PrimSettings::default();
        let mut search = Search::new(&data, &remaining, &settings, 50);
        assert_eq!(search.restricted_with(0, 0, 0.2), 1);
        search.limits[1][1] = 0.5;
        assert_eq!(search.restricted_with(0, 0, 0.2), 2);
        assert_eq!(search.restricted_with(1, 0, 0.1), 1);
        assert_eq!(search.restricted_with(1, 1, data.init[1][1]), 0);
    }

    #[test]
    fn pasting_takes_back_runs_below_a_lower_limit_peeled_too_far() {
        // Runs of interest: 0.5 < x < 0.95. A box peeled to x ≥ 0.8 (density 0.75) gains by
        // taking back the pure runs just below 0.8, so the lower limit moves down.
        let n = 2000;
        let x = vec![uniforms(5, n)];
        let y: Vec<bool> = x[0].iter().map(|v| *v > 0.5 && *v < 0.95).collect();
        let data = Data::new(&x, &y);
        let remaining = vec![true; n];
        let settings = PrimSettings::default();
        let coi = y.iter().filter(|v| **v).count();
        let mut search = Search::new(&data, &remaining, &settings, coi);
        search.limits[0][0] = 0.8;
        for i in 0..n {
            search.inside[i] = data.inside(i, &search.limits);
        }
        search.n_box = search.inside.iter().filter(|v| **v).count();
        search.k_box = (0..n).filter(|&i| search.inside[i] && y[i]).count();
        search.paste();
        let lo = search.limits[0][0];
        assert!((0.45..0.79).contains(&lo), "lower limit {lo}");
        assert_eq!(search.limits[0][1], data.init[0][1]);
    }

    #[test]
    fn refuses_conditions_that_tell_nothing_apart() {
        let x = vec![vec![0.0, 1.0, 2.0]];
        let err = prim(&x, &[true, true, true], &PrimSettings::default()).unwrap_err();
        assert_eq!(err.to_string(), "the condition holds in 3 of 3 runs");
        let bad = PrimSettings {
            peel_alpha: 0.7,
            ..PrimSettings::default()
        };
        assert!(matches!(
            prim(&x, &[true, false, true], &bad).unwrap_err(),
            PrimError::Setting(_)
        ));
    }

    #[test]
    fn choose_prefers_coverage_above_the_threshold() {
        let step = |coverage: f64, density: f64| Step {
            limits: Vec::new(),
            n: 0,
            k: 0,
            coverage,
            density,
            mass: 0.0,
            n_restricted: 0,
            pasted: false,
        };
        let steps = [
            step(1.0, 0.2),
            step(0.9, 0.8),
            step(0.7, 0.95),
            step(0.5, 1.0),
        ];
        assert_eq!(choose(&steps, 0.8), (1, true));
        assert_eq!(choose(&steps, 0.9), (2, true));
        assert_eq!(choose(&steps[..1], 0.9), (0, false));
    }
}

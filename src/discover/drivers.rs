//! What drives each outcome: feature scores of every input for every outcome from an ordinary
//! run's per-run inputs and outcomes (issue 13, item 3).
//!
//! **Method.** Extremely randomised trees (Geurts, Ernst & Wehenkel 2006, "Extremely randomized
//! trees", *Machine Learning* 63:3–42), scored by mean decrease in impurity (Breiman 2001), as
//! the EMA Workbench's `get_ex_feature_scores` does with scikit-learn's `ExtraTreesRegressor`:
//! each node draws a few inputs at random, one cut per input uniformly between the node's
//! smallest and largest value, and keeps the cut that most reduces the variance of the target.
//! An input's score is the variance reduction of the cuts on it, weighted by the share of runs
//! in the node, summed over each tree, normalised per tree, averaged over the trees and scaled
//! so that an outcome's scores sum to 1. Inputs that never vary (a lever within one bundle)
//! score 0.
//!
//! **The target is the outcome's rank**, not its value (mid-ranks for ties). Trees split on
//! the order of inputs already; ranking the outcome too makes the scores insensitive to a
//! skewed outcome's long tail (one run with 10× the shells would otherwise dominate every
//! variance), and changes nothing for a 0/1 outcome, whose ranks are two values: for it the
//! variance reduction is the Gini decrease of a classification tree, up to a constant factor.
//! **Missing values**: a `first` outcome whose crossing never happens within the horizon ranks
//! after every run where it happens (it happens later, if at all), tied with the other such
//! runs; any other missing value (none expected: faulting runs are not in the table) leaves its
//! run out of that outcome's scores, and the count is reported.
//!
//! **Cost.** Each tree grows on a subsample of at most [`ForestSettings::sample`] runs (drawn
//! without replacement; all runs when there are fewer) and stops at nodes of fewer than
//! 2 × [`ForestSettings::min_leaf`] runs. Tree t of every outcome shares its subsample, copied
//! once into contiguous columns. Trees run in parallel; each tree's numbers come from its own
//! stream (seed, tree, outcome) and the trees are summed in order, so the scores are
//! bit-identical on any thread count.

use rand::Rng;
use rayon::prelude::*;

use crate::engine::rng::{Stream, run_key, site_key, stream};
use crate::sensitivity::design::{below, open_unit};

/// How the forest is grown.
///
/// The defaults (100 trees, at most 5,000 runs a tree, leaves of at least 20 runs, √inputs
/// inputs per node) score 80 inputs for 15 outcomes of 100,000 runs in about 10 s of CPU on
/// this project's machine (`benches/drivers.rs`; docs/discovery.md has the measurements).
/// On that data, 10,000 runs a tree and leaves of 20 gave the same top inputs at 2.9 times
/// the CPU time; smaller leaves spread more of the score over inputs that only fit noise.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestSettings {
    /// Trees per outcome.
    pub trees: usize,
    /// Inputs drawn at each node (0: the square root of the number of inputs, rounded up).
    pub max_features: usize,
    /// Fewest runs in a leaf: a node of fewer than twice this many is not split.
    pub min_leaf: usize,
    /// Most runs a tree is grown on (a subsample without replacement).
    pub sample: usize,
    /// Seed of the subsamples and cuts.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
}

impl Default for ForestSettings {
    fn default() -> ForestSettings {
        ForestSettings {
            trees: 100,
            max_features: 0,
            min_leaf: 20,
            sample: 5_000,
            seed: 0,
            threads: 1,
        }
    }
}

/// One outcome prepared as a target: its ranks in the runs kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Name (keys the trees' random streams, with the seed).
    pub name: String,
    /// Mid-rank of each run (NaN for a run left out).
    pub ranks: Vec<f64>,
    /// Runs of a `first` outcome whose crossing never happened (ranked last).
    pub never: usize,
    /// Runs left out for a missing value.
    pub dropped: usize,
}

impl Target {
    /// The target of `values` (one per run). `never_is_last`: a missing value means "not
    /// within the horizon" (a `first` outcome) and ranks after every value; otherwise the run
    /// is left out.
    pub fn new(name: &str, values: &[f64], never_is_last: bool) -> Target {
        let mut order: Vec<usize> = (0..values.len())
            .filter(|&r| never_is_last || !values[r].is_nan())
            .collect();
        // NaN sorts after every number with total_cmp (positive NaN, as the reader makes).
        let key = |r: usize| {
            let v = values[r];
            if v.is_nan() { f64::INFINITY } else { v }
        };
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        let mut ranks = vec![f64::NAN; values.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && key(order[j]) == key(order[i]) {
                j += 1;
            }
            // Ranks i+1 ..= j share their mean.
            let mid = (i + 1 + j) as f64 / 2.0;
            for &r in &order[i..j] {
                ranks[r] = mid;
            }
            i = j;
        }
        let never = if never_is_last {
            values.iter().filter(|v| v.is_nan()).count()
        } else {
            0
        };
        Target {
            name: name.to_string(),
            dropped: values.len() - order.len(),
            ranks,
            never,
        }
    }

    /// Whether the target varies over the runs kept (else it has no scores).
    pub fn varies(&self) -> bool {
        let mut kept = self.ranks.iter().filter(|r| !r.is_nan());
        match kept.next() {
            Some(first) => kept.any(|r| r != first),
            None => false,
        }
    }
}

/// Feature scores of every input (columns `inputs`, one value per run) for every target: per
/// target, one score per input summing to 1, or `None` when the target does not vary.
///
/// # Panics
/// If a column's length differs from the targets' (a broken internal invariant).
pub fn feature_scores(
    inputs: &[&[f64]],
    targets: &[Target],
    settings: &ForestSettings,
) -> Vec<Option<Vec<f64>>> {
    let d = inputs.len();
    let n = targets.first().map_or(0, |t| t.ranks.len());
    assert!(
        inputs.iter().all(|c| c.len() == n) && targets.iter().all(|t| t.ranks.len() == n),
        "feature scores: columns of different lengths"
    );
    let varies: Vec<bool> = targets.iter().map(Target::varies).collect();
    if d == 0 || !varies.iter().any(|&v| v) {
        return vec![None; targets.len()];
    }
    let keys: Vec<u64> = targets
        .iter()
        .map(|t| site_key(&format!("drivers:{}", t.name)))
        .collect();
    let one_tree = |t: usize| -> Vec<Vec<f64>> {
        let rows = subsample(settings, n, t);
        // Single precision: half the memory the node passes gather from (their cost is cache
        // misses), and a cut between two inputs that differ only past the 7th digit is no
        // loss to a score.
        let columns: Vec<Vec<f32>> = inputs
            .iter()
            .map(|c| rows.iter().map(|&r| c[r as usize] as f32).collect())
            .collect();
        targets
            .iter()
            .zip(&keys)
            .zip(&varies)
            .map(|((target, &key), &varies)| {
                if !varies {
                    return Vec::new();
                }
                let mut kept: Vec<u32> = Vec::with_capacity(rows.len());
                let mut y = Vec::with_capacity(rows.len());
                for (i, &r) in rows.iter().enumerate() {
                    let v = target.ranks[r as usize];
                    if !v.is_nan() {
                        kept.push(i as u32);
                        y.push(v);
                    }
                }
                let mut rng = stream(run_key(settings.seed, t as u64), key, 1);
                grow(&columns, &kept, &y, settings, &mut rng)
            })
            .collect()
    };
    let per_tree: Vec<Vec<Vec<f64>>> = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(|| (0..settings.trees).into_par_iter().map(one_tree).collect()),
        Err(_) => (0..settings.trees).map(one_tree).collect(),
    };
    (0..targets.len())
        .map(|k| {
            if !varies[k] {
                return None;
            }
            // In tree order: the same sums on any thread count.
            let mut sum = vec![0.0; d];
            for tree in &per_tree {
                for (s, v) in sum.iter_mut().zip(&tree[k]) {
                    *s += v;
                }
            }
            let total: f64 = sum.iter().sum();
            (total > 0.0).then(|| sum.iter().map(|s| s / total).collect())
        })
        .collect()
}

/// The runs tree `t` grows on: all of them, or `sample` drawn without replacement (a partial
/// Fisher–Yates shuffle from the tree's own stream), ascending.
fn subsample(settings: &ForestSettings, n: usize, t: usize) -> Vec<u32> {
    let mut rows: Vec<u32> = (0..n as u32).collect();
    if n <= settings.sample {
        return rows;
    }
    let mut rng = stream(
        run_key(settings.seed, t as u64),
        site_key("drivers:sample"),
        0,
    );
    for i in 0..settings.sample {
        let j = i + below(rng.next_u64(), n - i);
        rows.swap(i, j);
    }
    rows.truncate(settings.sample);
    rows.sort_unstable();
    rows
}

/// The largest single-precision number below `hi` (an input's largest value in a node).
fn hi_below(hi: f64) -> f32 {
    let h = hi as f32;
    if h > 0.0 {
        f32::from_bits(h.to_bits() - 1)
    } else if h < 0.0 {
        f32::from_bits(h.to_bits() + 1)
    } else {
        -f32::MIN_POSITIVE
    }
}

/// A node waiting to be split: its rows `idx[start..end]` and the sum of their targets.
struct Node {
    start: usize,
    end: usize,
    sum: f64,
}

/// Grows one tree on the rows `kept` (indices into `columns`) with targets `y` (one per kept
/// row) and returns each input's share of the tree's variance reduction (all 0 if it made no
/// cut).
fn grow(
    columns: &[Vec<f32>],
    kept: &[u32],
    y_kept: &[f64],
    settings: &ForestSettings,
    rng: &mut Stream,
) -> Vec<f64> {
    let d = columns.len();
    let k_max = match settings.max_features {
        0 => (d as f64).sqrt().ceil() as usize,
        k => k.min(d),
    }
    .max(1);
    let min_leaf = settings.min_leaf.max(1);
    // Targets indexed like the columns' rows.
    let mut y = vec![0.0; columns.first().map_or(0, Vec::len)];
    for (&r, &v) in kept.iter().zip(y_kept) {
        y[r as usize] = v;
    }
    let mut idx: Vec<u32> = kept.to_vec();
    let mut importance = vec![0.0; d];
    let mut order: Vec<usize> = (0..d).collect();
    let mut stack = vec![Node {
        start: 0,
        end: idx.len(),
        sum: y_kept.iter().sum(),
    }];
    while let Some(node) = stack.pop() {
        let rows = &idx[node.start..node.end];
        let n = rows.len();
        if n < 2 * min_leaf {
            continue;
        }
        let n_f = n as f64;
        let parent = node.sum * node.sum / n_f;
        // The best cut: (gain, input, threshold, rows left, sum left).
        let mut best: Option<(f64, usize, f32, usize, f64)> = None;
        let mut tried = 0;
        // Inputs in a random order (a partial shuffle); constant ones in this node do not
        // count towards the k_max tried, as in scikit-learn.
        for i in 0..d {
            if tried == k_max {
                break;
            }
            let j = i + below(rng.next_u64(), d - i);
            order.swap(i, j);
            let col = &columns[order[i]];
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            for &r in rows {
                let v = col[r as usize];
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi <= lo {
                continue;
            }
            tried += 1;
            let (lo, hi) = (f64::from(lo), f64::from(hi));
            // Below `hi` in single precision too, so that the right side is never empty.
            let cut = ((lo + (hi - lo) * open_unit(rng.next_u64())) as f32).min(hi_below(hi));
            let (mut n_left, mut sum_left) = (0usize, 0.0);
            for &r in rows {
                if col[r as usize] <= cut {
                    n_left += 1;
                    sum_left += y[r as usize];
                }
            }
            let n_right = n - n_left;
            if n_left < min_leaf || n_right < min_leaf {
                continue;
            }
            let sum_right = node.sum - sum_left;
            let gain = sum_left * sum_left / n_left as f64 + sum_right * sum_right / n_right as f64
                - parent;
            if best.is_none_or(|b| gain > b.0) {
                best = Some((gain, order[i], cut, n_left, sum_left));
            }
        }
        let Some((gain, input, cut, n_left, sum_left)) = best else {
            continue;
        };
        // n·var − n_l·var_l − n_r·var_r, never negative but for rounding.
        importance[input] += gain.max(0.0);
        let col = &columns[input];
        let rows = &mut idx[node.start..node.end];
        let (mut a, mut b) = (0, rows.len());
        while a < b {
            if col[rows[a] as usize] <= cut {
                a += 1;
            } else {
                b -= 1;
                rows.swap(a, b);
            }
        }
        debug_assert_eq!(a, n_left);
        stack.push(Node {
            start: node.start,
            end: node.start + n_left,
            sum: sum_left,
        });
        stack.push(Node {
            start: node.start + n_left,
            end: node.end,
            sum: node.sum - sum_left,
        });
    }
    let total: f64 = importance.iter().sum();
    if total > 0.0 {
        for v in &mut importance {
            *v /= total;
        }
    }
    importance
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hi_below_is_the_next_single_precision_number_down() {
        assert_eq!(hi_below(1.0), 0.999_999_94);
        assert_eq!(hi_below(-1.0), -1.000_000_1);
        assert_eq!(hi_below(-1.0).to_bits(), (-1.0f32).to_bits() + 1);
        assert!(hi_below(0.0) < 0.0);
    }

    /// Uniform columns from a fixed stream.
    fn uniform_columns(d: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
        (0..d)
            .map(|i| {
                let mut rng = stream(run_key(seed, i as u64), site_key("test"), 0);
                (0..n).map(|_| open_unit(rng.next_u64())).collect()
            })
            .collect()
    }

    fn settings(threads: usize) -> ForestSettings {
        ForestSettings {
            seed: 5,
            threads,
            ..ForestSettings::default()
        }
    }

    #[test]
    fn mid_ranks_tie_and_missing_first_values_rank_last() {
        let t = Target::new("when", &[2025.0, f64::NAN, 2024.5, 2025.0, f64::NAN], true);
        assert_eq!(t.ranks[2], 1.0);
        assert_eq!((t.ranks[0], t.ranks[3]), (2.5, 2.5));
        assert_eq!((t.ranks[1], t.ranks[4]), (4.5, 4.5));
        assert_eq!((t.never, t.dropped), (2, 0));
        let t = Target::new("x", &[3.0, f64::NAN, 1.0], false);
        assert!(t.ranks[1].is_nan());
        assert_eq!((t.ranks[0], t.ranks[2]), (2.0, 1.0));
        assert_eq!((t.never, t.dropped), (0, 1));
        assert!(!Target::new("c", &[1.0, 1.0], false).varies());
        assert!(!Target::new("c", &[f64::NAN, f64::NAN], true).varies());
    }

    /// y = x0 + 2 x1 on six inputs (four of them noise), a 0/1 outcome that is true exactly when
    /// x2 > 0.7 and x3 < 0.3, and a first-crossing outcome that never happens when x4 > 0.5 and
    /// else happens at x5: the inputs that matter take nearly all of each outcome's score, the
    /// others under 2% each; a constant outcome has none.
    #[test]
    fn scores_find_the_inputs_that_matter() {
        let n = 4000;
        let x = uniform_columns(6, n, 1);
        let cont: Vec<f64> = (0..n).map(|r| x[0][r] + 2.0 * x[1][r]).collect();
        let hit: Vec<f64> = (0..n)
            .map(|r| f64::from(u8::from(x[2][r] > 0.7 && x[3][r] < 0.3)))
            .collect();
        let when: Vec<f64> = (0..n)
            .map(|r| {
                if x[4][r] > 0.5 {
                    f64::NAN
                } else {
                    2025.0 + x[5][r]
                }
            })
            .collect();
        let targets = [
            Target::new("cont", &cont, false),
            Target::new("hit", &hit, false),
            Target::new("when", &when, true),
            Target::new("flat", &vec![1.0; n], false),
        ];
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let scores = feature_scores(&cols, &targets, &settings(2));
        let check = |s: &[f64], top: &[usize]| {
            assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let in_top: f64 = top.iter().map(|&i| s[i]).sum();
            assert!(in_top > 0.9, "{s:?}");
            for (i, v) in s.iter().enumerate() {
                if !top.contains(&i) {
                    assert!(*v < 0.02, "input {i}: {s:?}");
                }
            }
        };
        let s = scores[0].as_ref().unwrap();
        check(s, &[0, 1]);
        assert!(s[1] > s[0], "x1 matters four times as much: {s:?}");
        check(scores[1].as_ref().unwrap(), &[2, 3]);
        check(scores[2].as_ref().unwrap(), &[4, 5]);
        assert!(scores[3].is_none());
    }

    /// The same numbers, to the bit, on one thread and on three, with subsampling; a constant
    /// input scores exactly 0.
    #[test]
    fn scores_do_not_depend_on_threads() {
        let n = 3000;
        let mut x = uniform_columns(4, n, 2);
        x.push(vec![0.5; n]);
        let y: Vec<f64> = (0..n).map(|r| x[0][r] * x[1][r]).collect();
        let targets = [Target::new("y", &y, false)];
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let small = |threads| ForestSettings {
            sample: 1000,
            trees: 20,
            ..settings(threads)
        };
        let one = feature_scores(&cols, &targets, &small(1));
        let three = feature_scores(&cols, &targets, &small(3));
        assert_eq!(one, three);
        assert_eq!(one[0].as_ref().unwrap()[4], 0.0);
        let other_seed = feature_scores(
            &cols,
            &targets,
            &ForestSettings {
                seed: 6,
                ..small(1)
            },
        );
        assert_ne!(one, other_seed);
    }

    /// A monotone transformation of the outcome (a skewed tail) leaves the scores unchanged:
    /// they see only ranks.
    #[test]
    fn scores_see_only_the_outcomes_order() {
        let n = 2000;
        let x = uniform_columns(3, n, 3);
        let y: Vec<f64> = (0..n).map(|r| x[0][r] + 0.3 * x[1][r]).collect();
        let skewed: Vec<f64> = y.iter().map(|v| (8.0 * v).exp()).collect();
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let s = settings(1);
        let a = feature_scores(&cols, &[Target::new("y", &y, false)], &s);
        let b = feature_scores(&cols, &[Target::new("y", &skewed, false)], &s);
        assert_eq!(a, b);
    }
}

//! CART (Breiman et al. 1984) as an alternative to PRIM for scenario discovery: a
//! classification tree on whether the condition holds, whose leaves are boxes.
//!
//! As the EMA Workbench's `cart` does (scikit-learn's `DecisionTreeClassifier` with
//! `min_samples_leaf = mass_min · runs`): Gini impurity, splits midway between adjacent distinct
//! values (`x <= t` goes left), grown until a leaf is pure or cannot be split without a child
//! below the smallest mass. Ties between equally good splits go to the first input (scikit-learn
//! breaks them at random). Leaves whose density reaches the threshold become boxes, most
//! coverage first.
//!
//! Cost: the tree grows level by level; each level walks every input's presorted order once,
//! so a tree costs about `depth · inputs · runs`.

use super::prim::{Limits, binomial_at_least};
use super::{Found, FoundBox};

/// Deepest tree grown (a leaf of 5% of the runs is reached well before).
const MAX_DEPTH: usize = 30;

/// Grows the tree on `x` (one column per input) and `y`, and returns its leaves of interest as
/// boxes: those with density at least `threshold`, most coverage first, at most `max_boxes`
/// (or, when none reaches the threshold, the densest leaf).
pub fn cart(x: &[Vec<f64>], y: &[bool], mass_min: f64, threshold: f64, max_boxes: usize) -> Found {
    let n = y.len();
    let d = x.len();
    let min_leaf = ((mass_min * n as f64) as usize).max(1);
    let init: Limits = x
        .iter()
        .map(|c| {
            c.iter()
                .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], &v| {
                    [lo.min(v), hi.max(v)]
                })
        })
        .collect();
    let order: Vec<Vec<u32>> = x
        .iter()
        .map(|c| {
            let mut o: Vec<u32> = (0..n as u32).collect();
            o.sort_by(|&a, &b| c[a as usize].total_cmp(&c[b as usize]));
            o
        })
        .collect();
    // Nodes being grown: limits, runs, runs of interest.
    let mut nodes: Vec<(Limits, usize, usize)> =
        vec![(init.clone(), n, y.iter().filter(|&&v| v).count())];
    let mut node_of: Vec<usize> = vec![0; n];
    let mut leaves: Vec<(Limits, usize, usize)> = Vec::new();
    for _ in 0..MAX_DEPTH {
        if nodes.is_empty() {
            break;
        }
        // Best split per node: (score, input, threshold); lower score (weighted Gini) wins.
        let mut best: Vec<Option<(f64, usize, f64)>> = vec![None; nodes.len()];
        let mut acc: Vec<(usize, usize, f64)> = vec![(0, 0, f64::NAN); nodes.len()];
        for j in 0..d {
            acc.iter_mut().for_each(|a| *a = (0, 0, f64::NAN));
            for &i in &order[j] {
                let i = i as usize;
                let node = node_of[i];
                if node == usize::MAX {
                    continue;
                }
                let v = x[j][i];
                let (nn, kk) = (nodes[node].1, nodes[node].2);
                let a = &mut acc[node];
                if a.0 >= min_leaf && v != a.2 && nn - a.0 >= min_leaf {
                    let score = gini(a.0, a.1) + gini(nn - a.0, kk - a.1);
                    if best[node].is_none_or(|(s, _, _)| score < s) {
                        best[node] = Some((score, j, (a.2 + v) / 2.0));
                    }
                }
                a.0 += 1;
                a.1 += usize::from(y[i]);
                a.2 = v;
            }
        }
        let mut next: Vec<(Limits, usize, usize)> = Vec::new();
        let mut child: Vec<Option<usize>> = vec![None; nodes.len()];
        let old = std::mem::take(&mut nodes);
        for (id, (limits, nn, kk)) in old.into_iter().enumerate() {
            let pure = kk == 0 || kk == nn;
            match best[id] {
                Some((score, j, t)) if !pure && score < gini(nn, kk) => {
                    let mut left = limits.clone();
                    left[j][1] = t;
                    let mut right = limits;
                    right[j][0] = t;
                    child[id] = Some(next.len());
                    next.push((left, 0, 0));
                    next.push((right, 0, 0));
                    best[id] = Some((score, j, t));
                }
                _ => {
                    leaves.push((limits, nn, kk));
                    best[id] = None;
                }
            }
        }
        for i in 0..n {
            let node = node_of[i];
            if node == usize::MAX {
                continue;
            }
            match (child[node], best[node]) {
                (Some(c), Some((_, j, t))) => {
                    let c = if x[j][i] <= t { c } else { c + 1 };
                    node_of[i] = c;
                    next[c].1 += 1;
                    next[c].2 += usize::from(y[i]);
                }
                _ => node_of[i] = usize::MAX,
            }
        }
        nodes = next;
    }
    leaves.extend(nodes);
    let total_k = y.iter().filter(|&&v| v).count().max(1);
    let mut boxes: Vec<FoundBox> = leaves
        .into_iter()
        .filter(|(_, nn, _)| *nn > 0)
        .map(|(limits, nn, kk)| FoundBox {
            // Filled in below for the leaves reported only: each costs a pass over the runs
            // per restricted side.
            qp: Vec::new(),
            limits,
            coverage: kk as f64 / total_k as f64,
            density: kk as f64 / nn as f64,
            mass: nn as f64 / n as f64,
        })
        .collect();
    boxes.sort_by(|a, b| {
        b.coverage
            .total_cmp(&a.coverage)
            .then(b.density.total_cmp(&a.density))
    });
    let meeting: Vec<FoundBox> = boxes
        .iter()
        .filter(|b| b.density >= threshold)
        .take(max_boxes)
        .cloned()
        .collect();
    let meets_threshold = !meeting.is_empty();
    let boxes = if meets_threshold {
        meeting
    } else {
        boxes
            .into_iter()
            .max_by(|a, b| a.density.total_cmp(&b.density))
            .into_iter()
            .collect()
    };
    let boxes = boxes
        .into_iter()
        .map(|mut b| {
            // mass = n_box / n and density = k_box / n_box, so rounding gives the counts back
            // exactly (both far below 2^53).
            let n_box = (b.mass * n as f64).round() as usize;
            let k_box = (b.density * n_box as f64).round() as usize;
            b.qp = quasi_p(x, y, &b.limits, &init, n_box, k_box);
            b
        })
        .collect();
    Found {
        init,
        trajectory: Vec::new(),
        chosen: None,
        boxes,
        meets_threshold,
    }
}

/// Gini impurity times the node's size: n (1 - p² - (1-p)²) = 2 k (n - k) / n.
fn gini(n: usize, k: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    2.0 * k as f64 * (n - k) as f64 / n as f64
}

/// Quasi-p-values of a leaf, as PRIM's (one side relaxed at a time, on all runs).
fn quasi_p(
    x: &[Vec<f64>],
    y: &[bool],
    limits: &Limits,
    init: &Limits,
    n_box: usize,
    k_box: usize,
) -> Vec<[Option<f64>; 2]> {
    let mut out = vec![[None, None]; x.len()];
    for (j, slot) in out.iter_mut().enumerate() {
        for side in 0..2 {
            if limits[j][side] == init[j][side] {
                continue;
            }
            let mut relaxed = limits.clone();
            relaxed[j][side] = init[j][side];
            let checked: Vec<usize> = (0..relaxed.len())
                .filter(|&k| relaxed[k] != init[k])
                .collect();
            let (mut t, mut h) = (0u64, 0u64);
            for (i, &yi) in y.iter().enumerate() {
                if checked
                    .iter()
                    .all(|&k| relaxed[k][0] <= x[k][i] && x[k][i] <= relaxed[k][1])
                {
                    t += 1;
                    h += u64::from(yi);
                }
            }
            slot[side] = Some(binomial_at_least(
                k_box as u64,
                n_box as u64,
                h as f64 / t.max(1) as f64,
            ));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_finds_an_axis_aligned_box() {
        // A 40 × 40 grid on [0, 1)², condition x0 > 0.7 and x1 < 0.3, and a noise input.
        let mut x = vec![Vec::new(), Vec::new(), Vec::new()];
        for a in 0..40 {
            for b in 0..40 {
                x[0].push(a as f64 / 40.0);
                x[1].push(b as f64 / 40.0);
                x[2].push(((a * 7 + b * 13) % 40) as f64 / 40.0);
            }
        }
        let y: Vec<bool> = (0..1600).map(|i| x[0][i] > 0.7 && x[1][i] < 0.3).collect();
        let found = cart(&x, &y, 0.05, 0.9, 3);
        assert!(found.meets_threshold);
        let b = &found.boxes[0];
        assert_eq!(b.density, 1.0);
        assert_eq!(b.coverage, 1.0);
        // Midway between grid values: 0.7 < x0 (0.7125 is the first inside), x1 < 0.3.
        assert_eq!(b.limits[0][0], (0.7 + 0.725) / 2.0);
        assert_eq!(b.limits[1][1], (0.275 + 0.3) / 2.0);
        assert_eq!(b.limits[2], found.init[2], "noise is not split");
    }

    #[test]
    fn gini_is_twice_the_product_of_the_classes_over_the_size() {
        assert_eq!(gini(4, 1), 1.5);
        assert_eq!(gini(10, 5), 5.0);
        assert_eq!(gini(3, 0), 0.0);
        assert_eq!(gini(3, 3), 0.0);
        assert_eq!(gini(0, 0), 0.0);
    }

    #[test]
    fn no_leaf_is_smaller_than_the_smallest_mass() {
        // 100 runs of one input 0..99; the condition holds for the two smallest only. A leaf of
        // those two would be pure, but a leaf may not hold fewer than 5% of the runs: the best
        // the tree may do is the five smallest, 2 of 5 of interest.
        let x = vec![(0..100).map(f64::from).collect::<Vec<f64>>()];
        let y: Vec<bool> = (0..100).map(|i| i < 2).collect();
        let found = cart(&x, &y, 0.05, 0.9, 3);
        assert!(!found.meets_threshold);
        let b = &found.boxes[0];
        assert_eq!((b.mass, b.density, b.coverage), (0.05, 0.4, 1.0));
        assert_eq!(b.limits[0][1], 4.5);
    }
}

//! One-at-a-time swings: the bars of a tornado chart.
//!
//! Every input at its median is the base point. For each input in turn, it goes to the low end
//! of its swing range and then to the high end (a param's 5th and 95th percentiles, a lever's
//! range), the others staying at their medians. Each point averages the same runs (same run
//! indices: common random numbers), so a swing, mean(high) − mean(low), is a paired difference
//! whose standard error is that of the per-run differences (Law 2015, *Simulation Modeling and
//! Analysis*, 5th ed., §11.2: common random numbers for comparing alternatives).
//!
//! A swing shows an input's effect alone, at the others' medians; it misses interactions, which
//! the Sobol' total index catches.

use super::Input;
use super::exec::Block;

/// One input's swing for one outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Swing {
    /// Mean outcome with the input at the low end of its swing range.
    pub low: f64,
    /// Mean outcome with the input at the high end.
    pub high: f64,
    /// Standard error of `high − low` (0 for a model without noise or with one run).
    pub se: f64,
}

/// The points: the base block, then for each input its low and high blocks, each of `runs`
/// rows on run indices 0..runs. Also returns each input's (low, median, high) values.
pub fn blocks(inputs: &[Input], runs: usize) -> (Vec<Block>, Vec<(f64, f64, f64)>) {
    let medians: Vec<f64> = inputs.iter().map(|i| i.value(0.5)).collect();
    let points: Vec<(f64, f64, f64)> = inputs
        .iter()
        .zip(&medians)
        .map(|(i, &m)| (i.swing_value(0.0), m, i.swing_value(1.0)))
        .collect();
    let block = |row: &[f64]| Block {
        first_run: 0,
        values: row.repeat(runs),
    };
    let mut out = vec![block(&medians)];
    for (i, p) in points.iter().enumerate() {
        for end in [p.0, p.2] {
            let mut row = medians.clone();
            row[i] = end;
            out.push(block(&row));
        }
    }
    (out, points)
}

/// The base mean and each input's swing from the outcome values of the blocks of [`blocks`]
/// (`cols[b][run]`); `None` if any value is not finite.
///
/// # Examples
/// ```
/// use leversim::sensitivity::oat::swings;
/// // Base 10; input 0 swings 8 → 13 in both runs.
/// let cols = vec![vec![10.0, 10.0], vec![8.0, 7.0], vec![13.0, 12.0]];
/// let (base, s) = swings(&cols).unwrap();
/// assert_eq!(base, 10.0);
/// assert_eq!((s[0].low, s[0].high, s[0].se), (7.5, 12.5, 0.0));
/// ```
pub fn swings(cols: &[Vec<f64>]) -> Option<(f64, Vec<Swing>)> {
    if cols.iter().flatten().any(|v| !v.is_finite()) || cols.is_empty() || cols[0].is_empty() {
        return None;
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let base = mean(&cols[0]);
    let swings = cols[1..]
        .chunks_exact(2)
        .map(|pair| {
            let (low, high) = (&pair[0], &pair[1]);
            let diffs: Vec<f64> = high.iter().zip(low).map(|(h, l)| h - l).collect();
            let n = diffs.len() as f64;
            let md = mean(&diffs);
            let se = if diffs.len() > 1 {
                (diffs.iter().map(|d| (d - md).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
            } else {
                0.0
            };
            Swing {
                low: mean(low),
                high: mean(high),
                se,
            }
        })
        .collect();
    Some((base, swings))
}

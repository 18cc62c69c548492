//! Order of evaluation within a month, from the formulas' dependencies.
//!
//! Auxiliaries, flows and lever costs read each other within the same month, so they must be
//! evaluated after whatever they read. Stocks and event flags are state (their value at the start
//! of the month) and create no such dependency. Kahn's algorithm with ties broken by declaration
//! order gives a deterministic order that follows the file; what cannot be ordered is a cycle,
//! reported with its members in order.

use std::collections::BTreeSet;

/// Orders `deps` (for each node, the nodes it reads). Returns the order, or one cycle as a list
/// of nodes where each reads the next and the last reads the first.
pub fn order(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = deps.len();
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pending = vec![0usize; n];
    for (node, reads) in deps.iter().enumerate() {
        let mut unique: Vec<usize> = reads.clone();
        unique.sort_unstable();
        unique.dedup();
        for &dep in &unique {
            readers[dep].push(node);
        }
        pending[node] = unique.len();
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(node) = ready.pop_first() {
        out.push(node);
        for &reader in &readers[node] {
            pending[reader] -= 1;
            if pending[reader] == 0 {
                ready.insert(reader);
            }
        }
    }
    if out.len() == n {
        return Ok(out);
    }
    // Every node left waits on another node left: walking "reads" from any of them must loop.
    let mut path: Vec<usize> = Vec::new();
    // Where each node sits on `path`, so that closing the loop is found in constant time.
    let mut on_path: Vec<Option<usize>> = vec![None; n];
    let mut node = (0..n).find(|&i| pending[i] > 0).unwrap_or(0);
    loop {
        if let Some(pos) = on_path[node] {
            return Err(path.split_off(pos));
        }
        on_path[node] = Some(path.len());
        path.push(node);
        match deps[node].iter().copied().filter(|&d| pending[d] > 0).min() {
            Some(next) => node = next,
            None => return Err(path),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_dependency_then_declaration() {
        // 0 reads 2, 1 reads nothing, 2 reads 1.
        assert_eq!(order(&[vec![2], vec![], vec![1]]).unwrap(), vec![1, 2, 0]);
        assert_eq!(order(&[vec![], vec![], vec![]]).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn finds_the_cycle() {
        // 0 -> 1 -> 2 -> 0, and 3 reads 0.
        let cycle = order(&[vec![1], vec![2], vec![0], vec![0]]).unwrap_err();
        assert_eq!(cycle, vec![0, 1, 2]);
        assert_eq!(order(&[vec![0]]).unwrap_err(), vec![0]);
    }
}

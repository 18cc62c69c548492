//! Which part of a plan one machine computes: shard `I` of `N` (`--shard I/N`).
//!
//! A plan's work is already cut into units that run independently and whose results combine
//! exactly (see `parallel.rs` and `resume.rs`); a shard is a set of those units. Because the
//! shards' units are the engine's own chunks of [`CHUNK_RUNS`](super::CHUNK_RUNS) runs, merging
//! the shards folds the series sums in the same unit order as one machine does, so no
//! floating-point sum is reordered and the merged numbers are bit-identical. Shards are
//! numbered from 1, as `cargo nextest run --partition count:1/2` numbers its partitions, so
//! that `1/1` is the whole job.

use std::fmt;
use std::ops::Range;

/// Shard `index` of `count` (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// Largest number of shards: far beyond any array job a scheduler runs (Slurm's default
/// `MaxArraySize` is 1001), small enough that a mistyped count is caught.
pub const MAX_SHARDS: u32 = 1_000_000;

impl Shard {
    /// Shard `index` of `count`.
    ///
    /// # Errors
    /// An index outside `1..=count`, or a count of 0 or above [`MAX_SHARDS`], in words.
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the number of shards must be between 1 and {MAX_SHARDS}, not {count}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index}/{count}: shards are numbered from 1 to {count} (with a 0-based \
                 task index, such as Kubernetes' JOB_COMPLETION_INDEX, add 1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Reads `I/N`.
    ///
    /// # Errors
    /// Text that is not `I/N` with `1 <= I <= N`, in words.
    ///
    /// # Examples
    /// ```
    /// use leversim::engine::Shard;
    /// let s = Shard::parse("2/8").unwrap();
    /// assert_eq!((s.index(), s.count()), (2, 8));
    /// assert!(Shard::parse("0/8").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parts = text.trim().split_once('/');
        let number = |s: &str| s.trim().parse::<u32>().ok();
        match parts.map(|(i, n)| (number(i), number(n))) {
            Some((Some(i), Some(n))) => Shard::new(i, n),
            _ => Err(format!(
                "`{text}` is not I/N, e.g. 2/8 for the second of eight shards"
            )),
        }
    }

    /// The shard's number, from 1.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The number of shards.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// This shard's units among `units` units in order: a contiguous range, the shards' sizes
    /// differing by at most one unit (empty when there are more shards than units).
    pub fn range(&self, units: usize) -> Range<usize> {
        let at = |i: u32| (units as u128 * u128::from(i) / u128::from(self.count)) as usize;
        at(self.index - 1)..at(self.index)
    }

    /// Whether unit `unit` of work whose number of units is not known ahead (a sensitivity
    /// analysis's designs, numbered in the order they run) is this shard's: every `count`-th
    /// unit, which also spreads designs of different cost evenly.
    pub fn takes(&self, unit: usize) -> bool {
        unit % self.count as usize == (self.index - 1) as usize
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_unit_once_in_order() {
        for units in [0, 1, 5, 6, 977, 1000] {
            for count in [1, 2, 3, 7, 8, 1000, 1500] {
                let mut next = 0;
                let mut sizes = Vec::new();
                for i in 1..=count {
                    let r = Shard::new(i, count).unwrap().range(units);
                    assert_eq!(r.start, next, "{units} units, shard {i}/{count}");
                    next = r.end;
                    sizes.push(r.len());
                }
                assert_eq!(next, units);
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "{units} units in {count} shards: {sizes:?}");
            }
        }
    }

    #[test]
    fn round_robin_takes_each_unit_once() {
        for count in [1, 3, 8] {
            for unit in 0..50 {
                let owners = (1..=count)
                    .filter(|&i| Shard::new(i, count).unwrap().takes(unit))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }

    #[test]
    fn parse_accepts_i_of_n_only() {
        assert_eq!(Shard::parse(" 3/4 ").unwrap().to_string(), "3/4");
        for bad in [
            "",
            "3",
            "3/",
            "/4",
            "a/4",
            "5/4",
            "0/4",
            "1/0",
            "-1/4",
            "1/2000000",
        ] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert!(Shard::parse("0/4").unwrap_err().contains("add 1"));
    }
}

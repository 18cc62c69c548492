//! The sampled per-run paths of a results folder (`paths.csv`, written for the variables of
//! `[output] paths`), and the run-by-run differences between two bundles computed from them.
//!
//! Common random numbers pair run *k* of every bundle: the difference of two bundles' paths
//! in the same run is the effect of the levers in one world. Its quantiles over runs (the
//! spread of the effect) are what a difference fan chart draws; the marginal percentiles of
//! `series.csv` cannot give them, since the quantile of a difference is not the difference of
//! quantiles. The mean difference comes with its standard error (simulation precision).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::output::folder::{MAX_CSV_BYTES, open_bounded};
use crate::output::schema::{Month, PATHS_COLUMNS};

/// The sampled paths: by (bundle, variable), each sampled run's values by month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Paths {
    /// The months, as decimal years, in order.
    pub months: Vec<f64>,
    /// (bundle, variable) → run → value per month (NaN where missing).
    pub runs: BTreeMap<(String, String), BTreeMap<u64, Vec<f64>>>,
}

/// One month of the run-by-run difference between a bundle and the reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiffPoint {
    /// The month as a decimal year.
    pub t: f64,
    /// 5th, 25th, 50th, 75th and 95th percentiles of the differences over runs.
    pub p: [f64; 5],
    /// Mean difference.
    pub mean: f64,
    /// Standard error of the mean difference (simulation precision).
    pub se: f64,
    /// Runs paired.
    pub n: usize,
}

impl Paths {
    /// Reads `dir/paths.csv`; `None` when the folder has none.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not a paths table.
    pub fn read(dir: &Path) -> Result<Option<Paths>> {
        let path = dir.join("paths.csv");
        if !path.is_file() {
            return Ok(None);
        }
        let file = open_bounded(&path, MAX_CSV_BYTES)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(file);
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("could not read '{}'", path.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.len() < 3 || header[..3] != PATHS_COLUMNS {
            bail!(
                "'{}' does not start with the columns {PATHS_COLUMNS:?}",
                path.display()
            );
        }
        let vars = &header[3..];
        let mut month_index: BTreeMap<i64, usize> = BTreeMap::new();
        let mut rows: Vec<(String, u64, i64, Vec<f64>)> = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.with_context(|| format!("could not read '{}'", path.display()))?;
            let bad = || format!("'{}' line {line}", path.display());
            let run: u64 = record[1].parse().with_context(bad)?;
            let month = Month::parse(&record[2]).with_context(bad)?;
            let key = (month.decimal_year() * 12.0).round() as i64;
            month_index.insert(key, 0);
            let values = (3..record.len())
                .map(|c| {
                    let cell = &record[c];
                    if cell.is_empty() {
                        Ok(f64::NAN)
                    } else {
                        cell.parse::<f64>().with_context(bad)
                    }
                })
                .collect::<Result<Vec<f64>>>()?;
            rows.push((record[0].to_string(), run, key, values));
        }
        for (k, index) in month_index.values_mut().enumerate() {
            *index = k;
        }
        let months: Vec<f64> = month_index.keys().map(|m| *m as f64 / 12.0).collect();
        let mut runs: BTreeMap<(String, String), BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
        for (bundle, run, month, values) in rows {
            let m = month_index[&month];
            for (var, v) in vars.iter().zip(values) {
                let path = runs
                    .entry((bundle.clone(), var.clone()))
                    .or_default()
                    .entry(run)
                    .or_insert_with(|| vec![f64::NAN; months.len()]);
                path[m] = v;
            }
        }
        Ok(Some(Paths { months, runs }))
    }

    /// Whether `variable` has sampled paths in `bundle`.
    pub fn has(&self, bundle: &str, variable: &str) -> bool {
        self.runs
            .contains_key(&(bundle.to_string(), variable.to_string()))
    }

    /// Runs sampled in `bundle` for `variable`.
    pub fn sampled(&self, bundle: &str, variable: &str) -> usize {
        self.runs
            .get(&(bundle.to_string(), variable.to_string()))
            .map_or(0, BTreeMap::len)
    }

    /// The run-by-run difference `bundle − reference` of `variable`, month by month, over the
    /// runs sampled in both; `None` when either has no paths of it.
    pub fn differences(
        &self,
        bundle: &str,
        reference: &str,
        variable: &str,
    ) -> Option<Vec<DiffPoint>> {
        let key = |b: &str| (b.to_string(), variable.to_string());
        let a = self.runs.get(&key(bundle))?;
        let b = self.runs.get(&key(reference))?;
        let pairs: Vec<(&Vec<f64>, &Vec<f64>)> = a
            .iter()
            .filter_map(|(run, x)| b.get(run).map(|y| (x, y)))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let points = self
            .months
            .iter()
            .enumerate()
            .map(|(m, &t)| {
                let mut d: Vec<f64> = pairs
                    .iter()
                    .map(|(x, y)| x[m] - y[m])
                    .filter(|v| v.is_finite())
                    .collect();
                d.sort_by(f64::total_cmp);
                diff_point(t, &d)
            })
            .collect();
        Some(points)
    }
}

/// The summary of sorted differences `d` at month `t`.
fn diff_point(t: f64, d: &[f64]) -> DiffPoint {
    let n = d.len();
    let q = |p: f64| {
        if n == 0 {
            return f64::NAN;
        }
        let pos = p * (n - 1) as f64;
        let i = pos.floor() as usize;
        let frac = pos - i as f64;
        match d.get(i + 1) {
            Some(next) => d[i] + frac * (next - d[i]),
            None => d[i],
        }
    };
    let mean = if n == 0 {
        f64::NAN
    } else {
        d.iter().sum::<f64>() / n as f64
    };
    let se = if n < 2 {
        f64::NAN
    } else {
        let var = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (var / n as f64).sqrt()
    };
    DiffPoint {
        t,
        p: [q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)],
        mean,
        se,
        n,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        // Two months; the reference's run k has k, the bundle's k + 10 in month 0 and 2k in
        // month 1; run 4 is sampled in the bundle only.
        let mut runs = BTreeMap::new();
        let reference: BTreeMap<u64, Vec<f64>> =
            (0..4).map(|k| (k, vec![k as f64, k as f64])).collect();
        let mut bundle: BTreeMap<u64, Vec<f64>> = (0..4)
            .map(|k| (k, vec![k as f64 + 10.0, 2.0 * k as f64]))
            .collect();
        bundle.insert(4, vec![100.0, 100.0]);
        runs.insert(("ref".to_string(), "x".to_string()), reference);
        runs.insert(("b".to_string(), "x".to_string()), bundle);
        Paths {
            months: vec![2026.0, 2026.0 + 1.0 / 12.0],
            runs,
        }
    }

    #[test]
    fn differences_pair_runs_by_index() {
        let d = paths().differences("b", "ref", "x").unwrap();
        // Month 0: every paired difference is 10 (run 4 has no partner).
        assert_eq!(d[0].n, 4);
        assert_eq!(d[0].p, [10.0; 5]);
        assert_eq!((d[0].mean, d[0].se), (10.0, 0.0));
        // Month 1: differences 0, 1, 2, 3: quantiles by linear interpolation.
        assert_eq!(d[1].p[2], 1.5);
        assert!((d[1].p[0] - 0.15).abs() < 1e-12);
        assert!((d[1].p[4] - 2.85).abs() < 1e-12);
        // sd of 0..3 is sqrt(5/3); se = sd / 2.
        assert!((d[1].se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!(paths().differences("b", "ref", "y").is_none());
    }
}

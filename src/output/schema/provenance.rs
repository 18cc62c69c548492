//! What every results file says about where its numbers come from.
//!
//! [`Provenance`] is one struct, flattened into the manifest of every file leversim writes
//! (`summary.json`'s `manifest`, `comparison.json`'s `manifest`, the top level of `sweep.json`,
//! `sensitivity.json`'s `manifest`, and those of commands added later), so that the same
//! question (which scenario, which build, which seed, which command) has the same answer under
//! the same field names everywhere.

use serde::{Deserialize, Serialize};

/// Everything a result depends on, and how to get it again.
///
/// Fields that older files lack (`commit`, `posterior`; `files`, `rng`, `threads` and `bundles`
/// in a sweep; `overrides` and `bundles` in a sensitivity report) read as empty, so every
/// results file leversim ever wrote can be read.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Provenance {
    /// Scenario path as given.
    pub scenario: String,
    /// SHA-256 of the scenario file (and, in order, of every file it extends).
    pub scenario_sha256: String,
    /// Files read, in load order, each with its SHA-256.
    pub files: Vec<FileHash>,
    /// leversim version.
    pub version: String,
    /// Git commit leversim was built from, when the build knew it (the `LEVERSIM_GIT_COMMIT`
    /// environment variable at build time); `null` otherwise.
    pub commit: Option<String>,
    /// Versions of the crates that produce the random numbers.
    pub rng: RngInfo,
    /// Master seed.
    pub seed: u64,
    /// Runs: per bundle (`summary.json`, `comparison.json`), per grid point (`sweep.json`), in
    /// all (`sensitivity.json`).
    pub runs: u64,
    /// Worker threads used (the numbers do not depend on it).
    pub threads: usize,
    /// Bundles run, in order (a sweep's and an analysis's base bundle).
    pub bundles: Vec<String>,
    /// `--set` overrides, in the order given.
    pub overrides: Vec<Override>,
    /// The command that reproduces these results, quoted for a POSIX shell.
    pub command: String,
    /// The calibration the runs rest on, when their params were drawn from a posterior;
    /// `null` for the scenario's own distributions.
    pub posterior: Option<Posterior>,
}

/// The git commit of this build, when known.
pub fn build_commit() -> Option<String> {
    option_env!("LEVERSIM_GIT_COMMIT")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// A file and its hash.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FileHash {
    /// Path.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Generator and sampler versions.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RngInfo {
    /// The stream construction.
    pub streams: String,
    /// rand version.
    pub rand: String,
    /// rand_distr version.
    pub rand_distr: String,
    /// rand_xoshiro version.
    pub rand_xoshiro: String,
}

/// A `--set NAME=VALUE`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Override {
    /// Param or lever.
    pub name: String,
    /// Value.
    pub value: f64,
}

/// A calibration (posterior of the params) that runs drew their params from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Posterior {
    /// The calibration's results file, as given.
    pub path: String,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// How long the work took.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Timing {
    /// Wall time, seconds.
    pub elapsed_s: f64,
    /// Runs (all bundles) per second of wall time.
    pub runs_per_s: f64,
}

impl Timing {
    /// The timing of `runs` runs in `elapsed`.
    pub fn of(runs: u64, elapsed: std::time::Duration) -> Timing {
        let elapsed_s = elapsed.as_secs_f64();
        Timing {
            elapsed_s,
            runs_per_s: if elapsed_s > 0.0 {
                runs as f64 / elapsed_s
            } else {
                0.0
            },
        }
    }
}

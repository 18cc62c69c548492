//! Shard folders: what one shard of a job (`--shard I/N`) leaves for `leversim merge`.
//!
//! A shard folder is written like a results folder (atomically, through [`ResultsWriter`],
//! with the `.leversim` marker, so that leversim replaces only shard folders it wrote) and
//! holds two files:
//!
//! - `shard.json` ([`ShardHeader`]): the shard's position (`I/N`, its units), the command
//!   that made it and the words that re-create that command for the merge, the fingerprint of
//!   everything the results depend on (the one `--resume` checks: scenario files' SHA-256,
//!   seed, runs, bundles, flags, version), the full provenance, the shard's runs and time, and
//!   the SHA-256 of the state;
//! - `state.bin`: the shard's finished work, exact to the bit: the engine's state of its units
//!   (`output::partial::encode_partial`: each run's outcome values, the series sums waiting to
//!   be folded in unit order, the quantile sketches) or a sensitivity analysis's finished
//!   design units (`encode_kept`).
//!
//! The state is the one an interrupted command keeps for `--resume`, so the merge needs no
//! format of its own and continues through the code that writes every results folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::ResultsWriter;
use super::folder::{self, Target};
use super::partial::{STATE_FILE, sha256_hex};
use super::schema::Provenance;

/// Name of the header file of a shard folder.
pub const SHARD_FILE: &str = "shard.json";
/// Version of the shard folder's format; a folder of another format is not merged.
const FORMAT: u32 = 1;
/// Largest state file read back (as for `--resume`).
const MAX_STATE_BYTES: u64 = 64 << 30;

/// What `shard.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardHeader {
    /// Format of the shard folder.
    pub format: u32,
    /// The shard's position, `I/N`.
    pub shard: String,
    /// The shard's number, from 1.
    pub index: u32,
    /// The number of shards of the job.
    pub count: u32,
    /// The subcommand (`run`, `compare`, `sweep`, `sensitivity`).
    pub command: String,
    /// The command's words after `leversim`, without `--shard`, `--out` and `--resume`: what
    /// the merge parses again to write the results as this command would.
    pub args: Vec<String>,
    /// The results folder of the whole job (the merge's default `--out`).
    pub out: String,
    /// The folder the shard ran in (relative paths in `args` are relative to it).
    pub cwd: String,
    /// Everything the results depend on, as (what, value) pairs in a fixed order; equal in
    /// every shard of a job.
    pub fingerprint: Vec<(String, String)>,
    /// Which units of work the shard ran: `a..b` of the plan's units (chunks of 1,024 runs
    /// per bundle), or `every N-th from I-1` for a sensitivity design.
    pub units: String,
    /// Runs the shard did.
    pub runs_done: u64,
    /// Runs of the whole job.
    pub runs_planned: u64,
    /// Wall time of the shard's runs, seconds.
    pub elapsed_s: f64,
    /// SHA-256 of `state.bin`, so that a damaged state is refused rather than merged.
    pub state_sha256: String,
    /// Where the shard's numbers come from (its `command` is the shard's own).
    pub provenance: Provenance,
}

/// The shard folder of shard `index` of `count` of the job whose results go to `out`:
/// `<out>.shard-I-of-N` beside it.
pub fn shard_dir(out: &Path, index: u32, count: u32) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{name}.shard-{index}-of-{count}"))
}

/// Writes a shard folder at `dir` (replacing only a folder leversim wrote). Returns the folder.
///
/// # Errors
/// [`folder::Refused`] when something leversim did not write is at
/// `dir`; I/O errors.
pub fn write(dir: &Path, mut header: ShardHeader, state: &[u8]) -> Result<PathBuf> {
    header.format = FORMAT;
    header.state_sha256 = sha256_hex(state);
    let writer = ResultsWriter::begin(dir)?;
    let path = writer.dir().join(STATE_FILE);
    std::fs::write(&path, state)
        .with_context(|| format!("could not write '{}' (is the disk full?)", path.display()))?;
    writer.write_json(SHARD_FILE, &header)?;
    writer.commit()
}

/// Reads the header of the shard folder `dir`.
///
/// # Errors
/// When `dir` is not a shard folder leversim wrote, or its header is unreadable or of another
/// format; the message names the folder.
pub fn read_header(dir: &Path) -> Result<ShardHeader> {
    match folder::inspect(dir, "merge")? {
        Target::Absent => bail!("'{}' does not exist", dir.display()),
        Target::Empty => bail!("'{}' is empty, not a shard folder", dir.display()),
        Target::Owned(marker) if !marker.entries.iter().any(|e| e == SHARD_FILE) => bail!(
            "'{}' is not a shard folder (it has no {SHARD_FILE}; shard folders are written by \
             a command with --shard I/N)",
            dir.display()
        ),
        Target::Owned(_) => {}
    }
    let text = folder::read_bounded(&dir.join(SHARD_FILE), folder::MAX_JSON_BYTES)?;
    let header: ShardHeader = serde_json::from_slice(&text)
        .with_context(|| format!("'{}' is not a shard header", dir.join(SHARD_FILE).display()))?;
    if header.format != FORMAT {
        bail!(
            "'{}' was written by another version of leversim (format {}, this one reads {FORMAT})",
            dir.display(),
            header.format
        );
    }
    Ok(header)
}

/// Reads the state of the shard folder `dir`, checked against its header's SHA-256.
///
/// # Errors
/// An unreadable or damaged state; the message names the file.
pub fn read_state(dir: &Path, header: &ShardHeader) -> Result<Vec<u8>> {
    let path = dir.join(STATE_FILE);
    let state = folder::read_bounded(&path, MAX_STATE_BYTES)?;
    if sha256_hex(&state) != header.state_sha256 {
        bail!(
            "'{}' is damaged (its SHA-256 is not the one recorded)",
            path.display()
        );
    }
    Ok(state)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shard_folders_sit_beside_the_results_folder() {
        assert_eq!(
            shard_dir(Path::new("output/korea-russia"), 2, 8),
            Path::new("output/korea-russia.shard-2-of-8")
        );
    }
}

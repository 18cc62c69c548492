//! Keeping the finished part of an interrupted command on disk, for `--resume`.
//!
//! An interrupted `run`, `compare`, `sweep`, `sensitivity` or `calibrate` keeps what it finished in a folder
//! beside its results folder, `<out>.partial/`, written like a results folder (atomically,
//! through [`ResultsWriter`], with the `.leversim` marker that lets leversim replace or remove it
//! later and refuses anything it did not write). It holds two files:
//!
//! - `resume.json` ([`Header`]): the command, a fingerprint of everything the results depend on
//!   (scenario files' SHA-256, seed, runs, bundles, flags, version) to refuse a resume of a
//!   different command, how many runs are kept, and the SHA-256 of the state;
//! - `state.bin`: the finished work, in a compact binary form ([`encode_partial`], or the
//!   caller's own bytes), exact to the bit.
//!
//! Its size is bounded by the finished runs' outcome values and the series sketches: the same
//! order as the results folder itself.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ResultsWriter;
use super::folder::{self, Target};
use crate::calibrate::smc::{Checkpoint, Particles, Stage};
use crate::engine::{Fault, FaultKind, Partial, UnitDone};
use crate::scenario::Month;
use crate::sensitivity::exec::{Kept, KeptUnit};
use crate::stats::QuantileSketch;

/// Name of the header file.
pub const HEADER_FILE: &str = "resume.json";
/// Name of the state file.
pub const STATE_FILE: &str = "state.bin";
/// Version of the state's byte format; a folder of another format is not resumed.
const FORMAT: u32 = 1;
/// Largest state file read back (the outcome values of a billion runs would not fit anyway).
const MAX_STATE_BYTES: u64 = 64 << 30;

/// What `resume.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Byte format of `state.bin`.
    pub format: u32,
    /// The command that was interrupted, as typed (quoted for a POSIX shell).
    pub command: String,
    /// Everything the results depend on, as (what, value) pairs in a fixed order.
    pub fingerprint: Vec<(String, String)>,
    /// Runs finished (over all bundles or design points).
    pub runs_done: u64,
    /// Runs planned.
    pub runs_planned: u64,
    /// SHA-256 of `state.bin`, so that a damaged state is refused rather than resumed.
    pub state_sha256: String,
}

/// The folder that keeps an interrupted command's finished work: `<out>.partial` beside the
/// results folder `out`.
pub fn partial_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{name}.partial"))
}

/// Writes the finished work of the command whose results go to `out`, replacing an earlier
/// partial folder of leversim's. Returns the folder.
///
/// # Errors
/// [`folder::Refused`] when something leversim did not write is at the folder's path; I/O errors.
pub fn save(out: &Path, mut header: Header, state: &[u8]) -> Result<PathBuf> {
    let dir = partial_dir(out);
    header.format = FORMAT;
    header.state_sha256 = hex(&Sha256::digest(state));
    let writer = ResultsWriter::begin(&dir)?;
    let path = writer.dir().join(STATE_FILE);
    std::fs::write(&path, state)
        .with_context(|| format!("could not write '{}' (is the disk full?)", path.display()))?;
    writer.write_json(HEADER_FILE, &header)?;
    writer.commit()
}

/// Reads the partial folder beside `out`: `Ok(None)` when there is none.
///
/// # Errors
/// When the folder is not leversim's, or its files are unreadable, of another format, or
/// damaged (the state's SHA-256 differs from the header's).
pub fn load(out: &Path) -> Result<Option<(Header, Vec<u8>)>> {
    let dir = partial_dir(out);
    match folder::inspect(&dir, "resume from")? {
        Target::Absent => return Ok(None),
        Target::Empty => bail!("'{}' is empty", dir.display()),
        Target::Owned(_) => {}
    }
    let text = folder::read_bounded(&dir.join(HEADER_FILE), folder::MAX_JSON_BYTES)?;
    let header: Header = serde_json::from_slice(&text).with_context(|| {
        format!(
            "'{}' is not a resume header",
            dir.join(HEADER_FILE).display()
        )
    })?;
    if header.format != FORMAT {
        bail!(
            "'{}' was written by another version of leversim (format {}, this one reads {FORMAT})",
            dir.display(),
            header.format
        );
    }
    let state = folder::read_bounded(&dir.join(STATE_FILE), MAX_STATE_BYTES)?;
    if hex(&Sha256::digest(&state)) != header.state_sha256 {
        bail!(
            "'{}' is damaged (its SHA-256 is not the one recorded)",
            dir.join(STATE_FILE).display()
        );
    }
    Ok(Some((header, state)))
}

/// Removes the partial folder beside `out` once the command has finished, if it is leversim's
/// (anything else there is left alone).
pub fn discard(out: &Path) {
    let dir = partial_dir(out);
    if let Ok(Target::Owned(_)) = folder::inspect(&dir, "remove") {
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// What differs between a saved fingerprint and the current one, in words: `--seed was 5, now
/// 6`. Empty when they match.
pub fn differences(saved: &[(String, String)], now: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let value = |list: &[(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    let mut keys: Vec<&str> = now.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in saved {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    for key in keys {
        let (then, current) = (value(saved, key), value(now, key));
        if then == current {
            continue;
        }
        let show = |v: Option<String>| match v {
            None => "not given".to_string(),
            Some(v) if v.is_empty() => "not given".to_string(),
            Some(v) => v,
        };
        out.push(format!("{key} was {}, now {}", show(then), show(current)));
    }
    out
}

/// Lowercase hex of the SHA-256 of `bytes`: how state files are checked.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A little-endian byte writer for states.
#[derive(Default)]
pub struct Enc {
    /// The bytes so far.
    pub bytes: Vec<u8>,
}

impl Enc {
    /// Appends a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends an `f64`, exactly (its bits).
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    /// Appends a length-prefixed run of `f64`s.
    pub fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        self.bytes.reserve(v.len() * 8);
        for &x in v {
            self.f64(x);
        }
    }
    /// Appends a length-prefixed string.
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

/// The reader of [`Enc`]'s bytes; every read is checked, so damaged bytes give `None`.
pub struct Dec<'a> {
    /// Bytes not read yet.
    pub rest: &'a [u8],
}

impl Dec<'_> {
    /// Reads a `u64`.
    pub fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.rest.split_first_chunk::<8>()?;
        self.rest = rest;
        Some(u64::from_le_bytes(*head))
    }
    /// Reads a count of items that each take at least `min_bytes`, refusing one the remaining
    /// bytes cannot hold (so a damaged length never allocates wildly).
    pub fn len(&mut self, min_bytes: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(min_bytes.max(1))? <= self.rest.len()).then_some(n)
    }
    /// Reads an `f64`.
    pub fn f64(&mut self) -> Option<f64> {
        self.u64().map(f64::from_bits)
    }
    /// Reads a length-prefixed run of `f64`s.
    pub fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    /// Reads a length-prefixed string.
    pub fn str(&mut self) -> Option<String> {
        let n = self.len(1)?;
        let (head, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

/// The engine's finished work as bytes.
pub fn encode_partial(p: &Partial) -> Vec<u8> {
    let mut e = Enc::default();
    e.u64(p.done.len() as u64);
    for (&unit, done) in &p.done {
        e.u64(unit as u64);
        e.f64s(&done.outcomes);
        e.u64(done.faults.len() as u64);
        for f in &done.faults {
            encode_fault(&mut e, f);
        }
    }
    e.u64(p.sums_next as u64);
    e.u64(p.sums_totals.len() as u64);
    for t in &p.sums_totals {
        e.f64s(t);
    }
    e.u64(p.sums_waiting.len() as u64);
    for (&unit, sums) in &p.sums_waiting {
        e.u64(unit as u64);
        e.f64s(sums);
    }
    e.u64(p.sketches.len() as u64);
    for s in &p.sketches {
        s.encode(&mut e.bytes);
    }
    e.bytes
}

/// Reads [`encode_partial`]'s bytes; `None` when they are not such a state.
pub fn decode_partial(bytes: &[u8]) -> Option<Partial> {
    let mut d = Dec { rest: bytes };
    let mut done = std::collections::BTreeMap::new();
    for _ in 0..d.len(24)? {
        let unit = usize::try_from(d.u64()?).ok()?;
        let outcomes = d.f64s()?;
        let faults = (0..d.len(8)?)
            .map(|_| decode_fault(&mut d))
            .collect::<Option<Vec<_>>>()?;
        done.insert(unit, UnitDone { outcomes, faults });
    }
    let sums_next = usize::try_from(d.u64()?).ok()?;
    let sums_totals = (0..d.len(8)?)
        .map(|_| d.f64s())
        .collect::<Option<Vec<_>>>()?;
    let mut sums_waiting = std::collections::BTreeMap::new();
    for _ in 0..d.len(16)? {
        let unit = usize::try_from(d.u64()?).ok()?;
        sums_waiting.insert(unit, d.f64s()?);
    }
    let n = d.len(21)?;
    let mut sketches = Vec::with_capacity(n);
    for _ in 0..n {
        sketches.push(QuantileSketch::decode(&mut d.rest)?);
    }
    d.rest.is_empty().then_some(Partial {
        done,
        sums_next,
        sums_totals,
        sums_waiting,
        sketches,
    })
}

/// A sensitivity analysis's finished units as bytes.
pub fn encode_kept(kept: &Kept) -> Vec<u8> {
    let units = kept.units.lock().unwrap_or_else(|e| e.into_inner());
    let mut e = Enc::default();
    e.u64(units.len() as u64);
    for (&(design, unit), done) in units.iter() {
        e.u64(design as u64);
        e.u64(unit as u64);
        e.u64(done.rows as u64);
        e.f64s(&done.outcomes);
        e.u64(done.faulted.len() as u64);
        for &row in &done.faulted {
            e.u64(row as u64);
        }
    }
    e.bytes
}

/// Reads [`encode_kept`]'s bytes; `None` when they are not such a state.
pub fn decode_kept(bytes: &[u8]) -> Option<Kept> {
    let mut d = Dec { rest: bytes };
    let mut units = std::collections::BTreeMap::new();
    for _ in 0..d.len(40)? {
        let design = usize::try_from(d.u64()?).ok()?;
        let unit = usize::try_from(d.u64()?).ok()?;
        let rows = usize::try_from(d.u64()?).ok()?;
        let outcomes = d.f64s()?;
        let faulted = (0..d.len(8)?)
            .map(|_| d.u64().and_then(|r| usize::try_from(r).ok()))
            .collect::<Option<Vec<_>>>()?;
        units.insert(
            (design, unit),
            KeptUnit {
                rows,
                outcomes,
                faulted,
            },
        );
    }
    d.rest.is_empty().then(|| Kept {
        units: std::sync::Mutex::new(units),
    })
}

/// A calibration's state after its last finished stage as bytes.
pub fn encode_checkpoint(c: &Checkpoint) -> Vec<u8> {
    let mut e = Enc::default();
    let p = &c.particles;
    e.f64s(&p.z);
    e.u64(p.ids.len() as u64);
    for &id in &p.ids {
        e.u64(id);
    }
    e.f64s(&p.blocks);
    e.f64s(&p.ll);
    e.u64(p.ancestor.len() as u64);
    for &a in &p.ancestor {
        e.u64(a as u64);
    }
    e.f64s(&c.prior_z);
    e.f64(c.scale);
    e.f64(c.phi);
    e.f64(c.log_evidence);
    e.u64(c.stages.len() as u64);
    for st in &c.stages {
        for v in [st.phi, st.ess] {
            e.f64(v);
        }
        e.u64(st.moves as u64);
        for v in [
            st.acceptance,
            st.independent,
            st.refresh,
            st.scale,
            st.moved,
            st.carryover,
        ] {
            e.f64(v);
        }
        e.u64(st.ancestors as u64);
        e.f64(st.genealogy_ess);
        e.u64(st.sims);
        e.f64(st.elapsed);
    }
    e.u64(c.next_run);
    e.u64(c.runs);
    e.u64(c.faults);
    e.bytes
}

/// Reads [`encode_checkpoint`]'s bytes; `None` when they are not such a state.
pub fn decode_checkpoint(bytes: &[u8]) -> Option<Checkpoint> {
    let mut d = Dec { rest: bytes };
    let usize_of = |d: &mut Dec<'_>| d.u64().and_then(|v| usize::try_from(v).ok());
    let z = d.f64s()?;
    let ids = (0..d.len(8)?)
        .map(|_| d.u64())
        .collect::<Option<Vec<_>>>()?;
    let blocks = d.f64s()?;
    let ll = d.f64s()?;
    let ancestor = (0..d.len(8)?)
        .map(|_| usize_of(&mut d))
        .collect::<Option<Vec<_>>>()?;
    let prior_z = d.f64s()?;
    let (scale, phi, log_evidence) = (d.f64()?, d.f64()?, d.f64()?);
    let mut stages = Vec::new();
    for _ in 0..d.len(14 * 8)? {
        stages.push(Stage {
            phi: d.f64()?,
            ess: d.f64()?,
            moves: usize_of(&mut d)?,
            acceptance: d.f64()?,
            independent: d.f64()?,
            refresh: d.f64()?,
            scale: d.f64()?,
            moved: d.f64()?,
            carryover: d.f64()?,
            ancestors: usize_of(&mut d)?,
            genealogy_ess: d.f64()?,
            sims: d.u64()?,
            elapsed: d.f64()?,
        });
    }
    let (next_run, runs, faults) = (d.u64()?, d.u64()?, d.u64()?);
    d.rest.is_empty().then_some(Checkpoint {
        particles: Particles {
            z,
            ids,
            blocks,
            ll,
            ancestor,
        },
        prior_z,
        scale,
        phi,
        log_evidence,
        stages,
        next_run,
        runs,
        faults,
    })
}

fn encode_fault(e: &mut Enc, f: &Fault) {
    e.str(&f.var);
    match f.month {
        Some(m) => {
            e.u64(1);
            e.u64(u64::from(m.year().unsigned_abs()));
            e.u64(u64::from(m.month()));
        }
        None => e.u64(0),
    }
    e.str(&f.bundle);
    e.u64(f.run);
    e.f64(f.value);
    match f.kind {
        FaultKind::NonFinite => e.u64(0),
        FaultKind::Bound { min, max } => {
            e.u64(1);
            e.f64(min);
            e.f64(max);
        }
        FaultKind::Hazard => e.u64(2),
    }
}

fn decode_fault(d: &mut Dec<'_>) -> Option<Fault> {
    let var = d.str()?;
    let month = match d.u64()? {
        0 => None,
        1 => {
            let year = u32::try_from(d.u64()?).ok()?;
            let month = u32::try_from(d.u64()?).ok()?;
            Some(Month::new(year, month).ok()?)
        }
        _ => return None,
    };
    let bundle = d.str()?;
    let run = d.u64()?;
    let value = d.f64()?;
    let kind = match d.u64()? {
        0 => FaultKind::NonFinite,
        1 => FaultKind::Bound {
            min: d.f64()?,
            max: d.f64()?,
        },
        2 => FaultKind::Hazard,
        _ => return None,
    };
    Some(Fault {
        var,
        month,
        bundle,
        run,
        value,
        kind,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_round_trips_exactly() {
        let mut sketch = QuantileSketch::new();
        for x in [1.0, 2.5, -3.0, 0.0, 1e9] {
            sketch.push(x);
        }
        let fault = Fault {
            var: "x".into(),
            month: Some(Month::new(2024, 10).unwrap()),
            bundle: "base".into(),
            run: 17,
            value: f64::INFINITY,
            kind: FaultKind::Bound { min: 0.0, max: 1.0 },
        };
        let partial = Partial {
            done: [
                (
                    0,
                    UnitDone {
                        outcomes: vec![1.0, f64::NAN, -0.0],
                        faults: vec![fault.clone()],
                    },
                ),
                (
                    2,
                    UnitDone {
                        outcomes: vec![3.0],
                        faults: Vec::new(),
                    },
                ),
            ]
            .into(),
            sums_next: 1,
            sums_totals: vec![vec![0.1, 0.2]],
            sums_waiting: [(2, vec![0.3, 0.4])].into(),
            sketches: vec![sketch, QuantileSketch::new()],
        };
        let bytes = encode_partial(&partial);
        let back = decode_partial(&bytes).unwrap();
        // NaN != NaN: compare the bits of the outcome values, the rest with ==.
        assert_eq!(
            back.done[&0]
                .outcomes
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            partial.done[&0]
                .outcomes
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        );
        assert_eq!(back.done[&0].faults, vec![fault]);
        assert_eq!(back.done[&2], partial.done[&2]);
        assert_eq!(back.sums_totals, partial.sums_totals);
        assert_eq!(back.sums_waiting, partial.sums_waiting);
        assert_eq!(back.sketches, partial.sketches);
        for cut in 0..bytes.len() {
            assert!(decode_partial(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn a_checkpoint_round_trips_exactly() {
        let stage = Stage {
            phi: 0.25,
            ess: 50.0,
            moves: 3,
            acceptance: 0.3,
            independent: 0.1,
            refresh: 0.5,
            scale: 1.2,
            moved: 0.9,
            carryover: f64::NAN,
            ancestors: 7,
            genealogy_ess: 12.5,
            sims: 400,
            elapsed: 1.5,
        };
        let c = Checkpoint {
            particles: Particles {
                z: vec![0.1, -0.2, 0.3, 0.4],
                ids: vec![5, 9],
                blocks: vec![-1.0, f64::NEG_INFINITY],
                ll: vec![-1.0, f64::NEG_INFINITY],
                ancestor: vec![1, 1],
            },
            prior_z: vec![1.0, 2.0, 3.0, 4.0],
            scale: 1.68,
            phi: 0.25,
            log_evidence: -3.5,
            stages: vec![stage],
            next_run: 10,
            runs: 10,
            faults: 1,
        };
        let bytes = encode_checkpoint(&c);
        let back = decode_checkpoint(&bytes).unwrap();
        // NaN != NaN: compare the re-encoded bytes, which hold every value's bits.
        assert_eq!(encode_checkpoint(&back), bytes);
        assert_eq!(back.particles, c.particles);
        for cut in 0..bytes.len() {
            assert!(decode_checkpoint(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn differences_name_what_changed() {
        let kv = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let saved = kv(&[("--seed", "5"), ("--runs", "100"), ("--set", "")]);
        let now = kv(&[("--seed", "6"), ("--runs", "100"), ("--set", "a=1")]);
        assert_eq!(
            differences(&saved, &now),
            ["--seed was 5, now 6", "--set was not given, now a=1"]
        );
        assert!(differences(&saved, &saved).is_empty());
    }
}

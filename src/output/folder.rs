//! Which folders leversim may replace, and what a killed run left behind.
//!
//! Every results folder leversim writes holds a small marker file, [`MARKER`] (`.leversim`),
//! listing the files and folders it wrote there. A folder is replaced (or, by `leversim plot`,
//! redrawn) only when it is absent, empty, or carries a marker and holds nothing the marker does
//! not list. Anything else (a file, a symbolic link, a project folder, a results folder into
//! which the user has saved notes) is refused with a [`Refused`] error, so that no file leversim
//! did not write is ever deleted.
//!
//! Folders being written are siblings named `.<name>.tmp-<pid>`; a folder moved aside while the
//! new one is renamed into place is `.<name>.old-<pid>`. The process writing one holds an
//! advisory lock (`flock`) on it, so that another leversim (in another PID namespace, say) can
//! tell a live folder from one a killed run left behind without trusting process ids.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// Name of the marker file in every results folder.
pub const MARKER: &str = ".leversim";

/// Largest marker file read (a folder of many thousand charts lists well under 1 MB).
const MAX_MARKER_BYTES: u64 = 16 << 20;

/// Most entries looked at in a folder before giving up on it: far above any results folder,
/// small enough that pointing `--out` at a huge tree fails fast.
const MAX_ENTRIES: usize = 100_000;

/// The marker's content: who wrote the folder and what it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// `leversim <version>`.
    pub written_by: String,
    /// Every file and folder written, relative to the folder, `/`-separated, sorted; folders
    /// end with `/`.
    pub entries: Vec<String>,
}

/// What is at a results folder's path.
#[derive(Debug)]
pub enum Target {
    /// Nothing: the folder will be created.
    Absent,
    /// An empty folder: replacing it loses nothing.
    Empty,
    /// A results folder leversim wrote, holding only what its marker lists.
    Owned(Marker),
}

/// Why leversim will not replace or redraw a folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to {verb} '{path}': {reason}")]
pub struct Refused {
    /// `replace` or `redraw`.
    pub verb: &'static str,
    /// The folder, as given.
    pub path: String,
    /// What is there instead of a results folder leversim wrote.
    pub reason: String,
}

/// Looks at `dir` (without following a symbolic link at `dir` itself or inside it).
///
/// # Errors
/// [`Refused`] when `dir` is a file, a link, a folder leversim did not write, or a results
/// folder holding files its marker does not list; an I/O error when it cannot be read.
pub fn inspect(dir: &Path, verb: &'static str) -> Result<Target> {
    let refuse = |reason: String| Refused {
        verb,
        path: dir.display().to_string(),
        reason,
    };
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        // A parent that is a file: nothing can be there, and creating the parent will say why.
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Target::Absent);
        }
        Err(err) => {
            return Err(err).with_context(|| format!("could not look at '{}'", dir.display()));
        }
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(refuse("it is a symbolic link, not a results folder".into()).into());
    }
    if !kind.is_dir() {
        return Err(refuse("it is a file, not a results folder".into()).into());
    }
    let found = list(dir).with_context(|| format!("could not read '{}'", dir.display()))?;
    if found.is_empty() {
        return Ok(Target::Empty);
    }
    let Some(marker) = read_marker(dir) else {
        return Err(refuse(format!(
            "leversim did not write this folder (it has no {MARKER} file)"
        ))
        .into());
    };
    for entry in &found {
        let listed = entry.path == MARKER || marker.entries.binary_search(&entry.path).is_ok();
        if !listed {
            let what = if entry.regular || entry.path.ends_with('/') {
                "which leversim did not write"
            } else {
                "which is not a file leversim wrote"
            };
            return Err(refuse(format!("it holds '{}', {what}", entry.path)).into());
        }
        if !entry.regular && !entry.path.ends_with('/') {
            return Err(refuse(format!(
                "'{}' is not a regular file (a link, a device or a pipe)",
                entry.path
            ))
            .into());
        }
    }
    Ok(Target::Owned(marker))
}

/// One entry of a folder.
struct Entry {
    /// Relative path, `/`-separated; folders end with `/`.
    path: String,
    /// A regular file (not a link, device, pipe or socket).
    regular: bool,
}

/// Every entry under `dir`, without following links, at most [`MAX_ENTRIES`].
fn list(dir: &Path) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        for entry in fs::read_dir(&path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type()?;
            if out.len() >= MAX_ENTRIES {
                return Err(io::Error::other(format!(
                    "it holds more than {MAX_ENTRIES} files"
                )));
            }
            if kind.is_dir() {
                let rel = format!("{prefix}{name}/");
                pending.push((entry.path(), rel.clone()));
                out.push(Entry {
                    path: rel,
                    regular: false,
                });
            } else {
                out.push(Entry {
                    path: format!("{prefix}{name}"),
                    regular: kind.is_file(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The marker of `dir`, if it has a readable one.
pub fn read_marker(dir: &Path) -> Option<Marker> {
    let text = read_bounded(&dir.join(MARKER), MAX_MARKER_BYTES).ok()?;
    let mut marker: Marker = serde_json::from_slice(&text).ok()?;
    marker.entries.sort();
    Some(marker)
}

/// Writes the marker of `dir`, listing everything in it. Called last, so that a folder with a
/// marker is complete.
pub fn write_marker(dir: &Path) -> Result<()> {
    let entries = list(dir)
        .with_context(|| format!("could not read '{}'", dir.display()))?
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p != MARKER)
        .collect();
    let marker = Marker {
        written_by: format!("leversim {}", env!("CARGO_PKG_VERSION")),
        entries,
    };
    let text = serde_json::to_string_pretty(&marker).context("could not encode the marker")?;
    let path = dir.join(MARKER);
    fs::write(&path, text + "\n")
        .with_context(|| format!("could not write '{}' (is the disk full?)", path.display()))
}

/// Largest JSON file of a results folder that leversim reads back (`summary.json` of the
/// largest jobs is a few MB; a sensitivity report with monthly indices tens of MB).
pub const MAX_JSON_BYTES: u64 = 256 << 20;

/// Largest CSV file of a results folder that leversim reads back: `runs.csv` of a million runs
/// of ten bundles with ten outcomes is about 1.5 GB.
pub const MAX_CSV_BYTES: u64 = 8 << 30;

/// Opens the regular file at `path` for reading, refusing one longer than `limit` bytes.
///
/// # Errors
/// When the file is missing, not a regular file, or too long.
pub fn open_bounded(path: &Path, limit: u64) -> Result<File> {
    let file = open_regular(path)?;
    let len = file
        .metadata()
        .with_context(|| format!("could not read '{}'", path.display()))?
        .len();
    if len > limit {
        bail!(
            "'{}' is {} MB, more than the {} MB leversim reads from such a file",
            path.display(),
            len >> 20,
            limit >> 20
        );
    }
    Ok(file)
}

/// Reads at most `limit` bytes of the regular file at `path`.
///
/// A device or a pipe (`/dev/zero`, a FIFO) is refused, not read: results folders hold only
/// regular files, and reading one of those could block or never end.
///
/// # Errors
/// When the file is missing, not a regular file, longer than `limit`, or unreadable.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("could not read '{}'", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!(
            "'{}' is larger than the {} MB leversim reads from such a file",
            path.display(),
            limit >> 20
        );
    }
    Ok(bytes)
}

/// Opens `path` for reading if it is a regular file (checked on the opened file, so a swap
/// between a check and the open cannot slip a device in).
///
/// # Errors
/// When the file is missing or not a regular file.
pub fn open_regular(path: &Path) -> Result<File> {
    // A FIFO would block in `open` itself: look before opening, then check what was opened.
    let before =
        fs::metadata(path).with_context(|| format!("could not read '{}'", path.display()))?;
    if !before.is_file() {
        bail!(
            "'{}' is not a regular file (a folder, a device or a pipe)",
            path.display()
        );
    }
    let file = File::open(path).with_context(|| format!("could not read '{}'", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("could not read '{}'", path.display()))?;
    if !meta.is_file() {
        bail!("'{}' is not a regular file", path.display());
    }
    Ok(file)
}

/// An advisory lock on a folder, held while the value lives.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Takes the lock of folder `dir` if no other process holds it: `Ok(None)` when another does.
///
/// # Errors
/// When the folder cannot be opened.
pub fn try_lock(dir: &Path) -> io::Result<Option<DirLock>> {
    let file = File::open(dir)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DirLock { _file: file })),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(err)) => Err(err),
    }
}

/// Takes the lock of folder `dir`, waiting for another process to release it.
///
/// # Errors
/// When the folder cannot be opened or locked.
pub fn lock(dir: &Path) -> io::Result<DirLock> {
    let file = File::open(dir)?;
    file.lock()?;
    Ok(DirLock { _file: file })
}

/// A folder left behind by a killed run.
struct Leftover {
    path: PathBuf,
    lock: DirLock,
    /// When its marker was written, if it is complete.
    complete: Option<std::time::SystemTime>,
}

/// Cleans up after runs killed while writing `parent/name`: every `.<name>.tmp-<pid>` and
/// `.<name>.old-<pid>` folder whose lock nobody holds. If `name` itself is missing (a run was
/// killed between moving the old results aside and moving its own into place), the newest
/// complete leftover becomes `name` again rather than being deleted: results are never lost
/// before newer ones are in place.
pub fn recover(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    let mut leftovers = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let ours = prefixes.iter().any(|p| {
            file_name
                .strip_prefix(p.as_str())
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if !ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        // A folder whose lock is held belongs to a live run, wherever that run's PID lives.
        let Ok(Some(lock)) = try_lock(&path) else {
            continue;
        };
        let complete = read_marker(&path)
            .and_then(|_| fs::metadata(path.join(MARKER)).ok())
            .and_then(|m| m.modified().ok());
        leftovers.push(Leftover {
            path,
            lock,
            complete,
        });
    }
    let target = parent.join(name);
    if fs::symlink_metadata(&target).is_err()
        && let Some(newest) = leftovers
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.complete.map(|t| (t, i)))
            .max()
            .map(|(_, i)| i)
    {
        let restored = leftovers.swap_remove(newest);
        if fs::rename(&restored.path, &target).is_err() {
            // Could not put it back: keep it rather than delete the only copy.
            drop(restored);
            return;
        }
    }
    for leftover in leftovers {
        fs::remove_dir_all(&leftover.path).ok();
        drop(leftover.lock);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("leversim-folder-{name}-{}", std::process::id()));
        fs::remove_dir_all(&dir).ok();
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_marked_folders_holding_only_listed_files_are_ours() {
        let dir = temp("inspect");
        let out = dir.join("out");
        assert!(matches!(inspect(&out, "replace").unwrap(), Target::Absent));
        fs::create_dir(&out).unwrap();
        assert!(matches!(inspect(&out, "replace").unwrap(), Target::Empty));
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = inspect(&out, "replace").unwrap_err().to_string();
        assert!(err.contains("leversim did not write this folder"), "{err}");
        fs::remove_file(out.join("notes.txt")).unwrap();
        fs::create_dir(out.join("charts")).unwrap();
        fs::write(out.join("charts/a.png"), "png").unwrap();
        fs::write(out.join("summary.json"), "{}").unwrap();
        write_marker(&out).unwrap();
        let marker = read_marker(&out).unwrap();
        assert_eq!(marker.entries, ["charts/", "charts/a.png", "summary.json"]);
        assert!(matches!(
            inspect(&out, "replace").unwrap(),
            Target::Owned(_)
        ));
        // A file the user added afterwards makes the folder theirs too.
        fs::write(out.join("charts/notes.md"), "mine").unwrap();
        let err = inspect(&out, "replace").unwrap_err().to_string();
        assert!(err.contains("it holds 'charts/notes.md'"), "{err}");
        fs::remove_file(out.join("charts/notes.md")).unwrap();
        // A link in place of a listed file is not followed or accepted.
        fs::remove_file(out.join("summary.json")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", out.join("summary.json")).unwrap();
        let err = inspect(&out, "replace").unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_held_lock_keeps_a_leftover_and_a_released_one_does_not() {
        let dir = temp("locks");
        let live = dir.join(".out.tmp-1");
        let dead = dir.join(".out.tmp-2");
        fs::create_dir(&live).unwrap();
        fs::create_dir(&dead).unwrap();
        let held = try_lock(&live).unwrap().unwrap();
        assert!(
            try_lock(&live).unwrap().is_none(),
            "a second lock must fail"
        );
        fs::create_dir(dir.join("out")).unwrap();
        recover(&dir, "out");
        assert!(live.exists(), "a locked folder belongs to a live run");
        assert!(!dead.exists(), "an unlocked leftover is removed");
        drop(held);
        recover(&dir, "out");
        assert!(!live.exists());
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn read_bounded_refuses_devices_and_long_files() {
        let err = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dir = temp("bounded");
        let path = dir.join("big");
        fs::write(&path, vec![b'x'; 100]).unwrap();
        assert!(read_bounded(&path, 99).is_err());
        assert_eq!(read_bounded(&path, 100).unwrap().len(), 100);
        fs::remove_dir_all(&dir).ok();
    }
}

//! Nothing of the user's is lost through results folders (issue 15, items 1, 3 and 8): leversim
//! replaces only folders it wrote, `plot` trusts nothing in a folder, killed runs leave nothing
//! that costs results, and a signal is honoured from the first moment.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{leversim, temp_dir};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");

fn temp(name: &str) -> PathBuf {
    temp_dir("folders", name)
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// A small scenario at `dir/<file>`.
fn scenario(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    std::fs::write(
        &path,
        "[scenario]\nname = \"small\"\nstart = \"2024-01\"\nend = \"2024-12\"\nruns = 40\nseed = 2\n\
         [params]\na = { dist = \"normal\", mean = 10, sd = 1 }\n\
         [levers.k]\ndefault = 0\nrange = [0, 1]\n\
         [stocks]\ns = { init = 0 }\n[flows.f]\nto = \"s\"\nrate = \"a * (1 - k / 2)\"\n\
         [outcomes.s]\nexpr = \"s\"\n[bundles.base]\n[bundles.push]\nlevers = { k = 1 }\n",
    )
    .unwrap();
    path.display().to_string()
}

const HELP: &str = "  = help: leversim writes results only into a new or empty folder, or over a results folder it wrote itself; choose another --out, e.g. a folder that does not exist yet\n";

/// Each command's flags for a quick job writing to `out`.
fn commands(scenario: &str, out: &str) -> Vec<Vec<String>> {
    let quick: Vec<&str> = vec!["--no-charts", "--out", out];
    let all = [
        vec!["run", scenario, "--runs", "20"],
        vec!["compare", scenario, "--runs", "20"],
        vec!["sweep", scenario, "--lever", "k=0:1:0.5", "--runs", "20"],
        vec![
            "sensitivity",
            scenario,
            "--samples",
            "8",
            "--bootstrap",
            "10",
        ],
    ];
    all.into_iter()
        .map(|c| {
            c.into_iter()
                .chain(quick.iter().copied())
                .map(String::from)
                .collect()
        })
        .collect()
}

fn run(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    leversim(&args)
}

/// `--out` at the folder holding the scenario deleted it and everything else there, exit 0.
#[test]
fn no_command_replaces_a_folder_it_did_not_write() {
    let dir = temp("project");
    let project = dir.join("proj");
    std::fs::create_dir(&project).unwrap();
    let scenario = scenario(&project, "scenario.toml");
    let before = std::fs::read(&scenario).unwrap();
    let out = project.display().to_string();
    for args in commands(&scenario, &out) {
        let result = run(&args);
        assert_eq!(result.status.code(), Some(1), "{args:?}");
        assert_eq!(
            text(&result.stderr),
            format!(
                "error: refusing to replace '{out}': leversim did not write this folder (it has no .leversim file)\n{HELP}"
            ),
            "{args:?}"
        );
        assert_eq!(std::fs::read(&scenario).unwrap(), before, "{args:?}");
        let names: Vec<_> = std::fs::read_dir(&project).unwrap().collect();
        assert_eq!(names.len(), 1, "{args:?}: {names:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `--out notes.txt` replaced the file (hiding it under a dot-name); `--out link` replaced a
/// symbolic link.
#[test]
fn a_file_or_a_link_is_never_replaced() {
    let dir = temp("file-link");
    let scenario = scenario(&dir, "s.toml");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let target = dir.join("target");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "keep").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for (path, what) in [
        (&notes, "it is a file, not a results folder"),
        (&link, "it is a symbolic link, not a results folder"),
    ] {
        let out = path.display().to_string();
        for args in commands(&scenario, &out) {
            let result = run(&args);
            assert_eq!(result.status.code(), Some(1), "{args:?}");
            assert_eq!(
                text(&result.stderr),
                format!("error: refusing to replace '{out}': {what}\n{HELP}"),
            );
        }
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(target.join("keep.txt")).unwrap(),
        "keep"
    );
    let hidden: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// leversim replaces its own folder and an empty one; a file the user saved inside its own
/// folder makes that folder the user's too.
#[test]
fn own_and_empty_folders_are_replaced_but_not_with_a_user_file_inside() {
    let dir = temp("own");
    let scenario = scenario(&dir, "s.toml");
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.display().to_string();
    for args in commands(&scenario, &out) {
        // Each command replaces the results of the previous one: all are leversim's.
        let result = run(&args);
        assert!(
            result.status.success(),
            "{args:?}: {}",
            text(&result.stderr)
        );
        assert!(out_dir.join(".leversim").is_file());
    }
    let marker: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join(".leversim")).unwrap()).unwrap();
    assert!(
        marker["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "sensitivity.json"),
        "{marker}"
    );
    std::fs::write(out_dir.join("charts").join("my-notes.md"), "mine").unwrap();
    let result = run(&commands(&scenario, &out)[0]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        text(&result.stderr),
        format!(
            "error: refusing to replace '{out}': it holds 'charts/my-notes.md', which leversim did not write\n{HELP}"
        )
    );
    assert!(out_dir.join("charts/my-notes.md").is_file());
    std::fs::remove_dir_all(&dir).ok();
}

/// `--out /` failed only after every run had finished; now before the first.
#[test]
fn an_unusable_out_fails_before_the_first_run() {
    let dir = temp("root");
    let scenario = scenario(&dir, "s.toml");
    let started = Instant::now();
    // A billion runs would take hours: the refusal must come first.
    let out = leversim(&["run", &scenario, "--runs", "900000000", "--out", "/"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: '/' cannot be a results folder: give a folder name, e.g. --out results\n"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).ok();
}

/// A results folder of the chart fixture at `dir/results`.
fn results(dir: &Path) -> PathBuf {
    let out = dir.join("results");
    let result = leversim(&[
        "run",
        FIXTURE,
        "--runs",
        "60",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    out
}

/// A crafted `summary.json` (with a marker to match) named an outcome `../../escape`, and its
/// charts were written outside the folder.
#[test]
fn plot_keeps_crafted_names_inside_the_charts_folder() {
    let dir = temp("crafted");
    let folder = results(&dir);
    for file in ["summary.json", "runs.csv"] {
        let path = folder.join(file);
        let crafted = std::fs::read_to_string(&path)
            .unwrap()
            .replace("shells_by_2030", "../../escape");
        std::fs::write(&path, crafted).unwrap();
    }
    let out = leversim(&["plot", folder.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let outside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "results")
        .collect();
    assert!(
        outside.is_empty(),
        "written outside the folder: {outside:?}"
    );
    let charts: Vec<String> = std::fs::read_dir(folder.join("charts"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        charts
            .iter()
            .any(|n| n.starts_with("dist-______escape-") && n.ends_with(".png")),
        "{charts:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A symbolic link at a chart's path was followed and its target overwritten; a `series.csv`
/// that is `/dev/zero` (or a FIFO) aborted on memory (or blocked).
#[test]
fn plot_follows_no_link_and_reads_no_device() {
    let dir = temp("links");
    let folder = results(&dir);
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let chart = folder.join("charts/dist-shells_by_2030.png");
    std::fs::remove_file(&chart).unwrap();
    std::os::unix::fs::symlink(&victim, &chart).unwrap();
    let out = leversim(&["plot", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let shown = folder.display();
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: refusing to redraw '{shown}': 'charts/dist-shells_by_2030.png' is not a regular file (a link, a device or a pipe)\n  = help: `leversim plot` redraws only results folders that leversim wrote (they hold a .leversim file listing their files)\n"
        )
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // series.csv as a FIFO: refused at once instead of blocking (a device would be read
    // until memory ran out).
    std::fs::remove_file(&chart).unwrap();
    let series = folder.join("series.csv");
    std::fs::remove_file(&series).unwrap();
    let status = Command::new("mkfifo").arg(&series).status().unwrap();
    assert!(status.success());
    let (code, stderr) = run_with_timeout(&["plot", folder.to_str().unwrap()], 20);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("'series.csv' is not a regular file"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A folder without leversim's marker is not redrawn, whatever files it has.
#[test]
fn plot_redraws_only_folders_leversim_wrote() {
    let dir = temp("unmarked");
    let folder = results(&dir);
    std::fs::remove_file(folder.join(".leversim")).unwrap();
    let out = leversim(&["plot", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&format!(
            "error: refusing to redraw '{}': leversim did not write this folder (it has no .leversim file)\n",
            folder.display()
        )),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs leversim with `args`, killing it after `seconds`: its exit code and stderr.
fn run_with_timeout(args: &[&str], seconds: u64) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        if started.elapsed() > Duration::from_secs(seconds) {
            child.kill().ok();
            child.wait().ok();
            panic!("leversim {args:?} did not finish within {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A folder being written by a live run elsewhere (another PID namespace: its PID means
/// nothing here) is locked, and must survive; an unlocked leftover is removed.
#[test]
fn a_locked_temporary_folder_is_left_to_its_live_run() {
    let dir = temp("locked");
    let scenario = scenario(&dir, "s.toml");
    // No process 4000000 exists here; the lock says the folder is alive all the same.
    let live = dir.join(".out.tmp-4000000");
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join("runs.csv"), "bundle,run,s\n").unwrap();
    let lock = std::fs::File::open(&live).unwrap();
    lock.lock().unwrap();
    // An unlocked leftover whose PID is alive (1 always is) is a leftover all the same.
    let dead = dir.join(".out.tmp-1");
    std::fs::create_dir(&dead).unwrap();
    let out_dir = dir.join("out");
    let out = leversim(&["run", &scenario, "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        live.join("runs.csv").is_file(),
        "a live run's folder was removed"
    );
    assert!(!dead.exists(), "a leftover was kept");
    drop(lock);
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes a complete results folder (marker included) with `runs.csv` holding `tag`.
fn complete_folder(path: &Path, tag: &str) {
    std::fs::create_dir_all(path.join("charts")).unwrap();
    std::fs::write(path.join("runs.csv"), tag).unwrap();
    std::fs::write(
        path.join(".leversim"),
        r#"{"written_by": "leversim 0.1.0", "entries": ["charts/", "runs.csv"]}"#,
    )
    .unwrap();
}

/// A kill between the two renames of a commit leaves the old results and the new ones beside
/// each other and no folder at the name; the next run deleted both before writing anything.
#[test]
fn the_newest_complete_results_survive_a_kill_between_renames() {
    let dir = temp("renames");
    let scenario = scenario(&dir, "s.toml");
    complete_folder(&dir.join(".out.old-4000001"), "old");
    std::thread::sleep(Duration::from_millis(20));
    complete_folder(&dir.join(".out.tmp-4000001"), "new");
    let out_dir = dir.join("out");
    // A run that faults after checking its results folder: it must still leave the newest
    // complete results in place.
    let faulty = dir.join("faulty.toml");
    std::fs::write(
        &faulty,
        "[scenario]\nname = \"f\"\nstart = \"2024-01\"\nend = \"2024-03\"\n[aux]\nx = \"1 / (t - 1)\"\n[outcomes.x]\nexpr = \"x\"\n",
    )
    .unwrap();
    let out = leversim(&[
        "run",
        faulty.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("runs.csv")).unwrap(),
        "new",
        "the newest complete results must be back in place"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The next successful run replaces them as usual.
    let out = leversim(&["run", &scenario, "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(out_dir.join("runs.csv"))
            .unwrap()
            .starts_with("bundle,run")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `extends` naming a FIFO blocked forever.
#[test]
fn extends_opens_only_regular_files() {
    let dir = temp("fifo");
    let fifo = dir.join("base.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let variant = dir.join("variant.toml");
    std::fs::write(&variant, "extends = \"base.toml\"\n").unwrap();
    let (code, stderr) = run_with_timeout(&["validate", variant.to_str().unwrap()], 20);
    assert_eq!(code, Some(1));
    let path = fifo.display();
    assert!(
        stderr.starts_with(&format!(
            "error[extends]: cannot read `{path}`: it is not a regular file (a device, a pipe or a socket); `extends` names a scenario file\n"
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The first SIGTERM while a scenario was still loading was swallowed.
#[test]
fn the_first_signal_is_honoured_while_loading() {
    let dir = temp("signal");
    // Opening a FIFO nobody writes to blocks: loading never ends by itself.
    let fifo = dir.join("slow.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args(["run", fifo.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            child.wait().ok();
            panic!("the first SIGTERM was ignored");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(stderr, "interrupted: no results were written\n");
    std::fs::remove_dir_all(&dir).ok();
}

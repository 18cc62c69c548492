//! The bad-scenario corpus: `leversim validate` on every `tests/bad/*.toml` (and on a few huge
//! files generated here at run time) must exit 1 and print exactly the diagnostics in
//! `tests/bad/<case>.stderr`.
//!
//! The snapshots are the test: read a changed one as an analyst would before accepting it. To
//! rewrite them deliberately after changing a message:
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test --test it bad::
//! git diff tests/bad/   # review every change
//! ```
//!
//! Snapshots are rewritten only when `UPDATE_SNAPSHOTS` is exactly `1`, and never when `CI` is
//! set to anything (`.ci/run` exports `CI=true`): any other value, an empty one included, only
//! compares, and a mismatch fails. A rewrite names every file it changed on stderr. Besides the exact text, every
//! case is checked for what analysts rely on: exit code 1, nothing on stdout, a
//! `file:line:column` (except where no position exists), and a hint on every unknown-name,
//! unknown-key and unknown-function error.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Cases whose problem has no position in a file (the file cannot be read at all).
const NO_POSITION: &[&str] = &["huge-file"];

/// What a generated case's file holds; too big (or too silly) to commit.
fn generated() -> Vec<(&'static str, Vec<u8>)> {
    const HEAD: &str = "[scenario]\nname = \"bad\"\nstart = \"2024-01\"\nend = \"2026-12\"\n";
    let deep = 100_000;
    let padding = format!("# {}\n", "x".repeat(60));
    let mut cycle = format!("{HEAD}[aux]\n");
    for i in 0..20_000 {
        cycle.push_str(&format!("a{i} = \"a{} + 1\"\n", i + 1));
    }
    cycle.push_str("a20000 = \"a0\"\n");
    let text = |s: String| s.into_bytes();
    vec![
        // 12.6 MB, under the 16 MB limit: the error on its last lines is found and located.
        (
            "big-file-error-at-end",
            text(format!(
                "{HEAD}{}[aux]\nx = \"shell_outptu\"\n[params]\nshell_output = 1\n",
                padding.repeat(200_000)
            )),
        ),
        // 17.6 MB: refused before it is read.
        (
            "huge-file",
            text(format!("{HEAD}{}", padding.repeat(280_000))),
        ),
        (
            "formula-deep-parens",
            text(format!(
                "{HEAD}[aux]\nx = \"{}1{}\"\n",
                "(".repeat(deep),
                ")".repeat(deep)
            )),
        ),
        (
            "formula-long-chain",
            text(format!(
                "{HEAD}[aux]\nx = \"{}\"\n",
                vec!["1"; deep].join(" + ")
            )),
        ),
        (
            "toml-deep-arrays",
            text(format!(
                "{HEAD}[levers.x]\ndefault = 0\nrange = {}{}\n",
                "[".repeat(deep),
                "]".repeat(deep)
            )),
        ),
        (
            "toml-deep-inline-tables",
            text(format!(
                "{HEAD}[stocks]\ns = {}1{}\n",
                "{ a = ".repeat(deep),
                " }".repeat(deep)
            )),
        ),
        (
            "toml-long-dotted-key",
            text(format!("{HEAD}[{}]\nx = 1\n", vec!["a"; deep].join("."))),
        ),
        ("cycle-20000-aux", text(cycle)),
    ]
}

/// One case: its name, the folder to run in, and the path given to `leversim validate`.
struct Case {
    name: String,
    dir: PathBuf,
    arg: String,
}

fn committed() -> Vec<Case> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("tests/bad"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|file| file.strip_suffix(".toml").map(str::to_string))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| Case {
            arg: format!("tests/bad/{name}.toml"),
            dir: PathBuf::from(ROOT),
            name,
        })
        .collect()
}

/// Writes the generated files under `<temp>/tests/bad/`, so that they are named in messages just
/// as the committed ones are.
fn write_generated(temp: &Path) -> Vec<Case> {
    std::fs::create_dir_all(temp.join("tests/bad")).unwrap();
    generated()
        .into_iter()
        .map(|(name, bytes)| {
            let arg = format!("tests/bad/{name}.toml");
            std::fs::write(temp.join(&arg), bytes).unwrap();
            Case {
                name: name.to_string(),
                dir: temp.to_path_buf(),
                arg,
            }
        })
        .collect()
}

/// Everything wrong with one case's output, or nothing.
fn check(case: &Case, update: bool, rewritten: &mut Vec<String>) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_leversim"))
        .args(["validate", &case.arg])
        .current_dir(&case.dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!("exit code {:?}, expected 1", out.status.code()));
    }
    if !out.stdout.is_empty() {
        problems.push("printed to stdout".into());
    }
    // ` --> tests/bad/x.toml:12:5` (the file may be another one of the case's, via `extends`).
    let has_position = stderr.lines().any(|line| {
        line.trim_start()
            .strip_prefix("--> tests/bad/")
            .is_some_and(|place| {
                let mut parts = place.rsplit(':');
                let number = |p: Option<&str>| p.is_some_and(|p| p.parse::<u32>().is_ok());
                number(parts.next()) && number(parts.next())
            })
    });
    if !has_position && !NO_POSITION.contains(&case.name.as_str()) {
        problems.push("no `--> tests/bad/<file>:line:column` in the output".into());
    }
    for block in stderr.split("\n\n") {
        let unknown = [
            "error[unknown-name]",
            "error[unknown-key]",
            "error[unknown-function]",
        ];
        if unknown.iter().any(|u| block.starts_with(u)) && !block.contains("= help:") {
            problems.push(format!("no hint for:\n{block}"));
        }
    }
    let snapshot = Path::new(ROOT).join(format!("tests/bad/{}.stderr", case.name));
    let expected = std::fs::read_to_string(&snapshot).ok();
    if expected.as_deref() != Some(stderr.as_str()) {
        if update {
            std::fs::write(&snapshot, &stderr).unwrap();
            rewritten.push(snapshot.display().to_string());
        } else {
            problems.push(format!(
                "stderr differs from {}:\n--- expected\n{}\n--- actual\n{stderr}",
                snapshot.display(),
                expected.as_deref().unwrap_or("(no snapshot)")
            ));
        }
    }
    problems
}

#[test]
fn snapshots_are_rewritten_only_on_request_and_never_in_ci() {
    let os = |v: &str| Some(OsStr::new(v).to_owned());
    let cases = [
        (None, os("1"), true),
        (None, None, false),
        (None, os("0"), false),
        (None, os(""), false),
        (None, os("true"), false),
        (None, os("yes"), false),
        (os("true"), os("1"), false),
        (os("1"), os("1"), false),
        (os("yes"), os("1"), false),
        (os(""), os("1"), false),
        (os("false"), os("1"), false),
    ];
    for (ci, update, want) in cases {
        assert_eq!(
            crate::util::may_rewrite(ci.as_deref(), update.as_deref()),
            want,
            "CI={ci:?} UPDATE_SNAPSHOTS={update:?}"
        );
    }
}

#[test]
fn every_bad_scenario_gets_its_snapshotted_diagnostics() {
    let update = crate::util::rewrite_requested();
    let mut rewritten = Vec::new();
    let temp = std::env::temp_dir().join(format!("leversim-bad-{}", std::process::id()));
    let mut cases = committed();
    assert!(cases.len() >= 40, "only {} bad scenarios", cases.len());
    cases.extend(write_generated(&temp));
    let mut failures = Vec::new();
    for case in &cases {
        let problems = check(case, update, &mut rewritten);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, problems.join("\n  ")));
        }
    }
    std::fs::remove_dir_all(&temp).ok();
    crate::util::report_rewrites(&rewritten);
    // Every snapshot belongs to a case, so a renamed case leaves no stale file behind.
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests/bad")).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(name) = file.strip_suffix(".stderr")
            && !names.contains(&name)
        {
            failures.push(format!("{file}: a snapshot without a case"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad scenarios failed (UPDATE_SNAPSHOTS=1 rewrites the snapshots):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Runs `f` on a thread with a 1 MiB stack (half of Rust's default for spawned threads), so
/// that unbounded recursion in parsing or compiling would crash the test.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let cases: Vec<(&str, Vec<u8>)> = generated()
        .into_iter()
        .filter(|(name, _)| name.contains("deep") || name.contains("long"))
        .collect();
    assert_eq!(cases.len(), 5);
    for (name, bytes) in cases {
        let rendered = on_small_stack(move || {
            let text = String::from_utf8(bytes).unwrap();
            crate::util::errors(&text)
        });
        assert!(rendered.contains("error["), "{name}: {rendered}");
    }
}

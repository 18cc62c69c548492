//! Hostile and careless input (issue 15, items 2, 4, 5, 6 and 10): reproducing one run touches
//! no results, text from a scenario cannot attack a spreadsheet or a terminal, commands are
//! quoted for a shell, numbers never silently overflow, and every command takes the same flags.

use std::path::{Path, PathBuf};

use crate::util::{leversim, temp_dir};

fn temp(name: &str) -> PathBuf {
    temp_dir("hostile", name)
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn write(dir: &Path, file: &str, body: &str) -> String {
    let path = dir.join(file);
    std::fs::write(
        &path,
        format!(
            "[scenario]\nname = \"hostile\"\nstart = \"2024-01\"\nend = \"2024-12\"\nruns = 50\nseed = 4\n{body}"
        ),
    )
    .unwrap();
    path.display().to_string()
}

const WORLD: &str = r#"
[params]
a = { dist = "normal", mean = 10, sd = 1, unit = "items" }

[levers.k]
default = 0
range = [0, 1]

[stocks]
s = { init = 0, unit = "items" }

[flows.f]
to = "s"
rate = "a * (1 - 0.5 * k) * lognormal(1, 0.1)"

[aux]
drawn = "a"

[outcomes.s]
label = "Stock \u001b]0;pwned\u0007 at the end"
expr = "s"
unit = "=cmd|' /C calc'!A0"

[outcomes.a_value]
expr = "drawn"

[bundles.base]
[bundles.push]
levers = { k = 1 }
"#;

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// `--run K` replaced the full results with a one-run folder and recorded a command that
/// reproduced run 0.
#[test]
fn reproducing_one_run_touches_no_results_and_shows_the_run() {
    let dir = temp("one-run");
    let scenario = write(&dir, "w.toml", WORLD);
    let out_dir = dir.join("out");
    let full = leversim(&[
        "run",
        &scenario,
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(full.status.success(), "{}", text(&full.stderr));
    let before = std::fs::read(out_dir.join("summary.json")).unwrap();
    // Without --out: printed only; the default folder and the full results are untouched.
    let one = leversim(&["run", &scenario, "--run", "7", "--trace", "f"]);
    assert!(one.status.success(), "{}", text(&one.stderr));
    assert_eq!(std::fs::read(out_dir.join("summary.json")).unwrap(), before);
    assert!(!Path::new("output/hostile").exists());
    let stdout = text(&one.stdout);
    for wanted in [
        "hostile: run 7 of seed 4, 2 bundles",
        "Params drawn in run 7 (the same in every bundle)",
        "Outcomes of run 7",
        "Month by month, run 7, bundle base",
        "Month by month, run 7, bundle push",
        "  month             f",
        "  2024-12",
        &format!("reproduce with: leversim run {scenario} --seed 4 --run 7 --trace f"),
        "(nothing was written; add --out DIR to keep this run as a results folder)",
    ] {
        assert!(stdout.contains(wanted), "no {wanted:?} in\n{stdout}");
    }
    // The param value shown is the one the run used: the outcome `a_value` reads it.
    let param = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("a "))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let outcome = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("a_value"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(param, outcome);

    // With --out: a one-run folder whose command reproduces run 7, not run 0.
    let kept = dir.join("run7");
    let one = leversim(&[
        "run",
        &scenario,
        "--run",
        "7",
        "--out",
        kept.to_str().unwrap(),
    ]);
    assert!(one.status.success(), "{}", text(&one.stderr));
    let manifest = &summary(&kept)["manifest"];
    assert_eq!(manifest["first_run"], 7);
    assert_eq!(
        manifest["command"],
        format!("leversim run {scenario} --seed 4 --run 7")
    );
    let runs = std::fs::read_to_string(kept.join("runs.csv")).unwrap();
    assert!(
        runs.lines().nth(1).unwrap().starts_with("base,7,"),
        "{runs}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Reproducing a run that faults shows it up to its fault, then reports the fault.
#[test]
fn reproducing_a_faulting_run_shows_it_up_to_the_fault() {
    let dir = temp("faulting-run");
    let scenario = write(
        &dir,
        "f.toml",
        "[params]
c = { dist = \"normal\", mean = 5, sd = 1 }
[aux]
x = \"ln(c - t)\"
[outcomes.x]
expr = \"x\"
",
    );
    let out = leversim(&["run", &scenario, "--run", "3", "--trace", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Params drawn in run 3"), "{stdout}");
    // Months before the fault have values; from the fault on, none.
    let months: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  2024-"))
        .collect();
    assert_eq!(months.len(), 12, "{stdout}");
    assert!(
        !months[0].ends_with('–') && months[11].ends_with('–'),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error[non-finite]: `x` became NaN in 2024-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  = note: ln(x) is NaN when x is negative\n"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A unit like `=cmd|' /C calc'!A0` reached `comparison.csv` unchanged; labels with escape
/// sequences were printed raw.
#[test]
fn scenario_text_cannot_attack_a_spreadsheet_or_a_terminal() {
    let dir = temp("inject");
    let scenario = write(&dir, "w.toml", WORLD);
    let out_dir = dir.join("cmp");
    let out = leversim(&[
        "compare",
        &scenario,
        "--reference",
        "base",
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(out_dir.join("comparison.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("push,base,s,")).unwrap();
    assert!(row.starts_with("push,base,s,'=cmd|' /C calc'!A0,"), "{row}");
    // Negative numbers stay numbers.
    assert!(row.contains(",-"), "{row}");
    assert!(!text(&out.stdout).contains('\u{1b}'));
    let run = leversim(&[
        "run",
        &scenario,
        "--no-charts",
        "--out",
        dir.join("r").to_str().unwrap(),
    ]);
    let stdout = text(&run.stdout);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'));
    assert!(
        stdout.contains("Stock \u{fffd}]0;pwned\u{fffd} at the end"),
        "{stdout}"
    );
    let validate = leversim(&["validate", &scenario]);
    assert!(!text(&validate.stdout).contains('\u{1b}'));
    std::fs::remove_dir_all(&dir).ok();
}

/// A file named `my scen $(id).toml` appeared unquoted in the suggested and recorded
/// commands, so pasting them ran `id`.
#[test]
fn commands_are_quoted_for_a_shell() {
    let dir = temp("quote");
    let scenario = write(
        &dir,
        "my scen $(id).toml",
        "[aux]\nx = \"1 / (t - 2)\"\n[outcomes.x]\nexpr = \"x\"\n",
    );
    let out = leversim(&["run", &scenario]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let repro = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("leversim run"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(
        repro,
        format!("leversim run '{scenario}' --seed 4 --bundle baseline --run 0")
    );
    // Pasted into a shell, the command runs leversim on that very file and reproduces it.
    let shell = std::process::Command::new("sh")
        .arg("-c")
        .arg(repro.replacen("leversim", env!("CARGO_BIN_EXE_leversim"), 1))
        .output()
        .unwrap();
    assert_eq!(shell.status.code(), Some(1));
    assert!(text(&shell.stderr).contains("`x` became inf in 2024-03"));

    let fine = write(
        &dir,
        "it's mine.toml",
        "[aux]\nx = \"1\"\n[outcomes.x]\nexpr = \"x\"\n",
    );
    let out_dir = dir.join("r");
    let out = leversim(&[
        "run",
        &fine,
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let quoted = fine.replace('\'', "'\\''");
    assert_eq!(
        summary(&out_dir)["manifest"]["command"],
        format!("leversim run '{quoted}' --runs 50 --seed 4")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--set LEVER=5` outside [0, 1] was accepted; `--set x=1 --set x=2` kept the last silently.
#[test]
fn set_is_checked_like_a_bundle_setting_and_given_once() {
    let dir = temp("set");
    let scenario = write(&dir, "w.toml", WORLD);
    let out = leversim(&["run", &scenario, "--set", "k=5"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --set k=5: 5 is outside the range [0, 1] of lever `k`\n\nFor more information, try '--help'.\n"
    );
    let out = leversim(&["run", &scenario, "--set", "a=1", "--set", "a=2"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --set a is given twice (1 and 2); give each name once\n\nFor more information, try '--help'.\n"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A `sum` that overflowed wrote `inf` and null statistics with exit 0; the mean of a constant
/// 1.7e308 was null; `binomial` with n above 2^53 gave an unexplained NaN.
#[test]
fn numbers_never_overflow_silently() {
    let dir = temp("overflow");
    let scenario = write(
        &dir,
        "sum.toml",
        "[outcomes.total]\nexpr = \"1e308\"\nkind = \"sum\"\n",
    );
    let out_dir = dir.join("sum");
    let out = leversim(&["run", &scenario, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "error[non-finite]: `outcome total` became inf in 2024-12 (bundle `baseline`, run 0)\n  = note: a `sum` outcome adds its formula over the months: the total of `total` passed the largest number a run can hold (about 1.8e308)\n"
        ),
        "{stderr}"
    );
    assert!(!out_dir.exists());

    let scenario = write(
        &dir,
        "mean.toml",
        "[outcomes.big]\nexpr = \"1.7e308\"\nkind = \"mean\"\n[outcomes.also]\nexpr = \"1.7e308\"\n",
    );
    let out_dir = dir.join("mean");
    let out = leversim(&["run", &scenario, "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for record in summary(&out_dir)["outcomes"].as_array().unwrap() {
        let mean = record["mean"].as_f64().unwrap();
        // Within rounding of 1.7e308 (the mean of twelve months of it).
        assert!((mean / 1.7e308 - 1.0).abs() < 1e-14, "{record}");
    }
    assert!(
        text(&out.stdout).contains("1.7e308"),
        "{}",
        text(&out.stdout)
    );

    let scenario = write(
        &dir,
        "binomial.toml",
        "[aux]\nx = \"binomial(1e16, 0.5)\"\n[outcomes.x]\nexpr = \"x\"\n",
    );
    let out = leversim(&["run", &scenario]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "  = note: binomial(n, p) is NaN when n is negative or above 2^53 (9.0e15), or p is outside [0, 1]\n"
        ),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A param that draws infinity is named as the fault, not the first formula that reads it.
#[test]
fn an_infinite_draw_names_its_param() {
    let dir = temp("param-draw");
    // mu + 3.09 sigma = 709.3 keeps the 99.9th percentile finite (validate accepts it); one
    // draw in 1,800 passes exp(709.78), the largest number: 20,000 runs see ~11 such draws
    // (P(none) = e^-11).
    let scenario = write(
        &dir,
        "p.toml",
        "[params]\nhuge = { dist = \"lognormal\", mu = 700, sigma = 3 }\n[aux]\nx = \"huge / 1e300\"\n[outcomes.x]\nexpr = \"x\"\n",
    );
    let out = leversim(&["run", &scenario, "--runs", "20000", "--no-charts"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error[non-finite]: param `huge` drew inf (bundle `baseline`, run "),
        "{stderr}"
    );
    assert!(
        stderr.contains("= note: param `huge` drew a number beyond the largest"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `sensitivity` rejected `--no-charts` and `--on-fault`, which the README promises every
/// simulating command takes.
#[test]
fn sensitivity_takes_the_common_flags() {
    let dir = temp("sensitivity");
    // About one run in five takes the log of a negative number.
    let scenario = write(
        &dir,
        "s.toml",
        "[params]\nu = { dist = \"uniform\", min = 0, max = 1 }\nv = { dist = \"uniform\", min = 0, max = 1 }\n\
         [aux]\nrisky = \"if(u < 0.2, ln(-1), u + 2 * v)\"\n[outcomes.y]\nexpr = \"risky\"\n",
    );
    let out_dir = dir.join("sens");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "sensitivity".to_string(),
            scenario.clone(),
            "--samples".into(),
            "64".into(),
            "--bootstrap".into(),
            "20".into(),
            "--out".into(),
            out_dir.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        leversim(&a)
    };
    let stopped = run(args(&["--no-charts"]));
    assert_eq!(stopped.status.code(), Some(1), "stop is the default");
    assert!(text(&stopped.stderr).contains("error[non-finite]: `risky` became NaN"));
    let counted = run(args(&["--no-charts", "--on-fault", "count"]));
    assert!(counted.status.success(), "{}", text(&counted.stderr));
    let stdout = text(&counted.stdout);
    assert!(
        stdout.contains(
            "design rows left out: a run faulted (--on-fault count); the estimates use the others"
        ),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_dir(out_dir.join("charts")).unwrap().count(),
        0
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("sensitivity.json")).unwrap())
            .unwrap();
    let left_out = report["manifest"]["left_out"].as_u64().unwrap();
    // Sobol' rows fault when u < 0.2 in A or in any A_B row or B: far more than none, far fewer
    // than all of the 64 rows (and a few of the one-at-a-time runs).
    assert!(left_out > 5 && left_out < 64, "{left_out}");
    assert_eq!(report["manifest"]["on_fault"], "count");
    assert!(
        report["manifest"]["command"]
            .as_str()
            .unwrap()
            .ends_with(" --on-fault count")
    );
    // The estimates exist: v drives y in the runs kept.
    let v = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "y" && r["input"] == "v")
        .unwrap();
    assert!(v["st"].as_f64().unwrap() > 0.1, "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Every command's `--help` gives its own default results folder.
#[test]
fn help_states_each_default_folder() {
    for (command, default) in [
        ("run", "[default: output/NAME, NAME being"),
        ("compare", "[default: output/NAME-compare, NAME being"),
        ("sweep", "[default: output/NAME-sweep, NAME being"),
        (
            "sensitivity",
            "[default: output/NAME-sensitivity, NAME being",
        ),
    ] {
        let out = leversim(&[command, "--help"]);
        assert!(out.status.success());
        let help = text(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(help.contains(default), "{command} --help: {help}");
    }
}

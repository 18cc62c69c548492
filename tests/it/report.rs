//! `leversim report`: the briefing page of a results folder (`report.html`), its numbers
//! against the files, its escaping, and the folder rules. The page in a real browser is
//! `browser.rs`.

use std::path::{Path, PathBuf};

use leversim::output::schema::{Comparison, Summary};
use leversim::report::pairs::comparison_from_runs;

use crate::util::{leversim, temp_dir};

/// A variant of the smuggling-network example with markup in its texts and a `[report]`.
const HOSTILE: &str = r#"
extends = "EXAMPLE"

[scenario]
name = "report-hostile"
description = "Description with <i>markup</i> & an ampersand."

[bundles.hostile]
label = "<script>alert(1)</script>"
description = "A bundle whose label is markup."
levers = { inspections = 0.4, intel_sharing = 0.5 }

[report]
question = "<b>bold?</b> What do inspections buy against drones?"
outcomes = ["p_exposure", "drones_2027", "ban_date"]
series = ["drones"]
assumptions = ["Inspections bite only at the hub <not elsewhere>."]
limitations = ["Numbers are illustrative & invented."]
"#;

/// Writes the hostile scenario into `dir` and returns its path.
fn hostile_scenario(dir: &Path) -> PathBuf {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/examples/smuggling-network.toml");
    let path = dir.join("hostile.toml");
    std::fs::write(&path, HOSTILE.replace("EXAMPLE", example.to_str().unwrap())).unwrap();
    path
}

/// A results folder of the hostile scenario (400 runs) with its report.
pub fn hostile_report(name: &str) -> PathBuf {
    let dir = temp_dir("report", name);
    let scenario = hostile_scenario(&dir);
    let out = dir.join("out");
    let run = leversim(&[
        "run",
        scenario.to_str().unwrap(),
        "--runs",
        "400",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = leversim(&["report", out.to_str().unwrap()]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let stdout = String::from_utf8_lossy(&report.stdout);
    assert!(stdout.contains("report.html"), "{stdout}");
    out
}

#[test]
fn report_escapes_every_text_and_fetches_nothing() {
    let dir = hostile_report("escape");
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;b&gt;bold?&lt;/b&gt; What do inspections buy"));
    assert!(page.contains("&lt;i&gt;markup&lt;/i&gt; &amp; an ampersand"));
    assert!(page.contains("&lt;not elsewhere&gt;"));
    assert!(page.contains("illustrative &amp; invented"));
    // Bundles with their levers: a schedule is named as one, a start month is given.
    assert!(
        page.contains("Intelligence sharing on a schedule from 2025-01, ending at 0.5"),
        "no schedule"
    );
    assert!(
        page.contains("Financial sanctions on the network&#39;s banks = 0.8 from 2025-07"),
        "no start month"
    );
    let lower = page.to_lowercase();
    for banned in [
        "<script", "<b>", "<i>", "src=", "href=", "@import", "url(", "<link", "<iframe", "<img",
    ] {
        assert!(!lower.contains(banned), "the page holds `{banned}`");
    }
    // Charts are inline SVG, whose own text is escaped too.
    assert!(page.matches("<svg").count() >= 2);
    // The report is listed in the folder's marker, so that leversim may rewrite the folder.
    let marker = std::fs::read_to_string(dir.join(".leversim")).unwrap();
    assert!(marker.contains("\"report.html\""), "{marker}");
    // And written again when asked again (the folder is leversim's).
    let again = leversim(&["report", dir.to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn report_refuses_a_folder_with_files_leversim_did_not_write() {
    let dir = hostile_report("refuse");
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = leversim(&["report", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.txt"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    // Not a results folder at all.
    let empty = temp_dir("report", "empty");
    let out = leversim(&["report", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("summary.json"));
}

/// The pairs recomputed from `runs.csv` are exactly what `leversim compare` writes for the
/// same scenario and seed, and the page states those numbers.
#[test]
fn findings_from_run_pairs_equal_those_of_compare() {
    let dir = temp_dir("report", "pairs");
    let scenario = hostile_scenario(&dir);
    let run_dir = dir.join("run");
    let cmp_dir = dir.join("compare");
    for (cmd, out) in [("run", &run_dir), ("compare", &cmp_dir)] {
        let o = leversim(&[
            cmd,
            scenario.to_str().unwrap(),
            "--runs",
            "300",
            "--seed",
            "7",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let summary: Summary =
        serde_json::from_slice(&std::fs::read(run_dir.join("summary.json")).unwrap()).unwrap();
    let ours = comparison_from_runs(&run_dir, &summary, "status_quo")
        .unwrap()
        .unwrap();
    let theirs: Comparison =
        serde_json::from_slice(&std::fs::read(cmp_dir.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(ours.records.len(), theirs.records.len());
    // Equal up to the last bit that a JSON round trip may change.
    let same = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
        (x, y) => x == y,
    };
    for (a, b) in ours.records.iter().zip(&theirs.records) {
        let ok = (&a.bundle, &a.reference, &a.outcome, &a.unit, a.better, a.n)
            == (&b.bundle, &b.reference, &b.outcome, &b.unit, b.better, b.n)
            && same(a.mean_diff, b.mean_diff)
            && same(a.se_paired, b.se_paired)
            && same(a.se_independent, b.se_independent)
            && same(a.ci95_low, b.ci95_low)
            && same(a.ci95_high, b.ci95_high)
            && same(a.median_diff, b.median_diff)
            && same(a.p_better, b.p_better)
            && same(Some(a.p_tie), Some(b.p_tie))
            && same(a.rel_change, b.rel_change)
            && same(a.improvement, b.improvement);
        assert!(ok, "recomputed pairs differ from compare's:\n{a:?}\n{b:?}");
    }
    // The page of the run folder states the full package's paired change in P(exposure).
    let report = leversim(&["report", run_dir.to_str().unwrap()]);
    assert!(report.status.success());
    let page = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    let rec = ours
        .records
        .iter()
        .find(|r| r.bundle == "full_package" && r.outcome == "p_exposure")
        .unwrap();
    let unit = leversim::plot::forest::DiffUnit::of(
        summary
            .scenario
            .outcomes
            .iter()
            .find(|o| o.name == "p_exposure")
            .unwrap(),
    );
    let text = unit.interval(
        rec.mean_diff.unwrap() * 100.0,
        rec.ci95_low.unwrap() * 100.0,
        rec.ci95_high.unwrap() * 100.0,
    );
    assert!(page.contains(&text), "the page lacks `{text}`");
    assert!(page.contains("from the pairs of runs.csv"));
    // A compare folder's page says where its pairs come from.
    let report = leversim(&["report", cmp_dir.to_str().unwrap()]);
    assert!(report.status.success());
    let page = std::fs::read_to_string(cmp_dir.join("report.html")).unwrap();
    assert!(page.contains("from comparison.json"));
}

/// A month of first crossing is the median over all runs, never that of the runs with a month.
#[test]
fn dates_are_medians_over_all_runs_with_the_share_never() {
    let dir = hostile_report("dates");
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let (header, rows) = crate::util::read_csv(&dir.join("runs.csv"));
    let k = header.iter().position(|h| h == "ban_date").unwrap();
    let values: Vec<f64> = rows
        .iter()
        .filter(|r| r[0] == "status_quo")
        .map(|r| r[k].parse().unwrap_or(f64::NAN))
        .collect();
    let total = values.len();
    let mut had: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    had.sort_by(f64::total_cmp);
    let never = (total - had.len()) as f64 / total as f64;
    let expected_never = leversim::output::format::percent(never);
    let k = total.div_ceil(2);
    let shown = match had.get(k - 1) {
        Some(m) => format!(
            "{} (never by 2027-12: {expected_never})",
            leversim::output::format::month_of(*m)
        ),
        None => format!("after 2027-12 (never by then: {expected_never})"),
    };
    assert!(page.contains(&shown), "the page lacks `{shown}`");
}

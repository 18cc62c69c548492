//! Charts: `leversim run` draws every chart of the example scenario as PNG and SVG, each with
//! its title and axis labels, at slide size and not blank; `leversim plot` redraws them
//! identically from the saved files; a folder that is not a results folder is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");

fn leversim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leversim"))
}

/// A fresh folder under the system temp dir (no tempfile crate needed).
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leversim-it-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the fixture into `dir/results` and returns that folder.
fn run_fixture(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("results");
    let status = leversim()
        .args(["run", FIXTURE, "--runs", "300", "--threads", "2", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "leversim run failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// Every chart of the fixture, with strings its SVG must contain (title and axis labels).
///
/// Not drawn (issue 14): the distribution and exceedance curve of the cost, which is one
/// value in every run of a bundle; cost against the ceasefire month, which has no better
/// direction.
fn expected() -> Vec<(&'static str, Vec<&'static str>)> {
    let dist = |_| vec!["distribution over runs, by bundle", "share of runs per"];
    vec![
        (
            "fan-shells_in_russia",
            vec![
                "Shells delivered to Russia, by month",
                "shells",
                "month",
                // Ticks on Januaries read as years (issue 14).
                "2026",
                "10M",
                // The fixture's levers act from 2026-01: a line marks it (issue 14).
                "levers act from 2026-01",
            ],
        ),
        // Every bundle's median on one panel, for each stock (not the event, whose fan chart
        // overlays the bundles already).
        (
            "fan-all-shells_in_russia",
            vec![
                "edian of each bundle, by month",
                "Full package: ",
                "in 2030-12",
            ],
        ),
        (
            "fan-all-troops_deployed",
            vec!["Troops deployed (troops): median of each bundle, by month"],
        ),
        (
            "fan-all-casualties",
            vec!["Casualties (troops): median of each bundle, by month"],
        ),
        (
            "fan-all-ssn_progress",
            vec!["Ssn progress (fraction): median of each bundle, by month"],
        ),
        (
            "fan-troops_deployed",
            vec![
                "Troops deployed (troops): median and the ranges",
                "troops",
                "month",
            ],
        ),
        (
            "fan-casualties",
            vec![
                "Casualties (troops): median and the ranges",
                "troops",
                "month",
            ],
        ),
        (
            "fan-ssn_progress",
            vec![
                "Ssn progress (fraction): median and the ranges",
                "fraction",
                "month",
            ],
        ),
        (
            "fan-ceasefire",
            vec![
                "Ceasefire: share of runs in which it has happened",
                "share of runs",
                "month",
                "levers act from 2026-01",
            ],
        ),
        (
            "fan-ssn_operational",
            vec!["Ssn operational: share of runs", "share of runs", "month"],
        ),
        ("dist-shells_by_2030", {
            let mut v = dist(());
            v.extend(["Shells delivered to Russia by end-2030", "shells"]);
            v
        }),
        (
            "dist-ssn_by_2030",
            vec![
                "submarine operational by 2030: probability by bundle",
                "probability",
            ],
        ),
        ("dist-ceasefire_month", {
            let mut v = dist(());
            v.push("month first reached");
            v
        }),
        (
            "exceed-shells_by_2030",
            vec![
                "chance of exceeding a given value",
                "share of runs above the value",
                "shells",
            ],
        ),
        (
            "exceed-ceasefire_month",
            vec!["chance that it has not happened by a given month", "month"],
        ),
        (
            "compare-shells_by_2030",
            vec![
                "bundles compared, best first",
                "shells, lower is better",
                "(reference)",
            ],
        ),
        (
            "compare-ssn_by_2030",
            vec!["bundles compared", "probability, lower is better"],
        ),
        (
            "compare-cost",
            vec!["Cost of the policy bundle: bundles compared", "$bn"],
        ),
        (
            "compare-ceasefire_month",
            vec!["Ceasefire month: bundles compared", "month first reached"],
        ),
        (
            "cost-effect-shells_by_2030",
            vec![
                "against cost",
                "Cost of the policy bundle ($bn), mean",
                "shells, lower is better",
            ],
        ),
        (
            "cost-effect-ssn_by_2030",
            vec!["against cost", "probability, lower is better"],
        ),
        (
            "dashboard",
            vec![
                "Key outcomes by policy bundle",
                "Shells delivered to Russia by end-2030",
                "Cost of the policy bundle",
                "Ceasefire month",
            ],
        ),
        (
            "record",
            vec![
                "reported figures reproduced by Status quo",
                "what the runs give for each figure",
                "simulated ÷ reported",
                "×1",
            ],
        ),
    ]
}

/// The text of every `<text>` element, in document order, joined by spaces.
fn svg_text(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&source)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes a PNG: its size and how many distinct colours it has and the share of non-white
/// pixels.
fn png_stats(path: &Path) -> ((u32, u32), usize, f64) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    // A bit per 24-bit colour: fast even in an unoptimised test build.
    let mut seen = vec![0u64; (1 << 24) / 64];
    let mut ink = 0usize;
    for px in pixels.chunks_exact(channels) {
        let rgb = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
        seen[(rgb / 64) as usize] |= 1 << (rgb % 64);
        if rgb != 0xff_ff_ff {
            ink += 1;
        }
    }
    let n = pixels.len() / channels;
    let colours = seen.iter().map(|w| w.count_ones() as usize).sum();
    ((info.width, info.height), colours, ink as f64 / n as f64)
}

#[test]
fn run_draws_every_chart_and_plot_redraws_them_identically() {
    let dir = temp_dir("charts");
    let results = run_fixture(&dir, &[]);
    let charts = results.join("charts");
    let expected = expected();
    let mut names: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut wanted: Vec<String> = expected
        .iter()
        .flat_map(|(stem, _)| [format!("{stem}.png"), format!("{stem}.svg")])
        .collect();
    wanted.sort();
    assert_eq!(names, wanted);

    for (stem, strings) in &expected {
        let svg = charts.join(format!("{stem}.svg"));
        let text = svg_text(&svg);
        for s in strings
            .iter()
            .chain(&["Source:", "seed 20250626", "300 runs each"])
        {
            assert!(text.contains(s), "{stem}.svg lacks {s:?}; it has: {text}");
        }
        let (size, colours, ink) = png_stats(&charts.join(format!("{stem}.png")));
        assert_eq!(size, (1600, 900), "{stem}.png");
        assert!(colours >= 50, "{stem}.png has only {colours} colours");
        assert!(ink > 0.02, "{stem}.png is nearly blank ({ink:.3} inked)");
    }

    // `plot` draws from the saved files only, so it redraws the very same bytes.
    let before: Vec<Vec<u8>> = wanted
        .iter()
        .map(|n| std::fs::read(charts.join(n)).unwrap())
        .collect();
    std::fs::remove_dir_all(&charts).unwrap();
    let out = leversim().arg("plot").arg(&results).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("23 charts"));
    for (name, bytes) in wanted.iter().zip(before) {
        assert!(
            std::fs::read(charts.join(name)).unwrap() == bytes,
            "{name} differs between run and plot"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn no_charts_skips_them() {
    let dir = temp_dir("no-charts");
    let results = run_fixture(&dir, &["--no-charts"]);
    assert!(results.join("summary.json").is_file());
    assert_eq!(
        std::fs::read_dir(results.join("charts")).unwrap().count(),
        0
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn plot_refuses_a_folder_that_is_not_results() {
    let dir = temp_dir("not-results");
    let out = leversim().arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a results folder"), "{stderr}");
    assert!(!dir.join("charts").exists(), "nothing is written");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn charts_bundles_chooses_the_bundles_of_fans_distributions_and_exceedance() {
    let dir = temp_dir("charts-bundles");
    let variant = dir.join("two.toml");
    std::fs::write(
        &variant,
        format!(
            "extends = {FIXTURE:?}\n\n[scenario]\nname = \"charts-two\"\n\
             source = \"Source: a test.\"\n\n[charts]\n\
             series = [\"shells_in_russia\", \"ceasefire\"]\n\
             outcomes = [\"shells_by_2030\", \"ssn_by_2030\"]\n\
             bundles = [\"full_package\", \"disrupt_transfers\"]\n"
        ),
    )
    .unwrap();
    let out = dir.join("results");
    let status = leversim()
        .args(["run", "--runs", "200", "--threads", "2", "--out"])
        .arg(&out)
        .arg(&variant)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = |stem: &str| svg_text(&out.join("charts").join(format!("{stem}.svg")));
    // Drawn bundles: the two listed, in run order, counted in the subtitle. The reference is
    // not listed: it has no panel, row or line, but its median and distribution are drawn for
    // comparison.
    for stem in [
        "fan-shells_in_russia",
        "fan-ceasefire",
        "dist-shells_by_2030",
        "dist-ssn_by_2030",
        "exceed-shells_by_2030",
    ] {
        let t = text(stem);
        for s in ["2 of 3 bundles", "Disrupt transfers", "Full package"] {
            assert!(t.contains(s), "{stem} lacks {s:?}: {t}");
        }
        let status_quo = t.matches("Status quo").count();
        let expected = usize::from(stem == "fan-shells_in_russia" || stem == "dist-shells_by_2030");
        assert_eq!(status_quo, expected, "{stem}: {t}");
    }
    assert!(text("dist-shells_by_2030").contains("Status quo (reference), for comparison"));
    let dist = std::fs::read_to_string(out.join("charts/dist-shells_by_2030.svg")).unwrap();
    let doc = roxmltree::Document::parse(&dist).unwrap();
    let rows = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .filter(|t| t.trim().starts_with("median "))
        .count();
    assert_eq!(rows, 2, "a median per row drawn");
    // Comparisons and the dashboard show every bundle run.
    for stem in ["compare-shells_by_2030", "dashboard"] {
        let t = text(stem);
        for s in [
            "3 bundles",
            "Status quo (reference)",
            "Disrupt transfers",
            "Full package",
        ] {
            assert!(t.contains(s), "{stem} lacks {s:?}: {t}");
        }
    }
    // A source that starts with "Source:" is not given a second one.
    let t = text("dashboard");
    assert!(t.contains("Source: a test. Model: leversim"), "{t}");
    assert!(!t.contains("Source: Source:"), "{t}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The fixture with `extra` bundles more, run without charts into `dir/results`.
fn many_bundles(dir: &Path, extra: usize) -> PathBuf {
    let variant = dir.join("many.toml");
    let mut text = format!(
        "extends = {FIXTURE:?}\n\n[scenario]\nname = \"charts-many\"\n\n\
         [charts]\noutcomes = [\"shells_by_2030\", \"ssn_by_2030\"]\n\
         dashboard = [\"shells_by_2030\", \"ssn_by_2030\", \"cost\", \"ceasefire_month\"]\n"
    );
    for k in 1..=extra {
        text.push_str(&format!(
            "\n[bundles.extra_{k}]\nlabel = \"Extra bundle number {k} with a long label\"\n\
             levers = {{ enforcement = 0.{k} }}\n"
        ));
    }
    std::fs::write(&variant, text).unwrap();
    let out = dir.join("results");
    let status = leversim()
        .args([
            "run",
            "--runs",
            "100",
            "--threads",
            "2",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .arg(&variant)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

#[test]
fn a_dashboard_of_many_bundles_stays_a_slide_then_grows_taller() {
    // 12 bundles and 4 outcomes: one row of panels keeps the 16:9 slide (issue 14).
    let dir = temp_dir("many-bundles-slide");
    let out = many_bundles(&dir, 9);
    assert!(
        leversim()
            .arg("plot")
            .arg(&out)
            .output()
            .unwrap()
            .status
            .success()
    );
    let ((w, h), _, _) = png_stats(&out.join("charts/dashboard.png"));
    assert_eq!((w, h), (1600, 900));
    std::fs::remove_dir_all(&dir).ok();
    // 28 bundles do not fit readable rows on a slide: the canvas grows.
    let dir = temp_dir("many-bundles");
    let out = many_bundles(&dir, 25);
    let plotted = leversim().arg("plot").arg(&out).output().unwrap();
    assert!(plotted.status.success());
    let charts = out.join("charts");
    let ((w, h), _, ink) = png_stats(&charts.join("dashboard.png"));
    assert_eq!(w, 1600);
    assert!(h > 900, "28 bundles need more than 900 px: {h}");
    assert!(ink > 0.02);
    let svg = std::fs::read_to_string(charts.join("dashboard.svg")).unwrap();
    assert!(
        svg.contains(&format!("height=\"{h}\"")),
        "the SVG has the PNG's size"
    );
    // 28 bundles, each a row: named in full, and counted (not listed) in the subtitle.
    let t = svg_text(&charts.join("dashboard.svg"));
    assert!(t.contains("28 bundles · 100 runs each"), "{t}");
    assert!(t.contains("Extra bundle number 9 with a long label"), "{t}");
    for stem in [
        "fan-shells_in_russia",
        "dist-shells_by_2030",
        "exceed-shells_by_2030",
    ] {
        let (size, _, _) = png_stats(&charts.join(format!("{stem}.png")));
        assert_eq!(size, (1600, 900), "{stem}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

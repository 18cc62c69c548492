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
fn expected() -> Vec<(&'static str, Vec<&'static str>)> {
    let dist = |_| vec!["distribution over runs, by bundle", "share of runs per"];
    vec![
        (
            "fan-shells_in_russia",
            vec![
                "Shells delivered to Russia, by month",
                "shells",
                "month",
                "2024-01",
                "10M",
            ],
        ),
        (
            "fan-troops_deployed",
            vec!["Troops deployed (troops) by month", "troops", "month"],
        ),
        (
            "fan-casualties",
            vec!["Casualties (troops) by month", "troops", "month"],
        ),
        (
            "fan-ssn_progress",
            vec!["Ssn progress (fraction) by month", "fraction", "month"],
        ),
        (
            "fan-ceasefire",
            vec![
                "Ceasefire: share of runs in which it has happened",
                "share of runs",
                "month",
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
        (
            "dist-cost",
            vec![
                "Cost of the policy bundle: distribution",
                "share of runs at the value",
                "$bn",
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
            "exceed-cost",
            vec!["chance of exceeding a given value", "$bn"],
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
            "cost-effect-ceasefire_month",
            vec!["against cost", "month first reached"],
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
    assert!(String::from_utf8_lossy(&out.stdout).contains("21 charts"));
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

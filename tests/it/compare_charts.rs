//! Charts of `leversim compare` (forest plots of paired differences, cost against improvement
//! with the Pareto front) and of `leversim sweep` (a response line for one lever, a heat map
//! for two): the files exist, SVGs parse and hold their titles and axis labels, PNGs decode at
//! slide size and are not blank, and `leversim plot` redraws them identically.

use std::path::{Path, PathBuf};

use crate::util::{leversim, temp_dir};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");

/// The text of every `<text>` element of an SVG, joined by spaces.
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

/// A PNG's size and its share of non-white pixels.
fn png_stats(path: &Path) -> ((u32, u32), f64) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let ink = pixels
        .chunks_exact(channels)
        .filter(|px| px[..3] != [255, 255, 255])
        .count();
    (
        (info.width, info.height),
        ink as f64 / (pixels.len() / channels) as f64,
    )
}

/// The chart stems in `dir/charts`, sorted, each with both a PNG and an SVG.
fn stems(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let stems: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".svg"))
        .map(str::to_string)
        .collect();
    for stem in &stems {
        assert!(names.contains(&format!("{stem}.png")), "{stem}.png missing");
    }
    assert_eq!(names.len(), 2 * stems.len(), "{names:?}");
    stems
}

/// Checks a chart's files: the SVG holds `strings`, the PNG is a slide and not blank.
fn check_chart(dir: &Path, stem: &str, strings: &[&str]) {
    let charts = dir.join("charts");
    let text = svg_text(&charts.join(format!("{stem}.svg")));
    for s in strings.iter().chain(&["Source:", "seed 20250626"]) {
        assert!(text.contains(s), "{stem}.svg lacks {s:?}; it has: {text}");
    }
    let (size, ink) = png_stats(&charts.join(format!("{stem}.png")));
    assert_eq!(size, (1600, 900), "{stem}.png");
    assert!(ink > 0.03, "{stem}.png is nearly blank ({ink:.3} inked)");
}

/// Deletes `dir/charts`, runs `leversim plot dir` and checks that it drew the same bytes.
fn check_redraw(dir: &Path) {
    let charts = dir.join("charts");
    let mut before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    before.sort();
    std::fs::remove_dir_all(&charts).unwrap();
    let out = leversim(&["plot", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("({} charts", before.len() / 2)),
        "{stdout}"
    );
    for (path, bytes) in before {
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "{} differs between the command and plot",
            path.display()
        );
    }
}

#[test]
fn compare_draws_forest_and_pareto_charts() {
    let dir = temp_dir("charts", "compare");
    let out_dir = dir.join("cmp");
    let out = leversim(&[
        "compare",
        FIXTURE,
        "--runs",
        "300",
        "--threads",
        "2",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stems = stems(&out_dir);
    // A forest plot per outcome; cost against improvement per outcome with a direction (not
    // the cost itself), instead of run's cost-effect charts.
    for outcome in ["shells_by_2030", "ssn_by_2030", "cost", "ceasefire_month"] {
        assert!(stems.contains(&format!("forest-{outcome}")), "{stems:?}");
        assert!(stems.contains(&format!("compare-{outcome}")), "{stems:?}");
    }
    for outcome in ["shells_by_2030", "ssn_by_2030"] {
        assert!(stems.contains(&format!("pareto-{outcome}")), "{stems:?}");
    }
    assert!(
        !stems.iter().any(|s| s.starts_with("cost-effect-")),
        "{stems:?}"
    );
    assert!(!stems.contains(&"pareto-cost".to_string()), "{stems:?}");
    assert!(!stems.contains(&"pareto-ceasefire_month".to_string()));

    check_chart(
        &out_dir,
        "forest-shells_by_2030",
        &[
            "Shells delivered to Russia by end-2030: difference from Status quo, best first",
            "difference from Status quo (shells; lower is better)",
            "mean [95% interval]",
            "P(better)",
            "Disrupt transfers",
            "Full package",
            "← better",
        ],
    );
    check_chart(
        &out_dir,
        "forest-ssn_by_2030",
        &[
            "difference from Status quo (percentage points; lower is better)",
            " pp ",
            "ties",
        ],
    );
    check_chart(
        &out_dir,
        "forest-ceasefire_month",
        &["difference from Status quo (months)", " mo", "← earlier"],
    );
    // A row per bundle other than the reference: two intervals in the table.
    let forest = svg_text(&out_dir.join("charts/forest-shells_by_2030.svg"));
    assert_eq!(forest.matches(" [-").count(), 2, "{forest}");
    check_chart(
        &out_dir,
        "pareto-shells_by_2030",
        &[
            "Shells delivered to Russia by end-2030: improvement against cost, and the Pareto front",
            "reduction from Status quo (shells)",
            "Cost of the policy bundle, mean ($bn)",
            "on the Pareto front",
            "Status quo (reference)",
            "Disrupt transfers",
            "Full package",
        ],
    );
    check_chart(
        &out_dir,
        "pareto-ssn_by_2030",
        &["reduction from Status quo (percentage points)"],
    );
    check_redraw(&out_dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sweep_of_one_lever_draws_response_lines() {
    let dir = temp_dir("charts", "sweep1");
    let out_dir = dir.join("sweep");
    let out = leversim(&[
        "sweep",
        FIXTURE,
        "--lever",
        "enforcement=0:1:0.25",
        "--runs",
        "200",
        "--threads",
        "2",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 charts"));
    let stems = stems(&out_dir);
    assert_eq!(
        stems,
        [
            "sweep-ceasefire_month",
            "sweep-cost",
            "sweep-shells_by_2030",
            "sweep-ssn_by_2030"
        ]
    );
    check_chart(
        &out_dir,
        "sweep-shells_by_2030",
        &[
            "Shells delivered to Russia by end-2030: response to Sanctions enforcement",
            "5 values from 0 to 1, other levers as in Status quo",
            "200 runs per point",
            "shells, lower is better",
            "Sanctions enforcement",
            "mean",
            "median",
            "5% to 95% of runs",
            "setting in Status quo: 0.2",
        ],
    );
    check_chart(
        &out_dir,
        "sweep-ssn_by_2030",
        &[
            "probability, lower is better",
            "95% interval of each estimate",
        ],
    );
    // sweep.json carries what the charts need.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("sweep.json")).unwrap())
            .unwrap();
    assert_eq!(json["lever_info"][0]["label"], "Sanctions enforcement");
    assert_eq!(json["lever_info"][0]["base"], 0.2);
    assert_eq!(json["info"]["outcomes"][0]["better"], "lower");
    assert!(
        json["command"].as_str().unwrap().contains(
            "--lever enforcement=0:1:0.25 --bundle status_quo --runs 200 --seed 20250626"
        )
    );
    check_redraw(&out_dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sweep_of_two_levers_draws_heat_maps() {
    let dir = temp_dir("charts", "sweep2");
    let out_dir = dir.join("sweep");
    let out = leversim(&[
        "sweep",
        FIXTURE,
        "--lever",
        "enforcement=0:0.8:0.2",
        "--lever",
        "intel_sharing=0:0.9:0.3",
        "--runs",
        "100",
        "--threads",
        "2",
        "--no-charts",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(out_dir.join("charts"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "--no-charts draws none"
    );
    let plotted = leversim(&["plot", out_dir.to_str().unwrap()]);
    assert!(
        plotted.status.success(),
        "{}",
        String::from_utf8_lossy(&plotted.stderr)
    );
    assert_eq!(stems(&out_dir).len(), 4);
    check_chart(
        &out_dir,
        "sweep-shells_by_2030",
        &[
            "response to Sanctions enforcement and Intelligence sharing",
            "a grid of 20 points",
            "colour: the mean at each point",
            "shells, lower is better",
            "Sanctions enforcement",
            "Intelligence sharing",
            "setting in Status quo: enforcement 0.2, intel_sharing 0.3",
        ],
    );
    // The grid is small: every cell has its value written in it.
    let svg = std::fs::read_to_string(out_dir.join("charts/sweep-shells_by_2030.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .filter(|t| t.trim().ends_with('M'))
        .count();
    assert!(cells >= 20, "{cells} values of shells written");
    check_chart(
        &out_dir,
        "sweep-ssn_by_2030",
        &["colour: the probability at each point", "%"],
    );
    check_redraw(&out_dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn plot_refuses_an_old_sweep_folder() {
    let dir = temp_dir("charts", "old-sweep");
    std::fs::write(
        dir.join("sweep.json"),
        r#"{"scenario": "x.toml", "base_bundle": "status_quo", "levers": ["k"], "seed": 1, "runs": 10, "records": []}"#,
    )
    .unwrap();
    let out = leversim(&["plot", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run the sweep again"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

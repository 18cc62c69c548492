//! `leversim plot` options (issue 14): `--bundles`, `--outcomes`, `--size`, `--format` and
//! `--source` shape the charts, and bad values are refused with exit 2, a message naming the
//! value and a hint, before anything is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");

fn leversim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_leversim"))
}

/// Runs the fixture (300 runs) into a fresh folder and returns the results folder.
fn results(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leversim-it-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("results");
    let run = leversim()
        .args(["run", FIXTURE, "--runs", "300", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn plot(dir: &Path, args: &[&str]) -> Output {
    leversim().arg("plot").arg(dir).args(args).output().unwrap()
}

fn chart_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The text of every `<text>` element of an SVG, joined by spaces.
fn svg_text(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&source).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn options_choose_bundles_outcomes_size_formats_and_source() {
    let dir = results("plot-options");
    let out = plot(
        &dir,
        &[
            "--bundles",
            "full_package",
            "--outcomes",
            "shells_by_2030,shells_in_russia",
            "--size",
            "half",
            "--format",
            "pdf,png,svg",
            "--source",
            "short",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = chart_files(&dir);
    let stems: Vec<&str> = files
        .iter()
        .filter_map(|f| f.strip_suffix(".png"))
        .collect();
    // Only the outcome and series named, each chart in the three formats.
    assert!(stems.contains(&"fan-shells_in_russia"), "{stems:?}");
    assert!(stems.contains(&"dist-shells_by_2030"), "{stems:?}");
    assert!(
        stems
            .iter()
            .all(|s| s.contains("shells") || *s == "dashboard"),
        "{stems:?}"
    );
    assert_eq!(files.len(), 3 * stems.len(), "{files:?}");
    let charts = dir.join("charts");
    for stem in &stems {
        assert_eq!(
            png_size(&charts.join(format!("{stem}.png"))),
            (800, 900),
            "{stem}"
        );
        let svg = svg_text(&charts.join(format!("{stem}.svg")));
        assert!(
            svg.contains("Source:") && svg.contains(", seed 20250626."),
            "{stem}: {svg}"
        );
        // The short source line leaves out the scenario file's hash.
        assert!(!svg.contains("sha256"), "{stem}: {svg}");
        let pdf = std::fs::read(charts.join(format!("{stem}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{stem}.pdf");
        let raw = String::from_utf8_lossy(&pdf);
        // Text as text: a TrueType font embedded, with a map back to Unicode.
        assert!(
            raw.contains("/FontFile2") && raw.contains("/ToUnicode"),
            "{stem}.pdf"
        );
        assert!(raw.contains("NotoSans"), "{stem}.pdf");
        assert!(pdf.len() > 5_000, "{stem}.pdf has {} bytes", pdf.len());
    }
    // A chart of one bundle keeps the reference for comparison, and draws no other bundle.
    let fan = svg_text(&charts.join("fan-shells_in_russia.svg"));
    assert!(
        fan.contains("Full package") && fan.contains("Status quo"),
        "{fan}"
    );
    assert!(!fan.contains("Disrupt transfers"), "{fan}");
}

#[test]
fn a_custom_size_is_the_canvas() {
    let dir = results("plot-size");
    let out = plot(
        &dir,
        &[
            "--size",
            "1200x700",
            "--format",
            "png",
            "--outcomes",
            "cost",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = chart_files(&dir);
    assert!(
        !files.is_empty() && files.iter().all(|f| f.ends_with(".png")),
        "{files:?}"
    );
    for f in &files {
        assert_eq!(png_size(&dir.join("charts").join(f)), (1200, 700), "{f}");
    }
}

#[test]
fn bad_values_are_refused_by_name_with_a_hint_and_nothing_is_written() {
    let dir = results("plot-refused");
    let before = chart_files(&dir);
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--size", "0x0"], &["`0x0`", "WIDTHxHEIGHT", "slide"]),
        (&["--size", "huge"], &["`huge`", "half"]),
        (&["--format", "gif"], &["`gif`", "png, svg or pdf"]),
        (
            &["--bundles", "ful_package"],
            &[
                "`ful_package` is not a bundle",
                "did you mean `full_package`?",
            ],
        ),
        (
            &["--outcomes", "zzz"],
            &[
                "`zzz` is neither an outcome nor a recorded series",
                "`shells_by_2030`",
            ],
        ),
    ];
    for (args, wanted) in cases {
        let out = plot(&dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for w in wanted {
            assert!(stderr.contains(w), "{args:?}: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(chart_files(&dir), before);
}

/// The fixture with the paths of two stocks sampled (`[output] paths`).
fn fixture_with_paths(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let text = format!(
        "{text}\n[output]\npaths = [\"shells_in_russia\", \"troops_deployed\"]\npath_runs = 60\n"
    );
    let path = dir.join("paths.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn overlay_and_difference_fans_are_drawn_from_the_sampled_paths() {
    let dir = std::env::temp_dir().join(format!("leversim-it-fan-diff-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = fixture_with_paths(&dir);
    let out = dir.join("results");
    let run = leversim()
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "200", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let charts = out.join("charts");
    let overlay = svg_text(&charts.join("fan-all-shells_in_russia.svg"));
    for s in [
        "edian of each bundle",
        "Status quo (reference):",
        "Full package:",
    ] {
        assert!(overlay.contains(s), "lacks {s:?}: {overlay}");
    }
    let diff = svg_text(&charts.join("fan-diff-shells_in_russia.svg"));
    for s in [
        "ifference from Status quo, run by run",
        "over the 60 runs sampled in paths.csv",
        "95% interval of the mean difference (simulation precision)",
        "Full package",
    ] {
        assert!(diff.contains(s), "lacks {s:?}: {diff}");
    }
    // Sampled paths of a series give it a difference fan; a series without them has none.
    assert!(charts.join("fan-diff-troops_deployed.png").is_file());
    assert!(!charts.join("fan-diff-casualties.png").exists());
    // Troops are untouched by the levers of "Disrupt transfers" in this fixture: that bundle
    // is named as the same as the reference, not given a panel.
    let troops = svg_text(&charts.join("fan-diff-troops_deployed.svg"));
    assert!(
        troops.contains("Disrupt transfers: same as Status quo"),
        "{troops}"
    );
}

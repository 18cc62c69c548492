//! The report page in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) opens `report.html` from its file and must show it without a console error or a
//! network request of any kind, draw its charts at their size, and print it on at most two A4
//! or Letter pages.
//!
//! Without Chromium the tests say so and pass, except under `CI` (set by `.ci/run`), where a
//! missing browser fails. With `LEVERSIM_REPORT_SHOTS=DIR` they also save screenshots (screen
//! and print media) and the PDFs there, to look at.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::cdp::{Browser, base64, find_chromium};
use crate::util::{leversim, temp_dir};

/// The browser, or `None` (with a message) when it is absent and CI is not set.
fn chromium() -> Option<PathBuf> {
    match find_chromium() {
        Some(path) => Some(path),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "chromium is not installed, and CI is set: .ci/run installs it (apt-get install -y chromium)"
            )
        }
        None => {
            eprintln!(
                "SKIPPED: the report's browser test needs Chromium (apt-get install chromium, or set LEVERSIM_CHROMIUM)"
            );
            None
        }
    }
}

/// A results folder with its report: `leversim run SCENARIO --runs RUNS [ARGS]`, then
/// `leversim report`.
pub fn report_of(name: &str, scenario: &Path, runs: &str, args: &[&str]) -> PathBuf {
    let dir = temp_dir("browser", name).join("out");
    let mut all = vec![
        "run",
        scenario.to_str().unwrap(),
        "--runs",
        runs,
        "--out",
        dir.to_str().unwrap(),
    ];
    all.extend(args);
    let out = leversim(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = leversim(&["report", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Saves `bytes` as `name` in `LEVERSIM_REPORT_SHOTS`, when set.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("LEVERSIM_REPORT_SHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Width, height and RGBA pixels of a PNG.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let rgba = buf
        .chunks(channels)
        .flat_map(|p| match channels {
            4 => [p[0], p[1], p[2], p[3]],
            3 => [p[0], p[1], p[2], 255],
            2 => [p[0], p[0], p[0], p[1]],
            _ => [p[0], p[0], p[0], 255],
        })
        .collect();
    (info.width, info.height, rgba)
}

/// Share of pixels that are not near-white, and the number of distinct colours.
fn ink(rgba: &[u8]) -> (f64, usize) {
    let mut colours = std::collections::BTreeSet::new();
    let mut inked = 0usize;
    let n = rgba.len() / 4;
    for p in rgba.chunks(4) {
        colours.insert((p[0], p[1], p[2]));
        if p[..3].iter().any(|c| *c < 235) {
            inked += 1;
        }
    }
    (inked as f64 / n as f64, colours.len())
}

/// Pages of a PDF that Chromium printed (its page objects are written uncompressed).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

/// What the page did that it must not: console errors, exceptions, requests for anything but
/// the page itself.
fn misdeeds(events: &[Value], page_url: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for e in events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.exceptionThrown" => bad.push(format!("exception: {}", p["exceptionDetails"])),
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "warning" | "assert")) =>
            {
                bad.push(format!("console {}: {}", p["type"], p["args"]));
            }
            "Log.entryAdded"
                if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) =>
            {
                bad.push(format!("log: {}", p["entry"]["text"]));
            }
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or("");
                if url != page_url {
                    bad.push(format!("request: {url}"));
                }
            }
            _ => {}
        }
    }
    bad
}

/// The elements that stick out of the page sideways (tag and the start of their text).
const WIDE: &str = "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map(e => e.tagName + ' ' + e.textContent.slice(0, 60)).slice(0, 5)";

/// Opens `dir/report.html` and checks it as a reader and a printer would see it; returns the
/// browser for more checks.
fn open_and_check(chromium: &Path, dir: &Path, name: &str, charts: usize) -> Browser {
    let page = dir.join("report.html").canonicalize().unwrap();
    let url = format!("file://{}", page.display());
    let profile = temp_dir("browser-profile", name);
    let mut b = Browser::start(chromium, &profile);
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.call("Page.navigate", json!({"url": url}));
    b.wait_for("Page.loadEventFired");
    // The charts are inline SVG at the width of the page, in their 16:9 proportions.
    let sizes = b.eval(
        "JSON.stringify([...document.querySelectorAll('figure svg')].map(s => { const r = s.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }))",
    );
    let sizes: Vec<[f64; 4]> = serde_json::from_str(sizes.as_str().unwrap()).unwrap();
    assert!(
        sizes.len() >= charts,
        "{name}: {} charts on the page, expected at least {charts}",
        sizes.len()
    );
    for [_, _, w, h] in &sizes {
        assert!(*w >= 800.0, "{name}: a chart is only {w} px wide");
        assert!(
            (h - w * 900.0 / 1600.0).abs() < 2.0,
            "{name}: a chart is {w}×{h}, not 16:9"
        );
    }
    // The first chart renders: a screenshot of its box is that size and has ink in many colours.
    let [x, y, w, h] = sizes[0];
    let shot = b.call(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true,
               "clip": {"x": x, "y": y, "width": w, "height": h, "scale": 1}}),
    );
    let png = base64(shot["data"].as_str().unwrap());
    keep(&format!("{name}-chart.png"), &png);
    let (pw, ph, rgba) = decode_png(&png);
    assert_eq!(
        (f64::from(pw), f64::from(ph)),
        (w.round(), h.round()),
        "{name}: chart screenshot size"
    );
    let (share, colours) = ink(&rgba);
    assert!(
        share > 0.03 && colours > 30,
        "{name}: the chart looks blank ({share:.3} inked, {colours} colours)"
    );
    // The whole page, as seen on screen and as printed (for people to look at).
    let full = b.call(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    );
    let png = base64(full["data"].as_str().unwrap());
    keep(&format!("{name}-screen.png"), &png);
    let (fw, _, rgba) = decode_png(&png);
    // Nothing sticks out sideways: the page is as wide as the window.
    let wide = b.eval(&format!("JSON.stringify({WIDE})"));
    assert_eq!(fw, 1200, "{name}: page screenshot width; too wide: {wide}");
    assert!(ink(&rgba).0 > 0.02, "{name}: the page looks blank");
    // Printed on A4 and on Letter: at most two pages.
    let mut pages_seen = Vec::new();
    for (paper, width, height) in [("a4", 8.27, 11.69), ("letter", 8.5, 11.0)] {
        let pdf = b.call(
            "Page.printToPDF",
            json!({"paperWidth": width, "paperHeight": height, "printBackground": false}),
        );
        let pdf = base64(pdf["data"].as_str().unwrap());
        keep(&format!("{name}-{paper}.pdf"), &pdf);
        pages_seen.push((paper, pdf_pages(&pdf)));
    }
    if std::env::var_os("LEVERSIM_REPORT_SHOTS").is_some() {
        b.call("Emulation.setEmulatedMedia", json!({"media": "print"}));
        b.call(
            "Emulation.setDeviceMetricsOverride",
            // A4's width less the page margins (190 mm at 96 px per inch).
            json!({"width": 718, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
        );
        let shot = b.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        keep(
            &format!("{name}-print.png"),
            &base64(shot["data"].as_str().unwrap()),
        );
        let wide = b.eval(&format!("JSON.stringify({WIDE})"));
        assert_eq!(wide, json!("[]"), "{name}: in print, too wide");
    }
    for (paper, pages) in pages_seen {
        assert!(
            (1..=2).contains(&pages),
            "{name}: printed on {pages} {paper} pages"
        );
    }
    let bad = misdeeds(&b.events, &url);
    assert!(bad.is_empty(), "{name}: {}", bad.join("\n"));
    // Only the page itself was requested.
    assert!(
        b.events
            .iter()
            .any(|e| e["method"] == "Network.requestWillBeSent"),
        "{name}: the network log saw not even the page (is Network enabled?)"
    );
    b
}

/// The main world's ten bundles: every chart renders, nothing is fetched, two pages in print.
#[test]
fn report_of_the_main_world_opens_renders_and_prints_on_two_pages() {
    let Some(chromium) = chromium() else { return };
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/korea-russia.toml");
    let dir = report_of("korea10", &scenario, "200", &[]);
    open_and_check(&chromium, &dir, "korea10", 2);
}

/// Three bundles of the main world, for the record and for looking at.
#[test]
fn report_of_three_bundles_opens_and_prints() {
    let Some(chromium) = chromium() else { return };
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/korea-russia.toml");
    let dir = report_of(
        "korea3",
        &scenario,
        "200",
        &[
            "--bundle",
            "status_quo",
            "--bundle",
            "disrupt",
            "--bundle",
            "full_package",
        ],
    );
    open_and_check(&chromium, &dir, "korea3", 2);
}

/// A label with markup shows as text: no script element on the page, the text visible as written.
#[test]
fn markup_in_labels_shows_as_text_in_the_browser() {
    let Some(chromium) = chromium() else { return };
    let dir = crate::report::hostile_report("browser-hostile");
    let mut b = open_and_check(&chromium, &dir, "hostile", 1);
    assert_eq!(
        b.eval("document.querySelectorAll('script').length"),
        json!(0)
    );
    assert_eq!(
        b.eval("document.querySelectorAll('b, img, iframe').length"),
        json!(0)
    );
    let text = b.eval("document.body.innerText");
    let text = text.as_str().unwrap();
    assert!(
        text.contains("<script>alert(1)</script>"),
        "the label is not shown as text"
    );
    assert!(
        text.contains("<b>bold?</b>"),
        "the question is not shown as text"
    );
}

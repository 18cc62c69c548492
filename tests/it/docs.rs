//! The scenario-format reference, `docs/scenario-format.md`, is tested: its examples must work.
//!
//! Every fenced ` ```toml ` block of the page is loaded, compiled and, when valid, run for a few
//! runs of every bundle. How a block is checked:
//!
//! - A block with a `[scenario]` table or an `extends` key is a **complete** scenario. It is
//!   loaded as if it were a file in `scenarios/examples/`, so that `extends` paths resolve as for
//!   the example scenarios there.
//! - Any other block is a **fragment**: it is loaded as a variant that `extends` the page's
//!   *prelude* (the one block marked `<!-- check: prelude -->`), so it may use the names the
//!   prelude declares, and its items replace the prelude's items of the same name.
//! - An HTML comment on the line before a block changes this: `<!-- check: fragment -->` or
//!   `<!-- check: complete -->` force the mode; `<!-- check: invalid CODE -->` (CODE optional)
//!   says that the block shows a mistake, and it must then FAIL with an error of that code;
//!   `<!-- check: fault -->` says that the block is a valid scenario whose runs must stop with a
//!   numeric fault (a NaN, a bound crossed).
//! - A ` ```text ` block marked `<!-- check: diagnostics -->` shows what leversim says about the
//!   nearest toml block before it, which must be an invalid one: each `error[...]`,
//!   `warning[...]`, `= help:` and `= note:` line of it must appear in the diagnostics that
//!   leversim actually renders for that block (file names and line numbers may differ, since a
//!   fragment is loaded inside a variant file). Unmarked text blocks are not checked.
//!
//! Two more tests keep the page complete: every key that leversim reads (found by asking leversim
//! itself which keys it accepts in each table) must appear in a valid example, and so must every
//! distribution form and every outcome kind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use leversim::diag::{Code, Diagnostics, Severity, render_all};
use leversim::engine::{self, RunPlan};
use leversim::model::{Model, Overrides, compile};
use leversim::scenario::load_str;

/// The page, read at compile time so that editing it rebuilds the test.
pub(crate) const DOC: &str = include_str!("../../docs/scenario-format.md");

/// Fewest toml blocks the page must have: a parsing bug in this test that finds too few blocks
/// must fail rather than pass vacuously.
const MIN_TOML_BLOCKS: usize = 40;
/// Fewest blocks showing a mistake.
const MIN_INVALID_BLOCKS: usize = 10;
/// Fewest shown diagnostics compared with the real ones.
const MIN_CHECKED_DIAGNOSTICS: usize = 4;

/// Runs per bundle when a valid example is run.
const EXAMPLE_RUNS: u64 = 64;

/// How a block is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Complete,
    Fragment,
}

/// A fenced block of the page.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    /// 1-based line of the opening fence, for messages.
    pub(crate) line: usize,
    /// The info string (`toml`, `text`, ...).
    pub(crate) lang: String,
    /// The content, without the fence lines and the block's indentation.
    pub(crate) text: String,
    /// The words of a `<!-- check: ... -->` comment on the line before the fence.
    marker: Vec<String>,
}

impl Block {
    fn has(&self, word: &str) -> bool {
        self.marker.first().is_some_and(|w| w == word)
    }

    fn is_prelude(&self) -> bool {
        self.has("prelude")
    }

    pub(crate) fn is_invalid(&self) -> bool {
        self.has("invalid")
    }

    fn must_fault(&self) -> bool {
        self.has("fault")
    }

    /// The diagnostic code an invalid block must produce, if the marker names one.
    pub(crate) fn expected_code(&self) -> Option<&str> {
        if self.is_invalid() {
            self.marker.get(1).map(String::as_str)
        } else {
            None
        }
    }

    fn mode(&self) -> Mode {
        if self.has("fragment") {
            return Mode::Fragment;
        }
        if self.has("complete") || self.is_prelude() {
            return Mode::Complete;
        }
        let complete = self.text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("[scenario]") || l.starts_with("extends")
        });
        if complete {
            Mode::Complete
        } else {
            Mode::Fragment
        }
    }
}

/// Every fenced block of `doc`, in order.
pub(crate) fn blocks(doc: &str) -> Vec<Block> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let Some(lang) = trimmed.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let indent = lines[i].len() - trimmed.len();
        let marker = marker_before(&lines, i);
        let start = i;
        let mut text = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim() != "```" {
            let line = lines[i];
            text.push_str(
                line.get(indent.min(line.len() - line.trim_start().len())..)
                    .unwrap_or(""),
            );
            text.push('\n');
            i += 1;
        }
        assert!(
            i < lines.len(),
            "the block at line {} is never closed",
            start + 1
        );
        out.push(Block {
            line: start + 1,
            lang: lang.trim().to_string(),
            text,
            marker,
        });
        i += 1;
    }
    out
}

/// The words of a `<!-- check: ... -->` comment on the last non-blank line before line `i`.
fn marker_before(lines: &[&str], i: usize) -> Vec<String> {
    let previous = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
    previous
        .and_then(|l| l.trim().strip_prefix("<!-- check:"))
        .and_then(|l| l.strip_suffix("-->"))
        .map(|words| words.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// What loading and compiling a block gave.
struct Checked {
    diags: Diagnostics,
    rendered: String,
    model: Option<Model>,
}

impl Checked {
    fn errors(&self) -> Vec<Code> {
        self.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect()
    }
}

/// A scratch folder of this test binary, unique to `tag` (tests run in parallel).
fn scratch(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("docs")
        .join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page's blocks and the path of its prelude, written into `scratch(tag)`.
fn page(tag: &str) -> (Vec<Block>, PathBuf) {
    let all = blocks(DOC);
    let preludes: Vec<&Block> = all.iter().filter(|b| b.is_prelude()).collect();
    assert_eq!(
        preludes.len(),
        1,
        "the page needs exactly one prelude block"
    );
    let path = scratch(tag).join("prelude.toml");
    std::fs::write(&path, &preludes[0].text).unwrap();
    (all, path)
}

/// Loads and compiles a toml block as the page describes.
fn check(block: &Block, prelude: &Path, tag: &str) -> Checked {
    let loaded = match block.mode() {
        Mode::Complete => {
            let name = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/examples")
                .join(format!("docs-line-{}.toml", block.line));
            load_str(&name.display().to_string(), &block.text)
        }
        Mode::Fragment => {
            let name = scratch(tag).join(format!("docs-line-{}.toml", block.line));
            let text = format!(
                "extends = {:?}\n{}",
                prelude.display().to_string(),
                block.text
            );
            load_str(&name.display().to_string(), &text)
        }
    };
    let mut diags = loaded.diags;
    let model = loaded
        .scenario
        .as_ref()
        .and_then(|s| compile(s, &Overrides::default(), &mut diags));
    diags.sort();
    let rendered = render_all(&diags, &loaded.sources, false);
    Checked {
        diags,
        rendered,
        model,
    }
}

/// Runs every bundle of a model for a few runs; the error text if a run faults.
fn run_briefly(model: &Model) -> Result<(), String> {
    let plan = RunPlan {
        seed: 1,
        runs: EXAMPLE_RUNS,
        first_run: 0,
        bundles: (0..model.bundles.len()).collect(),
        threads: 1,
        inputs: None,
        on_fault: Default::default(),
    };
    engine::run(model, &plan, &|_| {}, &Default::default())
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

/// The lines of a shown diagnostic that must appear in the real one.
fn checked_lines(shown: &str) -> Vec<&str> {
    shown
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("error[")
                || l.starts_with("warning[")
                || l.starts_with("= help:")
                || l.starts_with("= note:")
        })
        .collect()
}

#[test]
fn every_example_in_the_scenario_format_reference_works() {
    let (all, prelude) = page("examples");
    let mut failures = Vec::new();
    let (mut n_toml, mut n_invalid, mut n_diagnostics) = (0, 0, 0);
    for (i, block) in all.iter().enumerate() {
        if block.has("diagnostics") {
            let owner = all[..i].iter().rev().find(|b| b.lang == "toml");
            if !owner.is_some_and(Block::is_invalid) {
                failures.push(format!(
                    "docs/scenario-format.md:{}: shown diagnostics must follow an invalid toml block",
                    block.line
                ));
            }
        }
        if block.lang != "toml" {
            continue;
        }
        n_toml += 1;
        let at = format!("docs/scenario-format.md:{}", block.line);
        let checked = check(block, &prelude, "examples");
        let errors = checked.errors();
        if block.is_invalid() {
            n_invalid += 1;
            if errors.is_empty() {
                failures.push(format!("{at}: marked invalid, but it loads and compiles"));
                continue;
            }
            if let Some(code) = block.expected_code()
                && !errors.iter().any(|c| c.as_str() == code)
            {
                failures.push(format!(
                    "{at}: expected an error `{code}`, got:\n{}",
                    checked.rendered
                ));
            }
            let shown = all[i + 1..]
                .iter()
                .take_while(|next| next.lang != "toml")
                .filter(|next| next.has("diagnostics"));
            for shown in shown {
                n_diagnostics += 1;
                for line in checked_lines(&shown.text) {
                    if !checked.rendered.lines().any(|real| real.trim() == line) {
                        failures.push(format!(
                            "docs/scenario-format.md:{}: shown diagnostic line `{line}` is not what leversim says:\n{}",
                            shown.line, checked.rendered
                        ));
                    }
                }
            }
            continue;
        }
        match (&checked.model, errors.is_empty()) {
            (Some(model), true) => match (run_briefly(model), block.must_fault()) {
                (Err(fault), false) => {
                    failures.push(format!("{at}: valid, but a run failed: {fault}"));
                }
                (Ok(()), true) => {
                    failures.push(format!("{at}: marked fault, but every run succeeded"));
                }
                _ => {}
            },
            _ => failures.push(format!("{at}: does not validate:\n{}", checked.rendered)),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    assert!(
        n_toml >= MIN_TOML_BLOCKS,
        "only {n_toml} toml blocks found (expected at least {MIN_TOML_BLOCKS}): is the block parser broken?"
    );
    assert!(
        n_invalid >= MIN_INVALID_BLOCKS,
        "only {n_invalid} invalid blocks found (expected at least {MIN_INVALID_BLOCKS})"
    );
    assert!(
        n_diagnostics >= MIN_CHECKED_DIAGNOSTICS,
        "only {n_diagnostics} shown diagnostics checked (expected at least {MIN_CHECKED_DIAGNOSTICS})"
    );
}

#[test]
fn the_block_parser_reads_markers_modes_and_indented_blocks() {
    let doc = "text\n<!-- check: invalid bad-range -->\n```toml\n[aux]\nx = 1\n```\n\n  ```toml\n  [scenario]\n  name = \"x\"\n  ```\n<!-- check: fragment -->\n\n```text\nerror[x]: y\n```\n";
    let found = blocks(doc);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].line, 3);
    assert!(found[0].is_invalid());
    assert_eq!(found[0].expected_code(), Some("bad-range"));
    assert_eq!(found[0].mode(), Mode::Fragment);
    assert_eq!(found[0].text, "[aux]\nx = 1\n");
    assert_eq!(found[1].text, "[scenario]\nname = \"x\"\n");
    assert_eq!(found[1].mode(), Mode::Complete);
    assert!(found[1].marker.is_empty());
    assert_eq!(found[2].lang, "text");
    assert_eq!(found[2].mode(), Mode::Fragment);
    assert_eq!(
        checked_lines("error[a]: b\n --> f:1:1\n  = help: c\nerror: 1 problem"),
        ["error[a]: b", "= help: c"]
    );
}

/// A tiny scenario to probe leversim with.
const PROBE_BASE: &str = "[scenario]\nname = \"probe\"\nstart = \"2024-01\"\nend = \"2024-12\"\n";

/// A key no table accepts and no known key resembles.
const BOGUS: &str = "qqqqqqqqqq";

/// The diagnostics of a probe scenario (loading only).
fn probe(text: &str) -> Diagnostics {
    load_str("probe.toml", text).diags
}

/// The keys leversim accepts in the table where `text` puts the bogus key, read from the
/// "unknown key" diagnostic, which lists them.
fn accepted_keys(text: &str) -> BTreeSet<String> {
    let diags = probe(text);
    let unknown = diags
        .iter()
        .find(|d| d.code == Code::UnknownKey && d.message.contains(BOGUS))
        .unwrap_or_else(|| panic!("no unknown-key diagnostic for the probe:\n{text}"));
    let help = unknown.help.as_deref().unwrap_or("");
    let list = help
        .strip_prefix("the keys allowed here are: ")
        .unwrap_or_else(|| panic!("unexpected help `{help}` for the probe:\n{text}"));
    list.split(", ").map(String::from).collect()
}

/// The tables whose keys leversim checks, each with a probe that puts the bogus key there.
fn table_probes() -> Vec<(&'static str, String)> {
    let item = |header: &str, body: &str| format!("{PROBE_BASE}[{header}]\n{body}{BOGUS} = 1\n");
    vec![
        ("(top level)", format!("{BOGUS} = 1\n{PROBE_BASE}")),
        ("scenario", format!("{PROBE_BASE}{BOGUS} = 1\n")),
        (
            "params.*",
            item("params.x", "dist = \"constant\"\nvalue = 1\n"),
        ),
        ("levers.*", item("levers.x", "default = 0\n")),
        ("stocks.*", item("stocks.x", "")),
        ("flows.*", item("flows.x", "to = \"x\"\nrate = 1\n")),
        ("aux.*", item("aux.x", "expr = 1\n")),
        ("events.*", item("events.x", "hazard = 0.1\n")),
        ("outcomes.*", item("outcomes.x", "expr = 1\n")),
        ("bundles.*", item("bundles.x", "")),
        (
            "bundles.*.levers.*",
            item("bundles.x.levers.y", "value = 1\n"),
        ),
        (
            "observations",
            format!(
                "{PROBE_BASE}[[observations]]\nvar = \"x\"\nat = \"2024-01\"\nvalue = 1\n{BOGUS} = 1\n"
            ),
        ),
        ("output", item("output", "")),
        ("charts", item("charts", "")),
        ("report", item("report", "")),
    ]
}

/// Adds the keys of `value` (when a table) to `used[kind]`.
fn note_keys(used: &mut BTreeMap<String, BTreeSet<String>>, kind: &str, value: &toml::Value) {
    if let Some(table) = value.as_table() {
        used.entry(kind.to_string())
            .or_default()
            .extend(table.keys().cloned());
    }
}

/// The keys written in each kind of table of a parsed block.
fn keys_used(root: &toml::Table, used: &mut BTreeMap<String, BTreeSet<String>>) {
    used.entry("(top level)".into())
        .or_default()
        .extend(root.keys().cloned());
    for kind in ["scenario", "output", "charts", "report"] {
        if let Some(v) = root.get(kind) {
            note_keys(used, kind, v);
        }
    }
    for section in [
        "params", "levers", "stocks", "flows", "aux", "events", "outcomes", "bundles",
    ] {
        let items = root.get(section).and_then(toml::Value::as_table);
        for item in items.into_iter().flat_map(|t| t.values()) {
            note_keys(used, &format!("{section}.*"), item);
            if section == "bundles"
                && let Some(levers) = item.get("levers").and_then(toml::Value::as_table)
            {
                for setting in levers.values() {
                    note_keys(used, "bundles.*.levers.*", setting);
                }
            }
        }
    }
    for obs in root
        .get("observations")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        note_keys(used, "observations", obs);
    }
}

/// The valid toml blocks of the page, parsed.
fn valid_tables() -> Vec<(usize, toml::Table)> {
    blocks(DOC)
        .into_iter()
        .filter(|b| b.lang == "toml" && !b.is_invalid())
        .map(|b| {
            let table = b
                .text
                .parse::<toml::Table>()
                .unwrap_or_else(|e| panic!("docs/scenario-format.md:{}: {e}", b.line));
            (b.line, table)
        })
        .collect()
}

#[test]
fn every_key_leversim_reads_appears_in_a_valid_example() {
    let mut used = BTreeMap::new();
    for (_, table) in valid_tables() {
        keys_used(&table, &mut used);
    }
    let mut missing = Vec::new();
    for (kind, probe_text) in table_probes() {
        let accepted = accepted_keys(&probe_text);
        assert!(!accepted.is_empty(), "{kind}: no keys found");
        let shown = used.get(kind).cloned().unwrap_or_default();
        for key in accepted.difference(&shown) {
            missing.push(format!("`{key}` in {kind}"));
        }
    }
    assert!(
        missing.is_empty(),
        "keys without a valid example in docs/scenario-format.md: {}",
        missing.join(", ")
    );
}

/// The canonical name and accepted forms (key sets) of a distribution name or alias, read from
/// the diagnostic for a param that gives no keys ("normal needs {mean, sd}, ... or {p05, p95}").
fn forms_of(dist: &str) -> (String, Vec<BTreeSet<String>>) {
    let diags = probe(&format!(
        "{PROBE_BASE}[params]\nx = {{ dist = \"{dist}\" }}\n"
    ));
    let message = diags
        .iter()
        .find(|d| d.code == Code::BadDistribution)
        .map(|d| d.message.clone())
        .unwrap_or_else(|| panic!("no bad-distribution diagnostic for `{dist}` without keys"));
    let rest = message
        .strip_prefix("param `x`: ")
        .unwrap_or_else(|| panic!("unexpected message `{message}`"));
    let (name, forms) = rest
        .split_once(" needs ")
        .unwrap_or_else(|| panic!("unexpected message `{message}`"));
    let forms = forms
        .split('{')
        .skip(1)
        .filter_map(|f| f.split_once('}'))
        .map(|(keys, _)| keys.split(", ").map(String::from).collect())
        .collect();
    (name.to_string(), forms)
}

/// Every distribution name leversim knows, read from the hint for an unknown one.
fn distribution_names() -> Vec<String> {
    let diags = probe(&format!(
        "{PROBE_BASE}[params]\nx = {{ dist = \"{BOGUS}\", value = 1 }}\n"
    ));
    let help = diags
        .iter()
        .find(|d| d.code == Code::BadDistribution)
        .and_then(|d| d.help.clone())
        .unwrap_or_default();
    let list = help
        .strip_prefix("known distributions: ")
        .unwrap_or_else(|| panic!("unexpected help `{help}`"));
    list.split(", ").map(String::from).collect()
}

#[test]
fn every_distribution_form_and_outcome_kind_appears_in_a_valid_example() {
    let mut forms_used: BTreeSet<(String, BTreeSet<String>)> = BTreeSet::new();
    let mut kinds_used: BTreeSet<String> = BTreeSet::new();
    let not_dist_keys = ["dist", "label", "unit", "note"];
    for (_, table) in valid_tables() {
        let params = table.get("params").and_then(toml::Value::as_table);
        for param in params.into_iter().flat_map(|t| t.values()) {
            let Some(dist) = param.get("dist").and_then(toml::Value::as_str) else {
                continue;
            };
            let (canonical, _) = forms_of(dist);
            let keys = param
                .as_table()
                .into_iter()
                .flat_map(|t| t.keys())
                .filter(|k| !not_dist_keys.contains(&k.as_str()))
                .cloned()
                .collect();
            forms_used.insert((canonical, keys));
        }
        let outcomes = table.get("outcomes").and_then(toml::Value::as_table);
        for outcome in outcomes.into_iter().flat_map(|t| t.values()) {
            if let Some(kind) = outcome.get("kind").and_then(toml::Value::as_str) {
                kinds_used.insert(kind.to_string());
            }
        }
    }
    let names = distribution_names();
    assert!(names.len() >= 10, "too few distributions found: {names:?}");
    let mut missing = Vec::new();
    for name in &names {
        let (canonical, forms) = forms_of(name);
        assert_eq!(&canonical, name);
        assert!(!forms.is_empty(), "{name}: no forms found");
        for form in forms {
            if !forms_used.contains(&(name.clone(), form.clone())) {
                missing.push(format!("{name} {form:?}"));
            }
        }
    }
    let diags = probe(&format!(
        "{PROBE_BASE}[outcomes.x]\nexpr = 1\nkind = \"{BOGUS}\"\n"
    ));
    let help = diags
        .iter()
        .find(|d| d.message.contains("outcome kind"))
        .and_then(|d| d.help.clone())
        .unwrap_or_default();
    let kinds = help
        .strip_prefix("kinds: ")
        .unwrap_or_else(|| panic!("unexpected help `{help}`"));
    for kind in kinds.split(", ") {
        if !kinds_used.contains(kind) {
            missing.push(format!("outcome kind `{kind}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "without a valid example in docs/scenario-format.md: {}",
        missing.join(", ")
    );
}

//! The scenario format's JSON Schema (issue 16, item 4): the file shipped for editors is the one
//! generated from the reader's tables of keys, and every scenario the project ships or documents
//! is valid under it, while the mistakes editors should flag are not.

use std::path::{Path, PathBuf};

use leversim::scenario::schema::{SCHEMA_PATH, json_schema_text};

use crate::docs::{DOC, blocks};

fn shipped_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH)
}

/// A validator of the shipped schema, the file editors read.
fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(shipped_path()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

/// The schema's complaints about a TOML text, converted to JSON as editors do.
fn problems(validator: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let value: toml::Value = toml::from_str(toml_text).unwrap();
    let json = serde_json::to_value(&value).unwrap();
    validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn shipped_schema_is_the_generated_one() {
    let generated = json_schema_text();
    let path = shipped_path();
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    // Rewritten only on request and never under CI (the rule of the bad-scenario snapshots).
    if shipped != generated && crate::util::rewrite_requested() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        crate::util::report_rewrites(&[SCHEMA_PATH.to_string()]);
        return;
    }
    assert!(
        shipped == generated,
        "{SCHEMA_PATH} is not the schema the reader's tables (src/scenario/keys.rs) generate; \
         regenerate it with\n    UPDATE_SNAPSHOTS=1 cargo test --test it scenario_schema\n\
         and review the diff"
    );
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_scenario_is_valid() {
    let validator = validator();
    let mut files = Vec::new();
    toml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut files,
    );
    assert!(files.len() >= 9, "found only {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let found = problems(&validator, &text);
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
}

#[test]
fn every_documented_example_is_valid_and_the_shown_unknown_key_is_not() {
    let validator = validator();
    let mut valid = 0;
    let mut flagged = 0;
    for block in blocks(DOC).iter().filter(|b| b.lang == "toml") {
        let found = problems(&validator, &block.text);
        if !block.is_invalid() {
            assert!(
                found.is_empty(),
                "the example at docs/scenario-format.md:{}: {found:#?}",
                block.line
            );
            valid += 1;
        } else if block.expected_code() == Some("unknown-key") {
            assert!(
                !found.is_empty(),
                "the schema accepts the misspelt key at docs/scenario-format.md:{}",
                block.line
            );
            flagged += 1;
        }
    }
    assert!(valid >= 30, "only {valid} valid examples found");
    assert_eq!(flagged, 1);
}

#[test]
fn the_schema_flags_what_editors_should() {
    let validator = validator();
    let base = "[scenario]\nname = \"x\"\nstart = \"2024-01\"\nend = \"2024-12\"\n";
    assert_eq!(problems(&validator, base), Vec::<String>::new());
    for (mistake, at) in [
        ("runs = \"1000\"\n", "/scenario/runs"),
        ("rnus = 1000\n", "/scenario"),
        ("seed = 1.5\n", "/scenario/seed"),
        ("[params.x]\ndist = \"lognormall\"\n", "/params/x"),
        ("[stocks.s]\nbound = \"wrap\"\n", "/stocks/s/bound"),
        (
            "[outcomes.o]\nexpr = \"s\"\nkind = \"maximum\"\n",
            "/outcomes/o/kind",
        ),
        (
            "[levers.l]\ndefault = 0\nfrom = \"2024-1\"\n",
            "/levers/l/from",
        ),
    ] {
        // Keys without a header land in `[scenario]`, the base's last table.
        let found = problems(&validator, &format!("{base}{mistake}"));
        assert!(
            found.iter().any(|p| p.starts_with(at)),
            "{mistake:?} should be flagged at {at}: {found:#?}"
        );
    }
}

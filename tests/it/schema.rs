//! One home for every results format (issue 16, item 1): each file a command writes reads back
//! into its type in `leversim::output::schema`, every file carries the same provenance under the
//! same names, the names users already read are all still there, and `plot` reads results
//! through that module only.

use std::path::Path;

use leversim::output::schema::{
    Better, Comparison, DISCOVERY_COLUMNS, DRIVERS_COLUMNS, DiscoveryFile, DriversReport,
    OutcomeKind, Provenance, REGRET_COLUMNS, RobustnessReport, SATISFICE_COLUMNS,
    SensitivityReport, Summary, SweepReport, VariableKind,
};

use crate::util::{leversim, temp_dir};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/charts.toml");

fn json(dir: &Path, file: &str) -> (String, serde_json::Value) {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn has_all(v: &serde_json::Value, names: &[&str], what: &str) {
    let present = keys(v);
    for name in names {
        assert!(
            present.iter().any(|k| k == name),
            "{what} lacks `{name}`: {present:?}"
        );
    }
}

/// The fields of the provenance every file carries.
const PROVENANCE: [&str; 13] = [
    "scenario",
    "scenario_sha256",
    "files",
    "version",
    "commit",
    "rng",
    "seed",
    "runs",
    "threads",
    "bundles",
    "overrides",
    "command",
    "posterior",
];

fn check_provenance(p: &Provenance, command: &str) {
    assert_eq!(p.scenario, FIXTURE);
    assert_eq!(p.scenario_sha256.len(), 64);
    assert_eq!(
        p.files.first().map(|f| f.sha256.as_str()),
        Some(p.scenario_sha256.as_str())
    );
    assert_eq!(p.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(p.rng.rand, "0.10.4");
    assert_eq!(p.seed, 5);
    assert_eq!(p.overrides.len(), 1);
    assert_eq!(p.overrides[0].name, "ssn_effort");
    assert!(p.command.starts_with(command), "{}", p.command);
    assert!(p.posterior.is_none());
}

#[test]
fn every_file_reads_back_into_its_schema_with_one_provenance() {
    let dir = temp_dir("schema", "all");
    let out = |name: &str| dir.join(name).display().to_string();
    let common = [
        "--seed",
        "5",
        "--set",
        "ssn_effort=0.01",
        "--no-charts",
        "--threads",
        "2",
    ];
    let runs = [
        vec!["run", FIXTURE, "--runs", "40", "--out"],
        vec!["compare", FIXTURE, "--runs", "40", "--out"],
        vec![
            "sweep",
            FIXTURE,
            "--lever",
            "enforcement=0:1:0.5",
            "--runs",
            "20",
            "--out",
        ],
        vec![
            "sensitivity",
            FIXTURE,
            "--samples",
            "8",
            "--bootstrap",
            "10",
            "--series",
            "none",
            "--out",
        ],
    ];
    for (args, name) in runs.iter().zip(["run", "compare", "sweep", "sensitivity"]) {
        let target = out(name);
        let mut all: Vec<&str> = args.clone();
        all.push(&target);
        all.extend(common);
        let result = leversim(&all);
        assert!(
            result.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
    }

    // summary.json: the names the brief lists, plus the provenance; kinds as their words.
    let (text, value) = json(&dir.join("run"), "summary.json");
    let summary: Summary = serde_json::from_str(&text).unwrap();
    check_provenance(&summary.manifest.provenance, "leversim run ");
    has_all(&value["manifest"], &PROVENANCE, "summary.json manifest");
    has_all(
        &value["manifest"],
        &["first_run", "elapsed_s", "runs_per_s"],
        "summary.json manifest",
    );
    has_all(
        &value["outcomes"][0],
        &[
            "bundle", "outcome", "unit", "n", "mean", "sd", "se", "min", "p05", "p25", "p50",
            "p75", "p95", "max",
        ],
        "an outcome record",
    );
    let info = &summary.scenario;
    let ssn = info
        .outcomes
        .iter()
        .find(|o| o.name == "ssn_by_2030")
        .unwrap();
    assert_eq!(
        (ssn.kind, ssn.better),
        (OutcomeKind::Probability, Better::Lower)
    );
    let ssn_json = value["scenario"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "ssn_by_2030")
        .unwrap();
    assert_eq!(
        (ssn_json["kind"].as_str(), ssn_json["better"].as_str()),
        (Some("probability"), Some("lower"))
    );
    assert!(
        info.variables
            .iter()
            .any(|v| v.name == "shells_in_russia" && v.kind == VariableKind::Stock)
    );
    let series = std::fs::read_to_string(dir.join("run/series.csv")).unwrap();
    assert!(series.starts_with(&leversim::output::schema::SERIES_COLUMNS.join(",")));

    // comparison.json and comparison.csv.
    let (text, value) = json(&dir.join("compare"), "comparison.json");
    let comparison: Comparison = serde_json::from_str(&text).unwrap();
    check_provenance(&comparison.manifest, "leversim run ");
    has_all(
        &value,
        &[
            "reference",
            "cost_outcome",
            "records",
            "cost_effect",
            "manifest",
        ],
        "comparison.json",
    );
    let (summary_text, _) = json(&dir.join("compare"), "summary.json");
    let summary: Summary = serde_json::from_str(&summary_text).unwrap();
    assert_eq!(
        comparison.manifest, summary.manifest.provenance,
        "comparison.json and summary.json of one folder carry one provenance"
    );
    let csv = std::fs::read_to_string(dir.join("compare/comparison.csv")).unwrap();
    assert!(csv.starts_with(&leversim::output::schema::COMPARISON_COLUMNS.join(",")));

    // sweep.json: its provenance at the top level, where `scenario`, `seed` and `runs` were.
    let (text, value) = json(&dir.join("sweep"), "sweep.json");
    let sweep: SweepReport = serde_json::from_str(&text).unwrap();
    check_provenance(&sweep.provenance, "leversim sweep ");
    has_all(&value, &PROVENANCE, "sweep.json");
    has_all(
        &value,
        &["base_bundle", "levers", "records", "lever_info", "info"],
        "sweep.json",
    );
    assert_eq!(sweep.provenance.runs, 20);

    // sensitivity.json.
    let (text, value) = json(&dir.join("sensitivity"), "sensitivity.json");
    let report: SensitivityReport = serde_json::from_str(&text).unwrap();
    check_provenance(&report.manifest.provenance, "leversim sensitivity ");
    has_all(&value["manifest"], &PROVENANCE, "sensitivity.json manifest");
    has_all(
        &value["manifest"],
        &[
            "bundle",
            "methods",
            "samples",
            "elapsed_s",
            "runs_per_s",
            "method_notes",
        ],
        "sensitivity.json manifest",
    );
    has_all(
        &value["records"][0],
        &["outcome", "input", "input_kind", "s1", "st"],
        "a record",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The analyses of a results folder (`discover`, `drivers`, `robustness`) write files that read
/// back into their types, carry the runs' provenance with their own command, and keep the CSV
/// columns the schema names.
#[test]
fn analysis_files_read_back_into_their_schema() {
    let dir = temp_dir("schema", "analyses");
    let runs = dir.join("runs");
    let runs_arg = runs.display().to_string();
    let ran = leversim(&[
        "run",
        FIXTURE,
        "--runs",
        "300",
        "--seed",
        "5",
        "--set",
        "ssn_effort=0.01",
        "--no-charts",
        "--threads",
        "2",
        "--out",
        &runs_arg,
    ]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let (summary_text, _) = json(&runs, "summary.json");
    let summary: Summary = serde_json::from_str(&summary_text).unwrap();

    let analyses: [(&str, Vec<&str>); 3] = [
        (
            "discover",
            vec![
                "--outcome",
                "shells_by_2030",
                "--when",
                "> 2e7",
                "--bundle",
                "full_package",
            ],
        ),
        ("drivers", vec!["--trees", "10"]),
        ("robustness", vec!["--satisfice", "ssn_by_2030 < 0.5"]),
    ];
    for (command, extra) in &analyses {
        let out = dir.join(command).display().to_string();
        let mut args = vec![*command, runs_arg.as_str(), "--no-charts", "--out", &out];
        args.extend(extra.iter().copied());
        let result = leversim(&args);
        assert!(
            result.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    // Each analysis names the runs it read and its own command; the runs' identity is kept.
    let same_runs = |p: &Provenance, command: &str| {
        let runs_p = &summary.manifest.provenance;
        assert_eq!(
            (&p.scenario_sha256, p.seed, p.runs),
            (&runs_p.scenario_sha256, runs_p.seed, runs_p.runs),
            "{command} keeps the runs' scenario, seed and runs"
        );
        assert!(
            p.command.starts_with(&format!("leversim {command} ")),
            "{}",
            p.command
        );
    };
    let header = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().next().unwrap_or_default().to_owned()
    };

    let (text, value) = json(&dir.join("discover"), "discovery.json");
    let discovery: DiscoveryFile = serde_json::from_str(&text).unwrap();
    same_runs(&discovery.manifest.provenance, "discover");
    has_all(
        &value,
        &["manifest", "target", "base_rate", "trajectory", "boxes"],
        "discovery.json",
    );
    assert!((0.0..=1.0).contains(&discovery.base_rate));
    assert!(header(&dir.join("discover/discovery.csv")).starts_with(&DISCOVERY_COLUMNS.join(",")));

    let (text, value) = json(&dir.join("drivers"), "drivers.json");
    let drivers: DriversReport = serde_json::from_str(&text).unwrap();
    same_runs(&drivers.manifest.provenance, "drivers");
    assert_eq!(drivers.manifest.trees, 10);
    has_all(
        &value,
        &[
            "manifest", "scenario", "bundles", "inputs", "outcomes", "records",
        ],
        "drivers.json",
    );
    assert_eq!(
        drivers.records.len(),
        drivers.outcomes.len() * drivers.inputs.len(),
        "one record per (bundle, outcome, input)"
    );
    assert_eq!(
        header(&dir.join("drivers/drivers.csv")),
        DRIVERS_COLUMNS.join(",")
    );

    let (text, value) = json(&dir.join("robustness"), "robustness.json");
    let robustness: RobustnessReport = serde_json::from_str(&text).unwrap();
    same_runs(&robustness.manifest.provenance, "robustness");
    has_all(
        &value,
        &["manifest", "scenario", "bundles", "regret", "satisfice"],
        "robustness.json",
    );
    assert_eq!(robustness.manifest.satisfice, ["ssn_by_2030 < 0.5"]);
    assert_eq!(robustness.bundles, summary.manifest.provenance.bundles);
    assert_eq!(
        header(&dir.join("robustness/regret.csv")),
        REGRET_COLUMNS.join(",")
    );
    assert_eq!(
        header(&dir.join("robustness/satisfice.csv")),
        SATISFICE_COLUMNS.join(",")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Files written before the schema grew (a sweep without `files`, `rng` or `threads`) still
/// read.
#[test]
fn older_files_still_read() {
    let old_sweep = r#"{"scenario": "x.toml", "base_bundle": "b", "levers": ["k"], "seed": 1,
        "runs": 10, "records": [], "version": "0.1.0", "scenario_sha256": "ab", "overrides": [],
        "command": "leversim sweep x.toml"}"#;
    let sweep: SweepReport = serde_json::from_str(old_sweep).unwrap();
    assert_eq!((sweep.provenance.seed, sweep.provenance.runs), (1, 10));
    assert!(sweep.provenance.commit.is_none() && sweep.info.is_none());
}

/// `plot` reads results only through `output::schema` (and the folder and number helpers of
/// `output`): never the engine, the model, the scenario reader, comparisons or sensitivity code.
#[test]
fn plot_depends_only_on_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plot");
    let mut pending = vec![root];
    let mut files = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let allowed = ["plot", "output::schema", "output::format", "output::folder"];
                assert!(
                    allowed.iter().any(|a| rest.starts_with(a)),
                    "{} uses crate::{}",
                    path.display(),
                    rest.lines().next().unwrap_or("")
                );
            }
        }
    }
    assert!(files > 10);
}

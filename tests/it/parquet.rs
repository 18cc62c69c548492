//! Parquet beside CSV and sampled paths (issue 16, item 2): the Parquet files hold exactly the
//! numbers of the CSV files, typed, with the provenance in their metadata; the paths are the very
//! runs of the main job (their last month is the run's final outcome in `runs.csv`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use leversim::output::schema::{Month, PROVENANCE_KEY, Provenance, TABLE_KEY, month_days};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::util::{leversim, temp_dir};

/// A stock with a random monthly inflow under two bundles, an outcome that is often missing
/// (`first`), and 16 months.
const SCENARIO: &str = r#"
[scenario]
name = "tables"
start = "2024-01"
end = "2025-04"
runs = 100
seed = 11

[params]
rate = { dist = "lognormal", median = 10, error_factor = 2 }

[levers.cut]
default = 0
range = [0, 1]

[stocks.stock]
init = 5

[flows.inflow]
to = "stock"
rate = "rate * (1 - 0.5 * cut) * uniform(0.5, 1.5)"

[outcomes.level]
expr = "stock"

[outcomes.crossed]
kind = "first"
expr = "stock > 150"

[bundles.baseline]
[bundles.half]
levers = { cut = 1 }

[output]
paths = ["stock", "inflow"]
path_runs = 37
"#;

/// Runs the scenario into a fresh folder with extra arguments; returns the folder.
fn run(name: &str, text: &str, args: &[&str]) -> std::path::PathBuf {
    let dir = temp_dir("parquet", name);
    let file = dir.join("tables.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let mut all = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
    ];
    all.extend_from_slice(args);
    let result = leversim(&all);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Every record batch of a Parquet file, and its key-value metadata.
fn read_parquet(path: &Path) -> (Vec<RecordBatch>, BTreeMap<String, String>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let meta = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (batches, meta)
}

/// Rows of a CSV file as (header, rows of cells).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A Parquet cell as the CSV writes it: the shortest round-trip text, empty for null, the
/// month as `YYYY-MM`.
fn cell(column: &dyn Array, row: usize) -> String {
    if column.is_null(row) {
        return String::new();
    }
    match column.data_type() {
        DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
        DataType::UInt64 => column.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Float64 => format!("{}", column.as_primitive::<Float64Type>().value(row)),
        DataType::Date32 => {
            let days = column.as_primitive::<Date32Type>().value(row);
            month_from_days(days).to_string()
        }
        other => panic!("unexpected column type {other}"),
    }
}

/// The month whose first day is `days` after 1970-01-01 (searching, to check `month_days`
/// independently of its inverse).
fn month_from_days(days: i32) -> Month {
    let mut month = Month::parse("1970-01").unwrap();
    while month_days(month.offset(1)) <= days {
        month = month.offset(1);
    }
    assert_eq!(month_days(month), days, "not the first day of a month");
    month
}

/// Checks that a Parquet file holds the CSV file's header and cells, and returns its metadata.
fn same_table(dir: &Path, table: &str) -> BTreeMap<String, String> {
    let (header, rows) = read_csv(&dir.join(format!("{table}.csv")));
    let (batches, meta) = read_parquet(&dir.join(format!("{table}.parquet")));
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, header, "{table}: columns");
    let mut n = 0;
    for batch in &batches {
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch.columns().iter().map(|c| cell(c, row)).collect();
            assert_eq!(cells, rows[n], "{table}: row {n}");
            n += 1;
        }
    }
    assert_eq!(n, rows.len(), "{table}: rows");
    assert_eq!(meta.get(TABLE_KEY).map(String::as_str), Some(table));
    meta
}

#[test]
fn parquet_files_hold_the_csv_numbers_and_the_provenance() {
    // 70,000 runs per bundle: more rows than one record batch holds (65,536).
    let dir = run(
        "same",
        SCENARIO,
        &["--format", "parquet", "--runs", "70000"],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    for table in ["runs", "series", "paths"] {
        let meta = same_table(&dir, table);
        let provenance: Provenance = serde_json::from_str(&meta[PROVENANCE_KEY]).unwrap();
        assert_eq!(provenance.seed, 11);
        assert_eq!(provenance.runs, 70_000);
        assert_eq!(
            serde_json::to_value(&provenance).unwrap()["scenario_sha256"],
            summary["manifest"]["scenario_sha256"]
        );
    }
    let (batches, _) = read_parquet(&dir.join("runs.parquet"));
    assert!(batches.len() >= 3, "{} batches", batches.len());
    let schema = batches[0].schema();
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect();
    assert_eq!(
        types,
        ["Utf8", "UInt64", "Float64", "Float64", "Float64", "Float64"],
        "bundle, run, level, crossed, param.rate, lever.cut"
    );
    // `crossed` is missing in some runs (null, as the CSV cell is empty) and present in others.
    let crossed: usize = batches.iter().map(|b| b.column(3).null_count()).sum();
    assert!(crossed > 0 && crossed < 140_000, "{crossed} nulls");
    // The marker lists every file written, so that the folder can be replaced later.
    let marker = std::fs::read_to_string(dir.join(".leversim")).unwrap();
    for file in [
        "runs.parquet",
        "series.parquet",
        "paths.parquet",
        "paths.csv",
    ] {
        assert!(marker.contains(file), "{file} not in {marker}");
    }
}

#[test]
fn paths_are_the_runs_of_the_main_job() {
    let dir = run("paths", SCENARIO, &[]);
    assert!(!dir.join("runs.parquet").exists(), "csv is the default");
    assert!(!dir.join("paths.parquet").exists());
    let (_, runs) = read_csv(&dir.join("runs.csv"));
    let level: BTreeMap<(String, String), String> = runs
        .iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].clone()))
        .collect();
    let (header, rows) = read_csv(&dir.join("paths.csv"));
    assert_eq!(header, ["bundle", "run", "month", "stock", "inflow"]);
    assert_eq!(rows.len(), 2 * 37 * 16);
    let mut checked = 0;
    for row in rows.iter().filter(|r| r[2] == "2025-04") {
        // The stock's last month is the run's `level` (kind final), bit for bit.
        assert_eq!(row[3], level[&(row[0].clone(), row[1].clone())], "{row:?}");
        checked += 1;
    }
    assert_eq!(checked, 2 * 37);
    let runs_sampled: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(runs_sampled.len(), 37);
    assert!(runs_sampled.contains("0") && runs_sampled.contains("36"));
}

#[test]
fn the_command_line_overrides_the_scenario_format() {
    let text = SCENARIO.replace("path_runs = 37", "path_runs = 3\nformat = \"parquet\"");
    let dir = run("override", &text, &["--format", "csv", "--runs", "20"]);
    assert!(!dir.join("runs.parquet").exists());
    let dir = run("scenario", &text, &["--runs", "20"]);
    assert!(dir.join("runs.parquet").exists() && dir.join("paths.parquet").exists());
}

#[test]
fn the_results_line_names_every_file_written() {
    let dir = temp_dir("parquet", "line");
    let file = dir.join("tables.toml");
    std::fs::write(&file, SCENARIO.replace("path_runs = 37", "path_runs = 3")).unwrap();
    let stdout = |args: &[&str]| {
        let result = leversim(args);
        assert!(result.status.success(), "{result:?}");
        String::from_utf8(result.stdout).unwrap()
    };
    let (file, csv, parquet, compared) = (
        file.to_str().unwrap(),
        dir.join("csv"),
        dir.join("parquet"),
        dir.join("compared"),
    );
    let line = stdout(&[
        "run",
        file,
        "--runs",
        "20",
        "--no-charts",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(
        line.contains("/ (summary.json, runs.csv, series.csv, paths.csv)\n"),
        "{line}"
    );
    let args = [
        "--runs",
        "20",
        "--no-charts",
        "--format",
        "parquet",
        "--out",
    ];
    let line = stdout(&[&["run", file][..], &args, &[parquet.to_str().unwrap()]].concat());
    assert!(
        line.contains(
            "/ (summary.json, runs.csv, series.csv, paths.csv, runs.parquet, series.parquet, \
             paths.parquet)\n"
        ),
        "{line}"
    );
    let line = stdout(&[
        "compare",
        file,
        "--reference",
        "baseline",
        "--runs",
        "20",
        "--no-charts",
        "--out",
        compared.to_str().unwrap(),
    ]);
    assert!(
        line.contains(
            "/ (comparison.json, comparison.csv, summary.json, runs.csv, series.csv, paths.csv)\n"
        ),
        "{line}"
    );
}

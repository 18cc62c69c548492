//! The per-run tables as data files: `runs`, `series` and `paths`, in CSV and in Parquet.
//!
//! With `--format parquet` (or `[output] format = "parquet"`) every table is written as Parquet
//! *beside* its CSV, with the same columns in the same order, typed: text columns are UTF-8,
//! `run` is an unsigned 64-bit integer, `month` a date (the first day of the month), every value
//! a 64-bit float, null where the CSV cell is empty. The CSV files stay because `leversim plot`
//! and existing scripts read them. Each Parquet file carries the results' [`Provenance`] as JSON
//! under the key-value metadata key [`PROVENANCE_KEY`], so that a file copied out of its folder
//! still says how to reproduce it.
//!
//! | file | columns |
//! |---|---|
//! | `runs.csv`, `runs.parquet` | [`RUNS_COLUMNS`](super::RUNS_COLUMNS), an outcome per column, `param.NAME`, `lever.NAME`, then `fault` if faults were counted |
//! | `series.csv`, `series.parquet` | [`SERIES_COLUMNS`] |
//! | `paths.csv`, `paths.parquet` | [`PATHS_COLUMNS`], then one column per variable of `[output] paths` |
//!
//! [`Provenance`]: super::Provenance

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use super::summary::{RUNS_FAULT_COLUMN, SERIES_COLUMNS};

/// Which files hold the per-run tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// CSV only (the default).
    #[default]
    Csv,
    /// CSV, and Parquet beside it.
    Parquet,
}

impl TableFormat {
    /// The word in scenario files (`[output] format`) and on the command line (`--format`).
    pub fn as_str(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }

    /// Every format, in documentation order.
    pub const ALL: [TableFormat; 2] = [TableFormat::Csv, TableFormat::Parquet];

    /// The format called `word`, if any.
    pub fn from_word(word: &str) -> Option<TableFormat> {
        TableFormat::ALL.into_iter().find(|f| f.as_str() == word)
    }
}

/// Key of the Parquet key-value metadata entry holding the provenance, as JSON.
pub const PROVENANCE_KEY: &str = "leversim.provenance";

/// Key of the Parquet key-value metadata entry naming the table (`runs`, `series`, `paths`).
pub const TABLE_KEY: &str = "leversim.table";

/// The leading columns of `paths.csv` and `paths.parquet`; one column per variable follows,
/// named as the variable.
pub const PATHS_COLUMNS: [&str; 3] = ["bundle", "run", "month"];

/// Runs sampled for `[output] paths` when `path_runs` is not given.
pub const DEFAULT_PATH_RUNS: u64 = 100;

fn text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn value(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

/// The Arrow schema of `runs.parquet`: `bundle`, `run`, the outcomes, `param.NAME` per param and
/// `lever.NAME` per lever (already prefixed in `inputs`), and `fault` when faults were counted.
pub fn runs_schema(outcomes: &[&str], inputs: &[String], with_faults: bool) -> SchemaRef {
    let mut fields = vec![text("bundle"), Field::new("run", DataType::UInt64, false)];
    fields.extend(outcomes.iter().map(|o| value(o)));
    fields.extend(inputs.iter().map(|i| value(i)));
    if with_faults {
        fields.push(Field::new(RUNS_FAULT_COLUMN, DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// The Arrow schema of `series.parquet`.
pub fn series_schema() -> SchemaRef {
    let [bundle, variable, month, stats @ ..] = SERIES_COLUMNS;
    let mut fields = vec![
        text(bundle),
        text(variable),
        Field::new(month, DataType::Date32, false),
    ];
    fields.extend(stats.iter().map(|s| value(s)));
    Arc::new(Schema::new(fields))
}

/// The Arrow schema of `paths.parquet`.
pub fn paths_schema(vars: &[&str]) -> SchemaRef {
    let [bundle, run, month] = PATHS_COLUMNS;
    let mut fields = vec![
        text(bundle),
        Field::new(run, DataType::UInt64, false),
        Field::new(month, DataType::Date32, false),
    ];
    fields.extend(vars.iter().map(|v| value(v)));
    Arc::new(Schema::new(fields))
}

/// Days from 1970-01-01 to the first day of `month` (Arrow's `Date32`).
pub fn month_days(month: super::Month) -> i32 {
    // Howard Hinnant's days_from_civil, for the first of the month.
    let (y, m) = (i64::from(month.year()), i64::from(month.month()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scenario::Month;

    #[test]
    fn month_days_matches_known_dates() {
        let days = |y, m| month_days(Month::new(y, m).unwrap());
        assert_eq!(days(1970, 1), 0);
        assert_eq!(days(2000, 3), 11_017);
        assert_eq!(days(2024, 10), 19_997);
        assert_eq!(days(1969, 12), -31);
    }

    #[test]
    fn formats_read_back_from_their_words() {
        for f in TableFormat::ALL {
            assert_eq!(TableFormat::from_word(f.as_str()), Some(f));
        }
        assert_eq!(TableFormat::from_word("arrow"), None);
    }
}

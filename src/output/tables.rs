//! Writing the per-run tables as Parquet (`runs.parquet`, `series.parquet`) and the sampled
//! paths (`paths.csv`, `paths.parquet`); the formats are defined in [`super::schema::tables`].
//!
//! Rows are built into Arrow record batches of [`ROWS_PER_BATCH`] rows and streamed to the file,
//! so memory does not grow with the runs. Columns are compressed with Snappy (fast to write and
//! read; every Parquet reader has it). A value missing in the CSV (an outcome without a value,
//! a month of a retired run) is null here, never NaN.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};
use arrow_array::builder::{Date32Builder, Float64Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::schema::{
    PATHS_COLUMNS, PROVENANCE_KEY, Provenance, RUNS_LEVER_PREFIX, RUNS_PARAM_PREFIX, TABLE_KEY,
    month_days, paths_schema, runs_schema, series_schema,
};
use super::write::{ResultsWriter, text_cell};
use crate::engine::RunOutput;
use crate::engine::draws::{lever_means, param_values_into};
use crate::engine::paths::Paths;
use crate::model::Model;

/// Rows per Arrow record batch (and so the unit of memory while writing): large enough that
/// per-batch overhead vanishes, small enough to stay a few MB for wide tables.
pub const ROWS_PER_BATCH: usize = 65_536;

/// A Parquet file being written, with its column builders.
struct TableFile {
    path: std::path::PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    schema: SchemaRef,
}

impl TableFile {
    fn create(
        path: &Path,
        schema: SchemaRef,
        table: &str,
        provenance: &Provenance,
    ) -> Result<Self> {
        let json = serde_json::to_string(provenance).context("could not encode the provenance")?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            // The crate's default row group (1,048,576 rows) buffers a whole 1,000,000-run
            // table before writing it (+430 MB on that job, docs/performance.md); four batches
            // per row group bound the memory whatever the runs.
            .set_max_row_group_row_count(Some(4 * ROWS_PER_BATCH))
            .set_key_value_metadata(Some(vec![
                KeyValue::new(PROVENANCE_KEY.to_string(), json),
                KeyValue::new(TABLE_KEY.to_string(), table.to_string()),
            ]))
            .build();
        let file =
            File::create(path).with_context(|| format!("could not create '{}'", path.display()))?;
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            schema.clone(),
            Some(props),
        )
        .with_context(|| format!("could not start '{}'", path.display()))?;
        Ok(TableFile {
            path: path.to_path_buf(),
            writer,
            schema,
        })
    }

    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .with_context(|| format!("could not assemble rows of '{}'", self.path.display()))?;
        self.writer
            .write(&batch)
            .with_context(|| write_error(&self.path))
    }

    fn finish(self) -> Result<()> {
        let path = self.path;
        self.writer.close().with_context(|| write_error(&path))?;
        Ok(())
    }
}

fn write_error(path: &Path) -> String {
    format!("could not write '{}' (is the disk full?)", path.display())
}

/// A value cell: null for NaN (no value), as the CSV leaves the cell empty.
fn push_value(b: &mut Float64Builder, v: f64) {
    b.append_option((!v.is_nan()).then_some(v));
}

fn finish_values(builders: &mut [Float64Builder]) -> impl Iterator<Item = ArrayRef> + '_ {
    builders
        .iter_mut()
        .map(|b| std::sync::Arc::new(b.finish()) as ArrayRef)
}

impl ResultsWriter {
    /// Writes `runs.parquet`: the rows and columns of `runs.csv`, typed.
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_runs_parquet(
        &self,
        model: &Model,
        out: &RunOutput,
        provenance: &Provenance,
    ) -> Result<()> {
        let outcomes: Vec<&str> = model.outcomes.iter().map(|o| o.name.as_str()).collect();
        let inputs: Vec<String> = model
            .params
            .iter()
            .map(|p| format!("{RUNS_PARAM_PREFIX}{}", p.name))
            .chain(
                model
                    .lever_names
                    .iter()
                    .map(|l| format!("{RUNS_LEVER_PREFIX}{l}")),
            )
            .collect();
        let with_faults = !out.faults.is_empty();
        let schema = runs_schema(&outcomes, &inputs, with_faults);
        let mut file =
            TableFile::create(&self.dir().join("runs.parquet"), schema, "runs", provenance)?;
        let n_out = model.outcomes.len();
        let width = n_out + inputs.len();
        let mut bundles = StringBuilder::new();
        let mut runs = UInt64Builder::new();
        let mut values: Vec<Float64Builder> = (0..width).map(|_| Float64Builder::new()).collect();
        let mut faults = StringBuilder::new();
        let mut params = vec![0.0; model.params.len()];
        let mut rows = 0;
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = &model.bundles[bundle].name;
            let levers = lever_means(model, bundle);
            for (i, row) in out.outcomes[b].chunks_exact(n_out.max(1)).enumerate() {
                let run = out.plan.first_run + i as u64;
                bundles.append_value(name);
                runs.append_value(run);
                // The same draws the engine made for this run, as in runs.csv.
                param_values_into(model, out.plan.seed, run, &mut params);
                let cells = row.iter().take(n_out).chain(&params).chain(&levers);
                for (builder, &v) in values.iter_mut().zip(cells) {
                    push_value(builder, v);
                }
                if with_faults {
                    let fault = out
                        .faults
                        .iter()
                        .find(|(fb, f)| *fb == b && f.run == run)
                        .map(|(_, f)| format!("{} {}", f.code(), f.var));
                    faults.append_option(fault);
                }
                rows += 1;
                if rows == ROWS_PER_BATCH {
                    rows = 0;
                    file.write(runs_columns(
                        &mut bundles,
                        &mut runs,
                        &mut values,
                        with_faults.then_some(&mut faults),
                    ))?;
                }
            }
        }
        if rows > 0 {
            file.write(runs_columns(
                &mut bundles,
                &mut runs,
                &mut values,
                with_faults.then_some(&mut faults),
            ))?;
        }
        file.finish()
    }

    /// Writes `series.parquet`: the rows and columns of `series.csv`, typed.
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_series_parquet(
        &self,
        model: &Model,
        out: &RunOutput,
        provenance: &Provenance,
    ) -> Result<()> {
        let mut file = TableFile::create(
            &self.dir().join("series.parquet"),
            series_schema(),
            "series",
            provenance,
        )?;
        let mut bundles = StringBuilder::new();
        let mut variables = StringBuilder::new();
        let mut months = Date32Builder::new();
        let mut values: Vec<Float64Builder> = (0..6).map(|_| Float64Builder::new()).collect();
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = &model.bundles[bundle].name;
            for (r, &var) in model.recorded.iter().enumerate() {
                for (m, cell) in out.series[b][r].iter().enumerate() {
                    bundles.append_value(name);
                    variables.append_value(&model.vars[var].name);
                    months.append_value(month_days(model.month_at(m)));
                    let cells = std::iter::once(cell.mean).chain(cell.p);
                    for (builder, v) in values.iter_mut().zip(cells) {
                        push_value(builder, v);
                    }
                }
            }
            // One record batch per bundle: a bundle's series are small (variables × months).
            let mut columns: Vec<ArrayRef> = vec![
                std::sync::Arc::new(bundles.finish()),
                std::sync::Arc::new(variables.finish()),
                std::sync::Arc::new(months.finish()),
            ];
            columns.extend(finish_values(&mut values));
            file.write(columns)?;
        }
        file.finish()
    }

    /// Writes `paths.csv` and, with `parquet`, `paths.parquet`: one row per (bundle, sampled
    /// run, month), a column per variable.
    ///
    /// # Errors
    /// On I/O failure.
    pub fn write_paths(
        &self,
        model: &Model,
        out: &RunOutput,
        paths: &Paths,
        parquet: Option<&Provenance>,
    ) -> Result<()> {
        use std::io::Write as _;
        let names: Vec<&str> = paths
            .vars
            .iter()
            .map(|&v| model.vars[v].name.as_str())
            .collect();
        let csv_path = self.dir().join("paths.csv");
        let file = File::create(&csv_path)
            .with_context(|| format!("could not create '{}'", csv_path.display()))?;
        let mut csv = BufWriter::with_capacity(1 << 20, file);
        let header: Vec<&str> = PATHS_COLUMNS
            .iter()
            .copied()
            .chain(names.iter().copied())
            .collect();
        writeln!(csv, "{}", header.join(",")).with_context(|| write_error(&csv_path))?;
        let mut table = match parquet {
            Some(provenance) => Some(TableFile::create(
                &self.dir().join("paths.parquet"),
                paths_schema(&names),
                "paths",
                provenance,
            )?),
            None => None,
        };
        let mut bundles = StringBuilder::new();
        let mut runs = UInt64Builder::new();
        let mut months = Date32Builder::new();
        let mut values: Vec<Float64Builder> =
            (0..names.len()).map(|_| Float64Builder::new()).collect();
        let mut line = String::new();
        for (b, &bundle) in out.plan.bundles.iter().enumerate() {
            let name = &model.bundles[bundle].name;
            let cell = text_cell(name);
            for run in 0..paths.runs as usize {
                let run_index = paths.first_run + run as u64;
                for m in 0..paths.months {
                    let month = model.month_at(m);
                    line.clear();
                    line.push_str(&format!("{cell},{run_index},{month}"));
                    for (v, builder) in values.iter_mut().enumerate() {
                        let value = paths.get(b, run, v, m);
                        line.push(',');
                        line.push_str(&super::schema::number_cell(Some(value)));
                        push_value(builder, value);
                    }
                    line.push('\n');
                    csv.write_all(line.as_bytes())
                        .with_context(|| write_error(&csv_path))?;
                    bundles.append_value(name);
                    runs.append_value(run_index);
                    months.append_value(month_days(month));
                }
            }
            // One record batch per bundle (sampled runs × months rows).
            let mut columns: Vec<ArrayRef> = vec![
                std::sync::Arc::new(bundles.finish()),
                std::sync::Arc::new(runs.finish()),
                std::sync::Arc::new(months.finish()),
            ];
            columns.extend(finish_values(&mut values));
            if let Some(table) = &mut table {
                table.write(columns)?;
            }
        }
        csv.flush().with_context(|| write_error(&csv_path))?;
        match table {
            Some(table) => table.finish(),
            None => Ok(()),
        }
    }
}

fn runs_columns(
    bundles: &mut StringBuilder,
    runs: &mut UInt64Builder,
    values: &mut [Float64Builder],
    faults: Option<&mut StringBuilder>,
) -> Vec<ArrayRef> {
    let mut columns: Vec<ArrayRef> = vec![
        std::sync::Arc::new(bundles.finish()),
        std::sync::Arc::new(runs.finish()),
    ];
    columns.extend(finish_values(values));
    if let Some(faults) = faults {
        columns.push(std::sync::Arc::new(faults.finish()));
    }
    columns
}

//! Writing a calibration folder: `posterior.csv` first (its hash goes into the manifest), then
//! the tables, `calibration.json` and the charts, all into the results writer's temporary
//! folder, which is committed whole or not at all.

use std::io::Write;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::ResultsWriter;
use super::schema::calibration::{CalibrationFile, Fit, PredictiveRow};
use super::write::cell;

/// The posterior ensemble as the bytes of `posterior.csv`: `particle`, `weight`,
/// `log_likelihood`, then one column per param (`names`), one row per particle (`theta` holds
/// rows of `names.len()` values).
///
/// # Errors
/// When encoding fails (it does not for finite numbers).
pub fn posterior_csv(
    names: &[String],
    theta: &[f64],
    weights: &[f64],
    log_lik: &[f64],
) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "particle".to_string(),
        "weight".into(),
        "log_likelihood".into(),
    ];
    header.extend(names.iter().cloned());
    w.write_record(&header)
        .context("could not encode posterior.csv")?;
    let d = names.len().max(1);
    for (i, row) in theta.chunks_exact(d).enumerate() {
        let mut record = vec![
            i.to_string(),
            format!("{}", weights[i]),
            cell(Some(log_lik[i])),
        ];
        record.extend(row.iter().map(|v| format!("{v}")));
        w.write_record(&record)
            .context("could not encode posterior.csv")?;
    }
    w.into_inner().context("could not encode posterior.csv")
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes every file of a calibration folder into `writer` (not the charts).
///
/// # Errors
/// On I/O failure.
pub fn write_calibration(
    writer: &ResultsWriter,
    posterior: &[u8],
    file: &CalibrationFile,
    predictive: &[PredictiveRow],
) -> Result<()> {
    let path = writer.dir().join("posterior.csv");
    let mut f = std::fs::File::create(&path)
        .with_context(|| format!("could not create '{}'", path.display()))?;
    f.write_all(posterior)
        .and_then(|()| f.flush())
        .with_context(|| format!("could not write '{}'", path.display()))?;

    let num = |v: f64| cell(Some(v));
    let opt = |v: Option<f64>| cell(v);
    writer.write_csv(
        "params.csv",
        &[
            "name",
            "label",
            "unit",
            "prior",
            "prior_mean",
            "prior_p05",
            "prior_p50",
            "prior_p95",
            "posterior_mean",
            "posterior_sd",
            "posterior_p05",
            "posterior_p50",
            "posterior_p95",
            "narrowing",
        ],
        file.params.iter().map(|p| {
            vec![
                p.name.clone(),
                p.label.clone(),
                p.unit.clone(),
                p.prior.clone(),
                num(p.prior_mean),
                num(p.prior_p05),
                num(p.prior_p50),
                num(p.prior_p95),
                num(p.posterior_mean),
                num(p.posterior_sd),
                num(p.posterior_p05),
                num(p.posterior_p50),
                num(p.posterior_p95),
                num(p.narrowing),
            ]
        }),
    )?;
    let fit_cells = |f: &Fit| -> Vec<String> {
        let band = f.band;
        vec![
            opt(band.map(|b| b.p05)),
            opt(band.map(|b| b.p50)),
            opt(band.map(|b| b.p95)),
            f.inside.to_string(),
            f.met.map(|m| m.to_string()).unwrap_or_default(),
            opt(f.p_met),
            opt(f.rel_error),
            opt(f.interval_score),
            opt(f.width),
        ]
    };
    let mut header: Vec<String> = [
        "id", "role", "target", "month", "figure", "value", "low", "high", "scale",
    ]
    .map(String::from)
    .to_vec();
    for stage in ["prior", "posterior"] {
        for col in [
            "p05",
            "p50",
            "p95",
            "inside",
            "met",
            "p_met",
            "rel_error",
            "interval_score",
            "width",
        ] {
            header.push(format!("{stage}_{col}"));
        }
    }
    header.push("noise".into());
    header.push("source".into());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    writer.write_csv(
        "observations.csv",
        &header,
        file.observations.iter().map(|o| {
            let mut row = vec![
                o.id.clone(),
                o.role.clone(),
                o.target.clone(),
                o.month.clone(),
                o.figure.clone(),
                opt(o.value),
                opt(o.low),
                opt(o.high),
                o.scale.clone(),
            ];
            row.extend(fit_cells(&o.prior));
            row.extend(fit_cells(&o.posterior));
            row.push(opt(o.noise));
            row.push(o.source.clone());
            row
        }),
    )?;
    writer.write_csv(
        "scores.csv",
        &[
            "role",
            "stage",
            "points",
            "inside",
            "bounds",
            "bounds_met",
            "median_rel_error",
            "interval_score",
            "band_width",
        ],
        file.scores.iter().map(|s| {
            vec![
                s.role.clone(),
                s.stage.clone(),
                s.points.to_string(),
                opt(s.inside),
                s.bounds.to_string(),
                opt(s.bounds_met),
                opt(s.median_rel_error),
                opt(s.interval_score),
                opt(s.band_width),
            ]
        }),
    )?;
    writer.write_csv(
        "predictive.csv",
        &["which", "variable", "month", "p05", "p50", "p95"],
        predictive.iter().map(|r| {
            vec![
                r.which.clone(),
                r.variable.clone(),
                r.month.clone(),
                num(r.p05),
                num(r.p50),
                num(r.p95),
            ]
        }),
    )?;
    writer.write_json("calibration.json", file)
}

//! From samples to the records of a calibration folder: params before and after, each
//! observation against its prior and posterior predictive bands, and the scoring table.
//!
//! The scores (see docs/calibration.md, "Reading the scoring"):
//! - **inside**: the share of point figures inside the 90% predictive band of the simulated
//!   quantity (the band of the world, without the report's error);
//! - **bounds met**: the share of bounds and ranges that the predictive median satisfies;
//! - **median relative error**: the median over points of |median − value| / |value|;
//! - **interval score** (Gneiting & Raftery 2007, eq. 43) of the 90% band [l, u] at a figure y:
//!   (u − l) + (2/α)(l − y)⁺ + (2/α)(y − u)⁺ with α = 0.1, on the observation's scale (log
//!   units on the log scale, so that it is relative; on the linear scale divided by the
//!   report's sd), averaged over points: lower is better, and a wide band pays for its width;
//! - **band width**: the median over points of (p95 − p05) / |median|, so that wide bands
//!   cannot buy coverage unseen.

use super::observe::{ErrorModel, Kernel};
use super::prior::Prior;
use super::smc::SmcResult;
use crate::engine::RunOutput;
use crate::model::Model;
use crate::output::schema::calibration::{
    Band, Fit, ObservationFit, ParamSummary, PredictiveRow, Score,
};
use crate::scenario::{Figure, Scenario};
use crate::stats::{quantile_sorted, summarize};

/// Miscoverage of the scored band (a 90% band).
const ALPHA: f64 = 0.1;

/// Per free param: prior, posterior and how much the observations narrowed it. `z` and `theta`
/// hold a row of every free param per particle; `informed` says which params can change a
/// fitted observation.
pub fn param_summaries(
    scenario: &Scenario,
    prior: &Prior,
    z: &[f64],
    theta: &[f64],
    informed: &[bool],
) -> Vec<ParamSummary> {
    let d = prior.dim();
    (0..d)
        .map(|k| {
            let dist = &prior.dists[k];
            let values: Vec<f64> = theta.chunks_exact(d).map(|r| r[k]).collect();
            let post = summarize(&values);
            let get = |f: fn(&crate::stats::Summary) -> f64| post.as_ref().map_or(f64::NAN, f);
            let declared = scenario
                .params
                .iter()
                .find(|p| p.name.value == prior.names[k]);
            let (p05, p95) = (dist.quantile(0.05), dist.quantile(0.95));
            let (q05, q95) = (get(|s| s.p05), get(|s| s.p95));
            let prior_width = p95 - p05;
            let narrowing = if prior_width > 0.0 {
                1.0 - (q95 - q05) / prior_width
            } else {
                0.0
            };
            // The prior's CDF at the posterior's percentiles: where in the prior the data put it.
            let mut sorted_z: Vec<f64> = z.chunks_exact(d).map(|r| r[k]).collect();
            sorted_z.sort_by(f64::total_cmp);
            let cdf = |p: f64| quantile_sorted(&sorted_z, p).map_or(f64::NAN, super::observe::ndtr);
            let [c05, _, c95] = [cdf(0.05), cdf(0.5), cdf(0.95)];
            let covered = (c95.min(0.95) - c05.max(0.05)).max(0.0);
            let learned = if c05.is_finite() && c95.is_finite() {
                1.0 - covered / 0.9
            } else {
                0.0
            };
            ParamSummary {
                name: prior.names[k].clone(),
                label: declared
                    .and_then(|p| p.info.label.clone())
                    .unwrap_or_else(|| prior.names[k].clone()),
                unit: declared.map(|p| p.info.unit.clone()).unwrap_or_default(),
                informed: informed.get(k).copied().unwrap_or(true),
                prior: dist.describe(),
                prior_mean: dist.mean(),
                prior_p05: p05,
                prior_p50: dist.quantile(0.5),
                prior_p95: p95,
                posterior_mean: get(|s| s.mean),
                posterior_sd: post.as_ref().and_then(|s| s.sd).unwrap_or(f64::NAN),
                posterior_p05: q05,
                posterior_p50: get(|s| s.p50),
                posterior_p95: q95,
                narrowing,
                learned,
                prior_cdf: [cdf(0.05), cdf(0.5), cdf(0.95)],
            }
        })
        .collect()
}

/// How a predictive sample fits one figure.
pub fn fit(model: &ErrorModel, figure: Figure, sample: &[f64]) -> Fit {
    let mut sorted: Vec<f64> = sample.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let band = (!sorted.is_empty()).then(|| Band {
        p05: quantile_sorted(&sorted, 0.05).unwrap_or(f64::NAN),
        p50: quantile_sorted(&sorted, 0.5).unwrap_or(f64::NAN),
        p95: quantile_sorted(&sorted, 0.95).unwrap_or(f64::NAN),
    });
    let Some(b) = band else {
        return Fit {
            band: None,
            inside: false,
            met: None,
            p_met: None,
            rel_error: None,
            interval_score: None,
            width: None,
        };
    };
    let width = (b.p50 != 0.0).then(|| (b.p95 - b.p05) / b.p50.abs());
    let share_met =
        || sorted.iter().filter(|&&y| model.met(y)).count() as f64 / sorted.len() as f64;
    match figure {
        Figure::Point(v) => {
            let v = v.value;
            let (l, u, y) = (
                model.transform(b.p05),
                model.transform(b.p95),
                model.transform(v),
            );
            let mut score =
                (u - l) + 2.0 / ALPHA * (l - y).max(0.0) + 2.0 / ALPHA * (y - u).max(0.0);
            if let (crate::scenario::Scale::Linear, Kernel::Point { below, above, .. }) =
                (model.scale, model.kernel)
            {
                score /= 0.5 * (below + above);
            }
            Fit {
                band,
                inside: b.p05 <= v && v <= b.p95,
                met: None,
                p_met: None,
                rel_error: Some(if v == 0.0 {
                    b.p50.abs()
                } else {
                    (b.p50 - v).abs() / v.abs()
                }),
                interval_score: Some(score),
                width,
            }
        }
        Figure::Min(lo) => Fit {
            band,
            inside: b.p95 >= lo.value,
            met: Some(model.met(b.p50)),
            p_met: Some(share_met()),
            rel_error: None,
            interval_score: None,
            width,
        },
        Figure::Max(hi) => Fit {
            band,
            inside: b.p05 <= hi.value,
            met: Some(model.met(b.p50)),
            p_met: Some(share_met()),
            rel_error: None,
            interval_score: None,
            width,
        },
        Figure::Range(lo, hi) => Fit {
            band,
            inside: b.p95 >= lo.value && b.p05 <= hi.value,
            met: Some(model.met(b.p50)),
            p_met: Some(share_met()),
            rel_error: None,
            interval_score: None,
            width,
        },
    }
}

/// Every observation with its prior and posterior predictive fit. `prior` and `posterior`
/// are outcome rows of `model` (whose outcomes are the observations).
pub fn observation_fits(
    scenario: &Scenario,
    model: &Model,
    errors: &[ErrorModel],
    prior: &[f64],
    posterior: &[f64],
) -> Vec<ObservationFit> {
    let n_out = model.outcomes.len().max(1);
    let column =
        |rows: &[f64], j: usize| -> Vec<f64> { rows.chunks_exact(n_out).map(|r| r[j]).collect() };
    scenario
        .observations
        .iter()
        .zip(errors)
        .enumerate()
        .map(|(j, (o, e))| {
            let (value, low, high) = match o.figure {
                Figure::Point(v) => (Some(v.value), None, None),
                Figure::Min(v) => (None, Some(v.value), None),
                Figure::Max(v) => (None, None, Some(v.value)),
                Figure::Range(a, b) => (None, Some(a.value), Some(b.value)),
            };
            let unit = o
                .var
                .as_ref()
                .and_then(|v| model.var_index(&v.value))
                .map(|i| model.vars[i].unit.clone())
                .unwrap_or_default();
            ObservationFit {
                id: o.id.value.clone(),
                role: o.role.as_str().into(),
                target: o.var.as_ref().map_or_else(
                    || o.expr.as_ref().map(|f| f.text.clone()).unwrap_or_default(),
                    |v| v.value.clone(),
                ),
                variable: o.var.as_ref().map(|v| v.value.clone()),
                unit,
                month: model.month_at(model.outcomes[j].to).to_string(),
                figure: o.figure.kind().into(),
                value,
                low,
                high,
                scale: e.scale.as_str().into(),
                stated_p05: e.stated_range().map(|r| r.0),
                stated_p95: e.stated_range().map(|r| r.1),
                prior: fit(e, o.figure, &column(prior, j)),
                posterior: fit(e, o.figure, &column(posterior, j)),
                noise: None,
                source: o.source.clone(),
                quote: o.quote.clone(),
                note: o.note.clone(),
            }
        })
        .collect()
}

fn median(mut x: Vec<f64>) -> Option<f64> {
    x.retain(|v| v.is_finite());
    x.sort_by(f64::total_cmp);
    quantile_sorted(&x, 0.5)
}

fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// The scoring table: for fitted and for `check` observations (roles present only), prior and
/// posterior.
pub fn scores(fits: &[ObservationFit]) -> Vec<Score> {
    let mut out = Vec::new();
    for role in ["fit", "check"] {
        let of_role: Vec<&ObservationFit> = fits.iter().filter(|f| f.role == role).collect();
        if of_role.is_empty() {
            continue;
        }
        for stage in ["prior", "posterior"] {
            let pick = |f: &ObservationFit| -> Fit {
                if stage == "prior" {
                    f.prior
                } else {
                    f.posterior
                }
            };
            let points: Vec<Fit> = of_role
                .iter()
                .filter(|f| f.figure == "point")
                .map(|f| pick(f))
                .collect();
            let bounds: Vec<Fit> = of_role
                .iter()
                .filter(|f| f.figure != "point")
                .map(|f| pick(f))
                .collect();
            let share = |xs: &[Fit], ok: fn(&Fit) -> bool| {
                (!xs.is_empty())
                    .then(|| xs.iter().filter(|f| ok(f)).count() as f64 / xs.len() as f64)
            };
            out.push(Score {
                role: role.into(),
                stage: stage.into(),
                points: points.len(),
                inside: share(&points, |f| f.inside),
                bounds: bounds.len(),
                bounds_met: share(&bounds, |f| f.met == Some(true)),
                median_rel_error: median(points.iter().filter_map(|f| f.rel_error).collect()),
                interval_score: mean(
                    &points
                        .iter()
                        .filter_map(|f| f.interval_score)
                        .collect::<Vec<_>>(),
                ),
                band_width: median(points.iter().filter_map(|f| f.width).collect()),
            });
        }
    }
    out
}

/// The predictive bands of the recorded (observed) variables, prior then posterior.
pub fn predictive_rows(
    model: &Model,
    prior: &RunOutput,
    posterior: &RunOutput,
) -> Vec<PredictiveRow> {
    let mut rows = Vec::new();
    for (which, out) in [("prior", prior), ("posterior", posterior)] {
        for (r, &v) in model.recorded.iter().enumerate() {
            for (m, cell) in out.series[0][r].iter().enumerate() {
                if cell.n == 0 {
                    continue;
                }
                rows.push(PredictiveRow {
                    which: which.into(),
                    variable: model.vars[v].name.clone(),
                    month: model.month_at(m).to_string(),
                    p05: cell.p[0],
                    p50: cell.p[2],
                    p95: cell.p[4],
                });
            }
        }
    }
    rows
}

/// Things the analyst should look at before trusting the posterior.
pub fn warnings(smc: &SmcResult, noise_sd: Option<f64>, sims: usize) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(last) = smc.stages.last() {
        if last.acceptance < 0.05 {
            out.push(format!(
                "the last stage accepted only {:.1}% of its moves: particles barely move; more particles or --sims may help",
                last.acceptance * 100.0
            ));
        }
        if last.moved < 0.9 {
            out.push(format!(
                "only {:.0}% of the particles moved in the last stage: the ensemble holds repeated particles",
                last.moved * 100.0
            ));
        }
    }
    if let Some(last) = smc.stages.last()
        && last.refresh < 0.05
    {
        let noise = noise_sd.map_or_else(String::new, |sd| {
            format!(" (the sd of one simulation's log-likelihood is {sd:.1})")
        });
        out.push(format!(
            "only {:.1}% of the last stage's noise refreshes were accepted{noise}: particles keep the random numbers of lucky simulations, so the posterior rests on few noise realisations; raise --sims (a refresh then replaces one of {sims}+1 simulations) or widen the stated uncertainty of figures the world cannot reproduce that closely",
            last.refresh * 100.0
        ));
    }
    if smc.faults > 0 {
        out.push(format!(
            "{} simulations faulted (NaN, a bound crossed) and counted as impossible; run the prior with --on-fault count to see where",
            smc.faults
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    /// The error model and figure of one observation of a stock.
    fn observed(figure: &str) -> (ErrorModel, Figure) {
        let text = format!(
            "[scenario]\nname = \"t\"\nstart = \"2024-01\"\nend = \"2024-12\"\n[stocks]\nx = {{ init = 1 }}\n[[observations]]\nvar = \"x\"\nat = \"2024-06\"\n{figure}\n"
        );
        let s = load_str("t.toml", &text).scenario.unwrap();
        let o = &s.observations[0];
        (ErrorModel::new(o, 0.0), o.figure)
    }

    #[test]
    fn a_linear_points_interval_score_is_in_units_of_its_stated_error() {
        // 0, 1, ..., 100: the band is [5, 95] (p05, p95 of 101 sorted values), the figure 110
        // lies 15 above it. Interval score (Gneiting & Raftery 2007) at α = 0.1:
        // (95 − 5) + 2/0.1 · 15 = 390, divided by the stated sd of 4.
        let sample: Vec<f64> = (0..=100).map(f64::from).collect();
        let (model, figure) = observed("value = 110\nsd = 4\nscale = \"linear\"");
        let fit = fit(&model, figure, &sample);
        let band = fit.band.unwrap();
        assert_eq!((band.p05, band.p95), (5.0, 95.0));
        assert!(!fit.inside);
        assert!((fit.interval_score.unwrap() - 390.0 / 4.0).abs() < 1e-9);
        assert!((fit.rel_error.unwrap() - 60.0 / 110.0).abs() < 1e-12);
    }
}

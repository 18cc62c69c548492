//! Where a model's own randomness comes from: its random draws grouped by the scenario item
//! that makes them, so that a Sobol' analysis can give each group its own indices ("the timing
//! of the ceasefire", "the monthly noise of shell deliveries") instead of one `(noise)`.
//!
//! Every random site has a name that starts with its owner (see [`crate::engine::rng`]):
//! `event:ceasefire` (the event's monthly hazard draw) and `event:ceasefire/hazard/normal#0` (a
//! draw inside its hazard formula), `flow:shells/lognormal#0`, `aux:x/normal#0`,
//! `stock:x/init/uniform#0`, `outcome:y/normal#0`, `lever:x/...` (a lever's cost). A source is
//! one owner: the text before the first `/`.
//!
//! **Resampling a source.** A site's stream is keyed by (seed, run, site key, month). Giving a
//! source's sites other keys (the hash of their name with [`RESAMPLED`] appended) gives them
//! draws independent of the originals, with the same distribution, while every other site keeps
//! its draws in the same run. That is exactly what the Saltelli design needs for an input that
//! is a group of random draws: `B` is run `j` with every source resampled, `A_B^(g)` run `j` with
//! source `g` resampled only. The engine is untouched: the design runs on copies of the model.

use crate::engine::rng::site_key;
use crate::model::{Model, VarKind};
use crate::scenario::Scenario;

/// Appended to a site's name to key its resampled stream.
pub const RESAMPLED: &str = "~resampled";

/// One source of randomness within runs: the random draws of one scenario item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoiseSource {
    /// The owner as sites name it: `event:ceasefire`, `flow:shells`, `aux:x`.
    pub owner: String,
    /// Input name in reports: `ceasefire (timing)`, `shells (monthly noise)`.
    pub name: String,
    /// Human label: `Timing of Ceasefire in Ukraine`.
    pub label: String,
    /// Indices into [`Model::sites`] of its draws in formulas.
    pub sites: Vec<usize>,
    /// Indices into [`Model::events`] whose monthly hazard draw it is.
    pub events: Vec<usize>,
}

/// The part of a site name that names its owner.
fn owner(site_name: &str) -> &str {
    site_name.split('/').next().unwrap_or(site_name)
}

/// The model's sources of randomness, sorted by owner (a stable order that does not depend on
/// the order of the file's sections): each random site and each event with a hazard belongs to
/// exactly one. Empty for a model without noise. The scenario, if given, supplies outcomes'
/// labels (the model knows only their names).
pub fn noise_sources(scenario: Option<&Scenario>, model: &Model) -> Vec<NoiseSource> {
    let mut out: Vec<NoiseSource> = Vec::new();
    // The position of `owner`'s source in `out` (sorted by owner), inserting it if new.
    let find = |out: &mut Vec<NoiseSource>, owner: &str| -> usize {
        match out.binary_search_by(|s| s.owner.as_str().cmp(owner)) {
            Ok(k) => k,
            Err(k) => {
                let (name, label) = describe(scenario, model, owner);
                out.insert(
                    k,
                    NoiseSource {
                        owner: owner.to_string(),
                        name,
                        label,
                        sites: Vec::new(),
                        events: Vec::new(),
                    },
                );
                k
            }
        }
    };
    for (k, site) in model.sites.iter().enumerate() {
        let at = find(&mut out, owner(&site.name));
        out[at].sites.push(k);
    }
    for (e, event) in model.events.iter().enumerate() {
        if event.hazard.is_some() {
            let owner = format!("event:{}", model.vars[event.var].name);
            let at = find(&mut out, &owner);
            out[at].events.push(e);
        }
    }
    out
}

/// A source's input name and label, from the scenario's words.
fn describe(scenario: Option<&Scenario>, model: &Model, owner: &str) -> (String, String) {
    let (kind, item) = owner.split_once(':').unwrap_or(("", owner));
    let var_label = |kind: VarKind, name: &str| {
        model
            .vars
            .iter()
            .find(|v| v.kind == kind && v.name == name)
            .map_or_else(|| name.to_string(), |v| v.label.clone())
    };
    match kind {
        "event" => (
            format!("{item} (timing)"),
            format!("Timing of {}", var_label(VarKind::Event, item)),
        ),
        "flow" => (
            format!("{item} (monthly noise)"),
            format!("Monthly noise of {}", var_label(VarKind::Flow, item)),
        ),
        "aux" => (
            format!("{item} (random draws)"),
            format!("Random draws of {}", var_label(VarKind::Aux, item)),
        ),
        "stock" => (
            format!("{item} (initial value)"),
            format!(
                "Random initial value of {}",
                var_label(VarKind::Stock, item)
            ),
        ),
        "outcome" => {
            let label = scenario
                .and_then(|s| s.outcomes.iter().find(|o| o.name.value == item))
                .and_then(|o| o.info.label.clone())
                .unwrap_or_else(|| item.to_string());
            (
                format!("{item} (random draws)"),
                format!("Random draws in the outcome {label}"),
            )
        }
        "lever" => (
            format!("{item} cost (random draws)"),
            format!("Random draws in the cost of {item}"),
        ),
        _ => (
            format!("{owner} (random draws)"),
            format!("Random draws of {owner}"),
        ),
    }
}

/// A copy of `model` in which the draws of `sources` are resampled: independent of the
/// original draws of the same run, every other draw unchanged.
pub fn resampled<'a>(model: &Model, sources: impl IntoIterator<Item = &'a NoiseSource>) -> Model {
    let mut m = model.clone();
    for source in sources {
        for &k in &source.sites {
            let key = site_key(&format!("{}{RESAMPLED}", model.sites[k].name));
            m.sites[k].key = key;
            m.site_keys[k] = key;
        }
        for &e in &source.events {
            let name = format!("event:{}{RESAMPLED}", model.vars[model.events[e].var].name);
            m.events[e].site = site_key(&name);
        }
    }
    m
}

//! The key-set grammar of distributions: which names (and aliases) exist,
//! which *forms* (sets of key names) each accepts, and the errors for a
//! name or key set that matches none (unknown name, unknown key, missing key,
//! keys from two forms). Kept apart from the numeric conversions in
//! `elicit.rs` so the table below is the single source for both parsing and
//! the messages that list the accepted forms.

use super::error::DistError;

/// Similarity (Jaro–Winkler) above which an unknown name gets a "did you
/// mean" suggestion.
const SUGGEST_SIMILARITY: f64 = 0.75;

/// One accepted set of keys for one distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    Constant,
    NormalMeanSd,
    NormalMedianSd,
    NormalRange,
    LogNormalMuSigma,
    LogNormalMedianSigma,
    LogNormalMedianEf,
    LogNormalMeanSd,
    LogNormalRange,
    UniformMinMax,
    UniformRange,
    LogUniformMinMax,
    Triangular,
    Pert,
    PertLambda,
    BetaAb,
    BetaAbRange,
    BetaMeanSd,
    BetaMeanSdRange,
    GammaShapeScale,
    GammaShapeRate,
    GammaMeanSd,
    GammaRange,
    ExponentialRate,
    ExponentialMean,
    PoissonLambda,
    PoissonMean,
    Bernoulli,
    Binomial,
}

/// A distribution name and its accepted forms, in the order they are listed
/// to the analyst.
struct Spec {
    name: &'static str,
    forms: &'static [(Form, &'static [&'static str])],
}

/// Every distribution and form; the single source for parsing and messages.
const SPECS: &[Spec] = &[
    Spec {
        name: "constant",
        forms: &[(Form::Constant, &["value"])],
    },
    Spec {
        name: "normal",
        forms: &[
            (Form::NormalMeanSd, &["mean", "sd"]),
            (Form::NormalMedianSd, &["median", "sd"]),
            (Form::NormalRange, &["p05", "p95"]),
        ],
    },
    Spec {
        name: "lognormal",
        forms: &[
            (Form::LogNormalMuSigma, &["mu", "sigma"]),
            (Form::LogNormalMedianSigma, &["median", "sigma"]),
            (Form::LogNormalMedianEf, &["median", "error_factor"]),
            (Form::LogNormalMeanSd, &["mean", "sd"]),
            (Form::LogNormalRange, &["p05", "p95"]),
        ],
    },
    Spec {
        name: "uniform",
        forms: &[
            (Form::UniformMinMax, &["min", "max"]),
            (Form::UniformRange, &["p05", "p95"]),
        ],
    },
    Spec {
        name: "loguniform",
        forms: &[(Form::LogUniformMinMax, &["min", "max"])],
    },
    Spec {
        name: "triangular",
        forms: &[(Form::Triangular, &["min", "mode", "max"])],
    },
    Spec {
        name: "pert",
        forms: &[
            (Form::Pert, &["min", "mode", "max"]),
            (Form::PertLambda, &["min", "mode", "max", "lambda"]),
        ],
    },
    Spec {
        name: "beta",
        forms: &[
            (Form::BetaAb, &["a", "b"]),
            (Form::BetaAbRange, &["a", "b", "min", "max"]),
            (Form::BetaMeanSd, &["mean", "sd"]),
            (Form::BetaMeanSdRange, &["mean", "sd", "min", "max"]),
        ],
    },
    Spec {
        name: "gamma",
        forms: &[
            (Form::GammaShapeScale, &["shape", "scale"]),
            (Form::GammaShapeRate, &["shape", "rate"]),
            (Form::GammaMeanSd, &["mean", "sd"]),
            (Form::GammaRange, &["p05", "p95"]),
        ],
    },
    Spec {
        name: "exponential",
        forms: &[
            (Form::ExponentialRate, &["rate"]),
            (Form::ExponentialMean, &["mean"]),
        ],
    },
    Spec {
        name: "poisson",
        forms: &[
            (Form::PoissonLambda, &["lambda"]),
            (Form::PoissonMean, &["mean"]),
        ],
    },
    Spec {
        name: "bernoulli",
        forms: &[(Form::Bernoulli, &["p"])],
    },
    Spec {
        name: "binomial",
        forms: &[(Form::Binomial, &["n", "p"])],
    },
];

/// Alternative spellings accepted for distribution names.
const ALIASES: &[(&str, &str)] = &[
    ("log-normal", "lognormal"),
    ("betapert", "pert"),
    ("gaussian", "normal"),
    ("fixed", "constant"),
];

/// The form matching a distribution name and the set of keys given, or the
/// error explaining why none does. Values are not looked at here.
pub(super) fn resolve_form(dist: &str, keys: &[(&str, f64)]) -> Result<Form, DistError> {
    let spec = resolve_name(dist)?;
    check_no_duplicates(keys)?;
    check_known_keys(spec, keys)?;
    match_form(spec, keys)
}

/// Every name `dist = "..."` accepts: the canonical names, then the aliases.
pub(super) fn names() -> Vec<&'static str> {
    SPECS
        .iter()
        .map(|s| s.name)
        .chain(ALIASES.iter().map(|(alias, _)| *alias))
        .collect()
}

/// The spec for a distribution name or alias, or an error with the closest
/// known name as the hint.
fn resolve_name(dist: &str) -> Result<&'static Spec, DistError> {
    if let Some(spec) = lookup(dist) {
        return Ok(spec);
    }
    let lower = dist.to_lowercase();
    if lookup(&lower).is_some() {
        return Err(
            DistError::at(&[], format!("distribution names are lower case: `{dist}`"))
                .with_hint(format!("write `{lower}`")),
        );
    }
    let error = DistError::at(&[], format!("unknown distribution `{dist}`"));
    let all_names = SPECS
        .iter()
        .map(|s| s.name)
        .chain(ALIASES.iter().map(|(alias, _)| *alias));
    let best = all_names
        .map(|name| (strsim::jaro_winkler(&lower, name), name))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, name)) if score >= SUGGEST_SIMILARITY => {
            Err(error.with_hint(format!("did you mean `{name}`?")))
        }
        _ => {
            let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
            Err(error.with_hint(format!("known distributions: {}", names.join(", "))))
        }
    }
}

/// Exact, case-sensitive lookup of a name or alias.
fn lookup(name: &str) -> Option<&'static Spec> {
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, c)| *c);
    SPECS.iter().find(|s| s.name == canonical)
}

/// TOML rejects duplicate keys, but callers may assemble keys otherwise.
fn check_no_duplicates(keys: &[(&str, f64)]) -> Result<(), DistError> {
    for (i, (key, _)) in keys.iter().enumerate() {
        if keys[..i].iter().any(|(k, _)| k == key) {
            return Err(DistError::at(&[key], format!("key `{key}` is given twice")));
        }
    }
    Ok(())
}

/// Every key must belong to some form of this distribution.
fn check_known_keys(spec: &Spec, keys: &[(&str, f64)]) -> Result<(), DistError> {
    for (key, _) in keys {
        let known = spec
            .forms
            .iter()
            .any(|(_, form_keys)| form_keys.contains(key));
        if !known {
            return Err(
                DistError::at(&[key], format!("{} does not take key `{key}`", spec.name))
                    .with_hint(format!("{} takes {}", spec.name, forms_text(spec))),
            );
        }
    }
    Ok(())
}

/// The form whose key set equals the given one; otherwise a "missing key"
/// error (the keys are part of some form) or a "mixed forms" error.
fn match_form(spec: &Spec, keys: &[(&str, f64)]) -> Result<Form, DistError> {
    let given: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    let covers = |form_keys: &[&str]| given.iter().all(|k| form_keys.contains(k));
    if let Some((form, _)) = spec
        .forms
        .iter()
        .find(|(_, form_keys)| covers(form_keys) && form_keys.len() == given.len())
    {
        return Ok(*form);
    }
    let supersets: Vec<&[&str]> = spec
        .forms
        .iter()
        .map(|(_, form_keys)| *form_keys)
        .filter(|form_keys| covers(form_keys))
        .collect();
    if supersets.is_empty() {
        Err(mixed_forms_error(spec, &given))
    } else {
        Err(missing_keys_error(spec, &given, &supersets))
    }
}

/// "normal needs {mean, sd}, {median, sd} or {p05, p95}: missing `sd`".
fn missing_keys_error(spec: &Spec, given: &[&str], supersets: &[&[&str]]) -> DistError {
    let mut message = format!("{} needs {}", spec.name, forms_text(spec));
    if !given.is_empty() {
        let smallest = supersets.iter().map(|f| f.len()).min().unwrap_or(0);
        let missing: Vec<String> = supersets
            .iter()
            .filter(|f| f.len() == smallest)
            .map(|f| {
                f.iter()
                    .filter(|k| !given.contains(k))
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        message.push_str(&format!(": missing {}", missing.join(" or ")));
    }
    DistError::at(&[], message)
}

/// Keys from different forms: point at the keys that do not belong to the
/// form sharing the most keys with what was given.
fn mixed_forms_error(spec: &Spec, given: &[&str]) -> DistError {
    let overlap = |form_keys: &[&str]| given.iter().filter(|k| form_keys.contains(k)).count();
    let mut best: &[&str] = &[];
    for (_, form_keys) in spec.forms {
        if overlap(form_keys) > overlap(best) {
            best = form_keys;
        }
    }
    let kept: Vec<&str> = given.iter().copied().filter(|k| best.contains(k)).collect();
    let extra: Vec<&str> = given
        .iter()
        .copied()
        .filter(|k| !best.contains(k))
        .collect();
    DistError::at(
        &extra,
        format!(
            "{}: {} cannot be combined with {}",
            spec.name,
            backticked(&extra),
            backticked(&kept)
        ),
    )
    .with_hint(format!("give exactly one of {}", forms_text(spec)))
}

/// "{mean, sd}, {median, sd} or {p05, p95}".
fn forms_text(spec: &Spec) -> String {
    let forms: Vec<String> = spec
        .forms
        .iter()
        .map(|(_, keys)| format!("{{{}}}", keys.join(", ")))
        .collect();
    match forms.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => forms.join(""),
    }
}

/// "`a` and `b`".
fn backticked(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The error for these keys; panics if they were accepted.
    fn err(dist: &str, keys: &[(&str, f64)]) -> DistError {
        match resolve_form(dist, keys) {
            Ok(form) => panic!("{dist} {keys:?} accepted as {form:?}"),
            Err(e) => e,
        }
    }

    fn keys_of(e: &DistError) -> Vec<&str> {
        e.keys.iter().map(String::as_str).collect()
    }

    #[test]
    fn unknown_distribution_suggests_the_closest_name() {
        let e = err("lognormel", &[("p05", 1.0), ("p95", 2.0)]);
        assert_eq!(e.message, "unknown distribution `lognormel`");
        assert!(e.keys.is_empty());
        assert_eq!(e.hint.as_deref(), Some("did you mean `lognormal`?"));
        let e = err("gausian", &[]);
        assert_eq!(e.hint.as_deref(), Some("did you mean `gaussian`?"));
        let e = err("zzzz", &[]);
        assert!(
            e.hint
                .unwrap()
                .starts_with("known distributions: constant, normal")
        );
    }

    #[test]
    fn distribution_names_are_case_sensitive() {
        let e = err("LogNormal", &[("p05", 1.0), ("p95", 2.0)]);
        assert_eq!(e.message, "distribution names are lower case: `LogNormal`");
        assert_eq!(e.hint.as_deref(), Some("write `lognormal`"));
        assert!(e.keys.is_empty());
    }

    #[test]
    fn unknown_key_lists_the_accepted_forms() {
        let e = err("normal", &[("mean", 1.0), ("sigma", 2.0)]);
        assert_eq!(e.message, "normal does not take key `sigma`");
        assert_eq!(keys_of(&e), ["sigma"]);
        assert_eq!(
            e.hint.as_deref(),
            Some("normal takes {mean, sd}, {median, sd} or {p05, p95}")
        );
    }

    #[test]
    fn missing_key_names_the_forms() {
        let e = err("normal", &[]);
        assert_eq!(
            e.message,
            "normal needs {mean, sd}, {median, sd} or {p05, p95}"
        );
        assert!(e.keys.is_empty());
        let e = err("normal", &[("mean", 1.0)]);
        assert_eq!(
            e.message,
            "normal needs {mean, sd}, {median, sd} or {p05, p95}: missing `sd`"
        );
        let e = err("lognormal", &[("median", 1.0)]);
        assert!(
            e.message.ends_with(": missing `sigma` or `error_factor`"),
            "{}",
            e.message
        );
        let e = err("pert", &[("min", 1.0), ("max", 2.0)]);
        assert!(e.message.ends_with(": missing `mode`"), "{}", e.message);
        let e = err("beta", &[("a", 1.0), ("b", 2.0), ("min", 0.0)]);
        assert!(e.message.ends_with(": missing `max`"), "{}", e.message);
    }

    #[test]
    fn mixing_forms_points_at_the_stray_keys() {
        let e = err("normal", &[("mean", 1.0), ("sd", 1.0), ("p05", 0.0)]);
        assert_eq!(
            e.message,
            "normal: `p05` cannot be combined with `mean` and `sd`"
        );
        assert_eq!(keys_of(&e), ["p05"]);
        assert_eq!(
            e.hint.as_deref(),
            Some("give exactly one of {mean, sd}, {median, sd} or {p05, p95}")
        );
        let e = err("gamma", &[("shape", 1.0), ("scale", 1.0), ("rate", 1.0)]);
        assert_eq!(keys_of(&e), ["rate"]);
    }

    #[test]
    fn forms_text_reads_as_a_list() {
        let spec = lookup("bernoulli").unwrap();
        assert_eq!(forms_text(spec), "{p}");
        let spec = lookup("exponential").unwrap();
        assert_eq!(forms_text(spec), "{rate} or {mean}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = err("normal", &[("mean", 1.0), ("mean", 2.0)]);
        assert_eq!(e.message, "key `mean` is given twice");
        assert_eq!(keys_of(&e), ["mean"]);
    }

    #[test]
    fn exactly_matching_forms_are_found() {
        assert_eq!(
            resolve_form("normal", &[("sd", 1.0), ("mean", 0.0)]).unwrap(),
            Form::NormalMeanSd
        );
        assert_eq!(
            resolve_form("gaussian", &[("p95", 1.0), ("p05", 0.0)]).unwrap(),
            Form::NormalRange
        );
        assert_eq!(
            resolve_form("log-normal", &[("median", 1.0), ("error_factor", 3.0)]).unwrap(),
            Form::LogNormalMedianEf
        );
        assert_eq!(
            resolve_form("betapert", &[("min", 0.0), ("mode", 1.0), ("max", 2.0)]).unwrap(),
            Form::Pert
        );
        assert_eq!(
            resolve_form("fixed", &[("value", 1.0)]).unwrap(),
            Form::Constant
        );
        // Every spec's forms are distinct key sets, so matching is unambiguous.
        for spec in SPECS {
            for (i, (_, a)) in spec.forms.iter().enumerate() {
                for (_, b) in &spec.forms[i + 1..] {
                    let same = a.len() == b.len() && a.iter().all(|k| b.contains(k));
                    assert!(!same, "{}: duplicate form {a:?}", spec.name);
                }
            }
        }
    }
}

//! "Did you mean ...?" suggestions for misspelt names (keys, params, functions, distributions).
//!
//! Analysts mistype names constantly; naming the intended one turns a confusing error into a
//! one-second fix. The hard part is the threshold: too low and unrelated names get suggested
//! (which is worse than no hint), too high and real typos get none.
//!
//! Metric: normalised Damerau–Levenshtein similarity, `1 - distance / max(len)`, from `strsim`
//! (Damerau, 1964, "A technique for computer detection and correction of spelling errors",
//! CACM 7(3):171-176; strsim implements the unrestricted variant, not `osa_distance`). It
//! counts a transposition (`outptu`) as one edit, which is the commonest typo, and its
//! normalisation makes one edit in a short name cost more than in a long one. Comparison is
//! case-insensitive so `Ceasefire` finds `ceasefire`.
//!
//! Threshold experiment (strsim 0.11.1, lowercased inputs; ndl = normalised Damerau–Levenshtein,
//! jw = Jaro–Winkler):
//!
//! ```text
//! should suggest             ndl    jw   | should not suggest          ndl    jw
//! shell_outptu/shell_output 0.917 0.983  | xyz/enforcement            0.000 0.000
//! enforcment/enforcement    0.909 0.962  | a/b                        0.000 0.000
//! lognormall/lognormal      0.900 0.980  | troops/oil_barrels         0.182 0.419
//! intel_share/intel_sharing 0.769 0.936  | rate/mean                  0.000 0.500
//! Ceasefire/ceasefire       1.000 1.000  | cost/shell_output          0.167 0.556
//! p5/p05                    0.667 0.611  | troops/tariffs             0.429 0.643
//! meen/mean                 0.750 0.867  | oil/coal                   0.500 0.722
//! interdiction_rate/        0.824 0.965  | sanctions/shipping         0.333 0.569
//!   interdict_rate                       | gdp/gas                    0.333 0.556
//! stdev/stddev              0.833 0.961  | mode/min                   0.250 0.528
//! trinagular/triangular     0.900 0.977  |
//! ```
//!
//! Jaro–Winkler separates the sets badly: `p5/p05` (0.611) scores below the unrelated `oil/coal`
//! (0.722) and `troops/tariffs` (0.643). With ndl every wanted pair is >= 0.667 and every unwanted
//! pair <= 0.5, so the threshold sits in the gap at 0.6. (`lever/level`, 0.8, is suggested: it
//! is a genuine one-edit typo.)

use strsim::normalized_damerau_levenshtein;

/// Minimum case-insensitive normalised Damerau–Levenshtein similarity for a suggestion; chosen
/// from the experiment in the module docs (gap between 0.5 and 0.667).
pub const SIMILARITY_THRESHOLD: f64 = 0.6;

/// Similarity of a candidate, compared so that larger is better: first case-insensitively, then
/// case-sensitively (so an exact-case match wins a case-insensitive tie).
fn similarity(name: &str, name_lower: &str, candidate: &str) -> (f64, f64) {
    let folded = normalized_damerau_levenshtein(name_lower, &candidate.to_lowercase());
    let exact = normalized_damerau_levenshtein(name, candidate);
    (folded, exact)
}

/// Words analysts write for a name leversim spells differently, which no edit distance finds
/// (`stdev` is 3 edits from `sd`). A synonym is suggested only when its target is a candidate.
const SYNONYMS: &[(&str, &str)] = &[
    ("stdev", "sd"),
    ("stddev", "sd"),
    ("std", "sd"),
    ("average", "mean"),
    ("avg", "mean"),
    ("maximum", "max"),
    ("minimum", "min"),
    ("initial", "init"),
];

/// The candidate most similar to `name`, if any clears [`SIMILARITY_THRESHOLD`], or the target
/// of a known synonym (`stdev` for `sd`, `maximum` for `max`).
///
/// Ties are broken deterministically: higher case-insensitive score, then higher case-sensitive
/// score, then the alphabetically smallest candidate (so `p5` suggests `p05` over `p50`).
/// Returns `None` for an empty `name` or no candidates.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.is_empty() {
        return None;
    }
    let name_lower = name.to_lowercase();
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    if let Some(&(_, target)) = SYNONYMS.iter().find(|(word, _)| *word == name_lower)
        && let Some(&candidate) = candidates.iter().find(|c| **c == target)
    {
        return Some(candidate);
    }
    let mut best: Option<((f64, f64), &'a str)> = None;
    for candidate in candidates {
        let score = similarity(name, &name_lower, candidate);
        if score.0 < SIMILARITY_THRESHOLD {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_score, best_name)) => score
                .0
                .total_cmp(&best_score.0)
                .then(score.1.total_cmp(&best_score.1))
                .then(best_name.cmp(candidate))
                .is_gt(),
        };
        if better {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The help text "did you mean `x`?" for the closest candidate, if any; see [`closest`].
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &[
        "shell_output",
        "enforcement",
        "intel_sharing",
        "ceasefire",
        "interdict",
        "oil_barrels",
        "war",
    ];
    const DISTRIBUTIONS: &[&str] = &["normal", "lognormal", "triangular", "pert", "uniform"];
    const FIELDS: &[&str] = &["mean", "sd", "p05", "p50", "p95", "min", "max", "mode"];

    #[test]
    fn suggests_typical_typos() {
        let cases = [
            ("shell_outptu", NAMES, "shell_output"),
            ("enforcment", NAMES, "enforcement"),
            ("intel_share", NAMES, "intel_sharing"),
            ("Ceasefire", NAMES, "ceasefire"),
            ("lognormall", DISTRIBUTIONS, "lognormal"),
            ("trinagular", DISTRIBUTIONS, "triangular"),
            ("p5", FIELDS, "p05"),
            ("meen", FIELDS, "mean"),
        ];
        for (typo, list, expected) in cases {
            assert_eq!(
                closest(typo, list.iter().copied()),
                Some(expected),
                "{typo}"
            );
        }
    }

    #[test]
    fn synonyms_are_suggested_only_when_their_target_exists() {
        assert_eq!(closest("stdev", FIELDS.iter().copied()), Some("sd"));
        assert_eq!(closest("Maximum", ["final", "max", "min"]), Some("max"));
        assert_eq!(closest("stdev", NAMES.iter().copied()), None);
    }

    #[test]
    fn no_suggestion_for_unrelated_names() {
        assert_eq!(closest("xyz", ["enforcement"]), None);
        assert_eq!(closest("a", ["b"]), None);
        assert_eq!(closest("a", ["b", "bb", "bbb"]), None);
        assert_eq!(closest("troops", ["oil_barrels"]), None);
        assert_eq!(closest("troops", NAMES.iter().copied()), None);
        assert_eq!(closest("oil", ["coal"]), None);
        assert_eq!(closest("rate", FIELDS.iter().copied()), None);
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(closest("", NAMES.iter().copied()), None);
        assert_eq!(closest("mean", std::iter::empty()), None);
    }

    #[test]
    fn ties_are_alphabetical_regardless_of_order() {
        // p5 is one insertion away from p05, p50 and p95 alike.
        assert_eq!(closest("p5", ["p95", "p50", "p05"]), Some("p05"));
        assert_eq!(closest("p5", ["p05", "p50", "p95"]), Some("p05"));
        assert_eq!(closest("ab", ["abd", "abc"]), Some("abc"));
    }

    #[test]
    fn exact_case_wins_case_insensitive_tie() {
        assert_eq!(closest("Mean", ["mean", "Mean"]), Some("Mean"));
        assert_eq!(closest("mean", ["Mean", "mean"]), Some("mean"));
    }

    #[test]
    fn higher_score_beats_alphabet() {
        // "enforcement" (one edit) must win over the alphabetically earlier "enforcements_x".
        assert_eq!(
            closest("enforcment", ["enforcements_x", "enforcement"]),
            Some("enforcement")
        );
    }

    #[test]
    fn did_you_mean_formats_help() {
        assert_eq!(
            did_you_mean("shell_outptu", NAMES.iter().copied()).unwrap(),
            "did you mean `shell_output`?"
        );
        assert_eq!(did_you_mean("xyz", NAMES.iter().copied()), None);
    }
}

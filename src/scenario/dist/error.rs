//! [`DistError`]: why a parameter's distribution could not be built from the
//! keys the analyst wrote, with the key names to point at in the file and an
//! optional hint. Owned here so the scenario loader can turn it into a
//! located diagnostic without knowing the distribution rules.

use std::fmt;

/// A distribution that could not be built from what the analyst wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistError {
    /// Human-readable reason, naming the offending values, e.g.
    /// "p05 (450000) must be below p95 (150000)".
    pub message: String,
    /// The key names the message is about, so the caller can point at them
    /// in the file; empty means "point at the `dist` value itself".
    pub keys: Vec<String>,
    /// What to do about it, e.g. the closest distribution name or the
    /// accepted key forms.
    pub hint: Option<String>,
}

impl DistError {
    /// An error about the given keys, without a hint.
    pub(super) fn at(keys: &[&str], message: impl Into<String>) -> Self {
        DistError {
            message: message.into(),
            keys: keys.iter().map(|k| (*k).to_string()).collect(),
            hint: None,
        }
    }

    /// The same error with a hint attached.
    pub(super) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DistError {}

/// A value as the analyst would recognise it in a message: plain decimal for
/// ordinary magnitudes (`450000`, `0.05`), exponent form for extreme ones so
/// `1e300` does not print 301 digits.
pub(super) fn show(x: f64) -> String {
    let magnitude = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-5..1e16).contains(&magnitude) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn display_appends_the_hint() {
        let e = DistError::at(&["sd"], "sd (-1) must be positive");
        assert_eq!(e.to_string(), "sd (-1) must be positive");
        assert_eq!(e.keys, vec!["sd".to_string()]);
        let e = e.with_hint("use a constant for a fixed value");
        assert_eq!(
            e.to_string(),
            "sd (-1) must be positive (hint: use a constant for a fixed value)"
        );
    }

    #[test]
    fn show_keeps_ordinary_numbers_plain() {
        assert_eq!(show(450_000.0), "450000");
        assert_eq!(show(0.05), "0.05");
        assert_eq!(show(-3.5), "-3.5");
        assert_eq!(show(0.0), "0");
        assert_eq!(show(1e300), "1e300");
        assert_eq!(show(2.5e-9), "2.5e-9");
        assert_eq!(show(f64::NAN), "NaN");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
    }
}

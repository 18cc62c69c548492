//! Numbers for people: `8.1M` rather than `8123456.7`, `12.5%`, `2027-04`.
//!
//! Used by the summary table and by chart ticks, so that a number reads the same everywhere.

use crate::scenario::Month;

/// A number with about `digits` significant digits and a k/M/bn suffix when large.
///
/// # Examples
/// ```
/// use leversim::output::format::human;
/// assert_eq!(human(8_123_456.7, 3), "8.12M");
/// assert_eq!(human(15_809.0, 3), "15.8k");
/// assert_eq!(human(0.0421, 2), "0.042");
/// assert_eq!(human(-2.5e9, 2), "-2.5bn");
/// assert_eq!(human(600.0, 3), "600");
/// ```
pub fn human(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "–".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    let abs = value.abs();
    if abs >= 1e15 {
        // Past a thousand trillion a suffix stops helping (`120000000tn`): powers of ten.
        return scientific(value, digits);
    }
    let (scaled, suffix) = if abs >= 1e12 {
        (value / 1e12, "tn")
    } else if abs >= 1e9 {
        (value / 1e9, "bn")
    } else if abs >= 1e6 {
        (value / 1e6, "M")
    } else if abs >= 1e4 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    format!("{}{suffix}", significant(scaled, digits))
}

/// `value` as `1.2e20`: `digits` significant digits, without trailing zeros.
fn scientific(value: f64, digits: usize) -> String {
    let text = format!("{:.*e}", digits.saturating_sub(1), value);
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => format!(
            "{}e{exponent}",
            mantissa.trim_end_matches('0').trim_end_matches('.')
        ),
        _ => text,
    }
}

/// `value` to `digits` significant digits, without trailing zeros.
pub fn significant(value: f64, digits: usize) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".into() } else { text }
}

/// A probability as a percentage: `12.5%`, `<0.1%`, `100%`.
pub fn percent(p: f64) -> String {
    if p.is_nan() {
        return "–".into();
    }
    let pct = p * 100.0;
    if pct > 0.0 && pct < 0.1 {
        "<0.1%".into()
    } else if pct < 100.0 && pct > 99.9 {
        ">99.9%".into()
    } else {
        format!("{}%", significant_fixed(pct))
    }
}

fn significant_fixed(pct: f64) -> String {
    let text = format!("{pct:.1}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A decimal year as a month: 2027.25 -> `2027-04`.
pub fn month_of(decimal_year: f64) -> String {
    match Month::from_decimal_year(decimal_year) {
        Some(m) => m.to_string(),
        None => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers() {
        assert_eq!(human(8_000_000.0, 3), "8M");
        assert_eq!(human(5.52e9, 3), "5.52bn");
        assert_eq!(human(4_700.0, 3), "4700");
        assert_eq!(human(0.0, 3), "0");
        assert_eq!(human(1.23456e-5, 3), "0.0000123");
        assert_eq!(human(f64::NAN, 3), "–");
        assert_eq!(human(999e12, 3), "999tn");
        assert_eq!(human(1.2e20, 3), "1.2e20");
        assert_eq!(human(-1.234_56e300, 3), "-1.23e300");
        assert_eq!(human(f64::MAX, 3), "1.8e308");
    }

    #[test]
    fn percents_and_months() {
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(0.0004), "<0.1%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(month_of(2027.25), "2027-04");
    }
}

//! Calendar months: the time axis of every scenario.
//!
//! A scenario runs in whole calendar months (`2022-09` to `2030-12`). Dates are written as
//! `"YYYY-MM"` strings; inside formulas they become month indices (`t`, months since the start),
//! which is what the engine works with.

use std::fmt;

/// A calendar month, e.g. 2024-10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Months since year 0, January (year * 12 + month - 1): a total order that makes
    /// differences between months a subtraction.
    ordinal: i32,
}

/// Why a month string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MonthError {
    /// Not of the form `YYYY-MM`.
    #[error("`{0}` is not a month; write it as \"YYYY-MM\", e.g. \"2024-10\"")]
    Format(String),
    /// The month number is not 1 to 12.
    #[error("`{0}` has month {1}, which is not between 01 and 12")]
    MonthNumber(String, u32),
    /// The year is outside what leversim accepts.
    #[error("`{0}` has year {1}, outside the years 1000 to 9999 that leversim accepts")]
    Year(String, u32),
}

impl Month {
    /// A month from its year and month number (1 to 12).
    ///
    /// # Errors
    /// When the month number is not 1 to 12 or the year is outside 1000 to 9999.
    pub fn new(year: u32, month: u32) -> Result<Month, MonthError> {
        let text = format!("{year:04}-{month:02}");
        if !(1..=12).contains(&month) {
            return Err(MonthError::MonthNumber(text, month));
        }
        if !(1000..=9999).contains(&year) {
            return Err(MonthError::Year(text, year));
        }
        Ok(Month {
            ordinal: year as i32 * 12 + month as i32 - 1,
        })
    }

    /// Parses `"YYYY-MM"` strictly (four-digit year, two-digit month).
    ///
    /// # Errors
    /// When the text is not of that form or names an impossible month.
    ///
    /// # Examples
    /// ```
    /// use leversim::scenario::Month;
    /// let m = Month::parse("2024-10").unwrap();
    /// assert_eq!(m.to_string(), "2024-10");
    /// assert_eq!(m.offset(3).to_string(), "2025-01");
    /// ```
    pub fn parse(text: &str) -> Result<Month, MonthError> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = bytes.get(range)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(MonthError::Format(text.to_string()));
        }
        match (digits(0..4), digits(5..7)) {
            (Some(year), Some(month)) => Month::new(year, month),
            _ => Err(MonthError::Format(text.to_string())),
        }
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.ordinal.div_euclid(12)
    }

    /// The month number, 1 to 12.
    pub fn month(self) -> u32 {
        self.ordinal.rem_euclid(12) as u32 + 1
    }

    /// This month moved by `months` (may be negative).
    pub fn offset(self, months: i32) -> Month {
        Month {
            ordinal: self.ordinal + months,
        }
    }

    /// Months from `earlier` to `self` (negative when `self` is earlier).
    pub fn months_since(self, earlier: Month) -> i32 {
        self.ordinal - earlier.ordinal
    }

    /// The month as a decimal year: 2024-01 is 2024.0, 2024-10 is 2024.75.
    pub fn decimal_year(self) -> f64 {
        f64::from(self.year()) + f64::from(self.month() - 1) / 12.0
    }

    /// The month nearest to a decimal year (the inverse of [`Month::decimal_year`]).
    pub fn from_decimal_year(value: f64) -> Option<Month> {
        if !value.is_finite() || !(1000.0..10000.0).contains(&value) {
            return None;
        }
        Some(Month {
            ordinal: (value * 12.0).round() as i32,
        })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = Month::parse("2022-09").unwrap();
        assert_eq!((m.year(), m.month()), (2022, 9));
        assert_eq!(m.to_string(), "2022-09");
        assert_eq!(Month::parse("2030-12").unwrap().months_since(m), 99);
    }

    #[test]
    fn rejects_bad_months() {
        for bad in [
            "2024-13",
            "2024-00",
            "2024-1",
            "24-01",
            "2024/01",
            "",
            "2024-10-01",
            "２０２４-01",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(
            Month::parse("2024-13").unwrap_err(),
            MonthError::MonthNumber("2024-13".into(), 13)
        );
    }

    #[test]
    fn decimal_years_round_trip() {
        let m = Month::parse("2024-10").unwrap();
        assert_eq!(m.decimal_year(), 2024.75);
        assert_eq!(Month::from_decimal_year(2024.75), Some(m));
        assert_eq!(m.offset(-10).to_string(), "2023-12");
    }
}

//! One number format per chart: the values written on a chart (labels beside rows, medians,
//! legend values) share a suffix and a number of decimals, chosen from the largest of them,
//! so that a column of labels reads `3.11M, 3.00M, 2.62M` rather than `3.11M, 3M, 2.62M`, and
//! `27.4%, 12.0%, 4.7%` rather than `27.4%, 12%, 4.7%` (issue 14). Shares and probabilities
//! are written in percent.

use super::theme::Scale;
use crate::output::format::month_of;

/// The scale a variable's values are drawn on: percent when its unit says it is a share (a
/// value from 0 to 1, such as progress to a capability), plain numbers otherwise.
pub fn scale_of_unit(unit: &str) -> Scale {
    let unit = unit.trim().to_ascii_lowercase();
    if unit == "share" || unit == "fraction" || unit.starts_with("share of") {
        Scale::Percent
    } else {
        Scale::Number
    }
}

/// How every value of one chart is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueFormat {
    scale: Scale,
    /// Divisor and suffix (`1e6`, `M`) for numbers; `1`, `` otherwise.
    divisor: f64,
    suffix: &'static str,
    /// Digits after the decimal point.
    decimals: usize,
}

/// Significant digits of the largest value.
const DIGITS: i32 = 3;

impl ValueFormat {
    /// The format for `values` on `scale`: the suffix of the largest magnitude (`k` from
    /// 10,000, `M`, `bn`, `tn`) and as many decimals as give it three significant digits (at
    /// most one for percentages, three for numbers).
    ///
    /// ```
    /// use leversim::plot::numbers::ValueFormat;
    /// use leversim::plot::theme::Scale;
    /// let f = ValueFormat::for_values(Scale::Number, [3.11e6, 3.0e6, 2.62e6]);
    /// assert_eq!([f.format(3.11e6), f.format(3.0e6)], ["3.11M", "3.00M"]);
    /// let p = ValueFormat::for_values(Scale::Percent, [0.274, 0.12, 0.047]);
    /// assert_eq!([p.format(0.274), p.format(0.12), p.format(0.047)], ["27.4%", "12.0%", "4.7%"]);
    /// ```
    pub fn for_values(scale: Scale, values: impl IntoIterator<Item = f64>) -> ValueFormat {
        let top = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let (divisor, suffix) = match scale {
            Scale::Number | Scale::Signed => match top {
                t if t >= 1e12 => (1e12, "tn"),
                t if t >= 1e9 => (1e9, "bn"),
                t if t >= 1e6 => (1e6, "M"),
                t if t >= 1e4 => (1e3, "k"),
                _ => (1.0, ""),
            },
            Scale::Percent => (0.01, "%"),
            Scale::Month | Scale::Ratio => (1.0, ""),
        };
        let scaled = top / divisor;
        let magnitude = if scaled > 0.0 {
            scaled.log10().floor() as i32
        } else {
            0
        };
        let most = if scale == Scale::Percent { 1 } else { 3 };
        let decimals = (DIGITS - 1 - magnitude).clamp(0, most) as usize;
        ValueFormat {
            scale,
            divisor,
            suffix,
            decimals,
        }
    }

    /// `v` in this format; an exact zero is `0` (a cost of nothing, no difference), a
    /// percentage too small to show is `<0.1%`.
    pub fn format(&self, v: f64) -> String {
        if v.is_nan() {
            return "–".into();
        }
        match self.scale {
            Scale::Month => return month_of(v),
            Scale::Ratio => return self.scale.value(v),
            _ if v == 0.0 => return format!("0{}", if self.suffix == "%" { "%" } else { "" }),
            _ => {}
        }
        let d = self.decimals;
        let text = format!("{:.d$}", v / self.divisor);
        let zero = text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.');
        if zero && self.scale == Scale::Percent {
            let least = 10f64.powi(-(d as i32));
            return format!("{}<{least}%", if v < 0.0 { "-" } else { "" });
        }
        let sign = if self.scale == Scale::Signed && v > 0.0 {
            "+"
        } else {
            ""
        };
        format!("{sign}{text}{}", self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_suffix_and_one_precision_per_chart() {
        let cost = ValueFormat::for_values(Scale::Number, [0.0, 9.21, 22.7, 0.479, 37.1]);
        let labels: Vec<String> = [0.0, 9.21, 22.7, 0.479, 37.1]
            .iter()
            .map(|v| cost.format(*v))
            .collect();
        assert_eq!(labels, ["0", "9.2", "22.7", "0.5", "37.1"]);
        let shells = ValueFormat::for_values(Scale::Number, [12_500.0, 8_300.0, 940.0]);
        assert_eq!(shells.format(12_500.0), "12.5k");
        assert_eq!(shells.format(940.0), "0.9k");
        let big = ValueFormat::for_values(Scale::Number, [8.3e6, 1.25e7]);
        assert_eq!(big.format(8.3e6), "8.3M");
        let small = ValueFormat::for_values(Scale::Number, [0.0123, 0.5]);
        assert_eq!(small.format(0.0123), "0.012");
    }

    #[test]
    fn shares_are_drawn_in_percent() {
        assert_eq!(scale_of_unit("share"), Scale::Percent);
        assert_eq!(scale_of_unit(" Share of runs"), Scale::Percent);
        assert_eq!(scale_of_unit("fraction"), Scale::Percent);
        assert_eq!(scale_of_unit("shells"), Scale::Number);
        assert_eq!(scale_of_unit("shares traded"), Scale::Number);
        assert_eq!(scale_of_unit(""), Scale::Number);
    }

    #[test]
    fn percentages_and_signs() {
        let p = ValueFormat::for_values(Scale::Percent, [0.19, 0.4]);
        assert_eq!(p.format(0.19), "19.0%");
        let whole = ValueFormat::for_values(Scale::Percent, [1.0, 0.5]);
        assert_eq!([whole.format(1.0), whole.format(0.5)], ["100%", "50%"]);
        assert_eq!(p.format(0.0001), "<0.1%");
        assert_eq!(p.format(0.0), "0%");
        let d = ValueFormat::for_values(Scale::Signed, [-2.5e6, 4e5]);
        assert_eq!([d.format(-2.5e6), d.format(4e5)], ["-2.50M", "+0.40M"]);
        assert_eq!(d.format(f64::NAN), "–");
    }
}

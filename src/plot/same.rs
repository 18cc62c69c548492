//! Bundles identical to the reference on what a chart shows, drawn once.
//!
//! Under common random numbers a bundle whose levers do not touch an outcome has, run for run,
//! the reference bundle's values: a panel, row or line of its own would repeat the reference's
//! and suggest a second result. Chart modules split their bundles with [`split_same`] and say
//! which were left out with [`Same::legend_item`] ("2 Strengthen deterrence: same as Status
//! quo"). Which bundles are identical is decided by [`super::Results::same_runs`] (outcomes)
//! and [`super::Results::same_series`] (fan charts).

use super::read::{Results, label_of};
use super::theme::{LegendItem, REFERENCE_BUNDLE, Swatch};
use crate::output::schema::BundleInfo;

/// The bundles left out of a chart because they equal the reference on what it shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Same {
    /// The reference bundle's label.
    pub reference: String,
    /// The labels of the bundles identical to it, in drawing order.
    pub labels: Vec<String>,
}

impl Same {
    /// Whether no bundle was left out.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// "2 Strengthen deterrence: same as Status quo", or with several bundles "A, B and C:
    /// same as Status quo"; empty when none was left out.
    pub fn note(&self) -> String {
        if self.labels.is_empty() {
            return String::new();
        }
        let names = match self.labels.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        format!("{names}: same as {}", self.reference)
    }

    /// The legend entry that names the bundles drawn as the reference (in its colour), if any.
    pub fn legend_item(&self) -> Option<LegendItem> {
        (!self.is_empty()).then(|| LegendItem::new(Swatch::line(REFERENCE_BUNDLE, 4), self.note()))
    }
}

/// Splits `items` into those drawn and those identical to the reference (`same`), keeping their
/// order. Only when the reference itself is among the items (`is_reference`): without it
/// nothing would show the values of the bundles left out, so then every item is drawn.
pub fn split_same<T>(
    items: Vec<T>,
    is_reference: impl Fn(&T) -> bool,
    same: impl Fn(&T) -> bool,
) -> (Vec<T>, Vec<T>) {
    if !items.iter().any(&is_reference) {
        return (items, Vec::new());
    }
    items
        .into_iter()
        .partition(|item| is_reference(item) || !same(item))
}

/// Splits bundles `(position, bundle, data)` into those drawn and a [`Same`] naming those
/// whose data equal the reference's (`same(name)`); see [`split_same`].
pub fn drop_same<T>(
    results: &Results,
    bundles: Vec<(usize, BundleInfo, T)>,
    same: impl Fn(&str) -> bool,
) -> (Vec<(usize, BundleInfo, T)>, Same) {
    let reference = results.reference();
    let (drawn, left) = split_same(
        bundles,
        |(_, b, _)| b.name == reference,
        |(_, b, _)| same(&b.name),
    );
    let same = Same {
        reference: results.bundle_label(reference),
        labels: left.iter().map(|(_, b, _)| label_of(b)).collect(),
    };
    (drawn, same)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_bundles_leave_only_when_the_reference_is_drawn() {
        // (name, is the reference, equals the reference)
        let items = vec![
            ("a", false, true),
            ("ref", true, false),
            ("b", false, false),
        ];
        let (drawn, same) = split_same(items.clone(), |i| i.1, |i| i.2);
        assert_eq!(drawn.iter().map(|i| i.0).collect::<Vec<_>>(), ["ref", "b"]);
        assert_eq!(same.iter().map(|i| i.0).collect::<Vec<_>>(), ["a"]);
        // Without the reference among them, all are drawn.
        let without: Vec<_> = items.into_iter().filter(|i| !i.1).collect();
        let (drawn, same) = split_same(without, |i| i.1, |i| i.2);
        assert_eq!(drawn.len(), 2);
        assert!(same.is_empty());
    }

    #[test]
    fn the_note_names_every_bundle_left_out() {
        let mut same = Same {
            reference: "Status quo".into(),
            labels: vec![],
        };
        assert_eq!(same.note(), "");
        assert!(same.legend_item().is_none());
        same.labels.push("2 Strengthen deterrence".into());
        assert_eq!(same.note(), "2 Strengthen deterrence: same as Status quo");
        same.labels
            .extend(["Rifts".to_string(), "Intel".to_string()]);
        assert_eq!(
            same.note(),
            "2 Strengthen deterrence, Rifts and Intel: same as Status quo"
        );
        assert!(same.legend_item().is_some());
    }
}

//! Scenario files: TOML text in, a checked [`Scenario`] out.
//!
//! This is the only module that knows TOML. [`load()`] reads a scenario file (and the files it
//! `extends`), checks every value it can check locally — types, unknown keys, distributions,
//! months, formula syntax — and returns a [`Scenario`] that still holds names and spans, so that
//! later stages can point at the file. Names inside formulas are resolved by [`crate::model`].

pub mod dist;
pub mod formula;
pub mod keys;
mod load;
mod month;
mod read;
pub mod reader;
pub mod schema;

pub use load::{load, load_str};
pub use month::{Month, MonthError};

use crate::diag::Span;
use dist::Dist;
use reader::Sp;

/// A checked scenario: every item as written, merged over the files it extends.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Path of the scenario file as given by the user.
    pub path: String,
    /// The `[scenario]` table.
    pub meta: Meta,
    /// `[actors]`: codes and names.
    pub actors: Vec<Actor>,
    /// `[params]`: uncertain numbers drawn once per run.
    pub params: Vec<Param>,
    /// `[levers]`: policy knobs set by bundles.
    pub levers: Vec<Lever>,
    /// `[stocks]`: accumulating quantities.
    pub stocks: Vec<Stock>,
    /// `[flows]`: monthly movements between stocks.
    pub flows: Vec<Flow>,
    /// `[aux]`: named formulas evaluated each month.
    pub aux: Vec<Aux>,
    /// `[events]`: things that may happen once.
    pub events: Vec<Event>,
    /// `[outcomes]`: what a run is judged by.
    pub outcomes: Vec<Outcome>,
    /// `[[observations]]`: reported figures the baseline must reproduce.
    pub observations: Vec<Observation>,
    /// `[calibration]`: the scenario's calibration.
    pub calibration: CalibrationConfig,
    /// `[bundles]`: named lever settings to compare.
    pub bundles: Vec<Bundle>,
    /// `[output]`: which series are recorded.
    pub output: OutputConfig,
    /// `[charts]`: which series and outcomes are charted.
    pub charts: ChartsConfig,
    /// `[report]`: what the briefing report (`leversim report`) says and shows.
    pub report: ReportConfig,
    /// Names of items that were declared but could not be read (only in a partial scenario):
    /// formulas using them get no second, misleading "unknown name" error.
    pub broken: Vec<String>,
}

/// The `[scenario]` table: metadata, time axis, defaults for runs and seed.
#[derive(Clone, Debug)]
pub struct Meta {
    /// Short machine name; the default results folder is `output/<name>/`.
    pub name: Sp<String>,
    /// Human title for tables and charts.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Source line printed under charts.
    pub source: String,
    /// First month simulated.
    pub start: Sp<Month>,
    /// Last month simulated (inclusive).
    pub end: Sp<Month>,
    /// Default number of runs.
    pub runs: Sp<u64>,
    /// Default master seed.
    pub seed: Sp<u64>,
    /// The bundle that comparisons and history checks refer to.
    pub baseline: Option<Sp<String>>,
    /// Unit of lever costs (per year), e.g. `$bn`.
    pub cost_unit: String,
}

impl Meta {
    /// Number of months from start to end inclusive.
    pub fn n_months(&self) -> usize {
        (self.end.value.months_since(self.start.value) + 1).max(0) as usize
    }
}

/// A state or group that tags stocks and flows.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Short code, e.g. `PRK`.
    pub code: Sp<String>,
    /// Full name.
    pub name: String,
}

/// Texts common to every named item.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// Human label (defaults to the name).
    pub label: Option<String>,
    /// Unit of the value, e.g. `shells` or `shells/month`.
    pub unit: String,
    /// Where the number comes from, or what the item means.
    pub note: String,
}

/// An uncertain number, drawn once per run.
#[derive(Clone, Debug)]
pub struct Param {
    /// Name used in formulas.
    pub name: Sp<String>,
    /// The validated distribution.
    pub dist: Dist,
    /// Label, unit, note.
    pub info: Info,
}

/// A policy knob: fixed within a run, set by bundles.
#[derive(Clone, Debug)]
pub struct Lever {
    /// Name used in formulas and bundles.
    pub name: Sp<String>,
    /// Value when a bundle does not set it, and before the policy starts.
    pub default: Sp<f64>,
    /// Allowed values, inclusive.
    pub range: Sp<(f64, f64)>,
    /// Cost per year of holding the lever at its current value, in `cost_unit`.
    pub cost: Option<Formula>,
    /// Month from which bundles' settings apply; before it every bundle has the default, so
    /// history stays the same for all bundles. `None`: from the start.
    pub from: Option<Sp<Month>>,
    /// Months over which a setting ramps linearly from the default to its value.
    pub ramp: u32,
    /// Label, unit, note.
    pub info: Info,
}

/// How a stock's declared bounds are enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundRule {
    /// Crossing a bound is a numeric fault of the run.
    Error,
    /// The stock is held at the bound (saturation, e.g. progress reaching 100%).
    Clamp,
}

/// A quantity that accumulates its flows.
#[derive(Clone, Debug)]
pub struct Stock {
    /// Name used in formulas and flows.
    pub name: Sp<String>,
    /// Initial value: a number or a formula over params.
    pub init: Formula,
    /// Actor it belongs to.
    pub actor: Option<Sp<String>>,
    /// Lower bound.
    pub min: Option<Sp<f64>>,
    /// Upper bound.
    pub max: Option<Sp<f64>>,
    /// What happens at a bound.
    pub bound: BoundRule,
    /// Label, unit, note.
    pub info: Info,
}

/// A monthly movement from one stock (or outside) to another.
#[derive(Clone, Debug)]
pub struct Flow {
    /// Name; in formulas, the amount moved this month.
    pub name: Sp<String>,
    /// Source: a stock, an actor code (outside, attributed to that actor) or `outside`.
    pub from: Option<Sp<String>>,
    /// Destination, same forms as `from`.
    pub to: Option<Sp<String>>,
    /// Amount per month.
    pub rate: Formula,
    /// What moves (shells, oil, money, technology): for grouping.
    pub commodity: String,
    /// Label, unit, note.
    pub info: Info,
}

/// A named formula evaluated each month.
#[derive(Clone, Debug)]
pub struct Aux {
    /// Name used in formulas.
    pub name: Sp<String>,
    /// The formula.
    pub expr: Formula,
    /// Label, unit, note.
    pub info: Info,
}

/// Something that may happen once.
#[derive(Clone, Debug)]
pub struct Event {
    /// Name; in formulas a 0/1 flag, with `.at` and `.since`.
    pub name: Sp<String>,
    /// Probability per month of happening (while `when` holds, if given).
    pub hazard: Option<Formula>,
    /// Condition: the event happens in the first month it holds (or, with a hazard, may happen
    /// only while it holds).
    pub when: Option<Formula>,
    /// Cannot happen before this month.
    pub not_before: Option<Sp<Month>>,
    /// Label, note.
    pub info: Info,
}

pub use crate::output::schema::kinds::{Better, OutcomeKind};

/// What a run is judged by.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Name: a column of `runs.csv`.
    pub name: Sp<String>,
    /// The formula evaluated each month (after stocks and events are updated).
    pub expr: Formula,
    /// How months become one number.
    pub kind: OutcomeKind,
    /// Month for `final`/`probability`: the value at (or by) this month instead of the end.
    pub at: Option<Sp<Month>>,
    /// First month of the window (default: start).
    pub from: Option<Sp<Month>>,
    /// Last month of the window (default: end).
    pub to: Option<Sp<Month>>,
    /// Which direction is better.
    pub better: Better,
    /// This outcome is the cost of a bundle (used for cost-effectiveness).
    pub is_cost: bool,
    /// Label, unit, note.
    pub info: Info,
}

/// A reported figure: what the baseline is checked against after every run, what
/// `leversim calibrate` conditions the params on (role `fit`) or only scores (role `check`).
#[derive(Clone, Debug)]
pub struct Observation {
    /// Identifier, unique in the scenario: as written, or `var@month` for an observation
    /// written without one.
    pub id: Sp<String>,
    /// Whether `id` was written (an observation with an id must cite its `source`).
    pub id_given: bool,
    /// Where the figure was published.
    pub source: String,
    /// The report's own words.
    pub quote: String,
    /// Fitted and scored, or only scored.
    pub role: ObservationRole,
    /// Variable (stock, flow, auxiliary, event or lever cost) observed, for `var` observations.
    pub var: Option<Sp<String>>,
    /// An expression over the run (window sums and means, values at months, ratios), for `expr`
    /// observations.
    pub expr: Option<Formula>,
    /// Month of the report: the value at the end of that month. Required with `var`; with
    /// `expr` it defaults to the last month of the expression's windows.
    pub at: Option<Sp<Month>>,
    /// What the report says about the quantity.
    pub figure: Figure,
    /// The report's uncertainty: of a point value, its spread; of a bound or range, how soft
    /// its edges are (default [`DEFAULT_SOFTNESS`]).
    pub spread: Option<Spread>,
    /// The scale on which the report's error is stated, if written (default: log for figures
    /// above zero, linear otherwise).
    pub scale: Option<Sp<Scale>>,
    /// For the history check of `leversim run`: allowed relative distance of the median from a
    /// point value (default 0.25).
    pub tolerance: f64,
    /// Source and wording of the report, or any remark.
    pub note: String,
    /// Where the observation was written.
    pub span: Span,
}

impl Observation {
    /// The observed value written as a point, if the figure is one.
    pub fn point(&self) -> Option<f64> {
        match self.figure {
            Figure::Point(v) => Some(v.value),
            _ => None,
        }
    }
}

/// Relative softness of a bound's or range's edges on the log scale when none is given: the
/// edge is a normal distribution function with this sd (about 10%).
pub const DEFAULT_SOFTNESS: f64 = 0.1;

/// Whether an observation is fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservationRole {
    /// Used by `calibrate` to condition the params, and scored.
    Fit,
    /// Never used for fitting, only scored: a held-out figure.
    Check,
}

impl ObservationRole {
    /// The keyword in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationRole::Fit => "fit",
            ObservationRole::Check => "check",
        }
    }
}

/// What a report says about a quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Figure {
    /// A value ("about 15,000").
    Point(Sp<f64>),
    /// A lower bound ("more than 10,000").
    Min(Sp<f64>),
    /// An upper bound ("up to 3 million").
    Max(Sp<f64>),
    /// A range ("between $1.7bn and $5.5bn").
    Range(Sp<f64>, Sp<f64>),
}

impl Figure {
    /// `point`, `min`, `max` or `range`.
    pub fn kind(&self) -> &'static str {
        match self {
            Figure::Point(_) => "point",
            Figure::Min(_) => "min",
            Figure::Max(_) => "max",
            Figure::Range(..) => "range",
        }
    }

    /// The numbers of the figure, in order.
    pub fn values(&self) -> Vec<f64> {
        match *self {
            Figure::Point(v) | Figure::Min(v) | Figure::Max(v) => vec![v.value],
            Figure::Range(lo, hi) => vec![lo.value, hi.value],
        }
    }
}

/// The uncertainty a report states.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spread {
    /// An absolute standard deviation (`sd`).
    Sd(Sp<f64>),
    /// A relative standard deviation (`rel_sd`).
    RelSd(Sp<f64>),
    /// The report's own 90% range (`p05`, `p95`).
    Interval(Sp<f64>, Sp<f64>),
}

/// The scale of a report's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Errors are relative: the log of the figure is normal around the log of the quantity.
    Log,
    /// Errors are absolute: the figure is normal around the quantity.
    Linear,
}

impl Scale {
    /// The keyword in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Log => "log",
            Scale::Linear => "linear",
        }
    }
}

/// The `[calibration]` table: where the scenario's calibration lives and how it is made.
#[derive(Clone, Debug, Default)]
pub struct CalibrationConfig {
    /// The posterior folder that `run`, `compare`, `sweep` and `sensitivity` use by default
    /// (relative to the scenario file's folder), and where `calibrate` writes it.
    pub posterior: Option<Sp<String>>,
    /// Particles of the sampler.
    pub particles: Option<Sp<u64>>,
    /// Simulations per particle and likelihood estimate.
    pub sims: Option<Sp<u64>>,
    /// Probability that a report is a gross error (default 0.05).
    pub gross_error: Option<Sp<f64>>,
}

/// How a bundle sets one lever.
#[derive(Clone, Debug)]
pub enum LeverValue {
    /// A constant value from the lever's start month, ramping as the lever says unless
    /// overridden.
    Constant {
        /// Target value.
        value: Sp<f64>,
        /// Start month override.
        from: Option<Sp<Month>>,
        /// Ramp override in months.
        ramp: Option<u32>,
    },
    /// Piecewise-linear over months: the default before the first point, the last value after
    /// the last.
    Schedule(Vec<(Sp<Month>, Sp<f64>)>),
}

/// One lever setting in a bundle.
#[derive(Clone, Debug)]
pub struct LeverSetting {
    /// Lever name as written.
    pub lever: Sp<String>,
    /// The setting.
    pub value: LeverValue,
}

/// A named set of lever settings: one policy to compare.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// Name, e.g. `status_quo`.
    pub name: Sp<String>,
    /// Human label.
    pub label: Option<String>,
    /// What the bundle stands for.
    pub description: String,
    /// Lever settings; levers not named keep their defaults.
    pub settings: Vec<LeverSetting>,
}

/// The `[output]` table.
#[derive(Clone, Debug, Default)]
pub struct OutputConfig {
    /// Variables whose monthly percentiles are recorded; `None`: every stock, flow, auxiliary
    /// and event.
    pub series: Option<Vec<Sp<String>>>,
    /// Whether the per-run tables are also written as Parquet (`None`: CSV only, unless
    /// `--format` says otherwise).
    pub format: Option<Sp<crate::output::schema::TableFormat>>,
    /// Variables whose month-by-month paths are written for a sample of runs (`paths.csv`).
    pub paths: Option<Vec<Sp<String>>>,
    /// How many runs of each bundle `paths` samples (the first ones).
    pub path_runs: Option<Sp<u64>>,
}

/// The `[charts]` table: what the charts show.
#[derive(Clone, Debug, Default)]
pub struct ChartsConfig {
    /// Series drawn as fan charts (default: every recorded stock and event).
    pub series: Option<Vec<Sp<String>>>,
    /// Outcomes charted (default: all).
    pub outcomes: Option<Vec<Sp<String>>>,
    /// Outcomes on the one-page dashboard (default: the first four).
    pub dashboard: Option<Vec<Sp<String>>>,
    /// Bundles drawn in the charts that show each bundle's runs: fan charts, distributions and
    /// exceedance curves (default: every bundle run). Comparisons and the dashboard show every
    /// bundle run.
    pub bundles: Option<Vec<Sp<String>>>,
    /// Custom chart titles: by series or outcome name (every chart of it), or by a chart's
    /// file name without extension (`dist-p_ssn`, `dashboard`: that chart only). A title
    /// replaces the chart's whole title; what kind of chart it is moves to the subtitle.
    pub titles: Vec<(Sp<String>, String)>,
}

/// The kinds of chart a `[charts.titles]` key may name before a series or outcome name
/// (`fan-shells_delivered`, `dist-p_ssn`): the chart files' prefixes. `dashboard` is a key of
/// its own.
pub const CHART_KINDS: [&str; 9] = [
    "fan",
    "fan-all",
    "fan-diff",
    "dist",
    "exceed",
    "compare",
    "cost-effect",
    "forest",
    "pareto",
];

/// Whether `key` of `[charts.titles]` names a chart: a name for which `known` holds, the
/// dashboard, or a [`CHART_KINDS`] prefix and such a name.
pub fn chart_title_key_ok(key: &str, known: impl Fn(&str) -> bool) -> bool {
    key == "dashboard"
        || known(key)
        || CHART_KINDS.iter().any(|kind| {
            key.strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(&known)
        })
}

/// The `[report]` table: the briefing page of `leversim report`.
#[derive(Clone, Debug, Default)]
pub struct ReportConfig {
    /// The question the scenario answers, first on the page.
    pub question: Option<String>,
    /// Outcomes reported, in this order (default: the dashboard's).
    pub outcomes: Option<Vec<Sp<String>>>,
    /// Series drawn as fan charts on the page (default: the first two charted series).
    pub series: Option<Vec<Sp<String>>>,
    /// Assumptions, one sentence each, in the scenario's own words.
    pub assumptions: Vec<String>,
    /// Limitations, one sentence each.
    pub limitations: Vec<String>,
}

/// A formula as written in the file, parsed, with the means to map its internal spans back to
/// the file.
#[derive(Clone, Debug)]
pub struct Formula {
    /// The text as written.
    pub text: String,
    /// The parsed expression.
    pub expr: formula::Expr,
    /// Where the whole string (or number) was written.
    pub span: Span,
    /// File offset of the formula's first character, when the string is written verbatim.
    pub content_start: Option<u32>,
}

impl Formula {
    /// The file span of a span inside the formula (the whole string when escapes prevent an
    /// exact mapping).
    pub fn file_span(&self, inner: formula::Span) -> Span {
        match self.content_start {
            Some(start) => Span {
                file: self.span.file,
                start: start + inner.start,
                end: start + inner.end,
            },
            None => self.span,
        }
    }
}

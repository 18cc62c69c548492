//! The keys a scenario file accepts, table by table: the one list the reader and the JSON Schema
//! share.
//!
//! Every [`TableReader`](super::reader::TableReader) is given the [`Table`] it reads, and in debug
//! builds (every test) asking it for a key that is not listed here is a broken invariant. A test
//! in `schema.rs` builds a document holding every key listed here and checks that the reader
//! accepts each one. So a key cannot be added to the reader without being added here, nor listed
//! here without being read, and `schema/leversim-scenario.schema.json`, which is generated from
//! these tables (`super::schema`), cannot drift from what `leversim validate` accepts.
//!
//! Values are checked here only as far as a JSON Schema can say them (types, words, month
//! spelling); the reader's messages stay the authority on everything else.

use crate::output::schema::kinds::OutcomeKind;

/// What a key's value may be.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// Free text.
    Text,
    /// One of a fixed list of words.
    Word(&'static [&'static str]),
    /// One of a list of words owned by other code (outcome kinds, distribution names).
    Words(fn() -> Vec<&'static str>),
    /// A calendar month written `"YYYY-MM"`.
    Month,
    /// A finite number.
    Number,
    /// A non-negative whole number.
    Whole,
    /// `true` or `false`.
    Bool,
    /// A formula in quotes, or a plain number.
    Formula,
    /// Two numbers, `[low, high]`.
    Pair,
    /// A list of names, `["a", "b"]`.
    Names,
    /// A lever schedule, `[["2025-01", 0.5], ["2026-01", 1.0]]`.
    Schedule,
    /// A table with the keys of [`Table`].
    Table(&'static Table),
    /// A table whose keys are names the analyst chooses; every value has the given type.
    Map(&'static Ty),
    /// An array of tables, `[[observations]]`.
    List(&'static Table),
    /// Any one of several forms (a param is a number or a table).
    Either(&'static [Ty]),
}

/// One key of a table.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The key as written in the file.
    pub name: &'static str,
    /// What its value may be.
    pub ty: Ty,
    /// One line for editors' hover text.
    pub doc: &'static str,
}

/// The keys of one kind of table.
#[derive(Debug)]
pub struct Table {
    /// What the table is, for editors' hover text.
    pub doc: &'static str,
    /// Every key the reader accepts in it, in the order the docs list them.
    pub keys: &'static [Key],
}

impl Table {
    /// The key called `name`, if this table has one.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The table under `name`, which this table lists as a sub-table (or as a map of names,
    /// whose reader takes every entry and asks for no fixed key).
    ///
    /// # Panics
    /// When `name` is not a sub-table here: the reader asked for a table that this module does
    /// not describe, which is a bug in leversim, not in the scenario.
    pub fn child(&self, name: &str) -> &'static Table {
        match self.key(name).map(|k| k.ty) {
            Some(Ty::Table(table)) => table,
            Some(Ty::Map(_)) => &NAMED,
            other => panic!("scenario::keys: `{name}` is not a sub-table here ({other:?})"),
        }
    }
}

/// A table whose keys are names the analyst chooses (`[params]`, `[charts.titles]`): no fixed
/// key; its reader takes every entry.
pub static NAMED: Table = Table {
    doc: "Entries named by the analyst.",
    keys: &[],
};

const fn key(name: &'static str, ty: Ty, doc: &'static str) -> Key {
    Key { name, ty, doc }
}

const LABEL: Key = key("label", Ty::Text, "Name shown in tables and charts.");
const UNIT: Key = key("unit", Ty::Text, "Unit shown on axes and in tables.");
const NOTE: Key = key("note", Ty::Text, "Free text: a source or a reason.");

fn table_formats() -> Vec<&'static str> {
    crate::output::schema::TableFormat::ALL
        .iter()
        .map(|f| f.as_str())
        .collect()
}

fn outcome_kinds() -> Vec<&'static str> {
    OutcomeKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// The top level of a scenario file.
pub static ROOT: Table = Table {
    doc: "A leversim scenario: a model of a security problem and the policy bundles to compare.",
    keys: &[
        key(
            "extends",
            Ty::Text,
            "Path of a base scenario (relative to this file) whose items this file replaces or adds to.",
        ),
        key(
            "scenario",
            Ty::Table(&SCENARIO),
            "Metadata, the time axis and default runs and seed.",
        ),
        key(
            "actors",
            Ty::Map(&Ty::Text),
            "States or groups: code = \"name\".",
        ),
        key(
            "params",
            Ty::Map(&Ty::Either(&[Ty::Number, Ty::Table(&PARAM)])),
            "Uncertain numbers, drawn once per run: a number or a distribution.",
        ),
        key(
            "levers",
            Ty::Map(&Ty::Table(&LEVER)),
            "Policy knobs with a default, a range and a cost; bundles set them.",
        ),
        key(
            "stocks",
            Ty::Map(&Ty::Table(&STOCK)),
            "Quantities that accumulate month by month.",
        ),
        key(
            "flows",
            Ty::Map(&Ty::Table(&FLOW)),
            "Monthly movements from one stock (or outside) to another.",
        ),
        key(
            "aux",
            Ty::Map(&Ty::Either(&[Ty::Formula, Ty::Table(&AUX)])),
            "Named formulas evaluated each month.",
        ),
        key(
            "events",
            Ty::Map(&Ty::Table(&EVENT)),
            "Things that may happen once: a hazard per month or a condition.",
        ),
        key(
            "outcomes",
            Ty::Map(&Ty::Table(&OUTCOME)),
            "What a run is judged by.",
        ),
        key(
            "bundles",
            Ty::Map(&Ty::Table(&BUNDLE)),
            "Named sets of lever values: the policies to compare.",
        ),
        key(
            "observations",
            Ty::List(&OBSERVATION),
            "Reported figures the baseline must reproduce.",
        ),
        key(
            "calibration",
            Ty::Table(&CALIBRATION),
            "Settings of `leversim calibrate`.",
        ),
        key(
            "output",
            Ty::Table(&OUTPUT),
            "What is written to the results folder.",
        ),
        key("charts", Ty::Table(&CHARTS), "Which charts are drawn."),
        key(
            "report",
            Ty::Table(&REPORT),
            "What the briefing report (`leversim report`) says and shows.",
        ),
    ],
};

/// `[scenario]`.
pub static SCENARIO: Table = Table {
    doc: "Metadata, the time axis and default runs and seed.",
    keys: &[
        key(
            "name",
            Ty::Text,
            "Short name; results go to output/<name>/.",
        ),
        key("title", Ty::Text, "Title shown on charts."),
        key("description", Ty::Text, "What the scenario asks."),
        key("source", Ty::Text, "Where the numbers come from."),
        key("start", Ty::Month, "First month, \"YYYY-MM\"."),
        key("end", Ty::Month, "Last month, \"YYYY-MM\"."),
        key("runs", Ty::Whole, "Default number of runs per bundle."),
        key("seed", Ty::Whole, "Default seed."),
        key(
            "baseline",
            Ty::Text,
            "The bundle compared against and checked against observations.",
        ),
        key(
            "cost_unit",
            Ty::Text,
            "Unit of lever costs, e.g. \"USD million\".",
        ),
    ],
};

/// A param written as a table: a distribution.
pub static PARAM: Table = Table {
    doc: "An uncertain number: dist plus the keys of one of its forms (e.g. p05 and p95).",
    keys: &[
        LABEL,
        UNIT,
        NOTE,
        key(
            "dist",
            Ty::Words(crate::scenario::dist::names),
            "Distribution: normal, lognormal, uniform, beta, gamma, ...",
        ),
        // The numeric keys of the distributions' forms, in the order the reader passes them on.
        key("value", Ty::Number, "constant: the value."),
        key("mean", Ty::Number, "Mean."),
        key("sd", Ty::Number, "Standard deviation."),
        key("median", Ty::Number, "Median."),
        key("p05", Ty::Number, "5th percentile (with p95: a 90% range)."),
        key(
            "p95",
            Ty::Number,
            "95th percentile (with p05: a 90% range).",
        ),
        key("mu", Ty::Number, "lognormal: mean of the log."),
        key("sigma", Ty::Number, "lognormal: sd of the log."),
        key("error_factor", Ty::Number, "lognormal: p95 / median."),
        key("min", Ty::Number, "Lower end."),
        key("max", Ty::Number, "Upper end."),
        key("mode", Ty::Number, "triangular, pert: most likely value."),
        key("lambda", Ty::Number, "pert: shape; poisson: mean."),
        key("a", Ty::Number, "beta: first shape."),
        key("b", Ty::Number, "beta: second shape."),
        key("shape", Ty::Number, "gamma: shape."),
        key("scale", Ty::Number, "gamma: scale."),
        key("rate", Ty::Number, "gamma, exponential: rate."),
        key("p", Ty::Number, "bernoulli, binomial: probability."),
        key("n", Ty::Number, "binomial: number of trials."),
    ],
};

/// `[levers.NAME]`.
pub static LEVER: Table = Table {
    doc: "A policy knob: a default, a range and a cost.",
    keys: &[
        LABEL,
        UNIT,
        NOTE,
        key("default", Ty::Number, "Value when no bundle sets it."),
        key("range", Ty::Pair, "[low, high] of allowed values."),
        key(
            "cost",
            Ty::Formula,
            "Cost per month, a formula (may use the lever's own name).",
        ),
        key("from", Ty::Month, "First month a bundle's setting applies."),
        key("ramp", Ty::Whole, "Months to move from default to setting."),
    ],
};

/// `[stocks.NAME]`.
pub static STOCK: Table = Table {
    doc: "A quantity that accumulates.",
    keys: &[
        LABEL,
        UNIT,
        NOTE,
        key("init", Ty::Formula, "Value at the start (default 0)."),
        key("actor", Ty::Text, "Actor code that holds the stock."),
        key("min", Ty::Number, "Lower bound."),
        key("max", Ty::Number, "Upper bound."),
        key(
            "bound",
            Ty::Word(&["error", "clamp"]),
            "At a bound: \"error\" stops the run, \"clamp\" holds the stock there.",
        ),
    ],
};

/// `[flows.NAME]`.
pub static FLOW: Table = Table {
    doc: "Moves an amount per month from one stock (or outside) to another.",
    keys: &[
        LABEL,
        UNIT,
        NOTE,
        key(
            "from",
            Ty::Text,
            "Stock the amount leaves (omit for outside).",
        ),
        key(
            "to",
            Ty::Text,
            "Stock the amount enters (omit for outside).",
        ),
        key("rate", Ty::Formula, "Amount per month, a formula."),
        key("commodity", Ty::Text, "What moves, for charts."),
    ],
};

/// `[aux.NAME]` written as a table.
pub static AUX: Table = Table {
    doc: "A named formula evaluated each month.",
    keys: &[LABEL, UNIT, NOTE, key("expr", Ty::Formula, "The formula.")],
};

/// `[events.NAME]`.
pub static EVENT: Table = Table {
    doc: "Something that may happen once; afterwards a 0/1 flag usable in formulas.",
    keys: &[
        LABEL,
        NOTE,
        key("hazard", Ty::Formula, "Probability per month, a formula."),
        key(
            "when",
            Ty::Formula,
            "Condition: the event happens the first month it holds.",
        ),
        key(
            "not_before",
            Ty::Month,
            "Earliest month the event can happen.",
        ),
    ],
};

/// `[outcomes.NAME]`.
pub static OUTCOME: Table = Table {
    doc: "What a run is judged by.",
    keys: &[
        LABEL,
        UNIT,
        NOTE,
        key("expr", Ty::Formula, "The formula measured."),
        key(
            "kind",
            Ty::Words(outcome_kinds),
            "How the formula becomes one number per run (default \"final\").",
        ),
        key(
            "better",
            Ty::Word(&["lower", "higher", "none"]),
            "Which direction is better.",
        ),
        key("at", Ty::Month, "kind \"final\": the month measured."),
        key("from", Ty::Month, "Start of the window."),
        key("to", Ty::Month, "End of the window."),
        key("cost", Ty::Bool, "This outcome is the cost of a bundle."),
    ],
};

/// `[bundles.NAME]`.
pub static BUNDLE: Table = Table {
    doc: "A named set of lever values.",
    keys: &[
        LABEL,
        key("description", Ty::Text, "What the bundle does."),
        key(
            "levers",
            Ty::Map(&Ty::Either(&[Ty::Number, Ty::Table(&SETTING)])),
            "lever = value, or a table with value/from/ramp or a schedule.",
        ),
    ],
};

/// A bundle's lever setting written as a table.
pub static SETTING: Table = Table {
    doc: "A lever's setting in a bundle: a value (from a month, with a ramp) or a schedule.",
    keys: &[
        key("value", Ty::Number, "The setting."),
        key("from", Ty::Month, "First month the setting applies."),
        key("ramp", Ty::Whole, "Months to move from the default."),
        key(
            "schedule",
            Ty::Schedule,
            "[[\"YYYY-MM\", value], ...]: values from given months.",
        ),
    ],
};

/// `[[observations]]`.
pub static OBSERVATION: Table = Table {
    doc: "A reported figure the baseline must reproduce.",
    keys: &[
        key("id", Ty::Text, "Short unique name."),
        key("source", Ty::Text, "Who reported it."),
        key("quote", Ty::Text, "The report's words."),
        key(
            "role",
            Ty::Word(&["fit", "check"]),
            "\"fit\": used to calibrate; \"check\": only scored.",
        ),
        key("var", Ty::Text, "The variable observed at `at`."),
        key("expr", Ty::Formula, "An expression over the run observed."),
        key("at", Ty::Month, "Month of the figure."),
        key("value", Ty::Number, "A point figure."),
        key("min", Ty::Number, "A lower bound."),
        key("max", Ty::Number, "An upper bound."),
        key("range", Ty::Pair, "A range [low, high]."),
        key("sd", Ty::Number, "The report's absolute uncertainty."),
        key("rel_sd", Ty::Number, "The report's relative uncertainty."),
        key("p05", Ty::Number, "5th percentile of the report."),
        key("p95", Ty::Number, "95th percentile of the report."),
        key(
            "scale",
            Ty::Word(&["log", "linear"]),
            "Whether the report's error is relative (log) or absolute (linear).",
        ),
        key(
            "tolerance",
            Ty::Number,
            "Allowed relative distance of the median.",
        ),
        NOTE,
    ],
};

/// `[calibration]`.
pub static CALIBRATION: Table = Table {
    doc: "Settings of `leversim calibrate`.",
    keys: &[
        key("posterior", Ty::Text, "Where the posterior is written."),
        key("particles", Ty::Whole, "Particles (at least 100)."),
        key("sims", Ty::Whole, "Simulations per particle."),
        key(
            "gross_error",
            Ty::Number,
            "Share of reports taken to be simply wrong.",
        ),
    ],
};

/// `[output]`.
pub static OUTPUT: Table = Table {
    doc: "What is written to the results folder.",
    keys: &[
        key(
            "series",
            Ty::Names,
            "Variables whose monthly percentiles go to series.csv.",
        ),
        key(
            "format",
            Ty::Words(table_formats),
            "\"parquet\" also writes runs, series and paths as Parquet beside the CSV files.",
        ),
        key(
            "paths",
            Ty::Names,
            "Variables whose month-by-month paths go to paths.csv for a sample of runs.",
        ),
        key(
            "path_runs",
            Ty::Whole,
            "Runs of each bundle whose paths are written (the first ones; default 100).",
        ),
    ],
};

/// `[charts]`.
pub static CHARTS: Table = Table {
    doc: "Which charts are drawn.",
    keys: &[
        key("series", Ty::Names, "Variables drawn as fan charts."),
        key("outcomes", Ty::Names, "Outcomes drawn."),
        key("dashboard", Ty::Names, "Outcomes on the dashboard."),
        key("bundles", Ty::Names, "Bundles drawn."),
        key(
            "titles",
            Ty::Map(&Ty::Text),
            "Chart titles by variable or outcome (all its charts) or by chart (`dist-NAME`, `forest-NAME`, `dashboard`); a title replaces the whole title, the chart's kind moving to the subtitle.",
        ),
    ],
};

/// `[report]`.
pub static REPORT: Table = Table {
    doc: "What the briefing report (`leversim report`) says and shows.",
    keys: &[
        key(
            "question",
            Ty::Text,
            "The question the page answers, in the analyst's words.",
        ),
        key(
            "outcomes",
            Ty::Names,
            "Outcomes reported, in this order (key findings, results table).",
        ),
        key("series", Ty::Names, "Variables whose fan charts are shown."),
        key("assumptions", Ty::Names, "Assumptions, one sentence each."),
        key("limitations", Ty::Names, "Limitations, one sentence each."),
    ],
};

/// The numeric keys a param table may hold: those of the distributions' forms.
pub fn dist_keys() -> impl Iterator<Item = &'static str> {
    PARAM
        .keys
        .iter()
        .filter(|k| matches!(k.ty, Ty::Number))
        .map(|k| k.name)
}

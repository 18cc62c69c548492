//! Results folders: the only writer of `output/<name>/`.
//!
//! [`schema`] is the public format; [`summary`] turns engine output into its records;
//! [`write`](mod@write) writes the folder atomically; [`format`](mod@format) renders numbers for people.

pub mod folder;
pub mod format;
pub mod schema;
pub mod sensitivity;
pub mod summary;
pub mod write;

pub use write::ResultsWriter;

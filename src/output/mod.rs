//! Results folders: the only writer of `output/<name>/`.
//!
//! [`schema`] defines every file of every results folder (the public format, and all that
//! `leversim plot` depends on); [`summary`] and [`sensitivity`] turn engine and analysis output
//! into its records; [`write`](mod@write) writes a folder atomically, and only where
//! [`folder`] says nothing of the user's is lost; [`format`](mod@format) renders numbers for
//! people; [`partial`] and [`shard`] keep the mergeable state of unfinished and sharded work.

pub mod calibration;
pub mod folder;
pub mod format;
pub mod partial;
pub mod schema;
pub mod sensitivity;
pub mod shard;
pub mod summary;
pub mod tables;
pub mod write;

pub use write::ResultsWriter;

//! Typed errors of the library, one per phase of describe → validate and lower → run → record:
//!
//! | phase | error | example |
//! |---|---|---|
//! | reading and validating a description (TOML or builder) | [`ConfigError`] | `population[0].params.tau_m: must be > 0, got -1` |
//! | lowering a valid experiment into a network | [`LowerError`] | a per-connection weight list longer than the connector's connections |
//! | running (any of the above, or recording) | [`RunError`] | |
//! | recording | [`crate::record::RecordError`] | a full disk |
//! | sampling jobs | [`crate::sampling::SamplingError`] | a calibration that finds no slope |
//!
//! Every error displays as one line that names the file (or the builder's label) and the field.

use std::sync::Arc;

use crate::record::RecordError;

/// A problem with an experiment description, found while reading or validating it.
/// Displays as one line: `FILE: FIELD: PROBLEM`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}: {field}: {problem}")]
pub struct ConfigError {
    /// Name of the experiment file (or the label given for an in-memory text or a builder).
    pub file: String,
    /// Path of the offending field, e.g. `population[0].params.tau_m`.
    pub field: String,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a field of a description.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum Problem {
    /// A rule of the description is broken; the text says which (e.g. `must be > 0, got -1`).
    #[error("{0}")]
    Rule(String),
    /// A typed error of the step that checked the field (e.g. a Boltzmann target that is not
    /// symmetric), kept for callers that want to inspect it.
    #[error(transparent)]
    Caused(Arc<dyn std::error::Error + Send + Sync>),
}

impl ConfigError {
    /// An error for `field` of `file`: the rule `message` is broken.
    pub fn new(file: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            field: field.into(),
            problem: Problem::Rule(message.into()),
        }
    }

    /// An error for `field` of `file` found by a step with its own typed error `cause`.
    pub fn caused_by(
        file: &str,
        field: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            file: file.to_string(),
            field: field.into(),
            problem: Problem::Caused(Arc::new(cause)),
        }
    }
}

impl PartialEq for ConfigError {
    /// Equal when they name the same file and field and say the same.
    fn eq(&self, other: &Self) -> bool {
        (&self.file, &self.field) == (&other.file, &other.field)
            && self.problem.to_string() == other.problem.to_string()
    }
}

/// A valid experiment that cannot be lowered into a network. Displays as one line naming the
/// description and the field.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LowerError {
    /// More neurons and sources than the engine indexes ([`crate::network::MAX_NODES`]).
    #[error(
        "{file}: population[{population}].size: the network has more than {} neurons and sources",
        crate::network::MAX_NODES
    )]
    TooLarge {
        /// The description.
        file: String,
        /// Index of the population that overflows.
        population: usize,
    },
    /// A per-connection weight or delay list whose length differs from the number of
    /// connections the connector made.
    #[error("{file}: projection[{projection}].{what}: has {given} values but the connector made {made} connections")]
    ValueCount {
        /// The description.
        file: String,
        /// Index of the projection.
        projection: usize,
        /// `weight` or `delay`.
        what: &'static str,
        /// Values given.
        given: usize,
        /// Connections made.
        made: usize,
    },
    /// More synapses than the engine indexes (`u32`), counted up to and including one
    /// projection (expected numbers before generating, the numbers made while generating).
    #[error(
        "{file}: projection[{projection}]: the network would have {count} synapses, more than the {} the engine can index",
        crate::network::MAX_SYNAPSES
    )]
    TooManySynapses {
        /// The description.
        file: String,
        /// Index of the projection at which the count passes the limit.
        projection: usize,
        /// Synapses of this projection and the ones before it.
        count: u64,
    },
    /// The simulation would need more memory than its limit (see [`crate::engine::memory`]).
    /// The line names the part (projection or population) that needs most.
    #[error(
        "{file}: {part}: {detail}; the simulation needs about {} in all, more than {}",
        crate::engine::memory::human_bytes(*.needed),
        crate::engine::memory::limit_text(*.limit, *.available)
    )]
    OutOfMemory {
        /// The description.
        file: String,
        /// The part that needs most, e.g. `projection[0] exc -> exc (all_to_all)`.
        part: String,
        /// How many connections or members it has and what they need, e.g.
        /// `1.0e6 connections need about 64.0 MB while the network is built (64 bytes each)`.
        detail: String,
        /// Estimated peak memory of the whole simulation [bytes].
        needed: u64,
        /// The limit [bytes].
        limit: u64,
        /// Whether the limit is the memory available on the machine (rather than one given).
        available: bool,
    },
}

/// Anything that can stop a run.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The experiment is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The experiment cannot be lowered into a network.
    #[error(transparent)]
    Lower(#[from] LowerError),
    /// Writing the recording failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl RunError {
    /// Whether the error is in the user's input (the description or the output path), as
    /// opposed to the machine (disk, I/O).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Config(_) | Self::Lower(_) => true,
            Self::Record(e) => e.is_bad_input(),
        }
    }
}

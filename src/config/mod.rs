//! Experiment description: a typed [`ExperimentBuilder`] (filled in code, or from TOML by the
//! front in `toml_front`) → validation → an immutable [`Experiment`].
//!
//! Parsing rejects unknown keys everywhere (a misspelt `tau_refac` never silently takes a default).
//! Validation checks every value once, at the builder, and reports the first problem as one line
//! naming the description and the field. The engine never re-checks.

mod builder;
mod experiment;
pub(crate) mod file;
mod toml_front;
mod validate;

pub use crate::models::Cell;
pub use crate::neuron::NeuronParams;
pub use builder::{ExperimentBuilder, PopulationDesc, ProjectionDesc, SignalDesc};
pub use experiment::{
    ArrayParams, Experiment, InitialState, PoissonParams, Population, Projection, RecordSpec,
    SignalSpec, SpikeTimes, DEFAULT_DELAY,
};
pub use file::{Connector, Values};
pub(crate) use file::{SimulationSection, Whole};
pub(crate) use toml_front::{
    cond_exp_section, deserialize_params, deserialize_table, deserialize_toml, wrong_kind, FileKind,
};
pub use validate::MAX_V_BYTES;
pub(crate) use validate::{check_cell_params, weight_sign_problem};

//! Experiment description: TOML → serde description types → a validated [`Experiment`].
//!
//! Parsing rejects unknown keys everywhere (a misspelt `tau_refac` never silently takes a default).
//! Validation checks every value once, here at the edge, and reports the first problem as one line
//! naming the file and the field. The engine never re-checks.

mod file;
mod validate;

pub use file::{Connector, Values};
pub(crate) use file::{ModelName, SimulationSection};
pub(crate) use validate::{cond_exp_section, deserialize_toml, weight_sign_problem};
pub use validate::{
    ArrayParams, Experiment, NeuronParams, PoissonParams, Population, PopulationKind, Projection,
    RecordSpec, SpikeTimes, DEFAULT_DELAY,
};

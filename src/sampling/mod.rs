//! Spike-based sampling (LIF/COBA neurons sampling from Boltzmann distributions): targets,
//! activation calibration, the sbs translation of Boltzmann parameters into neuron parameters, the
//! exact event-based readout of sampled joint states, and the divergences between the two.
//!
//! Everywhere in this module a joint state of n binary units is an index in `0..2^n`: z read as a
//! binary number with z_1 (unit 0) the **most** significant bit, so unit k is bit `n − 1 − k`.

pub mod background;
pub mod boltzmann;
pub mod calibrate;
pub mod calibration_source;
pub mod divergence;
pub mod error;
pub mod groups;
pub mod jobs;
pub mod logistic;
pub mod lower;
pub mod occupancy;
pub mod on_chip;
#[cfg(feature = "plot")]
pub mod plot;
pub mod prepare;
pub mod readout;
pub mod spec;
pub mod summary;
pub mod tables;
pub mod trainer;
pub mod training;
pub mod translation;

pub use error::SamplingError;
pub use prepare::{Preparing, SamplingJob, TrainingJob};
pub use spec::SamplingSpec;

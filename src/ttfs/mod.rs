//! Time-to-first-spike (TTFS) networks trained with exact spike-time gradients (Göltz, Kriener
//! et al., "Fast and energy-efficient neuromorphic deep learning with first-spike times", Nat. Mach.
//! Intell. 3:823, 2021).
//!
//! - [`neuron`]: the first-spike LIF neuron, its closed-form spike times and exact gradients;
//! - [`network`]: layered networks, forward and backward passes;
//! - [`loss`]: the reference's loss and the prediction;
//! - [`lower`]: a network and a pattern as an engine experiment;
//! - [`optimizer`]: Adam and the step learning-rate schedule;
//! - [`data`]: the Yin-Yang data set, CSV files;
//! - [`spec`]: the `[ttfs]` description of a training job;
//! - [`train`]: training and evaluation;
//! - [`jobs`]: the training and evaluation jobs, [`model_file`]: their HDF5 files;
//! - [`error`]: their errors; `plot` (feature `plot`): training curves and decision maps.

pub mod data;
pub mod error;
pub mod jobs;
pub mod loss;
pub mod lower;
pub mod model_file;
pub mod network;
pub mod neuron;
pub mod optimizer;
#[cfg(feature = "plot")]
pub mod plot;
pub mod spec;
pub mod train;

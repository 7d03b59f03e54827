//! Emulated accelerated analog hardware (BrainScaleS-1 and -2): chip profiles, the fixed pattern
//! of one physical chip and its calibration, mapping a network onto a chip, running it there with
//! the chip's imperfections, and reporting hardware time.
//!
//! - [`profile`]: the numbers of a chip generation (`models/chips/*.toml`);
//! - [`settings`]: what a user chooses for a run (profile, chip seed, scales, calibration);
//! - [`instance`]: one chip's fixed pattern and calibration;
//! - [`ttfs_map`]: placing a first-spike network, quantising its weights, the mapping report;
//! - [`ttfs_emulate`]: its forward pass on the emulated chip (a training substrate);
//! - [`sampling`]: sampling networks on a conductance-based chip (BrainScaleS-1);
//! - [`network`]: any experiment on a chip (`run --chip`);
//! - [`timing`]: hardware time, throughput and energy;
//! - [`record`]: the `/chip` group every emulated run stores;
//! - [`error`]: what does not fit.

pub mod error;
pub mod instance;
pub mod network;
pub mod profile;
pub mod record;
pub mod sampling;
pub mod settings;
pub mod timing;
pub mod ttfs_emulate;
pub mod ttfs_map;

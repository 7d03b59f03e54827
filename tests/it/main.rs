//! Every integration test in one binary: one link instead
//! of one per file. Each module is the former `tests/NAME.rs`; run one with
//! `cargo test --release --test it NAME::` (e.g. `oracle_spikes:: -- --nocapture`).

mod common;

mod bad_input;
mod benchmarks;
mod calibration;
mod chip;
mod chip_run;
mod chip_sampling;
mod cli_hdf5;
mod docs;
mod engine;
mod ensembles;
mod info;
mod memory;
mod oracle_spikes;
mod output_paths;
mod per_neuron;
mod profiles;
mod random;
mod runtime_changes;
mod sampling;
mod signals;
mod threads;
mod training;
mod tso;
mod ttfs;
mod windowed;

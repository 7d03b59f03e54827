#![forbid(unsafe_code)]
//! The `exactspike` command. Errors print as one line; bad input exits with status 2, a run
//! stopped by a signal with 128 + the signal's number.

mod cli;

use clap::Parser;
use exactspike::error::{ConfigError, LowerError, RunError};
use exactspike::record::raster::RasterError;
use exactspike::record::RecordError;
use exactspike::sampling::SamplingError;
use exactspike::threads::ThreadsError;
use exactspike::ttfs::error::TtfsError;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = cli::Cli::parse();
    let outcome = cli::run(cli);
    if let Some(peak) = exactspike::engine::memory::peak_resident_memory() {
        // Compared with the "memory estimate" logged before the network is built.
        tracing::info!(peak_resident_bytes = peak, "memory used");
    }
    if let Err(error) = outcome {
        eprintln!("error: {error:#}");
        std::process::exit(exit_status(&error));
    }
}

/// 128 + the signal's number after a signal (as shells report it), 2 for bad input (the
/// description, or an output path that may not be written), 1 for anything else.
fn exit_status(error: &anyhow::Error) -> i32 {
    if let Some(interrupted) = error.downcast_ref::<cli::Interrupted>() {
        return interrupted.exit_code();
    }
    let bad_input = error.downcast_ref::<ConfigError>().is_some()
        || error.downcast_ref::<LowerError>().is_some()
        || (error.downcast_ref::<RunError>()).is_some_and(RunError::is_bad_input)
        || (error.downcast_ref::<SamplingError>()).is_some_and(SamplingError::is_bad_input)
        || (error.downcast_ref::<RecordError>()).is_some_and(RecordError::is_bad_input)
        || (error.downcast_ref::<RasterError>()).is_some_and(RasterError::is_bad_input)
        || (error.downcast_ref::<TtfsError>()).is_some_and(TtfsError::is_bad_input)
        || (error.downcast_ref::<ThreadsError>()).is_some_and(ThreadsError::is_bad_input);
    if bad_input {
        2
    } else {
        1
    }
}

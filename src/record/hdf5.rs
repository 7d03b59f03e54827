//! HDF5 file recorder (pure Rust, no system library).

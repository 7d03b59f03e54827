//! Names of the HDF5 groups the sampling jobs write (a leaf module: the job modules all use it).

/// Group of the calibration in HDF5 files.
pub const CALIBRATION_GROUP: &str = "calibration";
/// Group of the sampling results in HDF5 files.
pub const SAMPLING_GROUP: &str = "sampling";
/// Group of the training history in HDF5 files.
pub const TRAINING_GROUP: &str = "training";

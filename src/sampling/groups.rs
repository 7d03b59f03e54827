//! Names of the HDF5 groups the sampling jobs write (a leaf module: the job modules all use it).

/// Group of the calibration in HDF5 files.
pub const CALIBRATION_GROUP: &str = "calibration";
/// Group of the sampling results in HDF5 files.
pub const SAMPLING_GROUP: &str = "sampling";
/// Group of the background (its wiring, calibration under it and statistics) in HDF5 files.
pub const BACKGROUND_GROUP: &str = "background";
/// Group of the training history in HDF5 files.
pub const TRAINING_GROUP: &str = "training";
/// Attribute of the sampling group: where the calibration came from, "measured" (in this run;
/// the calibration group holds it) or "file".
pub const CALIBRATION_ATTR: &str = "calibration";
/// Attribute of the sampling group: the calibration file read (absolute path), when
/// [`CALIBRATION_ATTR`] is "file".
pub const CALIBRATION_FILE_ATTR: &str = "calibration_file";

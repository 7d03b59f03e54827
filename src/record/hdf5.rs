//! HDF5 file recorder (pure Rust, no system library).
// TEMPORARY STUB until the real recorder lands.
use std::path::Path;
use super::{RecordError, RecordLayout, Recorder, RunMetadata, Termination};
/// stub
pub struct Hdf5Recorder;
impl Hdf5Recorder {
    /// stub
    pub fn create(_p: &Path, _l: &RecordLayout, _m: &RunMetadata, _o: bool) -> Result<Self, RecordError> { Ok(Self) }
    /// stub
    pub fn finish(self, _t: Termination) -> Result<(), RecordError> { Ok(()) }
    /// stub
    pub fn abandon(self) {}
}
impl Recorder for Hdf5Recorder {
    fn spike(&mut self, _p: usize, _s: u32, _t: f64) -> Result<(), RecordError> { Ok(()) }
    fn v_sample(&mut self, _p: usize, _t: f64, _v: &[f64]) -> Result<(), RecordError> { Ok(()) }
}

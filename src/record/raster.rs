//! stub
use std::path::Path;
/// stub
pub fn draw_raster(_h: &Path, _o: &Path, _p: Option<&[String]>, _f: Option<f64>, _t: Option<f64>) -> Result<(), super::RecordError> { Ok(()) }

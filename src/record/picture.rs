//! Pictures (PNG or SVG) drawn with pure-Rust `plotters` and an embedded DejaVu Sans font, so
//! no system font library is needed: drawn in memory, then written whole through the output
//! rules of [`output`](super::output).

use std::path::Path;
use std::sync::Once;

use image::{codecs::png::PngEncoder, ColorType, ImageEncoder};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::output::{check_output, write_whole};
use super::raster::RasterError;

/// Image size (pixels).
pub(crate) const SIZE: (u32, u32) = (1200, 800);

/// A picture drawable onto any plotters backend.
pub(crate) trait Figure {
    /// Draw onto `area` and present it.
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Image formats, by the output's extension.
#[derive(Clone, Copy, Debug)]
enum Format {
    Png,
    Svg,
}

/// Where a picture goes: checked before anything is read or drawn.
pub(crate) struct Picture<'a> {
    path: &'a Path,
    format: Format,
    overwrite: bool,
}

impl<'a> Picture<'a> {
    /// The picture `out`: `.png` or `.svg`, a new name or (if `overwrite`) an existing regular
    /// file ([`check_output`]).
    pub(crate) fn new(out: &'a Path, overwrite: bool) -> Result<Self, RasterError> {
        check_output(out, overwrite)?;
        let extension = out.extension().and_then(|e| e.to_str());
        let format = match extension.map(str::to_lowercase).as_deref() {
            Some("png") => Format::Png,
            Some("svg") => Format::Svg,
            _ => {
                return Err(RasterError::Format {
                    path: out.display().to_string(),
                })
            }
        };
        Ok(Self {
            path: out,
            format,
            overwrite,
        })
    }

    /// Draw `figure` in memory with the embedded font, then write the file whole (through its
    /// hidden partial name, so a failure leaves no half-written picture).
    pub(crate) fn render(&self, figure: &impl Figure) -> Result<(), RasterError> {
        register_embedded_font();
        let draw_error = |message: String| RasterError::Draw {
            path: self.path.display().to_string(),
            message,
        };
        let bytes = match self.format {
            Format::Png => {
                let mut rgb = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
                let area = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                figure.draw(area).map_err(draw_error)?;
                let mut png = Vec::new();
                PngEncoder::new(&mut png)
                    .write_image(&rgb, SIZE.0, SIZE.1, ColorType::Rgb8)
                    .map_err(|e| draw_error(e.to_string()))?;
                png
            }
            Format::Svg => {
                let mut svg = String::new();
                figure
                    .draw(SVGBackend::with_string(&mut svg, SIZE).into_drawing_area())
                    .map_err(draw_error)?;
                svg.into_bytes()
            }
        };
        Ok(write_whole(self.path, &bytes, self.overwrite)?)
    }
}

/// Make the embedded DejaVu Sans the "sans-serif" family (once per process).
fn register_embedded_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The embedded font is a valid TTF; a failure would only lose the text.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Draw the legend of `chart`'s labelled series at `position`: a framed, lightly shaded box.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())
}

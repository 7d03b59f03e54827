//! Spike raster plots (PNG or SVG) of a recording, drawn with pure-Rust `plotters` and an
//! embedded DejaVu Sans font, so no system font library is needed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle, Palette, Palette99};

use super::inspect::{list_or_none, read_spikes, spike_populations, t_stop, SpikePopulation};
use super::RecordError;

/// Image size (pixels).
const SIZE: (u32, u32) = (1200, 800);
/// Room right of the plot for population names (pixels).
const LABEL_WIDTH: u32 = 140;
/// Radius of one spike dot (pixels) for a raster of `rows` neurons: larger dots for few rows.
fn dot_radius(rows: f64) -> i32 {
    match rows {
        r if r <= 50.0 => 3,
        r if r <= 200.0 => 2,
        _ => 1,
    }
}

/// Why a raster could not be drawn.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// Reading the recording failed.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A requested population has no recorded spikes in the file.
    #[error("{path}: no spike population {requested:?} (available: {available})")]
    UnknownPopulation {
        /// Recording concerned.
        path: String,
        /// The name asked for.
        requested: String,
        /// Comma-separated names present in the file.
        available: String,
    },
    /// The time window is empty or inverted.
    #[error("empty time window {from}..{to} ms")]
    EmptyWindow {
        /// Start (ms).
        from: f64,
        /// End (ms).
        to: f64,
    },
    /// The output extension is neither `.png` nor `.svg`.
    #[error("{path}: unsupported image format (use .png or .svg)")]
    Format {
        /// Output path concerned.
        path: String,
    },
    /// Rendering or writing the image failed.
    #[error("{path}: drawing failed: {message}")]
    Draw {
        /// Output path concerned.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Spikes of one population inside the window, placed on the y axis at `offset`.
struct Band {
    name: String,
    offset: f64,
    size: f64,
    points: Vec<(f64, f64)>,
}

/// Draw a spike raster of the recording `path_h5` into `out` (`.png` or `.svg`): time (ms) on
/// x, one row per neuron, populations stacked in separate bands. `populations` selects and
/// orders the populations (default: all, by name); `from`/`to` bound the time window (ms)
/// (default: 0 to `t_stop`).
pub fn draw_raster(
    path_h5: &Path,
    out: &Path,
    populations: Option<&[String]>,
    from: Option<f64>,
    to: Option<f64>,
) -> Result<(), RasterError> {
    let selected = select(path_h5, populations)?;
    let window = window(path_h5, from, to)?;
    let bands = load_bands(path_h5, &selected, window)?;
    render(out, &RasterFigure { bands, window })
}

/// A picture drawable onto any plotters backend.
pub(crate) trait Figure {
    /// Draw onto `area` and present it.
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draw `figure` into `out`: PNG or SVG by the file's extension, with the embedded font.
pub(crate) fn render(out: &Path, figure: &impl Figure) -> Result<(), RasterError> {
    register_embedded_font();
    let draw_error = |message: String| RasterError::Draw {
        path: out.display().to_string(),
        message,
    };
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    match extension.as_deref() {
        Some("png") => figure
            .draw(BitMapBackend::new(out, SIZE).into_drawing_area())
            .map_err(draw_error),
        Some("svg") => figure
            .draw(SVGBackend::new(out, SIZE).into_drawing_area())
            .map_err(draw_error),
        _ => Err(RasterError::Format {
            path: out.display().to_string(),
        }),
    }
}

/// The raster: population bands over a time window [ms].
struct RasterFigure {
    bands: Vec<Band>,
    window: (f64, f64),
}

impl Figure for RasterFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        plot(area, &self.bands, self.window)
    }
}

/// The populations to draw, in order; unknown names are an error listing the available ones.
fn select(path: &Path, requested: Option<&[String]>) -> Result<Vec<SpikePopulation>, RasterError> {
    let available = spike_populations(path)?;
    let Some(requested) = requested else {
        return Ok(available);
    };
    (requested.iter())
        .map(|name| {
            let found = available.iter().find(|p| &p.name == name);
            found.cloned().ok_or_else(|| {
                let names: Vec<String> = available.iter().map(|p| p.name.clone()).collect();
                RasterError::UnknownPopulation {
                    path: path.display().to_string(),
                    requested: name.clone(),
                    available: list_or_none(&names),
                }
            })
        })
        .collect()
}

/// The time window (ms): `from` (default 0) to `to` (default `t_stop`, else 1000).
fn window(path: &Path, from: Option<f64>, to: Option<f64>) -> Result<(f64, f64), RasterError> {
    let from = from.unwrap_or(0.0);
    let to = match to {
        Some(to) => to,
        None => t_stop(path)?.unwrap_or(1000.0),
    };
    if to > from {
        Ok((from, to))
    } else {
        Err(RasterError::EmptyWindow { from, to })
    }
}

/// Read each selected population's spikes inside `window`, stacking populations on the y axis.
fn load_bands(
    path: &Path,
    selected: &[SpikePopulation],
    (from, to): (f64, f64),
) -> Result<Vec<Band>, RasterError> {
    let mut offset = 0.0;
    let mut bands = Vec::with_capacity(selected.len());
    for population in selected {
        let (times, senders) = read_spikes(path, &population.name)?;
        let largest = senders.iter().max().map_or(0, |s| *s as usize + 1);
        let size = population.size.unwrap_or(largest).max(1) as f64;
        let points = (times.into_iter().zip(senders))
            .filter(|(t, _)| (from..=to).contains(t))
            .map(|(t, s)| (t, offset + f64::from(s)))
            .collect();
        let name = population.name.clone();
        bands.push(Band {
            name,
            offset,
            size,
            points,
        });
        offset += size;
    }
    Ok(bands)
}

/// Draw the raster onto `area` and write it out.
fn plot<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    bands: &[Band],
    (from, to): (f64, f64),
) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    area.fill(&WHITE).map_err(|e| text(&e))?;
    let total = bands.last().map_or(1.0, |b| b.offset + b.size);
    let mut chart = ChartBuilder::on(&area)
        .margin(20)
        .margin_right(LABEL_WIDTH)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(from..to, -0.5..total - 0.5)
        .map_err(|e| text(&e))?;
    let local_index = |y: &f64| local_label(bands, *y);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time [ms]")
        .y_desc("neuron index (per population)")
        .y_label_formatter(&local_index)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(|e| text(&e))?;
    for (index, band) in bands.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        let dot = dot_radius(total);
        draw_band(&mut chart, band, color, dot, (from, to)).map_err(|e| text(&e))?;
        let (x, y) = chart.backend_coord(&(to, band.offset + band.size / 2.0 - 0.5));
        let style = ("sans-serif", 18)
            .into_font()
            .color(&color.mix(1.0))
            .pos(Pos::new(HPos::Left, VPos::Center));
        let label = format!("{} ({})", band.name, band.points.len());
        (area.draw(&Text::new(label, (x + 8, y), style))).map_err(|e| text(&e))?;
    }
    area.present().map_err(|e| text(&e))
}

/// Dots and upper separator line of one population band.
fn draw_band<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    band: &Band,
    color: RGBAColor,
    dot: i32,
    (from, to): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let dots = band
        .points
        .iter()
        .map(|p| Circle::new(*p, dot, color.filled()));
    chart.draw_series(dots)?;
    let top = band.offset + band.size - 0.5;
    let line = [(from, top), (to, top)];
    chart.draw_series(std::iter::once(PathElement::new(line, BLACK.mix(0.4))))?;
    Ok(())
}

/// Tick label for global row `y`: the neuron index within its population band, shown only at
/// whole rows (neuron i of a band sits at `offset + i`).
fn local_label(bands: &[Band], y: f64) -> String {
    if (y - y.round()).abs() > 1e-9 {
        return String::new();
    }
    let band = bands.iter().rev().find(|b| y >= b.offset - 0.5);
    let local = band.map_or(y, |b| y - b.offset);
    format!("{local:.0}")
}

/// Make the embedded DejaVu Sans the "sans-serif" family (once per process).
fn register_embedded_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The embedded font is a valid TTF; a failure would only lose the text.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::hdf5::Hdf5Recorder;
    use crate::record::{RecordLayout, Recorder, RunMetadata, Termination};
    use std::path::PathBuf;

    /// A recording with two populations firing in a deterministic pattern.
    fn recording(dir: &Path) -> PathBuf {
        let path = dir.join("run.h5");
        let layout = RecordLayout {
            spikes: vec![("exc".into(), 80), ("inh".into(), 20)],
            ..RecordLayout::default()
        };
        let meta = RunMetadata {
            seed: 1,
            t_stop: 200.0,
            experiment: String::new(),
        };
        let mut file = Hdf5Recorder::create(&path, &layout, &meta, false).unwrap();
        for step in 0..4000u32 {
            let t = f64::from(step) * 0.05;
            let population = usize::from(step % 5 == 0);
            let size = if population == 0 { 80 } else { 20 };
            file.spike(population, step.wrapping_mul(2_654_435_761) % size, t)
                .unwrap();
        }
        file.finish(Termination::Completed).unwrap();
        path
    }

    #[test]
    fn draws_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        for name in ["raster.png", "raster.svg"] {
            let out = dir.path().join(name);
            draw_raster(&h5, &out, None, None, None).unwrap();
            assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{name}");
        }
        let svg = std::fs::read_to_string(dir.path().join("raster.svg")).unwrap();
        assert!(svg.contains("time [ms]"));
    }

    #[test]
    fn window_and_selection() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let out = dir.path().join("inh.png");
        let only = ["inh".to_owned()];
        draw_raster(&h5, &out, Some(&only), Some(50.0), Some(60.0)).unwrap();
        assert!(out.exists());
        let err = draw_raster(&h5, &out, None, Some(60.0), Some(50.0)).unwrap_err();
        assert!(matches!(err, RasterError::EmptyWindow { .. }), "{err}");
    }

    #[test]
    fn unknown_population_lists_available() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let wanted = ["pyr".to_owned()];
        let out = dir.path().join("x.png");
        let err = draw_raster(&h5, &out, Some(&wanted), None, None).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("\"pyr\"") && message.contains("exc, inh"),
            "{message}"
        );
        assert!(!out.exists());
    }

    #[test]
    fn unsupported_extension() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let err = draw_raster(&h5, &dir.path().join("x.jpg"), None, None, None).unwrap_err();
        assert!(matches!(err, RasterError::Format { .. }), "{err}");
    }

    /// Writes a sample raster for eyeballing: set `EXACTSPIKE_RASTER_OUT` to a .png/.svg path.
    #[test]
    #[ignore]
    fn sample_image() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let out = std::env::var_os("EXACTSPIKE_RASTER_OUT")
            .map(PathBuf::from)
            .unwrap();
        draw_raster(&h5, &out, None, None, None).unwrap();
    }
}

//! Spike raster plots (PNG or SVG) of a recording: one row per neuron, populations in tinted
//! bands with a line between them, a legend naming them, a title naming the file.

mod ticks;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::inspect::{list_or_none, read_spikes, spike_populations, t_stop, SpikePopulation};
use super::picture::{Figure, Picture, SIZE};
use super::RecordError;
use ticks::{local_label, time_label, Rows};

/// Font size of tick labels, legend entries and axis descriptions; of the title (pixels).
const FONT: (u32, u32) = (16, 22);
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
    /// Reading the recording, or the output path, failed.
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

impl RasterError {
    /// Whether the error is in the user's input (an output path that may not be written, an
    /// unknown population, an empty window, an unsupported format), as opposed to the machine.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Record(e) => e.is_bad_input(),
            Self::UnknownPopulation { .. } | Self::EmptyWindow { .. } | Self::Format { .. } => true,
            Self::Draw { .. } => false,
        }
    }
}

/// Spikes of one population inside the window, placed on the y axis at `offset`.
struct Band {
    name: String,
    offset: f64,
    size: f64,
    points: Vec<(f64, f64)>,
}

/// Draw a spike raster of the recording `path_h5` into `out` (`.png` or `.svg`; an existing
/// picture is replaced only if `overwrite`): time (ms) on x, one row per neuron, populations
/// stacked in separate bands. `populations` selects and orders the populations (default: all,
/// by name); `from`/`to` bound the time window (ms) (default: 0 to `t_stop`).
pub fn draw_raster(
    path_h5: &Path,
    out: &Path,
    overwrite: bool,
    populations: Option<&[String]>,
    from: Option<f64>,
    to: Option<f64>,
) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let selected = select(path_h5, populations)?;
    let window = window(path_h5, from, to)?;
    let bands = load_bands(path_h5, &selected, window)?;
    let name = path_h5.file_name().unwrap_or(path_h5.as_os_str());
    let title = format!(
        "{}: spikes, {} to {} ms",
        name.to_string_lossy(),
        window.0,
        window.1
    );
    picture.render(&RasterFigure {
        title,
        bands,
        window,
    })
}

/// The raster: a title and population bands over a time window [ms].
struct RasterFigure {
    title: String,
    bands: Vec<Band>,
    window: (f64, f64),
}

impl Figure for RasterFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        plot(area, &self.title, &self.bands, self.window)
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

/// Population colours, in band order (matplotlib's "tab10": distinct and readable on white).
pub(crate) const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of band `index` (the colours repeat after ten bands).
fn band_color(index: usize) -> RGBAColor {
    COLORS[index % COLORS.len()].to_rgba()
}

/// Legend entry of a band: its name and spike count in the window.
fn legend_label(band: &Band) -> String {
    let spikes = band.points.len();
    format!(
        "{} ({spikes} spike{})",
        band.name,
        if spikes == 1 { "" } else { "s" }
    )
}

/// Draw the raster onto `area` and write it out: title, tinted population bands with a line
/// between neighbours, dots, whole-number neuron ticks, and a legend right of the plot.
fn plot<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    title: &str,
    bands: &[Band],
    (from, to): (f64, f64),
) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    area.fill(&WHITE).map_err(|e| text(&e))?;
    let legend_style = ("sans-serif", FONT.0)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut legend_width = 0;
    for band in bands {
        let (w, _) =
            (area.estimate_text_size(&legend_label(band), &legend_style)).map_err(|e| text(&e))?;
        legend_width = legend_width.max(w);
    }
    let legend_width = (legend_width + 40).clamp(120, SIZE.0 / 3);
    let total = bands.last().map_or(1.0, |b| b.offset + b.size);
    let rows = Rows::new(bands, total);
    let mut chart = ChartBuilder::on(&area)
        .caption(title, ("sans-serif", FONT.1))
        .margin(20)
        .margin_right(legend_width + 20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(from..to, rows)
        .map_err(|e| text(&e))?;
    for (index, band) in bands.iter().enumerate() {
        let tint = Rectangle::new(
            [
                (from, band.offset - 0.5),
                (to, band.offset + band.size - 0.5),
            ],
            band_color(index).mix(0.08).filled(),
        );
        chart
            .draw_series(std::iter::once(tint))
            .map_err(|e| text(&e))?;
    }
    let local_index = |y: &f64| local_label(bands, *y);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time [ms]")
        .y_desc("neuron index (per population)")
        .y_label_formatter(&local_index)
        .x_label_formatter(&|t| time_label(*t))
        .label_style(("sans-serif", FONT.0))
        .axis_desc_style(("sans-serif", FONT.0 + 2))
        .draw()
        .map_err(|e| text(&e))?;
    let dot = dot_radius(total);
    for (index, band) in bands.iter().enumerate() {
        let dots = (band.points.iter()).map(|p| Circle::new(*p, dot, band_color(index).filled()));
        chart.draw_series(dots).map_err(|e| text(&e))?;
    }
    // A line between neighbouring bands, over the dots.
    let separators = bands.iter().skip(1).map(|band| {
        let line = [(from, band.offset - 0.5), (to, band.offset - 0.5)];
        PathElement::new(line, BLACK.mix(0.7).stroke_width(2))
    });
    chart.draw_series(separators).map_err(|e| text(&e))?;
    // The legend, from the top of the plot down, right of it.
    let (x, y) = chart.backend_coord(&(to, total - 0.5));
    for (index, band) in bands.iter().enumerate() {
        let y = y + 8 + 24 * index as i32;
        let color = band_color(index);
        (area.draw(&Circle::new((x + 22, y), 5, color.filled()))).map_err(|e| text(&e))?;
        let label = Text::new(legend_label(band), (x + 34, y), legend_style.clone());
        area.draw(&label).map_err(|e| text(&e))?;
    }
    area.present().map_err(|e| text(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::hdf5::Hdf5Recorder;
    use crate::record::{RecordLayout, Recorder, RunMetadata, Termination};
    use std::path::PathBuf;

    /// A recording of populations `(name, neurons)` firing in a deterministic pattern over
    /// 200 ms: 4000 spikes, every 5th in the second population (if any).
    fn recording_of(dir: &Path, spikes: &[(&str, u32)]) -> PathBuf {
        let path = dir.join("run.h5");
        let layout = RecordLayout {
            spikes: (spikes.iter())
                .map(|(name, size)| (name.to_string(), *size as usize))
                .collect(),
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
            let population = usize::from(step % 5 == 0).min(spikes.len() - 1);
            let size = spikes[population].1;
            file.spike(population, step.wrapping_mul(2_654_435_761) % size, t)
                .unwrap();
        }
        file.finish(Termination::Completed).unwrap();
        path
    }

    /// A recording with two populations, `exc` (80 neurons) and `inh` (20).
    fn recording(dir: &Path) -> PathBuf {
        recording_of(dir, &[("exc", 80), ("inh", 20)])
    }

    /// One neuron: its row is ticked 0 (not left without a label), and the picture is drawn.
    #[test]
    fn draws_a_single_neuron() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording_of(dir.path(), &[("solo", 1)]);
        let png = dir.path().join("one.png");
        draw_raster(&h5, &png, false, None, None, None).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.len() > 1000 && &bytes[..4] == b"\x89PNG");
        let svg = dir.path().join("one.svg");
        draw_raster(&h5, &svg, false, None, None, None).unwrap();
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.contains("solo (4000 spikes)"), "legend");
        assert_eq!(y_tick_labels(&svg), ["0"]);
    }

    /// The y-axis tick labels of an SVG raster (the only right-aligned texts), bottom to top.
    fn y_tick_labels(svg: &str) -> Vec<&str> {
        (svg.split("<text").skip(1))
            .filter(|element| element.contains(r#"text-anchor="end""#))
            .filter_map(|element| element.split_once(">\n")?.1.split_once("\n</text>"))
            .map(|(label, _)| label)
            .collect()
    }

    #[test]
    fn draws_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        for name in ["raster.png", "raster.svg"] {
            let out = dir.path().join(name);
            draw_raster(&h5, &out, false, None, None, None).unwrap();
            assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{name}");
        }
        let svg = std::fs::read_to_string(dir.path().join("raster.svg")).unwrap();
        for text in [
            "time [ms]",
            "run.h5: spikes, 0 to 200 ms",
            "exc (3200 spikes)",
            "inh (800 spikes)",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        // Every 5th neuron of each population, counted from 0 in each.
        let exc = (0..80).step_by(5).map(|i| i.to_string());
        let inh = (0..20).step_by(5).map(|i| i.to_string());
        assert_eq!(y_tick_labels(&svg), exc.chain(inh).collect::<Vec<_>>());
        // The line between the populations, thicker than the axes.
        assert_eq!(svg.matches(r#"stroke-width="2""#).count(), 1);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(names.is_empty(), "hidden files left: {names:?}");
    }

    #[test]
    fn an_existing_picture_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let out = dir.path().join("raster.png");
        std::fs::write(&out, b"an older picture").unwrap();
        let err = draw_raster(&h5, &out, false, None, None, None).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: output file exists (pass --overwrite to replace it)",
                out.display()
            )
        );
        assert_eq!(std::fs::read(&out).unwrap(), b"an older picture");
        draw_raster(&h5, &out, true, None, None, None).unwrap();
        assert_eq!(&std::fs::read(&out).unwrap()[1..4], b"PNG");
        let err = draw_raster(&h5, dir.path(), true, None, None, None).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a directory, not a regular file"),
            "{err}"
        );
    }

    #[test]
    fn window_and_selection() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let out = dir.path().join("inh.png");
        let only = ["inh".to_owned()];
        draw_raster(&h5, &out, false, Some(&only), Some(50.0), Some(60.0)).unwrap();
        assert!(out.exists());
        let err = draw_raster(&h5, &out, true, None, Some(60.0), Some(50.0)).unwrap_err();
        assert!(matches!(err, RasterError::EmptyWindow { .. }), "{err}");
    }

    #[test]
    fn unknown_population_lists_available() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = recording(dir.path());
        let wanted = ["pyr".to_owned()];
        let out = dir.path().join("x.png");
        let err = draw_raster(&h5, &out, false, Some(&wanted), None, None).unwrap_err();
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
        let jpg = dir.path().join("x.jpg");
        let err = draw_raster(&h5, &jpg, false, None, None, None).unwrap_err();
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
        draw_raster(&h5, &out, true, None, None, None).unwrap();
    }
}

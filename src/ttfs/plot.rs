//! Pictures of TTFS models (PNG or SVG): training curves from a model file, and the decision map
//! of a Yin-Yang model (the class of every point of the unit disc, with the test patterns).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::Dataset;
use super::model_file::StoredModel;
use super::network::Trace;
use super::train::{Substrate, Trial};
use crate::record::inspect::read_f64;
use crate::record::picture::{draw_legend, Figure, Picture};
use crate::record::raster::RasterError;

/// Colours of the classes (the raster's palette): light for the map, full for the patterns.
const CLASS_COLOURS: [RGBColor; 10] = crate::record::raster::COLORS;

fn text(e: &impl std::fmt::Display) -> String {
    e.to_string()
}

/// Training and validation accuracy [%] and loss over the epochs of a model file.
struct CurvesFigure {
    title: String,
    epochs: Vec<f64>,
    /// (label, values, colour) of the accuracy panel and the loss panel.
    accuracy: Vec<(&'static str, Vec<f64>, RGBColor)>,
    loss: Vec<(&'static str, Vec<f64>, RGBColor)>,
}

/// Draw the training curves of the model file `h5` into `out`.
pub fn draw_training(h5: &Path, out: &Path, overwrite: bool) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let column = |name: &str| read_f64(h5, &format!("training/{name}"));
    let percent = |v: Vec<f64>| v.into_iter().map(|x| 100.0 * x).collect();
    let (blue, orange) = (CLASS_COLOURS[0], CLASS_COLOURS[1]);
    picture.render(&CurvesFigure {
        title: format!(
            "{}: training",
            h5.file_name().unwrap_or_default().to_string_lossy()
        ),
        epochs: column("epoch")?,
        accuracy: vec![
            ("training", percent(column("train_accuracy")?), blue),
            (
                "validation",
                percent(column("validation_accuracy")?),
                orange,
            ),
        ],
        loss: vec![
            ("training", column("train_loss")?, blue),
            ("validation", column("validation_loss")?, orange),
        ],
    })
}

impl Figure for CurvesFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(|e| text(&e))?;
        let area = area
            .titled(&self.title, ("sans-serif", 22))
            .map_err(|e| text(&e))?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let last = self.epochs.last().copied().unwrap_or(1.0).max(1.0);
        for (panel, series, y_desc) in [
            (&top, &self.accuracy, "accuracy [%]"),
            (&bottom, &self.loss, "loss"),
        ] {
            let finite = series
                .iter()
                .flat_map(|s| s.1.iter().copied())
                .filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let (lo, hi) = if lo < hi { (lo, hi) } else { (0.0, 1.0) };
            let mut chart = ChartBuilder::on(panel)
                .margin(15)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..last, lo..hi)
                .map_err(|e| text(&e))?;
            chart
                .configure_mesh()
                .x_desc("epoch")
                .y_desc(y_desc)
                .label_style(("sans-serif", 16))
                .axis_desc_style(("sans-serif", 18))
                .draw()
                .map_err(|e| text(&e))?;
            for (label, values, colour) in series.iter() {
                let points = self
                    .epochs
                    .iter()
                    .zip(values)
                    .filter(|(_, v)| v.is_finite());
                chart
                    .draw_series(LineSeries::new(
                        points.map(|(&e, &v)| (e, v)),
                        colour.stroke_width(2),
                    ))
                    .map_err(|e| text(&e))?
                    .label(*label)
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
            }
            draw_legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        }
        area.present().map_err(|e| text(&e))
    }
}

/// The decision map of a Yin-Yang model: its class at every grid point of the unit disc, and
/// the patterns of a data set (ringed in black where misclassified).
struct MapFigure {
    title: String,
    /// (x, y, half cell width, class) of the grid cells.
    cells: Vec<(f64, f64, f64, Option<usize>)>,
    /// (x, y, label, correct) of the patterns.
    patterns: Vec<(f64, f64, usize, bool)>,
}

/// Draw the decision map of `model` (4 features: x, y, 1 − x, 1 − y, sent as its encoding
/// says) on a grid of `resolution`² points, with the patterns of `data`, into `out`; `on` runs
/// the network (the ideal model or an emulated chip, named `on.1` in the title), point k as
/// trial `map`, k.
pub fn draw_decision_map(
    model: &StoredModel,
    data: &Dataset,
    resolution: usize,
    out: &Path,
    overwrite: bool,
    on: (&dyn Substrate, &str),
) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let mut trace = Trace::default();
    let (mut number, mut input) = (0, Vec::new());
    let mut classify = |x: f64, y: f64| {
        input.clear();
        model
            .encoding
            .encode_into(&[x, y, 1.0 - x, 1.0 - y], &mut input);
        let trial = Trial {
            purpose: "map",
            number,
        };
        number += 1;
        on.0.forward(&model.network, &input, trial, &mut trace);
        super::loss::prediction(trace.output())
    };
    let step = 1.0 / resolution as f64;
    let mut cells = Vec::new();
    for i in 0..resolution {
        for j in 0..resolution {
            let (x, y) = ((i as f64 + 0.5) * step, (j as f64 + 0.5) * step);
            if (x - 0.5).hypot(y - 0.5) <= 0.5 {
                cells.push((x, y, step / 2.0, classify(x, y)));
            }
        }
    }
    let patterns = (0..data.len())
        .map(|k| {
            let f = data.sample(k);
            (
                f[0],
                f[1],
                data.label(k),
                classify(f[0], f[1]) == Some(data.label(k)),
            )
        })
        .collect::<Vec<_>>();
    let correct = patterns.iter().filter(|p| p.3).count();
    picture.render(&MapFigure {
        title: format!(
            "decision map{}; {}: {correct} of {} correct",
            on.1,
            data.name(),
            patterns.len()
        ),
        cells,
        patterns,
    })
}

impl Figure for MapFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(|e| text(&e))?;
        let (w, h) = area.dim_in_pixel();
        let side = w.min(h);
        let area = area.margin(0, 0, (w - side) / 2, (w - side) / 2);
        let mut chart = ChartBuilder::on(&area)
            .margin(15)
            .caption(&self.title, ("sans-serif", 22))
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(|e| text(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x")
            .y_desc("y")
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(|e| text(&e))?;
        let light = |c: Option<usize>| match c {
            Some(c) => CLASS_COLOURS[c % 10].mix(0.3).filled(),
            None => BLACK.mix(0.1).filled(),
        };
        chart
            .draw_series(
                self.cells.iter().map(|&(x, y, r, c)| {
                    Rectangle::new([(x - r, y - r), (x + r, y + r)], light(c))
                }),
            )
            .map_err(|e| text(&e))?;
        chart
            .draw_series(self.patterns.iter().map(|&(x, y, label, _)| {
                Circle::new((x, y), 3, CLASS_COLOURS[label % 10].filled())
            }))
            .map_err(|e| text(&e))?;
        chart
            .draw_series(
                self.patterns
                    .iter()
                    .filter(|p| !p.3)
                    .map(|&(x, y, _, _)| Circle::new((x, y), 5, BLACK.stroke_width(2))),
            )
            .map_err(|e| text(&e))?;
        area.present().map_err(|e| text(&e))
    }
}

/// Why a decision map was not drawn: the model, data or chip, or the picture.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The model does not fit the map or the data, or the chip refused it.
    #[error(transparent)]
    Ttfs(#[from] super::error::TtfsError),
    /// The picture could not be written.
    #[error(transparent)]
    Picture(#[from] RasterError),
}

/// `exactspike ttfs map`: the decision map of the Yin-Yang model stored at `model.0` (loaded
/// as `model.1`) with the patterns of the data set named `data` (as for
/// [`super::jobs::named_data`]), on a grid of `resolution`² points (at least 2), in the ideal
/// model or on the emulated chip of `chip` (settings, run seed), into `out`.
pub fn decision_map(
    model: (&Path, &StoredModel),
    data: &str,
    resolution: usize,
    chip: Option<(&crate::chip::settings::ChipSettings, u64)>,
    out: crate::record::FileOutput,
) -> Result<(), MapError> {
    use super::error::TtfsError;
    use super::jobs;
    let (path, stored) = model;
    if stored.network.n_inputs() != stored.encoding.inputs(4) {
        return Err(TtfsError::Mismatch {
            path: path.display().to_string(),
            problem: format!(
                "the decision map needs a Yin-Yang model (4 features, {} inputs), this one has {}",
                stored.encoding.inputs(4),
                stored.network.n_inputs()
            ),
        }
        .into());
    }
    let set = jobs::named_data(data)?;
    jobs::check_fits(stored, &set)?;
    let emulated = chip
        .map(|(settings, run_seed)| jobs::emulated_chip(&stored.network, settings, run_seed))
        .transpose()?;
    let title = emulated.as_ref().map_or(String::new(), |chip| {
        let s = &chip.mapping().settings;
        format!(" on {} (chip seed {})", s.profile.name, s.chip_seed)
    });
    let on = (jobs::substrate(emulated.as_ref()), title.as_str());
    let resolution = resolution.max(2);
    draw_decision_map(stored, &set, resolution, out.path, out.overwrite, on)?;
    Ok(())
}

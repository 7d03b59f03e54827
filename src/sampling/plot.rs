//! Pictures of sampling results (PNG or SVG): D_KL over sampling or training time (log-log) of
//! one or more `sample`/`train` recordings, and the calibrated activation curve from a
//! `calibrate` (or `sample`) recording.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::logistic::logistic;
use super::tables::{CALIBRATION_GROUP, SAMPLING_GROUP, TRAINING_GROUP};
use crate::record::inspect::{group_attributes, read_f64};
use crate::record::picture::{draw_legend, Figure, Picture};
use crate::record::raster::RasterError;

/// What `plot-dkl` draws D_KL over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DklAxis {
    /// The sampling time of a `sample` or `train` recording (the measured sampling).
    Sampling,
    /// The training time of a `train` recording (D_KL of each training window).
    Training,
}

/// One recording's D_KL(p̂ ‖ p*) per network over `x` [ms].
struct DklSeries {
    /// Legend label (the file's name).
    label: String,
    /// Whether the recording's sampling followed a training.
    trained: bool,
    x: Vec<f64>,
    /// `[network][point]`.
    networks: Vec<Vec<f64>>,
}

impl DklSeries {
    /// The `q`-quantile (0..=1) over networks at each point (linear interpolation).
    fn quantile(&self, q: f64) -> Vec<f64> {
        (0..self.x.len())
            .map(|i| {
                let mut row: Vec<f64> = self.networks.iter().map(|n| n[i]).collect();
                row.sort_by(f64::total_cmp);
                let at = q * (row.len() - 1) as f64;
                let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
                row[lo] + (row[hi] - row[lo]) * (at - lo as f64)
            })
            .collect()
    }
}

/// D_KL of one or more recordings: median and quartiles of each (and every network, thin, when
/// there is one recording).
struct DklFigure {
    caption: &'static str,
    x_desc: &'static str,
    series: Vec<DklSeries>,
}

/// Draw D_KL(p̂ ‖ p*) over sampling or training time, log-log, of the recordings `h5` (one, or
/// more to compare: e.g. an ensemble and its Poisson baseline) into `out` (`.png` or `.svg`; an
/// existing picture is replaced only if `overwrite`): the median over networks thick, the
/// quartiles as a band, and, for one recording, every network thin.
pub fn draw_dkl(
    h5: &[&Path],
    axis: DklAxis,
    out: &Path,
    overwrite: bool,
) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let series = h5
        .iter()
        .map(|path| read_series(path, axis))
        .collect::<Result<Vec<_>, _>>()?;
    let caption = match axis {
        DklAxis::Training => "D_KL(p_sampled || p_target) of each training window",
        DklAxis::Sampling if series.iter().all(|s| s.trained) => {
            "D_KL(p_sampled || p_target) after training"
        }
        DklAxis::Sampling => "D_KL(p_sampled || p_target)",
    };
    let x_desc = match axis {
        DklAxis::Training => "training time [ms]",
        DklAxis::Sampling => "sampling time [ms]",
    };
    picture.render(&DklFigure {
        caption,
        x_desc,
        series,
    })
}

/// The D_KL of the recording `h5` over `axis`.
fn read_series(h5: &Path, axis: DklAxis) -> Result<DklSeries, RasterError> {
    let (x, values) = match axis {
        DklAxis::Sampling => (
            read_f64(h5, &format!("{SAMPLING_GROUP}/checkpoints"))?,
            read_f64(h5, &format!("{SAMPLING_GROUP}/dkl_sampled_target"))?,
        ),
        DklAxis::Training => {
            let (attrs, _) = group_attributes(h5, TRAINING_GROUP)?;
            let start = attrs.get("start").copied().unwrap_or(0.0);
            let ends = read_f64(h5, &format!("{TRAINING_GROUP}/window_ends"))?;
            let x = ends.iter().map(|t| t - start).collect();
            (x, read_f64(h5, &format!("{TRAINING_GROUP}/dkl_window"))?)
        }
    };
    let c = x.len().max(1);
    let count = values.len() / c;
    let networks = (0..count)
        .map(|k| (0..c).map(|i| values[i * count + k]).collect())
        .collect();
    // A `train` recording samples after its training (`sampling_start` past the burn-in).
    let (attrs, _) = group_attributes(h5, SAMPLING_GROUP)?;
    let trained = matches!(
        (attrs.get("sampling_start"), attrs.get("burn_in")),
        (Some(start), Some(burn_in)) if start > burn_in
    );
    let name = h5.file_name().unwrap_or(h5.as_os_str()).to_string_lossy();
    let label = if trained && axis == DklAxis::Sampling {
        format!("{name} (trained)")
    } else {
        name.into_owned()
    };
    Ok(DklSeries {
        label,
        trained,
        x,
        networks,
    })
}

/// Text of a plotters error.
fn text(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

/// Colours of the compared recordings, in order.
const SERIES_COLOURS: [RGBColor; 4] = [BLUE, RED, GREEN, MAGENTA];

impl Figure for DklFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(|e| text(&e))?;
        let all = || self.series.iter().flat_map(|s| s.networks.iter().flatten());
        let positive = all().filter(|v| **v > 0.0);
        let low = positive.clone().cloned().fold(f64::INFINITY, f64::min);
        let high = positive.cloned().fold(0.0, f64::max);
        let (low, high) = if low.is_finite() {
            (low / 2.0, high * 2.0)
        } else {
            (1e-4, 1.0)
        };
        let xs = || self.series.iter().flat_map(|s| s.x.iter().copied());
        let first = xs().filter(|x| *x > 0.0).fold(f64::INFINITY, f64::min);
        let first = if first.is_finite() { first } else { 1.0 };
        let last = xs().fold(0.0, f64::max).max(first * 10.0);
        let mut chart = ChartBuilder::on(&area)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .caption(self.caption, ("sans-serif", 22))
            .build_cartesian_2d((first..last).log_scale(), (low..high).log_scale())
            .map_err(|e| text(&e))?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc("D_KL [nats]")
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| text(&e))?;
        let visible = |p: &(f64, f64)| p.0 > 0.0 && p.1 > 0.0;
        for (s, colour) in self.series.iter().zip(SERIES_COLOURS.iter().cycle()) {
            if self.series.len() == 1 {
                for network in &s.networks {
                    let points = s.x.iter().copied().zip(network.iter().copied());
                    chart
                        .draw_series(LineSeries::new(points.filter(visible), colour.mix(0.2)))
                        .map_err(|e| text(&e))?;
                }
            }
            let (q1, q3) = (s.quantile(0.25), s.quantile(0.75));
            let band: Vec<(f64, f64)> =
                s.x.iter()
                    .copied()
                    .zip(q3)
                    .chain(s.x.iter().copied().zip(q1).rev())
                    .filter(visible)
                    .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.25))))
                .map_err(|e| text(&e))?;
            let median = s.x.iter().copied().zip(s.quantile(0.5));
            let style = colour.stroke_width(3);
            chart
                .draw_series(LineSeries::new(median.filter(visible), style))
                .map_err(|e| text(&e))?
                .label(format!(
                    "{}: median and quartiles of {} networks",
                    s.label,
                    s.networks.len()
                ))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        area.present().map_err(|e| text(&e))
    }
}

/// Measured `p_on` over `v_rest` [mV] and the fitted logistic.
struct CalibrationFigure {
    points: Vec<(f64, f64)>,
    v_p05: f64,
    alpha: f64,
}

/// Draw the calibration stored in `h5` (points and fitted logistic) into `out` (`.png`/`.svg`;
/// an existing picture is replaced only if `overwrite`).
pub fn draw_calibration(h5: &Path, out: &Path, overwrite: bool) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let v_rest = read_f64(h5, &format!("{CALIBRATION_GROUP}/v_rest"))?;
    let p_on = read_f64(h5, &format!("{CALIBRATION_GROUP}/p_on"))?;
    let (attrs, _) = group_attributes(h5, CALIBRATION_GROUP)?;
    let get = |name: &str| attrs.get(name).copied().unwrap_or(f64::NAN);
    picture.render(&CalibrationFigure {
        points: v_rest.into_iter().zip(p_on).collect(),
        v_p05: get("v_p05"),
        alpha: get("alpha"),
    })
}

impl Figure for CalibrationFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(|e| text(&e))?;
        let from = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::INFINITY, f64::min);
        let to = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let (from, to) = if from < to {
            (from, to)
        } else {
            (from - 1.0, from + 1.0)
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .caption(
                format!(
                    "activation: v_p05 = {:.3} mV, alpha = {:.3} mV",
                    self.v_p05, self.alpha
                ),
                ("sans-serif", 22),
            )
            .build_cartesian_2d(from..to, 0.0..1.0)
            .map_err(|e| text(&e))?;
        chart
            .configure_mesh()
            .x_desc("v_rest [mV]")
            .y_desc("p_on")
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| text(&e))?;
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|&p| Circle::new(p, 3, BLUE.filled())),
            )
            .map_err(|e| text(&e))?;
        let curve = (0..=400).map(|i| {
            let x = from + (to - from) * f64::from(i) / 400.0;
            (x, logistic(x, self.v_p05, self.alpha))
        });
        chart
            .draw_series(LineSeries::new(curve, BLACK.stroke_width(2)))
            .map_err(|e| text(&e))?;
        area.present().map_err(|e| text(&e))
    }
}

//! Pictures of sampling results (PNG or SVG): D_KL over sampling time (log-log) from a `sample`
//! recording, and the calibrated activation curve from a `calibrate` (or `sample`) recording.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::logistic::logistic;
use super::tables::{CALIBRATION_GROUP, SAMPLING_GROUP};
use crate::record::inspect::{group_attributes, read_f64};
use crate::record::picture::{Figure, Picture};
use crate::record::raster::RasterError;

/// D_KL(p̂ ‖ p*) per network and their median over checkpoints [ms].
struct DklFigure {
    /// Title.
    caption: &'static str,
    checkpoints: Vec<f64>,
    /// `[network][checkpoint]`.
    networks: Vec<Vec<f64>>,
    median: Vec<f64>,
}

/// Draw D_KL(p̂ ‖ p*) over sampling time, log-log, of the `sample` or `train` recording `h5`
/// into `out` (`.png` or `.svg`; an existing picture is replaced only if `overwrite`): every
/// network thin, their median thick.
pub fn draw_dkl(h5: &Path, out: &Path, overwrite: bool) -> Result<(), RasterError> {
    let picture = Picture::new(out, overwrite)?;
    let checkpoints = read_f64(h5, &format!("{SAMPLING_GROUP}/checkpoints"))?;
    let values = read_f64(h5, &format!("{SAMPLING_GROUP}/dkl_sampled_target"))?;
    let c = checkpoints.len().max(1);
    let networks_count = values.len() / c;
    let networks: Vec<Vec<f64>> = (0..networks_count)
        .map(|k| (0..c).map(|i| values[i * networks_count + k]).collect())
        .collect();
    let median = (0..c)
        .map(|i| {
            let mut row: Vec<f64> = networks.iter().map(|n| n[i]).collect();
            row.sort_by(f64::total_cmp);
            let m = row.len();
            0.5 * (row[(m - 1) / 2] + row[m / 2])
        })
        .collect();
    // A `train` recording samples after its training (`sampling_start` past the burn-in).
    let (attrs, _) = group_attributes(h5, SAMPLING_GROUP)?;
    let trained = matches!(
        (attrs.get("sampling_start"), attrs.get("burn_in")),
        (Some(start), Some(burn_in)) if start > burn_in
    );
    let caption = if trained {
        "D_KL(p_sampled || p_target) after training"
    } else {
        "D_KL(p_sampled || p_target)"
    };
    picture.render(&DklFigure {
        caption,
        checkpoints,
        networks,
        median,
    })
}

/// Text of a plotters error.
fn text(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

impl Figure for DklFigure {
    fn draw<DB: DrawingBackend>(&self, area: DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(|e| text(&e))?;
        let positive = self.networks.iter().flatten().filter(|v| **v > 0.0);
        let low = positive.clone().cloned().fold(f64::INFINITY, f64::min);
        let high = positive.cloned().fold(0.0, f64::max);
        let (low, high) = if low.is_finite() {
            (low / 2.0, high * 2.0)
        } else {
            (1e-4, 1.0)
        };
        let first = self.checkpoints.first().copied().unwrap_or(1.0);
        let last = self
            .checkpoints
            .last()
            .copied()
            .unwrap_or(10.0)
            .max(first * 10.0);
        let mut chart = ChartBuilder::on(&area)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .caption(self.caption, ("sans-serif", 22))
            .build_cartesian_2d((first..last).log_scale(), (low..high).log_scale())
            .map_err(|e| text(&e))?;
        chart
            .configure_mesh()
            .x_desc("sampling time [ms]")
            .y_desc("D_KL [nats]")
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| text(&e))?;
        for network in &self.networks {
            let points = self
                .checkpoints
                .iter()
                .copied()
                .zip(network.iter().copied());
            chart
                .draw_series(LineSeries::new(
                    points.filter(|p| p.1 > 0.0),
                    BLUE.mix(0.25),
                ))
                .map_err(|e| text(&e))?;
        }
        let median = self
            .checkpoints
            .iter()
            .copied()
            .zip(self.median.iter().copied());
        chart
            .draw_series(LineSeries::new(
                median.filter(|p| p.1 > 0.0),
                BLACK.stroke_width(3),
            ))
            .map_err(|e| text(&e))?
            .label(format!("median of {} networks", self.networks.len()))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()
            .map_err(|e| text(&e))?;
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

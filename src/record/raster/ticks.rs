//! The y axis of a raster: whole-number neuron ticks, counted from 0 in each population band,
//! and the time labels of the x axis.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::Band;

/// Most neuron ticks on the y axis of a raster (every neuron is ticked up to this many rows).
const MAX_TICKS: f64 = 25.0;

/// Rows between neuron ticks for a raster of `rows` rows: 1 up to [`MAX_TICKS`] rows, then the
/// smallest of 2, 5, 10, 20, 50, ... that keeps the ticks at most about that many.
fn tick_step(rows: f64) -> f64 {
    let mut step = 1.0;
    for scale in std::iter::successors(Some(1.0), |s| Some(s * 10.0)) {
        for factor in [1.0, 2.0, 5.0] {
            step = scale * factor;
            if rows / step <= MAX_TICKS {
                return step;
            }
        }
        if scale > 1e12 {
            break;
        }
    }
    step
}

/// Global rows of the neuron ticks: in each band, its neurons 0, step, 2·step, ... (whole
/// numbers), leaving out a tick that would crowd the next band's first one.
fn tick_rows(bands: &[Band], step: f64) -> Vec<f64> {
    let mut rows = Vec::new();
    for band in bands {
        let mut local = 0.0;
        while local < band.size && (local == 0.0 || band.size - local >= step / 2.0) {
            rows.push(band.offset + local);
            local += step;
        }
    }
    rows
}

/// The y axis of a raster: rows (neurons, stacked bands) with ticks at the given rows only.
pub(super) struct Rows {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Rows {
    /// The `total` rows of `bands` (stacked from row 0 up), ticked every [`tick_step`] neurons
    /// in each.
    pub(super) fn new(bands: &[Band], total: f64) -> Self {
        Self {
            range: (-0.5..total - 0.5).into(),
            ticks: tick_rows(bands, tick_step(total)),
        }
    }
}

impl Ranged for Rows {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// Tick label for time `t` [ms]: no decimals for whole numbers, otherwise at most three.
pub(super) fn time_label(t: f64) -> String {
    if (t - t.round()).abs() <= 1e-9 * t.abs().max(1.0) {
        format!("{:.0}", t.round())
    } else {
        let text = format!("{t:.3}");
        text.trim_end_matches('0').to_owned()
    }
}

/// Tick label for global row `y`: the neuron index within its population band, shown only at
/// whole rows (neuron i of a band sits at `offset + i`).
pub(super) fn local_label(bands: &[Band], y: f64) -> String {
    if (y - y.round()).abs() > 1e-9 {
        return String::new();
    }
    let band = bands.iter().rev().find(|b| y >= b.offset - 0.5);
    let local = band.map_or(y, |b| y - b.offset);
    format!("{local:.0}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_neuron_is_ticked_in_small_rasters() {
        assert_eq!(tick_step(1.0), 1.0);
        assert_eq!(tick_step(25.0), 1.0);
        assert_eq!(tick_step(26.0), 2.0);
        assert_eq!(tick_step(100.0), 5.0);
        assert_eq!(tick_step(1000.0), 50.0);
        assert_eq!(tick_step(1e6), 50_000.0);
        let band = |offset: f64, size: f64| Band {
            name: String::new(),
            offset,
            size,
            points: Vec::new(),
        };
        let small = [band(0.0, 3.0), band(3.0, 1.0)];
        assert_eq!(tick_rows(&small, 1.0), [0.0, 1.0, 2.0, 3.0]);
        let labels: Vec<String> = (0..4).map(|y| local_label(&small, f64::from(y))).collect();
        assert_eq!(labels, ["0", "1", "2", "0"]);
        // 80 + 20 neurons, every 5th: the last tick of a band keeps half a step from the next.
        let large = [band(0.0, 80.0), band(80.0, 20.0)];
        let rows = tick_rows(&large, 5.0);
        assert_eq!(rows.len(), 16 + 4);
        assert_eq!(rows[15..], [75.0, 80.0, 85.0, 90.0, 95.0]);
        assert_eq!(tick_rows(&[band(0.0, 7.0)], 5.0), [0.0]);
        let times: Vec<String> = [0.0, 50.0, 1000.0, 0.30000000000000004, 12.5, -2.0]
            .into_iter()
            .map(time_label)
            .collect();
        assert_eq!(times, ["0", "50", "1000", "0.3", "12.5", "-2"]);
    }
}

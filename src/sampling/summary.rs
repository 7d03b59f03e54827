//! The sampling parts of `exactspike info`: what a `calibrate`, `sample` or `train` recording
//! holds beside the spikes (its calibration, sampling and training), a few lines each, read from
//! the groups' attributes and datasets.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use hdf5_pure::{AttrValue, File};

use super::divergence::median;
use super::groups::{
    BACKGROUND_GROUP, CALIBRATION_ATTR, CALIBRATION_FILE_ATTR, CALIBRATION_GROUP, SAMPLING_GROUP,
    TRAINING_GROUP,
};
use crate::chip::record::CHIP_GROUP;
use crate::record::inspect::{self, attr_f64, attr_text, attr_u64, ms_text};
use crate::record::RecordError;

/// [`inspect::summarize`] of the recording at `path`, followed by its calibration, sampling and
/// training where present (or by the model of a TTFS file): what `exactspike info` prints.
pub fn summarize(path: &Path) -> Result<String, RecordError> {
    let mut out = inspect::summarize(path)?;
    let file = inspect::open(path)?;
    let fail = |e: hdf5_pure::Error| inspect::error(path, e);
    let groups = file.root().groups().map_err(fail)?;
    let has = |name: &str| groups.iter().any(|g| g == name);
    if has("ttfs") {
        return Ok(out + &crate::ttfs::model_file::describe(path)?);
    }
    if has(CALIBRATION_GROUP) {
        out += &calibration(&file).map_err(fail)?;
    }
    let under_background = has(BACKGROUND_GROUP);
    if under_background {
        out += &background(&file).map_err(fail)?;
    }
    if has(SAMPLING_GROUP) {
        let here = match (under_background, has(CALIBRATION_GROUP)) {
            (true, _) => Some("under the background (above)"),
            (false, true) => Some("in this run (above)"),
            (false, false) => None,
        };
        out += &sampling(&file, here).map_err(fail)?;
    }
    if has(TRAINING_GROUP) {
        out += &training(&file).map_err(fail)?;
    }
    if has(CHIP_GROUP) {
        out += &chip(&file).map_err(fail)?;
    }
    Ok(out)
}

/// The emulated chip the networks ran on: which, how they fit, spike loss and hardware time.
fn chip(file: &File) -> Result<String, hdf5_pure::Error> {
    let a = Attrs::of(file, CHIP_GROUP)?;
    let calibrated = match a.count("calibrated") {
        Some(0) => "uncalibrated",
        Some(_) => "calibrated",
        None => "calibration ?",
    };
    let mut out = String::from(
        "
chip:
",
    );
    let bits = (a.count("weight_bits")).map_or(String::new(), |b| format!(", {b}-bit weights"));
    let _ = writeln!(
        out,
        "  chip:        {} (profile {}), chip seed {}, {calibrated}, {} of {} circuits{bits}, \
         spike loss {:.1} %",
        a.text("chip").unwrap_or_else(|| "?".into()),
        a.text("profile").unwrap_or_else(|| "?".into()),
        a.count_text("chip_seed"),
        a.count_text("circuits_used"),
        a.count_text("circuits_available"),
        100.0 * a.number("spike_loss"),
    );
    let _ = writeln!(
        out,
        "  hardware:    {} ms biological in {:.3} ms on the chip, {:.3} mJ",
        ms_text(a.number("bio_ms")),
        a.number("hardware_ms"),
        a.number("energy_mj"),
    );
    Ok(out)
}

/// The scalar attributes of one group, read by name.
struct Attrs(HashMap<String, AttrValue>);

impl Attrs {
    fn of(file: &File, group: &str) -> Result<Self, hdf5_pure::Error> {
        Ok(Self(file.group(group)?.attrs()?))
    }

    /// A number (NaN when absent).
    fn number(&self, name: &str) -> f64 {
        self.0.get(name).and_then(attr_f64).unwrap_or(f64::NAN)
    }

    /// A count: an integer, or (files written before counts were integers) a whole float.
    fn count(&self, name: &str) -> Option<u64> {
        let value = self.0.get(name)?;
        attr_u64(value).or_else(|| {
            let x = attr_f64(value)?;
            (x >= 0.0 && x.fract() == 0.0).then_some(x as u64)
        })
    }

    /// A count as text ("?" when absent).
    fn count_text(&self, name: &str) -> String {
        self.count(name).map_or("?".into(), |n| n.to_string())
    }

    /// A text attribute.
    fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(attr_text)
    }
}

/// The float64 dataset `group/name`, flattened.
fn values(file: &File, group: &str, name: &str) -> Result<Vec<f64>, hdf5_pure::Error> {
    file.dataset(&format!("{group}/{name}"))?.read_f64()
}

/// `calibration:` v_p05 and α with their standard errors, and the points of the fit.
fn calibration(file: &File) -> Result<String, hdf5_pure::Error> {
    let a = Attrs::of(file, CALIBRATION_GROUP)?;
    let swept = file
        .dataset(&format!("{CALIBRATION_GROUP}/v_rest"))?
        .shape()?
        .first()
        .copied()
        .unwrap_or(0);
    let mut out = String::from("\ncalibration:\n");
    for (name, label) in [("v_p05", "v_p05:"), ("alpha", "alpha:")] {
        let _ = writeln!(
            out,
            "  {label:<12} {:.4} ± {:.4} mV",
            a.number(name),
            a.number(&format!("{name}_stderr"))
        );
    }
    let _ = write!(
        out,
        "  fit:         {} of {swept} points (0.05 < p_on < 0.95), rms residual {:.2e}",
        a.count_text("points_used"),
        a.number("residual_rms")
    );
    Ok(out)
}

/// `background:` its kind and synapses, the measured input, the activation under it beside that
/// under Poisson noise of matched mean input, the free membrane and the input correlation.
fn background(file: &File) -> Result<String, hdf5_pure::Error> {
    let a = Attrs::of(file, BACKGROUND_GROUP)?;
    let mean = |name: &str| -> Result<f64, hdf5_pure::Error> {
        let v = values(file, BACKGROUND_GROUP, name)?;
        Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
    };
    let median_of = |name: &str| -> Result<f64, hdf5_pure::Error> {
        let mut v = values(file, BACKGROUND_GROUP, name)?;
        v.retain(|c| c.is_finite());
        Ok(median(&v).unwrap_or(f64::NAN))
    };
    let (correlation, rms) = (
        median_of("input_correlation")?,
        median_of("input_correlation_rms")?,
    );
    let fit = |prefix: &str| {
        let get = |name: &str| a.number(&format!("{prefix}{name}"));
        format!(
            "v_p05 = {:.4} ± {:.4} mV, alpha = {:.4} ± {:.4} mV",
            get("v_p05"),
            get("v_p05_stderr"),
            get("alpha"),
            get("alpha_stderr")
        )
    };
    let mut out = String::from("\nbackground:\n");
    let _ = writeln!(
        out,
        "  kind:        {} (sources: {}), weights {} / {} uS, delay {} ms",
        a.text("kind").unwrap_or("?".into()),
        a.text("source_populations").unwrap_or("?".into()),
        a.number("weight_exc"),
        a.number("weight_inh"),
        ms_text(a.number("delay"))
    );
    let _ = writeln!(
        out,
        "  input:       {:.0} Hz excitatory, {:.0} Hz inhibitory per sampler (mean)",
        mean("input_rate_exc")?,
        mean("input_rate_inh")?
    );
    let _ = writeln!(out, "  activation:  {} under it", fit(""));
    let _ = writeln!(
        out,
        "               {} under Poisson noise of matched mean input",
        fit("poisson_")
    );
    let _ = writeln!(
        out,
        "  free v:      mean {:.2} mV, sd {:.2} mV",
        mean("free_v_mean")?,
        mean("free_v_sd")?
    );
    let _ = write!(
        out,
        "  correlation: mean {correlation:.3}, rms {rms:.3} (background input of two samplers of one network, medians over networks, bins of {} ms)",
        ms_text(a.number("correlation_bin"))
    );
    Ok(out)
}

/// Whether the networks of a sampling file share one target (`one target`) or have one each
/// (`a target each`), from the rows of `/sampling/p_target` (`?` if unreadable).
fn targets_text(file: &File, networks: Option<u64>) -> &'static str {
    let rows = file
        .dataset(&format!("{SAMPLING_GROUP}/p_target"))
        .and_then(|d| d.read_f64());
    match (rows, networks) {
        (Ok(p), Some(networks @ 1..)) if p.len() % networks as usize == 0 => {
            let width = p.len() / networks as usize;
            let mut rows = p.chunks(width.max(1));
            let first = rows.next().unwrap_or_default();
            if rows.all(|row| row == first) {
                "one target"
            } else {
                "a target each"
            }
        }
        _ => "?",
    }
}

/// `sampling:` the target's size, the networks, the sampling time, the calibration used, the
/// final median D_KL(p̂ ‖ p*) and its value at the checkpoints.
/// `calibrated_here` says where the calibration used was measured, if in this run.
fn sampling(file: &File, calibrated_here: Option<&str>) -> Result<String, hdf5_pure::Error> {
    let a = Attrs::of(file, SAMPLING_GROUP)?;
    let renewing = match a.count("renewing_synapses") {
        Some(0) => "static synapses",
        Some(_) => "renewing synapses",
        None => "synapses ?",
    };
    let (start, burn_in) = (a.number("sampling_start"), a.number("burn_in"));
    let after = if start > burn_in {
        "after the training"
    } else {
        "after the burn-in"
    };
    let mut out = String::from("\nsampling:\n");
    let _ = writeln!(
        out,
        "  target:      {} units, {} networks ({}), {renewing}",
        a.count_text("n"),
        a.count_text("networks"),
        targets_text(file, a.count("networks"))
    );
    let _ = writeln!(
        out,
        "  time:        {} ms of sampling from t = {} ms ({after}), a discrete sample every {} ms",
        ms_text(a.number("t_sample")),
        ms_text(start),
        ms_text(a.number("sample_interval"))
    );
    let activation = format!(
        "v_p05 = {:.4} mV, alpha = {:.4} mV",
        a.number("v_p05"),
        a.number("alpha")
    );
    let source = match (a.text(CALIBRATION_ATTR).as_deref(), calibrated_here) {
        (_, Some(here)) => format!("measured {here}: {activation}"),
        (Some("file"), None) => format!(
            "read from {}: {activation}",
            a.text(CALIBRATION_FILE_ATTR).unwrap_or("?".into())
        ),
        _ => activation,
    };
    let _ = writeln!(out, "  calibration: {source}");
    let checkpoints = values(file, SAMPLING_GROUP, "checkpoints")?;
    let dkl = values(file, SAMPLING_GROUP, "dkl_sampled_target")?;
    out += &dkl_lines(&checkpoints, &dkl);
    Ok(out)
}

/// The medians over networks of D_KL(p̂ ‖ p*) (`[checkpoint, network]`) at the checkpoints
/// reached (an interrupted run leaves the others NaN): the last one, and one per decade.
fn dkl_lines(checkpoints: &[f64], dkl: &[f64]) -> String {
    let networks = dkl.len() / checkpoints.len().max(1);
    let medians: Vec<(f64, f64)> = (checkpoints.iter().enumerate())
        .map(|(i, &c)| (c, &dkl[i * networks..(i + 1) * networks]))
        .take_while(|(_, row)| !row.is_empty() && row.iter().all(|v| v.is_finite()))
        .filter_map(|(c, row)| Some((c, median(row)?)))
        .collect();
    let Some(&(last, final_median)) = medians.last() else {
        return "  D_KL:        no checkpoint reached".into();
    };
    let reached = if medians.len() < checkpoints.len() {
        format!(
            " (the last checkpoint reached, {} of {})",
            medians.len(),
            checkpoints.len()
        )
    } else {
        String::new()
    };
    let decades: Vec<String> = (medians.iter().enumerate())
        .filter(|(i, (c, _))| {
            let decade = c.log10();
            (decade - decade.round()).abs() < 1e-9 || *i == medians.len() - 1
        })
        .map(|(_, (c, m))| format!("{m:.4} ({} ms)", ms_text(*c)))
        .collect();
    format!(
        "  D_KL:        median {final_median:.4} over {networks} networks after {} ms of sampling{reached}\n  \
         checkpoints: {} from {} to {} ms; median D_KL {}",
        ms_text(last),
        checkpoints.len(),
        ms_text(checkpoints[0]),
        ms_text(checkpoints[checkpoints.len() - 1]),
        decades.join(", ")
    )
}

/// `training:` the updates made, their interval and span, and the median D_KL of the last
/// window sampled during the training.
fn training(file: &File) -> Result<String, hdf5_pure::Error> {
    let a = Attrs::of(file, TRAINING_GROUP)?;
    let times = values(file, TRAINING_GROUP, "times")?;
    let made = times.iter().filter(|t| t.is_finite()).count();
    let mut out = String::from("\ntraining:\n");
    let _ = writeln!(
        out,
        "  updates:     {made} of {}, one every {} ms of sampling, t = {}..{} ms",
        a.count_text("iterations"),
        ms_text(a.number("interval")),
        ms_text(a.number("start")),
        ms_text(a.number("end"))
    );
    let ends = values(file, TRAINING_GROUP, "window_ends")?;
    let dkl = values(file, TRAINING_GROUP, "dkl_window")?;
    let networks = dkl.len() / ends.len().max(1);
    let last = (0..ends.len())
        .rev()
        .map(|j| (j, &dkl[j * networks..(j + 1) * networks]))
        .find(|(_, row)| !row.is_empty() && row.iter().all(|v| v.is_finite()));
    match last.and_then(|(j, row)| Some((j, median(row)?))) {
        Some((j, m)) => {
            let from = if j == 0 {
                a.number("start")
            } else {
                ends[j - 1]
            };
            let _ = write!(
                out,
                "  D_KL:        median {m:.4} over {networks} networks in the last window, t = {}..{} ms",
                ms_text(from),
                ms_text(ends[j])
            );
        }
        None => out.push_str("  D_KL:        no window completed"),
    }
    Ok(out)
}

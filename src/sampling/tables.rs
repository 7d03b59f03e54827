//! What the sampling jobs store beside the spikes: the HDF5 tables and group attributes of the
//! calibration (group `calibration`), the sampling results (`sampling`) and the training history
//! (`training`), and the whole [`RecordLayout`] of each job. Tables are declared with
//! placeholders of their final shapes when the recording is created (NaN, or `u32::MAX` for
//! integers), so an interrupted file has every dataset, and are filled in after the run.

use super::background::report::background_tables;
use super::calibrate::Calibration;
use super::calibration_source::CalibrationSource;
use super::groups::{CALIBRATION_ATTR, CALIBRATION_FILE_ATTR};
use super::prepare::{SamplingJob, TrainingJob};
use super::readout::SamplingResult;
use super::spec::discrete_samples;
use super::trainer::{Trainer, TrainingHistory};
use crate::chip::record::{add_chip_run, CHIP_GROUP};
use crate::chip::sampling::{ChipReport, Digital, SamplingChip};
use crate::engine::Simulation;
use crate::neuron::Receptor;
use crate::record::{AttributeValue, RecordLayout, Table};

pub use super::groups::{CALIBRATION_GROUP, SAMPLING_GROUP, TRAINING_GROUP};

/// The recording layout of a calibration file: its tables and attributes only.
pub fn calibration_layout(c: &Calibration) -> RecordLayout {
    let (tables, attributes) = calibration_tables(c);
    RecordLayout {
        tables,
        attributes,
        ..RecordLayout::default()
    }
}

/// The recording layout of `sample`: the samplers' spikes, the sampling tables (placeholders)
/// and attributes, and the calibration's when it was made now.
pub fn sampling_layout(job: &SamplingJob) -> RecordLayout {
    let mut layout = Simulation::layout_of(&job.experiment);
    layout.tables = sampling_tables(job, None);
    layout.attributes = sampling_attributes(job);
    if let Some(c) = &job.calibration {
        let (tables, attributes) = calibration_tables(c);
        layout.tables.extend(tables);
        layout.attributes.extend(attributes);
    }
    if let (Some(chip), Some(report)) = (&job.chip, job.chip_report(f64::NAN)) {
        add_chip(&mut layout, chip, &report);
    }
    if let (Some(wiring), Some(measured)) = (&job.wiring, &job.background) {
        let (tables, attributes) =
            background_tables(&job.spec.background, wiring, measured, job.spec.n());
        layout.tables.extend(tables);
        layout.attributes.extend(attributes);
    }
    layout
}

/// The recording layout of `train`: that of its sampling, and the training tables
/// (placeholders) and attributes.
pub fn training_layout(job: &TrainingJob) -> RecordLayout {
    let mut layout = sampling_layout(&job.sampling);
    layout.tables.extend(training_tables(job, None));
    layout.attributes.extend(training_attributes(job));
    layout
}

/// The emulated chip's group (`chip`, [`add_chip_run`]) with the mapping report (`report`) and
/// each network's scales.
fn add_chip(layout: &mut RecordLayout, chip: &SamplingChip, report: &ChipReport) {
    let attrs = vec![
        ("rows_used", report.rows_used.into()),
        ("rows_available", report.rows_available.into()),
        ("saturated", report.saturated.into()),
        ("max_rounding_error", report.max_error.into()),
    ];
    add_chip_run(
        layout,
        chip.settings(),
        chip.run_seed(),
        chip.factors(),
        report.bio_ms,
        attrs,
    );
    let nets = report.circuits_used / chip.n().max(1);
    layout.tables.push(Table::f64(
        CHIP_GROUP,
        "scales",
        &[nets, 2],
        "LSB per unit weight (couplings, biases)",
        (0..nets)
            .flat_map(|k| [Digital::Weight, Digital::Bias].map(|d| chip.scale(k, d)))
            .collect(),
    ));
}

/// The calibration's tables and attributes (group `calibration`).
fn calibration_tables(c: &Calibration) -> (Vec<Table>, Vec<Attribute>) {
    let g = CALIBRATION_GROUP;
    let tables = vec![
        Table::f64(g, "v_rest", &[c.v_rest.len()], "mV", c.v_rest.clone()),
        Table::f64(g, "p_on", &[c.p_on.len()], "", c.p_on.clone()),
        Table::f64(
            g,
            "prescan_v_rest",
            &[c.prescan_v_rest.len()],
            "mV",
            c.prescan_v_rest.clone(),
        ),
        Table::f64(
            g,
            "prescan_p_on",
            &[c.prescan_p_on.len()],
            "",
            c.prescan_p_on.clone(),
        ),
    ];
    let f = &c.fit;
    let attrs = vec![
        ("v_p05", f.v_p05.into()),
        ("alpha", f.alpha.into()),
        ("v_p05_stderr", f.v_p05_stderr.into()),
        ("alpha_stderr", f.alpha_stderr.into()),
        ("residual_rms", f.residual_rms.into()),
        ("points_used", f.points_used.into()),
    ];
    (tables, in_group(g, attrs))
}

/// The sampling tables (group `sampling`): the target and translation, and the results — NaN
/// (or `u32::MAX` for samples) placeholders of the final shapes when `result` is `None`.
pub fn sampling_tables(p: &SamplingJob, result: Option<&SamplingResult>) -> Vec<Table> {
    let g = SAMPLING_GROUP;
    let spec = &p.spec;
    let (n, k, nets, c) = (
        spec.n(),
        spec.n_states(),
        spec.networks,
        p.checkpoints.len(),
    );
    let m = discrete_samples(spec.t_sample, spec.sample_interval);
    let rows = |get: &dyn Fn(&SamplingResult) -> Vec<f64>, len: usize| padded(result.map(get), len);
    let samples = match result {
        Some(r) => r
            .samples
            .iter()
            .flat_map(|s| (0..m).map(|i| s.get(i).copied().unwrap_or(u32::MAX)))
            .collect(),
        None => vec![u32::MAX; nets * m],
    };
    let unvisited = match result {
        Some(r) => {
            let mut v: Vec<u32> = r.unvisited.iter().flatten().copied().collect();
            v.resize(c * nets, u32::MAX);
            v
        }
        None => vec![u32::MAX; c * nets],
    };
    // The target and translation of every network, network by network.
    let per_network = |get: &dyn Fn(usize) -> Vec<f64>| (0..nets).flat_map(get).collect();
    let weights = per_network(&|net| {
        let synapses = &p.translation(net).synapses;
        synapses
            .iter()
            .flatten()
            .map(|s| match s.receptor {
                Receptor::Excitatory => s.weight,
                Receptor::Inhibitory => -s.weight,
            })
            .collect()
    });
    vec![
        Table::f64(g, "checkpoints", &[c], "ms", p.checkpoints.clone()),
        Table::f64(
            g,
            "p_target",
            &[nets, k],
            "",
            per_network(&|net| p.p_target(net).to_vec()),
        ),
        Table::f64(
            g,
            "weights_target",
            &[nets, n, n],
            "",
            per_network(&|net| spec.target(net).weights().concat()),
        ),
        Table::f64(
            g,
            "biases_target",
            &[nets, n],
            "",
            per_network(&|net| spec.target(net).biases().to_vec()),
        ),
        Table::f64(
            g,
            "v_rest",
            &[nets, n],
            "mV",
            per_network(&|net| p.translation(net).v_rest.clone()),
        ),
        Table::f64(
            g,
            "synaptic_weights",
            &[nets, n, n],
            "uS (negative: inhibitory)",
            weights,
        ),
        Table::f64(
            g,
            "dkl_sampled_target",
            &[c, nets],
            "nats",
            rows(&|r| r.dkl_sampled_target.concat(), c * nets),
        ),
        Table::f64(
            g,
            "dkl_target_sampled",
            &[c, nets],
            "nats",
            rows(&|r| r.dkl_target_sampled.concat(), c * nets),
        ),
        Table::u32(g, "unvisited", &[c, nets], unvisited),
        Table::f64(
            g,
            "p_sampled",
            &[nets, k],
            "",
            rows(&|r| r.p_sampled.concat(), nets * k),
        ),
        Table::f64(
            g,
            "marginals",
            &[nets, n],
            "",
            rows(&|r| r.marginals.concat(), nets * n),
        ),
        Table::f64(
            g,
            "pairwise",
            &[nets, n, n],
            "",
            rows(&|r| r.pairwise.concat(), nets * n * n),
        ),
        Table::u32(g, "samples", &[nets, m], samples),
    ]
}

/// `values` padded with NaN (or all NaN when `None`) to `len`.
fn padded(values: Option<Vec<f64>>, len: usize) -> Vec<f64> {
    let mut v = values.unwrap_or_default();
    v.resize(len, f64::NAN);
    v
}

/// The training tables (group `training`): the history of every update and the trained
/// parameters; NaN placeholders of the final shapes when `trainer` is `None`.
pub fn training_tables(job: &TrainingJob, trainer: Option<&Trainer>) -> Vec<Table> {
    let g = TRAINING_GROUP;
    let (spec, p) = (&job.training, &job.sampling);
    let (n, nets, k) = (p.spec.n(), p.spec.networks, spec.iterations);
    let w = spec.windows();
    let history = trainer.map(|t| t.history());
    let from_history =
        |get: &dyn Fn(&TrainingHistory) -> Vec<f64>, len: usize| padded(history.map(get), len);
    let trained = |get: &dyn Fn(&Trainer) -> Vec<f64>, len: usize| padded(trainer.map(get), len);
    vec![
        Table::f64(
            g,
            "times",
            &[k],
            "ms",
            from_history(&|h| h.times.clone(), k),
        ),
        Table::f64(
            g,
            "learning_rate",
            &[k],
            "",
            from_history(&|h| h.learning_rate.clone(), k),
        ),
        Table::f64(
            g,
            "window_ends",
            &[w],
            "ms",
            from_history(&|h| h.window_ends.clone(), w),
        ),
        Table::f64(
            g,
            "dkl_window",
            &[w, nets],
            "nats",
            from_history(&|h| h.dkl_window.concat(), w * nets),
        ),
        Table::f64(
            g,
            "weights",
            &[k, nets, n, n],
            "",
            from_history(&|h| h.weights.clone(), k * nets * n * n),
        ),
        Table::f64(
            g,
            "biases",
            &[k, nets, n],
            "",
            from_history(&|h| h.biases.clone(), k * nets * n),
        ),
        Table::f64(
            g,
            "v_rest",
            &[nets, n],
            "mV",
            trained(
                &|t| {
                    // Off chip the trainer moves each v_rest by α·Δb from its translation (which,
                    // under a background, includes the sampler's mean-input offset); on a chip
                    // the leak potential stays.
                    (0..nets)
                        .flat_map(|net| {
                            let (v_rest, b0) =
                                (&p.translation(net).v_rest, p.spec.target(net).biases());
                            (0..n).map(move |i| t.v_rest(net, i, v_rest[i], b0[i]))
                        })
                        .collect()
                },
                nets * n,
            ),
        ),
        Table::f64(
            g,
            "synaptic_weights",
            &[nets, n, n],
            "uS (negative: inhibitory)",
            trained(
                &|t| {
                    t.weights()
                        .concat()
                        .iter()
                        .enumerate()
                        .map(|(at, &w)| t.synaptic_weight(at / (n * n), at / n % n, at % n, w))
                        .collect()
                },
                nets * n * n,
            ),
        ),
    ]
}

/// A group attribute of a layout: (group, name, value).
type Attribute = (String, String, AttributeValue);

/// Attributes of `group` from `(name, value)` pairs.
fn in_group(group: &str, attrs: Vec<(&str, AttributeValue)>) -> Vec<Attribute> {
    attrs
        .into_iter()
        .map(|(name, v)| (group.to_string(), name.to_string(), v))
        .collect()
}

/// Scalar attributes of the training group.
fn training_attributes(job: &TrainingJob) -> Vec<Attribute> {
    let t = &job.training;
    let attrs = vec![
        ("iterations", t.iterations.into()),
        ("interval", t.interval.into()),
        ("start", job.sampling.spec.burn_in.into()),
        ("end", job.sampling.sampling_start.into()),
    ];
    in_group(TRAINING_GROUP, attrs)
}

/// Scalar attributes of the sampling group, with where its calibration came from
/// (`calibration` = "measured" or "file", and `calibration_file`, the file read).
fn sampling_attributes(p: &SamplingJob) -> Vec<Attribute> {
    let s = &p.spec;
    let mut attrs = vec![
        ("n", s.n().into()),
        ("networks", s.networks.into()),
        ("burn_in", s.burn_in.into()),
        ("sampling_start", p.sampling_start.into()),
        ("t_sample", s.t_sample.into()),
        ("sample_interval", s.sample_interval.into()),
        ("smoothing", s.sampler.tau_refrac.into()),
        ("v_p05", p.activation.v_p05.into()),
        ("alpha", p.activation.alpha.into()),
        ("renewing_synapses", s.renewing_synapses.into()),
    ];
    match s.calibration_source() {
        CalibrationSource::Measured => attrs.push((CALIBRATION_ATTR, "measured".to_owned().into())),
        CalibrationSource::File(path) => {
            attrs.push((CALIBRATION_ATTR, "file".to_owned().into()));
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
            attrs.push((CALIBRATION_FILE_ATTR, path.display().to_string().into()));
        }
    }
    in_group(SAMPLING_GROUP, attrs)
}

//! The HDF5 files of the TTFS jobs: a trained model (weights, neuron parameters, encoding, loss,
//! training history, checkpoints, test predictions) and the predictions of `ttfs eval`.
//!
//! ```text
//! /ttfs           attrs format_version (1), inputs, classes, layers, early (ms), late (ms), invert (0/1),
//!                 repeat (times the pattern is sent; absent: 1),
//!                 xi, alpha, beta, epochs_run, best_epoch, stored ("last", "best validation"
//!                 or "best so far"), test_accuracy and test_loss (of the stored network),
//!                 test_accuracy_last, test_accuracy_best_validation, wall_seconds, threads,
//!                 init (the model training started from, if any)
//! /layer<l>       attrs size, inputs, bias_time (ms, NaN: no bias), biases (bias inputs, 0
//!                 without a bias time; absent: 1 with one), cm (nF), tau_m (ms),
//!                 tau_syn (ms), v_rest (mV), v_thresh (mV), method
//! /layer<l>/weights              float64 [size, inputs (+ biases)]  nA
//! /training/<column>             float64 [epochs]: epoch, lr, train_loss, train_accuracy,
//!                                validation_loss, validation_accuracy, updates, bumps
//! /checkpoints/epochs            float64 [C]
//! /checkpoints/layer<l>          float64 [C, size, inputs (+ biases)]  nA
//! /<set>/times                   float64 [patterns, classes]  ms (inf: no spike)
//! /<set>/labels, /<set>/predictions   uint32 [patterns] (prediction = classes: no spike)
//! /<set>/confusion               uint32 [classes, classes + 1] (last column: no spike)
//! ```
//!
//! A network trained or evaluated on an emulated chip adds
//!
//! ```text
//! /chip           attrs chip, profile, chip_seed, run_seed, time_scale, weight_scale (LSB/nA),
//!                 calibrated (0/1), slot (output tau_syn), circuits_used, circuits_available,
//!                 slot_us, patterns_per_second, run_us, energy_per_pattern_uj, energy_mj,
//!                 wall_seconds, and in a model file software_test_accuracy (the ideal model's)
//!                 quantities ("v_thresh,tau_m,tau_syn_E,tau_syn_I,synaptic_gain_E,synaptic_gain_I")
//! /chip/factors_uncalibrated     float64 [6, 2]: mean and sd of each quantity's factor
//! /chip/factors_as_run           float64 [6, 2]: the same with the calibration's trims
//! /chip/out_of_range             uint32 [6]: circuits whose trim hit its end
//! /chip/saturated_weights        uint32 [layers]; /chip/rounding_error  float64 [layers]  nA
//! ```
//!
//! `<set>` is `test` in a model file and `predictions` in an evaluation file. Like every
//! recording, a file is written under a hidden name and renamed when complete; a model saved
//! after an interrupted training has `complete` = 0.

use std::path::Path;

use super::error::TtfsError;
use super::jobs::{ChipRun, TrainJob, TrainOutcome};
use super::loss::LossParams;
use super::network::{Bias, Layer, Network};
use super::neuron::{FirstSpikeNeuron, FirstSpikeParams};
use super::spec::{Encoding, Keep};
use super::train::Evaluation;
use crate::chip::instance::QUANTITIES;
use crate::chip::record::CHIP_GROUP;
use crate::chip::settings::ChipSection;
use crate::record::inspect::{group_attributes, group_counts, group_texts, read_f64};
use crate::record::{AttributeValue, RecordError, RecordLayout, RunMetadata, Table};

/// One column of the training history: its value in an epoch's record.
type EpochColumn = fn(&super::train::EpochRecord) -> f64;

/// Version of the model layout this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// Group of the model's scalar settings.
const MODEL_GROUP: &str = "ttfs";

/// Group of layer `l`.
fn layer_group(l: usize) -> String {
    format!("layer{l}")
}

/// A model read back from its file.
#[derive(Clone, Debug)]
pub struct StoredModel {
    /// The network.
    pub network: Network,
    /// Feature → spike time.
    pub encoding: Encoding,
    /// The loss it was trained with.
    pub loss: LossParams,
    /// Whether the file is marked complete (training ran every epoch).
    pub complete: bool,
    /// The chip it was trained on in the loop (or evaluated on), if any: `ttfs eval --chip`
    /// takes its settings as defaults.
    pub chip: Option<ChipSection>,
}

/// Root metadata of a TTFS file: the seed and description text, t_stop = the encoding's late
/// time [ms].
pub fn metadata(job: &TrainJob) -> RunMetadata {
    RunMetadata {
        seed: job.spec.seed,
        t_stop: job.spec.encoding.late,
        experiment: job.spec.text.clone(),
    }
}

/// The layout of the model file of a finished (or stopped) training job.
pub fn model_layout(job: &TrainJob, outcome: &TrainOutcome) -> RecordLayout {
    let network = outcome.network();
    let mut layout = network_layout(network, &job.spec.encoding, &job.spec.loss);
    let t = &outcome.trained;
    let stored = match (t.completed, outcome.keep) {
        (false, _) => "best so far",
        (true, Keep::Last) => "last",
        (true, Keep::BestValidation) => "best validation",
    };
    let (last, best) = outcome.test_accuracy_last_best;
    let attrs: [(&str, AttributeValue); 9] = [
        ("epochs_run", t.history.len().into()),
        ("best_epoch", t.best_epoch.into()),
        ("stored", AttributeValue::Text(stored.into())),
        ("test_accuracy", outcome.test.accuracy.into()),
        ("test_loss", outcome.test.loss.into()),
        ("test_accuracy_last", last.into()),
        ("test_accuracy_best_validation", best.into()),
        ("wall_seconds", outcome.wall_seconds.into()),
        ("threads", outcome.threads.into()),
    ];
    add_attributes(&mut layout, MODEL_GROUP, attrs);
    if let Some(init) = &job.spec.training.init {
        let init = AttributeValue::Text(init.display().to_string());
        add_attributes(&mut layout, MODEL_GROUP, [("init", init)]);
    }
    let epochs = t.history.len();
    let columns: [(&str, EpochColumn); 8] = [
        ("epoch", |r| r.epoch as f64),
        ("lr", |r| r.lr),
        ("train_loss", |r| r.train_loss),
        ("train_accuracy", |r| r.train_accuracy),
        ("validation_loss", |r| r.validation_loss),
        ("validation_accuracy", |r| r.validation_accuracy),
        ("updates", |r| r.updates as f64),
        ("bumps", |r| r.bumps as f64),
    ];
    for (name, column) in columns {
        let values = t.history.iter().map(column).collect();
        layout
            .tables
            .push(Table::f64("training", name, &[epochs], "", values));
    }
    if !t.checkpoints.is_empty() {
        let epochs: Vec<f64> = t.checkpoints.iter().map(|(e, _)| *e as f64).collect();
        layout.tables.push(Table::f64(
            "checkpoints",
            "epochs",
            &[epochs.len()],
            "",
            epochs,
        ));
        for (l, layer) in network.layers().iter().enumerate() {
            let weights = t
                .checkpoints
                .iter()
                .flat_map(|(_, n)| n.layers()[l].weights().to_vec())
                .collect();
            let shape = [t.checkpoints.len(), layer.n_out(), layer.width()];
            layout.tables.push(Table::f64(
                "checkpoints",
                &layer_group(l),
                &shape,
                "nA",
                weights,
            ));
        }
    }
    layout.tables.extend(evaluation_tables(
        "test",
        &outcome.test,
        network.n_outputs(),
    ));
    if let Some(run) = &outcome.chip {
        chip_layout(&mut layout, run);
        let software = outcome.ideal_test.as_ref().map_or(f64::NAN, |e| e.accuracy);
        layout.attributes.push((
            CHIP_GROUP.into(),
            "software_test_accuracy".into(),
            software.into(),
        ));
    }
    layout
}

/// Add `attrs` (name, value) to group `group` of `layout`.
fn add_attributes<const N: usize>(
    layout: &mut RecordLayout,
    group: &str,
    attrs: [(&str, AttributeValue); N],
) {
    for (name, value) in attrs {
        layout.attributes.push((group.into(), name.into(), value));
    }
}

/// Add the `/chip` group of `run` to `layout`.
pub fn chip_layout(layout: &mut RecordLayout, run: &ChipRun) {
    let mapping = run.chip.mapping();
    let s = &mapping.settings;
    let (m, t) = (&run.mapping, &run.time);
    let text = |v: &str| AttributeValue::Text(v.into());
    let attrs: [(&str, AttributeValue); 18] = [
        ("quantities", text(&QUANTITIES.join(","))),
        ("chip", text(&s.profile.name)),
        ("profile", text(&s.profile_name)),
        ("chip_seed", AttributeValue::Count(s.chip_seed)),
        ("run_seed", AttributeValue::Count(run.chip.run_seed())),
        ("time_scale", s.time_scale.into()),
        ("weight_scale", mapping.weight_scale.into()),
        ("calibrated", AttributeValue::Flag(s.calibrate)),
        ("slot", s.slot.into()),
        ("circuits_used", m.circuits_used.into()),
        ("circuits_available", m.circuits_available.into()),
        ("slot_us", t.slot_us.into()),
        ("patterns_per_second", t.per_second.into()),
        ("run_us", t.run_us.into()),
        ("energy_per_pattern_uj", t.energy_per_pattern_uj.into()),
        ("energy_mj", t.energy_mj.into()),
        ("wall_seconds", t.wall_seconds.into()),
        ("patterns", t.patterns.into()),
    ];
    add_attributes(layout, CHIP_GROUP, attrs);
    let c = run.chip.calibration();
    let pairs = |v: &[(f64, f64); 6]| v.iter().flat_map(|&(a, b)| [a, b]).collect();
    let n = m.layers.len();
    layout.tables.extend([
        Table::f64(
            CHIP_GROUP,
            "factors_uncalibrated",
            &[6, 2],
            "",
            pairs(&c.before),
        ),
        Table::f64(CHIP_GROUP, "factors_as_run", &[6, 2], "", pairs(&c.after)),
        Table::u32(
            CHIP_GROUP,
            "out_of_range",
            &[6],
            c.out_of_range.iter().map(|&k| k as u32).collect(),
        ),
        Table::u32(
            CHIP_GROUP,
            "saturated_weights",
            &[n],
            m.layers.iter().map(|l| l.saturated as u32).collect(),
        ),
        Table::f64(
            CHIP_GROUP,
            "rounding_error",
            &[n],
            "nA",
            m.layers.iter().map(|l| l.max_error).collect(),
        ),
    ]);
}

/// The layout of a network with its encoding and loss (the `/ttfs` settings and `/layer<l>`).
fn network_layout(network: &Network, encoding: &Encoding, loss: &LossParams) -> RecordLayout {
    let mut layout = RecordLayout::default();
    let mut attr = |group: &str, name: &str, value: AttributeValue| {
        layout.attributes.push((group.into(), name.into(), value));
    };
    attr(
        MODEL_GROUP,
        "format_version",
        AttributeValue::Count(FORMAT_VERSION),
    );
    attr(MODEL_GROUP, "inputs", network.n_inputs().into());
    attr(MODEL_GROUP, "classes", network.n_outputs().into());
    attr(MODEL_GROUP, "layers", network.layers().len().into());
    attr(MODEL_GROUP, "early", encoding.early.into());
    attr(MODEL_GROUP, "late", encoding.late.into());
    attr(MODEL_GROUP, "invert", AttributeValue::Flag(encoding.invert));
    attr(MODEL_GROUP, "repeat", encoding.repeat.into());
    attr(MODEL_GROUP, "xi", loss.xi.into());
    attr(MODEL_GROUP, "alpha", loss.alpha.into());
    attr(MODEL_GROUP, "beta", loss.beta.into());
    for (l, layer) in network.layers().iter().enumerate() {
        let group = layer_group(l);
        let p = layer.neuron().params();
        attr(&group, "size", layer.n_out().into());
        attr(&group, "inputs", layer.n_in().into());
        attr(
            &group,
            "bias_time",
            layer.bias().map_or(f64::NAN, |b| b.time).into(),
        );
        attr(&group, "biases", Bias::inputs(layer.bias()).into());
        for (name, value) in [
            ("cm", p.cm),
            ("tau_m", p.tau_m),
            ("tau_syn", p.tau_syn),
            ("v_rest", p.v_rest),
            ("v_thresh", p.v_thresh),
        ] {
            attr(&group, name, value.into());
        }
        attr(
            &group,
            "method",
            AttributeValue::Text(layer.neuron().method().into()),
        );
        let shape = [layer.n_out(), layer.width()];
        layout.tables.push(Table::f64(
            &group,
            "weights",
            &shape,
            "nA",
            layer.weights().to_vec(),
        ));
    }
    layout
}

/// The tables of an evaluation in group `set`.
pub fn evaluation_tables(set: &str, evaluation: &Evaluation, classes: usize) -> Vec<Table> {
    let n = evaluation.labels.len();
    let labels = evaluation.labels.iter().map(|&l| l as u32).collect();
    let predictions = evaluation
        .predictions
        .iter()
        .map(|p| p.unwrap_or(classes) as u32)
        .collect();
    let confusion = evaluation
        .confusion(classes)
        .into_iter()
        .map(|c| c as u32)
        .collect();
    vec![
        Table::f64(set, "times", &[n, classes], "ms", evaluation.times.clone()),
        Table::u32(set, "labels", &[n], labels),
        Table::u32(set, "predictions", &[n], predictions),
        Table::u32(set, "confusion", &[classes, classes + 1], confusion),
    ]
}

/// The layout of an evaluation file: the model's network and the predictions on a data set (and
/// the chip, if it ran on one).
pub fn predictions_layout(
    model: &StoredModel,
    evaluation: &Evaluation,
    data: &str,
    chip: Option<&ChipRun>,
) -> RecordLayout {
    let mut layout = network_layout(&model.network, &model.encoding, &model.loss);
    if let Some(run) = chip {
        chip_layout(&mut layout, run);
    }
    let classes = model.network.n_outputs();
    layout
        .tables
        .extend(evaluation_tables("predictions", evaluation, classes));
    layout.attributes.push((
        "predictions".into(),
        "data".into(),
        AttributeValue::Text(data.into()),
    ));
    layout.attributes.push((
        "predictions".into(),
        "accuracy".into(),
        evaluation.accuracy.into(),
    ));
    layout
}

/// Read the model stored at `path`.
pub fn load(path: &Path) -> Result<StoredModel, TtfsError> {
    let file = path.display().to_string();
    let problem = |field: &str, problem: String| TtfsError::Model {
        path: file.clone(),
        field: field.into(),
        problem,
    };
    let (settings, complete) = group_attributes(path, MODEL_GROUP).map_err(|e| match e {
        // A missing or unreadable file is said as such.
        RecordError::Unreadable { .. } => TtfsError::Record(e),
        _ => problem(
            "/ttfs",
            "not a TTFS model (no /ttfs group); make one with `exactspike ttfs train`".into(),
        ),
    })?;
    let get = |attrs: &std::collections::HashMap<String, f64>, group: &str, name: &str| {
        attrs
            .get(name)
            .copied()
            .ok_or_else(|| problem(&format!("/{group}"), format!("attribute {name} is missing")))
    };
    let version = get(&settings, MODEL_GROUP, "format_version")?;
    if version != FORMAT_VERSION as f64 {
        return Err(problem(
            "/ttfs.format_version",
            format!(
                "model format {version} is not the version this build reads ({FORMAT_VERSION})"
            ),
        ));
    }
    // A positive whole number of at most 2^32 (sizes of a network that fits in memory).
    let whole = |group: &str, name: &str, v: f64| {
        if v >= 1.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0 {
            Ok(v as usize)
        } else {
            Err(problem(
                &format!("/{group}.{name}"),
                format!("must be a whole number ≥ 1, got {v}"),
            ))
        }
    };
    let setting = |name: &str| get(&settings, MODEL_GROUP, name);
    let count = |name: &str| whole(MODEL_GROUP, name, setting(name)?);
    let encoding = Encoding {
        early: setting("early")?,
        late: setting("late")?,
        invert: setting("invert")? != 0.0,
        repeat: match settings.get("repeat") {
            Some(&r) => whole(MODEL_GROUP, "repeat", r)?,
            None => 1,
        },
    };
    if !(encoding.early >= 0.0 && encoding.late > encoding.early && encoding.late.is_finite()) {
        return Err(problem("/ttfs.early", "needs 0 ≤ early < late".into()));
    }
    let inputs = count("inputs")?;
    if inputs % encoding.repeat != 0 {
        return Err(problem(
            "/ttfs.repeat",
            format!(
                "the pattern sent {} times cannot make {inputs} inputs",
                encoding.repeat
            ),
        ));
    }
    let mut n_in = inputs;
    let mut layers = Vec::new();
    for l in 0..count("layers")? {
        let group = layer_group(l);
        let (attrs, _) = group_attributes(path, &group)
            .map_err(|e| problem(&format!("/{group}"), e.to_string()))?;
        let value = |name: &str| get(&attrs, &group, name);
        let params = FirstSpikeParams {
            cm: value("cm")?,
            tau_m: value("tau_m")?,
            tau_syn: value("tau_syn")?,
            v_rest: value("v_rest")?,
            v_thresh: value("v_thresh")?,
        };
        use crate::neuron::params::CellParams;
        if let Some((name, p)) = params.problem() {
            return Err(problem(&format!("/{group}.{name}"), p));
        }
        let size = whole(&group, "size", value("size")?)?;
        if value("inputs")? != n_in as f64 {
            let found = value("inputs")?;
            return Err(problem(
                &format!("/{group}.inputs"),
                format!("is {found}, the layer below has {n_in}"),
            ));
        }
        let bias_time = value("bias_time")?;
        let bias = match attrs.get("biases") {
            Some(&count) if !bias_time.is_finite() && count != 0.0 => {
                return Err(problem(
                    &format!("/{group}.biases"),
                    format!("{count} bias inputs without a bias time"),
                ))
            }
            _ if !bias_time.is_finite() => None,
            None => Some(Bias::one(bias_time)),
            Some(&count) => Some(Bias {
                time: bias_time,
                count: whole(&group, "biases", count)?,
            }),
        };
        let weights = read_f64(path, &format!("{group}/weights"))?;
        let width = n_in + Bias::inputs(bias);
        if size.checked_mul(width) != Some(weights.len()) || weights.iter().any(|w| !w.is_finite())
        {
            return Err(problem(
                &format!("/{group}/weights"),
                format!(
                    "needs {size} × {width} finite weights, has {} values",
                    weights.len()
                ),
            ));
        }
        layers.push(Layer::new(
            FirstSpikeNeuron::new(&params),
            n_in,
            size,
            bias,
            weights,
        ));
        n_in = size;
    }
    if count("classes")? != n_in {
        return Err(problem(
            "/ttfs.classes",
            format!("the last layer has {n_in} neurons"),
        ));
    }
    let loss = LossParams {
        xi: setting("xi")?,
        alpha: setting("alpha")?,
        beta: setting("beta")?,
    };
    if !(loss.xi > 0.0 && loss.beta > 0.0 && loss.alpha >= 0.0) {
        return Err(problem(
            "/ttfs.xi",
            "needs xi > 0, beta > 0, alpha ≥ 0".into(),
        ));
    }
    let chip = stored_chip(path)?;
    Ok(StoredModel {
        network: Network::new(layers),
        encoding,
        loss,
        complete,
        chip,
    })
}

/// The chip settings stored in `/chip` of the file at `path` (`None` without one); a `/chip`
/// that lacks a setting or holds an impossible one is an error naming it.
fn stored_chip(path: &Path) -> Result<Option<ChipSection>, TtfsError> {
    let Ok((values, _)) = group_attributes(path, CHIP_GROUP) else {
        return Ok(None);
    };
    let problem = |name: &str, problem: &str| TtfsError::Model {
        path: path.display().to_string(),
        field: format!("/{CHIP_GROUP}.{name}"),
        problem: problem.into(),
    };
    let texts = group_texts(path, CHIP_GROUP)?;
    let counts = group_counts(path, CHIP_GROUP)?;
    let positive = |name: &str| {
        values
            .get(name)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| problem(name, "missing, or not a number > 0"))
    };
    let count = |name: &str| {
        counts
            .get(name)
            .copied()
            .ok_or_else(|| problem(name, "missing, or not a whole number ≥ 0"))
    };
    let calibrated = count("calibrated")?;
    if calibrated > 1 {
        return Err(problem("calibrated", "must be 0 or 1"));
    }
    Ok(Some(ChipSection {
        profile: texts
            .get("profile")
            .cloned()
            .ok_or_else(|| problem("profile", "missing, or not text"))?,
        chip_seed: count("chip_seed")?,
        time_scale: positive("time_scale")?,
        weight_scale: Some(positive("weight_scale")?),
        calibrate: calibrated == 1,
        slot: positive("slot")?,
    }))
}

/// What `exactspike info` adds for a TTFS model or predictions file: the layers, the encoding
/// and, for a model, its training and test accuracy.
pub fn describe(path: &Path) -> Result<String, crate::record::RecordError> {
    let (settings, _) = group_attributes(path, MODEL_GROUP)?;
    let get = |attrs: &std::collections::HashMap<String, f64>, name: &str| {
        attrs.get(name).copied().unwrap_or(f64::NAN)
    };
    let mut layers = vec![format!("{} inputs", get(&settings, "inputs"))];
    for l in 0..get(&settings, "layers") as usize {
        let (attrs, _) = group_attributes(path, &layer_group(l))?;
        let bias = get(&attrs, "bias_time");
        let biases = get(&attrs, "biases");
        let bias = match (bias.is_finite(), biases) {
            (false, _) => String::new(),
            (true, n) if n > 1.0 => format!(", {n} bias inputs at {bias} ms"),
            (true, _) => format!(", bias at {bias} ms"),
        };
        layers.push(format!(
            "{} (tau_m {} ms, tau_syn {} ms{bias})",
            get(&attrs, "size"),
            get(&attrs, "tau_m"),
            get(&attrs, "tau_syn")
        ));
    }
    let repeat = get(&settings, "repeat");
    let repeat = if repeat > 1.0 {
        format!(", the pattern sent {repeat} times")
    } else {
        String::new()
    };
    let mut text = format!(
        "\nttfs: {}; inputs at {} to {} ms{repeat}\n",
        layers.join(" -> "),
        get(&settings, "early"),
        get(&settings, "late")
    );
    let epochs = get(&settings, "epochs_run");
    if epochs.is_finite() {
        text += &format!(
            "ttfs training: {epochs} epochs in {:.1} s, best validation after epoch {}; test accuracy {:.2} %\n",
            get(&settings, "wall_seconds"),
            get(&settings, "best_epoch"),
            100.0 * get(&settings, "test_accuracy")
        );
    }
    if let Ok((chip, _)) = group_attributes(path, CHIP_GROUP) {
        let texts = group_texts(path, CHIP_GROUP)?;
        let seed = group_counts(path, CHIP_GROUP)?.get("chip_seed").copied();
        let seed = seed.map_or("?".to_string(), |s| s.to_string());
        let name = texts.get("chip").map_or("?", String::as_str);
        let calibrated = if get(&chip, "calibrated") == 1.0 {
            "calibrated"
        } else {
            "uncalibrated"
        };
        text += &format!(
            "ttfs chip: {name}, chip seed {seed}, {calibrated}, {} of {} circuits, weight scale {:.3} LSB/nA, time scale {}; {:.1} µs per pattern\n",
            get(&chip, "circuits_used"),
            get(&chip, "circuits_available"),
            get(&chip, "weight_scale"),
            get(&chip, "time_scale"),
            get(&chip, "slot_us"),
        );
    }
    if let Ok((predictions, _)) = group_attributes(path, "predictions") {
        text += &format!(
            "ttfs predictions: accuracy {:.2} %\n",
            100.0 * get(&predictions, "accuracy")
        );
    }
    Ok(text)
}

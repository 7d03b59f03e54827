//! The TTFS jobs as library functions: load and check the data a description names, train, and
//! evaluate a network on a data set. The command line only adds files, pictures and progress.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::record::hdf5::Hdf5Recorder;
use crate::record::{check_output, Control, FileOutput, RunMetadata, Termination};
use std::time::Instant;

use super::data::{self, check_labels, yinyang, Dataset, Split};
use super::error::TtfsError;
use super::model_file::{self, StoredModel};
use super::network::Network;
use super::spec::{DataSource, Keep, TtfsSpec};
use super::train::{self, EpochRecord, Evaluation, Ideal, Patterns, Substrate, Trained, Trial};
use crate::chip::settings::ChipSettings;
use crate::chip::timing::HardwareTime;
use crate::chip::ttfs_emulate::EmulatedChip;
use crate::chip::ttfs_map::{MappingReport, TtfsMapping};
use crate::error::ConfigError;

/// A training job: its description and its encoded data sets.
#[derive(Clone, Debug)]
pub struct TrainJob {
    /// The description.
    pub spec: TtfsSpec,
    /// Training patterns.
    pub train: Patterns,
    /// Validation patterns (`None` when the description names no validation set).
    pub validation: Option<Patterns>,
    /// Test patterns.
    pub test: Patterns,
    /// The network training starts from: seeded, or the stored model `training.init` names.
    pub initial: Network,
    /// The emulated chip the forward passes run on, when the description names one.
    pub chip: Option<EmulatedChip>,
}

/// What a training job leaves.
#[derive(Clone, Debug)]
pub struct TrainOutcome {
    /// Networks and history.
    pub trained: Trained,
    /// Which network the model keeps.
    pub keep: Keep,
    /// The kept network ([`TrainOutcome::network`]) on the test set.
    pub test: Evaluation,
    /// Test accuracy of the last network and of the best-validation one.
    pub test_accuracy_last_best: (f64, f64),
    /// Wall-clock time of the training, evaluations included [s].
    pub wall_seconds: f64,
    /// Worker threads used.
    pub threads: usize,
    /// On a chip: the kept network's test evaluation in the ideal model (software).
    pub ideal_test: Option<Evaluation>,
    /// On a chip: the chip, the kept network's mapping and the test set's hardware time.
    pub chip: Option<ChipRun>,
}

impl TrainOutcome {
    /// The network to store: the one `keep` names after a complete run, the best so far after an
    /// interrupted one.
    pub fn network(&self) -> &Network {
        kept(&self.trained, self.keep)
    }
}

/// The network of `trained` that `keep` names (the best so far when training was stopped).
fn kept(trained: &Trained, keep: Keep) -> &Network {
    if trained.completed && keep == Keep::Last {
        &trained.network
    } else {
        &trained.best
    }
}

impl TrainJob {
    /// Load the data sets of `spec` and check them against its network.
    pub fn prepare(spec: TtfsSpec) -> Result<Self, TtfsError> {
        let (train, validation, test) = match &spec.data {
            DataSource::YinYang if spec.classes() != yinyang::N_CLASSES => {
                let last = spec.layers.len() - 1;
                return Err(ConfigError::new(
                    &spec.file,
                    format!("ttfs.layer[{last}].size"),
                    format!(
                        "the Yin-Yang data has {} classes, the output layer has {} neurons",
                        yinyang::N_CLASSES,
                        spec.classes()
                    ),
                )
                .into());
            }
            DataSource::YinYang => (
                data::yin_yang(Split::Train),
                Some(data::yin_yang(Split::Validation)),
                data::yin_yang(Split::Test),
            ),
            DataSource::Csv {
                train,
                validation,
                test,
            } => (
                load(train)?,
                validation.as_deref().map(load).transpose()?,
                load(test)?,
            ),
        };
        let features = train.n_features();
        for set in validation.iter().chain([&test]) {
            same_features(set, features, &format!("the training set {}", train.name()))?;
        }
        let inputs = spec.encoding.inputs(features);
        for set in [&train].into_iter().chain(&validation).chain([&test]) {
            check_labels(set, spec.classes(), set.name())?;
        }
        let initial = match &spec.training.init {
            Some(path) => start_from(path, &spec, inputs)?,
            None => {
                if spec.chip.as_ref().is_some_and(|c| c.weight_scale.is_none()) {
                    return Err(ConfigError::new(
                        &spec.file,
                        "ttfs.chip.weight_scale (--weight-scale)",
                        "needed for in-the-loop training from seeded weights (the automatic \
                         scale would cap every weight at the largest initial one); or start \
                         from a trained model with --init",
                    )
                    .into());
                }
                train::initial_network(&spec, inputs)
            }
        };
        let chip = (spec.chip.as_ref())
            .map(|settings| emulated_chip(&initial, settings, spec.seed))
            .transpose()?;
        let encode = |d: &Dataset| Patterns::encode(d, &spec.encoding);
        Ok(Self {
            train: encode(&train),
            validation: validation.as_ref().map(encode),
            test: encode(&test),
            spec,
            initial,
            chip,
        })
    }

    /// The substrate the forward passes run on: the emulated chip, or the ideal model.
    pub fn substrate(&self) -> &dyn Substrate {
        substrate(self.chip.as_ref())
    }

    /// Train from the initial network; `stop` ends training after the current batch (the best
    /// network so far is then evaluated and kept), `on_epoch` sees every epoch's record.
    pub fn run(&self, stop: &AtomicBool, on_epoch: impl FnMut(&EpochRecord)) -> TrainOutcome {
        let started = Instant::now();
        let substrate = self.substrate();
        let mut network = self.initial.clone();
        substrate.constrain(&mut network);
        let trained = train::train(
            &self.spec,
            substrate,
            network,
            &self.train,
            self.validation.as_ref(),
            stop,
            on_epoch,
        );
        let threads = train::worker_threads(self.spec.training.threads);
        let keep = self.spec.training.keep;
        let evaluate = |network, on: &dyn Substrate| {
            let trials = Trial {
                purpose: "test",
                number: 0,
            };
            train::evaluate(network, &self.test, &self.spec.loss, threads, on, trials)
        };
        let test_started = Instant::now();
        let last = evaluate(&trained.network, substrate);
        let test_seconds = test_started.elapsed().as_secs_f64();
        let best = evaluate(&trained.best, substrate);
        let test_accuracy_last_best = (last.accuracy, best.accuracy);
        let test = if std::ptr::eq(kept(&trained, keep), &trained.network) {
            last
        } else {
            best
        };
        let kept_network = kept(&trained, keep);
        let ideal_test = self.chip.is_some().then(|| evaluate(kept_network, &Ideal));
        let wall_seconds = started.elapsed().as_secs_f64();
        let chip = self.chip.as_ref().map(|chip| ChipRun {
            chip: chip.clone(),
            mapping: chip.mapping().report(kept_network),
            time: HardwareTime::ttfs(chip.mapping(), kept_network, self.test.len(), test_seconds),
        });
        TrainOutcome {
            trained,
            keep,
            test,
            test_accuracy_last_best,
            wall_seconds,
            threads,
            ideal_test,
            chip,
        }
    }
}

/// The stored model at `path` as the start of training `spec` with `inputs` inputs: its shape
/// and encoding must be the description's.
fn start_from(path: &Path, spec: &TtfsSpec, inputs: usize) -> Result<Network, TtfsError> {
    let model = model_file::load(path)?;
    let network = model.network;
    let mismatch = |problem: String| TtfsError::Mismatch {
        path: path.display().to_string(),
        problem,
    };
    let sizes: Vec<usize> = network.layers().iter().map(|l| l.n_out()).collect();
    let described: Vec<usize> = spec.layers.iter().map(|l| l.size).collect();
    if network.n_inputs() != inputs || sizes != described {
        return Err(mismatch(format!(
            "the model's layers {sizes:?} on {} inputs are not the description's {described:?} on {inputs}",
            network.n_inputs()
        )));
    }
    for (l, (layer, described)) in network.layers().iter().zip(&spec.layers).enumerate() {
        if layer.neuron().params() != &described.neuron || layer.bias() != described.bias {
            return Err(mismatch(format!(
                "layer {l}: the model's neuron parameters {:?} and bias inputs {:?} are not the \
                 description's {:?} and {:?}",
                layer.neuron().params(),
                layer.bias(),
                described.neuron,
                described.bias
            )));
        }
    }
    if model.encoding != spec.encoding {
        return Err(mismatch(format!(
            "the model's encoding {:?} is not the description's {:?}",
            model.encoding, spec.encoding
        )));
    }
    Ok(network)
}

/// `set` must have `expected` features, as `other` (named in the error) has.
fn same_features(set: &Dataset, expected: usize, other: &str) -> Result<(), TtfsError> {
    if set.n_features() == expected {
        return Ok(());
    }
    Err(TtfsError::Mismatch {
        path: set.name().to_string(),
        problem: format!(
            "has {} feature columns, {other} has {expected}",
            set.n_features()
        ),
    })
}

/// Read the CSV file `path`.
fn load(path: &Path) -> Result<Dataset, TtfsError> {
    Ok(data::load_csv(path)?)
}

/// Train `job` into the HDF5 model file of `output` (`exactspike ttfs train`), calling
/// `on_epoch` after each epoch. The file is checked first; an interrupted training (through
/// `control`'s flag) stores the network kept so far, marked incomplete with the signal.
pub fn train_into_file(
    job: &TrainJob,
    output: FileOutput,
    control: Control,
    on_epoch: impl FnMut(&EpochRecord),
) -> Result<TrainOutcome, TtfsError> {
    check_output(output.path, output.overwrite)?;
    let outcome = job.run(control.interrupt, on_epoch);
    let termination = if outcome.trained.completed {
        Termination::Completed
    } else {
        Termination::Interrupted {
            signal: (control.signal)(),
        }
    };
    let layout = model_file::model_layout(job, &outcome);
    Hdf5Recorder::create(
        output.path,
        &layout,
        &model_file::metadata(job),
        output.overwrite,
    )?
    .finish(termination)?;
    Ok(outcome)
}

/// A data set to evaluate on, by name: `yin-yang-train`, `yin-yang-validation`,
/// `yin-yang-test`, or the path of a CSV file.
pub fn named_data(name: &str) -> Result<Dataset, TtfsError> {
    let split = match name {
        "yin-yang-train" => Split::Train,
        "yin-yang-validation" => Split::Validation,
        "yin-yang-test" => Split::Test,
        path => return Ok(data::load_csv(path)?),
    };
    Ok(data::yin_yang(split))
}

/// Whether `set` fits `model`: its labels the output layer, its features (sent as often as the
/// encoding repeats them) the inputs.
pub fn check_fits(model: &StoredModel, set: &Dataset) -> Result<(), TtfsError> {
    let network = &model.network;
    check_labels(set, network.n_outputs(), set.name())?;
    let (inputs, repeat) = (network.n_inputs(), model.encoding.repeat);
    let network_name = match repeat {
        1 => "the network".to_string(),
        _ => format!("the network (its {inputs} inputs: the pattern sent {repeat} times)"),
    };
    same_features(set, inputs / repeat, &network_name)
}

/// The substrate forward passes run on: `chip`, or the ideal model without one.
pub fn substrate(chip: Option<&EmulatedChip>) -> &dyn Substrate {
    match chip {
        Some(chip) => chip,
        None => &Ideal,
    }
}

/// `network` mapped onto the chip of `settings` (or why it does not fit), its trial noise from
/// `run_seed`.
pub fn emulated_chip(
    network: &Network,
    settings: &ChipSettings,
    run_seed: u64,
) -> Result<EmulatedChip, TtfsError> {
    let mapping = TtfsMapping::new(network, settings)?;
    Ok(EmulatedChip::new(network, mapping, run_seed))
}

/// A network run on an emulated chip: the chip as run and the hardware time of the patterns.
#[derive(Clone, Debug)]
pub struct ChipRun {
    /// The chip (mapping, calibration).
    pub chip: EmulatedChip,
    /// What the mapping uses and loses.
    pub mapping: MappingReport,
    /// Hardware time of the patterns.
    pub time: HardwareTime,
}

/// Evaluate a stored model on `set`, which must fit it ([`check_fits`]): in the ideal model, or
/// on the emulated chip of `chip` with trial noise from `run_seed`.
pub fn evaluate(
    model: &StoredModel,
    set: &Dataset,
    threads: usize,
    chip: Option<&ChipSettings>,
    run_seed: u64,
) -> Result<(Evaluation, Option<ChipRun>), TtfsError> {
    let network = &model.network;
    check_fits(model, set)?;
    let started = Instant::now();
    let emulated = chip
        .map(|settings| emulated_chip(network, settings, run_seed))
        .transpose()?;
    let substrate = substrate(emulated.as_ref());
    let patterns = Patterns::encode(set, &model.encoding);
    let trials = Trial {
        purpose: "evaluate",
        number: 0,
    };
    let threads = train::worker_threads(threads);
    let evaluation = train::evaluate(network, &patterns, &model.loss, threads, substrate, trials);
    let wall_seconds = started.elapsed().as_secs_f64();
    let run = emulated.map(|chip| ChipRun {
        mapping: chip.mapping().report(network),
        time: HardwareTime::ttfs(chip.mapping(), network, patterns.len(), wall_seconds),
        chip,
    });
    Ok((evaluation, run))
}

/// Write the predictions file of an evaluation (`exactspike ttfs eval --out`): `model`'s
/// network, the output spike times and predictions of `evaluation` on the data set named
/// `data`, and the chip it ran on.
pub fn write_predictions(
    output: FileOutput,
    model: &StoredModel,
    evaluation: &Evaluation,
    data: &str,
    chip: Option<&ChipRun>,
) -> Result<(), TtfsError> {
    let layout = model_file::predictions_layout(model, evaluation, data, chip);
    let meta = RunMetadata {
        seed: 0,
        t_stop: model.encoding.late,
        experiment: String::new(),
    };
    Hdf5Recorder::create(output.path, &layout, &meta, output.overwrite)?
        .finish(Termination::Completed)?;
    Ok(())
}

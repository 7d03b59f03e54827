//! The TTFS jobs as library functions: load and check the data a description names, train, and
//! evaluate a network on a data set. The command line only adds files, pictures and progress.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::data::{self, check_labels, yinyang, Dataset, Split};
use super::error::TtfsError;
use super::model_file::StoredModel;
use super::network::Network;
use super::spec::{DataSource, Keep, TtfsSpec};
use super::train::{self, EpochRecord, Evaluation, Patterns, Trained};
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
        let inputs = train.n_features();
        for set in validation.iter().chain([&test]) {
            same_features(set, inputs, &format!("the training set {}", train.name()))?;
        }
        for set in [&train].into_iter().chain(&validation).chain([&test]) {
            check_labels(set, spec.classes(), set.name())?;
        }
        let encode = |d: &Dataset| Patterns::encode(d, &spec.encoding);
        Ok(Self {
            train: encode(&train),
            validation: validation.as_ref().map(encode),
            test: encode(&test),
            spec,
        })
    }

    /// Train from the seeded initial network; `stop` ends training after the current batch (the
    /// best network so far is then evaluated and kept), `on_epoch` sees every epoch's record.
    pub fn run(&self, stop: &AtomicBool, on_epoch: impl FnMut(&EpochRecord)) -> TrainOutcome {
        let started = Instant::now();
        let network = train::initial_network(&self.spec, self.train.n_inputs());
        let trained = train::train(
            &self.spec,
            network,
            &self.train,
            self.validation.as_ref(),
            stop,
            on_epoch,
        );
        let threads = train::worker_threads(self.spec.training.threads);
        let keep = self.spec.training.keep;
        let evaluate = |network| train::evaluate(network, &self.test, &self.spec.loss, threads);
        let last = evaluate(&trained.network);
        let best = evaluate(&trained.best);
        let test_accuracy_last_best = (last.accuracy, best.accuracy);
        let test = if std::ptr::eq(kept(&trained, keep), &trained.network) {
            last
        } else {
            best
        };
        TrainOutcome {
            trained,
            keep,
            test,
            test_accuracy_last_best,
            wall_seconds: started.elapsed().as_secs_f64(),
            threads,
        }
    }
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

/// Whether `set` fits `network`: its labels the output layer, its feature count the inputs.
pub fn check_fits(network: &Network, set: &Dataset) -> Result<(), TtfsError> {
    check_labels(set, network.n_outputs(), set.name())?;
    same_features(set, network.n_inputs(), "the network")
}

/// Evaluate a stored model on `set`, which must fit it ([`check_fits`]).
pub fn evaluate(
    model: &StoredModel,
    set: &Dataset,
    threads: usize,
) -> Result<Evaluation, TtfsError> {
    let network = &model.network;
    check_fits(network, set)?;
    let patterns = Patterns::encode(set, &model.encoding);
    Ok(train::evaluate(
        network,
        &patterns,
        &model.loss,
        train::worker_threads(threads),
    ))
}

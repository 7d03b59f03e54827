//! Training and evaluating a layered first-spike network the way the reference does
//! (fastAndDeep v1.0.0 `training.py`): mini-batches of shuffled patterns; after each forward
//! pass, weight bumping if a layer has too many silent neurons (hidden layers first; the bumped
//! batch makes no update); otherwise the batch-mean loss's exact gradients, clipped per pattern
//! and neuron, and one Adam step; the learning rate follows a step schedule per epoch; the
//! validation set is evaluated after every epoch.
//!
//! The patterns of a batch are spread over threads, but every random number belongs to a pattern,
//! a layer or an epoch ([`crate::rng::ttfs_stream`]) and the per-pattern gradients are summed in
//! pattern order, so the results are bitwise the same for any number of threads.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};

use super::data::Dataset;
use super::loss::{prediction, LossParams};
use super::network::{Bias, Layer, Network, Trace};
use super::neuron::FirstSpikeNeuron;
use super::optimizer::Adam;
use super::spec::{Encoding, TtfsSpec};
use crate::rng::ttfs_stream;

/// A data set encoded as input spike times.
#[derive(Clone, Debug)]
pub struct Patterns {
    times: Vec<f64>,
    n_inputs: usize,
    labels: Vec<usize>,
}

impl Patterns {
    /// Encode every pattern of `data` as input spike times.
    pub fn encode(data: &Dataset, encoding: &Encoding) -> Self {
        let n_inputs = encoding.inputs(data.n_features());
        let mut times = Vec::with_capacity(data.len() * n_inputs);
        for i in 0..data.len() {
            encoding.encode_into(data.sample(i), &mut times);
        }
        Self {
            times,
            n_inputs,
            labels: data.labels().to_vec(),
        }
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of inputs per pattern.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// Input spike times of pattern `i` [ms].
    pub fn input(&self, i: usize) -> &[f64] {
        &self.times[i * self.n_inputs..(i + 1) * self.n_inputs]
    }

    /// Class of pattern `i`.
    pub fn label(&self, i: usize) -> usize {
        self.labels[i]
    }
}

/// Which noise a forward pass draws: its purpose (`train`, `validation`, `evaluate`) and a
/// number unique within it (the pattern's, offset by the epoch's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trial {
    /// What the pass is for.
    pub purpose: &'static str,
    /// Its number within the purpose.
    pub number: u64,
}

impl Trial {
    /// The trial `offset` numbers after this one.
    pub fn after(self, offset: usize) -> Self {
        Self {
            number: self.number + offset as u64,
            ..self
        }
    }
}

/// What runs a network's forward passes: the ideal model, or an emulated chip.
pub trait Substrate: Sync {
    /// The forward pass of `network` on input spike times `input` [ms] as trial `trial`; leaves
    /// in `trace` the spike times observed and what the ideal network's backward pass needs.
    fn forward(&self, network: &Network, input: &[f64], trial: Trial, trace: &mut Trace);

    /// Keep the weights of `network` within what the substrate realises (after every update).
    fn constrain(&self, _network: &mut Network) {}
}

/// The ideal model: the exact first spikes of the network as described, noise-free.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ideal;

impl Substrate for Ideal {
    fn forward(&self, network: &Network, input: &[f64], _trial: Trial, trace: &mut Trace) {
        network.forward(input, trace);
    }
}

/// The network of `spec` with its seeded initial weights, for `n_inputs` inputs: layer l's
/// weights are drawn in row order (neuron by neuron, bias last) from stream `weights`, l.
pub fn initial_network(spec: &TtfsSpec, n_inputs: usize) -> Network {
    let mut n_in = n_inputs;
    let mut layers = Vec::with_capacity(spec.layers.len());
    for (l, s) in spec.layers.iter().enumerate() {
        let width = n_in + Bias::inputs(s.bias);
        let normal = Normal::new(s.weight_mean, s.weight_std).expect("validated");
        let mut rng = ttfs_stream(spec.seed, "weights", l as u64);
        let weights = (0..width * s.size)
            .map(|_| normal.sample(&mut rng))
            .collect();
        let neuron = FirstSpikeNeuron::new(&s.neuron);
        layers.push(Layer::new(neuron, n_in, s.size, s.bias, weights));
        n_in = s.size;
    }
    Network::new(layers)
}

/// Results of a network on a set of patterns.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss.
    pub loss: f64,
    /// Fraction of patterns whose label neuron fires first.
    pub accuracy: f64,
    /// Output spike times [ms], one row of `classes` per pattern (∞ = no spike).
    pub times: Vec<f64>,
    /// Predicted class of each pattern (`None` if no output neuron fires).
    pub predictions: Vec<Option<usize>>,
    /// The patterns' labels.
    pub labels: Vec<usize>,
}

impl Evaluation {
    /// Counts of (label, prediction), row-major `classes × (classes + 1)`; the last column
    /// counts patterns for which no output neuron fires.
    pub fn confusion(&self, classes: usize) -> Vec<u64> {
        let mut counts = vec![0; classes * (classes + 1)];
        for (&label, p) in self.labels.iter().zip(&self.predictions) {
            counts[label * (classes + 1) + p.unwrap_or(classes)] += 1;
        }
        counts
    }
}

/// One epoch's record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochRecord {
    /// Epoch, counted from 1.
    pub epoch: usize,
    /// Learning rate of the epoch.
    pub lr: f64,
    /// Mean loss over the epoch's training patterns (as they were met, before each update).
    pub train_loss: f64,
    /// Accuracy over the epoch's training patterns, likewise.
    pub train_accuracy: f64,
    /// Validation loss after the epoch (NaN without a validation set).
    pub validation_loss: f64,
    /// Validation accuracy after the epoch (NaN without a validation set).
    pub validation_accuracy: f64,
    /// Batches that made an Adam step.
    pub updates: usize,
    /// Batches that bumped weights instead.
    pub bumps: usize,
}

/// What training leaves.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The network after the last epoch run.
    pub network: Network,
    /// The network after the epoch of highest validation accuracy (the earliest of equals).
    pub best: Network,
    /// That epoch (0: the initial network).
    pub best_epoch: usize,
    /// One record per epoch run.
    pub history: Vec<EpochRecord>,
    /// Networks stored after the checkpoint epochs that were reached.
    pub checkpoints: Vec<(usize, Network)>,
    /// Whether every epoch ran (false when stopped through the interrupt flag).
    pub completed: bool,
}

/// Patterns per block: a batch is cut into blocks of this many consecutive patterns whatever
/// the number of threads; sums run in pattern order within a block and in block order across
/// blocks, so results do not depend on the number of threads.
const BLOCK: usize = 8;

/// What the forward passes of a block (or a batch) of training patterns leave.
struct ForwardStats {
    loss: f64,
    correct: usize,
    /// Per layer, the number of (pattern, neuron) pairs without a spike.
    silent: Vec<usize>,
    /// Per layer, whether each neuron stayed silent for some pattern.
    silent_any: Vec<Vec<bool>>,
}

impl ForwardStats {
    fn new(network: &Network) -> Self {
        Self {
            loss: 0.0,
            correct: 0,
            silent: vec![0; network.layers().len()],
            silent_any: network
                .layers()
                .iter()
                .map(|l| vec![false; l.n_out()])
                .collect(),
        }
    }

    fn add(&mut self, other: &ForwardStats) {
        self.loss += other.loss;
        self.correct += other.correct;
        for l in 0..self.silent.len() {
            self.silent[l] += other.silent[l];
            self.silent_any[l]
                .iter_mut()
                .zip(&other.silent_any[l])
                .for_each(|(a, b)| *a |= b);
        }
    }
}

/// One training batch: which patterns, and how their inputs are made.
struct Batch<'a> {
    spec: &'a TtfsSpec,
    substrate: &'a dyn Substrate,
    patterns: &'a Patterns,
    indices: &'a [usize],
    /// Stream number of the input noise of pattern 0 in this epoch.
    noise_base: u64,
    threads: usize,
}

impl Batch<'_> {
    /// Put the (noisy) input of the batch's pattern `k` into `s.input`; returns its label.
    fn input(&self, s: &mut Scratch, k: usize) -> usize {
        let i = self.indices[k];
        s.trial = Trial {
            purpose: "train",
            number: self.noise_base + i as u64,
        };
        s.input.clear();
        s.input.extend_from_slice(self.patterns.input(i));
        let sd = self.spec.training.input_noise;
        if sd > 0.0 {
            add_noise(&mut s.input, sd, self.spec.seed, self.noise_base + i as u64);
        }
        self.patterns.label(i)
    }

    /// Forward pass and loss of pattern `k`; leaves ∂L/∂t of the outputs in `s.delta`.
    fn forward(&self, network: &Network, s: &mut Scratch, k: usize) -> (f64, bool) {
        let label = self.input(s, k);
        self.substrate
            .forward(network, &s.input, s.trial, &mut s.trace);
        let output = s.trace.output();
        s.delta.resize(output.len(), 0.0);
        let loss = self
            .spec
            .loss
            .evaluate(output, label, output_tau(network), &mut s.delta);
        (loss, prediction(output) == Some(label))
    }

    /// `f(scratch, range)` for each block of the batch, on the worker threads, in block order.
    fn per_block<T: Send>(
        &self,
        f: impl Fn(&mut Scratch, std::ops::Range<usize>) -> T + Sync,
    ) -> Vec<T> {
        let n = self.indices.len();
        parallel_map(n.div_ceil(BLOCK), self.threads, Scratch::default, |s, b| {
            f(s, b * BLOCK..((b + 1) * BLOCK).min(n))
        })
    }

    /// Losses, accuracy and silent neurons of the batch.
    fn statistics(&self, network: &Network) -> ForwardStats {
        let blocks = self.per_block(|s, range| {
            let mut stats = ForwardStats::new(network);
            for k in range {
                let (loss, correct) = self.forward(network, s, k);
                stats.loss += loss;
                stats.correct += usize::from(correct);
                for (l, times) in s.trace.outputs.iter().enumerate() {
                    for (j, t) in times.iter().enumerate() {
                        if !t.is_finite() {
                            stats.silent[l] += 1;
                            stats.silent_any[l][j] = true;
                        }
                    }
                }
            }
            stats
        });
        let mut total = ForwardStats::new(network);
        blocks.iter().for_each(|b| total.add(b));
        total
    }

    /// Gradients of the batch-mean loss (each pattern's clipped as the reference does).
    fn gradients(&self, network: &Network) -> Vec<Vec<f64>> {
        let scale = 1.0 / self.indices.len() as f64;
        let max_dw = self.spec.training.max_dw_norm;
        let blocks = self.per_block(|s, range| {
            let mut grads = network.zero_gradients();
            for k in range {
                self.forward(network, s, k);
                s.delta.iter_mut().for_each(|d| *d *= scale);
                network.backward(&s.trace, &s.delta, max_dw, &mut grads);
            }
            grads
        });
        let mut total = network.zero_gradients();
        for block in &blocks {
            for (g, b) in total.iter_mut().zip(block) {
                g.iter_mut().zip(b).for_each(|(a, b)| *a += b);
            }
        }
        total
    }
}

/// A thread's scratch space.
#[derive(Default)]
struct Scratch {
    trace: Trace,
    trial: Trial,
    input: Vec<f64>,
    delta: Vec<f64>,
}

/// Train `network` as `spec` says on `train`, its forward passes run on `substrate`, evaluating
/// `validation` (if any) after each epoch; `on_epoch` sees every record as it is made; setting
/// `stop` ends training after the current batch. Without a validation set the best network is
/// the last one.
pub fn train(
    spec: &TtfsSpec,
    substrate: &dyn Substrate,
    mut network: Network,
    train: &Patterns,
    validation: Option<&Patterns>,
    stop: &AtomicBool,
    mut on_epoch: impl FnMut(&EpochRecord),
) -> Trained {
    let t = &spec.training;
    let threads = worker_threads(t.threads);
    let mut adam = Adam::new(&network.zero_gradients());
    let mut bumper = Bumper::new(t.bump, t.bump_doubling);
    let validate = |network: &Network, epoch: usize| {
        validation.map_or((f64::NAN, f64::NAN), |v| {
            let trials = Trial {
                purpose: "validation",
                number: (epoch * v.len()) as u64,
            };
            let e = evaluate(network, v, &spec.loss, threads, substrate, trials);
            (e.loss, e.accuracy)
        })
    };
    let mut best = (validate(&network, 0).1, 0);
    let mut best_network = network.clone();
    let mut history = Vec::with_capacity(t.epochs);
    let mut checkpoints = Vec::new();
    let mut order = Vec::with_capacity(train.len());
    let mut completed = true;
    'epochs: for epoch in 0..t.epochs {
        let lr = t.schedule.lr(epoch);
        epoch_order(spec.seed, epoch, train.len(), &mut order);
        let (mut loss_sum, mut correct, mut seen, mut updates, mut bumps) = (0.0, 0, 0, 0, 0);
        for batch in order.chunks(t.batch) {
            if stop.load(Ordering::Relaxed) {
                completed = false;
                break 'epochs;
            }
            let batch = Batch {
                spec,
                substrate,
                patterns: train,
                indices: batch,
                noise_base: (epoch * train.len()) as u64,
                threads,
            };
            let stats = batch.statistics(&network);
            loss_sum += stats.loss;
            correct += stats.correct;
            seen += batch.indices.len();
            if bumper.bump(&mut network, spec, &stats, batch.indices.len()) {
                substrate.constrain(&mut network);
                bumps += 1;
                continue;
            }
            let grads = batch.gradients(&network);
            adam.step(
                lr,
                network.layers_mut().iter_mut().map(Layer::weights_mut),
                &grads,
            );
            substrate.constrain(&mut network);
            updates += 1;
        }
        let (validation_loss, validation_accuracy) = validate(&network, epoch + 1);
        let record = EpochRecord {
            epoch: epoch + 1,
            lr,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            validation_loss,
            validation_accuracy,
            updates,
            bumps,
        };
        // Without validation (NaN) every epoch is the best so far.
        if validation_accuracy.is_nan() || validation_accuracy > best.0 {
            best = (validation_accuracy, epoch + 1);
            best_network = network.clone();
        }
        if t.checkpoints.contains(&(epoch + 1)) {
            checkpoints.push((epoch + 1, network.clone()));
        }
        on_epoch(&record);
        history.push(record);
    }
    Trained {
        network,
        best: best_network,
        best_epoch: best.1,
        history,
        checkpoints,
        completed,
    }
}

/// Put the order in which [`train`] takes `patterns` patterns in epoch `epoch` (from 0) for
/// master `seed` into `order`: 0..patterns shuffled by the epoch's own stream.
pub fn epoch_order(seed: u64, epoch: usize, patterns: usize, order: &mut Vec<usize>) {
    order.clear();
    order.extend(0..patterns);
    order.shuffle(&mut ttfs_stream(seed, "shuffle", epoch as u64));
}

/// tau_syn of the output layer [ms]: the loss's time unit.
pub fn output_tau(network: &Network) -> f64 {
    network
        .layers()
        .last()
        .map_or(1.0, |l| l.neuron().params().tau_syn)
}

/// Gaussian noise of `sd` [ms] on every input time, drawn from the pattern's own stream;
/// negative times are reflected.
fn add_noise(input: &mut [f64], sd: f64, seed: u64, number: u64) {
    let normal = Normal::new(0.0, sd).expect("validated");
    let mut rng = ttfs_stream(seed, "noise", number);
    for t in input.iter_mut() {
        *t = (*t + normal.sample(&mut rng)).abs();
    }
}

/// Weight bumping: when a layer has too many silent neurons in a batch, raise the incoming
/// weights of each neuron that was silent in any of its patterns.
struct Bumper {
    base: f64,
    doubling: bool,
    /// The layer bumped in the previous batch and by how much.
    last: Option<(usize, f64)>,
}

impl Bumper {
    fn new(base: f64, doubling: bool) -> Self {
        Self {
            base,
            doubling,
            last: None,
        }
    }

    /// Bump the first layer (input side first) whose silent fraction exceeds its `max_missing`;
    /// returns whether one was bumped.
    fn bump(
        &mut self,
        network: &mut Network,
        spec: &TtfsSpec,
        stats: &ForwardStats,
        patterns: usize,
    ) -> bool {
        for (l, layer_spec) in spec.layers.iter().enumerate() {
            let fraction = stats.silent[l] as f64 / (layer_spec.size * patterns) as f64;
            if fraction <= layer_spec.max_missing {
                continue;
            }
            let amount = match self.last {
                Some((last, amount)) if last == l && self.doubling => 2.0 * amount,
                _ => self.base,
            };
            self.last = Some((l, amount));
            let layer = &mut network.layers_mut()[l];
            let width = layer.width();
            let silent = &stats.silent_any[l];
            for (row, _) in layer
                .weights_mut()
                .chunks_exact_mut(width)
                .zip(silent)
                .filter(|(_, &s)| s)
            {
                row.iter_mut().for_each(|w| *w += amount);
            }
            return true;
        }
        self.last = None;
        false
    }
}

/// Evaluate `network` on `patterns`, run on `substrate`; pattern i is trial `trials.after(i)`.
pub fn evaluate(
    network: &Network,
    patterns: &Patterns,
    loss: &LossParams,
    threads: usize,
    substrate: &dyn Substrate,
    trials: Trial,
) -> Evaluation {
    let classes = network.n_outputs();
    let tau = output_tau(network);
    let rows = parallel_map(patterns.len(), threads, Scratch::default, |s, i| {
        substrate.forward(network, patterns.input(i), trials.after(i), &mut s.trace);
        let output = s.trace.output().to_vec();
        s.delta.resize(classes, 0.0);
        let l = loss.evaluate(&output, patterns.label(i), tau, &mut s.delta);
        (output, l)
    });
    let predictions: Vec<Option<usize>> = rows.iter().map(|(o, _)| prediction(o)).collect();
    let labels: Vec<usize> = (0..patterns.len()).map(|i| patterns.label(i)).collect();
    let correct = predictions
        .iter()
        .zip(&labels)
        .filter(|(p, &l)| **p == Some(l))
        .count();
    let n = patterns.len().max(1) as f64;
    Evaluation {
        loss: rows.iter().map(|(_, l)| l).sum::<f64>() / n,
        accuracy: correct as f64 / n,
        times: rows.into_iter().flat_map(|(o, _)| o).collect(),
        predictions,
        labels,
    }
}

/// Threads to use for `requested` (0: those of the pool the job runs in, see
/// [`crate::threads`]: one per core unless chosen).
pub fn worker_threads(requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    rayon::current_num_threads()
}

/// `f(scratch, i)` for i in 0..n, on up to `threads` threads (contiguous ranges, one scratch
/// each), results in index order.
fn parallel_map<S, T: Send>(
    n: usize,
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        let mut scratch = init();
        return (0..n).map(|i| f(&mut scratch, i)).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                let (init, f) = (&init, &f);
                scope.spawn(move || {
                    let mut scratch = init();
                    (w * chunk..((w + 1) * chunk).min(n))
                        .map(|i| f(&mut scratch, i))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker panicked"))
            .collect()
    })
}

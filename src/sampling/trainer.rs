//! Online training of sampling networks (`exactspike train`), contrastive-divergence-like as in
//! sbs: after every `interval` of sampling, each network's Boltzmann parameters move by
//! `ΔW_ij = η(k)(⟨z_i z_j⟩* − ⟨z_i z_j⟩_k)` and `Δb_i = η(k)(⟨z_i⟩* − ⟨z_i⟩_k)`, where the target
//! moments are exact (from p*) and the sampled ones are the exact occupancy of that network over
//! the last interval. The changes go into the running network (no rebuild): `b` moves `v_rest`
//! by `α Δb`, and `W_ij` sets the synapse `i → j` to `|W_ij|` times the postsynaptic factor of
//! the excitatory (`W ≥ 0`) or inhibitory (`W < 0`) receptor, both factors fixed at the initial
//! translation. Every network is trained on its own, with its own noise.
//!
//! On an emulated chip (see [`crate::chip::sampling`]) only the digital parameters change, as in
//! Kungl et al. (2019): W and b are full-precision shadow weights, kept within the range the
//! chip's weights can realise; each update sets the synapses between units and from the bias
//! neuron to their quantised values through the chip (its gains and rows), and the analog leak
//! potentials stay where they were written.

use std::sync::atomic::AtomicBool;

use super::boltzmann::moments;
use super::divergence::dkl_sampled_target;
use super::occupancy::Occupancy;
use super::on_chip::BIAS;
use super::prepare::TrainingJob;
use super::readout::SamplingReadout;
use super::training::TrainingSpec;
use crate::chip::sampling::{Digital, Input, SamplingChip};
use crate::engine::{RunSummary, Simulation};
use crate::neuron::Receptor;
use crate::record::{RecordError, Recorder};

/// What the training did, update by update.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingHistory {
    /// Time of each update [ms, absolute].
    pub times: Vec<f64>,
    /// η of each update.
    pub learning_rate: Vec<f64>,
    /// End of each D_KL window [ms, absolute].
    pub window_ends: Vec<f64>,
    /// D_KL(p̂_w ‖ p*) [nats] of the distribution sampled during each window of
    /// `updates_per_window` updates, `[window][network]`.
    pub dkl_window: Vec<Vec<f64>>,
    /// W after each update, `[update][network][i][j]` flattened.
    pub weights: Vec<f64>,
    /// b after each update, `[update][network][i]` flattened.
    pub biases: Vec<f64>,
}

/// The trainable parameters of every network and the synapses they drive.
pub struct Trainer {
    spec: TrainingSpec,
    n: usize,
    /// Activation width α [mV]: v_rest moves by α per unit of bias.
    alpha: f64,
    /// Conductance per unit weight of each postsynaptic unit [µS] (excitatory, inhibitory), of
    /// each network.
    factors: Vec<[Vec<f64>; 2]>,
    /// ⟨z_i z_j⟩* (with ⟨z_i⟩* on the diagonal), n×n, of each network's target.
    target: Vec<Vec<f64>>,
    /// p* of each network's target.
    p_target: Vec<Vec<f64>>,
    /// W of each network, n×n.
    weights: Vec<Vec<f64>>,
    /// b of each network.
    biases: Vec<Vec<f64>>,
    /// Synapse indices (excitatory, inhibitory) of `i → j` in network `k` at `(k·n + i)·n + j`.
    synapses: Vec<[usize; 2]>,
    /// The emulated chip, if the networks run on one.
    chip: Option<ChipTraining>,
    history: TrainingHistory,
}

/// What the trainer needs of an emulated chip.
struct ChipTraining {
    chip: SamplingChip,
    /// Synapse indices (excitatory, inhibitory) from the bias neuron to each sampler.
    bias: Vec<[usize; 2]>,
    /// The samplers' leak potential [mV].
    v_leak: f64,
}

impl Trainer {
    /// A trainer for `job` running in `sim` (made from `job`'s experiment), starting every
    /// network from its own target's W and b.
    pub(crate) fn new(job: &TrainingJob, sim: &Simulation) -> Self {
        let (spec, prepared) = (job.training, &job.sampling);
        let sampling_spec = &prepared.spec;
        let (n, networks) = (sampling_spec.n(), sampling_spec.networks);
        let node = |neuron: u32| sim.neuron_node(neuron).expect("sampler neuron");
        let mut synapses = Vec::with_capacity(networks * n * n);
        for k in 0..networks {
            for i in 0..n {
                for j in 0..n {
                    let (pre, post) = (sampler(n, k, i), sampler(n, k, j));
                    let find = |receptor| {
                        if i == j {
                            return usize::MAX;
                        }
                        sim.find_synapse(node(pre), post, receptor)
                            .expect("train jobs lower every pair with both receptors")
                    };
                    synapses.push([find(Receptor::Excitatory), find(Receptor::Inhibitory)]);
                }
            }
        }
        let chip = prepared.chip.as_ref().map(|chip| {
            let population = (prepared.experiment.populations().iter())
                .position(|p| p.name == BIAS)
                .expect("chip networks have a bias neuron");
            let bias = sim.population_node(population, 0).expect("bias node");
            let find = |post: usize, receptor| {
                sim.find_synapse(bias, post as u32, receptor)
                    .expect("train jobs lower both bias receptors")
            };
            ChipTraining {
                chip: chip.clone(),
                bias: (0..networks * n)
                    .map(|c| [find(c, Receptor::Excitatory), find(c, Receptor::Inhibitory)])
                    .collect(),
                v_leak: prepared.activation.v_p05,
            }
        });
        let each = |k: usize| {
            (
                sampling_spec.target(k),
                prepared.translation(k),
                prepared.p_target(k),
            )
        };
        Self {
            spec,
            n,
            alpha: prepared.activation.alpha,
            factors: (0..networks)
                .map(|k| {
                    let t = each(k).1;
                    [t.weight_factor_exc.clone(), t.weight_factor_inh.clone()]
                })
                .collect(),
            target: (0..networks).map(|k| moments(each(k).2, n).1).collect(),
            p_target: (0..networks).map(|k| each(k).2.to_vec()).collect(),
            weights: (0..networks)
                .map(|k| each(k).0.weights().concat())
                .collect(),
            biases: (0..networks).map(|k| each(k).0.biases().to_vec()).collect(),
            synapses,
            chip,
            history: TrainingHistory::default(),
        }
    }

    /// Run the training updates, then the rest of the simulation with the trained parameters.
    /// Stops early (with the interrupted summary) when `interrupt` is raised.
    pub fn run(
        &mut self,
        sim: &mut Simulation,
        readout: &mut TrainingReadout,
        interrupt: Option<&AtomicBool>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<RunSummary, RecordError> {
        for k in 0..self.spec.iterations {
            let t = readout.start + (k + 1) as f64 * self.spec.interval;
            let summary = sim.run_until(t, readout, interrupt, progress)?;
            if !summary.termination.is_completed() {
                return Ok(summary);
            }
            let sampled = readout.take_interval(t);
            self.update(sim, k, t, &sampled);
            if (k + 1) % self.spec.updates_per_window == 0 || k + 1 == self.spec.iterations {
                let window = readout.take_window(t);
                self.close_window(t, &window);
            }
        }
        sim.run(readout, interrupt, progress)
    }

    /// Update `k` at time `t` [ms] from each network's distribution over the last interval.
    fn update(&mut self, sim: &mut Simulation, k: usize, t: f64, sampled: &[Vec<f64>]) {
        let (n, eta) = (self.n, self.spec.learning_rate.eta(k));
        for (net, p_hat) in sampled.iter().enumerate() {
            let pairwise = moments(p_hat, n).1;
            let target = &self.target[net];
            let step = |i: usize, j: usize| eta * (target[i * n + j] - pairwise[i * n + j]);
            for i in 0..n {
                let db = step(i, i);
                self.biases[net][i] = self.limited(net, Digital::Bias, self.biases[net][i] + db);
                match &self.chip {
                    Some(on_chip) => {
                        let post = (net * n + i) as u32;
                        let b = self.biases[net][i];
                        let g = self.chip_conductance(net, Input::Bias, b, i);
                        set_pair(sim, on_chip.bias[post as usize], g);
                    }
                    None => sim
                        .shift_v_rest(sampler(n, net, i), self.alpha * db)
                        .expect("finite shift"),
                }
                for j in 0..n {
                    if j != i {
                        let w = self.weights[net][i * n + j] + step(i, j);
                        self.weights[net][i * n + j] = self.limited(net, Digital::Weight, w);
                        self.apply_weight(sim, net, i, j);
                    }
                }
            }
            self.history.weights.extend(&self.weights[net]);
            self.history.biases.extend(&self.biases[net]);
        }
        self.history.times.push(t);
        self.history.learning_rate.push(eta);
    }

    /// Record the D_KL of each network's distribution over the window ending at `t` [ms].
    fn close_window(&mut self, t: f64, sampled: &[Vec<f64>]) {
        let dkl = sampled
            .iter()
            .zip(&self.p_target)
            .map(|(p_hat, p_star)| dkl_sampled_target(p_hat, p_star).expect("2^n states"))
            .collect();
        self.history.window_ends.push(t);
        self.history.dkl_window.push(dkl);
    }

    /// Set the synapses of `i → j` in network `net` from its current `W_ij`.
    fn apply_weight(&self, sim: &mut Simulation, net: usize, i: usize, j: usize) {
        let n = self.n;
        let g = self.synaptic_weight(net, i, j, self.weights[net][i * n + j]);
        set_pair(sim, self.synapses[(net * n + i) * n + j], g);
    }

    /// `w` kept within what network `net`'s weights or biases (`digital`) can realise on the
    /// chip (unchanged off chip).
    fn limited(&self, net: usize, digital: Digital, w: f64) -> f64 {
        match &self.chip {
            Some(on_chip) => {
                let max = on_chip.chip.max_value(net, digital);
                w.clamp(-max, max)
            }
            None => w,
        }
    }

    /// The signed conductance [µS, negative: inhibitory] that realises weight or bias `w` of
    /// network `net` from `input` onto its unit `j` on the chip.
    fn chip_conductance(&self, net: usize, input: Input, w: f64, j: usize) -> f64 {
        let on_chip = self.chip.as_ref().expect("on a chip");
        let [exc, inh] = &self.factors[net];
        let post = net * self.n + j;
        match (on_chip.chip).conductance(net, post, input, w, [exc[j], inh[j]]) {
            (Receptor::Excitatory, g) => g,
            (Receptor::Inhibitory, g) => -g,
        }
    }

    /// The trained W of every network, `[network][i·n + j]`.
    pub fn weights(&self) -> &[Vec<f64>] {
        &self.weights
    }

    /// The trained b of every network, `[network][i]`.
    pub fn biases(&self) -> &[Vec<f64>] {
        &self.biases
    }

    /// The conductance of `i → j` in network `net` for a weight `w` [µS, negative: inhibitory]
    /// (on a chip: quantised, through the chip).
    pub fn synaptic_weight(&self, net: usize, i: usize, j: usize, w: f64) -> f64 {
        if self.chip.is_some() {
            return self.chip_conductance(net, Input::Unit(i), w, j);
        }
        let [exc, inh] = &self.factors[net];
        if w >= 0.0 {
            w * exc[j]
        } else {
            w * inh[j]
        }
    }

    /// The resting potential [mV] of unit `i` of network `net` after training, whose translated
    /// resting potential was `translated` [mV] for bias `b0`: moved by α·(b − b0), or on a chip
    /// the leak potential, which training does not change.
    pub fn v_rest(&self, net: usize, i: usize, translated: f64, b0: f64) -> f64 {
        match &self.chip {
            Some(on_chip) => on_chip.v_leak,
            None => translated + self.alpha * (self.biases[net][i] - b0),
        }
    }

    /// Activation width α [mV] used to turn biases into resting potentials.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The history so far.
    pub fn history(&self) -> &TrainingHistory {
        &self.history
    }
}

/// Set an (excitatory, inhibitory) pair of synapses to signed conductance `g` [µS, negative:
/// inhibitory].
fn set_pair(sim: &mut Simulation, [exc, inh]: [usize; 2], g: f64) {
    sim.set_weight(exc, g.max(0.0)).expect("finite weight ≥ 0");
    sim.set_weight(inh, (-g).max(0.0))
        .expect("finite weight ≥ 0");
}

/// Global neuron index of unit `i` of network `k` in a lowered sampling job of `n` units per
/// network (see [`super::lower`]).
fn sampler(n: usize, k: usize, i: usize) -> u32 {
    (k * n + i) as u32
}

/// A [`SamplingReadout`] (the sampling after training) that also keeps one exact occupancy per
/// network from the end of the burn-in, to measure each training interval.
pub struct TrainingReadout<'a> {
    sampling: SamplingReadout<'a>,
    slot: usize,
    n: usize,
    /// End of the burn-in, where training starts [ms].
    start: f64,
    /// End of the training [ms]; later spikes only go to the sampling readout.
    end: f64,
    networks: Vec<Occupancy>,
    /// Per network, the cumulative durations at the last [`Mark`]s.
    marks: Vec<[Vec<f64>; 2]>,
}

/// The two running measurements of a [`TrainingReadout`].
#[derive(Clone, Copy)]
enum Mark {
    /// One training interval.
    Interval,
    /// One D_KL window.
    Window,
}

impl<'a> TrainingReadout<'a> {
    /// Wrap `sampling`, reading the `networks` networks of `tau_on.len()` units from spike slot
    /// `slot` (neuron `k·n + i` is unit `i` of network `k`; spikes of further neurons are only
    /// passed on), training over `[start, end]` [ms].
    pub fn new(
        sampling: SamplingReadout<'a>,
        slot: usize,
        tau_on: &[f64],
        networks: usize,
        start: f64,
        end: f64,
    ) -> Self {
        let occupancy = || Occupancy::new(tau_on.to_vec(), start).expect("validated windows");
        Self {
            sampling,
            slot,
            n: tau_on.len(),
            start,
            end,
            networks: (0..networks).map(|_| occupancy()).collect(),
            marks: vec![[vec![0.0; 1 << tau_on.len()], vec![0.0; 1 << tau_on.len()]]; networks],
        }
    }

    /// Each network's distribution over the interval since the last call (or the start) up to
    /// `t` [ms], `[network][state]`.
    pub fn take_interval(&mut self, t: f64) -> Vec<Vec<f64>> {
        self.take(t, Mark::Interval)
    }

    /// Each network's distribution since the last call (or the start) up to `t` [ms], for the
    /// D_KL windows.
    pub fn take_window(&mut self, t: f64) -> Vec<Vec<f64>> {
        self.take(t, Mark::Window)
    }

    fn take(&mut self, t: f64, mark: Mark) -> Vec<Vec<f64>> {
        self.networks
            .iter_mut()
            .zip(&mut self.marks)
            .map(|(occupancy, marks)| {
                occupancy.advance_to(t).expect("time moves forward");
                let before = &mut marks[mark as usize];
                let spent: Vec<f64> = occupancy
                    .durations()
                    .iter()
                    .zip(before.iter())
                    .map(|(now, before)| now - before)
                    .collect();
                before.copy_from_slice(occupancy.durations());
                let total: f64 = spent.iter().sum();
                spent.iter().map(|d| d / total).collect()
            })
            .collect()
    }

    /// The wrapped sampling readout (to finish it after the run).
    pub fn into_sampling(self) -> SamplingReadout<'a> {
        self.sampling
    }
}

impl Recorder for TrainingReadout<'_> {
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError> {
        let (k, i) = (sender as usize / self.n, sender as usize % self.n);
        if population == self.slot && t <= self.end && k < self.networks.len() {
            self.networks[k]
                .spike(i, t)
                .expect("spikes arrive in time order");
        }
        self.sampling.spike(population, sender, t)
    }

    fn sample(&mut self, signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError> {
        self.sampling.sample(signal, t, values)
    }

    fn reached(&mut self, t: f64) {
        self.sampling.reached(t);
    }
}

//! Online training of sampling networks (`exactspike train`), contrastive-divergence-like as in
//! sbs: after every `interval` of sampling, each network's Boltzmann parameters move by
//! `ΔW_ij = η(k)(⟨z_i z_j⟩* − ⟨z_i z_j⟩_k)` and `Δb_i = η(k)(⟨z_i⟩* − ⟨z_i⟩_k)`, where the target
//! moments are exact (from p*) and the sampled ones are the exact occupancy of that network over
//! the last interval. The changes go into the running network (no rebuild): `b` moves `v_rest`
//! by `α Δb`, and `W_ij` sets the synapse `i → j` to `|W_ij|` times the postsynaptic factor of
//! the excitatory (`W ≥ 0`) or inhibitory (`W < 0`) receptor, both factors fixed at the initial
//! translation. Every network is trained on its own, with its own noise.

use std::sync::atomic::AtomicBool;

use super::boltzmann::moments;
use super::divergence::dkl_sampled_target;
use super::occupancy::Occupancy;
use super::prepare::TrainingJob;
use super::readout::SamplingReadout;
use super::training::TrainingSpec;
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
    history: TrainingHistory,
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
                self.biases[net][i] += db;
                sim.shift_v_rest(sampler(n, net, i), self.alpha * db)
                    .expect("finite shift");
                for j in 0..n {
                    if j != i {
                        self.weights[net][i * n + j] += step(i, j);
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
        let g = self.synaptic_weight(net, self.weights[net][i * n + j], j);
        let [exc, inh] = self.synapses[(net * n + i) * n + j];
        sim.set_weight(exc, g.max(0.0)).expect("finite weight ≥ 0");
        sim.set_weight(inh, (-g).max(0.0))
            .expect("finite weight ≥ 0");
    }

    /// The trained W of every network, `[network][i·n + j]`.
    pub fn weights(&self) -> &[Vec<f64>] {
        &self.weights
    }

    /// The trained b of every network, `[network][i]`.
    pub fn biases(&self) -> &[Vec<f64>] {
        &self.biases
    }

    /// The conductance of `i → j` in network `net` for a weight `w` [µS, negative: inhibitory].
    pub fn synaptic_weight(&self, net: usize, w: f64, j: usize) -> f64 {
        let [exc, inh] = &self.factors[net];
        if w >= 0.0 {
            w * exc[j]
        } else {
            w * inh[j]
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

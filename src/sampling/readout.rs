//! The online readout of a sampling run: a [`Recorder`] that passes everything on and feeds the
//! samplers' spikes, as they happen, into one exact [`Occupancy`] per network, taking the
//! divergences at log-spaced checkpoints of sampling time.

use super::boltzmann::moments;
use super::divergence::{dkl_sampled_target, dkl_target_sampled, median, unvisited};
use super::occupancy::Occupancy;
use super::spec::per_network;
use crate::record::{RecordError, Recorder};

/// What a sampling run measured, per network.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingResult {
    /// Checkpoints [ms of sampling time after burn-in].
    pub checkpoints: Vec<f64>,
    /// D_KL(p̂ ‖ p*) [nats], `[checkpoint][network]`.
    pub dkl_sampled_target: Vec<Vec<f64>>,
    /// D_KL(p* ‖ p̂_s) [nats] with p̂ smoothed by one pseudo-sample of `tau_refrac` spread over all
    /// states, `[checkpoint][network]`.
    pub dkl_target_sampled: Vec<Vec<f64>>,
    /// States never visited, `[checkpoint][network]`.
    pub unvisited: Vec<Vec<u32>>,
    /// The sampled distribution at the end, `[network][state]`.
    pub p_sampled: Vec<Vec<f64>>,
    /// ⟨z_k⟩ at the end, `[network][unit]`.
    pub marginals: Vec<Vec<f64>>,
    /// ⟨z_i z_j⟩ at the end, `[network][i·n + j]`.
    pub pairwise: Vec<Vec<f64>>,
    /// Discrete states z(burn_in + k·interval) as state indices, `[network][k]`.
    pub samples: Vec<Vec<u32>>,
}

impl SamplingResult {
    /// The median over networks of the last D_KL(p̂ ‖ p*) checkpoint [nats], if any.
    pub fn final_median_dkl(&self) -> Option<f64> {
        median(self.dkl_sampled_target.last()?)
    }
}

/// Passes records on to `inner` and reads the sampled distributions out of spike-recorded
/// population `slot`, whose neuron `k·n + i` is unit `i` of network `k`.
pub struct SamplingReadout<'a> {
    inner: &'a mut dyn Recorder,
    slot: usize,
    n: usize,
    burn_in: f64,
    smoothing: f64,
    /// p* shared by every network, or one per network.
    p_star: Vec<Vec<f64>>,
    networks: Vec<Occupancy>,
    checkpoints: Vec<f64>,
    taken: SamplingResult,
}

impl<'a> SamplingReadout<'a> {
    /// A readout of `networks` networks of `tau_on.len()` units (each on for its `tau_on` [ms]
    /// after a spike) against `p_star` (one distribution over the `2^n` states shared by every
    /// network, or one per network), accounting from `burn_in` [ms], with D_KL taken at
    /// `checkpoints` [ms after burn-in] and discrete samples every `sample_interval` [ms].
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inner: &'a mut dyn Recorder,
        slot: usize,
        tau_on: &[f64],
        networks: usize,
        p_star: Vec<Vec<f64>>,
        burn_in: f64,
        checkpoints: Vec<f64>,
        sample_interval: f64,
    ) -> Self {
        let occupancy = || {
            Occupancy::new(tau_on.to_vec(), burn_in)
                .and_then(|o| o.with_samples(sample_interval))
                .expect("validated windows and interval")
        };
        Self {
            inner,
            slot,
            n: tau_on.len(),
            burn_in,
            smoothing: tau_on.iter().cloned().fold(0.0, f64::max),
            p_star,
            networks: (0..networks).map(|_| occupancy()).collect(),
            taken: SamplingResult {
                checkpoints: Vec::with_capacity(checkpoints.len()),
                dkl_sampled_target: Vec::new(),
                dkl_target_sampled: Vec::new(),
                unvisited: Vec::new(),
                p_sampled: Vec::new(),
                marginals: Vec::new(),
                pairwise: Vec::new(),
                samples: Vec::new(),
            },
            checkpoints,
        }
    }

    /// Take every checkpoint at or before `t` [ms, absolute].
    fn take_checkpoints(&mut self, t: f64) {
        while let Some(&c) = self.checkpoints.get(self.taken.checkpoints.len()) {
            if self.burn_in + c > t {
                break;
            }
            let (mut st, mut ts, mut un) = (Vec::new(), Vec::new(), Vec::new());
            for (k, occupancy) in self.networks.iter_mut().enumerate() {
                let p_star = &self.p_star[per_network(self.p_star.len(), k)];
                occupancy
                    .advance_to(self.burn_in + c)
                    .expect("checkpoints are increasing");
                let durations = occupancy.durations();
                let total = occupancy.elapsed();
                let p_hat: Vec<f64> = durations.iter().map(|d| d / total).collect();
                st.push(dkl_sampled_target(&p_hat, p_star).expect("same length"));
                ts.push(
                    dkl_target_sampled(p_star, durations, total, self.smoothing)
                        .expect("valid times"),
                );
                un.push(unvisited(durations) as u32);
            }
            self.taken.checkpoints.push(c);
            self.taken.dkl_sampled_target.push(st);
            self.taken.dkl_target_sampled.push(ts);
            self.taken.unvisited.push(un);
        }
    }

    /// Close the readout at `t_end` [ms, absolute]: remaining checkpoints up to it, and the final
    /// distributions.
    pub fn finish(mut self, t_end: f64) -> SamplingResult {
        self.take_checkpoints(t_end);
        for occupancy in &mut self.networks {
            occupancy.advance_to(t_end).expect("time moves forward");
            let total = occupancy.elapsed().max(f64::MIN_POSITIVE);
            let p: Vec<f64> = occupancy.durations().iter().map(|d| d / total).collect();
            let (marginals, pairwise) = moments(&p, self.n);
            self.taken.p_sampled.push(p);
            self.taken.marginals.push(marginals);
            self.taken.pairwise.push(pairwise);
            self.taken.samples.push(occupancy.samples().to_vec());
        }
        self.taken
    }
}

impl Recorder for SamplingReadout<'_> {
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError> {
        if population == self.slot {
            self.take_checkpoints(t);
            let (k, i) = (sender as usize / self.n, sender as usize % self.n);
            self.networks[k]
                .spike(i, t)
                .expect("spikes arrive in time order");
        }
        self.inner.spike(population, sender, t)
    }

    fn sample(&mut self, signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError> {
        self.inner.sample(signal, t, values)
    }

    fn reached(&mut self, t: f64) {
        self.inner.reached(t);
    }
}

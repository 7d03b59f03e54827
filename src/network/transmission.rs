//! Unreliable transmission: a synapse whose projection has `p_transmit < 1` receives each spike
//! of its presynaptic node only with that probability (NEST's `bernoulli_synapse`; the spike loss
//! of a neuromorphic chip's routing). A lost spike never reaches the synapse: its short-term
//! plasticity does not see it either.
//!
//! The draws are counter-based: whether synapse `k` receives the spike its node emitted at `t`
//! is decided by hashing the experiment's seed, `k` and the bits of `t` (SplitMix64), so the
//! outcome does not depend on the order in which deliveries are processed (event loop, windows,
//! threads). Every (spike, synapse) pair has its own draw, except spikes of one node at the same
//! time (a `SpikeSourceArray` may repeat a time): they share theirs.

use crate::rng::{name_key, splitmix64, Domain};

/// The transmission probability of every synapse, empty when every one is 1.
#[derive(Clone, Debug, Default)]
pub struct Transmission {
    /// Key of the draws, from the experiment's seed.
    key: u64,
    /// Per synapse (in [`super::Connectivity::synapses`] order), its probability in (0, 1].
    p: Vec<f64>,
}

impl Transmission {
    /// The table of synapses whose probabilities are `p` (in synapse order), for master `seed`
    /// (nothing is allocated when every one is 1).
    pub fn new(seed: u64, p: impl ExactSizeIterator<Item = f64> + Clone) -> Self {
        if p.clone().all(|p| p >= 1.0) {
            return Self::default();
        }
        Self {
            key: splitmix64(seed ^ name_key(Domain::Transmission, &[])),
            p: p.collect(),
        }
    }

    /// True when every synapse transmits every spike.
    pub fn is_reliable(&self) -> bool {
        self.p.is_empty()
    }

    /// Whether synapse `synapse` receives the spike its node emitted at `emitted` [ms].
    pub fn transmits(&self, synapse: usize, emitted: f64) -> bool {
        self.draw(synapse).is_none_or(|d| d.transmits(emitted))
    }

    /// The draws of synapse `synapse`, `None` if it receives every spike.
    pub fn draw(&self, synapse: usize) -> Option<Draw> {
        let p = *self.p.get(synapse)?;
        (p < 1.0).then(|| Draw {
            key: splitmix64(self.key ^ synapse as u64),
            p,
        })
    }
}

/// The transmission draws of one synapse: its key and probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Draw {
    key: u64,
    p: f64,
}

impl Draw {
    /// Whether the synapse receives the spike its node emitted at `emitted` [ms].
    #[inline]
    pub fn transmits(&self, emitted: f64) -> bool {
        let bits = splitmix64(self.key ^ emitted.to_bits());
        // The top 53 bits as a uniform number in [0, 1).
        ((bits >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < self.p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fraction_transmitted_is_binomial() {
        let table = Transmission::new(3, [0.924, 1.0, 0.5].into_iter());
        let spikes = 100_000;
        for (synapse, p) in [(0, 0.924), (2, 0.5)] {
            let passed = (0..spikes)
                .filter(|&k| table.transmits(synapse, 0.1 * k as f64))
                .count() as f64;
            let sd = (spikes as f64 * p * (1.0 - p)).sqrt();
            let mean = spikes as f64 * p;
            assert!(
                (passed - mean).abs() < 4.0 * sd,
                "{passed} vs {mean} ± {sd}"
            );
        }
        assert!((0..1000).all(|k| table.transmits(1, k as f64)));
        // Two synapses of one spike are drawn independently: they disagree about 2p(1 − p).
        let both = Transmission::new(3, [0.5, 0.5].into_iter());
        let differ = (0..spikes)
            .filter(|&k| both.transmits(0, k as f64) != both.transmits(1, k as f64))
            .count() as f64;
        assert!((differ - 0.5 * spikes as f64).abs() < 4.0 * (spikes as f64 * 0.25).sqrt());
    }

    #[test]
    fn reliable_tables_are_empty_and_seeds_differ() {
        assert!(Transmission::new(1, [1.0, 1.0].into_iter()).is_reliable());
        let a = Transmission::new(1, [0.5].into_iter());
        let b = Transmission::new(2, [0.5].into_iter());
        let same = (0..1000)
            .filter(|&k| a.transmits(0, k as f64) == b.transmits(0, k as f64))
            .count();
        assert!((400..600).contains(&same), "{same}");
    }
}

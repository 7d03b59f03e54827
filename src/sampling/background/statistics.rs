//! What the probe run measures of the background (Dold et al. 2019's quantities), from the
//! spikes and free-membrane samples of one run of the sampling network with its probes:
//!
//! - the input rate of each sampler from its background sources [Hz], excitatory and
//!   inhibitory (the sum of its sources' measured rates);
//! - the mean and standard deviation of each sampler's *free* membrane potential [mV]: that of
//!   a free probe, a copy of the sampler (same `v_rest`, same background inputs) whose threshold
//!   lies above `e_rev_E`, so it never fires and feeds nothing back;
//! - per network, the mean over pairs of its samplers of the correlation coefficient of their
//!   background input, counted in bins of `tau_refrac`: input = `weight_exc`·(excitatory
//!   spikes) − `weight_inh`·(inhibitory spikes) arriving in the bin [µS].

use super::wiring::Wiring;
use crate::record::{RecordError, Recorder};
use crate::sampling::divergence::median;

/// The measured background statistics of a sampling network, samplers in network order
/// (sampler `k·n + i` is unit `i` of network `k`).
#[derive(Clone, Debug, PartialEq)]
pub struct BackgroundStatistics {
    /// Excitatory background input rate of each sampler [Hz].
    pub input_rate_exc: Vec<f64>,
    /// Inhibitory background input rate of each sampler [Hz].
    pub input_rate_inh: Vec<f64>,
    /// Mean free membrane potential of each sampler [mV].
    pub free_v_mean: Vec<f64>,
    /// Standard deviation of the free membrane potential of each sampler [mV].
    pub free_v_sd: Vec<f64>,
    /// Per network, the mean pairwise correlation coefficient of its samplers' background input
    /// (NaN when a sampler of the pair received no input variance).
    pub input_correlation: Vec<f64>,
    /// Per network, the root mean square of those coefficients: their size whatever their sign
    /// (an ensemble's random excitatory/inhibitory sharing gives pairs of either sign).
    pub input_correlation_rms: Vec<f64>,
    /// Width of the correlation bins [ms].
    pub bin: f64,
}

impl BackgroundStatistics {
    /// Mean rate of one excitatory and of one inhibitory source, over every sampler's inputs
    /// [Hz] (0 when a sampler has no input of that kind).
    pub fn source_rates(&self, k_exc: usize, k_inh: usize) -> (f64, f64) {
        let per_source = |rates: &[f64], k: usize| {
            if k == 0 || rates.is_empty() {
                0.0
            } else {
                rates.iter().sum::<f64>() / (rates.len() * k) as f64
            }
        };
        (
            per_source(&self.input_rate_exc, k_exc),
            per_source(&self.input_rate_inh, k_inh),
        )
    }

    /// The medians over networks (NaN-free networks only) of [`Self::input_correlation`] and
    /// [`Self::input_correlation_rms`].
    pub fn median_correlation(&self) -> (f64, f64) {
        let of = |values: &[f64]| {
            let finite: Vec<f64> = values.iter().copied().filter(|c| c.is_finite()).collect();
            median(&finite).unwrap_or(f64::NAN)
        };
        (of(&self.input_correlation), of(&self.input_correlation_rms))
    }
}

/// The recorder of the probe run: probe spike counts, every source spike of the background,
/// and running sums of the free probes' membrane potentials, all after `start` [ms].
pub(crate) struct ProbeRecorder {
    start: f64,
    /// Spike slot of the probes.
    probe_slot: usize,
    /// Spike counts of each probe after `start`.
    pub(crate) probe_counts: Vec<u64>,
    /// Spike slots of the excitatory and inhibitory source populations.
    source_slots: [usize; 2],
    /// Spike times after `start` of each neuron of the excitatory and inhibitory source
    /// populations [ms].
    source_spikes: [Vec<Vec<f64>>; 2],
    /// Σv and Σv² of each free probe, and the number of samples.
    v_sum: Vec<f64>,
    v_square: Vec<f64>,
    v_samples: u64,
}

impl ProbeRecorder {
    /// A recorder for `probes` probes in slot `probe_slot`, sources of sizes `source_sizes` in
    /// `source_slots` (the same slot twice when excitatory and inhibitory sources are one
    /// population), and `free` free probes (signal 0), counting from `start` [ms].
    pub(crate) fn new(
        start: f64,
        probe_slot: usize,
        probes: usize,
        source_slots: [usize; 2],
        source_sizes: [usize; 2],
        free: usize,
    ) -> Self {
        Self {
            start,
            probe_slot,
            probe_counts: vec![0; probes],
            source_slots,
            source_spikes: source_sizes.map(|size| vec![Vec::new(); size]),
            v_sum: vec![0.0; free],
            v_square: vec![0.0; free],
            v_samples: 0,
        }
    }

    /// The statistics over the `duration` [ms] after `start`, for the samplers of `wiring` in
    /// networks of `n`, with correlation bins of `bin` [ms].
    pub(crate) fn statistics(
        &self,
        wiring: &Wiring,
        n: usize,
        duration: f64,
        bin: f64,
    ) -> BackgroundStatistics {
        let samplers = wiring.sources[0].len();
        let rate = |r: usize, s: usize| {
            wiring.sources[r][s]
                .iter()
                .map(|&src| self.source_spikes[r][src as usize].len() as f64)
                .sum::<f64>()
                * 1000.0
                / duration
        };
        let count = self.v_samples.max(1) as f64;
        let free_v_mean: Vec<f64> = self.v_sum.iter().map(|s| s / count).collect();
        let free_v_sd = self
            .v_square
            .iter()
            .zip(&free_v_mean)
            .map(|(sq, mean)| (sq / count - mean * mean).max(0.0).sqrt())
            .collect();
        let bins = (duration / bin).floor() as usize;
        let (input_correlation, input_correlation_rms) = (0..samplers / n.max(1))
            .map(|k| {
                let inputs: Vec<Vec<f64>> = (k * n..(k + 1) * n)
                    .map(|s| self.binned_input(wiring, s, bins, bin))
                    .collect();
                pairwise_correlation(&inputs)
            })
            .unzip();
        BackgroundStatistics {
            input_rate_exc: (0..samplers).map(|s| rate(0, s)).collect(),
            input_rate_inh: (0..samplers).map(|s| rate(1, s)).collect(),
            free_v_mean,
            free_v_sd,
            input_correlation,
            input_correlation_rms,
            bin,
        }
    }

    /// Background input of sampler `s` in each of `bins` bins of `bin` [ms] after `start` [µS].
    fn binned_input(&self, wiring: &Wiring, s: usize, bins: usize, bin: f64) -> Vec<f64> {
        let mut x = vec![0.0; bins];
        for (r, sign) in [(0, 1.0), (1, -1.0)] {
            let w = sign * wiring.weights[r];
            for &src in &wiring.sources[r][s] {
                for &t in &self.source_spikes[r][src as usize] {
                    let b = ((t - self.start) / bin) as usize;
                    if b < bins {
                        x[b] += w;
                    }
                }
            }
        }
        x
    }
}

/// Mean and root mean square over all pairs of the Pearson correlation coefficients of `series`
/// (NaN when a pair has a constant series, or when there are fewer than two).
pub fn pairwise_correlation(series: &[Vec<f64>]) -> (f64, f64) {
    let stats: Vec<(f64, f64)> = series
        .iter()
        .map(|x| {
            let m = x.iter().sum::<f64>() / x.len().max(1) as f64;
            let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>();
            (m, var.sqrt())
        })
        .collect();
    let (mut sum, mut squares) = (0.0, 0.0);
    let mut pairs = 0usize;
    for i in 0..series.len() {
        for j in i + 1..series.len() {
            let cov: f64 = series[i]
                .iter()
                .zip(&series[j])
                .map(|(a, b)| (a - stats[i].0) * (b - stats[j].0))
                .sum();
            let r = cov / (stats[i].1 * stats[j].1);
            sum += r;
            squares += r * r;
            pairs += 1;
        }
    }
    if pairs == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (sum / pairs as f64, (squares / pairs as f64).sqrt())
    }
}

impl Recorder for ProbeRecorder {
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError> {
        if t < self.start {
            return Ok(());
        }
        if population == self.probe_slot {
            self.probe_counts[sender as usize] += 1;
        }
        for r in 0..2 {
            if population == self.source_slots[r] {
                self.source_spikes[r][sender as usize].push(t);
            }
        }
        Ok(())
    }

    fn sample(&mut self, _signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError> {
        if t < self.start {
            return Ok(());
        }
        for (i, &v) in values.iter().enumerate() {
            self.v_sum[i] += v;
            self.v_square[i] += v * v;
        }
        self.v_samples += 1;
        Ok(())
    }

    fn reached(&mut self, _t: f64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_correlation_of_known_series() {
        let a = vec![1.0, 2.0, 3.0, 4.0];
        let b = vec![2.0, 4.0, 6.0, 8.0];
        let c = vec![4.0, 3.0, 2.0, 1.0];
        assert!((pairwise_correlation(&[a.clone(), b.clone()]).0 - 1.0).abs() < 1e-12);
        // Pairs (a,b) = 1, (a,c) = −1, (b,c) = −1.
        let (mean, rms) = pairwise_correlation(&[a, b, c]);
        assert!((mean + 1.0 / 3.0).abs() < 1e-12 && (rms - 1.0).abs() < 1e-12);
        assert!(pairwise_correlation(&[vec![1.0, 2.0]]).0.is_nan());
    }

    #[test]
    fn shared_sources_give_the_expected_input_correlation() {
        // Two samplers, three excitatory sources each, sharing one: with independent sources of
        // equal variance the correlation of the summed input is 1/3.
        let wiring = Wiring {
            populations: ["src", "src"],
            sources: [vec![vec![0, 1, 2], vec![2, 3, 4]], vec![vec![], vec![]]],
            weights: [1.0, 1.0],
            delay: 1.0,
        };
        let mut rec = ProbeRecorder::new(0.0, usize::MAX, 0, [0, 0], [5, 5], 0);
        // Spike trains as independent random bins (a fixed LCG: the test needs no library).
        let mut state: u64 = 12345;
        let bins = 20_000;
        for b in 0..bins {
            for src in 0..5 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (state >> 33).is_multiple_of(4) {
                    rec.spike(0, src, b as f64 + 0.5).unwrap();
                }
            }
        }
        let stats = rec.statistics(&wiring, 2, bins as f64, 1.0);
        let c = stats.input_correlation[0];
        // σ of a correlation estimate over 20000 bins ≈ 0.007.
        assert!((c - 1.0 / 3.0).abs() < 0.03, "correlation {c}");
        // Each source fires in 1/4 of the 1 ms bins: 250 Hz; three sources: 750 Hz.
        for rate in &stats.input_rate_exc {
            assert!((rate - 750.0).abs() < 20.0, "rate {rate}");
        }
        assert_eq!(stats.input_rate_inh, vec![0.0, 0.0]);
    }
}

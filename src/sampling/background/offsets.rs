//! Mean-input offsets: samplers of a finite background receive different mean inputs (their
//! sources fire at different rates), which shifts each one's activation curve along `v_rest`.
//! For a conductance-based neuron with mean background conductances `g_E`, `g_I` the mean free
//! membrane potential is `ū = (g_L·v_rest + g_E·E_E + g_I·E_I + i_offset) / (g_L + g_E + g_I)`
//! (as in [`crate::sampling::translation::HighConductanceState`]), with
//! `g_L = cm/tau_m` and `g_X = w_X · R_X · tau_syn_X` (input rate `R_X`). Two backgrounds give
//! the same `ū` at resting potentials related by that formula; a resting potential under
//! sampler `s`'s background is expressed under the mean background of all samplers (and back)
//! by equating `ū`. The calibration under the background fits probe data in these mean-background
//! coordinates, and the translation maps each sampler's resting potential back to its own.

use crate::neuron::CondExpParams;

/// The mean background conductances of every sampler and of the mean background.
#[derive(Clone, Debug, PartialEq)]
pub struct InputOffsets {
    /// Leak conductance [µS].
    g_leak: f64,
    /// Reversal potentials (excitatory, inhibitory) [mV].
    e_rev: [f64; 2],
    /// Constant input current [nA].
    i_offset: f64,
    /// Mean excitatory and inhibitory background conductance of each sampler [µS].
    g: Vec<[f64; 2]>,
    /// Those of the mean background [µS].
    g_mean: [f64; 2],
}

impl InputOffsets {
    /// Offsets of samplers with parameters `p`, background weights `weights` [µS] (excitatory,
    /// inhibitory) and measured input rates `rate_exc`, `rate_inh` [Hz] (one per sampler).
    pub fn new(p: &CondExpParams, weights: [f64; 2], rate_exc: &[f64], rate_inh: &[f64]) -> Self {
        let g: Vec<[f64; 2]> = rate_exc
            .iter()
            .zip(rate_inh)
            .map(|(&re, &ri)| {
                [
                    weights[0] * re * p.tau_syn_E * 1e-3,
                    weights[1] * ri * p.tau_syn_I * 1e-3,
                ]
            })
            .collect();
        let count = g.len().max(1) as f64;
        let g_mean = [0, 1].map(|r| g.iter().map(|x| x[r]).sum::<f64>() / count);
        Self {
            g_leak: p.cm / p.tau_m,
            e_rev: [p.e_rev_E, p.e_rev_I],
            i_offset: p.i_offset,
            g,
            g_mean,
        }
    }

    /// The same samplers' conductances, with `reference`'s mean background as the one that
    /// resting potentials are expressed under (e.g. expected inputs against a measured mean).
    pub fn relative_to(self, reference: &Self) -> Self {
        Self {
            g_mean: reference.g_mean,
            ..self
        }
    }

    /// Mean free membrane potential at `v_rest` [mV] under conductances `g` [µS].
    fn mean_v(&self, v_rest: f64, g: [f64; 2]) -> f64 {
        (self.g_leak * v_rest + g[0] * self.e_rev[0] + g[1] * self.e_rev[1] + self.i_offset)
            / (self.g_leak + g[0] + g[1])
    }

    /// The resting potential giving mean free membrane potential `v` [mV] under `g` [µS].
    fn v_rest_for(&self, v: f64, g: [f64; 2]) -> f64 {
        (v * (self.g_leak + g[0] + g[1])
            - g[0] * self.e_rev[0]
            - g[1] * self.e_rev[1]
            - self.i_offset)
            / self.g_leak
    }

    /// `v_rest` [mV] of sampler `s` expressed under the mean background.
    pub fn to_mean(&self, s: usize, v_rest: f64) -> f64 {
        self.v_rest_for(self.mean_v(v_rest, self.g[s]), self.g_mean)
    }

    /// A resting potential under the mean background [mV] expressed for sampler `s`.
    pub fn from_mean(&self, s: usize, v_rest: f64) -> f64 {
        self.v_rest_for(self.mean_v(v_rest, self.g_mean), self.g[s])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_equate_the_mean_free_membrane_and_invert() {
        let p = CondExpParams {
            cm: 0.2,
            tau_m: 1.0,
            tau_syn_E: 10.0,
            tau_syn_I: 10.0,
            e_rev_E: 0.0,
            e_rev_I: -100.0,
            ..CondExpParams::default()
        };
        let o = InputOffsets::new(&p, [0.002, 0.002], &[2000.0, 1800.0], &[1900.0, 1900.0]);
        // g_E = 0.002·2000·10e-3 = 0.04 µS, g_I = 0.038 µS; the mean: g_E 0.038, g_I 0.038.
        let v = -52.0;
        let u = (0.2 * v + 0.04 * 0.0 + 0.038 * -100.0) / (0.2 + 0.04 + 0.038);
        let mean = o.to_mean(0, v);
        let u_mean = (0.2 * mean + 0.038 * 0.0 + 0.038 * -100.0) / (0.2 + 0.038 + 0.038);
        assert!((u - u_mean).abs() < 1e-12);
        // More excitation: the same membrane needs a lower v_rest under sampler 0's background.
        assert!(o.from_mean(0, v) < v && o.from_mean(1, v) > v);
        for s in 0..2 {
            assert!((o.from_mean(s, o.to_mean(s, v)) - v).abs() < 1e-12);
        }
    }
}

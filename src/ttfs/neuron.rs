//! The first-spike neuron: `IF_curr_exp` with one synaptic time constant, of which only the first
//! spike after the pattern starts counts (Göltz, Kriener et al. 2021).
//!
//! With u = V − v_rest and the synaptic current written as the potential it would hold,
//! j = R·I (R = tau_m/cm), the free evolution is `tau_m u′ = −u + j`, `tau_syn j′ = −j`; an input
//! of weight w [nA] adds R·w to j. Inputs arrive in time order; between two inputs the first
//! crossing of θ = v_thresh − v_rest is found in closed form:
//! - tau_m = tau_syn = τ: u(s) = (u₀ + j₀s/τ)e^{−s/τ} rises to its single maximum j₀e^{−s*/τ} at
//!   s* = τ(1 − u₀/j₀); a crossing exists iff that maximum (or u at the next input, if it comes
//!   first) reaches θ, and it is s = τ(−W₀(z) − u₀/j₀) with z = −(θ/j₀)e^{−u₀/j₀} (Lambert W,
//!   principal branch);
//! - tau_m = 2·tau_syn: with y = e^{−s/tau_m}, u = −j₀y² + (u₀ + j₀)y is a parabola in y; the
//!   crossing is its larger root y₊ = (b + √(b² − 4j₀θ))/(2j₀), b = u₀ + j₀, and s = −tau_m ln y₊;
//! - any other ratio: the certified root isolation of [`CurrExp`] (the engine's `IF_curr_exp`).
//!
//! The gradients of the spike time T follow from V(T) = θ by implicit differentiation:
//! ∂T/∂w_i = −κ(T − t_i)/V′(T) and ∂T/∂t_i = w_i κ′(T − t_i)/V′(T), where κ is the PSP of a unit
//! weight ([`FirstSpikeNeuron::psp`]); only the inputs before T (the causal set) contribute.

use crate::neuron::curr_exp::{CurrExp, CurrExpState};
pub use crate::neuron::first_spike::FirstSpikeParams;
use crate::neuron::{ExactNeuron, Receptor};
use crate::numerics::lambert::lambert_w0_negative;

/// How the first crossing between two inputs is found.
#[derive(Clone, Debug)]
enum Solver {
    /// tau_m = tau_syn: Lambert W.
    Equal,
    /// tau_m = 2·tau_syn: a quadratic in e^{−s/tau_m}.
    TwiceSynaptic,
    /// Any other ratio: the engine's certified `IF_curr_exp` spike search.
    General(Box<CurrExp>),
}

/// Decay factors over the gap between two consecutive inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decay {
    /// Length of the gap [ms].
    pub gap: f64,
    /// e^{−gap/tau_m}.
    pub membrane: f64,
    /// e^{−gap/tau_syn}.
    pub synapse: f64,
}

/// A first spike and what its gradients need.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    /// Spike time [ms].
    pub time: f64,
    /// Number of inputs (in time order) before the spike: the causal set.
    pub causal: usize,
    /// dV/dt at the spike [mV/ms] (> 0 except at a tangential crossing).
    pub slope: f64,
}

/// A lowered first-spike neuron: immutable constants shared by a layer.
#[derive(Clone, Debug)]
pub struct FirstSpikeNeuron {
    params: FirstSpikeParams,
    /// R = tau_m / cm [MΩ].
    r_m: f64,
    /// θ = v_thresh − v_rest [mV].
    theta: f64,
    /// |1/tau_m − 1/tau_syn| [1/ms].
    d: f64,
    solver: Solver,
}

impl FirstSpikeNeuron {
    /// Lower validated parameters (see [`crate::neuron::params::CellParams::problem`]).
    pub fn new(params: &FirstSpikeParams) -> Self {
        if params.tau_m == params.tau_syn {
            Self::with_solver(params, Solver::Equal)
        } else if params.tau_m == 2.0 * params.tau_syn {
            Self::with_solver(params, Solver::TwiceSynaptic)
        } else {
            Self::certified(params)
        }
    }

    /// The same neuron, its spikes found by the engine's certified search whatever the ratio of
    /// time constants (slower; the closed forms are checked against it).
    pub fn certified(params: &FirstSpikeParams) -> Self {
        let engine = CurrExp::new(&params.curr_exp(params.v_rest - 1.0, 0.0));
        Self::with_solver(params, Solver::General(Box::new(engine)))
    }

    fn with_solver(params: &FirstSpikeParams, solver: Solver) -> Self {
        Self {
            params: params.clone(),
            r_m: params.tau_m / params.cm,
            theta: params.v_thresh - params.v_rest,
            d: (params.tau_syn - params.tau_m).abs() / (params.tau_syn * params.tau_m),
            solver,
        }
    }

    /// The parameters it was made from.
    pub fn params(&self) -> &FirstSpikeParams {
        &self.params
    }

    /// Which exact method finds its spikes: `lambert-w`, `quadratic` or `certified-search`.
    pub fn method(&self) -> &'static str {
        match self.solver {
            Solver::Equal => "lambert-w",
            Solver::TwiceSynaptic => "quadratic",
            Solver::General(_) => "certified-search",
        }
    }

    /// Decay factors over a gap of `gap` ≥ 0 ms (may be infinite).
    pub fn decay(&self, gap: f64) -> Decay {
        Decay {
            gap,
            membrane: (-gap / self.params.tau_m).exp(),
            synapse: (-gap / self.params.tau_syn).exp(),
        }
    }

    /// The first spike caused by inputs at `times` [ms] (nondecreasing, finite) with weights
    /// `weight(k)` [nA], where `decays[k]` is [`FirstSpikeNeuron::decay`] of the gap from input k
    /// to input k + 1 (one fewer than the inputs). `None` if the neuron never fires.
    pub fn first_spike(
        &self,
        times: &[f64],
        weight: impl Fn(usize) -> f64,
        decays: &[Decay],
    ) -> Option<Spike> {
        if let Solver::General(engine) = &self.solver {
            return self.first_spike_certified(engine, times, weight);
        }
        let last = Decay {
            gap: f64::INFINITY,
            membrane: 0.0,
            synapse: 0.0,
        };
        let (mut u, mut j) = (0.0, 0.0);
        for (k, &t) in times.iter().enumerate() {
            j += self.r_m * weight(k);
            let decay = decays.get(k).copied().unwrap_or(last);
            let crossing = match self.solver {
                Solver::Equal => self.equal_crossing(u, j, &decay),
                _ => self.double_crossing(u, j, &decay),
            };
            if let Some(s) = crossing {
                let j_at_spike = j * (-s / self.params.tau_syn).exp();
                return Some(Spike {
                    time: t + s,
                    causal: k + 1,
                    slope: (j_at_spike - self.theta) / self.params.tau_m,
                });
            }
            u = match self.solver {
                Solver::Equal => (u + j * decay.gap / self.params.tau_m) * decay.membrane,
                // y² rather than e^{−gap/tau_syn}: the same expression as the crossing test, so
                // that a value it found below θ stays below θ.
                _ => (u + j - j * decay.membrane) * decay.membrane,
            };
            j *= decay.synapse;
        }
        None
    }

    /// First crossing [ms after the input] within `decay.gap` for tau_m = tau_syn, from u₀ < θ.
    fn equal_crossing(&self, u: f64, j: f64, decay: &Decay) -> Option<f64> {
        let (theta, tau) = (self.theta, self.params.tau_m);
        // The trajectory never exceeds j₀ (its maximum is j₀e^{−s*/τ}, s* > 0).
        if j <= theta {
            return None;
        }
        let s_peak = tau * (1.0 - u / j);
        let reaches = if s_peak < decay.gap {
            j * (-s_peak / tau).exp() >= theta
        } else {
            (u + j * decay.gap / tau) * decay.membrane >= theta
        };
        if !reaches {
            return None;
        }
        let z = -(theta / j) * (-u / j).exp();
        let w = lambert_w0_negative(z.max(-(-1.0f64).exp()));
        Some((tau * (-w - u / j)).min(s_peak.min(decay.gap)).max(0.0))
    }

    /// First crossing [ms after the input] within `decay.gap` for tau_m = 2·tau_syn, from u₀ < θ.
    fn double_crossing(&self, u: f64, j: f64, decay: &Decay) -> Option<f64> {
        // u(y) = −j y² + b y is concave in y = e^{−s/tau_m} for j > 0 and below θ at y = 0 and
        // y = 1; for j ≤ 0 it is convex and never above θ. Time runs from y = 1 down to y_gap.
        if j <= 0.0 {
            return None;
        }
        let theta = self.theta;
        let b = u + j;
        let y_vertex = b / (2.0 * j);
        let y_gap = decay.membrane;
        let reaches = if y_vertex >= 1.0 {
            false
        } else if y_vertex > y_gap {
            b * b >= 4.0 * j * theta
        } else {
            (b - j * y_gap) * y_gap >= theta
        };
        if !reaches {
            return None;
        }
        let root = (b + (b * b - 4.0 * j * theta).max(0.0).sqrt()) / (2.0 * j);
        let s = -self.params.tau_m * root.min(1.0).ln();
        Some(s.min(decay.gap).max(0.0))
    }

    /// First spike by the engine's certified `IF_curr_exp` search (any tau_m/tau_syn ratio).
    fn first_spike_certified(
        &self,
        engine: &CurrExp,
        times: &[f64],
        weight: impl Fn(usize) -> f64,
    ) -> Option<Spike> {
        let (time, causal, at_spike) =
            engine_first_spike(engine, self.params.v_rest, times, weight)?;
        let j = self.r_m * (at_spike.i_exc() + at_spike.i_inh());
        Some(Spike {
            time,
            causal,
            slope: (j - self.theta) / self.params.tau_m,
        })
    }

    /// The ideal model's view of a spike observed at `time` [ms] (on an emulated chip) after
    /// inputs at `times` (nondecreasing) with weights `weight(k)`: its causal set (the inputs
    /// before it) and the slope the ideal membrane has there, Σ w_k κ′(time − t_k), so that the
    /// exact gradients can be evaluated at observed spike times.
    pub fn observed_spike(&self, time: f64, times: &[f64], weight: impl Fn(usize) -> f64) -> Spike {
        let causal = times.partition_point(|&t| t < time);
        let slope = (0..causal)
            .map(|k| weight(k) * self.psp(time - times[k]).1)
            .sum();
        Spike {
            time,
            causal,
            slope,
        }
    }

    /// The PSP of a unit weight `s` ms after its input and its time derivative:
    /// (κ(s) [mV/nA], κ′(s) [mV/(nA·ms)]), κ(s) = (1/cm)∫₀ˢ e^{−(s−r)/tau_m} e^{−r/tau_syn} dr.
    pub fn psp(&self, s: f64) -> (f64, f64) {
        let (tau_m, tau_s) = (self.params.tau_m, self.params.tau_syn);
        let e_syn = (-s / tau_s).exp();
        // ∫ = e^{−s/τ_slow}(1 − e^{−s·d})/d, by expm1 so that it stays exact as d → 0.
        let integral = if self.d == 0.0 {
            s * e_syn
        } else {
            let e_slow = (-s / tau_m.max(tau_s)).exp();
            -e_slow * (-s * self.d).exp_m1() / self.d
        };
        let inv_cm = 1.0 / self.params.cm;
        (integral * inv_cm, (e_syn - integral / tau_m) * inv_cm)
    }

    /// Gradients of `spike` caused by inputs at `times` with weights `weight(k)`: calls
    /// `each(k, ∂T/∂w_k [ms/nA], ∂T/∂t_k [dimensionless])` for every input of the causal set.
    pub fn gradients(
        &self,
        spike: &Spike,
        times: &[f64],
        weight: impl Fn(usize) -> f64,
        mut each: impl FnMut(usize, f64, f64),
    ) {
        let inv_slope = 1.0 / spike.slope;
        for (k, &t) in times.iter().enumerate().take(spike.causal) {
            let (kappa, dkappa) = self.psp(spike.time - t);
            each(k, -kappa * inv_slope, weight(k) * dkappa * inv_slope);
        }
    }
}

/// The first spike of `engine` (an `IF_curr_exp`, starting at rest `v_rest` [mV]) driven by inputs
/// at `times` [ms] (nondecreasing) of weights `weight(k)` [nA], by the engine's certified search:
/// (spike time [ms], inputs before it, the state at the spike). `None` if it never fires.
pub(crate) fn engine_first_spike(
    engine: &CurrExp,
    v_rest: f64,
    times: &[f64],
    weight: impl Fn(usize) -> f64,
) -> Option<(f64, usize, CurrExpState)> {
    let mut state = engine.initial_state(v_rest);
    for (k, &t) in times.iter().enumerate() {
        engine.advance(&mut state, t);
        let w = weight(k);
        let receptor = if w >= 0.0 {
            Receptor::Excitatory
        } else {
            Receptor::Inhibitory
        };
        engine.receive(&mut state, receptor, w);
        let next = times.get(k + 1).copied().unwrap_or(f64::INFINITY);
        if let Some(time) = engine.next_spike_before(&mut state, next) {
            engine.advance(&mut state, time);
            return Some((time, k + 1, state));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn params(ratio: f64) -> FirstSpikeParams {
        FirstSpikeParams {
            tau_m: ratio,
            ..FirstSpikeParams::default()
        }
    }

    fn spike_of(neuron: &FirstSpikeNeuron, times: &[f64], weights: &[f64]) -> Option<Spike> {
        let decays: Vec<Decay> = times
            .windows(2)
            .map(|w| neuron.decay(w[1] - w[0]))
            .collect();
        neuron.first_spike(times, |k| weights[k], &decays)
    }

    fn gradients_of(
        neuron: &FirstSpikeNeuron,
        spike: &Spike,
        times: &[f64],
        weights: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let (mut dw, mut dt) = (vec![0.0; times.len()], vec![0.0; times.len()]);
        neuron.gradients(
            spike,
            times,
            |k| weights[k],
            |k, w, t| {
                dw[k] = w;
                dt[k] = t;
            },
        );
        (dw, dt)
    }

    /// Test vectors of the project's TTFS research notes (Göltz et al.'s closed forms, re-derived
    /// there and checked by finite differences); scipy reproduces them (ttfs_first_spikes.json).
    #[test]
    fn meets_the_reference_test_vectors() {
        let times = [0.2, 0.5, 0.9];
        let weights = [1.5, 1.2, 1.0];
        let cases: [(f64, f64, [f64; 3], [f64; 3]); 2] = [
            (
                1.0,
                1.004_909_570_607_835_3,
                [-0.277834, -0.235256, -0.072922],
                [0.101010, 0.276817, 0.622173],
            ),
            (
                2.0,
                0.909_552_429_791_862_2,
                [-0.206877, -0.149018, -0.004684],
                [0.209181, 0.304035, 0.486784],
            ),
        ];
        for (ratio, t_spike, want_dw, want_dt) in cases {
            let neuron = FirstSpikeNeuron::new(&params(ratio));
            let spike = spike_of(&neuron, &times, &weights).unwrap();
            assert!(
                (spike.time - t_spike).abs() < 1e-12,
                "ratio {ratio}: {}",
                spike.time
            );
            let (dw, dt) = gradients_of(&neuron, &spike, &times, &weights);
            for k in 0..3 {
                assert!((dw[k] - want_dw[k]).abs() < 1e-6, "ratio {ratio} dw {dw:?}");
                assert!((dt[k] - want_dt[k]).abs() < 1e-6, "ratio {ratio} dt {dt:?}");
            }
        }
        let times = [0.2, 0.5, 0.9, 1.3];
        let spikes = [
            (1.0, [1.6, -0.8, 2.0, 0.9], Some(1.422_572_936_745_876_1)),
            (2.0, [1.6, -0.8, 2.0, 0.9], Some(1.279_389_043_858_47)),
            (1.0, [1.2, -0.8, 1.5, 0.9], None),
            (2.0, [1.2, -0.8, 1.5, 0.9], Some(1.548_711_975_176_823_2)),
        ];
        for (ratio, weights, want) in spikes {
            let neuron = FirstSpikeNeuron::new(&params(ratio));
            let got = spike_of(&neuron, &times, &weights).map(|s| s.time);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "ratio {ratio}: {g} vs {w}"),
                (None, None) => {}
                _ => panic!("ratio {ratio} {weights:?}: {got:?} vs {want:?}"),
            }
        }
    }

    fn random_case(rng: &mut ChaCha8Rng) -> (Vec<f64>, Vec<f64>) {
        let n = rng.random_range(1..12);
        let mut times: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..3.0)).collect();
        times.sort_by(f64::total_cmp);
        let weights = (0..n).map(|_| rng.random_range(-1.0..2.5)).collect();
        (times, weights)
    }

    /// The closed forms and the engine's certified search agree on random inputs.
    #[test]
    fn closed_forms_agree_with_the_certified_search() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        for ratio in [1.0, 2.0] {
            let fast = FirstSpikeNeuron::new(&params(ratio));
            let slow = FirstSpikeNeuron::certified(&params(ratio));
            let mut fired = 0;
            for _ in 0..5000 {
                let (times, weights) = random_case(&mut rng);
                let (a, b) = (
                    spike_of(&fast, &times, &weights),
                    spike_of(&slow, &times, &weights),
                );
                match (a, b) {
                    (Some(a), Some(b)) => {
                        fired += 1;
                        assert!(
                            (a.time - b.time).abs() < 1e-9,
                            "ratio {ratio}: {a:?} vs {b:?}"
                        );
                        assert_eq!(a.causal, b.causal);
                        assert!((a.slope - b.slope).abs() < 1e-9 * (1.0 + b.slope.abs()));
                    }
                    (None, None) => {}
                    // A graze within rounding of θ may be called either way.
                    (a, b) => {
                        let s = a.or(b).unwrap();
                        assert!(
                            s.slope.abs() < 1e-5,
                            "ratio {ratio}: {a:?} vs {b:?} for {times:?} {weights:?}"
                        );
                    }
                }
            }
            assert!(fired > 1500, "{fired}");
        }
    }

    /// Exact gradients against central finite differences of the spike time, for three ratios.
    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        for ratio in [1.0, 2.0, 1.37] {
            let neuron = FirstSpikeNeuron::new(&params(ratio));
            let mut checked = 0;
            while checked < 150 {
                let (times, weights) = random_case(&mut rng);
                let Some(spike) = spike_of(&neuron, &times, &weights) else {
                    continue;
                };
                // Stay clear of grazes and of inputs within the finite-difference step of T.
                let near_input = times.iter().any(|t| (t - spike.time).abs() < 1e-3);
                if spike.slope < 0.05 || near_input {
                    continue;
                }
                checked += 1;
                let (dw, dt) = gradients_of(&neuron, &spike, &times, &weights);
                let h = 1e-6;
                for k in 0..times.len() {
                    let at = |dw_k: f64, dt_k: f64| {
                        let mut w = weights.clone();
                        let mut t = times.clone();
                        w[k] += dw_k;
                        t[k] += dt_k;
                        spike_of(&neuron, &t, &w).unwrap().time
                    };
                    let fd_w = (at(h, 0.0) - at(-h, 0.0)) / (2.0 * h);
                    let fd_t = (at(0.0, h) - at(0.0, -h)) / (2.0 * h);
                    let tol = |x: f64| 1e-6 * (1.0 + x.abs() / spike.slope);
                    assert!(
                        (fd_w - dw[k]).abs() < tol(fd_w),
                        "ratio {ratio} dw[{k}]: {} vs {fd_w}",
                        dw[k]
                    );
                    assert!(
                        (fd_t - dt[k]).abs() < tol(fd_t),
                        "ratio {ratio} dt[{k}]: {} vs {fd_t}",
                        dt[k]
                    );
                }
            }
        }
    }

    /// Inputs just after or just before the spike (1e-4 ms away): the causal set is decided
    /// right, the late input has zero gradient and the early one its finite-difference value
    /// (h = 1e-7 ms, smaller than the distance, so the causal set does not change).
    #[test]
    fn gradients_at_the_edge_of_the_causal_set() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for ratio in [1.0, 2.0, 1.37] {
            let neuron = FirstSpikeNeuron::new(&params(ratio));
            let mut checked = 0;
            while checked < 40 {
                let (mut times, mut weights) = random_case(&mut rng);
                let Some(spike) = spike_of(&neuron, &times, &weights) else {
                    continue;
                };
                if spike.slope < 0.05 {
                    continue;
                }
                let side = if checked % 2 == 0 { 1.0 } else { -1.0 };
                let at = spike.time + side * 1e-4;
                if times.iter().any(|t| (t - at).abs() < 2e-4) {
                    continue;
                }
                let k = times.partition_point(|&t| t < at);
                times.insert(k, at);
                weights.insert(k, rng.random_range(-1.0..2.5));
                let Some(spike) = spike_of(&neuron, &times, &weights) else {
                    continue;
                };
                // An input before T may move T past itself; keep the cases where it does not.
                if (spike.time < at) != (side > 0.0) {
                    continue;
                }
                checked += 1;
                assert_eq!(spike.causal, if side > 0.0 { k } else { k + 1 });
                let (dw, dt) = gradients_of(&neuron, &spike, &times, &weights);
                let h = 1e-7;
                let shifted = |dw_k: f64, dt_k: f64| {
                    let (mut w, mut t) = (weights.clone(), times.clone());
                    w[k] += dw_k;
                    t[k] += dt_k;
                    spike_of(&neuron, &t, &w).unwrap().time
                };
                let fd_w = (shifted(h, 0.0) - shifted(-h, 0.0)) / (2.0 * h);
                let fd_t = (shifted(0.0, h) - shifted(0.0, -h)) / (2.0 * h);
                // Difference-quotient noise: the rounding of T (~1e-15 ms for the closed forms,
                // ~5e-13 ms for the certified search) over h.
                let tol = if ratio == 1.37 { 1e-5 } else { 1e-8 };
                assert!(
                    (fd_w - dw[k]).abs() < tol,
                    "ratio {ratio} side {side}: dw {} vs {fd_w}",
                    dw[k]
                );
                assert!(
                    (fd_t - dt[k]).abs() < tol,
                    "ratio {ratio} side {side}: dt {} vs {fd_t}",
                    dt[k]
                );
                if side > 0.0 {
                    assert_eq!((dw[k], dt[k]), (0.0, 0.0));
                }
            }
        }
    }

    #[test]
    fn psp_is_continuous_through_equal_time_constants() {
        let equal = FirstSpikeNeuron::new(&params(1.0));
        let near = FirstSpikeNeuron::new(&params(1.0 + 1e-9));
        for s in [0.1, 1.0, 3.0] {
            let (a, b) = (equal.psp(s), near.psp(s));
            assert!(
                (a.0 - b.0).abs() < 1e-8 && (a.1 - b.1).abs() < 1e-8,
                "{a:?} {b:?}"
            );
        }
        assert_eq!(equal.method(), "lambert-w");
        assert_eq!(near.method(), "certified-search");
    }
}

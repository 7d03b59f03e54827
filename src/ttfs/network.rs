//! Layered first-spike networks: the forward pass finds every neuron's first spike, layer by
//! layer, from its inputs in time order; the backward pass carries exact spike-time gradients from
//! the output layer down to every weight.
//!
//! A layer's inputs are the first spikes of the layer below (or the encoded pattern), plus
//! optional bias inputs that spike at a fixed time; inputs that never spike are left out. Each
//! layer sorts its inputs once and shares the decay factors of the gaps between them with all its
//! neurons, so the forward pass costs a few multiply-adds per (input, neuron) pair.

use super::neuron::{Decay, FirstSpikeNeuron, Spike};

/// The bias inputs of a layer: `count` inputs, each with a weight of its own, all spiking at
/// `time` [ms]. On BrainScaleS-2 Göltz et al. send the hidden layer's bias five times, as five
/// synapse rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bias {
    /// Spike time [ms].
    pub time: f64,
    /// Number of bias inputs (≥ 1).
    pub count: usize,
}

impl Bias {
    /// One bias input spiking at `time` [ms].
    pub fn one(time: f64) -> Self {
        Self { time, count: 1 }
    }

    /// Number of bias inputs of a layer with `bias` (0 without one).
    pub fn inputs(bias: Option<Bias>) -> usize {
        bias.map_or(0, |b| b.count)
    }
}

/// One layer: `n_out` first-spike neurons, all-to-all from `n_in` inputs and the bias inputs.
#[derive(Clone, Debug)]
pub struct Layer {
    neuron: FirstSpikeNeuron,
    n_in: usize,
    n_out: usize,
    bias: Option<Bias>,
    weights: Vec<f64>,
}

impl Layer {
    /// A layer of `n_out` neurons with `n_in` inputs and, if `bias` is given, its bias inputs;
    /// `weights` [nA] is row-major, one row per neuron, with the bias weights last in each row.
    /// Panics if `weights` has the wrong length or a bias has no inputs.
    pub fn new(
        neuron: FirstSpikeNeuron,
        n_in: usize,
        n_out: usize,
        bias: Option<Bias>,
        weights: Vec<f64>,
    ) -> Self {
        assert!(bias.is_none_or(|b| b.count > 0), "a bias needs inputs");
        let width = n_in + Bias::inputs(bias);
        assert_eq!(
            weights.len(),
            width * n_out,
            "weights must be n_out × width"
        );
        Self {
            neuron,
            n_in,
            n_out,
            bias,
            weights,
        }
    }

    /// The neuron model of this layer.
    pub fn neuron(&self) -> &FirstSpikeNeuron {
        &self.neuron
    }

    /// Number of inputs from the layer below (without the bias inputs).
    pub fn n_in(&self) -> usize {
        self.n_in
    }

    /// Number of neurons.
    pub fn n_out(&self) -> usize {
        self.n_out
    }

    /// The bias inputs, if any.
    pub fn bias(&self) -> Option<Bias> {
        self.bias
    }

    /// Inputs per neuron, the bias inputs included: the length of a weight row.
    pub fn width(&self) -> usize {
        self.n_in + Bias::inputs(self.bias)
    }

    /// Weights [nA], row-major (one row of [`Layer::width`] per neuron, bias inputs last).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Mutable weights [nA], same layout as [`Layer::weights`].
    pub fn weights_mut(&mut self) -> &mut [f64] {
        &mut self.weights
    }

    /// First spikes of every neuron for inputs spiking at `input` [ms] (∞ = no spike).
    pub fn forward(&self, input: &[f64], trace: &mut LayerTrace) {
        assert_eq!(input.len(), self.n_in, "one input time per input");
        input_order(input, self.bias, &mut trace.order, &mut trace.times);
        trace.decays.clear();
        trace.decays.extend(
            trace
                .times
                .windows(2)
                .map(|w| self.neuron.decay(w[1] - w[0])),
        );
        trace.spikes.clear();
        let width = self.width();
        for row in self.weights.chunks_exact(width) {
            let spike =
                self.neuron
                    .first_spike(&trace.times, |k| row[trace.order[k]], &trace.decays);
            trace.spikes.push(spike);
        }
    }

    /// Add the gradients of this layer to `grad` (same layout as the weights) and, if given,
    /// `delta_in` (∂L/∂t of each input), from `delta_out` = ∂L/∂T of each neuron. A neuron's
    /// weight gradient for this pattern is dropped if any entry exceeds `max_dw` in magnitude
    /// (the reference's `max_dw_norm`, against gradients at grazing crossings).
    pub fn backward(
        &self,
        trace: &LayerTrace,
        delta_out: &[f64],
        max_dw: f64,
        grad: &mut [f64],
        mut delta_in: Option<&mut [f64]>,
    ) {
        let width = self.width();
        let mut row_grad = vec![0.0; width];
        for (j, spike) in trace.spikes.iter().enumerate() {
            let (Some(spike), delta) = (spike, delta_out[j]) else {
                continue;
            };
            // A tangential crossing (slope 0) has no finite gradient.
            if delta == 0.0 || spike.slope <= 0.0 {
                continue;
            }
            let row = &self.weights[j * width..(j + 1) * width];
            // NaN-safe: a row is kept only if every entry is finite and within max_dw.
            let mut keep = true;
            self.neuron.gradients(
                spike,
                &trace.times,
                |k| row[trace.order[k]],
                |k, dw, dt| {
                    let i = trace.order[k];
                    row_grad[i] = delta * dw;
                    keep &= row_grad[i].abs() <= max_dw;
                    let passed_down = delta * dt;
                    if let Some(delta_in) = delta_in.as_deref_mut() {
                        if i < self.n_in && passed_down.is_finite() {
                            delta_in[i] += passed_down;
                        }
                    }
                },
            );
            for &i in &trace.order[..spike.causal] {
                if keep {
                    grad[j * width + i] += row_grad[i];
                }
                row_grad[i] = 0.0;
            }
        }
    }
}

/// Put the indices of the inputs that spike (the bias inputs, indices from `input.len()` on, if
/// `bias` is given) in time order into `order` (ties by index), and their times [ms] into `times`.
pub fn input_order(
    input: &[f64],
    bias: Option<Bias>,
    order: &mut Vec<usize>,
    times: &mut Vec<f64>,
) {
    let n_in = input.len();
    order.clear();
    order.extend((0..n_in).filter(|&i| input[i].is_finite()));
    if let Some(bias) = bias {
        order.extend(n_in..n_in + bias.count);
    }
    let time_of = |i: usize| match bias {
        Some(bias) if i >= n_in => bias.time,
        _ => input[i],
    };
    order.sort_by(|&a, &b| time_of(a).total_cmp(&time_of(b)).then(a.cmp(&b)));
    times.clear();
    times.extend(order.iter().map(|&i| time_of(i)));
}

/// What the forward pass of one layer leaves for the backward pass.
#[derive(Clone, Debug, Default)]
pub struct LayerTrace {
    /// Input indices (the bias inputs from `n_in` on) of the inputs that spike, in time order.
    pub order: Vec<usize>,
    /// Their spike times [ms], nondecreasing.
    pub times: Vec<f64>,
    /// Decay factors of the gaps between consecutive inputs.
    pub decays: Vec<Decay>,
    /// Each neuron's first spike, if any.
    pub spikes: Vec<Option<Spike>>,
}

impl LayerTrace {
    /// Spike time of every neuron [ms] (∞ for a neuron that does not fire).
    pub fn output_times(&self) -> impl Iterator<Item = f64> + '_ {
        self.spikes
            .iter()
            .map(|s| s.map_or(f64::INFINITY, |s| s.time))
    }
}

/// A feed-forward stack of first-spike layers.
#[derive(Clone, Debug)]
pub struct Network {
    layers: Vec<Layer>,
}

/// Everything one forward pass of a [`Network`] leaves: per layer its trace and output times.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// One per layer.
    pub layers: Vec<LayerTrace>,
    /// Output spike times of each layer [ms] (∞ = no spike).
    pub outputs: Vec<Vec<f64>>,
}

impl Trace {
    /// Spike times of the last layer [ms] (∞ = no spike).
    pub fn output(&self) -> &[f64] {
        self.outputs.last().map_or(&[], Vec::as_slice)
    }
}

impl Network {
    /// A network of `layers`, each taking the previous one's neurons as inputs. Panics if the
    /// sizes do not chain.
    pub fn new(layers: Vec<Layer>) -> Self {
        for pair in layers.windows(2) {
            assert_eq!(pair[0].n_out, pair[1].n_in, "layer sizes must chain");
        }
        Self { layers }
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Mutable layers.
    pub fn layers_mut(&mut self) -> &mut [Layer] {
        &mut self.layers
    }

    /// Number of inputs of the first layer.
    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.n_in)
    }

    /// Number of neurons of the last layer.
    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.n_out)
    }

    /// First spikes of every layer for a pattern of input spike times [ms] (∞ = no spike).
    pub fn forward(&self, input: &[f64], trace: &mut Trace) {
        trace
            .layers
            .resize_with(self.layers.len(), LayerTrace::default);
        trace.outputs.resize_with(self.layers.len(), Vec::new);
        for (l, layer) in self.layers.iter().enumerate() {
            let (below, here) = trace.outputs.split_at_mut(l);
            let input = if l == 0 { input } else { &below[l - 1] };
            layer.forward(input, &mut trace.layers[l]);
            here[0].clear();
            here[0].extend(trace.layers[l].output_times());
        }
    }

    /// Add ∂L/∂w of one pattern to `grads` (one weight-shaped vector per layer), given its forward
    /// `trace` and `delta` = ∂L/∂T of each output neuron; `max_dw` as in [`Layer::backward`].
    pub fn backward(&self, trace: &Trace, delta: &[f64], max_dw: f64, grads: &mut [Vec<f64>]) {
        let mut delta_out = delta.to_vec();
        for (l, layer) in self.layers.iter().enumerate().rev() {
            let mut delta_in = (l > 0).then(|| vec![0.0; layer.n_in]);
            layer.backward(
                &trace.layers[l],
                &delta_out,
                max_dw,
                &mut grads[l],
                delta_in.as_deref_mut(),
            );
            if let Some(d) = delta_in {
                delta_out = d;
            }
        }
    }

    /// Zero gradients shaped like the weights.
    pub fn zero_gradients(&self) -> Vec<Vec<f64>> {
        self.layers
            .iter()
            .map(|l| vec![0.0; l.weights.len()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ttfs::loss::LossParams;
    use crate::ttfs::neuron::FirstSpikeParams;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn loss_of(network: &Network, input: &[f64], label: usize) -> (f64, Trace, Vec<f64>) {
        let mut trace = Trace::default();
        network.forward(input, &mut trace);
        let mut delta = vec![0.0; network.n_outputs()];
        let loss = LossParams::default().evaluate(trace.output(), label, 1.0, &mut delta);
        (loss, trace, delta)
    }

    /// Backpropagated weight gradients of the loss, both layers, against central finite
    /// differences (skipping weights whose perturbation changes which neurons fire).
    #[test]
    fn backpropagation_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        let mut checked = 0;
        for ratio in [1.0, 2.0, 1.37] {
            let neuron = FirstSpikeNeuron::new(&FirstSpikeParams {
                tau_m: ratio,
                ..FirstSpikeParams::default()
            });
            for _ in 0..10 {
                let layers = [(4, 10), (10, 3)].map(|(n_in, n_out)| {
                    let w = (0..(n_in + 1) * n_out)
                        .map(|_| rng.random_range(-0.5..2.0))
                        .collect();
                    Layer::new(neuron.clone(), n_in, n_out, Some(Bias::one(0.9)), w)
                });
                let mut network = Network::new(layers.to_vec());
                let input: Vec<f64> = (0..4).map(|_| rng.random_range(0.15..2.0)).collect();
                let (_, trace, delta) = loss_of(&network, &input, 1);
                if !trace.output().iter().all(|t| t.is_finite()) {
                    continue;
                }
                let mut grads = network.zero_gradients();
                network.backward(&trace, &delta, f64::INFINITY, &mut grads);
                for (l, layer_grads) in grads.iter().enumerate() {
                    for (i, &g) in layer_grads.iter().enumerate() {
                        // The certified search (ratio 1.37) refines T to ~5e-13 ms, which is
                        // ~1e-6 of noise in a difference quotient at h = 1e-6: use h = 1e-4 there
                        // (truncation error ~h² ≈ 1e-8).
                        let h = if ratio == 1.37 { 1e-4 } else { 1e-6 };
                        let mut at = |dw: f64| {
                            network.layers_mut()[l].weights_mut()[i] += dw;
                            let (loss, t, _) = loss_of(&network, &input, 1);
                            network.layers_mut()[l].weights_mut()[i] -= dw;
                            (
                                loss,
                                t.outputs.iter().flatten().filter(|t| t.is_finite()).count(),
                            )
                        };
                        let ((up, n_up), (down, n_down)) = (at(h), at(-h));
                        let n = trace
                            .outputs
                            .iter()
                            .flatten()
                            .filter(|t| t.is_finite())
                            .count();
                        if n_up != n || n_down != n {
                            continue;
                        }
                        let fd = (up - down) / (2.0 * h);
                        assert!(
                            (fd - g).abs() <= 1e-6 * fd.abs() + 1e-7,
                            "ratio {ratio} layer {l} w[{i}]: {g} vs {fd}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// A pattern sent twice (each copy at half the weight) and three bias inputs act as the
    /// pattern sent once and one bias input of the summed weight: the same spike times, and
    /// every copy's weight gradient that of the single input (a weight's gradient is the
    /// effect of its input's PSP, the same for every copy).
    #[test]
    fn repeated_inputs_and_bias_inputs_act_as_their_summed_weight() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        let encoding = crate::ttfs::spec::Encoding {
            repeat: 2,
            ..Default::default()
        };
        let mut compared = 0;
        for ratio in [1.0, 1.37] {
            let neuron = FirstSpikeNeuron::new(&FirstSpikeParams {
                tau_m: ratio,
                ..FirstSpikeParams::default()
            });
            for _ in 0..20 {
                let (n_in, n_out) = (4, 6);
                let single: Vec<f64> = (0..(n_in + 1) * n_out)
                    .map(|_| rng.random_range(-0.5..2.0))
                    .collect();
                // Row j: inputs 0..4 twice at half the weight, then the bias weight in thirds.
                let split: Vec<f64> = single
                    .chunks_exact(n_in + 1)
                    .flat_map(|row| {
                        let half = row[..n_in].iter().map(|w| w / 2.0);
                        let third = std::iter::repeat_n(row[n_in] / 3.0, 3);
                        half.clone().chain(half).chain(third).collect::<Vec<_>>()
                    })
                    .collect();
                let one = Layer::new(neuron.clone(), n_in, n_out, Some(Bias::one(0.9)), single);
                let bias = Bias {
                    time: 0.9,
                    count: 3,
                };
                let many = Layer::new(neuron.clone(), 2 * n_in, n_out, Some(bias), split);
                let features: Vec<f64> = (0..n_in).map(|_| rng.random()).collect();
                let input = encoding.encode(&features);
                assert_eq!(input.len(), 2 * n_in);
                assert_eq!(input[..n_in], input[n_in..]);
                let (mut a, mut b) = (LayerTrace::default(), LayerTrace::default());
                one.forward(&input[..n_in], &mut a);
                many.forward(&input, &mut b);
                let delta = vec![1.0; n_out];
                let (mut ga, mut gb) = (vec![0.0; (n_in + 1) * n_out], vec![0.0; 11 * n_out]);
                one.backward(&a, &delta, f64::INFINITY, &mut ga, None);
                many.backward(&b, &delta, f64::INFINITY, &mut gb, None);
                for (j, (sa, sb)) in a.spikes.iter().zip(&b.spikes).enumerate() {
                    let (Some(sa), Some(sb)) = (sa, sb) else {
                        assert!(sa.is_none() && sb.is_none(), "neuron {j}: {sa:?} vs {sb:?}");
                        continue;
                    };
                    assert!((sa.time - sb.time).abs() <= 1e-12, "{sa:?} vs {sb:?}");
                    let (ra, rb) = (&ga[j * 5..(j + 1) * 5], &gb[j * 11..(j + 1) * 11]);
                    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * (1.0 + x.abs());
                    for i in 0..n_in {
                        assert!(close(ra[i], rb[i]) && close(ra[i], rb[n_in + i]));
                    }
                    assert!(rb[8..].iter().all(|&g| close(ra[n_in], g)), "{ra:?} {rb:?}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }
}

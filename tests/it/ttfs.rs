//! Time-to-first-spike networks: exact spike times and gradients against an ODE oracle, the
//! layered path against the event-driven engine, training determinism and the command line.

use exactspike::ttfs::lower::{experiment, layer_name};
use exactspike::ttfs::network::{Layer, Network, Trace};
use exactspike::ttfs::neuron::{Decay, FirstSpikeNeuron, FirstSpikeParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::fixture;

fn params(tau_m: f64, tau_syn: f64, cm: f64, v_rest: f64, v_thresh: f64) -> FirstSpikeParams {
    FirstSpikeParams {
        cm,
        tau_m,
        tau_syn,
        v_rest,
        v_thresh,
    }
}

/// First spike and gradients of single neurons against scipy's DOP853 at rtol 1e-12 and central
/// finite differences of it (tests/oracles/ttfs_first_spikes.py), for tau_m/tau_syn = 1, 2, 1.37.
#[test]
fn single_neurons_match_the_ode_oracle() {
    let cases = fixture("ttfs_first_spikes.json");
    let cases = cases["cases"].as_array().unwrap();
    let (mut spiking, mut ratios) = (0, std::collections::BTreeSet::new());
    for case in cases {
        let num = |key: &str| case[key].as_f64().unwrap();
        let list = |key: &str| -> Vec<f64> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let p = params(
            num("tau_m"),
            num("tau_s"),
            num("cm"),
            num("v_rest"),
            num("v_thresh"),
        );
        ratios.insert((p.tau_m / p.tau_syn * 100.0).round() as i64);
        let neuron = FirstSpikeNeuron::new(&p);
        let (times, weights) = (list("times"), list("weights"));
        let mut order: Vec<usize> = (0..times.len()).collect();
        order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
        let sorted: Vec<f64> = order.iter().map(|&i| times[i]).collect();
        let decays: Vec<Decay> = sorted
            .windows(2)
            .map(|w| neuron.decay(w[1] - w[0]))
            .collect();
        let spike = neuron.first_spike(&sorted, |k| weights[order[k]], &decays);
        let id = case["id"].as_str().unwrap();
        match (spike, case["first_spike"].as_f64()) {
            (None, None) => continue,
            (Some(s), Some(want)) => {
                assert!(
                    (s.time - want).abs() < 1e-12,
                    "{id}: T = {} vs ODE {want}",
                    s.time
                );
                spiking += 1;
                let (dw_want, dt_want) = (list("dT_dw"), list("dT_dt"));
                neuron.gradients(
                    &s,
                    &sorted,
                    |k| weights[order[k]],
                    |k, dw, dt| {
                        let i = order[k];
                        for (got, want, what) in
                            [(dw, dw_want[i], "dT/dw"), (dt, dt_want[i], "dT/dt")]
                        {
                            let tol = 1e-6 * want.abs() + 2e-8;
                            assert!(
                                (got - want).abs() < tol,
                                "{id}: {what}[{i}] = {got} vs FD {want}"
                            );
                        }
                    },
                );
            }
            (got, want) => panic!("{id}: {got:?} vs ODE {want:?}"),
        }
    }
    assert!(spiking >= 60, "{spiking} spiking cases");
    assert_eq!(ratios.into_iter().collect::<Vec<_>>(), vec![100, 137, 200]);
}

/// A random two-layer network with a bias per layer and mixed-sign weights.
fn random_network(rng: &mut ChaCha8Rng, p: &FirstSpikeParams) -> Network {
    let sizes = [(6, 12), (12, 4)];
    let layers = sizes
        .iter()
        .map(|&(n_in, n_out)| {
            let weights = (0..(n_in + 1) * n_out)
                .map(|_| rng.random_range(-0.6..1.6))
                .collect();
            Layer::new(
                FirstSpikeNeuron::new(p),
                n_in,
                n_out,
                Some(0.9 * p.tau_syn),
                weights,
            )
        })
        .collect();
    Network::new(layers)
}

/// The layered closed forms and the event-driven engine (`IF_curr_exp`, first spike only) give
/// the same spike times in every layer, for tau_m/tau_syn = 1, 2 and 1.37 and PyNN-like units.
#[test]
fn layered_path_matches_the_event_driven_engine() {
    let mut rng = ChaCha8Rng::seed_from_u64(1414);
    let unit_sets = [
        params(1.0, 1.0, 1.0, 0.0, 1.0),
        params(2.0, 1.0, 1.0, 0.0, 1.0),
        params(1.37, 1.0, 1.0, 0.0, 1.0),
        params(10.0, 5.0, 0.2, -65.0, -50.0),
    ];
    let mut compared = 0;
    for p in &unit_sets {
        for _ in 0..8 {
            let mut network = random_network(&mut rng, p);
            // Scale the weights so that PSPs reach threshold in any units.
            let scale = (p.v_thresh - p.v_rest) * p.cm / p.tau_syn;
            for layer in network.layers_mut() {
                layer.weights_mut().iter_mut().for_each(|w| *w *= scale);
            }
            let input: Vec<f64> = (0..6)
                .map(|i| {
                    if i == 5 {
                        f64::INFINITY
                    } else {
                        rng.random_range(0.0..2.0) * p.tau_syn
                    }
                })
                .collect();
            let mut trace = Trace::default();
            network.forward(&input, &mut trace);
            let t_stop = 60.0 * p.tau_m;
            let recording =
                exactspike::run_in_memory(&experiment(&network, &input, t_stop).unwrap()).unwrap();
            for (l, layered) in trace.outputs.iter().enumerate() {
                let spikes = recording.spikes_of(&layer_name(l)).unwrap();
                let mut engine = vec![f64::INFINITY; layered.len()];
                for (&t, &sender) in spikes.times.iter().zip(&spikes.senders) {
                    assert!(
                        engine[sender as usize].is_infinite(),
                        "neuron {sender} fired twice"
                    );
                    engine[sender as usize] = t;
                }
                for (j, (&a, &b)) in layered.iter().zip(&engine).enumerate() {
                    assert!(
                        a == b || (a - b).abs() <= 1e-9,
                        "{p:?} layer {l} neuron {j}: layered {a} vs engine {b}"
                    );
                    compared += usize::from(a.is_finite());
                }
            }
        }
    }
    assert!(compared > 300, "only {compared} spikes compared");
}

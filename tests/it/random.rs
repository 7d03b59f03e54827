//! PyNN random distributions in experiment files: neuron parameters and connection weights and
//! delays drawn from their own streams, with the requested moments, the same on every run, and
//! bad distributions named.

use exactspike::config::{Cell, Experiment};
use exactspike::network::Network;
use exactspike::neuron::StateVariable;
use std::path::Path;

/// A recurrent E/I network: 800 excitatory neurons with uniform random resting potentials and
/// refractory periods, normal-clipped weights and delays.
const NETWORK: &str = r#"
[simulation]
t_stop = 200.0
seed = 5

[[population]]
name = "exc"
size = 800
model = "IF_cond_exp"
params = { v_rest = { distribution = "uniform", low = -70.0, high = -60.0 }, tau_refrac = { distribution = "normal_clipped", mu = 2.0, sigma = 0.5, low = 0.0, high = inf } }

[[projection]]
pre = "exc"
post = "exc"
connector = { type = "fixed_probability", p = 0.1, allow_self_connections = false }
weight = { distribution = "normal_clipped", mu = 0.004, sigma = 0.002, low = 0.0, high = inf }
delay = { distribution = "uniform", low = 0.5, high = 2.5 }

[record]
spikes = ["exc"]
"#;

/// Mean and standard deviation of `x`.
fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Asserts that `x` has mean `mean` (within 5 standard errors) and standard deviation `sd`
/// (within 5 %).
fn assert_moments(what: &str, x: &[f64], mean: f64, sd: f64) {
    let (m, s) = moments(x);
    let tolerance = 5.0 * sd / (x.len() as f64).sqrt();
    assert!(
        (m - mean).abs() < tolerance,
        "{what}: mean {m}, expected {mean} ± {tolerance}"
    );
    assert!((s - sd).abs() < 0.05 * sd, "{what}: sd {s}, expected {sd}");
}

/// The per-neuron values of parameter `get` of population 0.
fn per_neuron(
    experiment: &Experiment,
    get: fn(&exactspike::neuron::CondExpParams) -> f64,
) -> Vec<f64> {
    let Cell::IfCondExp(params) = &experiment.populations()[0].cell else {
        panic!("IF_cond_exp");
    };
    params.sets().iter().map(get).collect()
}

#[test]
fn drawn_parameters_weights_and_delays_have_the_requested_moments() {
    let experiment = Experiment::from_toml_str(NETWORK, "random.toml").expect("valid");
    let v_rest = per_neuron(&experiment, |p| p.v_rest);
    assert_eq!(v_rest.len(), 800);
    assert!(v_rest.iter().all(|v| (-70.0..-60.0).contains(v)));
    assert_moments("v_rest", &v_rest, -65.0, 10.0 / 12f64.sqrt());
    // Normal(2, 0.5) clipped at 0 is, to 1e-4, Normal(2, 0.5).
    let tau_refrac = per_neuron(&experiment, |p| p.tau_refrac);
    assert_moments("tau_refrac", &tau_refrac, 2.0, 0.5);

    let network = Network::build(&experiment).expect("lowers");
    let synapses: Vec<_> = network.connectivity.synapses().collect();
    assert!(
        (60_000..68_000).contains(&synapses.len()),
        "{} synapses",
        synapses.len()
    );
    let weights: Vec<f64> = synapses.iter().map(|s| s.weight()).collect();
    assert!(weights.iter().all(|&w| w >= 0.0));
    // Normal(μ, σ) truncated to [0, ∞) with α = −μ/σ = −2: mean μ + σ φ(α)/(1 − Φ(α)),
    // variance σ²(1 + α φ(α)/(1 − Φ(α)) − (φ(α)/(1 − Φ(α)))²).
    let (mu, sigma, alpha) = (0.004, 0.002, -2.0f64);
    let phi = (-alpha * alpha / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = 0.977_249_868_051_820_8; // 1 − Φ(−2)
    let lambda = phi / tail;
    let mean = mu + sigma * lambda;
    let sd = sigma * (1.0 + alpha * lambda - lambda * lambda).sqrt();
    assert_moments("weight", &weights, mean, sd);
    let delays: Vec<f64> = network
        .connectivity
        .groups
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.delay, (g.end - g.start) as usize))
        .collect();
    assert_eq!(delays.len(), synapses.len());
    assert!(delays.iter().all(|d| (0.5..2.5).contains(d)));
    assert_moments("delay", &delays, 1.5, 2.0 / 12f64.sqrt());
}

#[test]
fn drawn_values_are_keyed_by_seed_and_name() {
    let a = Experiment::from_toml_str(NETWORK, "random.toml").expect("valid");
    let b = Experiment::from_toml_str(NETWORK, "random.toml").expect("valid");
    assert_eq!(a.populations(), b.populations());
    let (na, nb) = (Network::build(&a).unwrap(), Network::build(&b).unwrap());
    assert_eq!(na.connectivity, nb.connectivity);
    assert_eq!(na.connectivity.groups, nb.connectivity.groups);
    // Another seed draws other values; v_rest and tau_refrac have streams of their own.
    let other = NETWORK.replace("seed = 5", "seed = 6");
    let other = Experiment::from_toml_str(&other, "r.toml").unwrap();
    assert_ne!(
        per_neuron(&a, |p| p.v_rest),
        per_neuron(&other, |p| p.v_rest)
    );
    assert_ne!(
        per_neuron(&a, |p| p.v_rest)[0] + 65.0,
        per_neuron(&a, |p| p.tau_refrac)[0] - 2.0
    );
}

#[test]
fn another_seed_redraws_everything_as_if_the_description_said_it() {
    let file = Experiment::from_toml_str(NETWORK, "random.toml").unwrap();
    let reseeded = file.with_seed(6).expect("the same description");
    let said = NETWORK.replace("seed = 5", "seed = 6");
    let said = Experiment::from_toml_str(&said, "random.toml").unwrap();
    assert_eq!(reseeded.seed(), 6);
    assert_eq!(reseeded.populations(), said.populations());
    assert_eq!(reseeded.projections(), said.projections());
    // What `run --seed 6` reads.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.toml");
    std::fs::write(&path, NETWORK).unwrap();
    let seeded = Experiment::from_file_seeded(&path, Some(6)).unwrap();
    assert_eq!(seeded.populations(), said.populations());
    assert_eq!(seeded.seed(), 6);
    // A network built in code: its random initial potentials too.
    let built = |seed| {
        let mut net = exactspike::config::ExperimentBuilder::new("built", 10.0);
        net.seed(seed);
        let uniform = exactspike::random::RandomDistribution::Uniform {
            low: -70.0,
            high: -60.0,
        };
        let cell = Cell::if_cond_exp(exactspike::neuron::CondExpParams::default());
        net.population("n", 50, cell).initial_v(uniform);
        net.build().unwrap()
    };
    let reseeded = built(1).with_seed(2).unwrap();
    assert_eq!(reseeded.populations(), built(2).populations());
    assert_ne!(reseeded.populations(), built(1).populations());
}

/// Standard normal density.
fn phi(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Mean and standard deviation of Normal(`mu`, `sigma`) restricted to [`low`, `high`], whose
/// standard normal probabilities below the ends are `cdf_low`, `cdf_high`.
fn truncated_normal(
    mu: f64,
    sigma: f64,
    (low, high): (f64, f64),
    (cdf_low, cdf_high): (f64, f64),
) -> (f64, f64) {
    let (a, b) = ((low - mu) / sigma, (high - mu) / sigma);
    let z = cdf_high - cdf_low;
    let (pa, pb) = (phi(a), if b.is_finite() { phi(b) } else { 0.0 });
    let bpb = if b.is_finite() { b * pb } else { 0.0 };
    let mean = mu + sigma * (pa - pb) / z;
    let var = sigma * sigma * (1.0 + (a * pa - bpb) / z - ((pa - pb) / z).powi(2));
    (mean, var.sqrt())
}

/// Φ(−3), Φ(−2) and Φ(3).
const CDF_MINUS_3: f64 = 0.001_349_898_031_630_095;
const CDF_MINUS_2: f64 = 0.022_750_131_948_179_2;
const CDF_3: f64 = 0.998_650_101_968_369_9;

/// The shipped E/I network (`experiments/ei_network.toml`), run for 100 ms.
fn ei_network() -> Experiment {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/ei_network.toml");
    Experiment::from_file(&path)
        .expect("valid")
        .with_t_stop(100.0)
        .expect("valid t_stop")
}

#[test]
fn the_shipped_ei_network_draws_its_initial_state_weights_and_delays_as_asked() {
    let experiment = ei_network();
    let exc = &experiment.populations()[0];
    let initial = exc.initial.as_ref().expect("neurons");
    assert_eq!(initial.v.len(), 800);
    assert!(initial.v.iter().all(|v| (-60.0..-50.0).contains(v)));
    assert_moments("initial v", &initial.v, -55.0, 10.0 / 12f64.sqrt());
    let (mean, sd) = truncated_normal(0.03, 0.01, (0.0, f64::INFINITY), (CDF_MINUS_3, 1.0));
    assert_moments("initial gsyn_exc", &initial.syn_exc, mean, sd);
    let inh = experiment.populations()[1]
        .initial
        .as_ref()
        .expect("neurons");
    assert_ne!(inh.v, initial.v, "each population has its own stream");

    // exc -> exc: the connections from exc nodes onto exc neurons (0..800).
    let network = Network::build(&experiment).expect("lowers");
    let c = &network.connectivity;
    let first = network.first_node[0];
    let (mut weights, mut delays) = (Vec::new(), Vec::new());
    for node in first..first + 800 {
        for group in c.groups_of(node) {
            for k in group.start..group.end {
                let synapse = c.synapse(k as usize).expect("in range");
                if synapse.target() < 800 {
                    weights.push(synapse.weight());
                    delays.push(group.delay);
                }
            }
        }
    }
    assert!(
        (30_000..34_000).contains(&weights.len()),
        "{} synapses",
        weights.len()
    );
    let (mean, sd) = truncated_normal(0.006, 0.002, (0.0, f64::INFINITY), (CDF_MINUS_3, 1.0));
    assert_moments("exc weight", &weights, mean, sd);
    assert!(delays.iter().all(|d| (0.5..=3.0).contains(d)));
    let (mean, sd) = truncated_normal(1.5, 0.5, (0.5, 3.0), (CDF_MINUS_2, CDF_3));
    assert_moments("exc delay", &delays, mean, sd);
}

#[test]
fn the_shipped_ei_network_is_bitwise_the_same_on_reruns_and_records_ten_gsyn_traces() {
    let experiment = ei_network();
    let (a, b) = (
        exactspike::run_in_memory(&experiment).unwrap(),
        exactspike::run_in_memory(&ei_network()).unwrap(),
    );
    let spikes = a.spikes_of("exc").unwrap();
    // About 19 Hz × 800 neurons × 0.1 s.
    assert!(
        (1000..2500).contains(&spikes.times.len()),
        "{} spikes",
        spikes.times.len()
    );
    assert_eq!(spikes, b.spikes_of("exc").unwrap());
    assert_eq!(a.signals, b.signals);
    let initial = experiment.populations()[0].initial.as_ref().unwrap();
    for (variable, first) in [
        (StateVariable::GsynExc, &initial.syn_exc),
        (StateVariable::GsynInh, &initial.syn_inh),
        (StateVariable::V, &initial.v),
    ] {
        let trace = a.signal_of("exc", variable).expect("recorded");
        assert_eq!(trace.times.len(), 1001);
        assert_eq!(trace.values.len(), 1001 * 10);
        assert_eq!(
            &trace.values[..10],
            &first[..10],
            "{variable} at 0 ms: the initial values"
        );
    }
}

/// The one-line error for `NETWORK` with `from` replaced by `to`.
fn error(from: &str, to: &str) -> String {
    crate::common::experiment_error(NETWORK, "random.toml", from, to)
}

#[test]
fn bad_distributions_are_named() {
    assert_eq!(
        error("sigma = 0.5,", "sigma = -0.5,"),
        "random.toml: population[0].params.tau_refrac.sigma: must be ≥ 0, got -0.5"
    );
    assert_eq!(
        error(
            r#"weight = { distribution = "normal_clipped", mu = 0.004, sigma = 0.002, low = 0.0, high = inf }"#,
            r#"weight = { distribution = "normal", mu = 0.004, sigma = 0.002 }"#
        ),
        "random.toml: projection[0].weight: conductance weights must be ≥ 0 µS (the receptor sets the sign), but normal can draw -inf (bound it, e.g. with normal_clipped)"
    );
    assert_eq!(
        error("low = 0.5, high = 2.5", "low = 0.5, high = 0.5"),
        "random.toml: projection[0].delay.high: must be > low (0.5), got 0.5"
    );
    let unknown = error(r#""uniform", low = -70.0"#, r#""uniformly", low = -70.0"#);
    assert_eq!(
        unknown,
        "random.toml: population[0].params.v_rest.distribution: unknown variant `uniformly`, \
         expected one of `uniform`, `normal`, `normal_clipped`, `normal_clipped_to_boundary`, \
         `exponential`, `lognormal`, `gamma`, `uniform_int`"
    );
    // A drawn value that breaks a parameter's rule names the neuron.
    let negative = error(
        "mu = 2.0, sigma = 0.5, low = 0.0",
        "mu = 0.0, sigma = 0.5, low = -5.0",
    );
    assert!(
        negative.starts_with("random.toml: population[0].params[")
            && negative.contains("].tau_refrac: must be ≥ 0, got -"),
        "{negative}"
    );
}

#[test]
fn one_projections_connections_are_those_of_the_built_network() {
    use exactspike::network::connector::Ends;
    use exactspike::network::{connections, Streams};
    let experiment = Experiment::from_toml_str(NETWORK, "random.toml").expect("valid");
    let network = Network::build(&experiment).expect("lowers");
    let projection = &experiment.projections()[0];
    let streams = |ordinal| Streams {
        seed: experiment.seed(),
        pre: "exc",
        post: "exc",
        ordinal,
    };
    let ends = Ends {
        n_pre: 800,
        n_post: 800,
        same: true,
    };
    let made = |ordinal| {
        let made = connections(
            streams(ordinal),
            ends,
            &projection.connector,
            &projection.weight,
            &projection.delay,
        )
        .expect("no value lists");
        let mut all: Vec<(u32, u32, u64, u64)> = made
            .iter()
            .map(|c| (c.pre, c.post, c.weight.to_bits(), c.delay.to_bits()))
            .collect();
        all.sort_unstable();
        all
    };
    // The built network's synapses as (pre, post, weight, delay), one population at node 0.
    let mut built = Vec::new();
    for pre in 0..800u32 {
        for group in network.connectivity.groups_of(pre) {
            for k in group.start..group.end {
                let s = network.connectivity.synapse(k as usize).expect("in range");
                built.push((pre, s.target(), s.weight().to_bits(), group.delay.to_bits()));
            }
        }
    }
    built.sort_unstable();
    assert_eq!(made(0), built);
    // Another ordinal is another draw.
    assert_ne!(made(1), built);
}

/// A network with Poisson drive (folded into the neurons and delivered) and unreliable
/// synapses, for `trial` (none: the key left out).
fn trial_network(trial: Option<u64>) -> Experiment {
    let trial = trial.map_or(String::new(), |t| format!("trial = {t}"));
    let text = format!(
        r#"
[simulation]
t_stop = 300.0
seed = 5
{trial}

[[population]]
name = "noise"
size = 40
model = "SpikeSourcePoisson"
params = {{ rate = 40.0 }}

[[population]]
name = "cells"
size = 30
model = "IF_cond_exp"
initial = {{ v = {{ distribution = "uniform", low = -65.0, high = -50.0 }} }}

[[projection]]
pre = "noise"
post = "cells"
connector = {{ type = "fixed_probability", p = 0.3 }}
weight = {{ distribution = "uniform", low = 0.01, high = 0.03 }}
delay = 1.0
p_transmit = 0.7

[[projection]]
pre = "cells"
post = "cells"
connector = {{ type = "fixed_probability", p = 0.2 }}
weight = 0.02
delay = 1.5

[record]
spikes = ["cells", "noise"]
"#
    );
    Experiment::from_toml_str(&text, "trial.toml").expect("valid")
}

#[test]
fn another_trial_draws_other_noise_on_the_same_network() {
    let spikes = |e: &Experiment, name: &str| {
        let rec = exactspike::run_in_memory(e).expect("runs");
        let train = rec.spikes_of(name).expect("recorded");
        (train.senders.clone(), train.times.clone())
    };
    let (none, zero, one) = (
        trial_network(None),
        trial_network(Some(0)),
        trial_network(Some(1)),
    );
    assert_eq!((zero.trial(), one.trial()), (0, 1));
    assert_eq!(zero.run_seed(), zero.seed());
    assert_ne!(one.run_seed(), one.seed());
    // Trial 0 is the file without a trial; another trial is the same network.
    assert_eq!(spikes(&none, "cells"), spikes(&zero, "cells"));
    assert_eq!(none.populations(), one.populations());
    let synapses = |e: &Experiment| Network::build(e).expect("lowers").connectivity;
    assert_eq!(synapses(&zero), synapses(&one));
    // ... with other Poisson spikes and other transmissions.
    assert_ne!(spikes(&zero, "noise"), spikes(&one, "noise"));
    let (zero_cells, one_cells) = (spikes(&zero, "cells"), spikes(&one, "cells"));
    assert!(zero_cells.1.len() > 50 && one_cells.1.len() > 50);
    assert_ne!(zero_cells, one_cells);
    // Re-seeding keeps the trial.
    assert_eq!(one.clone().with_seed(6).expect("seeds").trial(), 1);
}

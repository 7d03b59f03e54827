//! Engine behaviour against analytic expectations: DC firing, exact membrane samples, source
//! replay, delays, determinism.

use exactspike::config::Experiment;
use exactspike::record::MemoryRecorder;

use crate::common::Edit;

fn run(text: &str) -> MemoryRecorder {
    let experiment = Experiment::from_toml_str(text, "test.toml").expect("valid experiment");
    exactspike::run_in_memory(&experiment).expect("run")
}

/// A DC-driven neuron of `model` (no synaptic input), recording spikes and v.
fn dc_neuron(model: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
t_stop = 200.0
[[population]]
name = "n"
size = 1
model = "{model}"
params = {{ cm = 0.25, tau_m = 10.0, v_rest = -70.0, v_thresh = -55.0, v_reset = -70.0, tau_refrac = 2.0, i_offset = 0.5 {extra} }}
initial = {{ v = -70.0 }}
[record]
spikes = ["n"]
v = {{ populations = ["n"], interval = 0.25 }}
"#
    )
}

/// V∞ = v_rest + i_offset·tau_m/cm = −50 mV; first spike at tau_m ln(20/5), then every
/// tau_refrac + tau_m ln(20/5).
fn check_dc(rec: &MemoryRecorder) {
    let first = 10.0 * 4f64.ln();
    let period = 2.0 + first;
    let times = &rec.spikes_of("n").unwrap().times;
    assert_eq!(
        times.len(),
        (1.0 + (200.0 - first) / period).floor() as usize
    );
    for (k, t) in times.iter().enumerate() {
        let expected = first + k as f64 * period;
        assert!((t - expected).abs() < 1e-9, "spike {k}: {t} vs {expected}");
    }
    // Membrane samples: exactly k·0.25 ms, k = 0..=800, and V(t) analytic before the first spike.
    let v = rec.v_of("n").unwrap();
    assert_eq!(v.times.len(), 801);
    for (k, (&t, &value)) in v.times.iter().zip(&v.values).enumerate() {
        assert_eq!(t, k as f64 * 0.25);
        if t < first {
            let expected = -50.0 - 20.0 * (-t / 10.0).exp();
            assert!(
                (value - expected).abs() < 1e-10,
                "V({t}) = {value} vs {expected}"
            );
        }
    }
}

#[test]
fn curr_exp_dc_firing_is_exact() {
    check_dc(&run(&dc_neuron("IF_curr_exp", "")));
}

#[test]
fn cond_exp_dc_firing_is_exact() {
    check_dc(&run(&dc_neuron("IF_cond_exp", "")));
}

#[test]
fn refractory_clamp_shows_in_samples() {
    let rec = run(&dc_neuron("IF_curr_exp", ""));
    let first = rec.spikes_of("n").unwrap().times[0];
    let v = rec.v_of("n").unwrap();
    let mut clamped = 0;
    for (&t, &value) in v.times.iter().zip(&v.values) {
        if t > first && t <= first + 2.0 {
            assert_eq!(value, -70.0, "V({t}) must be clamped to v_reset");
            clamped += 1;
        }
    }
    // Samples every 0.25 ms: eight of them fall in the 2 ms refractory period.
    assert_eq!(
        clamped, 8,
        "samples in the refractory period after {first} ms"
    );
}

const SOURCES: &str = r#"
[simulation]
t_stop = 500.0
seed = 11
[[population]]
name = "poisson"
size = 3
model = "SpikeSourcePoisson"
params = { rate = 200.0, start = 100.0, duration = 300.0 }
[[population]]
name = "array"
size = 2
model = "SpikeSourceArray"
params = { spike_times = [[1.0, 2.0, 499.0], [500.0, 500.5]] }
[record]
spikes = ["poisson", "array"]
"#;

#[test]
fn array_sources_replay_their_times_up_to_t_stop() {
    let rec = run(SOURCES);
    let array = rec.spikes_of("array").unwrap();
    assert_eq!(array.times, [1.0, 2.0, 499.0, 500.0]);
    assert_eq!(array.senders, [0, 0, 0, 1]);
}

#[test]
fn poisson_sources_respect_their_window_and_rate() {
    let rec = run(SOURCES);
    let poisson = rec.spikes_of("poisson").unwrap();
    assert!(poisson.times.iter().all(|&t| t > 100.0 && t <= 400.0));
    assert!(poisson.times.windows(2).all(|w| w[0] <= w[1]));
    // 3 sources × 200 Hz × 0.3 s = 180 expected, sd ≈ 13.4.
    let n = poisson.times.len() as f64;
    assert!((n - 180.0).abs() < 4.0 * 180f64.sqrt(), "{n}");
}

#[test]
fn same_seed_same_spikes_other_seed_other_spikes() {
    let a = run(SOURCES);
    let b = run(SOURCES);
    assert_eq!(a.spikes, b.spikes);
    let c = run(&SOURCES.replace_once("seed = 11", "seed = 12"));
    assert_ne!(a.spikes_of("poisson"), c.spikes_of("poisson"));
}

/// Sampling neurons (refractory most of the time) with private 2 × 3 kHz noise and recurrent
/// synapses; `recorded` lists extra recorded populations (a recorded source is not folded into
/// its target, so its spikes take the delivery path instead of the deferred private path).
fn refractory_network(recorded: &str) -> String {
    format!(
        r#"
[simulation]
t_stop = 1000.0
seed = 5
[[population]]
name = "n"
size = 8
model = "IF_cond_exp"
params = {{ cm = 0.2, tau_m = 1.0, v_rest = -49.8, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0 }}
initial = {{ v = -50.3 }}
[[population]]
name = "exc"
size = 8
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[population]]
name = "inh"
size = 8
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[projection]]
pre = "exc"
post = "n"
connector = {{ type = "one_to_one" }}
weight = 0.001
delay = 0.1
receptor = "excitatory"
[[projection]]
pre = "inh"
post = "n"
connector = {{ type = "one_to_one" }}
weight = 0.001
delay = 0.1
receptor = "inhibitory"
[[projection]]
pre = "n"
post = "n"
connector = {{ type = "all_to_all" }}
weight = 0.003
delay = 0.3
receptor = "inhibitory"
[record]
spikes = ["n"{recorded}]
v = {{ populations = ["n"], interval = 0.05 }}
"#
    )
}

/// Inputs deferred during refractoriness (private path) give the neurons the same spikes and
/// membrane samples as the same inputs delivered one by one (delivery path).
#[test]
fn deferred_refractory_inputs_match_the_delivery_path() {
    let private = run(&refractory_network(""));
    let delivered = run(&refractory_network(r#", "exc", "inh""#));
    let (a, b) = (
        private.spikes_of("n").unwrap(),
        delivered.spikes_of("n").unwrap(),
    );
    assert!(a.times.len() > 100, "{} spikes", a.times.len());
    assert_eq!(a.senders, b.senders);
    let dt = a
        .times
        .iter()
        .zip(&b.times)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(dt < 1e-9, "spike times differ by {dt} ms");
    let (va, vb) = (private.v_of("n").unwrap(), delivered.v_of("n").unwrap());
    assert_eq!(va.times, vb.times);
    let dv = va
        .values
        .iter()
        .zip(&vb.values)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(dv < 1e-9, "membrane samples differ by {dv} mV");
}

#[path = "../../examples/single_neuron.rs"]
mod example;

/// The same network described in code and in TOML, as `(populations, projections, record)`.
fn same_network(a: &Experiment, b: &Experiment) {
    assert_eq!(a.populations(), b.populations());
    assert_eq!(a.projections(), b.projections());
    assert_eq!(a.record(), b.record());
    assert_eq!((a.t_stop(), a.seed()), (b.t_stop(), b.seed()));
}

#[test]
fn the_builder_makes_the_shipped_experiment_and_its_run() {
    let built = example::sbs_neuron().build().expect("valid");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/sbs_neuron.toml");
    let read = Experiment::from_file(path.as_ref()).expect("valid");
    same_network(&built, &read);
    assert_eq!(built.text(), None);
    assert!(read.text().is_some_and(|t| t.contains("[[population]]")));
    let (a, b) = (
        exactspike::run_in_memory(&built).expect("runs"),
        exactspike::run_in_memory(&read).expect("runs"),
    );
    let spikes = a.spikes_of("neuron").expect("recorded");
    assert!(spikes.times.len() > 10, "{} spikes", spikes.times.len());
    assert_eq!(spikes.times, b.spikes_of("neuron").expect("recorded").times);
    assert_eq!(
        a.v_of("neuron").expect("recorded").values,
        b.v_of("neuron").expect("recorded").values
    );
}

/// The error of building `net`, as its one line.
fn build_error(net: exactspike::config::ExperimentBuilder) -> String {
    net.build().expect_err("invalid").to_string()
}

#[test]
fn builder_errors_name_the_population_and_field() {
    use exactspike::config::{Cell, Connector, NeuronParams};
    use exactspike::neuron::CondExpParams;

    let mut net = example::sbs_neuron();
    net.population(
        "exc2",
        1,
        Cell::if_cond_exp(CondExpParams {
            tau_m: -1.0,
            ..CondExpParams::default()
        }),
    );
    assert_eq!(
        build_error(net),
        "sbs_neuron (built in code): population \"exc2\".params.tau_m: must be > 0, got -1"
    );

    let mut net = example::sbs_neuron();
    let sets = vec![CondExpParams::default(); 2];
    net.population("per", 3, Cell::IfCondExp(NeuronParams::PerNeuron(sets)));
    assert!(build_error(net).ends_with(
        "population \"per\".params: has 2 parameter sets for a population of 3 neurons"
    ));

    let mut net = example::sbs_neuron();
    let bad_reset = CondExpParams {
        v_reset: -40.0,
        ..CondExpParams::default()
    };
    let sets = vec![CondExpParams::default(), bad_reset];
    net.population("per", 2, Cell::IfCondExp(NeuronParams::PerNeuron(sets)));
    assert!(build_error(net).contains("population \"per\".params[1].v_reset: must be below"));

    let mut net = example::sbs_neuron();
    net.projection("nope", "neuron", Connector::OneToOne)
        .weight(0.1);
    assert!(build_error(net)
        .ends_with("projection[2].pre: unknown population 'nope' (known: neuron, exc, inh)"));

    let mut net = example::sbs_neuron();
    net.projection("exc", "neuron", Connector::OneToOne);
    assert!(build_error(net).ends_with("projection[2].weight: missing (µS or nA)"));

    let mut net = example::sbs_neuron();
    net.population("neuron", 1, Cell::if_cond_exp(CondExpParams::default()));
    assert!(build_error(net)
        .ends_with("population \"neuron\".name: duplicate population name 'neuron'"));
}

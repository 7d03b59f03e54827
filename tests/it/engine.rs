//! Engine behaviour against analytic expectations: DC firing, exact membrane samples, source
//! replay, delays, determinism.

use exactspike::config::{Cell, Connector, Experiment, ExperimentBuilder, PoissonParams};
use exactspike::engine::{EventLoop, RunSummary, Simulation};
use exactspike::neuron::{CondExpParams, Receptor};
use exactspike::record::MemoryRecorder;

use crate::common::networks::{
    all_to_all, arrays, assert_same_network, build, lif, poisson, run, sbs, sbs_noise, simulation,
    Model,
};

/// A DC-driven neuron of `model` (no synaptic input), recording spikes and v.
fn dc_neuron(model: Model) -> ExperimentBuilder {
    let p = CondExpParams {
        cm: 0.25,
        tau_m: 10.0,
        v_rest: -70.0,
        v_thresh: -55.0,
        v_reset: -70.0,
        tau_refrac: 2.0,
        i_offset: 0.5,
        ..CondExpParams::default()
    };
    let mut net = ExperimentBuilder::new("dc neuron", 200.0);
    net.population("n", 1, lif(model, p)).initial_v(-70.0);
    net.record_spikes("n").record_v(&["n"], 0.25);
    net
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
    check_dc(&run(dc_neuron(Model::CurrExp)));
}

#[test]
fn cond_exp_dc_firing_is_exact() {
    check_dc(&run(dc_neuron(Model::CondExp)));
}

#[test]
fn refractory_clamp_shows_in_samples() {
    let rec = run(dc_neuron(Model::CurrExp));
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

/// Three Poisson sources at 200 Hz from 100 to 400 ms and two array sources, with seed `seed`.
fn sources(seed: u64) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("sources", 500.0);
    net.seed(seed);
    let window = PoissonParams {
        rate: 200.0,
        start: 100.0,
        duration: 300.0,
    };
    net.population("poisson", 3, Cell::poisson(window));
    let times = [vec![1.0, 2.0, 499.0], vec![500.0, 500.5]];
    net.population("array", 2, arrays(&times));
    net.record_spikes("poisson").record_spikes("array");
    net
}

#[test]
fn array_sources_replay_their_times_up_to_t_stop() {
    let rec = run(sources(11));
    let array = rec.spikes_of("array").unwrap();
    assert_eq!(array.times, [1.0, 2.0, 499.0, 500.0]);
    assert_eq!(array.senders, [0, 0, 0, 1]);
}

#[test]
fn poisson_sources_respect_their_window_and_rate() {
    let rec = run(sources(11));
    let poisson = rec.spikes_of("poisson").unwrap();
    assert!(poisson.times.iter().all(|&t| t > 100.0 && t <= 400.0));
    assert!(poisson.times.windows(2).all(|w| w[0] <= w[1]));
    // 3 sources × 200 Hz × 0.3 s = 180 expected, sd ≈ 13.4.
    let n = poisson.times.len() as f64;
    assert!((n - 180.0).abs() < 4.0 * 180f64.sqrt(), "{n}");
}

#[test]
fn same_seed_same_spikes_other_seed_other_spikes() {
    let a = run(sources(11));
    let b = run(sources(11));
    assert_eq!(a.spikes, b.spikes);
    let c = run(sources(12));
    assert_ne!(a.spikes_of("poisson"), c.spikes_of("poisson"));
}

/// `size` sampling neurons `name` (refractory most of the time) with their own 2 × 3 kHz Poisson
/// noise (populations `noise`) and recurrent inhibition by `connector`.
fn noisy_network(
    net: &mut ExperimentBuilder,
    name: &str,
    size: usize,
    noise: [&str; 2],
    connector: Connector,
) {
    net.population(name, size, Cell::if_cond_exp(sbs(-49.8)))
        .initial_v(-50.3);
    sbs_noise(net, name, size, noise, [0.1, 0.1]);
    net.projection(name, name, connector)
        .weight(0.003)
        .delay(0.3)
        .receptor(Receptor::Inhibitory);
}

/// The noisy network `n` with random recurrent inhibition (`fixed_probability`, p = 0.5: every
/// kind of random stream is used), alone or behind another one (`m`, with its own noise and
/// random connector), whose populations and projections all come first; `n` is recorded.
fn keyed_streams(behind_another: bool) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("streams keyed by name", 500.0);
    net.seed(9);
    let random = Connector::FixedProbability {
        p: 0.5,
        allow_self_connections: false,
    };
    if behind_another {
        noisy_network(&mut net, "m", 4, ["m_exc", "m_inh"], random.clone());
    }
    noisy_network(&mut net, "n", 6, ["exc", "inh"], random);
    net.record_spikes("n").record_v(&["n"], 0.1);
    net
}

/// Random streams are keyed by population name and index (connectors by their populations'
/// names), not by global index: adding another network in front changes nothing of `n`.
#[test]
fn another_network_in_front_leaves_the_noise_unchanged() {
    let (alone, behind) = (run(keyed_streams(false)), run(keyed_streams(true)));
    let [(ta, va), (tb, vb)] = spikes_and_samples_of_n([&alone, &behind], 50);
    assert_eq!(va.len(), 5001 * 6);
    let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(ta), bits(tb), "spike times");
    assert_eq!(bits(va), bits(vb), "membrane samples");
}

/// The spike times [ms] and membrane samples [mV] of population `n` in two runs, after checking
/// that the first has at least `min_spikes` spikes and both the same senders and sample times.
fn spikes_and_samples_of_n(runs: [&MemoryRecorder; 2], min_spikes: usize) -> [(&[f64], &[f64]); 2] {
    let [a, b] = runs.map(|r| (r.spikes_of("n").unwrap(), r.v_of("n").unwrap()));
    assert!(a.0.times.len() >= min_spikes, "{} spikes", a.0.times.len());
    assert_eq!(a.0.senders, b.0.senders);
    assert_eq!(a.1.times, b.1.times);
    [a, b].map(|(spikes, v)| (&spikes.times[..], &v.values[..]))
}

/// Eight noisy sampling neurons `n`, all to all; with `recorded`, the noise is recorded too (a
/// recorded source is not folded into its target, so its spikes take the delivery path instead
/// of the deferred folded path).
fn refractory_network(recorded: bool) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("refractory network", 1000.0);
    net.seed(5);
    noisy_network(&mut net, "n", 8, ["exc", "inh"], all_to_all());
    net.record_spikes("n");
    if recorded {
        net.record_spikes("exc").record_spikes("inh");
    }
    net.record_v(&["n"], 0.05);
    net
}

/// Inputs deferred during refractoriness (folded path) give the neurons the same spikes and
/// membrane samples as the same inputs delivered one by one (delivery path).
#[test]
fn deferred_refractory_inputs_match_the_delivery_path() {
    let folded = run(refractory_network(false));
    let delivered = run(refractory_network(true));
    let [(ta, va), (tb, vb)] = spikes_and_samples_of_n([&folded, &delivered], 101);
    let largest = |x: &[f64], y: &[f64]| {
        x.iter()
            .zip(y)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    let dt = largest(ta, tb);
    assert!(dt < 1e-9, "spike times differ by {dt} ms");
    let dv = largest(va, vb);
    assert!(dv < 1e-9, "membrane samples differ by {dv} mV");
}

#[path = "../../examples/single_neuron.rs"]
mod example;

#[test]
fn the_builder_makes_the_shipped_experiment_and_its_run() {
    let built = example::sbs_neuron().build().expect("valid");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/sbs_neuron.toml");
    let read = Experiment::from_file(path.as_ref()).expect("valid");
    assert_same_network(&built, &read);
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

/// Edge cases the builder accepts or refuses cleanly: a population of no neurons with
/// per-neuron parameter sets runs; an empty per-connection weight list is refused.
#[test]
fn empty_populations_run_and_empty_weight_lists_are_refused() {
    use exactspike::config::{Cell, Connector, ExperimentBuilder, NeuronParams};

    let mut net = ExperimentBuilder::new("empty", 10.0);
    net.population(
        "none",
        0,
        Cell::IfCondExp(NeuronParams::PerNeuron(Vec::new())),
    );
    net.record_spikes("none");
    let experiment = net.build().expect("valid");
    let recording = exactspike::run_in_memory(&experiment).expect("runs");
    assert!(recording
        .spikes_of("none")
        .expect("recorded")
        .times
        .is_empty());

    let mut net = example::sbs_neuron();
    net.projection("exc", "neuron", Connector::OneToOne)
        .weight(Vec::<f64>::new());
    assert_eq!(
        build_error(net),
        "sbs_neuron (built in code): projection[2].weight: is an empty list: give one value, or one per connection"
    );
}

#[path = "../../examples/two_populations.rs"]
mod two_populations;

/// The library guide's two-population program is `examples/two_populations.rs`, word for word,
/// and prints what the guide says it prints.
#[test]
fn the_library_guide_program_is_the_example_and_says_55_spikes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/docs/library.md")).expect("library.md");
    let example = std::fs::read_to_string(format!("{root}/examples/two_populations.rs"))
        .expect("the example");
    let body = &example[example.find("use exactspike").expect("imports")..];
    assert!(
        readme.contains(&format!("```rust\n{body}```")),
        "docs/library.md differs from the example"
    );
    assert!(readme.contains("it prints `55 spikes in\n100 ms`"));
    let experiment = two_populations::network().build().expect("valid");
    let recording = exactspike::run_in_memory(&experiment).expect("runs");
    assert_eq!(
        recording.spikes_of("exc").expect("recorded").times.len(),
        55
    );
}

/// Three sbs neurons under 2 × 3 kHz Poisson noise (one source each) and a shared array of 200
/// spikes, every projection with transmission probability `p`, run for 500 ms; with
/// `record_noise` the noise sources are recorded (so not folded into their neurons).
fn lossy_network(p: f64, record_noise: bool) -> Experiment {
    let mut net = ExperimentBuilder::new("lossy", 500.0);
    net.seed(11);
    net.population("n", 3, lif(Model::CondExp, sbs(-50.3)))
        .initial_v(-50.3);
    let times: Vec<f64> = (0..200).map(|k| 0.5 + 2.5 * k as f64).collect();
    net.population("array", 1, arrays(&[times]));
    for (name, receptor) in [("exc", Receptor::Excitatory), ("inh", Receptor::Inhibitory)] {
        net.population(name, 3, poisson(3000.0));
        net.projection(name, "n", Connector::OneToOne)
            .weight(0.001)
            .receptor(receptor)
            .p_transmit(p);
    }
    net.projection("array", "n", all_to_all())
        .weight(0.002)
        .delay(1.0)
        .p_transmit(p);
    net.record_spikes("n");
    if record_noise {
        net.record_spikes("exc").record_spikes("inh");
    }
    build(net)
}

/// Spikes of `experiment` under `event_loop`, and the run's counters.
fn run_with(experiment: &Experiment, event_loop: EventLoop) -> (Vec<f64>, RunSummary) {
    let (mut sim, mut rec) = simulation(experiment);
    sim.set_loop(event_loop);
    let summary = sim.run(&mut rec, None, &mut |_| {}).expect("runs");
    (rec.spikes_of("n").unwrap().times.clone(), summary)
}

#[test]
fn unreliable_synapses_lose_the_stated_fraction_of_spikes_whatever_the_loop() {
    let p = 0.9;
    let lossy = lossy_network(p, false);
    let (spikes, summary) = run_with(&lossy, EventLoop::Events);
    // Every spike reaches each synapse with probability p, independently: binomial counts.
    let offered = (summary.input_events + summary.lost_events) as f64;
    let lost = summary.lost_events as f64;
    let sd = (offered * p * (1.0 - p)).sqrt();
    assert!(offered > 9000.0, "{offered}");
    assert!(
        (lost - offered * (1.0 - p)).abs() < 4.0 * sd,
        "lost {lost} of {offered}"
    );
    // The same draws in windows: the draw of a (spike, synapse) does not depend on the order.
    let (windowed, windowed_summary) = run_with(&lossy, EventLoop::Windows);
    assert_eq!(windowed, spikes);
    let counts = |s: RunSummary| (s.input_events, s.lost_events, s.neuron_spikes);
    assert_eq!(counts(windowed_summary), counts(summary));
    // Lossy Poisson sources are folded into their neurons like reliable ones, with the same
    // draws as through the delivery queue: lost spikes are skipped where the source draws.
    let unfolded = lossy_network(p, true);
    assert_eq!(Simulation::new(&lossy).unwrap().folded_input_count(), 6);
    assert_eq!(Simulation::new(&unfolded).unwrap().folded_input_count(), 0);
    let (through_queue, queue_summary) = run_with(&unfolded, EventLoop::Events);
    assert_eq!(through_queue, spikes);
    // Folded sources count their lost spikes when they draw past them, up to their next
    // spike that arrives: a few lost spikes beyond the end of the run.
    let lost_by_queue = queue_summary.lost_events;
    assert!(
        summary.lost_events >= lost_by_queue && summary.lost_events - lost_by_queue <= 12,
        "{} vs {lost_by_queue}",
        summary.lost_events
    );
    // Both count every spike emitted, lost or not.
    let drift = summary.source_spikes.abs_diff(queue_summary.source_spikes);
    assert!(
        drift <= 12,
        "{} vs {}",
        summary.source_spikes,
        queue_summary.source_spikes
    );
    let reliable = lossy_network(1.0, false);
    let (reliable_spikes, reliable_summary) = run_with(&reliable, EventLoop::Events);
    assert_eq!(reliable_summary.lost_events, 0);
    assert_ne!(reliable_spikes, spikes);
}

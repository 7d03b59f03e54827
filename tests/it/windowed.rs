//! The windowed loop (src/engine/window.rs), and the models' own loops through their folded
//! inputs (`ExactNeuron::run_inputs`), against the event-by-event loop that takes every input
//! on its own: the same spikes, senders, membrane samples and counters, bitwise, for networks that exercise every kind of
//! event — folded inputs deferred during refractoriness, recorded (unfolded) sources shared by
//! many targets, recurrent connections with per-connection delays down to one window, several
//! delay groups per neuron, short-term plasticity, both neuron models, v recording, equal-time
//! ties, and pauses.

use exactspike::config::{Cell, Connector, Experiment, ExperimentBuilder, PoissonParams};
use exactspike::engine::{EventLoop, RunSummary};
use exactspike::neuron::{CondExpParams, CurrExpParams, NeuronParams, Receptor, StateVariable};
use exactspike::record::MemoryRecorder;
use exactspike::synapse::{SynapseModel, TsoParams};
use exactspike::threads::Threads;

use crate::common::networks::{all_to_all, arrays, build, profile, sbs, sbs_noise, simulation};

/// Run `experiment` with the given loop, with or without the models' input runs, pausing at each
/// of `pauses` [ms] first.
fn run(
    experiment: &Experiment,
    variant: (EventLoop, bool),
    pauses: &[f64],
) -> (MemoryRecorder, RunSummary) {
    let (rec, summary, _) = run_counting(experiment, variant, pauses);
    (rec, summary)
}

/// [`run`], also returning the number of windows that ran on more than one thread.
fn run_counting(
    experiment: &Experiment,
    (event_loop, input_runs): (EventLoop, bool),
    pauses: &[f64],
) -> (MemoryRecorder, RunSummary, u64) {
    let (mut sim, mut rec) = simulation(experiment);
    sim.set_loop(event_loop);
    sim.set_input_runs(input_runs);
    for &t in pauses {
        sim.run_until(t, &mut rec, None, &mut |_| {}).expect("runs");
    }
    let summary = sim.run(&mut rec, None, &mut |_| {}).expect("runs");
    let parallel = sim.parallel_windows();
    (rec, summary, parallel)
}

/// The windowed and the adaptive loop, with and without input runs, give the recordings and
/// counters of the event-by-event loop without them; returns the number of neuron spikes.
fn assert_same(experiment: &Experiment, pauses: &[f64]) -> u64 {
    let (events, s_events) = run(experiment, (EventLoop::Events, false), &[]);
    for variant in [
        (EventLoop::Events, true),
        (EventLoop::Windows, true),
        (EventLoop::Windows, false),
        (EventLoop::Adaptive, true),
    ] {
        let (windows, s_windows) = run(experiment, variant, pauses);
        assert_same_recordings(&events, &windows);
        assert_same_counters(&s_events, &s_windows);
    }
    s_events.neuron_spikes
}

/// The same events and spikes counted.
fn assert_same_counters(a: &RunSummary, b: &RunSummary) {
    assert_eq!(a.input_events, b.input_events);
    assert_eq!(a.neuron_spikes, b.neuron_spikes);
    assert_eq!(a.source_spikes, b.source_spikes);
    assert_eq!(a.lost_events, b.lost_events);
}

/// The same recorded populations (names and sizes, spikes and membrane), then per population the
/// same spikes and senders and the same membrane samples, bitwise.
fn assert_same_recordings(events: &MemoryRecorder, windows: &MemoryRecorder) {
    let (a, b) = (&events.layout, &windows.layout);
    assert_eq!(a.spikes, b.spikes, "populations whose spikes are recorded");
    assert_eq!(a.signals, b.signals, "recorded signals");
    assert_eq!(a.interval.to_bits(), b.interval.to_bits());
    assert_eq!(events.spikes.len(), a.spikes.len());
    assert_eq!(windows.spikes.len(), b.spikes.len());
    assert_eq!(events.signals.len(), a.signals.len());
    assert_eq!(windows.signals.len(), b.signals.len());
    for (((name, _), a), b) in a.spikes.iter().zip(&events.spikes).zip(&windows.spikes) {
        assert_eq!(a.times.len(), b.times.len(), "{name}: spike counts differ");
        let first = a.times.iter().zip(&b.times).position(|(x, y)| x != y);
        assert_eq!(first, None, "{name}: spike times differ");
        assert_eq!(a.senders, b.senders, "{name}: senders differ");
    }
    for ((signal, a), b) in a.signals.iter().zip(&events.signals).zip(&windows.signals) {
        let name = format!("{}/{}", signal.variable, signal.population);
        assert_eq!(a.times, b.times, "{name}: sample times differ");
        assert_eq!(
            a.values.len(),
            b.values.len(),
            "{name}: sample counts differ"
        );
        let first = a
            .values
            .iter()
            .zip(&b.values)
            .position(|(x, y)| x.to_bits() != y.to_bits());
        assert_eq!(first, None, "{name}: membrane samples differ");
    }
}

/// Per-connection delays [ms] for `n` connections: 0.1 ms (one window) to 2 ms in steps of 0.1 ms
/// (tenths divided exactly, as the decimals are read).
fn delays(n: usize) -> Vec<f64> {
    (0..n).map(|k| (1 + k * 37 % 20) as f64 / 10.0).collect()
}

/// sbs samplers with private noise, inhibitory and plastic excitatory recurrence, feeding COBA
/// neurons (shared sources with per-connection delays), which feed CUBA neurons; array sources
/// with equal-time ties. The shortest connections have delay `short` [ms] (0.1 ms: one window);
/// the membranes of the sbs and CUBA neurons are sampled with `record_v`, the CUBA neurons'
/// currents too, and the inhibitory conductance and membrane of three COBA neurons.
fn recurrent_network(short: f64, record_v: bool) -> Experiment {
    let mut net = ExperimentBuilder::new("windowed", 400.0);
    net.seed(11);
    net.population("sbs", 20, Cell::if_cond_exp(sbs(-50.1)))
        .initial_v(-50.3);
    let coba: CondExpParams = profile("coba_benchmark");
    net.population("coba", 10, Cell::if_cond_exp(coba))
        .initial_v(-55.0);
    let cuba = CurrExpParams {
        v_rest: -65.0,
        tau_syn_I: 5.0,
        ..profile("nest_iaf_psc_exp")
    };
    net.population("cuba", 10, Cell::if_curr_exp(cuba));
    sbs_noise(
        &mut net,
        "sbs",
        20,
        ["private_exc", "private_inh"],
        [0.7, short],
    );
    let shared = PoissonParams {
        rate: 400.0,
        start: 20.0,
        duration: 300.0,
    };
    net.population("shared", 8, Cell::poisson(shared));
    let ticks = [
        vec![0.0, 10.0, 10.0, 50.5, 100.0],
        vec![0.0, 10.0, 99.9, 100.0],
    ];
    net.population("ticks", 2, arrays(&ticks));
    let random = |p| Connector::FixedProbability {
        p,
        allow_self_connections: true,
    };
    net.projection("sbs", "sbs", random(0.3))
        .weight(0.002)
        .delay(short)
        .receptor(Receptor::Inhibitory);
    let plastic = TsoParams {
        u_se: 0.5,
        tau_rec: 10.0,
        tau_facil: 5.0,
    };
    net.projection("sbs", "sbs", random(0.2))
        .weight(0.001)
        .delay(0.35)
        .synapse(SynapseModel::TsodyksMarkram(plastic));
    net.projection("shared", "coba", all_to_all())
        .weight(0.01)
        .delay(delays(80));
    let five = Connector::FixedNumberPre {
        n: 5,
        allow_self_connections: true,
        with_replacement: false,
    };
    net.projection("sbs", "coba", five).weight(0.02).delay(1.5);
    net.projection("coba", "cuba", all_to_all())
        .weight(2.0)
        .delay(0.25);
    net.projection("shared", "cuba", all_to_all())
        .weight(0.6)
        .delay(delays(80));
    net.projection("ticks", "cuba", all_to_all())
        .weight(-0.5)
        .delay(short)
        .receptor(Receptor::Inhibitory);
    net.projection("ticks", "sbs", all_to_all())
        .weight(0.003)
        .delay(short);
    for name in ["sbs", "coba", "cuba", "shared", "ticks"] {
        net.record_spikes(name);
    }
    if record_v {
        net.record_v(&["sbs", "cuba"], 0.05);
        net.record_signals("cuba", &[StateVariable::IsynExc, StateVariable::IsynInh]);
        net.record_signals("coba", &[StateVariable::GsynInh, StateVariable::V])
            .indices(&[7, 2, 9]);
    }
    build(net)
}

#[test]
fn recurrent_network_is_the_same_with_and_without_windows() {
    let spikes = assert_same(&recurrent_network(0.1, true), &[]);
    assert!(spikes > 500, "too quiet to test anything: {spikes} spikes");
}

#[test]
fn pauses_change_nothing_either() {
    // Pauses at a window edge, inside a window, at an input spike time and at a sample time.
    assert_same(
        &recurrent_network(0.1, true),
        &[0.0, 10.0, 33.333, 50.5, 100.0, 250.05],
    );
}

#[test]
fn folded_only_network_is_the_same_with_and_without_windows() {
    // No queued connections at all: windows of the maximal length.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/sbs_neuron.toml");
    let shipped = Experiment::from_file(path.as_ref()).expect("valid");
    let spikes = assert_same(&shipped, &[]);
    assert!(spikes > 10, "{spikes}");
}

/// sbs samplers (the closed form) above threshold at rest, whose private noise stops at 100 ms
/// of 300 and who then drive each other alone at 0.1 ms, and sbs neurons with only queued
/// inputs from them: searches that look a bounded way ahead when no input is known to come
/// (`ExactNeuron::lookahead_until`), with wakes at the end of each refractory period.
fn noise_that_stops() -> Experiment {
    let mut net = ExperimentBuilder::new("lookahead", 300.0);
    net.seed(5);
    net.population("samplers", 20, Cell::if_cond_exp(sbs(-49.0)))
        .initial_v(-50.3);
    net.population("readers", 10, Cell::if_cond_exp(sbs(-50.5)))
        .initial_v(-51.0);
    let noise = PoissonParams {
        rate: 3000.0,
        start: 0.0,
        duration: 100.0,
    };
    for (name, receptor) in [("exc", Receptor::Excitatory), ("inh", Receptor::Inhibitory)] {
        net.population(name, 20, Cell::poisson(noise.clone()));
        net.projection(name, "samplers", Connector::OneToOne)
            .weight(0.001)
            .receptor(receptor);
    }
    let ten = Connector::FixedNumberPre {
        n: 10,
        allow_self_connections: false,
        with_replacement: false,
    };
    net.projection("samplers", "samplers", ten.clone())
        .weight(0.002)
        .delay(0.1)
        .receptor(Receptor::Inhibitory);
    net.projection("samplers", "readers", ten).weight(0.003);
    net.record_spikes("samplers");
    net.record_spikes("readers");
    net.record_v(&["samplers", "readers"], 0.5);
    build(net)
}

#[test]
fn bounded_searches_without_known_input_are_the_same_in_every_loop() {
    let network = noise_that_stops();
    let (rec, _) = run(&network, (EventLoop::Events, false), &[]);
    // Both populations fire after the noise has stopped.
    for (population, name) in rec.spikes.iter().zip(["samplers", "readers"]) {
        let late = population.times.iter().filter(|&&t| t > 150.0).count();
        assert!(late > 20, "{name}: {late} spikes after 150 ms");
    }
    assert_same(&network, &[]);
    assert_same(&network, &[100.0, 170.25]);
}

#[test]
fn zero_delay_falls_back_to_the_event_loop() {
    assert_same(&recurrent_network(0.0, true), &[100.0]);
}

#[test]
fn without_membrane_recording_the_same_too() {
    // No samples to take: windows without events are skipped.
    let network = recurrent_network(0.1, false);
    assert!(network.record().signals.is_empty());
    let spikes = assert_same(&network, &[75.0]);
    assert!(spikes > 500, "{spikes}");
}

/// A network whose windows hold enough work to be split over threads: 1000 neurons of the COBA
/// benchmark (two synaptic time constants: the Taylor method; the excitatory ones with a model
/// each) with private Poisson noise
/// (folded), recurrent connections of 0.5 ms with a fifth lost on the way, the excitatory
/// neurons' conductances and some membranes sampled in recording order.
fn threads_network() -> Experiment {
    let mut net = ExperimentBuilder::new("threads", 40.0);
    net.seed(21);
    let coba: CondExpParams = profile("coba_benchmark");
    // The excitatory neurons each with their own v_rest (one model per neuron), across the cuts.
    let each = (0..800)
        .map(|i| CondExpParams {
            v_rest: -60.0 + f64::from(i) / 1000.0,
            ..coba.clone()
        })
        .collect();
    let cells = [
        (
            "exc",
            800,
            -52.0,
            Cell::IfCondExp(NeuronParams::PerNeuron(each)),
        ),
        ("inh", 200, -56.0, Cell::if_cond_exp(coba.clone())),
    ];
    for (name, size, v, cell) in cells {
        net.population(name, size, cell).initial_v(v);
        let noise = [format!("{name}_noise_exc"), format!("{name}_noise_inh")];
        sbs_noise(&mut net, name, size, [&noise[0], &noise[1]], [0.5, 0.7]);
    }
    let random = Connector::FixedProbability {
        p: 0.02,
        allow_self_connections: false,
    };
    for target in ["exc", "inh"] {
        net.projection("exc", target, random.clone())
            .weight(0.004)
            .delay(0.5)
            .p_transmit(0.8);
        net.projection("inh", target, random.clone())
            .weight(0.051)
            .delay(0.6)
            .receptor(Receptor::Inhibitory);
    }
    net.record_spikes("exc");
    net.record_spikes("inh");
    net.record_signals("exc", &[StateVariable::GsynExc, StateVariable::V])
        .indices(&[799, 0, 400, 399, 401]);
    net.record_v(&["inh"], 0.1);
    build(net)
}

#[test]
fn threads_change_nothing() {
    let network = threads_network();
    let (reference, counters) = run(&network, (EventLoop::Events, true), &[]);
    assert!(counters.neuron_spikes > 500, "{counters:?}");
    for threads in [1, 2, 3] {
        let pool = Threads::new(threads).expect("a pool");
        for event_loop in [EventLoop::Windows, EventLoop::Adaptive] {
            let (rec, summary, parallel) =
                pool.run(|| run_counting(&network, (event_loop, true), &[12.5, 30.0]));
            assert_same_recordings(&reference, &rec);
            assert_same_counters(&counters, &summary);
            if event_loop == EventLoop::Windows {
                // 80 windows of about 0.5 ms with some 3000 events each: nearly all are split
                // (not the first, at time 0).
                let expected = if threads == 1 { 0 } else { 70 };
                assert!(
                    parallel >= expected && (threads > 1 || parallel == 0),
                    "{threads} threads: {parallel} windows in parallel"
                );
            }
        }
    }
}

//! Initial values and recorded state variables: synaptic conductances and currents of chosen
//! neurons, sampled on one clock, against their closed form (an exponential decay from the
//! initial value plus one jump per input), the same in both event loops, and in HDF5.

use exactspike::config::{Cell, Connector, Experiment, ExperimentBuilder};
use exactspike::engine::{EventLoop, Simulation};
use exactspike::neuron::{Receptor, StateVariable};
use exactspike::record::inspect::read_signal;
use exactspike::record::MemoryRecorder;

use crate::common::networks::{build, poisson, sbs};

/// Three `IF_cond_exp` and two `IF_curr_exp` neurons with initial synaptic states, no spikes
/// (thresholds far away), driven by one array source: excitatory arrivals at 6 and 13.5 ms,
/// inhibitory at 9 ms.
const NETWORK: &str = r#"
[simulation]
t_stop = 30.0

[[population]]
name = "cond"
size = 3
model = "IF_cond_exp"
params = { tau_syn_E = 4.0, tau_syn_I = 7.0, v_thresh = 20.0 }
initial = { v = [-70.0, -65.0, -60.0], gsyn_exc = [0.01, 0.0, 0.02], gsyn_inh = 0.005 }

[[population]]
name = "curr"
size = 2
model = "IF_curr_exp"
params = { tau_syn_E = 3.0, tau_syn_I = 6.0, v_thresh = 20.0 }
initial = { isyn_exc = 0.2, isyn_inh = [-0.1, -0.3] }

[[population]]
name = "in"
size = 1
model = "SpikeSourceArray"
params = { spike_times = [5.0, 12.5] }

[[population]]
name = "in_inh"
size = 1
model = "SpikeSourceArray"
params = { spike_times = [8.0] }

[[projection]]
pre = "in"
post = "cond"
connector = { type = "all_to_all" }
weight = 0.003
delay = 1.0

[[projection]]
pre = "in_inh"
post = "cond"
connector = { type = "all_to_all" }
weight = 0.004
delay = 1.0
receptor = "inhibitory"

[[projection]]
pre = "in"
post = "curr"
connector = { type = "all_to_all" }
weight = 0.5
delay = 1.0

[[projection]]
pre = "in_inh"
post = "curr"
connector = { type = "all_to_all" }
weight = -0.25
delay = 1.0
receptor = "inhibitory"

[record]
interval = 0.5
signals = [
  { population = "cond", variables = ["gsyn_exc", "gsyn_inh", "v"], indices = [2, 0] },
  { population = "curr", variables = ["isyn_exc", "isyn_inh"] },
]
"#;

/// `initial · e^{−t/τ} + Σ_k w e^{−(t − a_k)/τ}` over the arrivals `a_k ≤ t` [ms].
fn decay(t: f64, initial: f64, tau: f64, w: f64, arrivals: &[f64]) -> f64 {
    let inputs: f64 = (arrivals.iter())
        .filter(|&&a| a <= t)
        .map(|a| w * (-(t - a) / tau).exp())
        .sum();
    initial * (-t / tau).exp() + inputs
}

fn run(experiment: &Experiment, event_loop: EventLoop) -> MemoryRecorder {
    let mut sim = Simulation::new(experiment).expect("builds");
    sim.set_loop(event_loop);
    let mut rec = MemoryRecorder::new(sim.layout().clone());
    sim.run(&mut rec, None, &mut |_| {}).expect("runs");
    rec
}

/// Asserts that `variable` of `population`, recorded for neurons with initial values
/// `initial`, follows [`decay`] at every sample.
fn assert_decays(
    rec: &MemoryRecorder,
    population: &str,
    variable: StateVariable,
    initial: &[f64],
    (tau, w, arrivals): (f64, f64, &[f64]),
) {
    let trace = rec.signal_of(population, variable).expect("recorded");
    assert_eq!(trace.times.len(), 61, "0, 0.5, …, 30 ms");
    let n = initial.len();
    assert_eq!(trace.values.len(), 61 * n);
    for (row, &t) in trace.times.iter().enumerate() {
        for (column, &g0) in initial.iter().enumerate() {
            let got = trace.values[row * n + column];
            let want = decay(t, g0, tau, w, arrivals);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1e-3),
                "{population} {variable} column {column} at {t} ms: {got} != {want}"
            );
        }
    }
}

#[test]
fn recorded_synaptic_states_follow_their_closed_form_from_the_initial_values() {
    let experiment = Experiment::from_toml_str(NETWORK, "signals.toml").expect("valid");
    let rec = run(&experiment, EventLoop::Events);
    // Columns are the neurons listed in `indices`: 2, then 0.
    let exc = (4.0, 0.003, &[6.0, 13.5][..]);
    assert_decays(&rec, "cond", StateVariable::GsynExc, &[0.02, 0.01], exc);
    assert_decays(
        &rec,
        "cond",
        StateVariable::GsynInh,
        &[0.005, 0.005],
        (7.0, 0.004, &[9.0]),
    );
    assert_decays(
        &rec,
        "curr",
        StateVariable::IsynExc,
        &[0.2, 0.2],
        (3.0, 0.5, &[6.0, 13.5]),
    );
    assert_decays(
        &rec,
        "curr",
        StateVariable::IsynInh,
        &[-0.1, -0.3],
        (6.0, -0.25, &[9.0]),
    );
    // A variable listed twice is recorded once.
    let twice = NETWORK.replace(
        r#"["gsyn_exc", "gsyn_inh", "v"]"#,
        r#"["gsyn_exc", "v", "gsyn_exc"]"#,
    );
    let twice = Experiment::from_toml_str(&twice, "signals.toml").expect("valid");
    assert_eq!(
        twice.record().signals[0].variables,
        [StateVariable::GsynExc, StateVariable::V]
    );
    let v = rec.v_of("cond").expect("recorded");
    assert_eq!(
        &v.values[..2],
        &[-60.0, -70.0],
        "initial v of neurons 2 and 0"
    );
    assert!(rec.v_of("curr").is_none());
}

#[test]
fn both_loops_record_the_same_signals_bitwise() {
    let experiment = Experiment::from_toml_str(NETWORK, "signals.toml").expect("valid");
    let (events, windows) = (
        run(&experiment, EventLoop::Events),
        run(&experiment, EventLoop::Windows),
    );
    assert_eq!(events.signals.len(), 5);
    for (a, b) in events.signals.iter().zip(&windows.signals) {
        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.values), bits(&b.values));
        assert_eq!(a.times, b.times);
    }
}

#[test]
fn signals_in_hdf5_carry_their_indices_and_units() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("signals.toml");
    std::fs::write(&toml, NETWORK).unwrap();
    let out = dir.path().join("signals.h5");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args(["run", "--quiet"])
        .arg(&toml)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let experiment = Experiment::from_toml_str(NETWORK, "signals.toml").unwrap();
    let memory = run(&experiment, EventLoop::Events);
    let gsyn = read_signal(&out, StateVariable::GsynExc, "cond").unwrap();
    assert_eq!(gsyn.indices, [2, 0]);
    assert_eq!(
        gsyn.values,
        memory
            .signal_of("cond", StateVariable::GsynExc)
            .unwrap()
            .values
    );
    let isyn = read_signal(&out, StateVariable::IsynInh, "curr").unwrap();
    assert_eq!(isyn.indices, [0, 1]);
    assert_eq!(isyn.times.len(), 61);
    let info = exactspike::record::inspect::summarize(&out).unwrap();
    assert!(
        info.contains("cond: 61 samples x 2 of 3 neurons (values [61, 2] uS), every 0.5 ms"),
        "{info}"
    );
}

/// The one-line error for `NETWORK` with `from` replaced by `to`.
fn error(from: &str, to: &str) -> String {
    crate::common::experiment_error(NETWORK, "signals.toml", from, to)
}

#[test]
fn bad_initial_values_and_signal_requests_are_named() {
    assert_eq!(
        error("gsyn_exc = [0.01, 0.0, 0.02]", "gsyn_exc = [0.01, 0.0]"),
        "signals.toml: population[0].initial.gsyn_exc: 2 values for 3 neurons"
    );
    assert_eq!(
        error("gsyn_inh = 0.005 }", "gsyn_inh = -0.005 }"),
        "signals.toml: population[0].initial.gsyn_inh: conductances must be ≥ 0 µS, got -0.005"
    );
    assert_eq!(
        error("isyn_inh = [-0.1, -0.3]", "isyn_inh = [-0.1, 0.3]"),
        "signals.toml: population[1].initial.isyn_inh[1]: inhibitory currents must be ≤ 0 nA, got 0.3"
    );
    assert_eq!(
        error("initial = { isyn_exc = 0.2,", "initial = { gsyn_exc = 0.2,"),
        "signals.toml: population[1].initial.gsyn_exc: IF_curr_exp has no gsyn_exc; its state variables are v, isyn_exc, isyn_inh"
    );
    assert_eq!(
        error(r#"variables = ["isyn_exc", "isyn_inh"]"#, r#"variables = ["isyn_exc", "gsyn_inh"]"#),
        "signals.toml: record.signals[1].variables[1]: IF_curr_exp has no gsyn_inh; its state variables are v, isyn_exc, isyn_inh"
    );
    assert_eq!(
        error("indices = [2, 0]", "indices = [2, 3]"),
        "signals.toml: record.signals[0].indices[1]: 3 is not in 0..3"
    );
    assert_eq!(
        error("indices = [2, 0]", "indices = [2, 2]"),
        "signals.toml: record.signals[0].indices[1]: neuron 2 is listed twice"
    );
    assert_eq!(
        error("interval = 0.5\n", ""),
        "signals.toml: record.interval: missing: the sampling interval [ms] of record.signals"
    );
    let unknown = error(
        r#"variables = ["isyn_exc", "isyn_inh"]"#,
        r#"variables = ["isyn"]"#,
    );
    assert_eq!(
        unknown,
        "signals.toml: record.signals[1].variables[0] (line 65): unknown variant `isyn`, expected \
         one of `v`, `gsyn_exc`, `gsyn_inh`, `isyn_exc`, `isyn_inh`"
    );
    assert_eq!(
        error(r#"population = "curr","#, r#"population = "in","#),
        "signals.toml: record.signals[1]: 'in' is a spike source and has no state variables"
    );
}

/// A neuron that is refractory most of the time (sbs, v_rest above threshold), driven by one
/// array source folded into it (excitatory every 0.37 ms, 1 ms delay), gsyn_exc sampled every
/// 0.1 ms: the inputs that arrive while it is refractory are deferred, and the samples must
/// still show them. Against the closed form, in both loops.
#[test]
fn samples_show_the_deferred_inputs_of_refractory_neurons() {
    let ticks: Vec<String> = (0..270)
        .map(|k| format!("{:?}", f64::from(k) * 0.37))
        .collect();
    let text = format!(
        r#"
[simulation]
t_stop = 100.0

[[population]]
name = "n"
size = 1
model = "IF_cond_exp"
params = {{ cm = 0.2, tau_m = 1.0, v_rest = -49.0, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0 }}

[[population]]
name = "ticks"
size = 1
model = "SpikeSourceArray"
params = {{ spike_times = [{}] }}

[[projection]]
pre = "ticks"
post = "n"
connector = {{ type = "all_to_all" }}
weight = 0.001
delay = 1.0

[record]
spikes = ["n"]
signals = [{{ population = "n", variables = ["gsyn_exc"] }}]
interval = 0.1
"#,
        ticks.join(", ")
    );
    let experiment = Experiment::from_toml_str(&text, "refractory.toml").expect("valid");
    assert_eq!(
        Simulation::new(&experiment).unwrap().folded_input_count(),
        1
    );
    let arrivals: Vec<f64> = (0..270).map(|k| f64::from(k) * 0.37 + 1.0).collect();
    for event_loop in [EventLoop::Events, EventLoop::Windows] {
        let rec = run(&experiment, event_loop);
        let spikes = &rec.spikes_of("n").expect("recorded").times;
        assert!(spikes.len() >= 9, "{event_loop:?}: {spikes:?}");
        let trace = rec
            .signal_of("n", StateVariable::GsynExc)
            .expect("recorded");
        assert_eq!(trace.times.len(), 1001);
        for (&t, &got) in trace.times.iter().zip(&trace.values) {
            let want = decay(t, 0.0, 10.0, 0.001, &arrivals);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1e-3),
                "{event_loop:?} at {t} ms: {got} != {want}"
            );
        }
    }
}

/// Three mostly refractory neurons, each with its own excitatory and inhibitory Poisson source
/// (the inhibitory ones losing a fifth of their spikes on the way), sampled every 0.1 ms with
/// pauses: the same traces (to rounding) whether the sources are folded into their neurons
/// (their inputs deferred while the neuron is refractory) or not (their spikes recorded, so every
/// input is a delivery), in the adaptive loop on two threads.
#[test]
fn folded_and_delivered_inputs_are_sampled_alike() {
    let network = |record_sources: bool| {
        let mut net = ExperimentBuilder::new("folded", 200.0);
        net.seed(5);
        net.population("n", 3, Cell::if_cond_exp(sbs(-49.5)));
        net.record_spikes("n");
        let sources = [
            ("exc", Receptor::Excitatory, 1.0, 1.0),
            ("inh", Receptor::Inhibitory, 0.7, 0.8),
        ];
        for (name, receptor, delay, p_transmit) in sources {
            net.population(name, 3, poisson(3000.0));
            net.projection(name, "n", Connector::OneToOne)
                .weight(0.001)
                .delay(delay)
                .receptor(receptor)
                .p_transmit(p_transmit);
            if record_sources {
                net.record_spikes(name);
            }
        }
        net.record_interval(0.1);
        let variables = [
            StateVariable::V,
            StateVariable::GsynExc,
            StateVariable::GsynInh,
        ];
        net.record_signals("n", &variables);
        build(net)
    };
    let run_paused = |experiment: Experiment| {
        let mut sim = Simulation::new(&experiment).expect("builds");
        let folded = sim.folded_input_count();
        let mut rec = MemoryRecorder::new(sim.layout().clone());
        let pool = exactspike::threads::Threads::new(2).expect("a pool");
        pool.run(|| {
            for t in [33.3, 100.0] {
                sim.run_until(t, &mut rec, None, &mut |_| {}).expect("runs");
            }
            sim.run(&mut rec, None, &mut |_| {}).expect("runs");
        });
        (rec, folded)
    };
    let (folded, n_folded) = run_paused(network(false));
    let (delivered, n_delivered) = run_paused(network(true));
    assert_eq!((n_folded, n_delivered), (6, 0));
    // The two paths round differently (a folded neuron takes its inputs in its own loop), so
    // the spikes agree to the engine's precision, not bitwise.
    let spikes = |r: &MemoryRecorder| r.spikes_of("n").unwrap().times.clone();
    let (a, b) = (spikes(&folded), spikes(&delivered));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 30, "{a:?}");
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-9),
        "{a:?} {b:?}"
    );
    for variable in [
        StateVariable::V,
        StateVariable::GsynExc,
        StateVariable::GsynInh,
    ] {
        let (a, b) = (
            folded.signal_of("n", variable).unwrap(),
            delivered.signal_of("n", variable).unwrap(),
        );
        assert_eq!(a.values.len(), 3 * 2001);
        for (k, (x, y)) in a.values.iter().zip(&b.values).enumerate() {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1e-3),
                "{variable} sample {k}: folded {x}, delivered {y}"
            );
        }
    }
}

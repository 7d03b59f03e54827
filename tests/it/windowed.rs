//! The windowed loop (src/engine/window.rs), and the models' own loops through their private
//! inputs (`ExactNeuron::run_inputs`), against the event-by-event loop that takes every input
//! on its own: the same spikes, senders, membrane samples and counters, bitwise, for networks that exercise every kind of
//! event — private inputs deferred during refractoriness, recorded (unfolded) sources shared by
//! many targets, recurrent connections with per-connection delays down to one window, several
//! delay groups per neuron, short-term plasticity, both neuron models, v recording, equal-time
//! ties, and pauses.

use exactspike::config::Experiment;
use exactspike::engine::{EventLoop, RunSummary, Simulation};
use exactspike::record::MemoryRecorder;

use crate::common::Edit;

/// Run `text` with the given loop, with or without the models' input runs, pausing at each of
/// `pauses` [ms] first.
fn run(
    text: &str,
    (event_loop, input_runs): (EventLoop, bool),
    pauses: &[f64],
) -> (MemoryRecorder, RunSummary) {
    let experiment = Experiment::from_toml_str(text, "windowed.toml").expect("valid");
    let mut sim = Simulation::new(&experiment).expect("builds");
    sim.set_loop(event_loop);
    sim.set_input_runs(input_runs);
    let mut rec = MemoryRecorder::new(sim.layout().clone());
    for &t in pauses {
        sim.run_until(t, &mut rec, None, &mut |_| {}).expect("runs");
    }
    let summary = sim.run(&mut rec, None, &mut |_| {}).expect("runs");
    (rec, summary)
}

/// The windowed and the adaptive loop, with and without input runs, give the recordings and
/// counters of the event-by-event loop without them; returns the number of neuron spikes.
fn assert_same(text: &str, pauses: &[f64]) -> u64 {
    let (events, s_events) = run(text, (EventLoop::Events, false), &[]);
    for variant in [
        (EventLoop::Events, true),
        (EventLoop::Windows, true),
        (EventLoop::Windows, false),
        (EventLoop::Adaptive, true),
    ] {
        let (windows, s_windows) = run(text, variant, pauses);
        assert_same_recordings(&events, &windows);
        assert_eq!(s_events.input_events, s_windows.input_events);
        assert_eq!(s_events.neuron_spikes, s_windows.neuron_spikes);
        assert_eq!(s_events.source_spikes, s_windows.source_spikes);
    }
    s_events.neuron_spikes
}

/// The same recorded populations (names and sizes, spikes and membrane), then per population the
/// same spikes and senders and the same membrane samples, bitwise.
fn assert_same_recordings(events: &MemoryRecorder, windows: &MemoryRecorder) {
    let (a, b) = (&events.layout, &windows.layout);
    assert_eq!(a.spikes, b.spikes, "populations whose spikes are recorded");
    assert_eq!(a.v, b.v, "populations whose membrane is recorded");
    assert_eq!(a.v_interval.to_bits(), b.v_interval.to_bits());
    assert_eq!(events.spikes.len(), a.spikes.len());
    assert_eq!(windows.spikes.len(), b.spikes.len());
    assert_eq!(events.v.len(), a.v.len());
    assert_eq!(windows.v.len(), b.v.len());
    for (((name, _), a), b) in a.spikes.iter().zip(&events.spikes).zip(&windows.spikes) {
        assert_eq!(a.times.len(), b.times.len(), "{name}: spike counts differ");
        let first = a.times.iter().zip(&b.times).position(|(x, y)| x != y);
        assert_eq!(first, None, "{name}: spike times differ");
        assert_eq!(a.senders, b.senders, "{name}: senders differ");
    }
    for (((name, _), a), b) in a.v.iter().zip(&events.v).zip(&windows.v) {
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

/// Per-connection delays for `n` connections: 0.1 ms (one window) to 2 ms.
fn delays(n: usize) -> String {
    let list: Vec<String> = (0..n)
        .map(|k| format!("{:.2}", 0.1 + (k * 37 % 20) as f64 * 0.1))
        .collect();
    format!("[{}]", list.join(", "))
}

fn recurrent_network() -> String {
    format!(
        r#"
[simulation]
t_stop = 400.0
seed = 11
[[population]]
name = "sbs"
size = 20
model = "IF_cond_exp"
params = {{ cm = 0.2, tau_m = 1.0, v_rest = -50.1, v_thresh = -50.0, v_reset = -50.001, tau_refrac = 10.0, tau_syn_E = 10.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -100.0 }}
initial = {{ v = -50.3 }}
[[population]]
name = "coba"
size = 10
model = "IF_cond_exp"
params = {{ cm = 0.2, tau_m = 20.0, v_rest = -60.0, v_thresh = -50.0, v_reset = -60.0, tau_refrac = 5.0, tau_syn_E = 5.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -80.0 }}
initial = {{ v = -55.0 }}
[[population]]
name = "cuba"
size = 10
model = "IF_curr_exp"
params = {{ cm = 0.25, tau_m = 10.0, v_rest = -65.0, v_thresh = -55.0, v_reset = -70.0, tau_refrac = 2.0, tau_syn_E = 2.0, tau_syn_I = 5.0 }}
[[population]]
name = "private_exc"
size = 20
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[population]]
name = "private_inh"
size = 20
model = "SpikeSourcePoisson"
params = {{ rate = 3000.0 }}
[[population]]
name = "shared"
size = 8
model = "SpikeSourcePoisson"
params = {{ rate = 400.0, start = 20.0, duration = 300.0 }}
[[population]]
name = "ticks"
size = 2
model = "SpikeSourceArray"
params = {{ spike_times = [[0.0, 10.0, 10.0, 50.5, 100.0], [0.0, 10.0, 99.9, 100.0]] }}
[[projection]]
pre = "private_exc"
post = "sbs"
connector = {{ type = "one_to_one" }}
weight = 0.001
delay = 0.7
receptor = "excitatory"
[[projection]]
pre = "private_inh"
post = "sbs"
connector = {{ type = "one_to_one" }}
weight = 0.001
delay = 0.1
receptor = "inhibitory"
[[projection]]
pre = "sbs"
post = "sbs"
connector = {{ type = "fixed_probability", p = 0.3 }}
weight = 0.002
delay = 0.1
receptor = "inhibitory"
[[projection]]
pre = "sbs"
post = "sbs"
connector = {{ type = "fixed_probability", p = 0.2 }}
weight = 0.001
delay = 0.35
receptor = "excitatory"
synapse = {{ type = "TsodyksMarkramSynapse", U = 0.5, tau_rec = 10.0, tau_facil = 5.0 }}
[[projection]]
pre = "shared"
post = "coba"
connector = {{ type = "all_to_all" }}
weight = 0.01
delay = {shared_delays}
receptor = "excitatory"
[[projection]]
pre = "sbs"
post = "coba"
connector = {{ type = "fixed_number_pre", n = 5 }}
weight = 0.02
delay = 1.5
receptor = "excitatory"
[[projection]]
pre = "coba"
post = "cuba"
connector = {{ type = "all_to_all" }}
weight = 2.0
delay = 0.25
receptor = "excitatory"
[[projection]]
pre = "shared"
post = "cuba"
connector = {{ type = "all_to_all" }}
weight = 0.6
delay = {cuba_delays}
receptor = "excitatory"
[[projection]]
pre = "ticks"
post = "cuba"
connector = {{ type = "all_to_all" }}
weight = -0.5
delay = 0.1
receptor = "inhibitory"
[[projection]]
pre = "ticks"
post = "sbs"
connector = {{ type = "all_to_all" }}
weight = 0.003
delay = 0.1
receptor = "excitatory"
[record]
spikes = ["sbs", "coba", "cuba", "shared", "ticks"]
v = {{ populations = ["sbs", "cuba"], interval = 0.05 }}
"#,
        shared_delays = delays(80),
        cuba_delays = delays(80),
    )
}

#[test]
fn recurrent_network_is_the_same_with_and_without_windows() {
    let spikes = assert_same(&recurrent_network(), &[]);
    assert!(spikes > 500, "too quiet to test anything: {spikes} spikes");
}

#[test]
fn pauses_change_nothing_either() {
    // Pauses at a window edge, inside a window, at an input spike time and at a sample time.
    assert_same(
        &recurrent_network(),
        &[0.0, 10.0, 33.333, 50.5, 100.0, 250.05],
    );
}

#[test]
fn folded_only_network_is_the_same_with_and_without_windows() {
    // No queued connections at all: windows of the maximal length.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/sbs_neuron.toml"
    ))
    .unwrap();
    let spikes = assert_same(&text, &[]);
    assert!(spikes > 10, "{spikes}");
}

#[test]
fn zero_delay_falls_back_to_the_event_loop() {
    let text = recurrent_network().replace_n("delay = 0.1\n", "delay = 0.0\n", 4);
    assert_same(&text, &[100.0]);
}

#[test]
fn without_membrane_recording_the_same_too() {
    // No samples to take: windows without events are skipped.
    let text = recurrent_network().replace_once(
        "v = { populations = [\"sbs\", \"cuba\"], interval = 0.05 }\n",
        "",
    );
    assert!(!text.contains("interval"));
    let spikes = assert_same(&text, &[75.0]);
    assert!(spikes > 500, "{spikes}");
}

//! Input events per second of the engine for `IF_cond_exp` sampling neurons (tau_m = 1 ms,
//! tau_syn = 10 ms) each driven by its own 3 kHz excitatory and 3 kHz inhibitory Poisson source
//! (0.001 µS), for 1 neuron and for 1000 neurons. Also the same for the COBA-benchmark neuron
//! (tau_syn_E = 5 ms ≠ tau_syn_I = 10 ms) and for `IF_curr_exp`, feed-forward and in a small
//! recurrent network (80 excitatory and 20 inhibitory neurons, 10 % connectivity).
//!
//! Run: `cargo bench --bench throughput [-- FILTER]` (prints one line per case whose label
//! contains FILTER; not a test). Every case runs on one thread.

use exactspike::config::Experiment;
use exactspike::engine::Simulation;
use exactspike::record::MemoryRecorder;
use exactspike::threads::Threads;

mod common;
use common::{experiment, SBS};

/// The COBA-benchmark neuron (tau_syn 5/10 ms: the general method).
const COBA: &str = "model = \"IF_cond_exp\"\nparams = { cm = 0.2, tau_m = 20.0, v_rest = -60.0, v_thresh = -50.0, v_reset = -60.0, tau_refrac = 5.0, tau_syn_E = 5.0, tau_syn_I = 10.0, e_rev_E = 0.0, e_rev_I = -80.0 }\ninitial = { v = -60.0 }";
/// An `IF_curr_exp` neuron (tau_m 10 ms, tau_syn 2/5 ms).
const CUBA: &str = "model = \"IF_curr_exp\"\nparams = { cm = 0.25, tau_m = 10.0, v_rest = -70.0, v_thresh = -55.0, v_reset = -70.0, tau_refrac = 2.0, tau_syn_E = 2.0, tau_syn_I = 5.0 }\ninitial = { v = -70.0 }";

/// 80 excitatory and 20 inhibitory `IF_curr_exp` neurons, each driven by 5 kHz of Poisson input
/// (0.05 nA), connected with probability 0.1 (0.05 nA and −0.2 nA, 1 ms), for 2 s: the
/// recurrent case of issue 16, whose recurrent spikes go through the queue. The drive is each
/// neuron's own source (folded into it), or with `shared` 100 sources at 500 Hz, each reaching
/// a tenth of the neurons (so every drive spike is a queued delivery too).
fn recurrent_cuba(shared: bool) -> String {
    let mut text = String::from("[simulation]\nt_stop = 2000.0\nseed = 1\n");
    let (rate, connector) = if shared {
        (500.0, "{ type = \"fixed_probability\", p = 0.1 }")
    } else {
        (5000.0, "{ type = \"one_to_one\" }")
    };
    for (name, size) in [("exc", 80), ("inh", 20)] {
        text += &format!(
            "[[population]]\nname = \"{name}\"\nsize = {size}\n{CUBA}\n\
             [[population]]\nname = \"{name}_drive\"\nsize = {}\n\
             model = \"SpikeSourcePoisson\"\nparams = {{ rate = {rate:?} }}\n\
             [[projection]]\npre = \"{name}_drive\"\npost = \"{name}\"\n\
             connector = {connector}\nweight = 0.05\ndelay = 1.0\n",
            if shared { 100 } else { size }
        );
    }
    for (pre, weight, receptor) in [("exc", 0.05, "excitatory"), ("inh", -0.2, "inhibitory")] {
        for post in ["exc", "inh"] {
            text += &format!(
                "[[projection]]\npre = \"{pre}\"\npost = \"{post}\"\n\
                 connector = {{ type = \"fixed_probability\", p = 0.1 }}\n\
                 weight = {weight}\ndelay = 1.0\nreceptor = \"{receptor}\"\n"
            );
        }
    }
    text + "[record]\nspikes = [\"exc\", \"inh\"]\n"
}

fn measure(label: &str, text: &str) {
    if !common::selected(label) {
        return;
    }
    let experiment = Experiment::from_toml_str(text, label).expect("valid");
    let one = Threads::new(1).expect("one thread");
    let mut best: Option<exactspike::engine::RunSummary> = None;
    for _ in 0..3 {
        let mut sim = Simulation::new(&experiment).expect("builds");
        let mut rec = MemoryRecorder::new(sim.layout().clone());
        let summary = one
            .run(|| sim.run(&mut rec, None, &mut |_| {}))
            .expect("runs");
        if best.is_none_or(|b| summary.wall_seconds < b.wall_seconds) {
            best = Some(summary);
        }
    }
    let s = best.unwrap();
    println!(
        "{label:<44} {:>11} input events  {:>8} spikes  {:>7.3} s  {:>6.2} M events/s  {:>6.1} ns/event",
        s.input_events,
        s.neuron_spikes,
        s.wall_seconds,
        s.events_per_second() / 1e6,
        1e9 / s.events_per_second()
    );
}

fn main() {
    measure(
        "IF_cond_exp sbs, 1 neuron, 2x3 kHz",
        &experiment(1, SBS, 0.001, 0.001, 200_000.0),
    );
    measure(
        "IF_cond_exp sbs, 1000 neurons, 2x3 kHz",
        &experiment(1000, SBS, 0.001, 0.001, 200.0),
    );
    measure(
        "IF_cond_exp COBA 5/10 ms, 1000 neurons",
        &experiment(1000, COBA, 0.006, 0.067, 20.0),
    );
    measure(
        "IF_curr_exp 2/5 ms, 1000 neurons",
        &experiment(1000, CUBA, 0.05, -0.05, 1_000.0),
    );
    measure(
        "IF_curr_exp recurrent, 80+20 neurons, p 0.1",
        &recurrent_cuba(false),
    );
    measure("IF_curr_exp recurrent, shared drive", &recurrent_cuba(true));
}

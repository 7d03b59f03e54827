//! Nanoseconds per advance + receive + spike-search cycle of one neuron driven by a merged
//! 2 × 3 kHz Poisson input: `IF_cond_exp` (0.001 µS) for the sampling neuron (tau_syn 10/10 ms,
//! closed form), the same with tau_syn_I = 7 ms and the COBA neuron (5/10 ms, general path), and
//! `IF_curr_exp` (tau_m 10, tau_syn 2/5 ms, ±0.05 nA).
//!
//! Run: `cargo bench --bench neuron_cycle [-- FILTER]` (prints one line per case whose label
//! contains FILTER; not a test).

mod common;

use std::path::Path;

use exactspike::config::{Cell, Experiment};
use exactspike::neuron::{CondExp, CondExpParams, CurrExp, ExactNeuron, Receptor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Parameters of the shipped profile `models/neurons/NAME.toml` (the single source of these sets).
fn profile(name: &str) -> Cell {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("models/neurons/{name}.toml"));
    let text = format!(
        "[simulation]\nt_stop = 1.0\n[[population]]\nname = \"n\"\nsize = 1\nprofile = {:?}\n",
        path.to_str().expect("utf-8 path")
    );
    let experiment = Experiment::from_toml_str(&text, name).expect("shipped profile is valid");
    experiment.populations()[0].cell.clone()
}

fn cond_exp_profile(name: &str) -> CondExpParams {
    match profile(name) {
        Cell::IfCondExp(params) => params.first().clone(),
        other => panic!("{name} is not IF_cond_exp: {other:?}"),
    }
}

/// Returns (ns per cycle, spikes, simulated ms) for `n` inputs of ±`weight` onto `m` starting at
/// `v0` [mV]. `bounded`: the spike search knows the next input time (as the engine does for
/// folded inputs, see `engine::folded`) and only covers the interval up to it; otherwise it
/// predicts the next spike without a bound.
fn cycle<M: ExactNeuron>(
    m: &M,
    v0: f64,
    weight: [f64; 2],
    n: u64,
    bounded: bool,
) -> (f64, u64, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut st = m.initial_state(v0);
    let (mut t, mut spikes) = (0.0, 0u64);
    // Merged 2 × 3 kHz Poisson input [ms], drawn one ahead.
    let mut t_next = -rng.random::<f64>().ln() / 6.0;
    let start = std::time::Instant::now();
    let search = |m: &M, st: &mut M::State, horizon: f64| {
        if bounded {
            m.next_spike_before(st, horizon)
        } else {
            m.next_spike(st)
        }
    };
    let mut next = search(m, &mut st, t_next);
    for _ in 0..n {
        t = t_next;
        t_next = t - rng.random::<f64>().ln() / 6.0;
        while let Some(ts) = next.filter(|&ts| ts <= t) {
            m.advance(&mut st, ts);
            m.fire(&mut st);
            spikes += 1;
            next = search(m, &mut st, t);
        }
        m.advance(&mut st, t);
        let (receptor, w) = if rng.random::<bool>() {
            (Receptor::Excitatory, weight[0])
        } else {
            (Receptor::Inhibitory, weight[1])
        };
        m.receive(&mut st, receptor, w);
        next = search(m, &mut st, t_next);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    (ns, spikes, t)
}

/// Runs and prints the case `label` unless command-line filters are given and none is part of it.
fn report(label: &str, n: u64, run: impl Fn() -> (f64, u64, f64)) {
    if !common::selected(label) {
        return;
    }
    let best = (0..3)
        .map(|_| run())
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    println!(
        "{label:<46} {:>9.1} ns/cycle  ({n} inputs, {} spikes in {:.0} ms)",
        best.0, best.1, best.2
    );
}

fn main() {
    let cond = [
        (
            "sampling 10/10 ms (closed form)",
            cond_exp_profile("sampling_lif"),
            2_000_000,
        ),
        (
            "sampling 10/7 ms (general)",
            CondExpParams {
                tau_syn_I: 7.0,
                ..cond_exp_profile("sampling_lif")
            },
            50_000,
        ),
        (
            "COBA 5/10 ms (general)",
            cond_exp_profile("coba_benchmark"),
            100_000,
        ),
    ];
    for (label, p, n) in cond {
        let model = CondExp::new(&p);
        for (mode, bounded) in [("unbounded", false), ("bounded", true)] {
            report(&format!("{label}, {mode}"), n, || {
                cycle(&model, p.v_rest, [0.001, 0.001], n, bounded)
            });
        }
    }
    let Cell::IfCurrExp(nest_default) = profile("nest_iaf_psc_exp") else {
        panic!("nest_iaf_psc_exp is IF_curr_exp");
    };
    let p = exactspike::neuron::CurrExpParams {
        tau_syn_I: 5.0,
        ..nest_default.first().clone()
    };
    let model = CurrExp::new(&p);
    let n = 2_000_000;
    for (mode, bounded) in [("unbounded", false), ("bounded", true)] {
        report(&format!("IF_curr_exp 2/5 ms, {mode}"), n, || {
            cycle(&model, p.v_rest, [0.05, -0.05], n, bounded)
        });
    }
}

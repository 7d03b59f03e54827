//! Where the time of one folded input goes, for the sampling neuron of
//! `benches/throughput.rs` (`IF_cond_exp`, tau_m 1 ms, tau_syn 10/10 ms, its own 3 kHz
//! excitatory and 3 kHz inhibitory Poisson source at 0.001 µS, 1 ms delay):
//!
//! * `sources`: the two Poisson sources alone, drawing their trains and merging them in arrival
//!   order as the engine does (ChaCha8 + ziggurat per spike);
//! * `model`: the model's own input loop (`ExactNeuron::run_inputs`, with spikes and refractory
//!   periods) on the same merged train drawn beforehand;
//! * `engine`: both together in the engine, as in `throughput` ("1 neuron").
//!
//! `engine − sources − model` is what the engine adds. Run: `cargo bench --bench input_budget`
//! (one line per part, best of three; not a test).

mod common;

use std::time::Instant;

use exactspike::config::{Cell, Experiment, PoissonParams};
use exactspike::engine::Simulation;
use exactspike::neuron::{CondExp, CondExpParams, ExactNeuron, InputFeed, Receptor};
use exactspike::record::MemoryRecorder;
use exactspike::source::Source;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Simulated time [ms] of each part (1.2 M inputs at 6 kHz).
const T_STOP: f64 = 200_000.0;
/// Synaptic weight of both sources [µS].
const WEIGHT: f64 = 0.001;
/// Delay of both projections [ms].
const DELAY: f64 = 1.0;

/// The `throughput` network with one sampling neuron, and that neuron's parameters.
fn network() -> (Experiment, CondExpParams) {
    let text = common::experiment(1, common::SBS, WEIGHT, WEIGHT, T_STOP);
    let experiment = Experiment::from_toml_str(&text, "input_budget").expect("valid");
    let Cell::IfCondExp(params) = &experiment.populations()[0].cell else {
        panic!("the sampling neuron is IF_cond_exp");
    };
    let params = params.first().clone();
    (experiment, params)
}

/// The excitatory and inhibitory 3 kHz sources, each with its own stream.
fn sources() -> [Source; 2] {
    let params = PoissonParams {
        rate: 3000.0,
        start: 0.0,
        duration: T_STOP - DELAY,
    };
    [1, 2].map(|seed| Source::poisson(&params, ChaCha8Rng::seed_from_u64(seed)))
}

/// Merge the two trains in arrival order, calling `each(arrival [ms], receptor)`; returns the
/// number of spikes.
fn merge(sources: &mut [Source; 2], mut each: impl FnMut(f64, Receptor)) -> u64 {
    let mut next = [0, 1].map(|i| sources[i].next_time().unwrap_or(f64::INFINITY));
    let mut n = 0;
    loop {
        let i = usize::from(next[1] < next[0]);
        if next[i] == f64::INFINITY {
            return n;
        }
        let receptor = [Receptor::Excitatory, Receptor::Inhibitory][i];
        each(next[i] + DELAY, receptor);
        next[i] = sources[i].advance_to_next();
        n += 1;
    }
}

/// A merged train drawn beforehand, fed to the model.
struct Train<'a> {
    inputs: &'a [(f64, Receptor)],
    cursor: usize,
}

impl InputFeed for Train<'_> {
    fn next_arrival(&self) -> f64 {
        self.inputs
            .get(self.cursor)
            .map_or(f64::INFINITY, |&(t, _)| t)
    }

    fn take(&mut self) -> (Receptor, f64, f64) {
        let (_, receptor) = self.inputs[self.cursor];
        self.cursor += 1;
        (receptor, WEIGHT, self.next_arrival())
    }
}

/// Nanoseconds per input of drawing and merging the two trains.
fn time_sources() -> (f64, u64) {
    let mut sources = sources();
    let mut checksum = 0.0;
    let start = Instant::now();
    let n = merge(&mut sources, |t, _| checksum += t);
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    assert!(checksum > 0.0);
    (ns, n)
}

/// Nanoseconds per input of the model's input loop on the merged train, and its spike count.
fn time_model(model: &CondExp, v0: f64, train: &[(f64, Receptor)]) -> (f64, u64) {
    let mut state = model.initial_state(v0);
    let mut feed = Train {
        inputs: train,
        cursor: 0,
    };
    let mut spikes = 0;
    let start = Instant::now();
    while feed.next_arrival() < f64::INFINITY {
        let run = model
            .run_inputs(&mut state, &mut feed, f64::INFINITY)
            .expect("the closed form has an input loop");
        if let Some(t) = run.spike {
            model.advance(&mut state, t);
            model.fire(&mut state);
            spikes += 1;
        }
    }
    (
        start.elapsed().as_nanos() as f64 / train.len() as f64,
        spikes,
    )
}

/// Nanoseconds per input of the engine on the same network, and its spike count.
fn time_engine(experiment: &Experiment) -> (f64, u64) {
    let mut sim = Simulation::new(experiment).expect("builds");
    let mut recorder = MemoryRecorder::new(sim.layout().clone());
    let summary = sim.run(&mut recorder, None, &mut |_| {}).expect("runs");
    (1e9 / summary.events_per_second(), summary.neuron_spikes)
}

/// Best (lowest) of three runs of `part`.
fn best(part: impl Fn() -> (f64, u64)) -> (f64, u64) {
    (0..3)
        .map(|_| part())
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("three runs")
}

fn main() {
    let (experiment, params) = network();
    let model = CondExp::new(&params);
    let mut train = Vec::new();
    merge(&mut sources(), |t, receptor| train.push((t, receptor)));
    let (sources_ns, n) = best(time_sources);
    let (model_ns, model_spikes) = best(|| time_model(&model, params.v_rest, &train));
    let (engine_ns, engine_spikes) = best(|| time_engine(&experiment));
    println!("sources (2 x 3 kHz Poisson, merged)   {sources_ns:>6.1} ns/input  ({n} inputs)");
    println!(
        "model (run_inputs on the drawn train)  {model_ns:>6.1} ns/input  ({} inputs, {model_spikes} spikes)",
        train.len()
    );
    println!("engine (both, as in throughput)        {engine_ns:>6.1} ns/input  ({engine_spikes} spikes)");
    println!(
        "engine - sources - model               {:>6.1} ns/input",
        engine_ns - sources_ns - model_ns
    );
}

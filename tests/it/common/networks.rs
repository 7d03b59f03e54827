//! Networks built in code with the typed builder ([`ExperimentBuilder`]), for the tests that need a
//! network rather than a test of the TOML front (those, the bad-input, profile and command-line
//! tests stay on TOML).

use exactspike::config::{
    ArrayParams, Cell, Connector, Experiment, ExperimentBuilder, PoissonParams, SpikeTimes,
};
use exactspike::engine::Simulation;
use exactspike::neuron::{CondExpParams, CurrExpParams, Receptor};
use exactspike::record::MemoryRecorder;
use serde::de::DeserializeOwned;
use std::path::Path;

/// The two integrate-and-fire models, to build the same neuron as either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// `IF_cond_exp`.
    CondExp,
    /// `IF_curr_exp`.
    CurrExp,
}

impl Model {
    /// Both models, conductance-based first.
    pub const BOTH: [Model; 2] = [Model::CondExp, Model::CurrExp];
}

/// Neurons of `model` with the parameters of `p`; `IF_curr_exp` takes every field but the reversal
/// potentials.
pub fn lif(model: Model, p: CondExpParams) -> Cell {
    match model {
        Model::CondExp => Cell::if_cond_exp(p),
        Model::CurrExp => Cell::if_curr_exp(CurrExpParams {
            cm: p.cm,
            tau_m: p.tau_m,
            v_rest: p.v_rest,
            v_thresh: p.v_thresh,
            v_reset: p.v_reset,
            tau_refrac: p.tau_refrac,
            tau_syn_E: p.tau_syn_E,
            tau_syn_I: p.tau_syn_I,
            i_offset: p.i_offset,
        }),
    }
}

/// The parameters of the shipped model profile `models/neurons/{name}.toml`.
pub fn profile<T: DeserializeOwned>(name: &str) -> T {
    #[derive(serde::Deserialize)]
    struct Profile<T> {
        params: T,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/neurons")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shipped profile {}: {e}", path.display()));
    let profile: Profile<T> =
        toml::from_str(&text).unwrap_or_else(|e| panic!("shipped profile {}: {e}", path.display()));
    profile.params
}

/// The sbs sampling neuron of the shipped profile `sampling_lif` (tau_m = 1 ms, tau_syn = 10 ms
/// = tau_refrac, v_thresh = −50 mV, reset 1 µV below it, reversal potentials 0 / −100 mV),
/// resting at `v_rest` [mV].
pub fn sbs(v_rest: f64) -> CondExpParams {
    CondExpParams {
        v_rest,
        ..profile("sampling_lif")
    }
}

/// Poisson sources at `rate` [Hz] for the whole run.
pub fn poisson(rate: f64) -> Cell {
    Cell::poisson(PoissonParams {
        rate,
        ..PoissonParams::default()
    })
}

/// Spike sources that all replay `times` [ms].
pub fn array(times: &[f64]) -> Cell {
    Cell::array(ArrayParams {
        spike_times: SpikeTimes::Shared(times.to_vec()),
    })
}

/// One spike source per list of `times` [ms].
pub fn arrays(times: &[Vec<f64>]) -> Cell {
    Cell::array(ArrayParams {
        spike_times: SpikeTimes::PerSource(times.to_vec()),
    })
}

/// PyNN's all-to-all connector (self connections allowed).
pub fn all_to_all() -> Connector {
    Connector::AllToAll {
        allow_self_connections: true,
    }
}

/// The sbs sampling noise of the `size` neurons of `target`: Poisson populations `names[0]`
/// (excitatory) and `names[1]` (inhibitory) of `size` sources at 3 kHz each, one to one with
/// weight 1 nS and the delays `delays` [ms].
pub fn sbs_noise(
    net: &mut ExperimentBuilder,
    target: &str,
    size: usize,
    names: [&str; 2],
    delays: [f64; 2],
) {
    let receptors = [Receptor::Excitatory, Receptor::Inhibitory];
    for ((name, delay), receptor) in names.into_iter().zip(delays).zip(receptors) {
        net.population(name, size, poisson(3000.0));
        net.projection(name, target, Connector::OneToOne)
            .weight(0.001)
            .delay(delay)
            .receptor(receptor);
    }
}

/// `net` validated, or a panic with its one-line error.
pub fn build(net: ExperimentBuilder) -> Experiment {
    net.build()
        .unwrap_or_else(|e| panic!("invalid test network: {e}"))
}

/// `net` run to its `t_stop`, with everything it records in memory.
pub fn run(net: ExperimentBuilder) -> MemoryRecorder {
    exactspike::run_in_memory(&build(net)).expect("runs")
}

/// A simulation of `experiment` at time 0 and an empty recorder for it.
pub fn simulation(experiment: &Experiment) -> (Simulation, MemoryRecorder) {
    let sim = Simulation::new(experiment).expect("builds");
    let rec = MemoryRecorder::new(sim.layout().clone());
    (sim, rec)
}

/// The same network in two experiments: populations, projections, recording, `t_stop` and seed.
pub fn assert_same_network(a: &Experiment, b: &Experiment) {
    assert_eq!(a.populations(), b.populations());
    assert_eq!(a.projections(), b.projections());
    assert_eq!(a.record(), b.record());
    assert_eq!((a.t_stop(), a.seed()), (b.t_stop(), b.seed()));
}

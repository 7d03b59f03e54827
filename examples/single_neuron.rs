//! The shipped single-neuron experiment (`experiments/sbs_neuron.toml`) built in code with the
//! typed builder, run in memory, and summarised:
//!
//! ```text
//! cargo run --release --example single_neuron
//! ```

use exactspike::config::{
    ArrayParams, Cell, Connector, ExperimentBuilder, PoissonParams, SpikeTimes,
};
use exactspike::neuron::{CondExpParams, Receptor};

/// `experiments/sbs_neuron.toml` as a builder: one sbs sampling neuron (ms, mV, nF, µS) under
/// 3 kHz Poisson excitation and three inhibitory input spikes, for 1 s.
pub fn sbs_neuron() -> ExperimentBuilder {
    let neuron = CondExpParams {
        cm: 0.2,
        tau_m: 1.0,
        v_rest: -50.3,
        v_thresh: -50.0,
        v_reset: -50.001,
        tau_refrac: 10.0,
        tau_syn_E: 10.0,
        tau_syn_I: 10.0,
        e_rev_E: 0.0,
        e_rev_I: -100.0,
        i_offset: 0.0,
    };
    let excitation = PoissonParams {
        rate: 3000.0,
        ..PoissonParams::default()
    };
    let inhibition = ArrayParams {
        spike_times: SpikeTimes::Shared(vec![5.0, 7.5, 12.25]),
    };
    let mut net = ExperimentBuilder::new("sbs_neuron (built in code)", 1000.0);
    net.seed(42);
    net.population("neuron", 1, Cell::if_cond_exp(neuron))
        .initial_v(-50.3);
    net.population("exc", 1, Cell::poisson(excitation));
    net.population("inh", 1, Cell::array(inhibition));
    let all_to_all = Connector::AllToAll {
        allow_self_connections: true,
    };
    net.projection("exc", "neuron", all_to_all.clone())
        .weight(0.001)
        .delay(1.0)
        .receptor(Receptor::Excitatory);
    net.projection("inh", "neuron", all_to_all)
        .weight(0.002)
        .delay(1.0)
        .receptor(Receptor::Inhibitory);
    net.record_spikes("neuron").record_v(&["neuron"], 0.1);
    net
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let experiment = sbs_neuron().build()?;
    let recording = exactspike::run_in_memory(&experiment)?;
    let spikes = recording.spikes_of("neuron").ok_or("no spikes recorded")?;
    let first: Vec<String> = spikes
        .times
        .iter()
        .take(3)
        .map(|t| format!("{t:.6}"))
        .collect();
    println!(
        "{} spikes in {} ms; the first at {} ms",
        spikes.times.len(),
        experiment.t_stop(),
        first.join(", ")
    );
    let v = recording.v_of("neuron").ok_or("no membrane recorded")?;
    let mean = v.values.iter().sum::<f64>() / v.values.len() as f64;
    println!(
        "{} membrane samples every {} ms, mean V = {mean:.3} mV",
        v.values.len(),
        experiment.record().interval
    );
    Ok(())
}

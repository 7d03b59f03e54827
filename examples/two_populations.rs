//! The README's two-population program: ten `IF_cond_exp` neurons, each driven by its own
//! 500 Hz Poisson source, for 100 ms (`cargo run --release --example two_populations`).

use exactspike::config::{Cell, Connector, ExperimentBuilder, PoissonParams};
use exactspike::neuron::CondExpParams;

/// The network: populations, projection, recording (ms, µS).
pub fn network() -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("two populations", 100.0); // label, t_stop [ms]
    net.seed(7);
    let neurons = Cell::if_cond_exp(CondExpParams::default());
    net.population("exc", 10, neurons).initial_v(-60.0);
    let noise = PoissonParams {
        rate: 500.0,
        ..Default::default()
    };
    net.population("noise", 10, Cell::poisson(noise));
    net.projection("noise", "exc", Connector::OneToOne)
        .weight(0.01)
        .delay(1.0);
    net.record_spikes("exc");
    net
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let experiment = network().build()?; // validated and immutable
    let recording = exactspike::run_in_memory(&experiment)?;
    let spikes = recording.spikes_of("exc").ok_or("not recorded")?;
    println!(
        "{} spikes in {} ms",
        spikes.times.len(),
        experiment.t_stop()
    );
    Ok(())
}

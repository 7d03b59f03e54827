//! The memory a simulation will need, estimated from its description before anything large is
//! allocated, and the limit it is checked against ([`check`], the first thing
//! [`crate::network::Network::build`] does; a refusal is [`LowerError::OutOfMemory`]).
//!
//! The estimate follows the allocations of lowering phase by phase, with the sizes of the types
//! the code allocates (`size_of`, so it follows the code), and takes the largest phase:
//!
//! 1. **counting** the connections of projection `i` per presynaptic node (a count per node)
//!    while its connector generates them, with the connector's scratch (`fixed_number_pre`: its
//!    candidates); nothing is collected;
//! 2. **filling**: the connectors generate again, population by population, straight into the
//!    final connectivity ([`Connectivity`](crate::network::Connectivity): a target per
//!    synapse, a weight per synapse or per delay group, [`DelayGroup`](crate::network::DelayGroup)s,
//!    three offsets per node), with each synapse's
//!    projection when any projection is plastic or loses spikes, and, for a population whose
//!    projections do not share one constant delay, each of its synapses' delays and the
//!    scratch that sorts its largest node's synapses by delay; then the
//!    plasticity state (an index per synapse and parameters and state per Tsodyks–Markram
//!    synapse, when any is plastic) and the transmission probabilities (when any is lossy);
//! 3. **folding**: the final connectivity and plasticity state, the neurons (per model: a state
//!    per neuron, a lowered model per parameter set and what it holds, e.g. `Q_s` tables), the
//!    sources, and the folded inputs with the scratch that finds them;
//! 4. **running**: the same without that scratch, with the event queue and the windows'
//!    per-neuron buffers.
//!
//! Every phase adds the description itself (its text, per-connection weights and delays,
//! `from_list` rows, per-neuron parameters, spike times) and [`PROGRAM_BYTES`]; running adds the
//! recorder's buffers (bounded: under a megabyte per recorded population). Connections are
//! counted exactly for the deterministic connectors and as the mean plus [`SIGMAS`] standard
//! deviations for `fixed_probability`. Not counted: what grows with activity while the network
//! runs (pending deliveries, the windows' inboxes), and the weights per synapse that the first
//! weight set at run time adds when the network kept them per delay group.
//!
//! The figure is resident memory: vectors that grow by doubling reserve up to twice what they
//! hold, but the operating system makes only the touched part resident, so lengths are counted,
//! not capacities. `docs/performance.md` ("Memory estimate") compares it with the peak resident
//! set size of the command for networks of 10⁶ to 10⁸ synapses.

mod cost;
mod limit;
mod system;
mod text;

use std::mem::size_of;

use crate::config::{Connector, Experiment};
use crate::error::LowerError;
use crate::network::{one_delay, projections_from, weights_per_group};
pub(crate) use cost::heap_block;
pub use cost::SIGMAS;
use cost::{population_cost, projection_cost, PopulationCost, ProjectionCost};
pub(crate) use limit::limit_text;
pub use limit::{MemoryLimit, MemorySizeError};
pub use system::{available_memory, peak_resident_memory};
pub use text::human_bytes;
use text::human_count;

/// Scratch of sorting one node's synapses by delay, per synapse [bytes]: the order (`u32`),
/// its stable sort's buffer (up to one `u32` more), targets or projections (`u32`), weights or
/// delays (`f64`).
const SORT_BYTES_PER_SYNAPSE: f64 = (3 * size_of::<u32>() + size_of::<f64>()) as f64;

/// Resident memory of the program itself [bytes]: code, libraries, start-up allocations
/// (measured: the `exactspike` command running a network of two neurons peaks at 6.8 MB).
pub const PROGRAM_BYTES: u64 = 6_800_000;

/// What [`estimate`] found for an experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryEstimate {
    /// Estimated peak memory of building and running the simulation [bytes].
    pub peak: u64,
    /// Per projection, the connections allowed for (exact, or mean + [`SIGMAS`] sd).
    pub connections: Vec<u64>,
    /// Per projection, the expected (mean) number of connections.
    pub expected_connections: Vec<f64>,
    /// The phase of the peak.
    pub phase: Phase,
    /// The part that needs most at the peak, and its memory [bytes].
    largest: Option<(Part, f64)>,
}

/// A phase of building and running a simulation (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Counting the connections of a projection per presynaptic node.
    Counting,
    /// Generating them into the final connectivity, grouped by delay.
    Filling,
    /// Lowering the populations and folding single-target sources into their neurons.
    Folding,
    /// Running: the network and every neuron's and source's state.
    Running,
}

/// A part of a simulation the estimate names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// Projection `i`.
    Projection(usize),
    /// Population `i`.
    Population(usize),
}

/// One phase's memory [bytes]: per projection, per population, and the rest.
struct Tally {
    phase: Phase,
    projections: Vec<f64>,
    populations: Vec<f64>,
    rest: f64,
}

impl Tally {
    fn total(&self) -> f64 {
        self.projections.iter().sum::<f64>() + self.populations.iter().sum::<f64>() + self.rest
    }

    /// The part that needs most in this phase.
    fn largest(&self) -> Option<(Part, f64)> {
        let projections =
            (self.projections.iter().enumerate()).map(|(i, &b)| (Part::Projection(i), b));
        let populations =
            (self.populations.iter().enumerate()).map(|(i, &b)| (Part::Population(i), b));
        projections
            .chain(populations)
            .fold(
                None,
                |best: Option<(Part, f64)>, (part, bytes)| match best {
                    Some((_, most)) if most >= bytes => best,
                    _ => Some((part, bytes)),
                },
            )
    }
}

/// Estimate the peak memory of building and running `experiment` (see the module docs). Cheap:
/// it allocates a few numbers per projection and population.
pub fn estimate(experiment: &Experiment) -> MemoryEstimate {
    let populations = experiment.populations();
    let projections: Vec<ProjectionCost> = (experiment.projections().iter())
        .map(|p| projection_cost(p, &populations[p.pre], &populations[p.post]))
        .collect();
    let neurons: usize = (populations.iter())
        .filter(|p| !p.cell.is_source())
        .map(|p| p.size)
        .sum();
    let lowered: Vec<PopulationCost> = (0..populations.len())
        .map(|p| population_cost(experiment, p, &projections, neurons))
        .collect();
    let base = PROGRAM_BYTES as f64 + experiment.text().map_or(0, str::len) as f64;
    let nodes: usize = populations.iter().map(|p| p.size).sum();
    let offsets = (size_of::<u32>() * (nodes + 1)) as f64;
    let tally = |phase, projection: &dyn Fn(usize, &ProjectionCost) -> f64| {
        let population = |c: &PopulationCost| {
            c.description
                + match phase {
                    Phase::Folding => c.lowered + c.folded + c.folding,
                    Phase::Running => c.lowered + c.folded + c.running,
                    _ => 0.0,
                }
        };
        // Counts, then offsets, next places and group offsets while filling, then the groups'.
        let per_node = if phase == Phase::Filling { 3.0 } else { 1.0 };
        Tally {
            phase,
            projections: (projections.iter().enumerate())
                .map(|(i, c)| c.description + projection(i, c))
                .collect(),
            populations: lowered.iter().map(population).collect(),
            rest: base + per_node * offsets,
        }
    };
    let index = if projections.iter().any(|c| c.plastic > 0.0) {
        size_of::<u32>() as f64
    } else {
        0.0
    } + if projections.iter().any(|c| c.lossy) {
        size_of::<f64>() as f64
    } else {
        0.0
    };
    // Each synapse's projection, while filling, when any is plastic or lossy.
    let by_projection = if projections.iter().any(|c| c.plastic > 0.0 || c.lossy) {
        size_of::<u32>() as f64
    } else {
        0.0
    };
    let per_group = weights_per_group(experiment);
    let filled = |c: &ProjectionCost| c.kept(0.0, per_group) + by_projection * c.connections;
    let mut phases: Vec<Tally> = (0..projections.len())
        .map(|i| {
            tally(Phase::Counting, &|j, c| {
                if j == i {
                    c.scratch
                } else {
                    0.0
                }
            })
        })
        .collect();
    let all = experiment.projections();
    for p in 0..populations.len() {
        let from = projections_from(experiment, p);
        let delays = if one_delay(&from, all).is_some() {
            0.0
        } else {
            size_of::<f64>() as f64
        };
        // The connector's scratch, and, when the nodes' synapses are sorted, the sort's
        // scratch for the largest node's (an order, targets or projections, weights or
        // delays, and the stable sort's buffer of the order).
        let sorting = if delays > 0.0 {
            let largest: f64 = from.iter().map(|&i| projections[i].fan_out).sum();
            largest * SORT_BYTES_PER_SYNAPSE
        } else {
            0.0
        };
        let scratch = sorting
            + (from.iter())
                .map(|&i| projections[i].scratch)
                .fold(0.0, f64::max);
        phases.push(tally(Phase::Filling, &|j, c| {
            filled(c)
                + if all[j].pre == p {
                    delays * c.connections + scratch / from.len() as f64
                } else {
                    0.0
                }
        }));
    }
    phases.push(tally(Phase::Filling, &|_, c| {
        filled(c) + c.kept(index, per_group) - c.kept(0.0, per_group)
    }));
    phases.push(tally(Phase::Folding, &|_, c| c.kept(index, per_group)));
    phases.push(tally(Phase::Running, &|_, c| c.kept(index, per_group)));
    let peak = (phases.iter())
        .max_by(|a, b| a.total().total_cmp(&b.total()))
        .expect("the last three phases at least");
    MemoryEstimate {
        peak: peak.total().min(u64::MAX as f64) as u64,
        connections: (projections.iter())
            .map(|c| c.connections.min(u64::MAX as f64) as u64)
            .collect(),
        expected_connections: projections.iter().map(|c| c.expected).collect(),
        phase: peak.phase,
        largest: peak.largest(),
    }
}

/// Estimate the memory of `experiment` and refuse it if it exceeds the experiment's
/// [`MemoryLimit`] (see [`crate::config::Experiment::with_memory_limit`]).
pub fn check(experiment: &Experiment) -> Result<MemoryEstimate, LowerError> {
    let estimate = estimate(experiment);
    tracing::info!(
        estimated_peak_bytes = estimate.peak,
        phase = ?estimate.phase,
        connections = estimate.connections.iter().sum::<u64>(),
        "memory estimate"
    );
    match experiment.memory_limit().resolve() {
        Some((limit, available)) if estimate.peak > limit => {
            Err(estimate.refusal(experiment, limit, available))
        }
        _ => Ok(estimate),
    }
}

impl MemoryEstimate {
    /// The error refusing `experiment` with this estimate over `limit` [bytes].
    fn refusal(&self, experiment: &Experiment, limit: u64, available: bool) -> LowerError {
        let (part, detail) = match self.largest {
            Some((part, bytes)) => self.describe(experiment, part, bytes),
            None => ("network".to_string(), "no populations".to_string()),
        };
        LowerError::OutOfMemory {
            file: experiment.file().to_string(),
            part,
            detail,
            needed: self.peak,
            limit,
            available,
        }
    }

    /// The name of `part` and what it needs (`bytes` [bytes]) at the peak.
    fn describe(&self, experiment: &Experiment, part: Part, bytes: f64) -> (String, String) {
        let populations = experiment.populations();
        let when = match self.phase {
            Phase::Running => "to run",
            _ => "while the network is built",
        };
        let (name, count, items) = match part {
            Part::Projection(i) => {
                let p = &experiment.projections()[i];
                let name = format!(
                    "projection[{i}] {} -> {} ({})",
                    populations[p.pre].name,
                    populations[p.post].name,
                    p.connector.name()
                );
                let random = matches!(p.connector, Connector::FixedProbability { .. });
                let items = if random {
                    "connections (at most)"
                } else {
                    "connections"
                };
                (name, self.connections[i], items)
            }
            Part::Population(i) => {
                let p = &populations[i];
                let name = format!("population[{i}] {} ({})", p.name, p.cell.cell_type());
                let items = if p.cell.is_source() {
                    "sources"
                } else {
                    "neurons"
                };
                (name, p.size as u64, items)
            }
        };
        let each = bytes / (count.max(1) as f64);
        let detail = format!(
            "{} {items} need about {} {when} ({each:.0} bytes each)",
            human_count(count),
            human_bytes(bytes as u64)
        );
        (name, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Cell, ExperimentBuilder, PoissonParams};
    use crate::network::DelayGroup;
    use crate::neuron::CondExpParams;
    use crate::random::RandomDistribution;

    /// exc (1000) and inh (250) neurons, a Poisson source per exc neuron, four connectors.
    fn four_rules() -> ExperimentBuilder {
        let mut net = ExperimentBuilder::new("four", 10.0);
        let lif = || Cell::if_cond_exp(CondExpParams::default());
        net.population("exc", 1000, lif());
        net.population("inh", 250, lif());
        net.population("noise", 1000, Cell::poisson(PoissonParams::default()));
        let p = Connector::FixedProbability {
            p: 0.1,
            allow_self_connections: true,
        };
        net.projection("exc", "exc", p).weight(0.001);
        let all = Connector::AllToAll {
            allow_self_connections: true,
        };
        net.projection("exc", "inh", all).weight(0.001);
        let n = Connector::FixedNumberPre {
            n: 50,
            allow_self_connections: true,
            with_replacement: false,
        };
        net.projection("inh", "exc", n).weight(0.001);
        net.projection("noise", "exc", Connector::OneToOne)
            .weight(0.001);
        net
    }

    #[test]
    fn known_network_counts_its_connections_and_peaks_while_filling() {
        let counted = estimate(&four_rules().build().unwrap());
        // fixed_probability: mean 1e5 + 5 sd (300); 1000 · 250; 1000 · 50; 1000.
        assert_eq!(counted.connections, [101_500, 250_000, 50_000, 1000]);
        assert_eq!(
            counted.expected_connections,
            [100_000.0, 250_000.0, 50_000.0, 1000.0]
        );
        // With drawn delays on exc -> exc, every synapse of exc keeps its delay while exc's
        // synapses are filled in and sorted, and exc -> exc may have a group per synapse.
        let mut net = four_rules();
        net.projection("exc", "exc", Connector::OneToOne)
            .weight(0.001)
            .delay(RandomDistribution::Uniform {
                low: 0.1,
                high: 2.0,
            });
        let drawn = estimate(&net.build().unwrap());
        assert_eq!(drawn.phase, Phase::Filling);
        // One weight per population: a 4-byte target per synapse, a weight per delay group.
        assert_eq!(size_of::<DelayGroup>(), 16);
        let synapses = 402_500 + 1000;
        let groups = 1000 + 1000 + 250 + 1000 + 1000;
        let exc_synapses = 101_500 + 250_000 + 1000;
        let expected = PROGRAM_BYTES as usize
            + 4 * synapses
            + (16 + 8) * groups
            + 3 * 4 * (2250 + 1)
            + 8 * exc_synapses
            // Sorting the largest exc node's synapses: at most 148 (100 + 5 sd of
            // Binomial(1000, 0.1)) + 250 + 1, 20 bytes each.
            + 20 * (148 + 250 + 1);
        assert!(
            drawn.peak.abs_diff(expected as u64) <= 1,
            "{} against {expected}",
            drawn.peak
        );
    }

    #[test]
    fn a_refusal_names_the_largest_projection_and_the_limit() {
        let mut net = four_rules();
        net.memory_limit(MemoryLimit::Bytes(9_000_000));
        let error = check(&net.build().unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "four: projection[1] exc -> inh (all_to_all): 250000 connections need about \
             1.02 MB while the network is built (4 bytes each); the simulation needs about \
             9.77 MB in all, more than the limit of 9.00 MB"
        );
        let peak = estimate(&four_rules().build().unwrap()).peak;
        for (limit, fits) in [(peak, true), (peak - 1, false)] {
            let mut net = four_rules();
            net.memory_limit(MemoryLimit::Bytes(limit));
            assert_eq!(check(&net.build().unwrap()).is_ok(), fits);
        }
    }
}

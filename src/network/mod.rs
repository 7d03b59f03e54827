//! The lowered network: populations laid out in global index spaces and connectivity grouped by
//! presynaptic node and delay (one delivery event per spike and distinct delay).

pub mod connector;
pub mod transmission;

use crate::config::{Connector, Experiment, Values};
use crate::error::LowerError;
use crate::neuron::Receptor;
use crate::rng::{connection_value_stream, connector_stream};
use crate::synapse::Plasticity;
use connector::{generate, Ends};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use transmission::Transmission;

/// One synapse: target neuron (global neuron index), weight [µS or nA], receptor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Synapse {
    /// Global index of the target neuron.
    pub target: u32,
    /// Weight [µS for conductance targets, nA for current targets].
    pub weight: f64,
    /// Receptor the input goes to.
    pub receptor: Receptor,
}

/// The synapses of one presynaptic node that share a delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelayGroup {
    /// Delay [ms].
    pub delay: f64,
    /// Range of this group's synapses in [`Connectivity::synapses`].
    pub start: u32,
    /// End (exclusive) of the range.
    pub end: u32,
}

/// Outgoing connectivity of every node, in compressed rows.
#[derive(Clone, Debug, Default)]
pub struct Connectivity {
    /// `groups[group_offsets[node]..group_offsets[node + 1]]` are the node's delay groups, by
    /// increasing delay.
    pub group_offsets: Vec<u32>,
    /// All delay groups.
    pub groups: Vec<DelayGroup>,
    /// All synapses, grouped.
    pub synapses: Vec<Synapse>,
}

impl Connectivity {
    /// Delay groups of `node`, by increasing delay.
    pub fn groups_of(&self, node: u32) -> &[DelayGroup] {
        let start = self.group_offsets[node as usize] as usize;
        let end = self.group_offsets[node as usize + 1] as usize;
        &self.groups[start..end]
    }

    /// Synapses of one delay group.
    pub fn synapses_of(&self, group: &DelayGroup) -> &[Synapse] {
        &self.synapses[group.start as usize..group.end as usize]
    }
}

/// Where a population's members live in the global index spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Neurons `first..first + size` of the global neuron index space.
    Neurons {
        /// First global neuron index.
        first: u32,
    },
    /// Sources `first..first + size` of the global source index space.
    Sources {
        /// First global source index.
        first: u32,
    },
}

/// A lowered network ready for the engine.
#[derive(Clone, Debug)]
pub struct Network {
    /// First global node index of each population (nodes count neurons and sources alike).
    pub first_node: Vec<u32>,
    /// Placement of each population.
    pub placement: Vec<Placement>,
    /// Total number of neurons.
    pub neuron_count: u32,
    /// Total number of sources.
    pub source_count: u32,
    /// Outgoing connectivity per node.
    pub connectivity: Connectivity,
    /// Short-term plasticity state of the plastic synapses, by index into
    /// `connectivity.synapses` (empty when all are static); mutated by the engine.
    pub plasticity: Plasticity,
    /// Transmission probability of every synapse (empty when every spike reaches every one).
    pub transmission: Transmission,
}

/// Most synapses a network can have: they are indexed by `u32` ([`DelayGroup`], plasticity).
pub const MAX_SYNAPSES: u64 = u32::MAX as u64;

/// Memory of one connection before grouping [bytes] (for the memory estimate,
/// [`crate::engine::memory`]).
pub(crate) const PENDING_BYTES: usize = std::mem::size_of::<Pending>();

/// A connection before grouping: presynaptic node, delay, synapse and the projection it belongs
/// to (which gives its synapse model and transmission probability).
struct Pending {
    node: u32,
    delay: f64,
    synapse: Synapse,
    projection: u32,
}

impl Network {
    /// Lay out populations and generate all connections of `experiment`. Before anything large
    /// is allocated, the memory of the whole simulation is estimated and checked against the
    /// experiment's limit ([`crate::engine::memory::check`]), and the expected number of
    /// synapses against [`MAX_SYNAPSES`].
    pub fn build(experiment: &Experiment) -> Result<Self, LowerError> {
        let (mut first_node, mut placement) = (Vec::new(), Vec::new());
        let (mut nodes, mut neurons, mut sources) = (0u32, 0u32, 0u32);
        for (index, population) in experiment.populations().iter().enumerate() {
            first_node.push(nodes);
            let size = u32::try_from(population.size)
                .ok()
                .filter(|s| nodes.checked_add(*s).is_some())
                .ok_or_else(|| LowerError::TooLarge {
                    file: experiment.file().to_string(),
                    population: index,
                })?;
            nodes += size;
            if population.cell.is_source() {
                placement.push(Placement::Sources { first: sources });
                sources += size;
            } else {
                placement.push(Placement::Neurons { first: neurons });
                neurons += size;
            }
        }
        let estimate = crate::engine::memory::check(experiment)?;
        let mut expected = 0.0;
        for (index, &count) in estimate.expected_connections.iter().enumerate() {
            expected += count;
            check_count(experiment, index, expected)?;
        }
        let mut pending = Vec::new();
        let mut ordinals = HashMap::new();
        for (index, projection) in experiment.projections().iter().enumerate() {
            let ordinal = ordinals
                .entry((projection.pre, projection.post))
                .or_insert(0);
            let streams = Streams {
                seed: experiment.seed(),
                pre: &experiment.populations()[projection.pre].name,
                post: &experiment.populations()[projection.post].name,
                ordinal: *ordinal,
            };
            *ordinal += 1;
            connect(
                experiment,
                index,
                streams,
                &first_node,
                &placement,
                &mut pending,
            )?;
        }
        sort(&mut pending);
        let projection = |p: &Pending| &experiment.projections()[p.projection as usize];
        Ok(Self {
            plasticity: Plasticity::new(pending.iter().map(|p| projection(p).synapse)),
            transmission: Transmission::new(
                experiment.run_seed(),
                pending.iter().map(|p| projection(p).p_transmit),
            ),
            connectivity: group(pending, nodes),
            first_node,
            placement,
            neuron_count: neurons,
            source_count: sources,
        })
    }
}

/// Generate the connections of projection `index` into `pending`, drawing from its `streams`.
fn connect(
    experiment: &Experiment,
    index: usize,
    streams: Streams<'_>,
    first_node: &[u32],
    placement: &[Placement],
    pending: &mut Vec<Pending>,
) -> Result<(), LowerError> {
    let projection = &experiment.projections()[index];
    let ends = Ends {
        n_pre: experiment.populations()[projection.pre].size,
        n_post: experiment.populations()[projection.post].size,
        same: projection.pre == projection.post,
    };
    let made = connections(
        streams,
        ends,
        &projection.connector,
        &projection.weight,
        &projection.delay,
    )
    .map_err(|e| LowerError::ValueCount {
        file: experiment.file().to_string(),
        projection: index,
        what: e.what,
        given: e.given,
        made: e.made,
    })?;
    check_count(experiment, index, (pending.len() + made.len()) as f64)?;
    let Placement::Neurons {
        first: first_neuron,
    } = placement[projection.post]
    else {
        unreachable!("validation rejects projections onto sources")
    };
    for c in made.iter() {
        pending.push(Pending {
            node: first_node[projection.pre] + c.pre,
            delay: c.delay,
            synapse: Synapse {
                target: first_neuron + c.post,
                weight: c.weight,
                receptor: projection.receptor,
            },
            projection: index as u32,
        });
    }
    Ok(())
}

/// What a projection's random streams are keyed by: the master seed, the names of its pre and
/// post populations and its ordinal among the projections between them, in the order given
/// ([`crate::rng::connector_stream`], [`crate::rng::connection_value_stream`]).
#[derive(Clone, Copy, Debug)]
pub struct Streams<'a> {
    /// Master seed of the experiment.
    pub seed: u64,
    /// Name of the pre population.
    pub pre: &'a str,
    /// Name of the post population.
    pub post: &'a str,
    /// 0-based ordinal among the projections from `pre` to `post`.
    pub ordinal: u64,
}

/// One connection of a projection: indices within its populations, weight and delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connection {
    /// Index within the pre population.
    pub pre: u32,
    /// Index within the post population.
    pub post: u32,
    /// Weight [µS or nA].
    pub weight: f64,
    /// Delay [ms].
    pub delay: f64,
}

/// The connections of one projection in generation order ([`connector`]), with their weights
/// and delays: what a network built from the same description holds.
pub struct Connections<'a> {
    made: Vec<connector::Generated>,
    weight: PerConnection<'a>,
    delay: PerConnection<'a>,
}

impl Connections<'_> {
    /// Number of connections.
    pub fn len(&self) -> usize {
        self.made.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.made.is_empty()
    }

    /// Each connection, in generation order.
    pub fn iter(&self) -> impl Iterator<Item = Connection> + '_ {
        self.made.iter().enumerate().map(|(k, g)| {
            let (weight, delay) = g
                .values
                .unwrap_or_else(|| (self.weight.get(k), self.delay.get(k)));
            Connection {
                pre: g.pre,
                post: g.post,
                weight,
                delay,
            }
        })
    }
}

/// Weights or delays given as a list whose length is not the number of connections made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueCountMismatch {
    /// `weight` or `delay`.
    pub what: &'static str,
    /// Values given.
    pub given: usize,
    /// Connections made.
    pub made: usize,
}

/// The connections `connector` makes between populations of `ends` with `weight` and `delay`
/// (constants, per-connection lists or distributions), drawing from the projection's
/// `streams`.
pub fn connections<'a>(
    streams: Streams<'_>,
    ends: Ends,
    connector: &Connector,
    weight: &'a Values,
    delay: &'a Values,
) -> Result<Connections<'a>, ValueCountMismatch> {
    let Streams {
        seed,
        pre,
        post,
        ordinal,
    } = streams;
    let made = generate(
        connector,
        ends,
        &mut connector_stream(seed, pre, post, ordinal),
    );
    let values = |what: &'static str, values: &'a Values| {
        let stream = connection_value_stream(seed, pre, post, what, ordinal);
        per_connection(values, made.len(), stream).map_err(|given| ValueCountMismatch {
            what,
            given,
            made: made.len(),
        })
    };
    Ok(Connections {
        weight: values("weight", weight)?,
        delay: values("delay", delay)?,
        made,
    })
}

/// An error if `count` synapses, those up to and including projection `index`, are more than
/// [`MAX_SYNAPSES`].
fn check_count(experiment: &Experiment, index: usize, count: f64) -> Result<(), LowerError> {
    if count <= MAX_SYNAPSES as f64 {
        return Ok(());
    }
    Err(LowerError::TooManySynapses {
        file: experiment.file().to_string(),
        projection: index,
        count: count.min(u64::MAX as f64) as u64,
    })
}

/// The value of each of a projection's connections.
enum PerConnection<'a> {
    /// The same for all.
    Constant(f64),
    /// Given, one per connection.
    Given(&'a [f64]),
    /// Drawn, one per connection.
    Drawn(Vec<f64>),
}

impl PerConnection<'_> {
    /// The value of connection `k`.
    fn get(&self, k: usize) -> f64 {
        match self {
            Self::Constant(v) => *v,
            Self::Given(list) => list[k],
            Self::Drawn(list) => list[k],
        }
    }
}

/// The values of `count` connections: a constant, a list of the right length (an empty list
/// stands for the rows of a `from_list` connector, which give their own), or `count` draws from
/// `rng`; otherwise the list's length.
fn per_connection(
    values: &Values,
    count: usize,
    mut rng: ChaCha8Rng,
) -> Result<PerConnection<'_>, usize> {
    match values {
        Values::PerConnection(list) if !list.is_empty() && list.len() != count => Err(list.len()),
        Values::PerConnection(list) => Ok(PerConnection::Given(list)),
        Values::Random(distribution) => {
            Ok(PerConnection::Drawn(distribution.draw(count, &mut rng)))
        }
        Values::Constant(v) => Ok(PerConnection::Constant(*v)),
    }
}

/// Sort connections by (node, delay), stably, so generation order is kept within a group: the
/// order of [`Connectivity::synapses`].
fn sort(pending: &mut [Pending]) {
    pending.sort_by(|a, b| a.node.cmp(&b.node).then(a.delay.total_cmp(&b.delay)));
}

/// Compress connections sorted by [`sort`] into delay groups.
fn group(pending: Vec<Pending>, nodes: u32) -> Connectivity {
    let mut c = Connectivity {
        group_offsets: Vec::with_capacity(nodes as usize + 1),
        groups: Vec::new(),
        synapses: Vec::with_capacity(pending.len()),
    };
    let mut next = pending.iter().peekable();
    for node in 0..nodes {
        c.group_offsets.push(c.groups.len() as u32);
        while let Some(p) = next.next_if(|p| p.node == node) {
            let start = c.synapses.len() as u32;
            c.synapses.push(p.synapse);
            while let Some(q) = next.next_if(|q| q.node == node && q.delay == p.delay) {
                c.synapses.push(q.synapse);
            }
            c.groups.push(DelayGroup {
                delay: p.delay,
                start,
                end: c.synapses.len() as u32,
            });
        }
    }
    c.group_offsets.push(c.groups.len() as u32);
    c
}

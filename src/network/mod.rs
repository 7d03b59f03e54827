//! The lowered network: populations laid out in global index spaces and connectivity grouped by
//! presynaptic node and delay (one delivery event per spike and distinct delay).

mod build;
pub mod connector;
pub mod transmission;

use crate::config::{Connector, Experiment, Values};
use crate::error::LowerError;
use crate::neuron::Receptor;
use crate::random::RandomDistribution;
use crate::rng::{connection_value_stream, connector_stream};
use crate::synapse::Plasticity;
pub(crate) use build::{one_delay, projections_from, weights_per_group};
use connector::{collect, generate, Ends};
use rand_chacha::ChaCha8Rng;
use transmission::Transmission;

/// One synapse: target neuron (global neuron index), receptor and weight [µS or nA].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Synapse {
    target: u32,
    receptor: Receptor,
    weight: f64,
}

/// The bit of a stored target ([`Connectivity`]) that marks the inhibitory receptor.
const INHIBITORY_BIT: u32 = 1 << 31;

/// Most neurons and sources a network can have: synapses keep a neuron's index in 31 bits.
pub const MAX_NODES: u32 = INHIBITORY_BIT - 1;

/// Neuron `target` and `receptor` as a synapse's target is stored ([`Connectivity`]).
fn stored_target(target: u32, receptor: Receptor) -> u32 {
    debug_assert!(target <= MAX_NODES);
    match receptor {
        Receptor::Excitatory => target,
        Receptor::Inhibitory => target | INHIBITORY_BIT,
    }
}

impl Synapse {
    /// The synapse onto neuron `target` (below [`MAX_NODES`]) at `receptor`, of `weight`
    /// [µS or nA].
    pub fn new(target: u32, receptor: Receptor, weight: f64) -> Self {
        Self {
            target,
            receptor,
            weight,
        }
    }

    /// The synapse of a stored target (receptor in its top bit) and `weight`.
    #[inline]
    fn stored(target: u32, weight: f64) -> Self {
        let receptor = if target & INHIBITORY_BIT == 0 {
            Receptor::Excitatory
        } else {
            Receptor::Inhibitory
        };
        Self::new(target & !INHIBITORY_BIT, receptor, weight)
    }

    /// Global index of the target neuron.
    #[inline]
    pub fn target(&self) -> u32 {
        self.target
    }

    /// Receptor the input goes to.
    #[inline]
    pub fn receptor(&self) -> Receptor {
        self.receptor
    }

    /// Weight [µS for conductance targets, nA for current targets].
    #[inline]
    pub fn weight(&self) -> f64 {
        self.weight
    }
}

/// The synapses of one presynaptic node that share a delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelayGroup {
    /// Delay [ms].
    pub delay: f64,
    /// Index of this group's first synapse ([`Connectivity::synapse`]).
    pub start: u32,
    /// End (exclusive) of the range.
    pub end: u32,
}

/// Outgoing connectivity of every node, in compressed rows: 4 bytes per synapse (target and
/// receptor) and a weight per delay group, when every population's projections have one
/// constant weight; 12 bytes per synapse otherwise, and from the first weight set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Connectivity {
    /// `groups[group_offsets[node]..group_offsets[node + 1]]` are the node's delay groups, by
    /// increasing delay.
    pub group_offsets: Vec<u32>,
    /// All delay groups.
    pub groups: Vec<DelayGroup>,
    /// Every synapse's target neuron, grouped, with [`INHIBITORY_BIT`] set for the inhibitory
    /// receptor.
    targets: Vec<u32>,
    /// Every synapse's weight [µS or nA]; empty while each group has one (`group_weights`).
    weights: Vec<f64>,
    /// Each group's weight [µS or nA], while `weights` is empty.
    group_weights: Vec<f64>,
}

impl Connectivity {
    /// Connectivity of `synapses` (grouped) in `groups`, each group with its own weights, or
    /// with the one weight of each group (`group_weights`, then the synapses' own are not
    /// kept).
    fn new(
        group_offsets: Vec<u32>,
        groups: Vec<DelayGroup>,
        targets: Vec<u32>,
        weights: Vec<f64>,
        group_weights: Vec<f64>,
    ) -> Self {
        debug_assert!(weights.is_empty() != group_weights.is_empty() || targets.is_empty());
        Self {
            group_offsets,
            groups,
            targets,
            weights,
            group_weights,
        }
    }

    /// Delay groups of `node`, by increasing delay.
    pub fn groups_of(&self, node: u32) -> &[DelayGroup] {
        let start = self.group_offsets[node as usize] as usize;
        let end = self.group_offsets[node as usize + 1] as usize;
        &self.groups[start..end]
    }

    /// Index in [`Connectivity::groups`] of the `nth` delay group of `node`.
    #[inline]
    pub fn group_index(&self, node: u32, nth: usize) -> usize {
        self.group_offsets[node as usize] as usize + nth
    }

    /// The synapses of group `group` (an index in [`Connectivity::groups`]), in order.
    #[inline]
    pub fn synapses_in(&self, group: usize) -> impl Iterator<Item = Synapse> + '_ {
        let g = &self.groups[group];
        let range = g.start as usize..g.end as usize;
        let targets = &self.targets[range.clone()];
        let (weights, one) = match self.group_weights.get(group) {
            Some(&one) => (&[][..], one),
            None => (&self.weights[range], 0.0),
        };
        (targets.iter().enumerate()).map(move |(k, &t)| {
            Synapse::stored(t, if weights.is_empty() { one } else { weights[k] })
        })
    }

    /// Number of synapses.
    pub fn synapse_count(&self) -> usize {
        self.targets.len()
    }

    /// Synapse `k` (counted over all groups in order), if there is one.
    pub fn synapse(&self, k: usize) -> Option<Synapse> {
        let target = *self.targets.get(k)?;
        let weight = match self.weights.get(k) {
            Some(&w) => w,
            None => self.group_weights[self.groups.partition_point(|g| g.end as usize <= k)],
        };
        Some(Synapse::stored(target, weight))
    }

    /// Every synapse, in order.
    pub fn synapses(&self) -> impl Iterator<Item = Synapse> + '_ {
        (0..self.groups.len()).flat_map(|g| self.synapses_in(g))
    }

    /// Whether each group keeps one weight for all its synapses (4 bytes per synapse).
    pub fn weights_per_group(&self) -> bool {
        !self.group_weights.is_empty() || self.targets.is_empty()
    }

    /// Set the weight of synapse `k` [µS or nA] (which must exist). The first one set gives
    /// every synapse its own weight.
    pub fn set_weight(&mut self, k: usize, weight: f64) {
        if !self.group_weights.is_empty() {
            let mut weights = Vec::with_capacity(self.targets.len());
            for (g, group) in self.groups.iter().enumerate() {
                let n = (group.end - group.start) as usize;
                weights.extend(std::iter::repeat_n(self.group_weights[g], n));
            }
            self.weights = weights;
            self.group_weights = Vec::new();
        }
        self.weights[k] = weight;
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
    /// synapse index ([`Connectivity::synapse`]; empty when all are static); mutated by the
    /// engine.
    pub plasticity: Plasticity,
    /// Transmission probability of every synapse (empty when every spike reaches every one).
    pub transmission: Transmission,
}

/// Most synapses a network can have: they are indexed by `u32` ([`DelayGroup`], plasticity).
pub const MAX_SYNAPSES: u64 = u32::MAX as u64;

impl Network {
    /// Lay out populations and generate all connections of `experiment`. Before anything large
    /// is allocated, the memory of the whole simulation is estimated and checked against the
    /// experiment's limit ([`crate::engine::memory::check`]), and the expected number of
    /// synapses against [`MAX_SYNAPSES`].
    ///
    /// Connections are generated twice and never collected: once to count each presynaptic
    /// node's synapses, once to put each straight into its place (`build::Builder`).
    pub fn build(experiment: &Experiment) -> Result<Self, LowerError> {
        let (mut first_node, mut placement) = (Vec::new(), Vec::new());
        let (mut nodes, mut neurons, mut sources) = (0u32, 0u32, 0u32);
        for (index, population) in experiment.populations().iter().enumerate() {
            first_node.push(nodes);
            let size = u32::try_from(population.size)
                .ok()
                .filter(|s| nodes.checked_add(*s).is_some_and(|n| n <= MAX_NODES))
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
        let builder = build::Builder::count(experiment, &first_node, nodes)?;
        let (connectivity, projection_of) = builder.fill(&placement);
        let projection = |&p: &u32| &experiment.projections()[p as usize];
        Ok(Self {
            plasticity: Plasticity::new(projection_of.iter().map(|p| projection(p).synapse)),
            transmission: Transmission::new(
                experiment.run_seed(),
                projection_of.iter().map(|p| projection(p).p_transmit),
            ),
            connectivity,
            first_node,
            placement,
            neuron_count: neurons,
            source_count: sources,
        })
    }
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

impl Streams<'_> {
    /// The stream the projection's connector draws from.
    fn connector(&self) -> ChaCha8Rng {
        connector_stream(self.seed, self.pre, self.post, self.ordinal)
    }

    /// The stream the projection's `what` (`weight` or `delay`) values are drawn from.
    fn values(&self, what: &str) -> ChaCha8Rng {
        connection_value_stream(self.seed, self.pre, self.post, what, self.ordinal)
    }
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
pub struct Connections {
    made: Vec<Connection>,
}

impl Connections {
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
        self.made.iter().copied()
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
pub fn connections(
    streams: Streams<'_>,
    ends: Ends,
    connector: &Connector,
    weight: &Values,
    delay: &Values,
) -> Result<Connections, ValueCountMismatch> {
    let generated = collect(connector, ends, &mut streams.connector());
    let count = generated.len();
    for (what, values) in [("weight", weight), ("delay", delay)] {
        check_list(values, count).map_err(|given| ValueCountMismatch {
            what,
            given,
            made: count,
        })?;
    }
    let mut values = ConnectionValues::new(weight, delay, streams);
    let made = generated.into_iter().map(|g| values.of(g)).collect();
    Ok(Connections { made })
}

/// Hand each connection `connector` makes to `each`, in generation order, with its weight and
/// delay (as [`connections`] gives them, but nothing collected). Per-connection lists must have
/// been checked against the number of connections ([`check_list`]).
fn each_connection(
    streams: Streams<'_>,
    ends: Ends,
    connector: &Connector,
    weight: &Values,
    delay: &Values,
    mut each: impl FnMut(Connection),
) {
    let mut values = ConnectionValues::new(weight, delay, streams);
    generate(connector, ends, &mut streams.connector(), |g| {
        each(values.of(g))
    });
}

/// The weights and delays of a projection's connections, handed out in generation order.
struct ConnectionValues<'a> {
    weights: PerConnection<'a>,
    delays: PerConnection<'a>,
    /// Connections handed out so far.
    next: usize,
}

impl<'a> ConnectionValues<'a> {
    fn new(weight: &'a Values, delay: &'a Values, streams: Streams<'_>) -> Self {
        Self {
            weights: PerConnection::new(weight, streams, "weight"),
            delays: PerConnection::new(delay, streams, "delay"),
            next: 0,
        }
    }

    /// The next generated connection `g` with its weight and delay.
    fn of(&mut self, g: connector::Generated) -> Connection {
        let k = self.next;
        self.next += 1;
        Connection {
            pre: g.pre,
            post: g.post,
            weight: self.weights.take(k, g.values.map(|v| v.0)),
            delay: self.delays.take(k, g.values.map(|v| v.1)),
        }
    }
}

/// Whether a per-connection list fits `count` connections; else its length. (An empty list
/// stands for the rows of a `from_list` connector, which give their own.)
fn check_list(values: &Values, count: usize) -> Result<(), usize> {
    match values {
        Values::PerConnection(list) if !list.is_empty() && list.len() != count => Err(list.len()),
        _ => Ok(()),
    }
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

/// The value of each of a projection's connections, in generation order.
enum PerConnection<'a> {
    /// The same for all.
    Constant(f64),
    /// Given, one per connection.
    Given(&'a [f64]),
    /// Drawn, one per connection, in order.
    Drawn(&'a RandomDistribution, Box<ChaCha8Rng>),
}

impl<'a> PerConnection<'a> {
    /// The values of a projection's `what` (`weight` or `delay`), drawn (if they are) from
    /// the projection's `streams`.
    fn new(values: &'a Values, streams: Streams<'_>, what: &str) -> Self {
        match values {
            Values::PerConnection(list) => Self::Given(list),
            Values::Random(distribution) => {
                Self::Drawn(distribution, Box::new(streams.values(what)))
            }
            Values::Constant(v) => Self::Constant(*v),
        }
    }

    /// The value of connection `k` (calls come in order), or its `own` (a `from_list` row's);
    /// a drawn value is drawn either way.
    fn take(&mut self, k: usize, own: Option<f64>) -> f64 {
        match self {
            Self::Constant(v) => own.unwrap_or(*v),
            Self::Given(list) => own.unwrap_or_else(|| list[k]),
            Self::Drawn(distribution, rng) => {
                let drawn = distribution.sample(rng.as_mut());
                own.unwrap_or(drawn)
            }
        }
    }
}

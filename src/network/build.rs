//! Building the connectivity without collecting connections: two passes over the connectors,
//! the first counting each presynaptic node's synapses, the second generating them straight into
//! their places, population by population, each node's synapses then sorted stably by delay
//! (so generation order is kept within a delay group, projections in the order given). Besides
//! the final synapses it holds three offsets per node; a delay per synapse of a population whose
//! projections do not share one constant delay, and scratch for its largest node's synapses;
//! and each synapse's projection when any projection is plastic or lossy.

use std::collections::HashMap;
use std::ops::Range;

use super::connector::{generate, Ends};
use super::{
    check_count, check_list, each_connection, stored_target, Connectivity, DelayGroup, Placement,
    Streams,
};
use crate::config::{Connector, Experiment, Projection, Values};
use crate::error::LowerError;
use crate::synapse::SynapseModel;

/// Builds the connectivity in two passes over the connectors: [`Builder::count`] counts each
/// presynaptic node's synapses, [`Builder::fill`] generates them again into their places,
/// population by population, and sorts each node's synapses by delay (stably: generation
/// order is kept within a delay group, projections in the order given).
pub(super) struct Builder<'a> {
    experiment: &'a Experiment,
    first_node: &'a [u32],
    /// Each projection's random streams.
    streams: Vec<Streams<'a>>,
    /// `offsets[node]..offsets[node + 1]` are `node`'s synapses.
    offsets: Vec<u32>,
}

impl<'a> Builder<'a> {
    /// Count every node's synapses (the first pass), checking the number of connections and
    /// the length of per-connection lists.
    pub(super) fn count(
        experiment: &'a Experiment,
        first_node: &'a [u32],
        nodes: u32,
    ) -> Result<Self, LowerError> {
        let mut ordinals = HashMap::new();
        let streams: Vec<Streams<'a>> = (experiment.projections().iter())
            .map(|projection| {
                let ordinal = ordinals
                    .entry((projection.pre, projection.post))
                    .or_insert(0);
                *ordinal += 1;
                Streams {
                    seed: experiment.seed(),
                    pre: &experiment.populations()[projection.pre].name,
                    post: &experiment.populations()[projection.post].name,
                    ordinal: *ordinal - 1,
                }
            })
            .collect();
        let mut counts = vec![0u32; nodes as usize + 1];
        let mut total = 0u64;
        for (index, projection) in experiment.projections().iter().enumerate() {
            let first = first_node[projection.pre];
            let mut made = 0usize;
            let s = streams[index];
            generate(
                &projection.connector,
                ends(experiment, index),
                &mut s.connector(),
                |g| {
                    let count = &mut counts[(first + g.pre) as usize];
                    *count = count.saturating_add(1);
                    made += 1;
                },
            );
            total += made as u64;
            check_count(experiment, index, total as f64)?;
            for (what, values) in [("weight", &projection.weight), ("delay", &projection.delay)] {
                check_list(values, made).map_err(|given| LowerError::ValueCount {
                    file: experiment.file().to_string(),
                    projection: index,
                    what,
                    given,
                    made,
                })?;
            }
        }
        // Counts to offsets: an exclusive prefix sum (the total fits: checked above).
        let mut sum = 0u32;
        for c in counts.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        Ok(Self {
            experiment,
            first_node,
            streams,
            offsets: counts,
        })
    }

    /// Generate every synapse into its place (the second pass) and group each node's synapses
    /// by delay. Returns the connectivity and, when any projection is plastic or loses spikes,
    /// the projection of every synapse (else nothing).
    pub(super) fn fill(self, placement: &[Placement]) -> (Connectivity, Vec<u32>) {
        let experiment = self.experiment;
        let projections = experiment.projections();
        let total = *self
            .offsets
            .last()
            .expect("one offset per node and one more") as usize;
        let by_projection = (projections.iter())
            .any(|p| p.p_transmit < 1.0 || !matches!(p.synapse, SynapseModel::Static {}));
        let populations = experiment.populations();
        // Each population's one weight, if it has one; kept per group if every one has.
        let one_weights: Vec<Option<f64>> = (0..populations.len())
            .map(|p| one_weight(&projections_from(experiment, p), projections))
            .collect();
        let per_group = one_weights.iter().all(Option::is_some);
        let mut targets = vec![0u32; total];
        let mut weights = vec![0.0; if per_group { 0 } else { total }];
        let mut projection_of = vec![0u32; if by_projection { total } else { 0 }];
        let mut next = self.offsets.clone();
        let mut groups = Groups::new(self.offsets.len());
        for (p, population) in populations.iter().enumerate() {
            let first = self.first_node[p];
            let (start, end) = (
                self.offsets[first as usize] as usize,
                self.offsets[first as usize + population.size] as usize,
            );
            let from = projections_from(experiment, p);
            let one_delay = one_delay(&from, projections);
            let one_weight = one_weights[p].filter(|_| per_group);
            // Each synapse's delay, while its node's synapses are sorted (none if all share one).
            let mut delays = vec![0.0; if one_delay.is_some() { 0 } else { end - start }];
            for &index in &from {
                let projection = &projections[index];
                let Placement::Neurons {
                    first: first_neuron,
                } = placement[projection.post]
                else {
                    unreachable!("validation rejects projections onto sources")
                };
                each_connection(
                    self.streams[index],
                    ends(experiment, index),
                    &projection.connector,
                    &projection.weight,
                    &projection.delay,
                    |c| {
                        let slot = &mut next[(first + c.pre) as usize];
                        let k = *slot as usize;
                        *slot += 1;
                        targets[k] = stored_target(first_neuron + c.post, projection.receptor);
                        if !per_group {
                            weights[k] = c.weight;
                        }
                        if by_projection {
                            projection_of[k] = index as u32;
                        }
                        if one_delay.is_none() {
                            delays[k - start] = c.delay;
                        }
                    },
                );
            }
            for node in first as usize..first as usize + population.size {
                let range = self.offsets[node] as usize..self.offsets[node + 1] as usize;
                match one_delay {
                    Some(delay) => groups.one(node, delay, range, one_weight),
                    None => {
                        let local = range.start - start..range.end - start;
                        let columns = Columns {
                            targets: &mut targets[range.clone()],
                            weights: weights.get_mut(range.clone()).unwrap_or_default(),
                            projections: projection_of.get_mut(range.clone()).unwrap_or_default(),
                        };
                        groups.sorted(node, range.start, &mut delays[local], columns, one_weight)
                    }
                }
            }
        }
        let (group_offsets, groups, group_weights) = groups.finish();
        let connectivity =
            Connectivity::new(group_offsets, groups, targets, weights, group_weights);
        (connectivity, projection_of)
    }
}

/// The one delay [ms] of every connection of the projections `from` (by index into
/// `projections`), if they have one: each a constant, and no `from_list` rows with their own.
pub(crate) fn one_delay(from: &[usize], projections: &[Projection]) -> Option<f64> {
    one_value(from, projections, |p| &p.delay)
}

/// The one weight [µS or nA] of every connection of the projections `from`, as [`one_delay`].
fn one_weight(from: &[usize], projections: &[Projection]) -> Option<f64> {
    one_value(from, projections, |p| &p.weight)
}

/// The one value of every connection of the projections `from` (by index into `projections`)
/// in the field `of` gives, if they have one (equal to the bit: -0 and +0 are different delays
/// to the sort, `total_cmp`): each a constant, and no `from_list` rows with their own values.
/// None of them: any value.
fn one_value(
    from: &[usize],
    projections: &[Projection],
    of: impl Fn(&Projection) -> &Values,
) -> Option<f64> {
    let mut value = None;
    for &i in from {
        let own = matches!(&projections[i].connector,
            Connector::FromList { connections } if connections.iter().any(|r| r.len() == 4));
        match (of(&projections[i]), value) {
            (Values::Constant(v), None) if !own => value = Some(*v),
            (Values::Constant(v), Some(w)) if !own && f64::to_bits(*v) == f64::to_bits(w) => {}
            _ => return None,
        }
    }
    value.or(Some(0.0))
}

/// Whether every population's projections have one weight ([`one_weight`]): then the
/// connectivity keeps a weight per delay group, not per synapse.
pub(crate) fn weights_per_group(experiment: &Experiment) -> bool {
    (0..experiment.populations().len())
        .all(|p| one_weight(&projections_from(experiment, p), experiment.projections()).is_some())
}

/// The indices of the projections from population `p`, in the order given.
pub(crate) fn projections_from(experiment: &Experiment, p: usize) -> Vec<usize> {
    let projections = experiment.projections();
    (0..projections.len())
        .filter(|&i| projections[i].pre == p)
        .collect()
}

/// One node's synapses while they are sorted: targets, weights and projections (the last two
/// empty when not kept per synapse).
struct Columns<'a> {
    targets: &'a mut [u32],
    weights: &'a mut [f64],
    projections: &'a mut [u32],
}

/// Reorder `items` (unless empty) by `order`: item `k` becomes `items[order[k]]`.
fn permute<T: Copy>(order: &[u32], items: &mut [T], scratch: &mut Vec<T>) {
    if items.is_empty() {
        return;
    }
    scratch.clear();
    scratch.extend(order.iter().map(|&k| items[k as usize]));
    items.copy_from_slice(scratch);
}

/// The delay groups of the nodes, made node by node in order.
struct Groups {
    offsets: Vec<u32>,
    groups: Vec<DelayGroup>,
    /// Each group's one weight, when weights are kept per group.
    weights: Vec<f64>,
    /// Scratch of [`Groups::sorted`]: a node's synapses in delay order.
    order: Vec<u32>,
    u32s: Vec<u32>,
    f64s: Vec<f64>,
}

impl Groups {
    fn new(nodes_and_one: usize) -> Self {
        Self {
            offsets: Vec::with_capacity(nodes_and_one),
            groups: Vec::new(),
            weights: Vec::new(),
            order: Vec::new(),
            u32s: Vec::new(),
            f64s: Vec::new(),
        }
    }

    /// Node `node`'s synapses `range`, all of `delay` [ms] (and of `weight` [µS or nA], when
    /// weights are kept per group).
    fn one(&mut self, node: usize, delay: f64, range: Range<usize>, weight: Option<f64>) {
        debug_assert_eq!(self.offsets.len(), node);
        self.offsets.push(self.groups.len() as u32);
        if !range.is_empty() {
            self.push(delay, range, weight);
        }
    }

    /// A group of synapses `range` of `delay` [ms] (and `weight`).
    fn push(&mut self, delay: f64, range: Range<usize>, weight: Option<f64>) {
        self.groups.push(DelayGroup {
            delay,
            start: range.start as u32,
            end: range.end as u32,
        });
        self.weights.extend(weight);
    }

    /// Node `node`'s synapses, from index `start` of all synapses, with their `delays` [ms]
    /// (and `weight` [µS or nA] when weights are kept per group): sorted stably by delay, then
    /// one group per delay.
    fn sorted(
        &mut self,
        node: usize,
        start: usize,
        delays: &mut [f64],
        columns: Columns<'_>,
        weight: Option<f64>,
    ) {
        debug_assert_eq!(self.offsets.len(), node);
        self.offsets.push(self.groups.len() as u32);
        if !delays.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
            self.order.clear();
            self.order.extend(0..delays.len() as u32);
            self.order
                .sort_by(|&a, &b| delays[a as usize].total_cmp(&delays[b as usize]));
            permute(&self.order, columns.targets, &mut self.u32s);
            permute(&self.order, columns.projections, &mut self.u32s);
            permute(&self.order, columns.weights, &mut self.f64s);
            permute(&self.order, delays, &mut self.f64s);
        }
        let mut k = 0;
        while k < delays.len() {
            let delay = delays[k];
            // At least one (validation rejects NaN delays, which equal nothing).
            let end = k + delays[k..]
                .iter()
                .take_while(|&&d| d == delay)
                .count()
                .max(1);
            self.push(delay, start + k..start + end, weight);
            k = end;
        }
    }

    /// The group offsets of the nodes, the groups and their weights (if kept per group).
    fn finish(mut self) -> (Vec<u32>, Vec<DelayGroup>, Vec<f64>) {
        self.offsets.push(self.groups.len() as u32);
        (self.offsets, self.groups, self.weights)
    }
}

/// The two populations projection `index` of `experiment` joins.
pub(super) fn ends(experiment: &Experiment, index: usize) -> Ends {
    let projection = &experiment.projections()[index];
    Ends {
        n_pre: experiment.populations()[projection.pre].size,
        n_post: experiment.populations()[projection.post].size,
        same: projection.pre == projection.post,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{connections, Network, Synapse};
    use super::*;

    /// Every kind of projection: delays drawn, constant but different from one population,
    /// from rows, plastic and lossy projections, several projections between the same
    /// populations, sources and neurons as presynaptic nodes.
    const MIXED: &str = r#"
[simulation]
t_stop = 10.0
seed = 11

[[population]]
name = "noise"
size = 40
model = "SpikeSourcePoisson"
params = { rate = 10.0 }

[[population]]
name = "a"
size = 50
model = "IF_cond_exp"

[[population]]
name = "b"
size = 20
model = "IF_curr_exp"

[[projection]]
pre = "noise"
post = "a"
connector = { type = "fixed_probability", p = 0.3 }
weight = 0.01
delay = { distribution = "uniform", low = 0.1, high = 3.0 }

[[projection]]
pre = "noise"
post = "b"
connector = { type = "fixed_number_pre", n = 5 }
weight = { distribution = "normal_clipped", mu = 1.0, sigma = 0.2, low = 0.0, high = inf }
delay = 1.0

[[projection]]
pre = "a"
post = "a"
connector = { type = "fixed_probability", p = 0.2 }
weight = 0.005
delay = 0.5
synapse = { type = "TsodyksMarkramSynapse", U = 0.5, tau_rec = 100.0, tau_facil = 0.0 }

[[projection]]
pre = "a"
post = "b"
connector = { type = "all_to_all" }
weight = 0.3
delay = 2.0
p_transmit = 0.7

[[projection]]
pre = "a"
post = "b"
connector = { type = "fixed_probability", p = 0.5 }
weight = -0.1
delay = 0.5
receptor = "inhibitory"

[[projection]]
pre = "b"
post = "a"
connector = { type = "from_list", connections = [[0, 1, 0.01, 1.5], [0, 2, 0.02, 0.5], [3, 1, 0.01, 0.5], [0, 1, 0.01, 1.5]] }
receptor = "inhibitory"

[[projection]]
pre = "b"
post = "b"
connector = { type = "one_to_one" }
weight = 0.2
delay = 2.0
"#;

    /// [`MIXED`] with one weight per population (and rows without their own values).
    fn one_weight_each() -> String {
        let mut text = MIXED.to_string();
        for (old, new) in [
            (
                "weight = { distribution = \"normal_clipped\", mu = 1.0, sigma = 0.2, low = 0.0, \
                 high = inf }",
                "weight = 0.01",
            ),
            ("weight = 0.3\n", "weight = 0.005\n"),
            (
                "weight = -0.1\ndelay = 0.5\nreceptor = \"inhibitory\"",
                "weight = 0.005\ndelay = 0.5",
            ),
            (
                "[[0, 1, 0.01, 1.5], [0, 2, 0.02, 0.5], [3, 1, 0.01, 0.5], [0, 1, 0.01, 1.5]] }",
                "[[0, 1], [0, 2], [3, 1], [0, 1]] }\nweight = 0.02\ndelay = 1.5",
            ),
            ("weight = 0.2\n", "weight = 0.02\n"),
        ] {
            assert_eq!(text.matches(old).count(), 1, "{old}");
            text = text.replace(old, new);
        }
        text
    }

    /// The network of `text` (populations of 40 sources, then 50 and 20 neurons), checked
    /// against the reference: every projection's connections in the order given, as (node,
    /// delay, synapse, projection), sorted stably by (node, delay). Projection 2 is plastic,
    /// projection 3 lossy.
    fn built_as_the_reference(text: &str) -> Network {
        let experiment = Experiment::from_toml_str(text, "mixed.toml").expect("valid");
        let network = Network::build(&experiment).expect("lowers");
        let populations = experiment.populations();
        let (first_node, first_neuron) = ([0u32, 40, 90], [0u32, 0, 50]);
        let mut ordinals = HashMap::new();
        let mut all = Vec::new();
        for (index, p) in experiment.projections().iter().enumerate() {
            let ordinal = ordinals.entry((p.pre, p.post)).or_insert(0);
            let streams = Streams {
                seed: experiment.seed(),
                pre: &populations[p.pre].name,
                post: &populations[p.post].name,
                ordinal: *ordinal,
            };
            *ordinal += 1;
            let made = connections(
                streams,
                ends(&experiment, index),
                &p.connector,
                &p.weight,
                &p.delay,
            )
            .unwrap();
            all.extend(made.iter().map(|c| {
                let node = first_node[p.pre] + c.pre;
                let target = first_neuron[p.post] + c.post;
                let synapse = Synapse::new(target, p.receptor, c.weight);
                (node, c.delay, synapse, index)
            }));
        }
        all.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let c = &network.connectivity;
        assert_eq!(c.synapse_count(), all.len());
        let mut k = 0;
        for node in 0..110u32 {
            for nth in 0..c.groups_of(node).len() {
                let index = c.group_index(node, nth);
                let group = c.groups[index];
                assert!(group.start < group.end);
                for synapse in c.synapses_in(index) {
                    let (n, delay, expected, projection) = all[k];
                    assert_eq!((n, delay.to_bits()), (node, group.delay.to_bits()), "{k}");
                    assert_eq!(synapse, expected, "synapse {k}");
                    assert_eq!(c.synapse(k), Some(expected), "synapse {k}");
                    let plastic = projection == 2;
                    assert_eq!(network.plasticity.is_static(k), !plastic, "synapse {k}");
                    let lossy = projection == 3;
                    assert_eq!(network.transmission.draw(k).is_some(), lossy, "synapse {k}");
                    k += 1;
                }
            }
            // Groups of a node are of increasing delay.
            let delays: Vec<f64> = c.groups_of(node).iter().map(|g| g.delay).collect();
            assert!(delays.windows(2).all(|w| w[0] < w[1]), "{delays:?}");
        }
        assert_eq!(k, all.len());
        assert_eq!(c.synapse(k), None);
        assert_eq!(c.synapses().count(), k);
        // Node a[0] has synapses of two delays, b[0] three (0.5 and 1.5 ms from its rows in
        // MIXED, 2 ms one to one; 1.5 and 2 ms with one weight each).
        assert_eq!(c.groups_of(40).len(), 2);
        network
    }

    #[test]
    fn two_passes_give_the_stably_sorted_connections_of_every_projection() {
        let mixed = built_as_the_reference(MIXED);
        assert!(!mixed.connectivity.weights_per_group());
        assert_eq!(mixed.connectivity.groups_of(90).len(), 3);
        let uniform = built_as_the_reference(&one_weight_each());
        assert!(uniform.connectivity.weights_per_group());
        assert_eq!(uniform.connectivity.groups_of(90).len(), 2);
    }

    #[test]
    fn a_weight_set_gives_every_synapse_its_own() {
        let mut c = built_as_the_reference(&one_weight_each()).connectivity;
        let before: Vec<Synapse> = c.synapses().collect();
        let k = before.len() / 2;
        c.set_weight(k, 0.125);
        assert!(!c.weights_per_group());
        let after: Vec<Synapse> = c.synapses().collect();
        for (j, (b, a)) in before.iter().zip(&after).enumerate() {
            let expected = if j == k {
                Synapse::new(b.target(), b.receptor(), 0.125)
            } else {
                *b
            };
            assert_eq!(*a, expected, "synapse {j}");
        }
        c.set_weight(0, 0.25);
        assert_eq!(c.synapse(0).map(|s| s.weight()), Some(0.25));
        assert_eq!(c.synapse(k).map(|s| s.weight()), Some(0.125));
    }

    #[test]
    fn delays_of_minus_and_plus_zero_are_sorted_apart() {
        // The stable sort by (node, delay) puts -0 first: projection 1's synapses, then 0's.
        let text = r#"
[simulation]
t_stop = 10.0

[[population]]
name = "s"
size = 1
model = "SpikeSourcePoisson"
params = { rate = 10.0 }

[[population]]
name = "n"
size = 2
model = "IF_cond_exp"

[[projection]]
pre = "s"
post = "n"
connector = { type = "all_to_all" }
weight = 0.01
delay = 0.0
p_transmit = 0.5

[[projection]]
pre = "s"
post = "n"
connector = { type = "all_to_all" }
weight = 0.01
delay = -0.0
"#;
        let experiment = Experiment::from_toml_str(text, "zeros.toml").expect("valid");
        assert_eq!(one_delay(&[0, 1], experiment.projections()), None);
        let network = Network::build(&experiment).expect("lowers");
        let lossy: Vec<bool> = (0..4)
            .map(|k| network.transmission.draw(k).is_some())
            .collect();
        assert_eq!(lossy, [false, false, true, true]);
    }

    #[test]
    fn one_weight_only_when_every_projection_has_the_same_constant() {
        let mixed = Experiment::from_toml_str(MIXED, "mixed.toml").expect("valid");
        let p = mixed.projections();
        // noise: 0.01 and drawn; a: 0.005, 0.3, -0.1; b: rows with their own, 0.2.
        assert_eq!(one_weight(&[0], p), Some(0.01));
        assert_eq!(one_weight(&[0, 1], p), None);
        assert_eq!(one_weight(&[2, 3], p), None);
        assert_eq!(one_weight(&[5], p), None);
        assert_eq!(one_weight(&[6], p), Some(0.2));
        assert!(!weights_per_group(&mixed));
        let uniform = Experiment::from_toml_str(&one_weight_each(), "u.toml").expect("valid");
        assert!(weights_per_group(&uniform));
    }

    #[test]
    fn one_delay_only_when_every_projection_has_the_same_constant() {
        let experiment = Experiment::from_toml_str(MIXED, "mixed.toml").expect("valid");
        let projections = experiment.projections();
        // noise: drawn and 1.0; a: 0.5, 2.0, 0.5; b: rows, 2.0.
        assert_eq!(one_delay(&[0, 1], projections), None);
        assert_eq!(one_delay(&[1], projections), Some(1.0));
        assert_eq!(one_delay(&[2, 4], projections), Some(0.5));
        assert_eq!(one_delay(&[2, 3], projections), None);
        assert_eq!(one_delay(&[5], projections), None);
        assert_eq!(one_delay(&[6], projections), Some(2.0));
        assert_eq!(one_delay(&[], projections), Some(0.0));
    }
}

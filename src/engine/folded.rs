//! Folded inputs: a source whose spikes reach exactly one synapse, and whose own spikes are not
//! recorded, is folded into its target neuron. Its next arrival becomes part of that neuron's
//! pending event, so its spikes bypass the source and delivery queues, and the neuron's spike
//! search only has to cover the interval up to its next known input.
//!
//! This changes no spike train: every source keeps its own random stream and draws the same
//! intervals in the same order; only the bookkeeping differs.
//!
//! While its neuron is refractory, a folded input changes only synaptic variables and cannot
//! cause a spike, so it is not scheduled one by one: the neuron's pending event moves to the end
//! of its refractory period, and the inputs that arrive before then are applied in arrival order
//! by [`super::step::NeuronStep::catch_up`], just before anything else reaches the neuron (a delivery, the
//! end of the refractory period, the end of the run). Each neuron sees the same inputs in the same
//! order with the same arithmetic, so spike trains are bitwise unchanged; the heap and the event
//! loop are skipped for most of the noise (sampling neurons are refractory much of the time).
//! A membrane sample taken meanwhile shows the deferred inputs that arrived by its time: they are
//! drawn from copies of the sources and absorbed into a copy of the state
//! ([`super::step::NeuronStep::observe_at`]), so sampling changes nothing either. Only samples of
//! synaptic variables need them (the membrane is clamped meanwhile), and each such sample draws
//! them afresh: a neuron whose conductances or currents are recorded pays its deferred inputs
//! once per sample of its refractory period.
//!
//! Only static synapses are folded: a source whose synapse has short-term plasticity stays an
//! ordinary source, so its spikes take the delivery path that applies the synapse's effective
//! weight (one code path for plasticity; folding matters for background noise, which is static).

use crate::network::transmission::Draw;
use crate::network::Connectivity;
use crate::neuron::{InputFeed, Receptor};
use crate::source::Source;

/// Most sources folded into one neuron (the next arrival is found by a linear scan);
/// further single-target sources of that neuron stay ordinary sources.
pub const MAX_PER_NEURON: usize = 4;

/// Deferred inputs drawn before they are handed to the neuron in one call.
pub(super) const CATCH_UP_BATCH: usize = 32;

/// Memory of the folded inputs per neuron [bytes]: its offset and its horizon (for the memory
/// estimate, [`super::memory`]).
pub(super) const BYTES_PER_NEURON: usize = std::mem::size_of::<u32>() + std::mem::size_of::<f64>();

/// Memory per neuron while the folded inputs are found [bytes]: its count.
pub(super) const BUILD_BYTES_PER_NEURON: usize = std::mem::size_of::<usize>();

/// Memory of one folded source [bytes]: its input.
pub(super) const BYTES_PER_INPUT: usize = std::mem::size_of::<FoldedInput>();

/// Memory per folded source while they are found [bytes]: its candidate.
pub(super) const BUILD_BYTES_PER_INPUT: usize = std::mem::size_of::<(u32, FoldedInput)>();

/// One folded source, owned by its target neuron, and its only synapse.
#[derive(Clone, Debug)]
struct FoldedInput {
    /// The source itself (its place in the engine's source list holds [`Source::silent`]).
    source: Source,
    /// Index of its synapse in [`Connectivity::synapses`].
    synapse: u32,
    /// Synaptic delay [ms].
    delay: f64,
    /// Receptor of the synapse.
    receptor: Receptor,
    /// Synaptic weight (µS or nA).
    weight: f64,
    /// Arrival time [ms] of the source's next spike at the neuron (infinite if none).
    arrival: f64,
    /// The synapse's transmission draws, if it may lose spikes: lost spikes are skipped when
    /// the source draws its next one, and never arrive.
    loss: Option<Draw>,
    /// Spikes of the source lost so far.
    lost: u64,
}

/// The folded inputs of all neurons, grouped by neuron: each neuron owns its inputs and their
/// sources (its range of `inputs`), so that neurons can be run apart without shared state.
#[derive(Clone, Debug, Default)]
pub struct FoldedInputs {
    /// `inputs[offsets[n]..offsets[n + 1]]` belong to neuron `n`.
    offsets: Vec<u32>,
    inputs: Vec<FoldedInput>,
    /// Per neuron, the earliest arrival [ms] among its inputs (infinite if none).
    horizons: Vec<f64>,
}

impl FoldedInputs {
    /// Spikes of folded sources lost on their way so far (counted when the source draws past
    /// them).
    pub fn lost(&self) -> u64 {
        self.inputs.iter().map(|i| i.lost).sum()
    }

    /// Folded sources that draw random numbers while they run.
    pub fn random_sources(&self) -> usize {
        self.inputs.iter().filter(|i| i.source.is_random()).count()
    }

    /// Fold every eligible source: all its spikes reach one synapse (`node_of(s)` is the source's
    /// network node), `recorded(s)` is false, and that synapse is static (`is_static(k)` for the
    /// synapse's index `k` in [`Connectivity::synapses`]); `loss(k)` are the synapse's
    /// transmission draws, if it may lose spikes. A folded source moves into its neuron's inputs
    /// and leaves [`Source::silent`] in `sources`. Returns the inputs and, per source, whether it
    /// was folded (folded sources must not be scheduled as ordinary sources).
    pub fn build(
        connectivity: &Connectivity,
        sources: &mut [Source],
        node_of: impl Fn(usize) -> u32,
        recorded: impl Fn(usize) -> bool,
        is_static: impl Fn(usize) -> bool,
        loss: impl Fn(usize) -> Option<Draw>,
        neuron_count: u32,
    ) -> (Self, Vec<bool>) {
        let mut folded = vec![false; sources.len()];
        let mut per_neuron = vec![0usize; neuron_count as usize];
        let mut candidates: Vec<(u32, FoldedInput)> = Vec::new();
        for (s, source) in sources.iter_mut().enumerate() {
            if recorded(s) {
                continue;
            }
            let [group] = connectivity.groups_of(node_of(s)) else {
                continue;
            };
            if group.end - group.start != 1 {
                continue;
            }
            let synapse = connectivity
                .synapse(group.start as usize)
                .expect("a group's synapse");
            if !is_static(group.start as usize) {
                continue;
            }
            let count = &mut per_neuron[synapse.target() as usize];
            if *count == MAX_PER_NEURON {
                continue;
            }
            *count += 1;
            folded[s] = true;
            let mut input = FoldedInput {
                arrival: f64::INFINITY,
                source: std::mem::replace(source, Source::silent()),
                synapse: group.start,
                delay: group.delay,
                receptor: synapse.receptor(),
                weight: synapse.weight(),
                loss: loss(group.start as usize),
                lost: 0,
            };
            input.arrival = input.next_arrival();
            candidates.push((synapse.target(), input));
        }
        // Stable: by neuron, then by source index.
        candidates.sort_by_key(|&(target, _)| target);
        let mut offsets = Vec::with_capacity(neuron_count as usize + 1);
        offsets.push(0);
        let mut inputs = Vec::with_capacity(candidates.len());
        let mut next = candidates.into_iter().peekable();
        for neuron in 0..neuron_count {
            while let Some((_, input)) = next.next_if(|(target, _)| *target == neuron) {
                inputs.push(input);
            }
            offsets.push(inputs.len() as u32);
        }
        let mut inputs = Self {
            offsets,
            inputs,
            horizons: Vec::new(),
        };
        inputs.horizons = (0..neuron_count)
            .map(|n| earliest_arrival(&inputs.inputs[inputs.range(n)]))
            .collect();
        (inputs, folded)
    }

    /// Number of folded sources.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether no source was folded.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Range of neuron `neuron`'s inputs.
    fn range(&self, neuron: u32) -> std::ops::Range<usize> {
        match self.offsets.get(neuron as usize..neuron as usize + 2) {
            Some(&[a, b]) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// Arrival time [ms] of neuron `neuron`'s next folded input (infinite if none).
    pub fn horizon(&self, neuron: u32) -> f64 {
        self.horizons
            .get(neuron as usize)
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    /// Keep the folded copy of synapse `synapse` (onto neuron `target`) at `weight` [µS or nA],
    /// if that synapse belongs to a folded source.
    pub fn update_weight(&mut self, target: u32, synapse: usize, weight: f64) {
        let range = self.range(target);
        for input in &mut self.inputs[range] {
            if input.synapse as usize == synapse {
                input.weight = weight;
            }
        }
    }

    /// Replace the pending spikes of the folded array source whose synapse is `synapse` (onto
    /// neuron `target`) by `future` [ms, all after `now`], keeping those it emitted by `now` that
    /// have not arrived yet. False if no folded array source has that synapse.
    pub(super) fn replace_times(
        &mut self,
        target: u32,
        synapse: u32,
        now: f64,
        future: Vec<f64>,
    ) -> bool {
        let range = self.range(target);
        let Some(input) = self.inputs[range.clone()]
            .iter_mut()
            .find(|input| input.synapse == synapse)
        else {
            return false;
        };
        let Source::Array { times, cursor } = &input.source else {
            return false;
        };
        let in_flight = times[*cursor..].iter().copied().filter(|&t| t <= now);
        input.source = Source::Array {
            times: in_flight.chain(future).collect(),
            cursor: 0,
        };
        input.arrival = input.next_arrival();
        self.horizons[target as usize] = earliest_arrival(&self.inputs[range]);
        true
    }

    /// Neuron `neuron`'s inputs that arrive by `until` [ms] (inclusive) and before `limit` [ms]
    /// (its deferred inputs, when `limit` is the end of its refractory period), appended to
    /// `out` as (arrival [ms], receptor, weight) without taking them.
    pub(super) fn preview(
        &self,
        neuron: u32,
        until: f64,
        limit: f64,
        out: &mut Vec<(f64, Receptor, f64)>,
    ) {
        preview(
            &self.inputs[self.range(neuron)],
            self.horizon(neuron),
            until,
            limit,
            out,
        );
    }

    /// Neuron `neuron`'s folded inputs as an [`InputFeed`], borrowing nothing of any other
    /// neuron's: [`InputFeed::take`] takes the earliest input (the lowest source index among
    /// equal arrivals) and draws its source's next spike, returning the input's receptor, its
    /// weight [µS or nA] and the neuron's new [`FoldedInputs::horizon`] [ms].
    #[inline(always)]
    pub(super) fn feed(&mut self, neuron: u32) -> NeuronFeed<'_> {
        let range = self.range(neuron);
        NeuronFeed {
            inputs: &mut self.inputs[range],
            horizon: &mut self.horizons[neuron as usize],
        }
    }
}

/// The folded inputs of the neurons in one range of indices, borrowed apart from everyone
/// else's, so that the ranges can be run on different threads ([`super::shards`]).
pub(super) struct FoldedPart<'a> {
    /// Index of the range's first neuron.
    first: u32,
    /// Every neuron's offset into the inputs (shared, read only).
    offsets: &'a [u32],
    /// Offset of `inputs[0]` among all inputs.
    base: usize,
    /// The range's inputs.
    inputs: &'a mut [FoldedInput],
    /// The range's horizons [ms], from neuron `first` on.
    horizons: &'a mut [f64],
}

impl FoldedInputs {
    /// The inputs split into one part per range of neurons `bounds[k]..bounds[k + 1]`
    /// (`bounds` increasing, from 0 to the neuron count).
    pub(super) fn split(&mut self, bounds: &[u32]) -> Vec<FoldedPart<'_>> {
        let offsets = &self.offsets[..];
        let (mut inputs, mut horizons) = (&mut self.inputs[..], &mut self.horizons[..]);
        let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
        for range in bounds.windows(2) {
            let (first, end) = (range[0], range[1]);
            let base = offsets[first as usize] as usize;
            let count = offsets[end as usize] as usize - base;
            let (mine, rest) = std::mem::take(&mut inputs).split_at_mut(count);
            inputs = rest;
            let (my_horizons, rest) =
                std::mem::take(&mut horizons).split_at_mut((end - first) as usize);
            horizons = rest;
            parts.push(FoldedPart {
                first,
                offsets,
                base,
                inputs: mine,
                horizons: my_horizons,
            });
        }
        parts
    }
}

impl FoldedPart<'_> {
    /// Neuron `neuron`'s folded inputs (it must lie in the part's range), as
    /// [`FoldedInputs::feed`].
    #[inline(always)]
    pub(super) fn feed(&mut self, neuron: u32) -> NeuronFeed<'_> {
        let n = neuron as usize;
        let range = self.offsets[n] as usize - self.base..self.offsets[n + 1] as usize - self.base;
        NeuronFeed {
            inputs: &mut self.inputs[range],
            horizon: &mut self.horizons[(neuron - self.first) as usize],
        }
    }
}

/// The folded inputs of one neuron, taken in arrival order (see [`FoldedInputs::feed`]).
pub(super) struct NeuronFeed<'a> {
    /// The neuron's inputs.
    inputs: &'a mut [FoldedInput],
    /// The neuron's [`FoldedInputs::horizon`] [ms].
    horizon: &'a mut f64,
}

impl NeuronFeed<'_> {
    /// The inputs that arrive by `until` [ms] (inclusive) and before `limit` [ms], appended to
    /// `out` without taking them (see [`FoldedInputs::preview`]).
    pub(super) fn preview(&self, until: f64, limit: f64, out: &mut Vec<(f64, Receptor, f64)>) {
        preview(self.inputs, *self.horizon, until, limit, out);
    }
}

impl InputFeed for NeuronFeed<'_> {
    #[inline(always)]
    fn next_arrival(&self) -> f64 {
        *self.horizon
    }

    #[inline(always)]
    fn take(&mut self) -> (Receptor, f64, f64) {
        // The earliest input and the earliest arrival among the others (two inputs, one
        // excitatory and one inhibitory, is the common case).
        let (earliest, second) = match &*self.inputs {
            [a, b] if b.arrival < a.arrival => (1, a.arrival),
            [_, b] => (0, b.arrival),
            inputs => earliest_and_next(inputs),
        };
        let input = &mut self.inputs[earliest];
        input.source.advance_to_next();
        input.arrival = input.next_arrival();
        let horizon = input.arrival.min(second);
        *self.horizon = horizon;
        (input.receptor, input.weight, horizon)
    }
}

/// Append to `out`, in arrival order, the inputs among `inputs` (whose earliest arrival is
/// `horizon` [ms]) that arrive by `until` [ms] (inclusive) and before `limit` [ms], as
/// (arrival [ms], receptor, weight): what [`InputFeed::take`] would give, drawn from copies of
/// the sources, so that nothing moves.
fn preview(
    inputs: &[FoldedInput],
    horizon: f64,
    until: f64,
    limit: f64,
    out: &mut Vec<(f64, Receptor, f64)>,
) {
    if horizon > until || horizon >= limit {
        return;
    }
    let (mut inputs, mut horizon) = (inputs.to_vec(), horizon);
    let mut copy = NeuronFeed {
        inputs: &mut inputs,
        horizon: &mut horizon,
    };
    while copy.next_arrival() <= until && copy.next_arrival() < limit {
        let arrival = copy.next_arrival();
        let (receptor, weight, _) = copy.take();
        out.push((arrival, receptor, weight));
    }
}

/// When a neuron next needs the event loop [ms], given its next folded input at `horizon` [ms]
/// and the end of its refractory period `refractory_until` [ms]: then, or at the end of the
/// refractory period if that is later (the inputs before it are deferred to
/// [`super::step::NeuronStep::catch_up`]).
pub fn wake_time(horizon: f64, refractory_until: f64) -> f64 {
    if horizon == f64::INFINITY {
        // No folded input (the common case for recurrent targets): nothing to defer.
        return horizon;
    }
    horizon.max(refractory_until)
}

/// Index of the earliest of `inputs` (the first among equals) and the earliest arrival [ms]
/// among the others (infinite if none).
#[inline(never)]
fn earliest_and_next(inputs: &[FoldedInput]) -> (usize, f64) {
    let (mut earliest, mut first, mut second) = (0, f64::INFINITY, f64::INFINITY);
    for (i, input) in inputs.iter().enumerate() {
        if input.arrival < first {
            (earliest, second, first) = (i, first, input.arrival);
        } else if input.arrival < second {
            second = input.arrival;
        }
    }
    (earliest, second)
}

/// Earliest arrival [ms] among `inputs` (infinite if none).
fn earliest_arrival(inputs: &[FoldedInput]) -> f64 {
    inputs
        .iter()
        .fold(f64::INFINITY, |m, input| m.min(input.arrival))
}

impl FoldedInput {
    /// Arrival [ms] of the source's pending spike, or of the first one after it that the
    /// synapse receives (skipping and counting lost ones); infinity if none.
    #[inline(always)]
    fn next_arrival(&mut self) -> f64 {
        let Some(mut t) = self.source.next_time() else {
            return f64::INFINITY;
        };
        if let Some(draw) = self.loss {
            while !draw.transmits(t) {
                self.lost += 1;
                t = self.source.advance_to_next();
                if t == f64::INFINITY {
                    return t;
                }
            }
        }
        t + self.delay
    }
}

//! The neurons of one window run on several threads.
//!
//! Within a window the neurons do not interact ([`super::window`]), so the neurons to run are
//! cut into contiguous ranges of indices, one per thread ("shards"), each with its own borrow of
//! the states, folded inputs and inboxes of its range. A shard writes its spikes, samples,
//! pending events and counters into its own [`ShardOutput`]; the window merges them afterwards
//! in a fixed order (spikes sorted by the queue's contract, counters summed), so the outputs
//! are bitwise the same for any number of threads and any cut. The threads are those of the
//! rayon pool the run is called in (see [`crate::threads`]).

use rayon::prelude::*;

use super::folded::{FoldedInputs, FoldedPart};
use super::neuron_window::{NeuronWindow, SampleColumn, TakenSample};
use super::neurons::{model_index, Group};
use super::queue::EntityKey;
use super::signals::SignalBlock;
use super::step::NeuronStep;
use super::window::Emitted;
use super::{GroupInfo, NeuronGroup, RunSummary};
use crate::models::dispatch;
use crate::neuron::{ExactNeuron, Receptor};

/// A delivery in a neuron's inbox: (arrival [ms], receptor, weight [µS or nA]).
pub(super) type Input = (f64, Receptor, f64);

/// Fewest events (neurons plus their deliveries) per shard for which a window is spread over
/// threads: a fork and join of the pool costs a few microseconds, about ten neuron events.
const MIN_EVENTS_PER_SHARD: usize = 64;

/// A neuron to run through the window, with its pending event.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    /// Global neuron index.
    pub id: u32,
    /// The neuron's pending event at the window's start.
    pub pending: Option<EntityKey>,
}

/// What one shard produced in a window.
#[derive(Debug)]
pub(super) struct ShardOutput {
    /// Its neurons' spikes.
    pub emitted: Vec<Emitted>,
    /// Its neurons' membrane samples.
    pub samples: Vec<TakenSample>,
    /// Per neuron run, its pending event after the window.
    pub pending: Vec<(u32, Option<EntityKey>)>,
    /// Its counters (spikes, inputs); the other fields are unused.
    pub counts: RunSummary,
    /// Events processed.
    pub events: u64,
}

impl Default for ShardOutput {
    fn default() -> Self {
        Self {
            emitted: Vec::new(),
            samples: Vec::new(),
            pending: Vec::new(),
            counts: RunSummary::zero(),
            events: 0,
        }
    }
}

impl ShardOutput {
    /// Empty, keeping the buffers.
    fn clear(&mut self) {
        self.emitted.clear();
        self.samples.clear();
        self.pending.clear();
        self.counts = RunSummary::zero();
        self.events = 0;
    }
}

/// Where the recorded neurons' samples go (read only, shared by the shards).
pub(super) struct SignalColumns<'a> {
    /// The window's sample times [ms].
    pub times: &'a [f64],
    /// Global neuron index → (group, local index).
    pub locate: &'a [(u32, u32)],
    /// Per group, its signal block, if recorded.
    pub block_of_group: &'a [Option<usize>],
    /// The signal blocks.
    pub blocks: &'a [SignalBlock],
}

impl SignalColumns<'_> {
    /// The signal block and column of neuron `id`, if it is recorded.
    pub fn of(&self, id: u32) -> Option<(usize, usize)> {
        let (g, local) = self.locate[id as usize];
        let b = self.block_of_group[g as usize]?;
        Some((b, self.blocks[b].column(local as usize)?))
    }
}

/// Everything of the engine a window's neurons touch, borrowed for one window.
pub(super) struct WindowNeurons<'a> {
    /// The neuron groups.
    pub groups: &'a mut [NeuronGroup],
    /// Per group, where its neurons lie.
    pub group_info: &'a [GroupInfo],
    /// Every neuron's folded inputs.
    pub folded: &'a mut FoldedInputs,
    /// Every neuron's deliveries of the window.
    pub inbox: &'a mut [Vec<Input>],
    /// Window end [ms] (inclusive).
    pub end: f64,
    /// Whether models may take folded inputs in their own loop.
    pub input_runs: bool,
    /// Where samples go.
    pub signals: SignalColumns<'a>,
}

impl WindowNeurons<'_> {
    /// Run the neurons `jobs` (sorted by index) through the window, on as many threads as the
    /// current pool has and the work fills, into `outputs` (one per shard, resized as needed).
    /// The work is judged by the neurons and their deliveries, or by `previous` events (the last
    /// window's, which counts the folded inputs too) if more. Returns the number of shards.
    pub fn run(self, jobs: &[Job], previous: u64, outputs: &mut Vec<ShardOutput>) -> usize {
        let weight = |job: &Job| 1 + self.inbox[job.id as usize].len();
        let total: usize = jobs.iter().map(weight).sum();
        let work = total.max(previous as usize);
        let shards = rayon::current_num_threads()
            .min(crate::threads::MAX_THREADS)
            .min(work / MIN_EVENTS_PER_SHARD)
            .min(jobs.len())
            .max(1);
        let starts = balanced_starts(jobs, shards, total, weight);
        let neuron_count = self.inbox.len() as u32;
        let bounds: Vec<u32> = std::iter::once(0)
            .chain(
                starts[1..shards]
                    .iter()
                    .map(|&a| jobs.get(a).map_or(neuron_count, |j| j.id)),
            )
            .chain(std::iter::once(neuron_count))
            .collect();
        if outputs.len() < shards {
            outputs.resize_with(shards, ShardOutput::default);
        }
        outputs.iter_mut().for_each(ShardOutput::clear);
        let mut pieces: Vec<Vec<Box<dyn NeuronPiece + '_>>> =
            (0..shards).map(|_| Vec::new()).collect();
        for (group, info) in self.groups.iter_mut().zip(self.group_info) {
            group.pieces(info.first_neuron, &bounds, &mut pieces);
        }
        let folded = self.folded.split(&bounds);
        let mut inbox = self.inbox;
        let mut shard_list = Vec::with_capacity(shards);
        for (k, ((pieces, folded), output)) in pieces
            .into_iter()
            .zip(folded)
            .zip(outputs.iter_mut())
            .enumerate()
        {
            let (mine, rest) =
                std::mem::take(&mut inbox).split_at_mut((bounds[k + 1] - bounds[k]) as usize);
            inbox = rest;
            shard_list.push(Shard {
                jobs: &jobs[starts[k]..starts[k + 1]],
                pieces,
                context: ShardContext {
                    end: self.end,
                    input_runs: self.input_runs,
                    folded,
                    inbox: mine,
                    first: bounds[k],
                    signals: &self.signals,
                    out: output,
                },
            });
        }
        if shards == 1 {
            shard_list.pop().expect("one shard").run();
        } else {
            shard_list.into_par_iter().for_each(Shard::run);
        }
        shards
    }
}

/// Indices into `jobs` where each of `shards` shards starts, so that each holds about
/// `total / shards` of the weight; `shards + 1` entries, the last `jobs.len()`.
fn balanced_starts(
    jobs: &[Job],
    shards: usize,
    total: usize,
    weight: impl Fn(&Job) -> usize,
) -> Vec<usize> {
    let mut starts = Vec::with_capacity(shards + 1);
    starts.push(0);
    let mut sum = 0;
    for (i, job) in jobs.iter().enumerate() {
        if starts.len() < shards && sum * shards >= starts.len() * total {
            starts.push(i);
        }
        sum += weight(job);
    }
    starts.resize(shards + 1, jobs.len());
    starts
}

/// The state a shard needs besides its neurons.
struct ShardContext<'a> {
    /// Window end [ms] (inclusive).
    end: f64,
    /// Whether models may take folded inputs in their own loop.
    input_runs: bool,
    /// The shard's folded inputs.
    folded: FoldedPart<'a>,
    /// The shard's inboxes, from neuron `first` on.
    inbox: &'a mut [Vec<Input>],
    /// Index of the shard's first neuron.
    first: u32,
    /// Where samples go.
    signals: &'a SignalColumns<'a>,
    /// What the shard produces.
    out: &'a mut ShardOutput,
}

/// One thread's share of a window.
struct Shard<'a> {
    /// Its neurons to run, by index.
    jobs: &'a [Job],
    /// Its neurons, one piece per group, in index order.
    pieces: Vec<Box<dyn NeuronPiece + 'a>>,
    /// Everything else it reads and writes.
    context: ShardContext<'a>,
}

impl Shard<'_> {
    fn run(mut self) {
        let mut rest = self.jobs;
        for piece in &mut self.pieces {
            let n = rest.partition_point(|job| job.id < piece.end());
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            if !mine.is_empty() {
                piece.run(mine, &mut self.context);
            }
        }
    }
}

/// A contiguous range of one group's neurons, of whichever model (the model is picked once per
/// piece, not per neuron).
trait NeuronPiece: Send {
    /// One past the global index of its last neuron.
    fn end(&self) -> u32;
    /// Run `jobs` (all in the piece, sorted) through the window.
    fn run(&mut self, jobs: &[Job], context: &mut ShardContext<'_>);
}

/// A contiguous range of the neurons of a [`Group`].
struct Piece<'a, M: ExactNeuron> {
    /// Global index of its first neuron.
    first: u32,
    /// The group's one shared model, or the piece's neurons' models.
    models: &'a [M],
    /// The piece's neurons' states.
    states: &'a mut [M::State],
}

impl<M> NeuronPiece for Piece<'_, M>
where
    M: ExactNeuron + Sync,
    M::State: Send,
{
    fn end(&self) -> u32 {
        self.first + self.states.len() as u32
    }

    fn run(&mut self, jobs: &[Job], context: &mut ShardContext<'_>) {
        for job in jobs {
            let local = (job.id - self.first) as usize;
            let model = &self.models[model_index(self.models.len(), local)];
            let mut step = NeuronStep {
                model,
                state: &mut self.states[local],
                id: job.id,
                folded: context.folded.feed(job.id),
            };
            let slot = (job.id - context.first) as usize;
            let inbox = std::mem::take(&mut context.inbox[slot]);
            let out = &mut *context.out;
            let mut column = context
                .signals
                .of(job.id)
                .map(|(block, column)| SampleColumn {
                    times: context.signals.times,
                    block,
                    synaptic: context.signals.blocks[block].synaptic(),
                    column,
                    taken: 0,
                    sink: &mut out.samples,
                });
            let mut window = NeuronWindow {
                end: context.end,
                inbox: &inbox,
                emitted: &mut out.emitted,
                column: column.as_mut(),
                summary: &mut out.counts,
                events: 0,
                input_runs: context.input_runs,
            };
            let pending = window.run(&mut step, job.pending);
            out.events += window.events;
            out.pending.push((job.id, pending));
            let mut inbox = inbox;
            inbox.clear();
            context.inbox[slot] = inbox;
        }
    }
}

impl NeuronGroup {
    /// Append to `pieces[k]` this group's neurons in `bounds[k]..bounds[k + 1]` (global indices;
    /// the group's first neuron is `first`), for every shard k the group reaches.
    fn pieces<'a>(
        &'a mut self,
        first: u32,
        bounds: &[u32],
        pieces: &mut [Vec<Box<dyn NeuronPiece + 'a>>],
    ) {
        dispatch!(self, group => split_group(group, first, bounds, pieces))
    }
}

/// [`NeuronGroup::pieces`] for one model.
fn split_group<'a, M>(
    group: &'a mut Group<M>,
    first: u32,
    bounds: &[u32],
    pieces: &mut [Vec<Box<dyn NeuronPiece + 'a>>],
) where
    M: ExactNeuron + Sync,
    M::State: Send,
{
    let shared = group.models.len() == 1;
    let end = first + group.states.len() as u32;
    let (models, mut states) = (&group.models[..], &mut group.states[..]);
    for (k, range) in bounds.windows(2).enumerate() {
        let (from, to) = (range[0].max(first), range[1].min(end));
        if from >= to {
            continue;
        }
        let (mine, rest) = std::mem::take(&mut states).split_at_mut((to - from) as usize);
        states = rest;
        let local = (from - first) as usize..(to - first) as usize;
        pieces[k].push(Box::new(Piece {
            first: from,
            models: if shared { models } else { &models[local] },
            states: mine,
        }));
    }
}

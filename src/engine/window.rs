//! Time windows shorter than the smallest synaptic delay (conservative lookahead).
//!
//! A spike emitted at `t` reaches no neuron before `t + d_min`, where `d_min` is the smallest
//! delay of any connection that goes through the delivery queue (folded inputs arrive
//! inside their neuron and do not count). So within a window `(P, W]` with `W < P + d_min` every
//! delivery a neuron will receive is already in the queue at the window's start, and the neurons
//! do not interact: each is run on its own through the window, handling its own threshold
//! crossings, folded inputs and the deliveries fanned out to it at the window's start, without
//! touching the event queue in between. Its next event is put back into the queue once, at the
//! end.
//!
//! Every neuron sees the same events in the same order, with the same arithmetic, as under the
//! event-by-event loop (the ordering contract of [`super::queue`] decides ties within a neuron:
//! its own event before a delivery at the same time), and the spikes of the window are recorded
//! and sent out in the contract's global order (time, kind, id) at its end, which also fixes the
//! deliveries' sequence numbers. Outputs are therefore bitwise those of the event-by-event loop,
//! which remains in use when a window would be empty (`d_min = 0`).
//!
//! A neuron visit costs about as much as one event of the event-by-event loop, so on one thread
//! windows pay off only when neurons have several events per window (long delays, many inputs);
//! on several threads the neurons of a window run in parallel ([`super::shards`]).
//! [`super::EventLoop::Adaptive`] measures which loop is cheaper ([`super::adaptive`]). Windows
//! without any event are skipped when no membrane is sampled.

use std::time::Instant;

use super::adaptive::LoopChoice;
use super::neuron_window::TakenSample;
use super::queue::{EntityId, EntityKey, Kind};
use super::shards::{Input, Job, ShardOutput, SignalColumns, WindowNeurons};
use super::{Observers, RunSummary, Simulation, CHECK_EVERY};
use crate::record::{RecordError, Recorder};

/// Longest window [ms], so that interrupts, progress and buffers stay bounded when delays are
/// long or there are no connections at all.
pub(super) const MAX_WINDOW: f64 = 10.0;

/// Most membrane samples per window (per recorded neuron).
pub(super) const MAX_WINDOW_SAMPLES: f64 = 256.0;

/// A spike emitted in the current window (recorded and sent out at its end).
#[derive(Clone, Copy, Debug)]
pub(super) struct Emitted {
    /// Spike time [ms].
    pub time: f64,
    /// [`Kind::Threshold`] for neurons, [`Kind::Emission`] for sources.
    pub kind: Kind,
    /// Entity id (neuron index, or neuron count + source index).
    pub id: u32,
}

/// Memory of the buffers per neuron [bytes]: an (empty) inbox, the window it was last run in,
/// and its entries in a window's due events, jobs and pending events (for the memory estimate,
/// [`super::memory`]).
pub(super) const BYTES_PER_NEURON: usize = std::mem::size_of::<Vec<Input>>()
    + std::mem::size_of::<u64>()
    + std::mem::size_of::<(EntityKey, EntityId)>()
    + std::mem::size_of::<Job>()
    + std::mem::size_of::<(u32, Option<EntityKey>)>();

/// Memory of one sample taken in a window [bytes] (for the memory estimate,
/// [`super::memory`]).
pub(super) const TAKEN_SAMPLE_BYTES: usize = std::mem::size_of::<TakenSample>();

/// Per-window scratch space, reused from window to window.
#[derive(Default)]
pub(super) struct WindowBuffers {
    /// Deliveries fanned out to each neuron, in queue order.
    inbox: Vec<Vec<Input>>,
    /// Neurons with a non-empty inbox.
    addressed: Vec<u32>,
    /// Window number in which each neuron was last run.
    visited: Vec<u64>,
    /// Number of the current window.
    window: u64,
    /// Neuron events of the last window.
    events: u64,
    /// Entities with an event in the current window.
    due: Vec<(EntityKey, EntityId)>,
    /// The neurons to run in the current window, by index.
    jobs: Vec<Job>,
    /// What each shard of the window produced.
    outputs: Vec<ShardOutput>,
    /// Spikes of the current window.
    emitted: Vec<Emitted>,
    /// Sample times [ms] of the current window.
    sample_times: Vec<f64>,
    /// Per v-recorded population, the window's samples row by row [mV].
    samples: Vec<Vec<f64>>,
}

impl WindowBuffers {
    /// Buffers for `neurons` neurons.
    pub fn new(neurons: usize) -> Self {
        Self {
            inbox: vec![Vec::new(); neurons],
            visited: vec![u64::MAX; neurons],
            ..Self::default()
        }
    }
}

impl Simulation {
    /// Process the events in `(through, t_end]` window by window, as long as windows are
    /// non-empty. Leaves `self.through` at the last completed window's end; the caller finishes
    /// with the event-by-event loop (nothing is left for it when all windows ran).
    pub(super) fn run_windows(
        &mut self,
        t_end: f64,
        out: &mut Observers,
        summary: &mut RunSummary,
    ) -> Result<(), RecordError> {
        let mut length = self.d_min.min(MAX_WINDOW);
        if self.sampler.active {
            length = length.min(MAX_WINDOW_SAMPLES * self.sampler.interval);
        }
        if length <= 0.0 {
            return Ok(());
        }
        while self.through < t_end {
            if !self.sampler.active && self.through > f64::NEG_INFINITY {
                // Nothing happens before the next event: start the window just below it.
                match self.queue.peek_time() {
                    Some(next) if next <= t_end => {
                        self.through = self.through.max(next.next_down())
                    }
                    _ => {
                        self.through = t_end;
                        return Ok(());
                    }
                }
            }
            let w = if self.through == f64::NEG_INFINITY {
                // Everything at time 0 first.
                0.0f64.min(t_end)
            } else {
                // Strictly below `through + d_min`: a spike emitted after `through` arrives
                // after `w` even when `emitted + delay` rounds down.
                (self.through + length).next_down().min(t_end)
            };
            if w <= self.through {
                return Ok(());
            }
            let before = self.processed;
            let (work, started) = (summary.work(), Instant::now());
            self.run_window(w, out.recorder, summary)?;
            self.through = w;
            let (visits, seconds) = (
                self.window.jobs.len() as u64,
                started.elapsed().as_secs_f64(),
            );
            let adaptive = self.event_loop == super::EventLoop::Adaptive;
            let trial_or_period_over = adaptive
                && match self.trial.choice {
                    LoopChoice::TrialWindows => {
                        self.trial.window(visits, summary.work() - work, seconds)
                    }
                    LoopChoice::Windows => self.trial.chosen_for(visits),
                    _ => false,
                };
            if trial_or_period_over {
                return Ok(());
            }
            if before / CHECK_EVERY != self.processed / CHECK_EVERY && out.stop_at(w, summary) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Every event in `(through, w]`.
    fn run_window(
        &mut self,
        w: f64,
        recorder: &mut dyn Recorder,
        summary: &mut RunSummary,
    ) -> Result<(), RecordError> {
        let mut buffers = std::mem::take(&mut self.window);
        buffers.window += 1;
        self.fan_out(w, &mut buffers, summary);
        self.prepare_samples(w, &mut buffers);
        self.collect_jobs(w, &mut buffers);
        self.run_jobs(w, &mut buffers, summary);
        self.samples_of_idle_neurons(&mut buffers);
        let result = self.close_window(&mut buffers, recorder, summary);
        self.window = buffers;
        result
    }

    /// Hand every delivery arriving by `w` to its targets' inboxes (the event-by-event loop's
    /// order; short-term plasticity acts here, in that order).
    fn fan_out(&mut self, w: f64, buffers: &mut WindowBuffers, summary: &mut RunSummary) {
        while let Some(d) = self.queue.pop_delivery_until(w) {
            self.processed += 1;
            self.deliver(&d, summary, &mut |target, receptor, weight| {
                let inbox = &mut buffers.inbox[target as usize];
                if inbox.is_empty() {
                    buffers.addressed.push(target);
                }
                inbox.push((d.time, receptor, weight));
            });
        }
    }

    /// Run the sources with an event by `w`, and list the neurons to run through the window:
    /// those with an event of their own by `w` and those with deliveries, in index order.
    fn collect_jobs(&mut self, w: f64, buffers: &mut WindowBuffers) {
        let n_neurons = self.network.neuron_count;
        buffers.due.clear();
        buffers.jobs.clear();
        self.queue.entities_due(w, &mut buffers.due);
        for i in 0..buffers.due.len() {
            let (key, id) = buffers.due[i];
            if id < n_neurons {
                buffers.visited[id as usize] = buffers.window;
                buffers.jobs.push(Job {
                    id,
                    pending: Some(key),
                });
            } else {
                self.run_source(id, w, buffers);
            }
        }
        for &id in &buffers.addressed {
            if buffers.visited[id as usize] != buffers.window {
                buffers.visited[id as usize] = buffers.window;
                buffers.jobs.push(Job {
                    id,
                    pending: self.queue.key_of(id),
                });
            }
        }
        buffers.addressed.clear();
        buffers.jobs.sort_unstable_by_key(|job| job.id);
    }

    /// Run the window's neurons (on several threads when there is enough work, see
    /// [`super::shards`]), then merge what they produced: spikes, samples, pending events and
    /// counters.
    fn run_jobs(&mut self, w: f64, buffers: &mut WindowBuffers, summary: &mut RunSummary) {
        let shards = WindowNeurons {
            groups: &mut self.groups,
            group_info: &self.group_info,
            folded: &mut self.folded,
            inbox: &mut buffers.inbox,
            end: w,
            input_runs: self.input_runs,
            signals: SignalColumns {
                times: &buffers.sample_times,
                locate: &self.locate,
                block_of_group: &self.block_of_group,
                blocks: &self.blocks,
            },
        }
        .run(&buffers.jobs, buffers.events, &mut buffers.outputs);
        self.parallel_windows += u64::from(shards > 1);
        buffers.events = 0;
        for output in &buffers.outputs {
            buffers.emitted.extend_from_slice(&output.emitted);
            for sample in &output.samples {
                let (b, row) = (sample.block as usize, sample.row as usize);
                let stride = self.blocks[b].stride();
                let values = &mut buffers.samples[b][row * stride..(row + 1) * stride];
                self.blocks[b].put(values, sample.column as usize, sample.observation);
            }
            for &(id, key) in &output.pending {
                self.queue.schedule_key(id, key);
            }
            summary.add_counts(&output.counts);
            self.processed += output.events;
            buffers.events += output.events;
        }
    }

    /// Emit every spike of source entity `id` up to `w`.
    fn run_source(&mut self, id: u32, w: f64, buffers: &mut WindowBuffers) {
        let s = (id - self.network.neuron_count) as usize;
        while let Some(time) = self.sources[s].next_time().filter(|&t| t <= w) {
            self.processed += 1;
            buffers.emitted.push(Emitted {
                time,
                kind: Kind::Emission,
                id,
            });
            self.sources[s].advance();
        }
        self.queue
            .schedule(id, Kind::Emission, self.sources[s].next_time());
    }

    /// Record and send out the window's spikes in the global order, and write its samples.
    fn close_window(
        &mut self,
        buffers: &mut WindowBuffers,
        recorder: &mut dyn Recorder,
        summary: &mut RunSummary,
    ) -> Result<(), RecordError> {
        buffers.emitted.sort_unstable_by(|a, b| {
            a.time
                .total_cmp(&b.time)
                .then(a.kind.cmp(&b.kind))
                .then(a.id.cmp(&b.id))
        });
        for spike in &buffers.emitted {
            self.announce(spike.id, spike.time, recorder, summary)?;
        }
        buffers.emitted.clear();
        for (row, &ts) in buffers.sample_times.iter().enumerate() {
            for (block, values) in self.blocks.iter().zip(&buffers.samples) {
                let n = block.stride();
                block.send(ts, &values[row * n..(row + 1) * n], recorder)?;
            }
        }
        self.sampler.next += buffers.sample_times.len() as u64;
        Ok(())
    }

    /// The sample times of the window ending at `w` (those not yet taken, at or before `w`).
    fn prepare_samples(&self, w: f64, buffers: &mut WindowBuffers) {
        buffers.sample_times.clear();
        if !self.sampler.active {
            return;
        }
        let mut i = self.sampler.next;
        while i < self.sampler.count && self.sampler.time(i) <= w {
            buffers.sample_times.push(self.sampler.time(i));
            i += 1;
        }
        let rows = buffers.sample_times.len();
        buffers.samples.resize(self.blocks.len(), Vec::new());
        for (block, values) in self.blocks.iter().zip(&mut buffers.samples) {
            values.clear();
            values.resize(rows * block.stride(), f64::NAN);
        }
    }

    /// Samples of the recorded neurons that had no event in the window (with their deferred
    /// folded inputs, [`super::step::NeuronStep::observe_at`]).
    fn samples_of_idle_neurons(&self, buffers: &mut WindowBuffers) {
        if buffers.sample_times.is_empty() {
            return;
        }
        for (b, block) in self.blocks.iter().enumerate() {
            let (group, first) = (
                &self.groups[block.group],
                self.group_info[block.group].first_neuron,
            );
            let stride = block.stride();
            for (column, &local) in block.indices.iter().enumerate() {
                let id = first + local;
                if buffers.visited[id as usize] == buffers.window {
                    continue;
                }
                for (row, &ts) in buffers.sample_times.iter().enumerate() {
                    let until = block.deferred_until(ts);
                    let neuron = (id, local as usize);
                    let observation =
                        group.observe_with_deferred(neuron, &self.folded, (ts, until));
                    let values = &mut buffers.samples[b][row * stride..(row + 1) * stride];
                    block.put(values, column, observation);
                }
            }
        }
    }
}

/// The smallest delay [ms] of the connections whose spikes go through the delivery queue: those
/// of every neuron and of every source that is not folded (`folded[s]`); infinite if none.
pub(super) fn smallest_queued_delay(sim: &Simulation) -> f64 {
    let connectivity = &sim.network.connectivity;
    let first_delay = |node: u32| {
        connectivity
            .groups_of(node)
            .first()
            .map_or(f64::INFINITY, |g| g.delay)
    };
    let neurons = sim
        .group_info
        .iter()
        .zip(&sim.groups)
        .flat_map(|(info, group)| (0..group.len() as u32).map(move |l| info.first_node + l));
    let sources = sim
        .source_info
        .iter()
        .zip(&sim.is_folded)
        .filter(|(_, &folded)| !folded)
        .map(|(info, _)| info.node);
    neurons
        .chain(sources)
        .map(first_delay)
        .fold(f64::INFINITY, f64::min)
}

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
//! A neuron visit costs about as much as one event of the event-by-event loop, so windows pay off
//! only when neurons have several events per window (long delays, many inputs). Under
//! [`super::EventLoop::Adaptive`] the engine counts events per visit over the first
//! [`TRIAL_VISITS`] visits and leaves windows for good below [`MIN_EVENTS_PER_VISIT`]; windows
//! without any event are skipped when no membrane is sampled.

use super::queue::{EntityKey, Kind};
use super::signals::SignalBlock;
use super::step::{with_neuron, NeuronStep};
use super::{Observers, RunSummary, Simulation, CHECK_EVERY};
use crate::neuron::{ExactNeuron, Observation, Receptor};
use crate::record::{RecordError, Recorder};

/// Longest window [ms], so that interrupts, progress and buffers stay bounded when delays are
/// long or there are no connections at all.
pub(super) const MAX_WINDOW: f64 = 10.0;

/// Most membrane samples per window (per recorded neuron).
pub(super) const MAX_WINDOW_SAMPLES: f64 = 256.0;

/// Neuron visits after which the engine judges whether windows pay off.
const TRIAL_VISITS: u64 = 1024;

/// Fewest events per neuron visit for which windows pay off: a visit costs about as much as one
/// event of the event-by-event loop (measured: the sampling job, whose neurons have about one
/// event per 0.1 ms window, is 2–3 % slower in windows; one or 1000 neurons with 60 events per
/// 10 ms window are 1.2–1.5× faster).
const MIN_EVENTS_PER_VISIT: u64 = 2;

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

/// Memory of the buffers per neuron [bytes]: an (empty) inbox and the window it was last run in
/// (for the memory estimate, [`super::memory`]).
pub(super) const BYTES_PER_NEURON: usize =
    std::mem::size_of::<Vec<(f64, Receptor, f64)>>() + std::mem::size_of::<u64>();

/// Per-window scratch space, reused from window to window.
#[derive(Default)]
pub(super) struct WindowBuffers {
    /// Deliveries fanned out to each neuron: (arrival [ms], receptor, weight), in queue order.
    inbox: Vec<Vec<(f64, Receptor, f64)>>,
    /// Neurons with a non-empty inbox.
    addressed: Vec<u32>,
    /// Window number in which each neuron was last run.
    visited: Vec<u64>,
    /// Number of the current window.
    window: u64,
    /// Neuron visits so far.
    visits: u64,
    /// Neuron events so far.
    events: u64,
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

    /// Whether windows pay off: true until the trial's visits show too few events per visit
    /// (then no more windows run, so the verdict stays).
    pub fn pay_off(&self) -> bool {
        self.visits < TRIAL_VISITS || self.events >= MIN_EVENTS_PER_VISIT * self.visits
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
            self.run_window(w, out.recorder, summary)?;
            self.through = w;
            if self.event_loop == super::EventLoop::Adaptive && !self.window.pay_off() {
                // Too few events per neuron and window: the event-by-event loop is cheaper.
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
        let n_neurons = self.network.neuron_count;
        while let Some((key, id)) = self.queue.peek_entity() {
            if key.time > w {
                break;
            }
            if id < n_neurons {
                self.run_neuron(id, w, &mut buffers, summary);
            } else {
                self.run_source(id, w, &mut buffers);
            }
        }
        for i in 0..buffers.addressed.len() {
            let id = buffers.addressed[i];
            if buffers.visited[id as usize] != buffers.window {
                self.run_neuron(id, w, &mut buffers, summary);
            }
        }
        buffers.addressed.clear();
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

    /// Run neuron `id` through the window ending at `w`, then put its next event back in the
    /// queue.
    fn run_neuron(
        &mut self,
        id: u32,
        w: f64,
        buffers: &mut WindowBuffers,
        summary: &mut RunSummary,
    ) {
        buffers.visited[id as usize] = buffers.window;
        let inbox = std::mem::take(&mut buffers.inbox[id as usize]);
        let pending = self.queue.key_of(id);
        let mut column = self.signal_column(id).map(|(b, column)| SampleColumn {
            times: &buffers.sample_times,
            values: &mut buffers.samples[b],
            block: &self.blocks[b],
            column,
            taken: 0,
        });
        let mut window = NeuronWindow {
            end: w,
            inbox: &inbox,
            emitted: &mut buffers.emitted,
            column: column.as_mut(),
            summary,
            events: 0,
            input_runs: self.input_runs,
        };
        let pending = with_neuron!(self, id, |step| window.run(&mut step, pending));
        self.processed += window.events;
        buffers.visits += 1;
        buffers.events += window.events;
        self.queue.schedule_key(id, pending);
        let mut inbox = inbox;
        inbox.clear();
        buffers.inbox[id as usize] = inbox;
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

    /// Samples of the recorded neurons that had no event in the window.
    fn samples_of_idle_neurons(&self, buffers: &mut WindowBuffers) {
        if buffers.sample_times.is_empty() {
            return;
        }
        for (b, block) in self.blocks.iter().enumerate() {
            let (group, first) = (
                &self.groups[block.group],
                self.group_info[block.group].first_neuron,
            );
            for (column, &local) in block.indices.iter().enumerate() {
                if buffers.visited[(first + local) as usize] != buffers.window {
                    let mut samples = SampleColumn {
                        times: &buffers.sample_times,
                        values: &mut buffers.samples[b],
                        block,
                        column,
                        taken: 0,
                    };
                    samples.take_until(f64::INFINITY, true, |ts| group.observe(local as usize, ts));
                }
            }
        }
    }

    /// The signal block and column of neuron `id`, if it is recorded.
    fn signal_column(&self, id: u32) -> Option<(usize, usize)> {
        let (g, local) = self.locate[id as usize];
        let b = self.block_of_group[g as usize]?;
        Some((b, self.blocks[b].column(local as usize)?))
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

/// One neuron's samples in the window's buffer.
struct SampleColumn<'a> {
    /// The window's sample times [ms].
    times: &'a [f64],
    /// The block's samples, row by row.
    values: &'a mut [f64],
    /// The neuron's signal block.
    block: &'a SignalBlock,
    /// The neuron's column in the block.
    column: usize,
    /// Rows taken so far.
    taken: usize,
}

impl SampleColumn<'_> {
    /// Time [ms] of the next sample not yet taken (infinite if none).
    fn next_time(&self) -> f64 {
        self.times.get(self.taken).copied().unwrap_or(f64::INFINITY)
    }

    /// Take the samples before `t` [ms] (or at it, when `inclusive`) with `observe`.
    fn take_until(&mut self, t: f64, inclusive: bool, observe: impl Fn(f64) -> Observation) {
        let stride = self.block.stride();
        while let Some(&ts) = self.times.get(self.taken) {
            if ts > t || (!inclusive && ts == t) {
                break;
            }
            let row = &mut self.values[self.taken * stride..(self.taken + 1) * stride];
            self.block.put(row, self.column, observe(ts));
            self.taken += 1;
        }
    }
}

/// One neuron's run through a window.
struct NeuronWindow<'a, 'c> {
    /// Window end [ms] (inclusive).
    end: f64,
    /// Deliveries to the neuron in the window: (time [ms], receptor, weight).
    inbox: &'a [(f64, Receptor, f64)],
    /// The window's spikes.
    emitted: &'a mut Vec<Emitted>,
    /// The neuron's samples, if recorded.
    column: Option<&'a mut SampleColumn<'c>>,
    summary: &'a mut RunSummary,
    /// Events processed.
    events: u64,
    /// Whether models may take folded inputs in their own loop.
    input_runs: bool,
}

impl NeuronWindow<'_, '_> {
    /// Process the neuron's events up to the window's end, starting from its `pending` event;
    /// returns its pending event after the window.
    fn run<M: ExactNeuron>(
        &mut self,
        step: &mut NeuronStep<M>,
        mut pending: Option<EntityKey>,
    ) -> Option<EntityKey> {
        let mut next_input = 0;
        loop {
            let delivery = self.inbox.get(next_input).map(|&(t, ..)| t);
            let entity = pending.filter(|key| key.time <= self.end);
            // The neuron's own event first at equal times (the ordering contract).
            let time = match (entity, delivery) {
                (Some(key), Some(t)) => key.time.min(t),
                (Some(key), None) => key.time,
                (None, Some(t)) => t,
                (None, None) => break,
            };
            if let Some(column) = self.column.as_deref_mut() {
                column.take_until(time, false, |ts| step.model.observe(step.state, ts));
            }
            self.events += 1;
            pending = match entity.filter(|key| key.time == time) {
                Some(EntityKey {
                    kind: Kind::Threshold,
                    ..
                }) => {
                    self.emitted.push(Emitted {
                        time,
                        kind: Kind::Threshold,
                        id: step.id,
                    });
                    step.fire(time, self.summary)
                }
                Some(_) => {
                    // Folded inputs run on until the next delivery or untaken sample (own
                    // events first at equal times) or the window's end.
                    let sample = self
                        .column
                        .as_deref()
                        .map_or(f64::INFINITY, |c| c.next_time());
                    let until = self.end.min(delivery.unwrap_or(f64::INFINITY)).min(sample);
                    let (pending, events) =
                        step.folded_inputs_until(time, until, self.input_runs, self.summary);
                    self.events += events - 1;
                    pending
                }
                None => {
                    let (_, receptor, weight) = self.inbox[next_input];
                    next_input += 1;
                    step.input(time, receptor, weight, self.summary)
                }
            };
        }
        if let Some(column) = self.column.as_deref_mut() {
            column.take_until(self.end, true, |ts| step.model.observe(step.state, ts));
        }
        pending
    }
}

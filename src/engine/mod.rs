//! The event-driven engine: no global time grid; a neuron is touched only when an input arrives
//! or its predicted threshold crossing is due. See [`queue`] for the ordering contract.

mod adaptive;
pub mod folded;
mod lower;
pub mod memory;
mod modify;
mod neuron_window;
pub(crate) mod neurons;
mod probe;
pub mod queue;
mod shards;
mod signals;
mod step;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::config::Experiment;
use crate::error::LowerError;
pub use crate::models::NeuronGroup;
use crate::network::Network;
use crate::neuron::Receptor;
use crate::record::{RecordError, RecordLayout, Recorder, Termination};
use crate::source::Source;
use adaptive::Trial;
use folded::FoldedInputs;
pub use memory::{MemoryEstimate, MemoryLimit};
pub use modify::ModifyError;
use queue::{Delivery, EntityKey, EventQueue, Kind, Next};
use signals::{Sampler, SignalBlock};
use step::with_neuron;
use window::WindowBuffers;

/// Events between two checks of the interrupt flag and progress callback.
const CHECK_EVERY: u64 = 1 << 14;

/// Which loop runs the events; all give the same results, bitwise.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventLoop {
    /// Windows or single events, whichever a trial measures to be faster: windows first,
    /// while neurons are visited (over run segments, if paused), then single events, then the
    /// faster of the two for 16 times the trials' time, then the trials again. Without
    /// windows (a delay of 0) single events.
    Adaptive,
    /// Windows whenever the smallest delay allows (event by event otherwise).
    Windows,
    /// One event at a time.
    Events,
}

/// Where a run reports to.
struct Observers<'a> {
    /// Receives spikes and membrane samples.
    recorder: &'a mut dyn Recorder,
    /// Set from outside to stop the run.
    interrupt: Option<&'a AtomicBool>,
    /// Called with the simulated time [ms] now and then.
    progress: &'a mut dyn FnMut(f64),
}

impl Observers<'_> {
    /// Report progress at `t` [ms]; if the run is to stop, mark `summary` interrupted at `t`
    /// and return true.
    fn stop_at(&mut self, t: f64, summary: &mut RunSummary) -> bool {
        (self.progress)(t);
        let stop = self
            .interrupt
            .is_some_and(|flag| flag.load(Ordering::Relaxed));
        if stop {
            summary.termination = Termination::INTERRUPTED;
            summary.t_reached = t;
        }
        stop
    }
}

/// Counters of a finished run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSummary {
    /// Synaptic input events delivered to neurons.
    pub input_events: u64,
    /// Spikes emitted by neurons.
    pub neuron_spikes: u64,
    /// Spikes emitted by sources.
    pub source_spikes: u64,
    /// Synaptic input events lost because their projection's `p_transmit` is below 1 (not
    /// counting synapses of weight 0). A folded source's lost spikes are counted, as lost events
    /// and as source spikes, when it draws past them to its next spike that arrives, so up to
    /// that spike they may lie beyond the time reached.
    pub lost_events: u64,
    /// Simulated time reached [ms].
    pub t_reached: f64,
    /// Wall-clock time of the run [s].
    pub wall_seconds: f64,
    /// Whether the run completed or was interrupted.
    pub termination: Termination,
}

impl RunSummary {
    /// A summary of nothing: no events, completed at time 0.
    pub fn zero() -> Self {
        Self {
            input_events: 0,
            neuron_spikes: 0,
            source_spikes: 0,
            lost_events: 0,
            t_reached: 0.0,
            wall_seconds: 0.0,
            termination: Termination::Completed,
        }
    }

    /// Add the event and spike counters of `other`.
    fn add_counts(&mut self, other: &Self) {
        self.input_events += other.input_events;
        self.neuron_spikes += other.neuron_spikes;
        self.source_spikes += other.source_spikes;
        self.lost_events += other.lost_events;
    }

    /// Input events per wall-clock second.
    pub fn events_per_second(&self) -> f64 {
        self.input_events as f64 / self.wall_seconds.max(1e-12)
    }
}

/// Bookkeeping of one neuron population.
#[derive(Clone, Copy, Debug)]
struct GroupInfo {
    first_node: u32,
    first_neuron: u32,
    spike_slot: Option<usize>,
}

/// Bookkeeping of one source.
#[derive(Clone, Copy, Debug)]
struct SourceInfo {
    node: u32,
    local: u32,
    spike_slot: Option<usize>,
}

/// A network ready to run, with all neuron and source states.
pub struct Simulation {
    network: Network,
    groups: Vec<NeuronGroup>,
    group_info: Vec<GroupInfo>,
    /// Global neuron index → (group, local index).
    locate: Vec<(u32, u32)>,
    sources: Vec<Source>,
    source_info: Vec<SourceInfo>,
    /// Sources folded into their only target neuron (see [`folded`]).
    folded: FoldedInputs,
    /// Per source: whether it is folded (not scheduled as a source).
    is_folded: Vec<bool>,
    queue: EventQueue,
    layout: RecordLayout,
    /// The recorded signals, one block per population, in layout order.
    blocks: Vec<SignalBlock>,
    /// Per neuron group, its index in `blocks` if recorded.
    block_of_group: Vec<Option<usize>>,
    /// The sampling clock of the signals.
    sampler: Sampler,
    /// Counters accumulated over all run segments so far.
    summary: RunSummary,
    /// Every event at or before this time [ms] has been processed.
    now: f64,
    /// Like `now`, but −∞ before the first event at time 0 is processed.
    through: f64,
    /// Smallest delay [ms] of a connection through the delivery queue (see [`window`]).
    d_min: f64,
    /// Scratch space of the windowed loop.
    window: WindowBuffers,
    /// The adaptive loop's trials and choice.
    trial: Trial,
    /// Which loop runs the events (see [`Simulation::set_loop`]).
    event_loop: EventLoop,
    /// Whether models run through their folded inputs in their own loop (see
    /// [`Simulation::set_input_runs`]).
    input_runs: bool,
    /// Scratch space of one delivery in the event-by-event loop: (target, receptor, weight).
    delivered: Vec<(u32, Receptor, f64)>,
    /// Events processed so far (over all segments: sets the cadence of interrupt checks).
    processed: u64,
    /// Windows whose neurons ran on more than one thread so far.
    parallel_windows: u64,
    t_stop: f64,
}

impl Simulation {
    /// Sources that draw random numbers while the simulation runs (Poisson sources, folded or
    /// not): 0 means the run, once lowered, is a deterministic function of its initial state.
    pub fn random_sources(&self) -> usize {
        self.sources.iter().filter(|s| s.is_random()).count() + self.folded.random_sources()
    }

    /// Lower `experiment` into a runnable simulation.
    pub fn new(experiment: &Experiment) -> Result<Self, LowerError> {
        let network = Network::build(experiment)?;
        let lowered = lower::populations(experiment, &network);
        let mut sources = lowered.sources;
        let source_info = lowered.source_info;
        let (folded, is_folded) = FoldedInputs::build(
            &network.connectivity,
            &mut sources,
            |s| source_info[s].node,
            |s| source_info[s].spike_slot.is_some(),
            |synapse| network.plasticity.is_static(synapse),
            |synapse| network.transmission.draw(synapse),
            network.neuron_count,
        );
        let lost_before = folded.lost();
        let layout = Self::layout_of(experiment);
        let blocks = signals::blocks(experiment, &lowered.group_of_population);
        let sampler = Sampler::new(experiment.t_stop(), layout.interval, !blocks.is_empty());
        let block_of_group = (0..lowered.groups.len())
            .map(|g| blocks.iter().position(|b| b.group == g))
            .collect();
        let mut sim = Self {
            groups: lowered.groups,
            group_info: lowered.group_info,
            locate: lowered.locate,
            sources,
            source_info,
            folded,
            is_folded,
            queue: EventQueue::default(),
            layout,
            blocks,
            block_of_group,
            sampler,
            summary: RunSummary {
                // Folded sources drew past the spikes lost before their first arrival.
                source_spikes: lost_before,
                lost_events: lost_before,
                ..RunSummary::zero()
            },
            now: 0.0,
            through: f64::NEG_INFINITY,
            d_min: f64::INFINITY,
            window: WindowBuffers::new(network.neuron_count as usize),
            trial: Trial::default(),
            event_loop: EventLoop::Adaptive,
            input_runs: true,
            delivered: Vec::new(),
            processed: 0,
            parallel_windows: 0,
            t_stop: experiment.t_stop(),
            network,
        };
        sim.d_min = window::smallest_queued_delay(&sim);
        sim.schedule_initial_events();
        Ok(sim)
    }

    /// What a simulation of `experiment` records: the names and sizes of its spike- and
    /// sampled signals, in the order the engine refers to them (for creating a recorder
    /// before the simulation).
    pub fn layout_of(experiment: &Experiment) -> RecordLayout {
        let record = experiment.record();
        let named = |indices: &[usize]| {
            let populations = experiment.populations();
            (indices.iter())
                .map(|&p| (populations[p].name.clone(), populations[p].size))
                .collect()
        };
        RecordLayout {
            spikes: named(&record.spikes),
            signals: signals::layout(experiment),
            interval: record.interval,
            ..RecordLayout::default()
        }
    }

    /// Number of synapses in the network.
    pub fn synapse_count(&self) -> usize {
        self.network.connectivity.synapse_count()
    }

    /// What this simulation records (for creating a recorder).
    pub fn layout(&self) -> &RecordLayout {
        &self.layout
    }

    /// Choose the loop that runs the events (default [`EventLoop::Adaptive`]). The outputs are
    /// the same, bitwise, whichever runs; the choice is for cross-checking and measuring them.
    pub fn set_loop(&mut self, event_loop: EventLoop) {
        self.event_loop = event_loop;
    }

    /// Whether a neuron's folded inputs are taken in one run by the model's own loop
    /// ([`crate::neuron::ExactNeuron::run_inputs`], the default) or one event at a time. The
    /// outputs are the same, bitwise; the choice is for cross-checking the models' loops.
    pub fn set_input_runs(&mut self, on: bool) {
        self.input_runs = on;
    }

    /// Windows whose neurons ran on more than one thread so far: 0 on one thread, under the
    /// event-by-event loop, or when the windows hold too little work to be split.
    pub fn parallel_windows(&self) -> u64 {
        self.parallel_windows
    }

    /// Number of sources folded into their only target neuron (see [`folded`]).
    pub fn folded_input_count(&self) -> usize {
        self.folded.len()
    }

    fn schedule_initial_events(&mut self) {
        for g in 0..self.groups.len() {
            let first = self.group_info[g].first_neuron;
            for local in 0..self.groups[g].len() {
                let id = first + local as u32;
                let horizon = self.folded.horizon(id);
                let (prediction, end) = self.groups[g].predict(local, horizon);
                self.queue.schedule_neuron(id, prediction, end);
            }
        }
        let n_neurons = self.network.neuron_count;
        for (s, source) in self.sources.iter().enumerate() {
            if !self.is_folded[s] {
                self.queue
                    .schedule(n_neurons + s as u32, Kind::Emission, source.next_time());
            }
        }
    }

    /// Run to `t_stop` [ms] (events at exactly `t_stop` included), writing to `recorder`, and
    /// take the final membrane samples. Continues from wherever [`Simulation::run_until`] left
    /// off. `interrupt` is polled every few thousand events; `progress` is called with the
    /// simulated time [ms] at the same cadence. The summary counts the whole run.
    pub fn run(
        &mut self,
        recorder: &mut dyn Recorder,
        interrupt: Option<&AtomicBool>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<RunSummary, RecordError> {
        let summary = self.run_until(self.t_stop, recorder, interrupt, progress)?;
        if summary.termination.is_completed() {
            // Every remaining sample (the last one may lie a rounding error past t_stop).
            self.take_samples(f64::INFINITY, true, recorder)?;
        }
        Ok(self.summary)
    }

    /// Process every event at or before `t` [ms] (clamped to `[now, t_stop]`; NaN does nothing),
    /// then pause, so that weights and resting potentials can be changed at `t` (see
    /// [`Simulation::now`]). After an interruption it does nothing.
    /// Arguments as for [`Simulation::run`]; the summary counts everything since the start.
    pub fn run_until(
        &mut self,
        t: f64,
        recorder: &mut dyn Recorder,
        interrupt: Option<&AtomicBool>,
        progress: &mut dyn FnMut(f64),
    ) -> Result<RunSummary, RecordError> {
        if !self.summary.termination.is_completed() || t.is_nan() {
            return Ok(self.summary);
        }
        let t_end = t.clamp(self.now, self.t_stop);
        let started = Instant::now();
        let mut summary = self.summary;
        let folded_lost = self.folded.lost();
        let mut out = Observers {
            recorder,
            interrupt,
            progress,
        };
        match self.event_loop {
            EventLoop::Adaptive => self.run_adaptive(t_end, &mut out, &mut summary)?,
            EventLoop::Windows => self.run_windows(t_end, &mut out, &mut summary)?,
            EventLoop::Events => {}
        }
        if summary.termination.is_completed() {
            self.run_events(t_end, u64::MAX, &mut out, &mut summary)?;
        }
        let recorder = out.recorder;
        if summary.termination.is_completed() {
            // Samples up to the pause (before any change made at it, and before the deferred
            // inputs are applied, which may move a state's time past a sample's).
            self.take_samples(t_end, true, recorder)?;
            self.catch_up_all(t_end, &mut summary);
            summary.t_reached = t_end;
            self.now = t_end;
            self.through = t_end;
        }
        summary.wall_seconds += started.elapsed().as_secs_f64();
        tracing::debug!(
            parallel_windows = self.parallel_windows,
            threads = rayon::current_num_threads(),
            "run segment done"
        );
        // Lost spikes of folded sources were emitted, and lost, when their source drew past them.
        let lost = self.folded.lost() - folded_lost;
        summary.lost_events += lost;
        summary.source_spikes += lost;
        self.summary = summary;
        recorder.reached(summary.t_reached);
        Ok(summary)
    }

    /// The event-by-event loop: every event at or before `t_end` [ms], one at a time, or only
    /// until `budget` events are popped and no other is due at the last one's time. Leaves
    /// `through` at the time through which every event is processed (`t_end`, unless
    /// interrupted); returns the number of events popped.
    fn run_events(
        &mut self,
        t_end: f64,
        budget: u64,
        out: &mut Observers,
        summary: &mut RunSummary,
    ) -> Result<u64, RecordError> {
        let (mut popped, mut last) = (0, f64::NEG_INFINITY);
        while let Some(t) = self.queue.peek_time() {
            if t > t_end {
                break;
            }
            if popped >= budget && t > last {
                self.through = last;
                return Ok(popped);
            }
            self.take_samples(t, false, out.recorder)?;
            self.processed += 1;
            if self.processed.is_multiple_of(CHECK_EVERY) && out.stop_at(t, summary) {
                return Ok(popped);
            }
            popped += 1;
            last = t;
            let recorder = &mut *out.recorder;
            match self.queue.pop().expect("peeked") {
                Next::Entity {
                    id,
                    kind: Kind::Input,
                    time,
                } => {
                    // One input at a time: this loop runs when neurons have few events between
                    // others' (see `window`), so a run of folded inputs would hold one.
                    let key = self.folded_input(id, time, summary);
                    self.queue.schedule_key(id, key);
                }
                Next::Entity { id, time, .. } if id < self.network.neuron_count => {
                    let key = self.fire(id, time, summary);
                    self.queue.schedule_key(id, key);
                    self.announce(id, time, recorder, summary)?;
                }
                Next::Entity { id, time, .. } => {
                    let s = (id - self.network.neuron_count) as usize;
                    self.sources[s].advance();
                    self.queue
                        .schedule(id, Kind::Emission, self.sources[s].next_time());
                    self.announce(id, time, recorder, summary)?;
                }
                Next::Delivery(d) => {
                    let mut inputs = std::mem::take(&mut self.delivered);
                    self.deliver(&d, summary, &mut |target, receptor, weight| {
                        inputs.push((target, receptor, weight));
                    });
                    for &(target, receptor, weight) in &inputs {
                        let key = self.input(target, d.time, receptor, weight, summary);
                        self.queue.schedule_key(target, key);
                    }
                    inputs.clear();
                    self.delivered = inputs;
                }
            }
        }
        self.through = t_end;
        Ok(popped)
    }

    /// Take the samples due before `t` [ms] (or at it, when `inclusive`), each with the
    /// neuron's deferred folded inputs ([`step::NeuronStep::observe_at`]).
    fn take_samples(
        &mut self,
        t: f64,
        inclusive: bool,
        recorder: &mut dyn Recorder,
    ) -> Result<(), RecordError> {
        let Self {
            sampler,
            blocks,
            groups,
            group_info,
            folded,
            t_stop,
            ..
        } = self;
        sampler.sample_until(t, inclusive, blocks, recorder, &mut |block, local, ts| {
            let id = group_info[block.group].first_neuron + local as u32;
            // No input after the end of the run (the last sample may lie a rounding error past).
            let until = block.deferred_until(ts.min(*t_stop));
            groups[block.group].observe_with_deferred((id, local), folded, (ts, until))
        })
    }

    /// Fire neuron `id` at its predicted crossing `time` [ms]; returns its next pending event.
    fn fire(&mut self, id: u32, time: f64, summary: &mut RunSummary) -> Option<EntityKey> {
        with_neuron!(self, id, |step| step.fire(time, summary))
    }

    /// Record the spike of entity `id` (neuron or source) at `time` [ms] and send it out.
    fn announce(
        &mut self,
        id: u32,
        time: f64,
        recorder: &mut dyn Recorder,
        summary: &mut RunSummary,
    ) -> Result<(), RecordError> {
        let n_neurons = self.network.neuron_count;
        let (slot, local, node) = if id < n_neurons {
            let (g, local) = self.locate[id as usize];
            let info = self.group_info[g as usize];
            (info.spike_slot, local, info.first_node + local)
        } else {
            let info = self.source_info[(id - n_neurons) as usize];
            summary.source_spikes += 1;
            (info.spike_slot, info.local, info.node)
        };
        if let Some(slot) = slot {
            recorder.spike(slot, local, time)?;
        }
        self.emit(node, time);
        Ok(())
    }

    /// Schedule the first delay group of a spike emitted by `node` at `time`.
    fn emit(&mut self, node: u32, time: f64) {
        if let Some(first) = self.network.connectivity.groups_of(node).first() {
            self.queue.deliver(node, time, 0, time + first.delay, true);
        }
    }

    /// Hand delivery `d` to `sink` as (target, receptor, weight) per synapse, after short-term
    /// plasticity (zero weights, which change nothing, are dropped and not counted), and queue
    /// the spike's next delay group.
    fn deliver(
        &mut self,
        d: &Delivery,
        summary: &mut RunSummary,
        sink: &mut dyn FnMut(u32, Receptor, f64),
    ) {
        let connectivity = &self.network.connectivity;
        let index = connectivity.group_index(d.node, d.group as usize);
        let group = connectivity.groups[index];
        let mut silent = 0;
        for (k, synapse) in connectivity.synapses_in(index).enumerate() {
            let index = group.start as usize + k;
            if !self.network.transmission.transmits(index, d.emitted) {
                // Lost on the way (p_transmit < 1): the synapse never sees it. (One of weight 0,
                // e.g. the unused receptor of a trained pair, would have changed nothing.)
                silent += 1;
                summary.lost_events += u64::from(synapse.weight() != 0.0);
                continue;
            }
            // Short-term plasticity (identity for static synapses), at the arrival time.
            let weight = self
                .network
                .plasticity
                .transmit(index, synapse.weight(), d.time);
            if weight == 0.0 {
                // Changes nothing (e.g. the unused receptor of a trained pair): not an input.
                silent += 1;
                continue;
            }
            sink(synapse.target(), synapse.receptor(), weight);
        }
        summary.input_events += u64::from(group.end - group.start - silent);
        if let Some(next) = connectivity.groups_of(d.node).get(d.group as usize + 1) {
            self.queue.deliver_next_group(d, d.emitted + next.delay);
        }
    }

    /// An input of `weight` to neuron `target` at `time` [ms] (its deferred folded inputs
    /// first); returns the neuron's next pending event.
    fn input(
        &mut self,
        target: u32,
        time: f64,
        receptor: Receptor,
        weight: f64,
        summary: &mut RunSummary,
    ) -> Option<EntityKey> {
        with_neuron!(self, target, |step| step
            .input(time, receptor, weight, summary))
    }
}

impl Simulation {
    /// Neuron `id`'s pending input event at `time` [ms]: its folded inputs deferred during its
    /// refractory period (see [`folded`]), then its folded input due at `time`, if any.
    fn folded_input(&mut self, id: u32, time: f64, summary: &mut RunSummary) -> Option<EntityKey> {
        with_neuron!(self, id, |step| step.folded_input(time, summary))
    }

    /// Apply every deferred folded input that arrives by `t` [ms] (inclusive), so that all
    /// neuron states and the run's counters include them.
    fn catch_up_all(&mut self, t: f64, summary: &mut RunSummary) {
        for id in 0..self.network.neuron_count {
            with_neuron!(self, id, |step| step.catch_up(t, summary));
        }
    }
}

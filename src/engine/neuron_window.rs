//! One neuron's run through a window ([`super::window`]): its own events, folded inputs and
//! deliveries in the order of the queue's contract, and its membrane samples on the way.

use super::queue::{EntityKey, Kind};
use super::shards::Input;
use super::step::NeuronStep;
use super::window::Emitted;
use super::RunSummary;
use crate::neuron::{ExactNeuron, Observation};

/// A membrane sample taken in a window, for the window's buffer.
#[derive(Clone, Copy, Debug)]
pub(super) struct TakenSample {
    /// Signal block.
    pub block: u32,
    /// The neuron's column in the block.
    pub column: u32,
    /// Row among the window's sample times.
    pub row: u32,
    /// The neuron's observable state then.
    pub observation: Observation,
}

/// One neuron's samples of a window, taken as its events pass them.
pub(super) struct SampleColumn<'a> {
    /// The window's sample times [ms].
    pub times: &'a [f64],
    /// The neuron's signal block.
    pub block: usize,
    /// Whether the block records a synaptic variable (then samples show deferred inputs).
    pub synaptic: bool,
    /// The neuron's column in the block.
    pub column: usize,
    /// Rows taken so far.
    pub taken: usize,
    /// Where the samples go.
    pub sink: &'a mut Vec<TakenSample>,
}

impl SampleColumn<'_> {
    /// Time [ms] of the next sample not yet taken (infinite if none).
    pub fn next_time(&self) -> f64 {
        self.times.get(self.taken).copied().unwrap_or(f64::INFINITY)
    }

    /// Take the samples before `t` [ms] (or at it, when `inclusive`) with `observe`.
    pub fn take_until(&mut self, t: f64, inclusive: bool, observe: impl Fn(f64) -> Observation) {
        while let Some(&ts) = self.times.get(self.taken) {
            if ts > t || (!inclusive && ts == t) {
                break;
            }
            self.sink.push(TakenSample {
                block: self.block as u32,
                column: self.column as u32,
                row: self.taken as u32,
                observation: observe(ts),
            });
            self.taken += 1;
        }
    }
}

/// One neuron's run through a window.
pub(super) struct NeuronWindow<'a, 'c> {
    /// Window end [ms] (inclusive).
    pub end: f64,
    /// Deliveries to the neuron in the window: (time [ms], receptor, weight).
    pub inbox: &'a [Input],
    /// The window's spikes.
    pub emitted: &'a mut Vec<Emitted>,
    /// The neuron's samples, if recorded.
    pub column: Option<&'a mut SampleColumn<'c>>,
    /// The counters (spikes, inputs) the neuron's events add to.
    pub summary: &'a mut RunSummary,
    /// Events processed.
    pub events: u64,
    /// Whether models may take folded inputs in their own loop.
    pub input_runs: bool,
}

impl NeuronWindow<'_, '_> {
    /// Process the neuron's events up to the window's end, starting from its `pending` event;
    /// returns its pending event after the window.
    pub fn run<M: ExactNeuron>(
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
                let synaptic = column.synaptic;
                column.take_until(time, false, |ts| step.observe_with(synaptic, ts));
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
            let synaptic = column.synaptic;
            column.take_until(self.end, true, |ts| step.observe_with(synaptic, ts));
        }
        pending
    }
}

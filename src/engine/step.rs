//! What happens to one neuron at one event, written once for every model: its threshold
//! crossing, its folded input, or a delivered input. Both loops (event by event, and windowed)
//! call these through [`with_neuron!`], which picks the model once, so the window loop runs a
//! neuron through a whole window without further dispatch.

use super::folded::{wake_time, NeuronFeed, CATCH_UP_BATCH};
use super::queue::{neuron_key, EntityKey, Kind};
use super::RunSummary;
use crate::neuron::{ExactNeuron, InputFeed, Observation, Receptor};

/// One neuron with everything an event of it touches.
pub(super) struct NeuronStep<'a, M: ExactNeuron> {
    /// The neuron's lowered model.
    pub model: &'a M,
    /// The neuron's state.
    pub state: &'a mut M::State,
    /// Global neuron index.
    pub id: u32,
    /// The neuron's own folded inputs (nothing of any other neuron's).
    pub folded: NeuronFeed<'a>,
}

/// Run `$body` with `$step` bound to a [`NeuronStep`] for neuron `$id` of simulation `$sim`.
macro_rules! with_neuron {
    ($sim:expr, $id:expr, |$step:ident| $body:expr) => {{
        let id: u32 = $id;
        let (g, local) = $sim.locate[id as usize];
        $crate::models::dispatch!(&mut $sim.groups[g as usize], group => {
            let (model, state) = group.neuron(local as usize);
            #[allow(unused_mut)]
            let mut $step = $crate::engine::step::NeuronStep {
                model,
                state,
                id,
                folded: $sim.folded.feed(id),
            };
            $body
        })
    }};
}
pub(super) use with_neuron;

impl<M: ExactNeuron> NeuronStep<'_, M> {
    /// Apply, in arrival order, the folded inputs that arrive by `until` [ms] (inclusive) and
    /// before the end of the refractory period. Returns the new folded-input horizon [ms].
    pub fn catch_up(&mut self, until: f64, summary: &mut RunSummary) -> f64 {
        let mut horizon = self.folded.next_arrival();
        if horizon > until {
            return horizon;
        }
        let limit = self.model.refractory_until(self.state);
        if horizon >= limit {
            return horizon;
        }
        let mut batch = [(0.0, Receptor::Excitatory, 0.0); CATCH_UP_BATCH];
        while horizon <= until && horizon < limit {
            let mut n = 0;
            while n < CATCH_UP_BATCH && horizon <= until && horizon < limit {
                let (receptor, weight, next) = self.folded.take();
                batch[n] = (horizon, receptor, weight);
                horizon = next;
                n += 1;
            }
            self.model.absorb(self.state, &batch[..n]);
            summary.source_spikes += n as u64;
            summary.input_events += n as u64;
        }
        horizon
    }

    /// The neuron's observable state at `ts` [ms] (not before its state's time), with its
    /// deferred folded inputs that arrive by `ts` ([`super::folded`]), so that a sample shows
    /// every input at or before it. The state itself does not change.
    pub fn observe_at(&self, ts: f64) -> Observation {
        let mut deferred = Vec::new();
        let limit = self.model.refractory_until(self.state);
        self.folded.preview(ts, limit, &mut deferred);
        observe_after(self.model, self.state, &deferred, ts)
    }

    /// [`NeuronStep::observe_at`] if `deferred`, else the state as it is (enough for the
    /// membrane, which is clamped while inputs are deferred).
    pub fn observe_with(&self, deferred: bool, ts: f64) -> Observation {
        if deferred {
            self.observe_at(ts)
        } else {
            self.model.observe(self.state, ts)
        }
    }

    /// The neuron's next event: a spike search towards its next folded input at `horizon` [ms]
    /// ([`super::neurons::search`]), then the crossing it found or a wake at the search's end.
    fn search(&mut self, horizon: f64) -> Option<EntityKey> {
        let (prediction, end) = super::neurons::search(self.model, self.state, horizon);
        let wake = wake_time(end, self.model.refractory_until(self.state));
        neuron_key(prediction, wake)
    }

    /// The neuron's folded-input event at `time` [ms]: its deferred inputs, then the input due
    /// at `time`, if any. Returns its next pending event.
    pub fn folded_input(&mut self, time: f64, summary: &mut RunSummary) -> Option<EntityKey> {
        let mut horizon = self.catch_up(time, summary);
        if horizon <= time {
            let (receptor, weight, next) = self.folded.take();
            horizon = next;
            summary.source_spikes += 1;
            summary.input_events += 1;
            self.model.advance(self.state, time);
            self.model.receive(self.state, receptor, weight);
        } else if super::neurons::search_end(self.model, self.state, horizon) <= time {
            // A wake where the last search stopped looking: look on from here.
            self.model.advance(self.state, time);
        }
        self.search(horizon)
    }

    /// The neuron's folded-input events from the one at `first` [ms] on, for as long as its
    /// next event is a folded input at or before `until` [ms] (no crossing predicted): the
    /// same as calling [`NeuronStep::folded_input`] for each, which is what happens unless
    /// `runs` lets the model take them in its own loop ([`ExactNeuron::run_inputs`]). Returns
    /// the neuron's next pending event and the number of events taken.
    pub fn folded_inputs_until(
        &mut self,
        first: f64,
        until: f64,
        runs: bool,
        summary: &mut RunSummary,
    ) -> (Option<EntityKey>, u64) {
        // The model's loop starts with a folded input (or the end of a refractory period that
        // deferred some), not with a wake where a search stopped looking.
        let input_due = |step: &Self| {
            wake_time(
                step.folded.next_arrival(),
                step.model.refractory_until(step.state),
            ) <= first
        };
        if runs && input_due(self) {
            if let Some(run) = self.model.run_inputs(self.state, &mut self.folded, until) {
                summary.source_spikes += run.inputs;
                summary.input_events += run.inputs;
                let end =
                    super::neurons::search_end(self.model, self.state, self.folded.next_arrival());
                let wake = wake_time(end, self.model.refractory_until(self.state));
                return (neuron_key(run.spike, wake), run.events);
            }
        }
        let mut time = first;
        let mut events = 0;
        loop {
            events += 1;
            let pending = self.folded_input(time, summary);
            match pending {
                Some(EntityKey {
                    time: next,
                    kind: Kind::Input,
                }) if next <= until => time = next,
                _ => return (pending, events),
            }
        }
    }

    /// An input of `weight` at `time` [ms] through the delivery queue (deferred folded inputs
    /// first). Returns the neuron's next pending event.
    pub fn input(
        &mut self,
        time: f64,
        receptor: Receptor,
        weight: f64,
        summary: &mut RunSummary,
    ) -> Option<EntityKey> {
        let horizon = self.catch_up(time, summary);
        self.model.advance(self.state, time);
        self.model.receive(self.state, receptor, weight);
        self.search(horizon)
    }

    /// The neuron's threshold crossing at `time` [ms]. Returns its next pending event.
    pub fn fire(&mut self, time: f64, summary: &mut RunSummary) -> Option<EntityKey> {
        let horizon = self.folded.next_arrival();
        self.model.advance(self.state, time);
        self.model.fire(self.state);
        summary.neuron_spikes += 1;
        self.search(horizon)
    }
}

/// `state`'s observable state at `ts` [ms] after the refractory `inputs` (arrival [ms],
/// receptor, weight), absorbed into a copy.
pub(super) fn observe_after<M: ExactNeuron>(
    model: &M,
    state: &M::State,
    inputs: &[(f64, Receptor, f64)],
    ts: f64,
) -> Observation {
    if inputs.is_empty() {
        return model.observe(state, ts);
    }
    let mut state = state.clone();
    model.absorb(&mut state, inputs);
    model.observe(&state, ts)
}

//! Sampling of state variables on one clock: at `k · interval` [ms], the `v`, `gsyn_*` or
//! `isyn_*` of the recorded neurons of each recorded population. A sample at time `t_s` shows
//! the state after all events at or before `t_s` (it is taken when the first later event comes,
//! at a pause, or at the end).

use crate::config::Experiment;
use crate::neuron::{Observation, StateVariable};
use crate::record::{sample_count, RecordError, Recorder, SignalLayout};

/// The recorded signals of one neuron group: which neurons, which variables, and the recorder's
/// signal numbers. A row of samples holds, variable after variable, one value per recorded
/// neuron.
pub(super) struct SignalBlock {
    /// The neuron group.
    pub group: usize,
    /// The recorded neurons (local indices), in recording order.
    pub indices: Vec<u32>,
    /// Per neuron of the group, its column (position in `indices`) if recorded.
    column_of: Vec<Option<u32>>,
    /// Positions in an [`Observation`] of the recorded variables, in recording order.
    variables: Vec<usize>,
    /// The recorder's signal number of the first variable; the others follow.
    first_signal: usize,
}

impl SignalBlock {
    /// Values in one row.
    pub fn stride(&self) -> usize {
        self.indices.len() * self.variables.len()
    }

    /// Whether a synaptic variable is recorded. Only these show a refractory neuron's deferred
    /// folded inputs: the membrane is clamped while they are deferred
    /// ([`super::step::NeuronStep::observe_at`]).
    pub fn synaptic(&self) -> bool {
        self.variables
            .iter()
            .any(|&k| k != StateVariable::V.index())
    }

    /// Until when [ms] a sample at `until` shows a neuron's deferred inputs: `until` if the block
    /// records a synaptic variable, none if only the membrane.
    pub fn deferred_until(&self, until: f64) -> Option<f64> {
        self.synaptic().then_some(until)
    }

    /// Column of neuron `local` of the group, if recorded.
    pub fn column(&self, local: usize) -> Option<usize> {
        self.column_of[local].map(|c| c as usize)
    }

    /// Put `observation` of the neuron in `column` into `row`.
    pub fn put(&self, row: &mut [f64], column: usize, observation: Observation) {
        let width = self.indices.len();
        for (j, &k) in self.variables.iter().enumerate() {
            row[j * width + column] = observation[k];
        }
    }

    /// Give `row`, taken at time `t` [ms], to `recorder`: one sample per variable.
    pub fn send(
        &self,
        t: f64,
        row: &[f64],
        recorder: &mut dyn Recorder,
    ) -> Result<(), RecordError> {
        let width = self.indices.len();
        for j in 0..self.variables.len() {
            let values = &row[j * width..(j + 1) * width];
            recorder.sample(self.first_signal + j, t, values)?;
        }
        Ok(())
    }
}

/// The signals `experiment` records, as the recorder's layout lists them: per recorded
/// population, one per variable.
pub(super) fn layout(experiment: &Experiment) -> Vec<SignalLayout> {
    let populations = experiment.populations();
    let record = experiment.record();
    (record.signals.iter())
        .flat_map(|s| {
            let p = &populations[s.population];
            s.variables.iter().map(|&variable| SignalLayout {
                population: p.name.clone(),
                size: p.size,
                variable,
                indices: s.indices.clone(),
            })
        })
        .collect()
}

/// The signal blocks of `experiment`, whose populations are the neuron groups
/// `group_of_population`, in the order of [`layout`].
pub(super) fn blocks(
    experiment: &Experiment,
    group_of_population: &[Option<usize>],
) -> Vec<SignalBlock> {
    let mut first_signal = 0;
    (experiment.record().signals.iter())
        .map(|s| {
            let size = experiment.populations()[s.population].size;
            let mut column_of = vec![None; size];
            for (c, &local) in s.indices.iter().enumerate() {
                column_of[local as usize] = Some(c as u32);
            }
            let block = SignalBlock {
                // Validation refuses signals of spike sources.
                group: group_of_population[s.population].expect("validated: neurons"),
                indices: s.indices.clone(),
                column_of,
                variables: s.variables.iter().map(|v| v.index()).collect(),
                first_signal,
            };
            first_signal += s.variables.len();
            block
        })
        .collect()
}

/// The sampling clock: samples at `k · interval` [ms], k = 0, 1, … < [`sample_count`].
pub(super) struct Sampler {
    /// Sampling interval [ms].
    pub interval: f64,
    /// Number of samples of the whole run.
    pub count: u64,
    /// Index of the next sample to take.
    pub next: u64,
    /// Whether anything is sampled.
    pub active: bool,
    buffer: Vec<f64>,
}

impl Sampler {
    /// The clock of a run to `t_stop` [ms] sampling every `interval` [ms], if `active`.
    pub fn new(t_stop: f64, interval: f64, active: bool) -> Self {
        Self {
            interval,
            count: sample_count(t_stop, interval),
            next: 0,
            active,
            buffer: Vec::new(),
        }
    }

    /// Sample on to `t_stop` [ms] (not before the current end).
    pub fn extend_to(&mut self, t_stop: f64) {
        self.count = self.count.max(sample_count(t_stop, self.interval));
    }

    /// Time [ms] of sample `i`.
    pub fn time(&self, i: u64) -> f64 {
        i as f64 * self.interval
    }

    /// Take every sample due before `t` [ms], or at or before it when `inclusive` (with
    /// `t = ∞` at the end of the run every remaining sample, so a completed run has exactly
    /// `count`); `observe(block, local, ts)` is neuron `local` of the block's group at `ts` [ms].
    pub fn sample_until(
        &mut self,
        t: f64,
        inclusive: bool,
        blocks: &[SignalBlock],
        recorder: &mut dyn Recorder,
        observe: &mut dyn FnMut(&SignalBlock, usize, f64) -> Observation,
    ) -> Result<(), RecordError> {
        if !self.active {
            return Ok(());
        }
        // With `inclusive`, the sample due at `t` is taken even when its time k·interval rounds
        // a little above `t` (the tolerance of `sample_count`).
        let last = (t / self.interval + 1e-9).floor();
        while self.next < self.count {
            let ts = self.time(self.next);
            let due = if inclusive {
                ts <= t || self.next as f64 <= last
            } else {
                ts < t
            };
            if !due {
                return Ok(());
            }
            for block in blocks {
                self.buffer.clear();
                self.buffer.resize(block.stride(), f64::NAN);
                for (column, &local) in block.indices.iter().enumerate() {
                    let observation = observe(block, local as usize, ts);
                    block.put(&mut self.buffer, column, observation);
                }
                block.send(ts, &self.buffer, recorder)?;
            }
            self.next += 1;
        }
        Ok(())
    }
}

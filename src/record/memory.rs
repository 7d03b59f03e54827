//! In-memory recorder: keeps every spike and sample in vectors (tests, library use).

use super::{RecordError, RecordLayout, Recorder, Table, TableRecorder};
use crate::neuron::StateVariable;

/// Spikes of one population: parallel vectors of times [ms] and senders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeTrain {
    /// Spike times [ms], non-decreasing.
    pub times: Vec<f64>,
    /// Index of the spiking neuron within its population.
    pub senders: Vec<u32>,
}

/// Samples of one state variable of the recorded neurons of one population.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Sample times [ms].
    pub times: Vec<f64>,
    /// Values (the variable's unit), row-major `[times.len(), recorded neurons]`.
    pub values: Vec<f64>,
}

/// Recorder that keeps everything in memory, keyed like the layout it was made from.
#[derive(Clone, Debug, Default)]
pub struct MemoryRecorder {
    /// The layout this recorder was created with.
    pub layout: RecordLayout,
    /// One spike train per entry of `layout.spikes`.
    pub spikes: Vec<SpikeTrain>,
    /// One trace per entry of `layout.signals`.
    pub signals: Vec<Trace>,
    /// The layout's tables, with the values last written.
    pub tables: Vec<Table>,
    /// The time the run reached [ms], as last reported (`None` before any run).
    pub t_reached: Option<f64>,
}

impl MemoryRecorder {
    /// Empty recorder for `layout`.
    pub fn new(layout: RecordLayout) -> Self {
        let spikes = vec![SpikeTrain::default(); layout.spikes.len()];
        let signals = vec![Trace::default(); layout.signals.len()];
        let tables = layout.tables.clone();
        Self {
            layout,
            spikes,
            signals,
            tables,
            t_reached: None,
        }
    }

    /// The table `/<group>/<name>`, if the layout has it.
    pub fn table(&self, group: &str, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.group == group && t.name == name)
    }

    /// Spike train of the population called `name`, if its spikes were recorded.
    pub fn spikes_of(&self, name: &str) -> Option<&SpikeTrain> {
        let index = self.layout.spikes.iter().position(|(n, _)| n == name)?;
        Some(&self.spikes[index])
    }

    /// Membrane trace [mV] of the population called `name`, if it was recorded.
    pub fn v_of(&self, name: &str) -> Option<&Trace> {
        self.signal_of(name, StateVariable::V)
    }

    /// Trace of `variable` of the population called `name`, if it was recorded.
    pub fn signal_of(&self, name: &str, variable: StateVariable) -> Option<&Trace> {
        let index = (self.layout.signals.iter())
            .position(|s| s.population == name && s.variable == variable)?;
        Some(&self.signals[index])
    }
}

impl Recorder for MemoryRecorder {
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError> {
        let train = &mut self.spikes[population];
        train.times.push(t);
        train.senders.push(sender);
        Ok(())
    }

    fn sample(&mut self, signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError> {
        let trace = &mut self.signals[signal];
        trace.times.push(t);
        trace.values.extend_from_slice(values);
        Ok(())
    }

    fn reached(&mut self, t: f64) {
        self.t_reached = Some(t);
    }
}

impl TableRecorder for MemoryRecorder {
    fn write_table(&mut self, table: &Table) -> Result<(), RecordError> {
        let slot = table.slot();
        let Some(declared) = self.tables.iter_mut().find(|t| t.slot() == slot) else {
            return Err(RecordError::UnknownTable {
                path: "(memory)".into(),
                table: slot.path,
            });
        };
        declared.clone_from(table);
        Ok(())
    }
}

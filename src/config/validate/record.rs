//! Validation of the recording requests: spikes of populations, and state variables (`v`,
//! `gsyn_exc`, …) of chosen neurons sampled on one clock, within a size limit.

use super::{Checker, MAX_V_BYTES};
use crate::config::builder::SignalDesc;
use crate::config::experiment::{Population, RecordSpec, SignalSpec};
use crate::error::ConfigError;
use crate::neuron::StateVariable;

/// The recording requests of a description.
pub(super) struct Requests {
    pub spikes: Vec<String>,
    /// `record_v`: populations and interval [ms].
    pub v: Option<(Vec<String>, f64)>,
    pub signals: Vec<SignalDesc>,
    /// Sampling interval [ms] of `signals`.
    pub interval: Option<f64>,
}

impl Checker<'_> {
    pub(super) fn record(
        &self,
        requests: Requests,
        populations: &[Population],
    ) -> Result<RecordSpec, ConfigError> {
        let mut spec = RecordSpec::default();
        for (k, name) in requests.spikes.iter().enumerate() {
            let index = self.lookup(&format!("record.spikes[{k}]"), name, populations)?;
            if !spec.spikes.contains(&index) {
                spec.spikes.push(index);
            }
        }
        spec.interval = self.interval(&requests)?;
        spec.interval_field = if requests.interval.is_none() && requests.v.is_some() {
            "record.v.interval"
        } else {
            "record.interval"
        };
        let (v_names, _) = requests.v.unwrap_or_default();
        for (k, name) in v_names.iter().enumerate() {
            let field = format!("record.v.populations[{k}]");
            let population = self.lookup(&field, name, populations)?;
            self.add_signal(
                &field,
                &mut spec,
                population,
                &[StateVariable::V],
                None,
                populations,
            )?;
        }
        for (k, s) in requests.signals.iter().enumerate() {
            let field = format!("record.signals[{k}]");
            let population =
                self.lookup(&format!("{field}.population"), &s.population, populations)?;
            if s.variables.is_empty() {
                return Err(self.err(format!("{field}.variables"), "names no variable"));
            }
            let indices = s.indices.as_deref();
            self.add_signal(
                &field,
                &mut spec,
                population,
                &s.variables,
                indices,
                populations,
            )?;
        }
        Ok(spec)
    }

    /// The one sampling interval [ms] of the requests (0 when nothing is sampled).
    fn interval(&self, requests: &Requests) -> Result<f64, ConfigError> {
        let v = requests.v.as_ref().map(|(_, interval)| *interval);
        if let Some(v) = v {
            self.positive("record.v.interval", v)?;
        }
        if let Some(interval) = requests.interval {
            self.positive("record.interval", interval)?;
        }
        match (requests.interval, v) {
            (Some(a), Some(b)) if a != b => Err(self.err(
                "record.interval",
                format!("{a} ms, but record.v.interval is {b} ms; all signals share one interval"),
            )),
            (Some(interval), _) | (None, Some(interval)) => Ok(interval),
            (None, None) if !requests.signals.is_empty() => Err(self.err(
                "record.interval",
                "missing: the sampling interval [ms] of record.signals",
            )),
            (None, None) => Ok(0.0),
        }
    }

    /// Add the sampling of `variables` of neurons `indices` (all if `None`) of `population`,
    /// requested at `field`, to `spec`: merged with what is already requested for it.
    fn add_signal(
        &self,
        field: &str,
        spec: &mut RecordSpec,
        population: usize,
        variables: &[StateVariable],
        indices: Option<&[u32]>,
        populations: &[Population],
    ) -> Result<(), ConfigError> {
        let p = &populations[population];
        if p.cell.is_source() {
            let message = format!("'{}' is a spike source and has no state variables", p.name);
            return Err(self.err(field, message));
        }
        let conductance = p.cell.is_conductance_based();
        for (j, variable) in variables.iter().enumerate() {
            if !variable.belongs_to(conductance) {
                let own: Vec<_> = StateVariable::of_cell(conductance)
                    .map(|v| v.name())
                    .collect();
                return Err(self.err(
                    format!("{field}.variables[{j}]"),
                    format!(
                        "{} has no {variable}; its state variables are {}",
                        p.cell.cell_type(),
                        own.join(", ")
                    ),
                ));
            }
        }
        let indices = match indices {
            Some(indices) => self.indices(&format!("{field}.indices"), indices, p.size)?,
            None => (0..p.size as u32).collect(),
        };
        match spec.signals.iter_mut().find(|s| s.population == population) {
            Some(known) if known.indices != indices => Err(self.err(
                field,
                format!(
                    "'{}' is already recorded with other indices; list its variables together",
                    p.name
                ),
            )),
            Some(known) => {
                for &variable in variables {
                    if !known.variables.contains(&variable) {
                        known.variables.push(variable);
                    }
                }
                Ok(())
            }
            None => {
                let mut distinct: Vec<StateVariable> = Vec::with_capacity(variables.len());
                for &variable in variables {
                    if !distinct.contains(&variable) {
                        distinct.push(variable);
                    }
                }
                spec.signals.push(SignalSpec {
                    population,
                    variables: distinct,
                    indices,
                });
                Ok(())
            }
        }
    }

    /// Neuron indices at `field`: each within a population of `size`, none twice, not empty.
    fn indices(&self, field: &str, indices: &[u32], size: usize) -> Result<Vec<u32>, ConfigError> {
        if indices.is_empty() {
            return Err(self.err(field, "names no neuron"));
        }
        let mut seen = vec![false; size];
        for (k, &i) in indices.iter().enumerate() {
            let at = format!("{field}[{k}]");
            match seen.get_mut(i as usize) {
                None => return Err(self.err(at, format!("{i} is not in 0..{size}"))),
                Some(true) => return Err(self.err(at, format!("neuron {i} is listed twice"))),
                Some(seen) => *seen = true,
            }
        }
        Ok(indices.to_vec())
    }

    /// Signals are stored as fixed `[samples, neurons]` datasets allocated up front; refuse
    /// requests larger than [`MAX_V_BYTES`].
    pub(super) fn signal_volume(
        &self,
        t_stop: f64,
        record: &RecordSpec,
    ) -> Result<(), ConfigError> {
        if record.signals.is_empty() {
            return Ok(());
        }
        let samples = crate::record::sample_count(t_stop, record.interval) as f64;
        let columns: usize = (record.signals.iter())
            .map(|s| s.indices.len() * s.variables.len())
            .sum();
        let bytes = samples * columns as f64 * 8.0;
        if bytes > MAX_V_BYTES {
            return Err(self.err(
                record.interval_field,
                format!(
                    "{samples} samples of {columns} signals would need {:.1} GB (limit {:.0} GB); \
                     use a larger interval, fewer neurons or a shorter t_stop",
                    bytes / 1e9,
                    MAX_V_BYTES / 1e9
                ),
            ));
        }
        Ok(())
    }
}

//! Validation of a neuron population's initial values (`initial = { v = ..., gsyn_exc = ... }`):
//! each variable must belong to the cell type, and is resolved to one value for all neurons or
//! one per neuron (given, or drawn from its own stream).

use super::Checker;
use crate::config::builder::PopulationDesc;
use crate::config::experiment::InitialState;
use crate::config::file::Values;
use crate::error::ConfigError;
use crate::neuron::StateVariable;
use crate::rng::parameter_stream;

/// PyNN's default initial membrane potential [mV].
const DEFAULT_INITIAL_V: f64 = -65.0;

impl Checker<'_> {
    /// The initial state of neuron population `d` (at field `at`), with random values drawn for
    /// master `seed`.
    pub(super) fn initial_state(
        &self,
        at: &str,
        d: &PopulationDesc,
        seed: u64,
    ) -> Result<InitialState, ConfigError> {
        let conductance = d.cell.is_conductance_based();
        let mut state = InitialState {
            v: vec![DEFAULT_INITIAL_V],
            syn_exc: vec![0.0],
            syn_inh: vec![0.0],
        };
        for (variable, values) in &d.initial {
            let field = format!("{at}.initial.{variable}");
            if !variable.belongs_to(conductance) {
                let own: Vec<_> = StateVariable::of_cell(conductance)
                    .map(|v| v.name())
                    .collect();
                return Err(self.err(
                    field,
                    format!(
                        "{} has no {variable}; its state variables are {}",
                        d.cell.cell_type(),
                        own.join(", ")
                    ),
                ));
            }
            let resolved = self.initial_values(&field, *variable, values, d, seed)?;
            *match variable.index() {
                0 => &mut state.v,
                1 => &mut state.syn_exc,
                _ => &mut state.syn_inh,
            } = resolved;
        }
        Ok(state)
    }

    /// The values of `variable` given as `values` for the neurons of `d`: one for all, or one
    /// per neuron; each checked.
    fn initial_values(
        &self,
        field: &str,
        variable: StateVariable,
        values: &Values,
        d: &PopulationDesc,
        seed: u64,
    ) -> Result<Vec<f64>, ConfigError> {
        // Infinite ends of a distribution's support are checked for their sign only.
        let sign = |x: f64| variable.problem(x.clamp(-f64::MAX, f64::MAX));
        self.random_values(field, values, sign)?;
        let resolved = match values {
            Values::Constant(value) => vec![*value],
            Values::PerConnection(list) if list.len() == d.size => list.clone(),
            Values::PerConnection(list) => {
                return Err(self.err(
                    field,
                    format!("{} values for {} neurons", list.len(), d.size),
                ))
            }
            Values::Random(distribution) => {
                let stream = format!("initial.{variable}");
                let mut rng = parameter_stream(seed, &d.name, &stream);
                distribution.draw(d.size, &mut rng)
            }
        };
        let one = matches!(values, Values::Constant(_));
        for (i, &value) in resolved.iter().enumerate() {
            if let Some(problem) = variable.problem(value) {
                let at = if one {
                    field.to_string()
                } else {
                    format!("{field}[{i}]")
                };
                return Err(self.err(at, format!("{problem}, got {value}")));
            }
        }
        Ok(resolved)
    }
}

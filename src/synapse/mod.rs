//! Synapse models of projections (PyNN's `synapse = { type = ... }`): static synapses, and
//! Tsodyks–Markram short-term plasticity ([`tso`]) whose per-synapse state lives in a
//! [`Plasticity`] table that static synapses never touch.

pub mod tso;

use serde::Deserialize;

pub use tso::{TsoParamError, TsoParams, TsoState};

/// The synapse type of a projection, as written in `synapse = { type = "...", ... }`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum SynapseModel {
    /// Fixed weight (PyNN `StaticSynapse`; the default).
    #[serde(rename = "StaticSynapse")]
    Static {},
    /// Tsodyks–Markram depression and facilitation (PyNN `TsodyksMarkramSynapse`, NEST
    /// `tsodyks2_synapse`): each spike is transmitted with weight `w·u·x`, see [`tso`].
    #[serde(rename = "TsodyksMarkramSynapse")]
    TsodyksMarkram(TsoParams),
}

impl Default for SynapseModel {
    fn default() -> Self {
        Self::Static {}
    }
}

/// Marks a synapse without plasticity state in [`Plasticity`].
const STATIC: u32 = u32::MAX;

/// One plastic synapse: its parameters and dynamic state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TsoSynapse {
    /// Parameters (shared values copied per synapse, so a transmission touches one cache line).
    pub params: TsoParams,
    /// Dynamic state.
    pub state: TsoState,
}

/// Short-term plasticity state of every synapse of a network, indexed by the synapse's position
/// in [`crate::network::Connectivity::synapses`]. Empty (and free) when every synapse is static.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plasticity {
    /// Per synapse: index into `synapses`, or `STATIC`; empty when no synapse is plastic.
    index: Vec<u32>,
    /// The plastic synapses.
    synapses: Vec<TsoSynapse>,
}

impl Plasticity {
    /// The table for synapses whose models are `models`, in synapse order.
    pub fn new(models: impl ExactSizeIterator<Item = SynapseModel>) -> Self {
        let mut table = Self::default();
        let count = models.len();
        for (k, model) in models.enumerate() {
            if let SynapseModel::TsodyksMarkram(params) = model {
                if table.index.is_empty() {
                    table.index = vec![STATIC; count];
                }
                table.index[k] = table.synapses.len() as u32;
                table.synapses.push(TsoSynapse {
                    params,
                    state: TsoState::new(&params),
                });
            }
        }
        table
    }

    /// Number of plastic synapses.
    pub fn len(&self) -> usize {
        self.synapses.len()
    }

    /// Whether every synapse is static.
    pub fn is_empty(&self) -> bool {
        self.synapses.is_empty()
    }

    /// Whether synapse `synapse` has no plasticity state.
    pub fn is_static(&self, synapse: usize) -> bool {
        self.index.get(synapse).is_none_or(|&i| i == STATIC)
    }

    /// State of synapse `synapse`, if it is plastic.
    pub fn state(&self, synapse: usize) -> Option<&TsoState> {
        match self.index.get(synapse) {
            Some(&i) if i != STATIC => Some(&self.synapses[i as usize].state),
            _ => None,
        }
    }

    /// The weight [µS or nA] synapse `synapse` of static weight `weight` transmits a spike
    /// arriving at `t` [ms] with: `weight` itself for a static synapse, `weight·u·x` (updating
    /// the state) for a plastic one. Calls for one synapse must come in non-decreasing `t`.
    #[inline]
    pub fn transmit(&mut self, synapse: usize, weight: f64, t: f64) -> f64 {
        match self.index.get(synapse) {
            Some(&i) if i != STATIC => {
                let s = &mut self.synapses[i as usize];
                s.state.transmit(&s.params, t) * weight
            }
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        synapse: SynapseModel,
    }

    fn parse(text: &str) -> Result<SynapseModel, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.synapse)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_pynn_names_and_defaults() {
        assert_eq!(
            parse(r#"synapse = { type = "StaticSynapse" }"#),
            Ok(SynapseModel::Static {})
        );
        assert_eq!(
            parse(r#"synapse = { type = "TsodyksMarkramSynapse" }"#),
            Ok(SynapseModel::TsodyksMarkram(TsoParams::default()))
        );
        let tm = parse(r#"synapse = { type = "TsodyksMarkramSynapse", U = 1.0, tau_rec = 10.0 }"#);
        assert_eq!(
            tm,
            Ok(SynapseModel::TsodyksMarkram(TsoParams {
                u_se: 1.0,
                tau_rec: 10.0,
                tau_facil: 0.0
            }))
        );
    }

    #[test]
    fn rejects_unknown_keys_and_types() {
        let e = parse(r#"synapse = { type = "TsodyksMarkramSynapse", tau_fac = 1.0 }"#);
        assert!(e.unwrap_err().contains("tau_fac"));
        let e = parse(r#"synapse = { type = "StaticSynapse", U = 1.0 }"#);
        assert!(e.is_err(), "{e:?}");
        let e = parse(r#"synapse = { type = "Tsodyks" }"#);
        assert!(e.unwrap_err().contains("Tsodyks"));
    }

    #[test]
    fn static_synapses_cost_no_state() {
        let table = Plasticity::new([SynapseModel::Static {}; 3].into_iter());
        assert!(table.is_empty() && table.index.is_empty());
        let mut table = table;
        assert_eq!(table.transmit(1, 0.25, 3.0), 0.25);
    }

    #[test]
    fn plastic_synapses_are_indexed_in_synapse_order() {
        let p = TsoParams {
            u_se: 0.25,
            ..TsoParams::default()
        };
        let models = [
            SynapseModel::Static {},
            SynapseModel::TsodyksMarkram(p),
            SynapseModel::Static {},
        ];
        let mut table = Plasticity::new(models.into_iter());
        assert_eq!(table.len(), 1);
        assert!(table.is_static(0) && !table.is_static(1) && table.is_static(2));
        assert_eq!(table.transmit(0, 2.0, 1.0), 2.0);
        assert_eq!(table.transmit(1, 2.0, 1.0), 0.5);
        assert_eq!(table.state(1).unwrap().t_last, 1.0);
        assert!(table.state(2).is_none());
    }
}

//! The state variables of a neuron that can be set initially and recorded, with PyNN's names:
//! `v`, and the synaptic state `gsyn_exc`/`gsyn_inh` of conductance cells or `isyn_exc`/`isyn_inh`
//! of current cells.

use super::Receptor;

/// A recordable and initialisable state variable of a neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateVariable {
    /// Membrane potential [mV].
    V,
    /// Excitatory synaptic conductance [µS] (conductance cells).
    GsynExc,
    /// Inhibitory synaptic conductance [µS] (conductance cells).
    GsynInh,
    /// Excitatory synaptic current [nA] (current cells).
    IsynExc,
    /// Inhibitory synaptic current [nA] (current cells).
    IsynInh,
}

/// One neuron's observable state at one time: membrane potential [mV], excitatory and
/// inhibitory synaptic state [µS for conductance cells, nA for current cells].
pub type Observation = [f64; 3];

impl StateVariable {
    /// Every variable, in the order of their PyNN names below.
    pub const ALL: [Self; 5] = [
        Self::V,
        Self::GsynExc,
        Self::GsynInh,
        Self::IsynExc,
        Self::IsynInh,
    ];

    /// PyNN's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::V => "v",
            Self::GsynExc => "gsyn_exc",
            Self::GsynInh => "gsyn_inh",
            Self::IsynExc => "isyn_exc",
            Self::IsynInh => "isyn_inh",
        }
    }

    /// The variable called `name` (PyNN's name), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Unit of its values.
    pub fn units(self) -> &'static str {
        match self {
            Self::V => "mV",
            Self::GsynExc | Self::GsynInh => "uS",
            Self::IsynExc | Self::IsynInh => "nA",
        }
    }

    /// The synaptic receptor it is the state of (`None` for `v`).
    pub fn receptor(self) -> Option<Receptor> {
        match self {
            Self::V => None,
            Self::GsynExc | Self::IsynExc => Some(Receptor::Excitatory),
            Self::GsynInh | Self::IsynInh => Some(Receptor::Inhibitory),
        }
    }

    /// Whether a cell with conductance (`true`) or current synapses has it.
    pub fn belongs_to(self, conductance_based: bool) -> bool {
        match self {
            Self::V => true,
            Self::GsynExc | Self::GsynInh => conductance_based,
            Self::IsynExc | Self::IsynInh => !conductance_based,
        }
    }

    /// The variables of a cell with conductance (`true`) or current synapses.
    pub fn of_cell(conductance_based: bool) -> impl Iterator<Item = Self> {
        Self::ALL
            .into_iter()
            .filter(move |v| v.belongs_to(conductance_based))
    }

    /// Its position in an [`Observation`].
    pub fn index(self) -> usize {
        match self {
            Self::V => 0,
            Self::GsynExc | Self::IsynExc => 1,
            Self::GsynInh | Self::IsynInh => 2,
        }
    }

    /// What is wrong with `value` as this variable's value, if anything (synaptic states have
    /// the sign of the weights onto their receptor).
    pub fn problem(self, value: f64) -> Option<&'static str> {
        if !value.is_finite() {
            return Some("must be a finite number");
        }
        match self {
            Self::GsynExc | Self::GsynInh if value < 0.0 => Some("conductances must be ≥ 0 µS"),
            Self::IsynExc if value < 0.0 => Some("excitatory currents must be ≥ 0 nA"),
            Self::IsynInh if value > 0.0 => Some("inhibitory currents must be ≤ 0 nA"),
            _ => None,
        }
    }
}

impl std::fmt::Display for StateVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_cells_have_their_own_synaptic_variables() {
        for v in StateVariable::ALL {
            assert_eq!(StateVariable::from_name(v.name()), Some(v));
        }
        assert_eq!(StateVariable::from_name("gsyn"), None);
        let cond: Vec<_> = StateVariable::of_cell(true).map(|v| v.name()).collect();
        let curr: Vec<_> = StateVariable::of_cell(false).map(|v| v.name()).collect();
        assert_eq!(cond, ["v", "gsyn_exc", "gsyn_inh"]);
        assert_eq!(curr, ["v", "isyn_exc", "isyn_inh"]);
        assert_eq!(
            StateVariable::IsynInh.problem(0.1),
            Some("inhibitory currents must be ≤ 0 nA")
        );
        assert_eq!(StateVariable::IsynInh.problem(-0.1), None);
        assert_eq!(
            StateVariable::GsynInh.problem(-0.1),
            Some("conductances must be ≥ 0 µS")
        );
        assert_eq!(
            StateVariable::V.problem(f64::NAN),
            Some("must be a finite number")
        );
    }
}

//! The registration point of the cell types. Every neuron model is named here once, in the
//! [`register!`] call at the bottom; that makes its [`Cell`] variant (what the builder and the
//! TOML front describe), its name in files, its parameter table for the documentation, and its
//! [`NeuronGroup`] variant with the engine's static dispatch. Everything else about a model —
//! its parameters ([`crate::neuron::params::lif_params!`]), its exact dynamics
//! ([`crate::neuron::ExactNeuron`]) and its lowering ([`NeuronModel`]) — lives in its own file
//! under `src/neuron/`.

use serde::de::{Deserialize, Deserializer, Error as _};

use crate::config::{ArrayParams, InitialState, PoissonParams};
use crate::engine::neurons::Group;
use crate::neuron::first_spike::FirstSpike;
use crate::neuron::{CellParams, CondExp, CurrExp, NeuronModel, NeuronParams, ParamSpec};

/// PyNN name of the array source, which has no numeric parameter table.
const SPIKE_SOURCE_ARRAY: &str = "SpikeSourceArray";

/// Reads the parameters of a cell from a description front (the TOML file).
pub(crate) trait CellReader {
    /// The front's error.
    type Error;
    /// A neuron population's parameter set(s).
    fn neuron<P: CellParams>(&self) -> Result<NeuronParams<P>, Self::Error>;
    /// A Poisson source population's parameter set(s).
    fn poisson(&self) -> Result<NeuronParams<PoissonParams>, Self::Error>;
    /// An array source population's spike times.
    fn array(&self) -> Result<ArrayParams, Self::Error>;
}

/// Something done with a neuron population's parameters, whatever its model.
pub(crate) trait NeuronVisitor {
    /// What it gives.
    type Out;
    /// Do it for model `M`.
    fn visit<M: NeuronModel>(self, params: &NeuronParams<M::Params>) -> Self::Out;
}

/// The PyNN name of a model's parameter set.
macro_rules! cell_type_of {
    ($model:ty) => {
        <<$model as NeuronModel>::Params as CellParams>::CELL_TYPE
    };
}

macro_rules! register {
    ($d:tt $( $(#[$doc:meta])* $variant:ident => $model:ty, )+) => {
        /// A cell type (PyNN name) with its parameters: a neuron model with one parameter set
        /// or one per neuron, or a spike source.
        #[non_exhaustive]
        #[derive(Clone, Debug, PartialEq)]
        pub enum Cell {
            $( $(#[$doc])* $variant(NeuronParams<<$model as NeuronModel>::Params>), )+
            /// `SpikeSourcePoisson`: independent Poisson spike trains, with one parameter set
            /// or one per source.
            SpikeSourcePoisson(NeuronParams<PoissonParams>),
            /// `SpikeSourceArray`: spike trains replaying given times.
            SpikeSourceArray(ArrayParams),
        }

        impl Cell {
            /// PyNN name of the cell type.
            pub fn cell_type(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => cell_type_of!($model), )+
                    Self::SpikeSourcePoisson(_) => PoissonParams::CELL_TYPE,
                    Self::SpikeSourceArray(_) => SPIKE_SOURCE_ARRAY,
                }
            }

            /// True for neurons whose synapses are conductances (weights in µS).
            pub fn is_conductance_based(&self) -> bool {
                match self {
                    $( Self::$variant(_) => <$model as NeuronModel>::CONDUCTANCE_BASED, )+
                    _ => false,
                }
            }

            /// `visitor` applied to a neuron population's parameters; `None` for sources.
            pub(crate) fn visit_neuron<V: NeuronVisitor>(&self, visitor: V) -> Option<V::Out> {
                match self {
                    $( Self::$variant(p) => Some(visitor.visit::<$model>(p)), )+
                    _ => None,
                }
            }
        }

        /// The numeric parameter table of every cell type (PyNN name, table), in registration
        /// order, the Poisson source last; `SpikeSourceArray` has only its list of spike times.
        pub fn parameter_tables() -> Vec<(&'static str, &'static [ParamSpec])> {
            vec![
                $( (cell_type_of!($model), <<$model as NeuronModel>::Params as CellParams>::TABLE), )+
                (PoissonParams::CELL_TYPE, PoissonParams::TABLE),
            ]
        }

        /// A cell type as named in files (PyNN spelling).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum ModelName {
            $( $variant, )+
            SpikeSourcePoisson,
            SpikeSourceArray,
        }

        impl ModelName {
            /// Every name, in registration order.
            const NAMES: &'static [&'static str] = &[
                $( cell_type_of!($model), )+
                PoissonParams::CELL_TYPE,
                SPIKE_SOURCE_ARRAY,
            ];

            /// The cell type called `name`, if any.
            fn from_name(name: &str) -> Option<Self> {
                $( if name == cell_type_of!($model) { return Some(Self::$variant); } )+
                if name == PoissonParams::CELL_TYPE {
                    return Some(Self::SpikeSourcePoisson);
                }
                (name == SPIKE_SOURCE_ARRAY).then_some(Self::SpikeSourceArray)
            }

            /// PyNN name.
            pub(crate) fn cell_type(self) -> &'static str {
                match self {
                    $( Self::$variant => cell_type_of!($model), )+
                    Self::SpikeSourcePoisson => PoissonParams::CELL_TYPE,
                    Self::SpikeSourceArray => SPIKE_SOURCE_ARRAY,
                }
            }

            /// The cell of this type with the parameters `reader` reads.
            pub(crate) fn read<R: CellReader>(self, reader: &R) -> Result<Cell, R::Error> {
                match self {
                    $( Self::$variant => reader.neuron().map(Cell::$variant), )+
                    Self::SpikeSourcePoisson => reader.poisson().map(Cell::SpikeSourcePoisson),
                    Self::SpikeSourceArray => reader.array().map(Cell::SpikeSourceArray),
                }
            }
        }

        /// The neurons of one population, of whichever registered model, with their lowered
        /// model(s) and states.
        #[non_exhaustive]
        #[derive(Clone, Debug)]
        pub enum NeuronGroup {
            $( $(#[$doc])* $variant(Group<$model>), )+
        }

        impl NeuronGroup {
            /// The `size` neurons of a population of `cell`, each starting in its `initial`
            /// state; `None` for spike sources.
            pub(crate) fn lower(cell: &Cell, size: usize, initial: &InitialState) -> Option<Self> {
                match cell {
                    $( Cell::$variant(p) => Some(Self::$variant(
                        Group::new(<$model as NeuronModel>::lower(p), size, initial),
                    )), )+
                    _ => None,
                }
            }

            /// Whether the group's synapses are conductances (weights in µS) rather than
            /// currents.
            pub fn is_conductance_based(&self) -> bool {
                match self {
                    $( Self::$variant(_) => <$model as NeuronModel>::CONDUCTANCE_BASED, )+
                }
            }
        }

        /// Apply the same generic code to whichever model a [`NeuronGroup`] holds (static
        /// dispatch: the body is compiled once per model).
        macro_rules! dispatch {
            ($d group:expr, $d g:ident => $d body:expr) => {
                match $d group {
                    $( $crate::models::NeuronGroup::$variant($d g) => $d body, )+
                }
            };
        }
        pub(crate) use dispatch;
    };
}

impl<'de> Deserialize<'de> for ModelName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::from_name(&name).ok_or_else(|| D::Error::unknown_variant(&name, Self::NAMES))
    }
}

register! { $
    /// `IF_cond_exp`: LIF neurons with exponentially decaying conductances.
    IfCondExp => CondExp,
    /// `IF_curr_exp`: LIF neurons with exponentially decaying currents.
    IfCurrExp => CurrExp,
    /// `IF_curr_exp_first_spike`: `IF_curr_exp` with one synaptic time constant that fires
    /// once (the time-to-first-spike neuron).
    IfCurrExpFirstSpike => FirstSpike,
}

impl Cell {
    /// `IF_cond_exp` neurons sharing `params`.
    pub fn if_cond_exp(params: crate::neuron::CondExpParams) -> Self {
        Self::IfCondExp(NeuronParams::Shared(params))
    }

    /// `IF_curr_exp` neurons sharing `params`.
    pub fn if_curr_exp(params: crate::neuron::CurrExpParams) -> Self {
        Self::IfCurrExp(NeuronParams::Shared(params))
    }

    /// `IF_curr_exp_first_spike` neurons sharing `params`.
    pub fn if_curr_exp_first_spike(params: crate::neuron::first_spike::FirstSpikeParams) -> Self {
        Self::IfCurrExpFirstSpike(NeuronParams::Shared(params))
    }

    /// Poisson spike sources sharing `params`.
    pub fn poisson(params: PoissonParams) -> Self {
        Self::SpikeSourcePoisson(NeuronParams::Shared(params))
    }

    /// Spike sources replaying `params.spike_times`.
    pub fn array(params: ArrayParams) -> Self {
        Self::SpikeSourceArray(params)
    }

    /// True for spike sources, which cannot receive projections.
    pub fn is_source(&self) -> bool {
        matches!(
            self,
            Self::SpikeSourcePoisson(_) | Self::SpikeSourceArray(_)
        )
    }
}

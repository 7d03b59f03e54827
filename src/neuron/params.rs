//! Parameter tables of the cell types, written once per model: each parameter's PyNN name, unit,
//! default and the rule its value must satisfy. The parameter structs, their defaults and their
//! validation are made from these tables ([`cell_params!`], [`lif_params!`]), and a test checks
//! the documentation's cell-type table against them, so they cannot drift apart.

/// What a parameter's value must satisfy.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A finite number.
    Finite,
    /// A finite number ≥ 0.
    NonNegative,
    /// A finite number > 0.
    Positive,
}

impl Rule {
    /// What is wrong with `value` under this rule (`must be > 0, got -1`), if anything.
    pub fn problem(self, value: f64) -> Option<String> {
        let ok = value.is_finite()
            && match self {
                Self::Finite => true,
                Self::NonNegative => value >= 0.0,
                Self::Positive => value > 0.0,
            };
        if ok {
            return None;
        }
        Some(match self {
            _ if !value.is_finite() => format!("must be a finite number, got {value}"),
            Self::NonNegative => format!("must be ≥ 0, got {value}"),
            _ => format!("must be > 0, got {value}"),
        })
    }
}

/// One parameter of a cell type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// PyNN name, e.g. `tau_m`.
    pub name: &'static str,
    /// Unit (PyNN's coherent units: ms, mV, nF, µS, nA, Hz).
    pub unit: &'static str,
    /// PyNN's default, in `unit`.
    pub default: f64,
    /// What the value must satisfy.
    pub rule: Rule,
    /// What the parameter is.
    pub meaning: &'static str,
}

/// The parameters of one cell type, as a struct made from its table by [`cell_params!`].
pub trait CellParams:
    Clone + std::fmt::Debug + Default + PartialEq + serde::de::DeserializeOwned
{
    /// PyNN name of the cell type, e.g. `IF_cond_exp`.
    const CELL_TYPE: &'static str;
    /// Every parameter, in declaration order.
    const TABLE: &'static [ParamSpec];

    /// The values, in the order of [`CellParams::TABLE`].
    fn values(&self) -> Vec<f64>;

    /// A rule between parameters that is broken, as (field, problem); `None` if all hold.
    fn relation_problem(&self) -> Option<(&'static str, String)> {
        None
    }

    /// The first problem of these parameters, as (field, problem): each value against its
    /// rule, then the rules between parameters.
    fn problem(&self) -> Option<(&'static str, String)> {
        Self::TABLE
            .iter()
            .zip(self.values())
            .find_map(|(spec, value)| spec.rule.problem(value).map(|p| (spec.name, p)))
            .or_else(|| self.relation_problem())
    }
}

/// A parameter struct with PyNN's names and defaults, and its [`CellParams`] table, from one
/// list `name: "unit", default, Rule, "meaning";`. Relations between parameters are given by
/// an optional `relations = |p| ...` closure returning `Option<(&'static str, String)>`.
macro_rules! cell_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident = $cell:literal {
            $($field:ident: $unit:literal, $default:expr, $rule:ident, $meaning:literal;)+
        }
        $(relations = $relations:expr;)?
    ) => {
        $(#[$meta])*
        #[allow(non_snake_case)]
        #[derive(Clone, Debug, serde::Deserialize, PartialEq)]
        #[serde(deny_unknown_fields, default)]
        $vis struct $name {
            $(
                #[doc = concat!($meaning, " [", $unit, "].")]
                pub $field: f64,
            )+
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)+ }
            }
        }

        impl $crate::neuron::params::CellParams for $name {
            const CELL_TYPE: &'static str = $cell;
            const TABLE: &'static [$crate::neuron::params::ParamSpec] = &[$(
                $crate::neuron::params::ParamSpec {
                    name: stringify!($field),
                    unit: $unit,
                    default: $default,
                    rule: $crate::neuron::params::Rule::$rule,
                    meaning: $meaning,
                },
            )+];

            fn values(&self) -> Vec<f64> {
                vec![$(self.$field,)+]
            }

            $(
                fn relation_problem(&self) -> Option<(&'static str, String)> {
                    let relations: fn(&Self) -> Option<(&'static str, String)> = $relations;
                    relations(self)
                }
            )?
        }
    };
}
pub(crate) use cell_params;

/// A leaky integrate-and-fire cell type: the LIF parameters every such model shares (written
/// here once, with PyNN's defaults), the model's own before `i_offset`, and the rule
/// `v_reset < v_thresh`.
macro_rules! lif_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident = $cell:literal {
            $($own:tt)*
        }
    ) => {
        $crate::neuron::params::cell_params! {
            $(#[$meta])*
            $vis struct $name = $cell {
                cm: "nF", 1.0, Positive, "Membrane capacitance";
                tau_m: "ms", 20.0, Positive, "Membrane time constant";
                v_rest: "mV", -65.0, Finite, "Resting potential";
                v_thresh: "mV", -50.0, Finite, "Spike threshold";
                v_reset: "mV", -65.0, Finite, "Reset potential after a spike";
                tau_refrac: "ms", 0.1, NonNegative, "Refractory period";
                tau_syn_E: "ms", 5.0, Positive, "Decay time of the excitatory synapses";
                tau_syn_I: "ms", 5.0, Positive, "Decay time of the inhibitory synapses";
                $($own)*
                i_offset: "nA", 0.0, Finite, "Constant injected current";
            }
            relations = |p| {
                (p.v_reset >= p.v_thresh).then(|| {
                    let problem = format!(
                        "must be below v_thresh ({} mV), got {} mV",
                        p.v_thresh, p.v_reset
                    );
                    ("v_reset", problem)
                })
            };
        }
    };
}
pub(crate) use lif_params;

/// Parameters of a neuron population: one set shared by all its neurons, or one set per neuron
/// (when some `params` value is an array with one entry per neuron).
#[derive(Clone, Debug, PartialEq)]
pub enum NeuronParams<T> {
    /// Every neuron has these parameters.
    Shared(T),
    /// Neuron `i` has the `i`-th set.
    PerNeuron(Vec<T>),
}

impl<T> NeuronParams<T> {
    /// Parameters of neuron `i`.
    pub fn of(&self, i: usize) -> &T {
        match self {
            Self::Shared(p) => p,
            Self::PerNeuron(ps) => &ps[i],
        }
    }

    /// The shared set, or neuron 0's. Panics for a population of no neurons with per-neuron
    /// sets (there is no first set); [`NeuronParams::sets`] is empty then.
    pub fn first(&self) -> &T {
        match self {
            Self::Shared(p) => p,
            Self::PerNeuron(ps) => &ps[0],
        }
    }

    /// The distinct sets: one if shared, else one per neuron.
    pub fn sets(&self) -> &[T] {
        match self {
            Self::Shared(p) => std::slice::from_ref(p),
            Self::PerNeuron(ps) => ps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    cell_params! {
        /// A test cell type.
        struct Probe = "Probe" {
            a: "ms", 2.0, Positive, "A time";
            b: "mV", -1.0, Finite, "A potential";
        }
        relations = |p| (p.a > 10.0).then(|| ("a", "too long".to_string()));
    }

    #[test]
    fn the_table_makes_defaults_values_and_checks() {
        let p = Probe::default();
        assert_eq!((p.a, p.b), (2.0, -1.0));
        assert_eq!(p.values(), vec![2.0, -1.0]);
        assert_eq!(Probe::TABLE[1].unit, "mV");
        assert_eq!(p.problem(), None);
        let bad = Probe {
            a: -1.0,
            ..p.clone()
        };
        assert_eq!(bad.problem(), Some(("a", "must be > 0, got -1".into())));
        let nan = Probe {
            b: f64::NAN,
            ..p.clone()
        };
        assert_eq!(
            nan.problem(),
            Some(("b", "must be a finite number, got NaN".into()))
        );
        let long = Probe { a: 11.0, ..p };
        assert_eq!(long.problem(), Some(("a", "too long".into())));
        assert_eq!(
            Rule::NonNegative.problem(-0.5),
            Some("must be ≥ 0, got -0.5".into())
        );
        assert_eq!(Rule::NonNegative.problem(0.0), None);
    }
}

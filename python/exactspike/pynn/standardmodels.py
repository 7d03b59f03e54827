"""PyNN's standard cells and synapses that exactspike runs exactly. exactspike uses PyNN's
parameter names and units, so every translation is the identity."""

from pyNN.standardmodels import build_translations, cells, electrodes, receptors, synapses

from .simulator import state


def identity(model):
    """Translations of every parameter of `model` to itself."""
    return build_translations(*[(name, name) for name in model.default_parameters])


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = identity(cells.IF_cond_exp)


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = identity(cells.IF_curr_exp)


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = identity(cells.SpikeSourcePoisson)


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = identity(cells.SpikeSourceArray)


def minimum_delay():
    """The smallest delay [ms]: ``min_delay``, or the time step when it is 'auto'."""
    return state.dt if state.min_delay == "auto" else state.min_delay


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = identity(synapses.StaticSynapse)

    def _get_minimum_delay(self):
        return minimum_delay()


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = identity(synapses.TsodyksMarkramSynapse)

    def _get_minimum_delay(self):
        return minimum_delay()


class SimpleStochasticSynapse(synapses.SimpleStochasticSynapse):
    """Each spike reaches each synapse with probability `p` (one `p` per projection): NEST's
    ``bernoulli_synapse``, exactspike's ``p_transmit``."""

    translations = identity(synapses.SimpleStochasticSynapse)

    def _get_minimum_delay(self):
        return minimum_delay()


def not_available(base, reason):
    """A stand-in for the PyNN model `base` that exactspike cannot run: creating one raises
    NotImplementedError with `reason`."""

    def refuse(self, *args, **kwargs):
        raise NotImplementedError(f"exactspike cannot run {base.__name__}: {reason}")

    return type(base.__name__, (base,), {"__init__": refuse, "__doc__": base.__doc__})


#: Why a model has no exact method here.
NO_CLOSED_FORM = (
    "its dynamics have no closed-form solution between events, and exactspike never falls back "
    "to a time grid (exact: IF_cond_exp, IF_curr_exp)"
)
ALPHA = "alpha-shaped synapses are not implemented (exponential ones are: IF_cond_exp, IF_curr_exp)"

UNAVAILABLE = {
    cells.IF_curr_alpha: ALPHA,
    cells.IF_cond_alpha: ALPHA,
    cells.IF_curr_delta: "delta synapses are not implemented",
    cells.IF_cond_exp_gsfa_grr: NO_CLOSED_FORM,
    cells.IF_facets_hardware1: "use the chip model (--chip) instead",
    cells.HH_cond_exp: NO_CLOSED_FORM,
    cells.EIF_cond_alpha_isfa_ista: NO_CLOSED_FORM,
    cells.EIF_cond_exp_isfa_ista: NO_CLOSED_FORM,
    cells.Izhikevich: NO_CLOSED_FORM,
    cells.GIF_cond_exp: NO_CLOSED_FORM,
    cells.PointNeuron: "composed neuron models are not implemented",
    cells.LIF: "composed neuron models are not implemented (use IF_cond_exp or IF_curr_exp)",
    cells.AdExp: NO_CLOSED_FORM,
    receptors.CurrExpPostSynapticResponse: "composed neuron models are not implemented",
    receptors.CondExpPostSynapticResponse: "composed neuron models are not implemented",
    receptors.CondAlphaPostSynapticResponse: ALPHA,
    receptors.CondBetaPostSynapticResponse: "beta-shaped synapses are not implemented",
    cells.SpikeSourcePoissonRefractory: "not implemented",
    cells.SpikeSourceGamma: "not implemented",
    cells.SpikeSourceInhGamma: "not implemented",
    synapses.ElectricalSynapse: "gap junctions are not implemented",
    synapses.StochasticTsodyksMarkramSynapse: "not implemented",
    synapses.MultiQuantalSynapse: "not implemented",
    synapses.STDPMechanism: "spike-timing-dependent plasticity is not implemented",
    synapses.AdditiveWeightDependence: "STDP is not implemented",
    synapses.MultiplicativeWeightDependence: "STDP is not implemented",
    synapses.AdditivePotentiationMultiplicativeDepression: "STDP is not implemented",
    synapses.GutigWeightDependence: "STDP is not implemented",
    synapses.SpikePairRule: "STDP is not implemented",
    synapses.Vogels2011Rule: "STDP is not implemented",
    electrodes.ACSource: "a continuously varying current has no exact method here "
                         "(DCSource and StepCurrentSource are exact)",
    electrodes.NoisyCurrentSource: "a noisy current has no exact method here "
                                   "(DCSource and StepCurrentSource are exact)",
}

globals().update({base.__name__: not_available(base, why) for base, why in UNAVAILABLE.items()})

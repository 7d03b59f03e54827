"""conftest.py for PyNN's own system scenarios (test/system/scenarios of PyNN's sdist), run
against exactspike by tests/pynn/run_scenarios.py: every scenario is parametrized with the
exactspike backend alone, whichever simulators it names; the ones that do not apply to what
exactspike supports are listed in NOT_APPLICABLE with the reason, and must fail exactly so.
(The one that PyNN itself skips for want of morphio, a multi-compartment scenario, stays
skipped.)"""

import importlib

import pytest

import scenarios.fixtures as fixtures

NO_EXACT_METHOD = "has no exact method in exactspike"

#: Scenarios that need what exactspike does not have: the reason, and the exception the
#: scenario must end with (NotImplementedError when it asks for an unsupported model or
#: feature). They are marked as expected failures that must fail exactly so.
NOT_APPLICABLE = {
    "test_EIF_cond_alpha_isfa_ista": (f"EIF_cond_alpha_isfa_ista {NO_EXACT_METHOD}", NotImplementedError),
    "test_HH_cond_exp": (f"HH_cond_exp {NO_EXACT_METHOD}", NotImplementedError),
    "test_composed_neuron_model_homogeneous_receptors": (
        "composed PointNeuron models (AdExp) are not implemented", NotImplementedError),
    "test_issue652": ("STDP is not implemented", NotImplementedError),
    "test_ticket226": ("uses IF_curr_alpha (alpha synapses are not implemented)", NotImplementedError),
    "test_issue321": ("uses IF_curr_alpha (alpha synapses are not implemented)", NotImplementedError),
    "test_issue442": (f"uses ACSource, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_issue445": (f"uses ACSource, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_issue_465_474_630": (f"uses ACSource and NoisyCurrentSource, which {NO_EXACT_METHOD}",
                               NotImplementedError),
    "test_issue497": (f"uses ACSource, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_issue631": (f"uses ACSource and NoisyCurrentSource, which {NO_EXACT_METHOD}",
                      NotImplementedError),
    "test_record_vm_and_gsyn_from_assembly": (
        f"uses EIF_cond_exp_isfa_ista, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_scenario1a": ("uses IF_cond_alpha (alpha synapses are not implemented)", NotImplementedError),
    "test_scenario4": (f"uses EIF_cond_exp_isfa_ista, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_issue512": (
        "expects step times moved onto the time grid; exactspike applies each step at its exact "
        "time", AssertionError),
    "test_SpikeSourceGamma": ("SpikeSourceGamma is not implemented", NotImplementedError),
    "test_SpikeSourcePoissonRefractory": (
        "SpikeSourcePoissonRefractory is not implemented", NotImplementedError),
    "test_issue437": (f"uses NoisyCurrentSource, which {NO_EXACT_METHOD}", NotImplementedError),
    "test_scenario3": ("STDP is not implemented", NotImplementedError),
    "test_simple_stochastic_synapse": (
        "sets a transmission probability per connection; exactspike has one per projection",
        NotImplementedError),
}


class Backend:
    """pyNN.exactspike, imported when a test first uses it (an import error fails the test
    instead of skipping it, as PyNN's own fixture would)."""

    __name__ = "pyNN.exactspike"

    def __str__(self):
        return "pyNN.exactspike"

    def __getattr__(self, name):
        return getattr(importlib.import_module("pyNN.exactspike"), name)


def run_with_simulators(*names):
    return pytest.mark.parametrize("sim", [pytest.param(Backend(), id="exactspike")])


fixtures.run_with_simulators = run_with_simulators


def pytest_collection_modifyitems(items):
    for item in items:
        if item.originalname in NOT_APPLICABLE:
            reason, raises = NOT_APPLICABLE[item.originalname]
            item.add_marker(
                pytest.mark.xfail(reason=f"does not apply: {reason}", raises=raises, strict=True)
            )

"""exactspike's own random numbers in the PyNN backend: ``sim.NativeRNG()`` given to a
connector or a ``RandomDistribution`` lets exactspike draw, from the streams of
``setup(seed=...)``, exactly what an experiment file with the same connector or distribution
draws (as ``pyNN.nest.NativeRNG`` lets NEST draw). Connections are then made by exactspike
when the network is built, not connector by connector in Python."""

import numpy as np

from pyNN import random

import exactspike

from .simulator import state


#: The distributions exactspike draws (PyNN's names and parameters).
DISTRIBUTIONS = ("uniform", "uniform_int", "normal", "normal_clipped",
                 "normal_clipped_to_boundary", "exponential", "lognormal", "gamma")


class NativeRNG(random.NativeRNG):
    """Draws by exactspike's own random streams, keyed by the master seed of
    ``setup(seed=...)`` and by names (population, parameter; pre, post and the projection's
    ordinal), as in an experiment file. Its own seed may be left out; if given, it must be
    the master seed."""

    def next(self, n=None, distribution=None, parameters=None, mask=None):
        raise NotImplementedError(
            "exactspike's NativeRNG draws neuron parameters, initial values and the "
            "connections, weights and delays of AllToAllConnector, OneToOneConnector, "
            "FixedProbabilityConnector and FixedNumberPreConnector between whole populations; "
            "use a NumpyRNG here"
        )


def native_table(value):
    """The distribution table (as in an experiment file) of `value` if it is a
    ``RandomDistribution`` drawing with exactspike's ``NativeRNG``, else None."""
    if not isinstance(value, random.RandomDistribution) or not is_native(value.rng):
        return None
    if value.name not in DISTRIBUTIONS:
        raise NotImplementedError(
            f"exactspike's NativeRNG draws from {', '.join(DISTRIBUTIONS)}, not {value.name}; "
            "use a NumpyRNG for it"
        )
    return {"distribution": value.name, **{k: float(v) for k, v in value.parameters.items()}}


def is_native(rng):
    """Whether `rng` is exactspike's ``NativeRNG`` (whose seed, if given, must be the master
    seed)."""
    if not isinstance(rng, NativeRNG):
        return False
    if rng.seed is not None and rng.seed != state.seed:
        raise NotImplementedError(
            f"exactspike's NativeRNG draws from the streams of setup(seed={state.seed}); "
            f"NativeRNG(seed={rng.seed}) cannot choose another seed"
        )
    return True


def drawn(population, size, key, table):
    """The values the distribution `table` gives parameter `key` (``initial.<variable>`` for
    an initial value) of the `size` neurons of the population named `population`."""
    return np.asarray(exactspike.draw(int(state.seed), population, key, table, int(size)))

"""The connectors exactspike makes itself, when the network is built, instead of PyNN making
each connection in Python: ``AllToAllConnector`` and ``OneToOneConnector`` always, and
``FixedProbabilityConnector`` and ``FixedNumberPreConnector`` with ``rng=sim.NativeRNG()``,
between whole populations, with weights and delays that are numbers or
``RandomDistribution``s drawing with ``NativeRNG``. The connections are then those of the
same connector in an experiment file (same streams, same order)."""

import numpy as np

from pyNN import connectors

from .random import is_native, native_table

#: Why a connector with a NativeRNG cannot be made by exactspike, by what is wrong.
NATIVE_ONLY = (
    "exactspike's NativeRNG makes AllToAllConnector, OneToOneConnector, "
    "FixedProbabilityConnector and FixedNumberPreConnector between whole populations"
)


def plan(connector, projection):
    """exactspike's own description of `projection`'s connections (``{"connector": table,
    "parameters": {name: number or distribution table}}``), or None when PyNN's `connector`
    makes them in Python. A connector given a NativeRNG that exactspike cannot follow raises
    ``NotImplementedError``."""
    native_rng = is_native(getattr(connector, "rng", None))
    table, why_not = _connector_table(connector, projection)
    if table is None:
        if native_rng:
            raise NotImplementedError(f"{NATIVE_ONLY}; {why_not}")
        return None
    values = projection.synapse_type.native_parameters
    values.shape = (projection.pre.size, projection.post.size)
    drawn = {name: native_table(value.base_value) for name, value in values.items()}
    random_connector = table["type"] in ("fixed_probability", "fixed_number_pre")
    if random_connector and not native_rng:
        return None
    parameters = {}
    for name, value in values.items():
        if drawn[name] is not None and name not in ("weight", "delay"):
            raise NotImplementedError(
                f"exactspike takes one {name} per projection, not a RandomDistribution"
            )
        if drawn[name] is not None:
            parameters[name] = drawn[name]
        elif value.is_homogeneous:
            parameters[name] = float(value.evaluate(simplify=True))
        elif native_rng or any(drawn.values()):
            raise NotImplementedError(
                f"{NATIVE_ONLY}, with each synapse parameter a number or a RandomDistribution "
                f"drawing with NativeRNG; {name} is neither"
            )
        else:
            return None
    if connector.safe:
        _check_values(projection, parameters)
    return {"connector": table, "parameters": parameters}


def _check_values(projection, parameters):
    """PyNN's checks of the synapse's values (the weight's sign for the receptor), as its
    connectors make them when `safe`, on the numbers given (exactspike checks drawn ones when
    it builds the network)."""
    synapse = projection.synapse_type
    for name, check in getattr(synapse, "parameter_checks", {}).items():
        native = synapse.translations[name]["translated_name"]
        value = parameters.get(native)
        if value is not None and not isinstance(value, dict):
            check(np.array([value]), projection)


def _connector_table(connector, projection):
    """`connector` of `projection` as a connector table of an experiment file, if exactspike
    makes the same connections; else None and why not."""
    kind = type(connector)
    name = kind.__name__
    if not (_is_population(projection.pre) and _is_population(projection.post)):
        return None, f"got {name} between views or assemblies"
    if connector.location_selector is not None:
        return None, f"got {name} with a location_selector"
    self_connections = getattr(connector, "allow_self_connections", True)
    if not isinstance(self_connections, bool):
        return None, f"got {name} with allow_self_connections={self_connections!r}"
    if kind is connectors.AllToAllConnector:
        return {"type": "all_to_all", "allow_self_connections": self_connections}, None
    if kind is connectors.OneToOneConnector:
        if projection.pre.size != projection.post.size:
            # PyNN connects the first min(n_pre, n_post); exactspike's needs equal sizes.
            return None, f"got {name} between populations of different sizes"
        return {"type": "one_to_one"}, None
    if kind is connectors.FixedProbabilityConnector:
        if connector.p_connect > 1.0:
            return None, f"got {name} with p_connect = {connector.p_connect} > 1"
        return {"type": "fixed_probability", "p": float(connector.p_connect),
                "allow_self_connections": self_connections}, None
    if kind is connectors.FixedNumberPreConnector:
        if not isinstance(connector.n, int):
            return None, f"got {name} with n drawn from a distribution"
        candidates = projection.pre.size - (
            0 if self_connections or projection.pre is not projection.post else 1)
        if not connector.with_replacement and connector.n > candidates:
            # PyNN then connects every candidate and draws the rest again; exactspike refuses.
            return None, (f"got {name} with n = {connector.n} > the {candidates} presynaptic "
                          "cells to draw from without replacement (with_replacement=True, or "
                          "a NumpyRNG, would do)")
        return {"type": "fixed_number_pre", "n": int(connector.n),
                "allow_self_connections": self_connections,
                "with_replacement": bool(connector.with_replacement)}, None
    return None, f"got {name}"


def _is_population(cells):
    """Whether `cells` is a whole population (not a view or an assembly)."""
    from .populations import Population

    return isinstance(cells, Population)

"""The connectors exactspike makes itself, when the network is built, instead of PyNN making
each connection in Python: ``AllToAllConnector`` and ``OneToOneConnector`` always, and
``FixedProbabilityConnector`` and ``FixedNumberPreConnector`` with ``rng=sim.NativeRNG()``,
between whole populations, with weights and delays that are numbers or
``RandomDistribution``s drawing with ``NativeRNG``. The connections are then those of the
same connector in an experiment file (same streams, same order)."""

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
    table = _connector_table(connector)
    whole = _is_population(projection.pre) and _is_population(projection.post)
    if table is None or not whole or connector.location_selector is not None:
        if native_rng:
            raise NotImplementedError(f"{NATIVE_ONLY}; got {type(connector).__name__}"
                                      + ("" if whole else " between views or assemblies"))
        return None
    values = projection.synapse_type.native_parameters
    values.shape = (projection.pre.size, projection.post.size)
    drawn = {name: native_table(value.base_value) for name, value in values.items()}
    random_connector = table["type"] in ("fixed_probability", "fixed_number_pre")
    if random_connector and not native_rng:
        return None
    parameters = {}
    for name, value in values.items():
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
    return {"connector": table, "parameters": parameters}


def _connector_table(connector):
    """`connector` as a connector table of an experiment file, if exactspike has it."""
    kind = type(connector)
    self_connections = getattr(connector, "allow_self_connections", True)
    if not isinstance(self_connections, bool):
        return None  # "NoMutual"
    if kind is connectors.AllToAllConnector:
        return {"type": "all_to_all", "allow_self_connections": self_connections}
    if kind is connectors.OneToOneConnector:
        return {"type": "one_to_one"}
    if kind is connectors.FixedProbabilityConnector:
        return {"type": "fixed_probability", "p": float(connector.p_connect),
                "allow_self_connections": self_connections}
    if kind is connectors.FixedNumberPreConnector and isinstance(connector.n, int):
        return {"type": "fixed_number_pre", "n": int(connector.n),
                "allow_self_connections": self_connections,
                "with_replacement": bool(connector.with_replacement)}
    return None


def _is_population(cells):
    """Whether `cells` is a whole population (not a view or an assembly)."""
    from .populations import Population

    return isinstance(cells, Population)

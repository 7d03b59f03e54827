"""Projections of the PyNN backend. PyNN's connectors choose the connections (every connector
reduces to ``_convergent_connect``); they are kept as arrays and handed to exactspike as
explicit connection lists, one per pair of populations, when the network is built. The
connectors exactspike has itself (``native_connectors``) are handed over as they are, and
exactspike makes their connections when it builds the network; their arrays are drawn only
if asked for. Weight changes of a running network are applied to it; other changes wait for
``reset()``."""

import numpy as np

import exactspike

from pyNN import common
from pyNN.space import Space
from pyNN.standardmodels import synapses

from . import native_connectors, simulator
from .random import native_table
from .simulator import state

#: Connection attributes that are not synapse parameters.
ADDRESS = ("presynaptic_index", "postsynaptic_index")


class Connection(common.Connection):
    """One connection of a projection; its attributes read and write the projection's
    arrays (a weight changed while the network runs is applied to it)."""

    def __init__(self, projection, k):
        object.__setattr__(self, "_projection", projection)
        object.__setattr__(self, "_k", k)

    def __getattr__(self, name):
        try:
            return self._projection._connections[name][self._k].item()
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        arrays = self._projection._connections
        if name not in arrays or name in ADDRESS:
            raise AttributeError(f"a connection has no settable attribute {name!r}")
        self._projection._own_connections()
        new = arrays[name].copy()
        new[self._k] = value
        if state.built:
            self._projection._apply_live(name, arrays[name], new)
        arrays[name] = new

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = None  # set in __init__.py (StaticSynapse)

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        if state.built:
            raise NotImplementedError(
                "exactspike builds the network at the first run: create projections before "
                "it, or call reset() first"
            )
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        if self.receptor_type not in ("excitatory", "inhibitory"):
            raise NotImplementedError(
                f"exactspike has the receptors excitatory and inhibitory, not {self.receptor_type!r}"
            )
        self._chunks = []
        self._arrays = None
        # What exactspike's own connector was, once its connections became a list: the
        # projection keeps its one part in the description, so later ones keep their ordinals.
        self._was_native = None
        self._native = native_connectors.plan(connector, self)
        if self._native is None:
            connector.connect(self)
        state.projections.append(self)

    def _guess_receptor_type(self):
        # Weights that exactspike draws when it builds the network have no value to guess
        # from: excitatory, as PyNN takes for NEST's native random numbers.
        if native_table(self.synapse_type.parameter_space["weight"].base_value) is not None:
            self.receptor_type = self.post.receptor_types[0]
        else:
            super()._guess_receptor_type()

    # --- the connections, as arrays ----------------------------------------------------------

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("exactspike has point neurons only")
        pre = np.asarray(presynaptic_indices, dtype=int).ravel()
        chunk = {"presynaptic_index": pre,
                 "postsynaptic_index": np.full(pre.size, postsynaptic_index, dtype=int)}
        for name, value in connection_parameters.items():
            chunk[name] = np.broadcast_to(np.asarray(value, dtype=float), pre.shape).copy()
        self._chunks.append(chunk)
        self._arrays = None

    @property
    def _connections(self):
        """Every connection attribute as one array, in the order the connector made them."""
        if self._arrays is None and self._native is not None:
            self._arrays = self._native_connections()
            self._chunks = [self._arrays]
        if self._arrays is None:
            names = self._chunks[0].keys() if self._chunks else ADDRESS + ("weight", "delay")
            self._arrays = {
                name: (np.concatenate([c[name] for c in self._chunks]) if self._chunks
                       else np.zeros(0))
                for name in names
            }
            self._chunks = [self._arrays]
        return self._arrays

    def _native_connections(self):
        """The connections exactspike makes for this projection's own connector: those of a
        network built from the description."""
        pre, post = self.pre._name, self.post._name
        ordinal = sum((pre, post) in p._pairs() for p in state.projections[:self._index()])
        parameters = dict(self._native["parameters"])
        i, j, weight, delay = exactspike.connections(
            int(state.seed), (pre, self.pre.size), (post, self.post.size), ordinal,
            self._native["connector"], parameters.pop("weight"), parameters.pop("delay"),
        )
        arrays = {"presynaptic_index": i, "postsynaptic_index": j, "weight": weight,
                  "delay": delay}
        for name, value in parameters.items():
            # One number per projection (native_connectors refuses drawn ones).
            arrays[name] = np.full(i.size, value)
        return arrays

    def _own_connections(self):
        """From now on this projection is described by its connection arrays (they are about
        to change), not by its connector."""
        self._connections  # noqa: B018 (drawn if still in exactspike's hands)
        if self._native is not None:
            self._was_native = self._native
        self._native = None

    def _index(self):
        """This projection's position among the network's projections (all of them while it
        is being made)."""
        return next((k for k, p in enumerate(state.projections) if p is self),
                    len(state.projections))

    def _pairs(self):
        """The (pre, post) population names of this projection's parts in the description."""
        if self._native is not None or self._was_native is not None:
            return [(self.pre._name, self.post._name)]
        return [(state.populations[a]._name, state.populations[b]._name)
                for a, b, *_ in self._split()]

    def __len__(self):
        return len(self._connections["presynaptic_index"])

    @property
    def connections(self):
        """Every connection, as objects whose attributes can be read and set."""
        return [Connection(self, k) for k in range(len(self))]

    def _get_attributes_as_list(self, names):
        columns = [self._connections[name] for name in names]
        return list(zip(*(c.tolist() for c in columns)))

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        operation = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        c = self._connections
        arrays = []
        for name in names:
            name = name[:-1] if name.endswith("s") and name[:-1] in c else name
            values = np.full((self.pre.size, self.post.size), np.nan)
            for i, j, v in zip(c["presynaptic_index"], c["postsynaptic_index"], c[name]):
                values[i, j] = v if np.isnan(values[i, j]) else operation(values[i, j], v)
            arrays.append(values)
        return arrays

    def _set_attributes(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        self._own_connections()
        c = self._connections
        i, j = c["presynaptic_index"], c["postsynaptic_index"]
        for name, value in parameter_space.items():
            new = np.broadcast_to(value, (self.pre.size, self.post.size))[i, j].astype(float)
            if state.built:
                self._apply_live(name, c[name], new)
            c[name] = new

    def _apply_live(self, name, old, new):
        """Apply changed connection attributes to the running simulation (weights only)."""
        changed = np.flatnonzero(old != new)
        if changed.size == 0:
            return
        if name != "weight":
            raise NotImplementedError(
                f"exactspike cannot change {name} of a running network (only weights); call "
                "reset() first"
            )
        pre, post = self._addresses()
        shared = _shared_pairs()
        for k in changed:
            if (pre[k], post[k], self.receptor_type) in shared:
                raise NotImplementedError(
                    f"exactspike cannot change one of several {self.receptor_type} connections "
                    f"from {pre[k][0]}[{pre[k][1]}] to {post[k][0]}[{post[k][1]}] of a running "
                    "network; call reset() first"
                )
        for k in changed:
            state.network.set_weight(pre[k], post[k], float(new[k]), receptor=self.receptor_type)

    # --- the description for exactspike ------------------------------------------------------

    def _addresses(self):
        """Each connection's (population name, index) of its pre- and postsynaptic cell."""
        c = self._connections
        return (_members(self.pre, c["presynaptic_index"]),
                _members(self.post, c["postsynaptic_index"]))

    def _description(self):
        """This projection as its own connector or as explicit connection lists, one per pair
        of populations."""
        synapse = {
            "receptor": self.receptor_type,
            "synapse": self._synapse(),
            "p_transmit": self._one("p", 1.0) if self._stochastic() else None,
        }
        if self._native is not None:
            parameters = self._native["parameters"]
            return [{"pre": self.pre._name, "post": self.post._name,
                     "connector": self._native["connector"], "weight": parameters["weight"],
                     "delay": parameters["delay"], **synapse}]
        c = self._connections
        parts = []
        for a, b, mask, pre_index, post_index in self._split():
            rows = np.column_stack(
                [pre_index[mask], post_index[mask], c["weight"][mask], c["delay"][mask]]
            )
            parts.append({
                "pre": state.populations[a]._name,
                "post": state.populations[b]._name,
                "connector": {"type": "from_list", "connections": rows},
                **synapse,
            })
        if self._was_native is not None and not parts:
            values = self._was_native["parameters"]
            parts.append({"pre": self.pre._name, "post": self.post._name,
                          "connector": {"type": "from_list", "connections": []},
                          "weight": values["weight"], "delay": values["delay"], **synapse})
        return parts

    def _split(self):
        """The connections by pair of populations, in the description's order: for each pair,
        the positions of its pre and post populations in ``state.populations``, the mask of
        its connections, and every connection's pre and post index in its population."""
        c = self._connections
        pre_pop, pre_index = locate(np.asarray(self.pre.all_cells, dtype=int)[c["presynaptic_index"]])
        post_pop, post_index = locate(
            np.asarray(self.post.all_cells, dtype=int)[c["postsynaptic_index"]]
        )
        return [(a, b, (pre_pop == a) & (post_pop == b), pre_index, post_index)
                for a, b in sorted(set(zip(pre_pop.tolist(), post_pop.tolist())))]

    def _stochastic(self):
        return isinstance(self.synapse_type, synapses.SimpleStochasticSynapse)

    def _one(self, name, default):
        """The one value of synapse parameter `name` of every connection."""
        if self._native is not None and name in self._native["parameters"]:
            return float(self._native["parameters"][name])
        values = np.unique(self._connections[name]) if name in self._connections else []
        if len(values) > 1:
            raise NotImplementedError(
                f"exactspike takes one {name} per projection; got {len(values)} values"
            )
        return float(values[0]) if len(values) else float(default)

    def _synapse(self):
        """The synapse table: static, or Tsodyks-Markram with one parameter set."""
        if isinstance(self.synapse_type, synapses.TsodyksMarkramSynapse):
            defaults = self.synapse_type.default_parameters
            table = {"type": "TsodyksMarkramSynapse"}
            for name in ("U", "tau_rec", "tau_facil"):
                table[name] = self._one(name, defaults[name])
            return table
        if isinstance(self.synapse_type, synapses.StaticSynapse) or self._stochastic():
            return {"type": "StaticSynapse"}
        raise NotImplementedError(
            f"exactspike runs StaticSynapse and TsodyksMarkramSynapse, not "
            f"{type(self.synapse_type).__name__}"
        )


def _shared_pairs():
    """(pre member, post member, receptor) of the pairs joined by more than one connection in
    the whole network: the running simulation finds a connection by these alone."""
    seen, shared = set(), set()
    for projection in state.projections:
        pre, post = projection._addresses()
        for key in zip(pre, post, [projection.receptor_type] * len(pre)):
            (shared if key in seen else seen).add(key)
    return shared


def locate(ids):
    """The position in ``state.populations`` and the index within it of each cell ID."""
    firsts = np.array([int(p.first_id) for p in state.populations])
    population = np.searchsorted(firsts, ids, side="right") - 1
    return population, ids - firsts[population]


def _members(cells, indices):
    """(population name, index) of the cells at `indices` of `cells` (a population, view or
    assembly)."""
    ids = np.asarray(cells.all_cells, dtype=int)[indices]
    population, index = locate(ids)
    return [(state.populations[p]._name, int(i)) for p, i in zip(population, index)]

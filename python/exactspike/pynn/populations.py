"""Populations, views and assemblies of the PyNN backend. Parameters and initial values are
kept per neuron in numpy arrays until the network is built; after that, only changes that
the running simulation can take exactly are accepted: ``v_rest`` and ``i_offset`` (a change of
``i_offset`` by ΔI is a shift of ``v_rest`` by ΔI·tau_m/cm), and ``spike_times`` of array
sources."""

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify
from pyNN.standardmodels import StandardCellType, cells

from . import simulator
from .random import drawn, native_table
from .recording import Recorder
from .simulator import as_list, state

#: The parameters a running simulation can change: as shifts of the resting potential, and
#: the spike times of array sources.
LIVE_PARAMETERS = ("v_rest", "i_offset", "spike_times")


class Assembly(common.Assembly):
    _simulator = simulator


def _draw_native(population, values, mask, prefix=""):
    """`values` (name to value, or to a LazyArray of it) with every RandomDistribution that
    draws with exactspike's NativeRNG replaced by what exactspike draws for the neurons `mask`
    of `population`: neuron i takes the i-th draw of the stream of `prefix + name`, as in a
    file."""
    drawn_values = {}
    for name, value in values.items():
        table = native_table(getattr(value, "base_value", value))
        if table is not None:
            value = drawn(population._name, population.size, prefix + name, table)[mask]
        drawn_values[name] = value
    return drawn_values


def _parameters_of(population, mask, names):
    """The native parameters `names` of `population`'s neurons selected by `mask`."""
    values = {}
    for name in names:
        value = population._parameters[name]
        if isinstance(value, np.ndarray):
            value = value[mask]
        values[name] = simplify(value)
    return values


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    @property
    def _in_population(self):
        """The indices of this view's neurons in their population (a view may view a view)."""
        return self.index_in_grandparent(np.arange(self.size))

    def _get_parameters(self, *names):
        return self.grandparent._parameters_as_space(self._in_population, self.size, names)

    def _set_parameters(self, parameter_space):
        parameter_space.shape = (self.size,)
        parameter_space.update(**_draw_native(self.grandparent, dict(parameter_space.items()),
                                              self._in_population))
        parameter_space.evaluate(simplify=False)
        self.grandparent._change(self._in_population, dict(parameter_space.items()))

    def _set_initial_value_array(self, variable, initial_values):
        self.grandparent._set_initial(variable, self._in_population, initial_values)

    def initialize(self, **initial_values):
        """Set initial values of the neurons of this view (before the first run, or after a
        reset)."""
        from pyNN.parameters import LazyArray

        initial_values = _draw_native(self.grandparent, initial_values, self._in_population,
                                      "initial.")
        for variable, value in initial_values.items():
            self._set_initial_value_array(
                variable, LazyArray(value, shape=(self.size,), dtype=float)
            )

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, *args, **kwargs):
        if state.built:
            raise NotImplementedError(
                "exactspike builds the network at the first run: create populations before "
                "it, or call reset() first"
            )
        try:
            super().__init__(*args, **kwargs)
        except Exception:
            # PyNN made the recorder before the cells: a refused population records nothing.
            state.recorders.discard(getattr(self, "recorder", None))
            raise

    def _create_cells(self):
        if not isinstance(self.celltype, StandardCellType):
            raise errors.InvalidModelError(
                f"exactspike runs PyNN's standard cells only, not {type(self.celltype).__name__}"
            )
        self._name = state.population_name(self.label)
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.update(**_draw_native(self, dict(parameter_space.items()), slice(None)))
        parameter_space.evaluate(simplify=False)
        self._parameters = parameter_space.as_dict()
        self._check_spike_times(self._parameters)
        self._initial = {}
        first = state.id_counter
        self.all_cells = np.array(
            [simulator.ID(i) for i in range(first, first + self.size)], dtype=simulator.ID
        )
        self._mask_local = np.ones((self.size,), bool)
        for id in self.all_cells:
            id.parent = self
        state.id_counter += self.size
        state.populations.append(self)

    @staticmethod
    def _check_spike_times(values):
        """Spike times must be in order (PyNN's InvalidParameterValueError otherwise)."""
        for times in np.ravel(values.get("spike_times", [])):
            times = spike_times(times)
            if np.any(np.diff(times) < 0):
                raise errors.InvalidParameterValueError(
                    f"spike_times must be in order, got {times.tolist()}"
                )

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return self._parameters_as_space(slice(None), self.size, names)

    def _parameters_as_space(self, mask, size, names):
        native = self.celltype.get_native_names(*names)
        if any(name in self.celltype.computed_parameters() for name in names):
            native = self.celltype.get_native_names()
        space = ParameterSpace(_parameters_of(self, mask, native), shape=(size,))
        return self.celltype.reverse_translate(space)

    def _set_parameters(self, parameter_space):
        parameter_space.shape = (self.size,)
        parameter_space.update(**_draw_native(self, dict(parameter_space.items()), slice(None)))
        parameter_space.evaluate(simplify=False)
        self._change(slice(None), dict(parameter_space.items()))

    def initialize(self, **initial_values):
        """Set initial values (before the first run, or after a reset); values drawn with
        NativeRNG are drawn at once, so ``get_initial_value`` shows them."""
        super().initialize(**_draw_native(self, initial_values, slice(None), "initial."))

    def _change(self, mask, values):
        """Set native parameters of the neurons selected by `mask`; once the simulation runs,
        only `v_rest` and `i_offset` (applied to it as shifts of the resting potential)."""
        self._check_spike_times(values)
        if state.built:
            refused = sorted(set(values) - set(LIVE_PARAMETERS))
            if refused:
                raise NotImplementedError(
                    f"exactspike cannot change {', '.join(refused)} of a running network (only "
                    f"{', '.join(LIVE_PARAMETERS[:-1])} and {LIVE_PARAMETERS[-1]}); call reset() "
                    "first"
                )
            if "spike_times" in values:
                self._replace_spike_times(mask, values["spike_times"])
            self._shift_rest(mask, values)
        for name, value in values.items():
            self._parameters[name][mask] = value

    def _replace_spike_times(self, mask, times):
        """Give the masked array sources of the running simulation new spike times."""
        indices = np.arange(self.size)[mask]
        for index, train in zip(indices, np.broadcast_to(times, len(indices))):
            state.network.set_spike_times(self._name, int(index), spike_times(train).tolist())

    def _shift_rest(self, mask, values):
        """Apply new `v_rest` / `i_offset` of the masked neurons to the running simulation."""
        if "v_rest" not in values and "i_offset" not in values:
            return
        indices = np.arange(self.size)[mask]
        shift = np.zeros(len(indices))
        if "v_rest" in values:
            shift += np.asarray(values["v_rest"], float) - self._parameters["v_rest"][mask]
        current = np.zeros(len(indices))
        if "i_offset" in values:
            current += np.asarray(values["i_offset"], float) - self._parameters["i_offset"][mask]
        self._shift_by(indices, shift, current)

    def _shift_by(self, indices, dv, current):
        """Shift the resting potentials of neurons `indices` of the running simulation by `dv`
        [mV] plus `current` [nA] times their tau_m/cm (a current into a LIF neuron is a
        shift of its resting potential)."""
        resistance = self._parameters["tau_m"][indices] / self._parameters["cm"][indices]
        shift = np.broadcast_to(dv + current * resistance, len(indices))
        for index, step in zip(indices, shift):
            if step != 0.0:
                state.network.shift_v_rest(self._name, int(index), float(step))

    def _set_initial(self, variable, mask, values):
        """Initial values of `variable` for the neurons selected by `mask`."""
        if state.built:
            raise NotImplementedError(
                "exactspike takes initial values when it builds the network: set them before "
                "the first run, or after reset()"
            )
        current = self._initial.setdefault(
            variable, np.full(self.size, self.celltype.default_initial_values.get(variable, 0.0))
        )
        current[mask] = values.evaluate(simplify=False)

    def _set_initial_value_array(self, variable, initial_values):
        self._set_initial(variable, slice(None), initial_values)

    def _description(self):
        """This population in an experiment description."""
        entry = {"name": self._name, "size": self.size, "model": self.celltype.__class__.__name__}
        if isinstance(self.celltype, cells.SpikeSourceArray):
            entry["params"] = {"spike_times": [
                spike_times(times).tolist()
                for times in np.broadcast_to(self._parameters["spike_times"], (self.size,))
            ]}
            return entry
        entry["params"] = {
            name: as_list(value, self.size) for name, value in self._parameters.items()
        }
        if self.celltype.default_initial_values:
            entry["initial"] = {
                variable: as_list(values, self.size) for variable, values in self._initial.items()
            }
        return entry


def spike_times(value):
    """One source's spike times [ms] (a PyNN Sequence or a list) as a float array."""
    return np.asarray(value.value if isinstance(value, Sequence) else value, dtype=float)

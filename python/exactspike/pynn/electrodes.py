"""Current sources of the PyNN backend, exactly: a piecewise-constant current I into a LIF
neuron is the same as shifting its resting potential by I·tau_m/cm (both cells' membrane
equations have ``(v_rest − v)/tau_m + I/cm``). The backend pauses the simulation at every
change of a source and shifts the resting potentials of its targets; the current's steps are
therefore exact in time, with no grid. Sources whose current varies continuously (ACSource,
NoisyCurrentSource) have no exact method here and are refused."""

import numpy as np

from pyNN.standardmodels import build_translations, electrodes
from pyNN.parameters import ParameterSpace, Sequence

from .simulator import state


class _PiecewiseConstant:
    """What DCSource and StepCurrentSource share: parameters, targets, the current at a time."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", [])
        super().__init__(**parameters)
        space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        space.update(**parameters)
        self.set_native_parameters(self.translate(space))
        state.electrodes.append(self)

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            self._native[name] = value.value if isinstance(value, Sequence) else value
        self.steps()  # checks them

    def get_native_parameters(self):
        return ParameterSpace(dict(self._native))

    def inject_into(self, cells):
        """Inject this source's current into `cells` (a population, view, assembly or a list
        of IDs of neurons)."""
        from .projections import locate

        ids = np.asarray([int(i) for i in (cells.all_cells if hasattr(cells, "all_cells")
                                             else cells)], dtype=int)
        populations, indices = locate(ids)
        for p, i in zip(populations.tolist(), indices.tolist()):
            population = state.populations[p]
            if not population.celltype.injectable:
                raise TypeError(f"cannot inject a current into {population.celltype}")
            self._targets.append((population, i))

    def record(self):
        """Record the injected current (it is known exactly: no recorder is needed)."""

    def _get_data(self):
        """The current [nA] at every time step from 0 to now (exact: it is piecewise
        constant)."""
        times = np.arange(0.0, state.t + state.dt / 2, state.dt)
        return times, np.array([self.current(t) for t in times])

    def change_times(self):
        """Times [ms] at which the current changes."""
        return [t for t, _ in self.steps()]

    def current(self, t):
        """The current [nA] in force from `t` [ms] on."""
        now = 0.0
        for time, amplitude in self.steps():
            if time <= t:
                now = amplitude
        return now


class DCSource(_PiecewiseConstant, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))

    def steps(self):
        """(time [ms], current [nA] from then on), in time order."""
        p = self._native
        return [(float(p["start"]), float(p["amplitude"])), (float(p["stop"]), 0.0)]


class StepCurrentSource(_PiecewiseConstant, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def steps(self):
        """(time [ms], current [nA] from then on), in time order."""
        times = np.asarray(self._native.get("times", []), dtype=float)
        amplitudes = np.asarray(self._native.get("amplitudes", []), dtype=float)
        if times.size != amplitudes.size:
            raise ValueError("StepCurrentSource: times and amplitudes differ in length")
        if np.any(times < 0):
            raise ValueError("StepCurrentSource: times must be ≥ 0 ms")
        if np.any(np.diff(times) <= 0):
            raise ValueError("StepCurrentSource: times must increase")
        return list(zip(times.tolist(), amplitudes.tolist()))


def apply_currents(t):
    """Shift the resting potentials of every injected neuron so that its currents are those
    in force from `t` [ms] on."""
    wanted = {}
    for source in state.electrodes:
        amplitude = source.current(t)
        for target in source._targets:
            wanted[target] = wanted.get(target, 0.0) + amplitude
    for (population, index), current in wanted.items():
        change = current - state.applied_currents.get((population, index), 0.0)
        population._shift_by(np.array([index]), 0.0, change)
        state.applied_currents[(population, index)] = current


def change_times(after, before):
    """Every time in (after, before) [ms] at which a source's current changes."""
    times = {t for source in state.electrodes for t in source.change_times()}
    return sorted(t for t in times if after < t < before)

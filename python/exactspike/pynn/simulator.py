"""The state of the PyNN backend: the network as PyNN builds it, and the exactspike simulation
made from it at the first run (and again after each reset).

PyNN builds populations and projections one call at a time; exactspike builds the whole
network once, at the first ``run``, from one description (the dict of an experiment file:
each population with its parameters and initial values per neuron, each projection as its
list of connections). Runs then continue the same simulation, extending its end; ``reset``
drops it, and the next run builds it again from the (possibly changed) description.
"""

import re

import numpy as np

from pyNN import common, errors

import exactspike

name = "exactspike"


class ID(int, common.IDMixin):
    """A PyNN cell ID: an int that knows its population."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Time, settings, the network description and the running simulation."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = "auto"
        self.seed = 0
        self.threads = None
        self.clear()

    def clear(self):
        """Forget the network (``setup`` and ``end``)."""
        self.recorders = set()
        self.populations = []
        self.projections = []
        self.electrodes = []
        self.id_counter = 0
        self.segment_counter = -1
        self.network = None
        self.reset()

    def reset(self):
        """Back to t = 0 in a new segment; the simulation is built again at the next run."""
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self.network = None
        self.applied_currents = {}
        for recorder in self.recorders:
            recorder._cleared.clear()

    def population_name(self, label):
        """The name of a new population in exactspike's description (and so of its random
        streams): its PyNN label, with `_` appended while another population has that name."""
        taken = {p._name for p in self.populations}
        name = label or f"p{len(self.populations)}"
        while name in taken:
            name = f"{name}_"
        return name

    @property
    def built(self):
        """Whether a simulation exists (between the first run and the next reset)."""
        return self.network is not None

    def run(self, simtime):
        """Advance by `simtime` [ms]."""
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        """Advance to `tstop` [ms], building the simulation first if there is none, and
        pausing wherever an injected current changes."""
        from .electrodes import apply_currents, change_times

        # PyNN allows a time up to dt/2 in the past (rounding); nothing to run before t = 0+.
        tstop = max(tstop, self.t)
        if tstop <= 0.0:
            return
        if self.network is None:
            self.network = exactspike.Simulation(self._experiment(tstop))
        else:
            self.network.extend_to(tstop)
        apply_currents(self.t)
        for t in change_times(self.t, tstop):
            self.network.run_until(t, threads=self.threads)
            apply_currents(t)
        self.network.run_until(tstop, threads=self.threads)
        self.t = tstop
        self.running = True

    def _experiment(self, t_stop):
        """The whole network as one exactspike experiment running to `t_stop` [ms]."""
        description = {
            # Each segment (reset) is the next trial: the same network, new Poisson spikes
            # and transmissions, as NEST draws on after a reset.
            "simulation": {"t_stop": float(t_stop), "seed": int(self.seed),
                           "trial": self.segment_counter},
            "population": [p._description() for p in self.populations],
            "projection": [part for prj in self.projections for part in prj._description()],
            "record": self._recording(),
        }
        try:
            return exactspike.Experiment(description, name="PyNN network")
        except exactspike.ExactspikeError as error:
            # Name populations by their labels, as the script does.
            message = re.sub(
                r"population\[(\d+)\]",
                lambda m: f'population "{self.populations[int(m.group(1))].label}"',
                str(error),
            )
            raise errors.InvalidParameterValueError(message) from None

    def _recording(self):
        """What the populations' recorders ask for, in one `record` table."""
        spikes, signals, intervals = [], [], set()
        for population in self.populations:
            requests = population.recorder._requests()
            if requests.pop("spikes", None) is not None:
                spikes.append(population._name)
            if requests:
                # One request per population: every variable of the neurons any is asked for.
                indices = np.unique(np.concatenate(list(requests.values())))
                signals.append({"population": population._name, "variables": list(requests),
                                "indices": indices.tolist()})
                intervals.add(population.recorder.sampling_interval)
        record = {"spikes": spikes, "signals": signals}
        if intervals:
            # One clock for every signal: the shortest interval, which the others must be
            # multiples of (each recorder keeps every k-th sample).
            base = min(intervals)
            for interval in intervals:
                if abs(interval / base - round(interval / base)) > 1e-9:
                    raise NotImplementedError(
                        "exactspike samples every recorded signal on one clock: sampling "
                        f"intervals must be multiples of the shortest; got {sorted(intervals)} ms"
                    )
            self.record_interval = base
            record["interval"] = float(base)
        return record


state = State()


def as_list(values, size):
    """`values` (a number or an array) as one number if all `size` are equal, else a list."""
    array = np.broadcast_to(np.asarray(values, dtype=float), (size,))
    if size > 0 and np.all(array == array[0]):
        return float(array[0])
    return array.tolist()

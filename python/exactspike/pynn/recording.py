"""Recording in the PyNN backend: what each population's recorder asks for goes into the
experiment's `record` table when the network is built; PyNN's Recorder then reads spikes and
samples back from the simulation (as neo objects)."""

from collections import defaultdict

import numpy as np

from pyNN import recording

from . import simulator
from .simulator import state


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        # Spikes and samples already handed out with clear=True, per variable.
        self._cleared = defaultdict(int)

    def _record(self, variable, new_ids, sampling_interval=None):
        if state.built and new_ids:
            raise NotImplementedError(
                "exactspike builds what it records with the network: call record() before the "
                "first run, or after reset()"
            )
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval

    def _requests(self):
        """What is recorded: `spikes` and each sampled variable, with the neurons' indices."""
        requests = {}
        for variable, ids in self.recorded.items():
            if ids:
                requests[variable.name] = np.sort(self.population.id_to_index(list(ids)))
        return requests

    def _indices(self, ids):
        return np.asarray(self.population.id_to_index(list(ids)), dtype=int)

    def _get_spiketimes(self, ids, clear=False):
        if not state.built:
            return np.array([], dtype=int), np.array([])
        senders, times = state.network.spikes(self.population._name)
        start = self._cleared["spikes"]
        senders, times = senders[start:], times[start:]
        keep = np.isin(senders, self._indices(ids))
        # The cells of a population have consecutive IDs.
        return senders[keep].astype(int) + int(self.population.first_id), times[keep]

    def _get_all_signals(self, variable, ids, clear=False):
        if not state.built:
            return np.zeros((0, len(ids))), None
        _, values, recorded = state.network.signal(self.population._name, variable.name)
        step = int(round(self.sampling_interval / state.record_interval))
        # The sample at the time of the last clear starts the new data again (as NEST's).
        values = values[self._cleared[variable.name]::step]
        columns = np.searchsorted(recorded, self._indices(ids))
        return values[:, columns], None

    def _local_count(self, variable, filter_ids=None):
        ids = sorted(self.filter_recorded(variable, filter_ids))
        senders, _ = self._get_spiketimes(ids)
        counts = dict.fromkeys((int(i) for i in ids), 0)
        for sender, n in zip(*np.unique(senders, return_counts=True)):
            counts[int(sender)] = int(n)
        return counts

    def _clear_simulator(self):
        # Everything recorded so far is handed out: later reads start after it.
        if not state.built:
            return
        for name in self._requests():
            if name == "spikes":
                self._cleared[name] = len(state.network.spikes(self.population._name)[1])
            else:
                self._cleared[name] = int(round(state.t / state.record_interval))

    def _reset(self):
        pass

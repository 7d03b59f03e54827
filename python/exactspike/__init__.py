"""exactspike: an exact, event-driven spiking neural network simulator.

Networks use PyNN's cell names, parameter names, defaults and units (ms, mV, nF, uS, nA, Hz).
Describe an experiment as a TOML file or as a dict of the same shape, run it in memory
(:class:`Simulation`: segments, run-time changes, numpy arrays) or into an HDF5 file
(:func:`run`), and call the sampling jobs (:func:`calibrate`, :func:`sample`, :func:`train`)
and the TTFS training (:func:`ttfs_train`), which write the same files as the command line.
:func:`connections` and :func:`draw` give the connections and drawn values a description
makes, before anything is built.

>>> import exactspike
>>> experiment = exactspike.Experiment.from_file("experiments/sbs_neuron.toml")
>>> sim = exactspike.Simulation(experiment)
>>> summary = sim.run()
>>> senders, times = sim.spikes("neuron")

Long calls release the GIL; Ctrl-C stops them and raises ``KeyboardInterrupt`` (a file being
written is kept, marked incomplete). Errors raise :class:`ExactspikeError` carrying the
message the command line prints.
"""

from ._native import (
    Experiment,
    ExactspikeError,
    Simulation,
    __version__,
    calibrate,
    connections,
    draw,
    run,
    sample,
    train,
    ttfs_train,
)

__all__ = [
    "Experiment",
    "ExactspikeError",
    "Simulation",
    "__version__",
    "calibrate",
    "connections",
    "draw",
    "run",
    "sample",
    "train",
    "ttfs_train",
]

"""exactspike: an exact, event-driven spiking neural network simulator.

Networks use PyNN's cell names, parameter names, defaults and units (ms, mV, nF, uS, nA, Hz).
Describe an experiment as a TOML file or as a dict of the same shape, run it in memory
(:class:`Simulation`: segments, run-time changes, numpy arrays) or into an HDF5 file
(:func:`run`), and call the sampling jobs (:func:`calibrate`, :func:`sample`, :func:`train`)
and the TTFS jobs (:func:`ttfs_train`, :func:`ttfs_eval`, :func:`ttfs_pattern`), which write
the same files as the command line; the pictures (:func:`raster`, :func:`plot_dkl`, :func:`ttfs_plot`,
:func:`ttfs_map`) are the command line's too.
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
    plot_dkl,
    raster,
    run,
    sample,
    train,
    ttfs_eval,
    ttfs_map,
    ttfs_pattern,
    ttfs_plot,
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
    "plot_dkl",
    "raster",
    "run",
    "sample",
    "train",
    "ttfs_eval",
    "ttfs_map",
    "ttfs_pattern",
    "ttfs_plot",
    "ttfs_train",
]

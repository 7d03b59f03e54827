#!/usr/bin/env python3
"""NEST 3.10 through PyNN on the COBA benchmark: the oracle of tests/python/test_pynn_nest.py.

HOW THE FIXTURE WAS MADE
  In a venv with nest-simulator 3.10, PyNN 0.13 and numpy (from the crate root):
      python tests/oracles/nest_pynn_coba.py
  Writes tests/fixtures/coba_pynn_nest.json.

  The network is experiments/pynn_coba_benchmark.py with `--rng numpy`: PyNN draws the
  connections and the initial potentials with a NumpyRNG of the file's seed, so NEST and
  exactspike run the same connections from the same initial state; only the Poisson stimulus
  (20 sources, 100 Hz for 50 ms) is each simulator's own. NEST runs iaf_cond_exp at 0.1 ms
  (PyNN's IF_cond_exp on NEST), one thread, 1000 ms, once per stimulus seed (the file's seed
  and the next four): the spread over these seeds is how much the statistics move when only
  the stimulus changes. The statistics (`statistics` below, also used by the test) are per
  population: mean rate, quantiles of per-neuron rates and of the coefficient of variation
  of the inter-spike intervals.
"""

import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "experiments"))

import pynn_coba_benchmark  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "coba_pynn_nest.json"
T_STOP = 1000.0  # ms
QUANTILES = (0.1, 0.5, 0.9)


def statistics(result):
    """Per recorded population: mean rate [Hz], per-neuron rate quantiles [Hz], and the mean
    and quantiles of the ISI coefficient of variation of neurons with at least 5 spikes."""
    seconds = result["t_stop"] / 1000.0
    stats = {}
    for name, (senders, times) in result["spikes"].items():
        size = result["sizes"][name]
        counts = np.bincount(senders, minlength=size)
        order = np.lexsort((times, senders))
        senders, times = senders[order], times[order]
        cvs = []
        for neuron in np.flatnonzero(counts >= 5):
            isi = np.diff(times[senders == neuron])
            cvs.append(isi.std() / isi.mean())
        stats[name] = {
            "rate": float(counts.mean() / seconds),
            "rate_quantiles": [float(q) for q in np.quantile(counts / seconds, QUANTILES)],
            "cv_mean": float(np.mean(cvs)),
            "cv_quantiles": [float(q) for q in np.quantile(cvs, QUANTILES)],
        }
    return stats


def main():
    import nest
    import pyNN

    description, _ = pynn_coba_benchmark.load()
    seed = description["simulation"]["seed"]
    runs = []
    for stimulus_seed in range(seed, seed + 5):
        result = pynn_coba_benchmark.run("nest", "numpy", T_STOP, threads=1,
                                         stimulus_seed=stimulus_seed)
        runs.append({"stimulus_seed": stimulus_seed, "statistics": statistics(result)})
        print(stimulus_seed, json.dumps(runs[-1]["statistics"]))
    FIXTURE.write_text(json.dumps({
        "generator": "tests/oracles/nest_pynn_coba.py (command: python "
                     "tests/oracles/nest_pynn_coba.py)",
        "nest": nest.__version__,
        "pyNN": pyNN.__version__,
        "t_stop": T_STOP,
        "quantiles": QUANTILES,
        "runs": runs,
    }, indent=1) + "\n")
    print(f"-> {FIXTURE}")


if __name__ == "__main__":
    main()

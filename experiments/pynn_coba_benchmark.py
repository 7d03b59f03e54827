#!/usr/bin/env python3
"""The COBA benchmark of experiments/coba_benchmark.toml as a PyNN script, for any PyNN backend.

    python experiments/pynn_coba_benchmark.py [--simulator exactspike] [--rng native]
                                              [--t-stop 1000] [--threads 1]

It reads the file's sizes, probabilities, weights, delays and seed, and builds the network with
PyNN: FixedProbabilityConnector and a uniform RandomDistribution of initial potentials.

- `--rng native` draws both with the backend's NativeRNG. On exactspike, the network is then
  the file's own (same connections, same initial values, same spikes).
- `--rng numpy` draws them in Python with a NumpyRNG of the file's seed. Every backend gets the
  same connections and initial values this way; only the Poisson stimulus is each simulator's own.

Prints one JSON line: the phase times (s) and the spike count and mean rate of each population.
`benches/pynn_coba.py` times it against the command line; `tests/oracles/nest_pynn_coba.py`
runs it on NEST.
"""

import argparse
import importlib
import json
import pathlib
import time
import tomllib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
FILE = HERE / "coba_benchmark.toml"


def load():
    """The experiment file and its neurons' parameters (from the profile it names)."""
    with open(FILE, "rb") as f:
        description = tomllib.load(f)
    with open(HERE / description["population"][0]["profile"], "rb") as f:
        cell = tomllib.load(f)["params"]
    return description, cell


def build(sim, rng_kind):
    """The file's network in backend `sim` (after `sim.setup`); returns its populations by name.
    A NumpyRNG draws with the file's seed."""
    from pyNN.random import NumpyRNG, RandomDistribution

    description, cell = load()
    rng = sim.NativeRNG() if rng_kind == "native" else NumpyRNG(seed=description["simulation"]["seed"])
    populations = {}
    for p in description["population"]:
        if p.get("model") == "SpikeSourcePoisson":
            celltype, initial = sim.SpikeSourcePoisson(**p["params"]), {}
        else:
            v = p["initial"]["v"]
            celltype = sim.IF_cond_exp(**cell)
            initial = {"v": RandomDistribution("uniform", low=v["low"], high=v["high"], rng=rng)}
        populations[p["name"]] = sim.Population(p["size"], celltype, initial_values=initial,
                                                label=p["name"])
    for q in description["projection"]:
        sim.Projection(populations[q["pre"]], populations[q["post"]],
                       sim.FixedProbabilityConnector(q["connector"]["p"], rng=rng),
                       sim.StaticSynapse(weight=q["weight"], delay=q["delay"]),
                       receptor_type=q.get("receptor", "excitatory"))
    for name in description["record"]["spikes"]:
        populations[name].record("spikes")
    return populations


def run(simulator="exactspike", rng_kind="native", t_stop=None, threads=1, stimulus_seed=None):
    """Build and run the network on `simulator` (a pyNN module name); returns the phase times
    [s] and, per recorded population, the senders (indices) and times [ms] of its spikes.
    `stimulus_seed` replaces the file's seed as the simulator's own (its Poisson sources and,
    with `rng_kind="native"`, the network)."""
    sim = importlib.import_module(f"pyNN.{simulator}")
    description, _ = load()
    seed = stimulus_seed if stimulus_seed is not None else description["simulation"]["seed"]
    t_stop = t_stop or description["simulation"]["t_stop"]
    started = time.perf_counter()
    # The simulator's own seed: exactspike's master seed, NEST's rng_seed.
    own_seed = {"seed": seed} if simulator == "exactspike" else {"rng_seed": seed}
    sim.setup(timestep=0.1, min_delay=0.1, threads=threads, **own_seed)
    populations = build(sim, rng_kind)
    built = time.perf_counter()
    sim.run(t_stop)
    ran = time.perf_counter()
    spikes = {}
    for name in description["record"]["spikes"]:
        # One array of channels and one of times (neo's lazy SpikeTrainList).
        channels, times = populations[name].get_data().segments[0].spiketrains.multiplexed
        first = int(populations[name].first_id)
        spikes[name] = (np.asarray(channels, dtype=int) - first, np.asarray(times, dtype=float))
    read = time.perf_counter()
    sim.end()
    return {"build": built - started, "run": ran - built, "read": read - ran, "t_stop": t_stop,
            "sizes": {p["name"]: p["size"] for p in description["population"]},
            "spikes": spikes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulator", default="exactspike")
    parser.add_argument("--rng", choices=("native", "numpy"), default="native")
    parser.add_argument("--t-stop", type=float, default=None, help="ms (default: the file's)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    result = run(args.simulator, args.rng, args.t_stop, args.threads)
    seconds = result["t_stop"] / 1000.0
    print(json.dumps({
        "build": result["build"], "run": result["run"], "read": result["read"],
        "spikes": {name: len(times) for name, (_, times) in result["spikes"].items()},
        "rates": {name: len(times) / result["sizes"][name] / seconds
                  for name, (_, times) in result["spikes"].items()},
    }))


if __name__ == "__main__":
    main()

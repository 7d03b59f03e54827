#!/usr/bin/env python3
"""The COBA benchmark (experiments/coba_benchmark.toml) built and run through PyNN on exactspike
(`pyNN.exactspike`) against the same file run by the command line, alternating, on the same
machine: wall and CPU time of each whole process (start, network construction, run, output),
firing rates, and the ratio PyNN / command line.

Usage (in a venv with `pip install ".[pynn]"`)
    python benches/pynn_coba.py --exactspike target/release/exactspike [--repeat 3] [--threads 1]

The PyNN script builds the file's network with PyNN's own connectors and random numbers
(FixedProbabilityConnector, RandomDistribution for the initial potentials), so the two runs
agree in distribution, not spike by spike. The command line writes its HDF5 file; the PyNN run
keeps its spikes in memory and reads them into neo at the end. CPU time is summed over threads
(getrusage of each child process). Figures are reported as ranges over the repeats.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = os.path.join(ROOT, "experiments", "coba_benchmark.toml")

# Run in a child process: build the file's network through PyNN, run it, count the spikes.
PYNN_SCRIPT = r"""
import json, sys, time, tomllib
import pyNN.exactspike as sim
from pyNN.random import NumpyRNG, RandomDistribution

path, profile_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "rb") as f:
    description = tomllib.load(f)
with open(profile_path, "rb") as f:
    cell = tomllib.load(f)["params"]
started = time.perf_counter()
sim.setup(timestep=0.1, min_delay=0.1, threads=threads, seed=description["simulation"]["seed"])
rng = NumpyRNG(seed=description["simulation"]["seed"])
populations = {}
for p in description["population"]:
    if p.get("model") == "SpikeSourcePoisson":
        populations[p["name"]] = sim.Population(p["size"], sim.SpikeSourcePoisson(**p["params"]),
                                                label=p["name"])
    else:
        v = p["initial"]["v"]
        initial = RandomDistribution("uniform", low=v["low"], high=v["high"], rng=rng)
        populations[p["name"]] = sim.Population(p["size"], sim.IF_cond_exp(**cell),
                                                initial_values={"v": initial}, label=p["name"])
for q in description["projection"]:
    connector = sim.FixedProbabilityConnector(q["connector"]["p"], rng=rng)
    synapse = sim.StaticSynapse(weight=q["weight"], delay=q["delay"])
    sim.Projection(populations[q["pre"]], populations[q["post"]], connector, synapse,
                   receptor_type=q.get("receptor", "excitatory"))
for name in description["record"]["spikes"]:
    populations[name].record("spikes")
built = time.perf_counter()
sim.run(description["simulation"]["t_stop"])
ran = time.perf_counter()
counts = {name: sum(len(t) for t in populations[name].get_data().segments[0].spiketrains)
          for name in description["record"]["spikes"]}
print(json.dumps({"build": built - started, "run": ran - built,
                  "read": time.perf_counter() - ran, "spikes": counts}))
"""


def child(command):
    """Run `command`; return (wall s, CPU s of the child, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def span(values):
    return f"{min(values):.2f}–{max(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exactspike", default=os.path.join(ROOT, "target/release/exactspike"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with open(FILE, "rb") as f:
        description = tomllib.load(f)
    profile = os.path.join(os.path.dirname(FILE), description["population"][0]["profile"])
    t_stop = description["simulation"]["t_stop"]
    results = {"cli": [], "pynn": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "coba.h5")
        for _ in range(args.repeat):
            wall, cpu, _ = child([args.exactspike, "run", FILE, "--out", out, "--overwrite",
                                  "--quiet", "--threads", str(args.threads)])
            results["cli"].append({"wall": wall, "cpu": cpu})
            wall, cpu, printed = child([sys.executable, "-c", PYNN_SCRIPT, FILE, profile,
                                        str(args.threads)])
            results["pynn"].append({"wall": wall, "cpu": cpu, **json.loads(printed)})
    cli_wall = [r["wall"] for r in results["cli"]]
    cli_cpu = [r["cpu"] for r in results["cli"]]
    py_wall = [r["wall"] for r in results["pynn"]]
    py_cpu = [r["cpu"] for r in results["pynn"]]
    print(f"COBA benchmark ({FILE}), {args.threads} thread(s), {args.repeat} alternating runs")
    print(f"  command line: wall {span(cli_wall)} s, CPU {span(cli_cpu)} s")
    print(f"  PyNN:         wall {span(py_wall)} s, CPU {span(py_cpu)} s "
          f"(build {span([r['build'] for r in results['pynn']])} s, "
          f"run {span([r['run'] for r in results['pynn']])} s, "
          f"neo {span([r['read'] for r in results['pynn']])} s)")
    ratios_wall = [p / c for p, c in zip(py_wall, cli_wall)]
    ratios_cpu = [p / c for p, c in zip(py_cpu, cli_cpu)]
    print(f"  PyNN / command line: wall {span(ratios_wall)}, CPU {span(ratios_cpu)} "
          f"(per alternating pair)")
    spikes = results["pynn"][-1]["spikes"]
    sizes = {p["name"]: p["size"] for p in description["population"]}
    rates = {name: n / sizes[name] / (t_stop / 1000.0) for name, n in spikes.items()}
    print("  PyNN rates: " + ", ".join(f"{k} {v:.1f} Hz" for k, v in rates.items()))
    print(json.dumps(results))


if __name__ == "__main__":
    main()

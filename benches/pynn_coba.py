#!/usr/bin/env python3
"""The COBA benchmark (experiments/coba_benchmark.toml) built and run through PyNN on exactspike
(`pyNN.exactspike`) against the same file run by the command line, alternating, on the same
machine: wall and CPU time of each whole process (start, network construction, run, output),
firing rates, and the ratio PyNN / command line.

Usage (in a venv with `pip install ".[pynn]"`)
    python benches/pynn_coba.py --exactspike target/release/exactspike [--repeat 3] [--threads 1]
                                [--rng native|numpy]

The PyNN script (experiments/pynn_coba_benchmark.py) builds the file's network with PyNN's
FixedProbabilityConnector and a RandomDistribution for the initial potentials. With
`--rng native` (the default) both draw
with `sim.NativeRNG()`, as NEST users do with `pyNN.nest.NativeRNG`: exactspike then makes the
connections itself, from the same streams as the file, so the two runs are the same network
and give the same spikes (the bench prints whether the counts agree). With `--rng numpy` PyNN draws every
connection in Python with a NumpyRNG: the same network in distribution only.

The command line writes its HDF5 file; the PyNN run keeps its spikes in memory and reads them
into neo at the end, as one array of channel ids and one of times
(`segment.spiketrains.multiplexed`, neo's lazy SpikeTrainList; making a neo SpikeTrain object
per neuron costs neo about 0.2 ms each, on any backend). CPU time is summed over threads
(getrusage of each child process). Figures are reported as ranges over the repeats.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = os.path.join(ROOT, "experiments", "coba_benchmark.toml")

# The PyNN script, run as a child process: it prints its phase times and spike counts.
PYNN_SCRIPT = os.path.join(ROOT, "experiments", "pynn_coba_benchmark.py")


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
    parser.add_argument("--rng", choices=("native", "numpy"), default="native",
                        help="random numbers of the PyNN script's connector and initial values")
    args = parser.parse_args()
    results = {"cli": [], "pynn": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "coba.h5")
        for _ in range(args.repeat):
            wall, cpu, printed = child([args.exactspike, "run", FILE, "--out", out,
                                        "--overwrite", "--threads", str(args.threads)])
            results["cli"].append({"wall": wall, "cpu": cpu, "printed": printed})
            wall, cpu, printed = child([sys.executable, PYNN_SCRIPT, "--threads",
                                        str(args.threads), "--rng", args.rng])
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
    rates = results["pynn"][-1]["rates"]
    print("  PyNN rates: " + ", ".join(f"{k} {v:.1f} Hz" for k, v in rates.items()))
    cli_spikes = int(re.search(r"(\d+) neuron spikes", results["cli"][-1]["printed"]).group(1))
    same = "the same count" if cli_spikes == sum(spikes.values()) else "a different count"
    print(f"  spikes: command line {cli_spikes}, PyNN {sum(spikes.values())} ({same})")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The same deterministic ensemble in exactspike and in NEST 3.10, side by side: CPU time of the
sampling run, biological seconds per wall second, and a check that both run the same network
(mean rate and median D_KL).

exactspike runs `experiments/ensemble_small.toml` without training, scaled to --networks networks
and --T ms of sampling (`exactspike sample`; its calibrations are not part of the comparison:
exactspike's figure is the engine time of the sampling run it prints, and its process CPU time is
reported too). NEST then runs the network that run used, read from its HDF5 file: iaf_cond_exp
samplers with the translated resting potentials (/sampling/v_rest), the couplings of
/sampling/synaptic_weights through tsodyks2 synapses (U = u = 1, tau_rec = tau_syn, tau_fac = 0,
x = 1: renewing, as in benches/nest_sampling.py) with the sampler delay 0.1 ms, and the background
of /background/sources_exc and sources_inh through static synapses (weights and delay from
/background); its kick as in exactspike (V_m uniform in [V_th - 5, V_th), g_ex uniform in
[0, 50 nS)); resolution 0.1 ms. Both run on --threads threads (default one, where exactspike's
engine time is its CPU time). NEST's figure is the CPU time of Simulate; with more than one
thread the wall times of the two are compared as well.

Usage (NEST 3.10, numpy, h5py; `python3 benches/nest_sampling.py --install` makes such a venv):
    cargo build --release
    python3 benches/nest_ensemble.py [--networks 100] [--T 10000] [--repeat 3]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "experiments"))
from nest_sampling import SBS, boltzmann, dkl, nest_reset, occupancy, spikes_by_neuron  # noqa: E402
from runs import ensemble_example  # noqa: E402

KICK_NS = 50.0  # exactspike's DEFAULT_KICK, 0.05 uS
INITIAL_V_WIDTH = 5.0  # mV below V_th


def run_exactspike(binary, toml, out, threads):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [binary, "sample", toml, "--out", out, "--overwrite", "--threads", str(threads)]
    proc = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("t = "))
    engine = float(line.split("wall ")[1].split(" s")[0])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return engine, cpu, line


def network_of(h5):
    with h5py.File(h5, "r") as f:
        s, b = f["sampling"], f["background"]
        return {
            "v_rest": s["v_rest"][:].ravel(),
            "weights": s["synaptic_weights"][:],          # [net, pre, post] uS, negative: inhibitory
            "W": s["weights_target"][:], "b": s["biases_target"][:],
            "sources": (b["sources_exc"][:], b["sources_inh"][:]),
            "background_weights": (float(b.attrs["weight_exc"]), float(b.attrs["weight_inh"])),
            "background_delay": float(b.attrs["delay"]),
            "burn_in": float(s.attrs["burn_in"]), "t_sample": float(s.attrs["t_sample"]),
            "dkl": float(np.median(s["dkl_sampled_target"][-1])),
            "spikes": len(f["spikes/samplers/times"]),
        }


def run_nest(net, dt, threads, seed):
    nest = nest_reset(dt, threads, seed)
    v_rest = net["v_rest"]
    nets, n, _ = net["weights"].shape
    p = SBS
    neurons = nest.Create("iaf_cond_exp", len(v_rest), params={
        "C_m": p["cm"] * 1e3, "g_L": p["cm"] / p["tau_m"] * 1e3, "E_ex": p["e_rev_E"],
        "E_in": p["e_rev_I"], "V_th": p["v_thresh"], "V_reset": p["v_reset"],
        "tau_syn_ex": p["tau_syn_E"], "tau_syn_in": p["tau_syn_I"], "t_ref": p["tau_refrac"], "I_e": 0.0})
    rng = np.random.default_rng(seed)
    neurons.set({"E_L": v_rest.tolist(),
                 "V_m": rng.uniform(p["v_thresh"] - INITIAL_V_WIDTH, p["v_thresh"], len(v_rest)).tolist(),
                 "g_ex": rng.uniform(0.0, KICK_NS, len(v_rest)).tolist()})
    ids = np.asarray(neurons.tolist())
    pre, post, weight = [], [], []
    for k in range(nets):
        i, j = np.nonzero(net["weights"][k])
        pre.append(ids[k * n + i]); post.append(ids[k * n + j]); weight.append(net["weights"][k][i, j] * 1e3)
    weight = np.concatenate(weight)
    m = len(weight)
    nest.Connect(np.concatenate(pre), np.concatenate(post), "one_to_one", {
        "synapse_model": "tsodyks2_synapse", "U": np.ones(m), "u": np.ones(m), "x": np.ones(m),
        "tau_fac": np.zeros(m), "tau_rec": np.full(m, p["tau_syn_E"]), "weight": weight,
        "delay": np.full(m, 0.1)})
    for sources, w in zip(net["sources"], (net["background_weights"][0], -net["background_weights"][1])):
        k = sources.shape[1]
        nest.Connect(ids[sources.ravel()], np.repeat(ids, k), "one_to_one", {
            "synapse_model": "static_synapse", "weight": np.full(sources.size, w * 1e3),
            "delay": np.full(sources.size, net["background_delay"])})
    rec = nest.Create("spike_recorder")
    nest.Connect(neurons, rec)
    t_stop = net["burn_in"] + net["t_sample"]
    cpu, wall = time.process_time(), time.perf_counter()
    nest.Simulate(t_stop)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    spikes = spikes_by_neuron(rec, neurons)
    d = [dkl(occupancy(spikes[k * n:(k + 1) * n], net["burn_in"], t_stop, p["tau_refrac"]),
             boltzmann(net["W"][k], net["b"][k])) for k in range(nets)]
    return cpu, wall, sum(len(s) for s in spikes), float(np.median(d))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    ap.add_argument("--networks", type=int, default=100)
    ap.add_argument("--T", type=float, default=10000.0, help="sampling time [ms]")
    ap.add_argument("--dt", type=float, default=0.1, help="NEST resolution [ms]")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of each simulator")
    ap.add_argument("--threads", type=int, default=1, help="threads of each simulator")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="nest_ensemble_")
    toml, out = os.path.join(work, "ensemble.toml"), os.path.join(work, "ensemble.h5")
    with open(toml, "w") as f:
        f.write(ensemble_example(args.networks, args.T, training=False))
    es, ns = [], []
    for r in range(args.repeat):
        engine, cpu, line = run_exactspike(args.exactspike, toml, out, args.threads)
        es.append((engine, cpu))
        net = network_of(out)
        ns.append(run_nest(net, args.dt, args.threads, 1 + r))
        print(f"run {r + 1}: exactspike engine {engine:.2f} s (process CPU {cpu:.2f} s with its calibrations);"
              f" NEST Simulate CPU {ns[-1][0]:.2f} s", file=sys.stderr)
    bio = (net["burn_in"] + net["t_sample"]) / 1000.0
    engine = np.array([e for e, _ in es])
    nest_cpu = np.array([c for c, _, _, _ in ns])
    rate = lambda spikes: spikes / (len(net["v_rest"]) * bio)
    print(f"{args.networks} networks x {net['weights'].shape[1]} samplers, {net['sources'][0].shape[1]}"
          f" + {net['sources'][1].shape[1]} background inputs each, {bio:.1f} s of biological time")
    print(f"exactspike: engine {np.median(engine):.2f} s (range {engine.min():.2f}-{engine.max():.2f}),"
          f" {bio / np.median(engine):.1f} bio-s per wall-s; rate {rate(net['spikes']):.1f} Hz,"
          f" median D_KL {net['dkl']:.4f}")
    print(f"NEST {args.dt} ms: Simulate CPU {np.median(nest_cpu):.2f} s (range {nest_cpu.min():.2f}-{nest_cpu.max():.2f}),"
          f" {bio / np.median(nest_cpu):.2f} bio-s per CPU-s; rate {rate(ns[-1][2]):.1f} Hz, median D_KL {ns[-1][3]:.4f}")
    print(f"ratio NEST CPU / exactspike engine wall ({args.threads} thread(s) each):"
          f" {np.median(nest_cpu) / np.median(engine):.1f}x"
          f" (range {nest_cpu.min() / engine.max():.1f}-{nest_cpu.max() / engine.min():.1f})")
    if args.threads > 1:
        nest_wall = np.array([w for _, w, _, _ in ns])
        print(f"wall ratio NEST / exactspike: {np.median(nest_wall) / np.median(engine):.1f}x"
              f" (range {nest_wall.min() / engine.max():.1f}-{nest_wall.max() / engine.min():.1f})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""NEST oracle for exactspike's Tsodyks–Markram synapse (src/synapse/tso.rs; test `nest_tsodyks2_conductances`
in tests/it/tso.rs).

A fixed spike train on NEST's 0.1 ms grid goes through a `tsodyks2_synapse` (delay 1 ms, weight 5 nS)
onto an `iaf_cond_exp` (tau_syn_ex = 10 ms, V_th out of reach) for each parameter set below, and a
multimeter records `g_ex` [nS] every 0.1 ms. NEST delivers the spike emitted at step t at the end of
step t + d, so the sample at t + d already contains the jump; the conductance decays exactly between
inputs (NEST integrates it with GSL's adaptive RK45; the script checks it against the closed form
and stores the largest relative deviation in the fixture, ~1e-13).

`spike_generator` cannot drive plastic synapses, so it feeds a `parrot_neuron` (static, delay 0.1 ms)
that re-emits each spike 0.1 ms later; `source_times` are the parrot's emission times, which an
exactspike `SpikeSourceArray` reproduces with the same 1 ms delay. Only a subset of the samples is
stored (every arrival step, the step after, and every 10th step) to keep the fixture small.

Run:  /work/venv/bin/python tests/oracles/nest_tsodyks2.py > tests/fixtures/nest_tsodyks2.json
"""
import contextlib
import json
import math
import os

with contextlib.redirect_stdout(open(os.devnull, "w")):
    import nest

RESOLUTION = 0.1
GENERATOR_STEPS = [20, 50, 55, 60, 61, 100, 203, 210, 357, 360, 362, 600, 615, 900, 901]
PARROT_DELAY_STEPS = 1
DELAY_STEPS = 10
WEIGHT_NS = 5.0
TAU_SYN_EX = 10.0
T_STOP_STEPS = 1200
CASES = [
    {"U": 1.0, "tau_rec": 10.0, "tau_fac": 0.0},     # renewing (spike-based sampling)
    {"U": 0.5, "tau_rec": 800.0, "tau_fac": 0.0},    # PyNN / NEST defaults: depression
    {"U": 0.3, "tau_rec": 50.0, "tau_fac": 100.0},   # depression and facilitation
    {"U": 0.1, "tau_rec": 20.0, "tau_fac": 500.0},   # facilitation dominates
]


def closed_form(case, arrivals, t):
    """g_ex [nS] at t from tsodyks2's equations (NEST 3: x = 1, u = U, no recovery before the
    first spike) and exact exponential decay, in double precision."""
    x, u, last, g, t_g = 1.0, case["U"], None, 0.0, 0.0
    for a in arrivals:
        if a > t + 1e-9:
            break
        if last is not None:
            h = a - last
            x = 1.0 + (x - x * u - 1.0) * math.exp(-h / case["tau_rec"])
            fd = 0.0 if case["tau_fac"] == 0.0 else math.exp(-h / case["tau_fac"])
            u = case["U"] + u * (1.0 - case["U"]) * fd
        g = g * math.exp(-(a - t_g) / TAU_SYN_EX) + x * u * WEIGHT_NS
        t_g, last = a, a
    return g * math.exp(-(t - t_g) / TAU_SYN_EX)


def main():
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.set(local_num_threads=1, resolution=RESOLUTION)
    times = [k * RESOLUTION for k in GENERATOR_STEPS]
    sg = nest.Create("spike_generator", {"spike_times": times})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(sg, parrot, syn_spec={"delay": PARROT_DELAY_STEPS * RESOLUTION})
    neurons = []
    for case in CASES:
        n = nest.Create("iaf_cond_exp", {"V_th": 1e6, "tau_syn_ex": TAU_SYN_EX})
        nest.Connect(parrot, n, syn_spec={
            "synapse_model": "tsodyks2_synapse", "weight": WEIGHT_NS,
            "delay": DELAY_STEPS * RESOLUTION, "U": case["U"], "u": case["U"], "x": 1.0,
            "tau_rec": case["tau_rec"], "tau_fac": case["tau_fac"]})
        neurons.append(n)
    mm = nest.Create("multimeter", {"record_from": ["g_ex"], "interval": RESOLUTION})
    nest.Connect(mm, nest.NodeCollection([n.global_id for n in neurons]))
    nest.Simulate(T_STOP_STEPS * RESOLUTION)

    source_steps = [k + PARROT_DELAY_STEPS for k in GENERATOR_STEPS]
    arrival_steps = [k + DELAY_STEPS for k in source_steps]
    keep = sorted({k for a in arrival_steps for k in (a, a + 1)} | set(range(10, T_STOP_STEPS, 10)))
    ev = mm.events
    out_cases, worst = [], 0.0
    for case, n in zip(CASES, neurons):
        sel = ev["senders"] == n.global_id
        steps = [round(t / RESOLUTION) for t in ev["times"][sel]]
        g = dict(zip(steps, ev["g_ex"][sel].tolist()))
        arrivals = [k * RESOLUTION for k in arrival_steps]
        for k in steps:
            ref = closed_form(case, arrivals, k * RESOLUTION)
            if ref > 0:
                worst = max(worst, abs(g[k] - ref) / ref)
            else:
                assert g[k] == 0.0
        out_cases.append({**case, "steps": keep, "g_ex_nS": [g[k] for k in keep]})
    print(json.dumps({
        "generator": "tests/oracles/nest_tsodyks2.py",
        "nest_version": nest.__version__,
        "resolution_ms": RESOLUTION,
        "weight_nS": WEIGHT_NS,
        "delay_ms": DELAY_STEPS * RESOLUTION,
        "tau_syn_ex_ms": TAU_SYN_EX,
        "source_times_ms": [k / 10 for k in source_steps],
        "max_rel_deviation_nest_vs_closed_form": worst,
        "cases": out_cases,
    }, indent=1))


if __name__ == "__main__":
    main()

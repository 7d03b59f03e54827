"""Shared helpers for the exactspike oracle scripts (not an oracle itself).

* Poisson source-time generation with a fixed numpy Generator seed.
* Experiment-TOML text generation in the exact shape exactspike reads.
* Fixture JSON writing.

All floats written to TOML/JSON use repr() (shortest round-trip form), so the
float64 value the oracle uses is exactly the value Rust parses.
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))

DELAY = 1.0

COND_PARAM_ORDER = ["cm", "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I",
                    "e_rev_E", "e_rev_I", "v_rest", "v_reset", "v_thresh", "i_offset"]
CURR_PARAM_ORDER = ["cm", "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I",
                    "v_rest", "v_reset", "v_thresh", "i_offset"]


def poisson_source_times(rng, rate_khz, t_end, t_start=0.0, decimals=6):
    """Source (pre-delay) spike times of a homogeneous Poisson process on
    (t_start, t_end), rate in kHz (= 1/ms).  Times are rounded to `decimals`
    decimal places to keep fixtures small; after rounding they are made strictly
    increasing and > 0.  The stored float64 value is the value used."""
    n_guess = int(rate_khz * (t_end - t_start) * 1.2 + 100)
    out = []
    t = t_start
    while True:
        isi = rng.exponential(1.0 / rate_khz, size=n_guess)
        cs = t + np.cumsum(isi)
        keep = cs[cs < t_end]
        out.extend(keep.tolist())
        if len(keep) < len(cs):
            break
        t = float(cs[-1])
    ts = [round(x, decimals) for x in out]
    res = []
    for x in ts:
        if x <= 0.0:
            continue
        if res and x <= res[-1]:
            continue  # drop (extremely rare) duplicate after rounding
        res.append(x)
    return res


def arrivals(source_times):
    """Arrival times exactly as Rust computes them: t + 1.0 in float64."""
    return [float(np.float64(t) + np.float64(DELAY)) for t in source_times]


def fmt(x):
    return repr(float(x))


def params_inline(model, p):
    order = COND_PARAM_ORDER if model == "IF_cond_exp" else CURR_PARAM_ORDER
    assert set(p) == set(order), (set(p) ^ set(order))
    return "{ " + ", ".join(f"{k} = {fmt(p[k])}" for k in order) + " }"


def experiment_toml(model, params, v_init, t_stop, exc_times, inh_times,
                    w_exc, w_inh, seed=1):
    """Full experiment TOML text.  exc_times / inh_times are SOURCE times
    (arrival = t + 1.0).  Empty lists -> the corresponding source/projection is
    omitted.  w_inh is given with the sign exactactspike expects (conductance:
    positive uS; current: negative nA)."""
    lines = [
        "[simulation]",
        f"t_stop = {fmt(t_stop)}",
        f"seed = {seed}",
        "",
        "[[population]]",
        'name = "neuron"',
        "size = 1",
        f'model = "{model}"',
        f"params = {params_inline(model, params)}",
        f"initial = {{ v = {fmt(v_init)} }}",
    ]
    srcs = []
    if exc_times:
        srcs.append(("exc_in", exc_times, w_exc, "excitatory"))
    if inh_times:
        srcs.append(("inh_in", inh_times, w_inh, "inhibitory"))
    for name, times, _, _ in srcs:
        lines += [
            "",
            "[[population]]",
            f'name = "{name}"',
            "size = 1",
            'model = "SpikeSourceArray"',
            "params = { spike_times = [" + ", ".join(fmt(t) for t in times) + "] }",
        ]
    for name, _, w, rec in srcs:
        lines += [
            "",
            "[[projection]]",
            f'pre = "{name}"',
            'post = "neuron"',
            'connector = { type = "all_to_all" }',
            f"weight = {fmt(w)}",
            f"delay = {fmt(DELAY)}",
            f'receptor = "{rec}"',
        ]
    lines += ["", "[record]", 'spikes = ["neuron"]', ""]
    return "\n".join(lines)


def write_fixture(name, obj):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name + ".json")
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    return path, os.path.getsize(path)

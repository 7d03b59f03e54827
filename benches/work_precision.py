#!/usr/bin/env python3
"""Work–precision: one neuron per model under the same recorded input, in exactspike, NEST 3.10
and Brian2 (cpp_standalone) at dt = 0.1, 0.01 and 0.001 ms; spike-time error against the exact
reference (exactspike, checked against scipy DOP853 at rtol 1e-12 in tests/fixtures) and the
time of the simulation loop. Writes docs/work_precision.json and docs/images/work_precision.png.

Usage
    python3 benches/work_precision.py --install      # venv target/bench-venv (NEST, Brian2), then run
    python3 benches/work_precision.py [--exactspike BIN] [--t-stop 20000]
    python3 benches/work_precision.py --plot-only     # redraw the picture from the JSON

Models: the COBA benchmark's IF_cond_exp (tau_syn 5/10 ms; NEST iaf_cond_exp, Brian2 exponential
Euler) and IF_curr_exp with the CUBA benchmark's parameters but v_rest = -60 mV (NEST
iaf_psc_exp and the precise iaf_psc_exp_ps, Brian2 exact linear updates). Input: one excitatory
and one inhibitory Poisson train (seeded, the same times for every simulator, on the 0.001 ms
grid: delivered exactly at dt = 0.001; at coarser steps NEST rounds them up to its grid, Brian2
to the nearest step). Error: the median |Δt| of the
reference spikes matched within 1 ms, and the number of spikes missed or added.
"""
import argparse
import numpy as np
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nest_sampling import install  # noqa: E402
from side_by_side import brian2_cell, brian2_run, brian2_standalone  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PYNEST_QUIET", "1")

COBA = dict(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-80.0)
CUBA = dict(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0)
# (model, params, exc rate [Hz], exc weight [uS or nA], inh rate, inh weight)
CASES = [("IF_cond_exp", COBA, 4000.0, 0.004, 1000.0, 0.02),
         ("IF_curr_exp", CUBA, 4000.0, 0.05, 1000.0, -0.1)]
DTS = [0.1, 0.01, 0.001]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def poisson(rate, t_stop, rng):
    n = rng.poisson(rate * t_stop / 1e3)
    return sorted(set(round(float(t), 3) for t in rng.uniform(0.1, t_stop, n)))


def run_exactspike(binary, model, params, trains, weights, t_stop):
    import h5py
    cell = ", ".join(f"{k} = {v!r}" for k, v in params.items())
    text = f"""[simulation]
t_stop = {t_stop!r}
[[population]]
name = "neuron"
size = 1
model = "{model}"
params = {{ {cell} }}
initial = {{ v = {params['v_rest']!r} }}
"""
    for name, times, w in zip(("exc", "inh"), trains, weights):
        text += f"""[[population]]
name = "{name}"
size = 1
model = "SpikeSourceArray"
params = {{ spike_times = [{", ".join(repr(t) for t in times)}] }}
[[projection]]
pre = "{name}"
post = "neuron"
connector = {{ type = "all_to_all" }}
weight = {w!r}
delay = 0.1
receptor = "{'excitatory' if name == 'exc' else 'inhibitory'}"
"""
    text += '[record]\nspikes = ["neuron"]\n'
    with tempfile.TemporaryDirectory() as tmp:
        path, out = os.path.join(tmp, "wp.toml"), os.path.join(tmp, "wp.h5")
        with open(path, "w") as f:
            f.write(text)
        proc = subprocess.run([binary, "run", path, "--out", out], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"exactspike failed: {proc.stderr}")
        loop = float(re.search(r"wall ([0-9.]+) s", proc.stdout + proc.stderr).group(1))
        with h5py.File(out, "r") as f:
            spikes = list(f["spikes/neuron/times"][:])
    return spikes, loop


def run_nest(model, params, trains, weights, t_stop, dt, precise=False):
    import nest
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": dt})
    p = params
    cell = dict(C_m=p["cm"] * 1e3, E_L=p["v_rest"], V_th=p["v_thresh"], V_reset=p["v_reset"],
                t_ref=p["tau_refrac"], V_m=p["v_rest"], tau_syn_ex=p["tau_syn_E"],
                tau_syn_in=p["tau_syn_I"])
    if model == "IF_cond_exp":
        name = "iaf_cond_exp"
        cell.update(g_L=p["cm"] / p["tau_m"] * 1e3, E_ex=p["e_rev_E"], E_in=p["e_rev_I"])
    else:
        name = "iaf_psc_exp_ps" if precise else "iaf_psc_exp"
        cell.update(tau_m=p["tau_m"])
    neuron = nest.Create(name, params=cell)
    for k, (times, w) in enumerate(zip(trains, weights)):
        # Off-grid times are kept by precise models and rounded up to the grid otherwise.
        gen = nest.Create("spike_generator", params={
            "spike_times": times, "precise_times": precise, "allow_offgrid_times": not precise})
        # NEST: nS or pA; the sign of a conductance weight picks the inhibitory receptor.
        w_nest = w * 1e3 if model == "IF_curr_exp" or k == 0 else -abs(w) * 1e3
        nest.Connect(gen, neuron, syn_spec={"weight": w_nest, "delay": 0.1})
    rec = nest.Create("spike_recorder")
    nest.Connect(neuron, rec)
    w0 = time.time()
    nest.Simulate(t_stop)
    return list(rec.events["times"]), time.time() - w0


def run_brian2(model, params, trains, weights, t_stop, dt, workdir):
    import brian2 as b2
    brian2_standalone(workdir, 1, dt, 1)
    eqs, ns, method, receptors, unit = brian2_cell(model, params)
    p = params
    neuron = b2.NeuronGroup(1, eqs, threshold=f"v > {p['v_thresh']}*mV",
                            reset=f"v = {p['v_reset']}*mV", refractory=p["tau_refrac"] * b2.ms,
                            method=method, namespace=ns)
    neuron.v = p["v_rest"] * b2.mV
    objects = [neuron]
    for times, w, receptor in zip(trains, weights, receptors):
        # Brian2 delivers inputs on its grid (times rounded to it). A generator neuron may not
        # spike twice in one step: the k-th spike of a step goes to generator neuron k.
        steps = np.round(np.asarray(times) / dt).astype(np.int64)
        channel = np.zeros(len(steps), dtype=np.int64)
        for i in range(1, len(steps)):
            channel[i] = channel[i - 1] + 1 if steps[i] == steps[i - 1] else 0
        gen = b2.SpikeGeneratorGroup(int(channel.max()) + 1, channel, steps * dt * b2.ms)
        syn = b2.Synapses(gen, neuron, on_pre=f"{receptor} += {abs(w) if unit == b2.uS else w}*{unit.name}",
                          delay=0.1 * b2.ms)
        syn.connect()
        objects += [gen, syn]
    mon = b2.SpikeMonitor(neuron)
    loop, _ = brian2_run(workdir, objects + [mon], t_stop)
    return list(mon.t[:] / b2.ms), loop


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--install", action="store_true")
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "bench-venv"))
    ap.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    ap.add_argument("--t-stop", type=float, default=20000.0)
    args = ap.parse_args()
    if args.install:
        install(args.venv, ("brian2", "numpy<2.4", "h5py", "matplotlib"), __file__)
    rng = np.random.default_rng(2007)
    results = []
    for model, params, r_e, w_e, r_i, w_i in CASES:
        trains = [poisson(r_e, args.t_stop, rng), poisson(r_i, args.t_stop, rng)]
        ref, loop = run_exactspike(args.exactspike, model, params, trains, [w_e, w_i], args.t_stop)
        log(f"{model}: {len(ref)} reference spikes, exactspike {loop:.3f} s")
        results.append(dict(model=model, simulator="exactspike", dt=None, loop=loop, error=0.0,
                            missed=0, added=0))
        variants = [("NEST", False)] + ([("NEST precise", True)] if model == "IF_curr_exp" else [])
        for label, precise in variants:
            for dt in DTS:
                got, loop = run_nest(model, params, trains, [w_e, w_i], args.t_stop, dt, precise)
                results.append(dict(model=model, simulator=label, dt=dt, loop=loop,
                                    **compare(ref, got)))
                log(results[-1])
        with tempfile.TemporaryDirectory() as tmp:
            for dt in DTS:
                got, loop = run_brian2(model, params, trains, [w_e, w_i], args.t_stop, dt,
                                       os.path.join(tmp, f"dt{dt}"))
                results.append(dict(model=model, simulator="Brian2", dt=dt, loop=loop,
                                    **compare(ref, got)))
                log(results[-1])
    with open(os.path.join(ROOT, "docs", "work_precision.json"), "w") as f:
        json.dump(dict(t_stop=args.t_stop, results=results), f, indent=1)
    plot(results, args.t_stop, os.path.join(ROOT, "docs", "images", "work_precision.png"))


def plot(results, t_stop, path):
    """Loop time against median spike-time error, one panel per model, log-log."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    styles = {"NEST": ("o-", "C0"), "NEST precise": ("s-", "C1"), "Brian2": ("^-", "C2")}
    for ax, model in zip(axes, ["IF_cond_exp", "IF_curr_exp"]):
        rows = [r for r in results if r["model"] == model]
        for sim, (style, colour) in styles.items():
            pts = [r for r in rows if r["simulator"] == sim]
            if pts:
                # Errors below 1e-13 ms (identical times) are drawn at 1e-13.
                errors = [max(r["error"], 1e-13) for r in pts]
                ax.plot(errors, [r["loop"] for r in pts], style, color=colour, label=sim)
                for r, e in zip(pts, errors):
                    ax.annotate(f"{r['dt']} ms", (e, r["loop"]), fontsize=7,
                                textcoords="offset points", xytext=(4, 4))
        es = next(r for r in rows if r["simulator"] == "exactspike")
        # exactspike is the reference; its own error is its oracle error (scipy DOP853, tests).
        ax.plot([1e-12], [es["loop"]], "*", markersize=14, color="k",
                label="exactspike (≤ 1e-12 ms vs DOP853)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(model)
        ax.set_xlabel("median spike-time error [ms]")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(f"simulation loop [s] for {t_stop / 1e3:g} s, one neuron")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def compare(ref, got):
    ref, got = np.asarray(ref), np.asarray(got)
    if len(got) == 0:
        return dict(error=float("nan"), missed=len(ref), added=0)
    idx = np.clip(np.searchsorted(got, ref), 1, len(got) - 1)
    nearest = np.where(np.abs(got[idx - 1] - ref) < np.abs(got[idx] - ref), got[idx - 1], got[idx])
    d = np.abs(nearest - ref)
    matched = d < 1.0
    return dict(error=float(np.median(d[matched])) if matched.any() else float("nan"),
                missed=int((~matched).sum()), added=int(max(len(got) - matched.sum(), 0)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--plot-only"]:
        with open(os.path.join(ROOT, "docs", "work_precision.json")) as f:
            data = json.load(f)
        plot(data["results"], data["t_stop"], os.path.join(ROOT, "docs", "images", "work_precision.png"))
    else:
        main()

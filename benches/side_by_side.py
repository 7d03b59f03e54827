#!/usr/bin/env python3
"""The COBA and CUBA benchmarks (Brette et al. 2007) in exactspike, NEST 3.10 and Brian2
(cpp_standalone), in one run, on the same machine: the time of the simulation loop itself
(network construction, compilation and output excluded), the CPU time of the process that runs
it (construction included for exactspike and Brian2's binary), firing rates, and the ratios.

Usage
    python3 benches/side_by_side.py --install --exactspike target/release/exactspike
        # venv target/bench-venv with NEST 3.10, Brian2, numpy, h5py, then run
    python3 benches/side_by_side.py --exactspike BIN [--bench coba cuba] [--threads 1] [--repeat 3]

The networks are read from experiments/{coba,cuba,coba_equal_tau}_benchmark.toml
(sizes, cell parameters, connection probability, weights, delay, stimulus, t_stop), so all three
simulators run the file exactspike runs: NEST with iaf_cond_exp / iaf_psc_exp (0.1 ms grid;
stimulus through parrot neurons so that each of the 20 sources has one train), Brian2 with the
same equations (0.1 ms; exact updates for CUBA, exponential Euler for COBA, whose membrane
equation Brian2 cannot solve exactly). The stimulus delay (0.2 ms) is split in NEST between the
generator -> parrot and the parrot -> neuron connections. Connectivity and
initial potentials are drawn by each simulator from its own generator, so rates agree in
distribution, not spike by spike. CPU time is that of the process (NEST) or of the child that
runs the simulation (Brian2's compiled binary, exactspike), summed over threads. The loop's time
is NEST's `Simulate`, Brian2's `device._last_run_time` and the wall time exactspike prints for
its run. All three run on --threads threads (exactspike `--threads`, NEST `local_num_threads`,
Brian2 OpenMP). Each figure is the best of --repeat runs.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nest_sampling import install  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PYNEST_QUIET", "1")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def network(name):
    """The benchmark `name` (coba | cuba | coba_equal_tau) as a dict, from its TOML file."""
    path = os.path.join(ROOT, "experiments", f"{name}_benchmark.toml")
    with open(path, "rb") as f:
        exp = tomllib.load(f)
    pops = {p["name"]: p for p in exp["population"]}
    cell = pops["exc"]
    if "profile" in cell:
        with open(os.path.join(os.path.dirname(path), cell["profile"]), "rb") as f:
            profile = tomllib.load(f)
        model, params = profile["model"], profile["params"]
    else:
        model, params = cell["model"], cell["params"]
    proj = {(p["pre"], p["post"]): p for p in exp["projection"]}
    ee, ie = proj[("exc", "exc")], proj[("inh", "exc")]
    stim = pops.get("stimulus")
    return dict(
        path=path, model=model, params=params, t_stop=exp["simulation"]["t_stop"],
        n_exc=pops["exc"]["size"], n_inh=pops["inh"]["size"],
        v_init=(cell["initial"]["v"]["low"], cell["initial"]["v"]["high"]),
        p=ee["connector"]["p"], w_exc=ee["weight"], w_inh=ie["weight"], delay=ee["delay"],
        stimulus=None if stim is None else dict(
            size=stim["size"], rate=stim["params"]["rate"], duration=stim["params"]["duration"],
            p=proj[("stimulus", "exc")]["connector"]["p"], weight=proj[("stimulus", "exc")]["weight"],
            delay=proj[("stimulus", "exc")].get("delay", 0.1)),
    )


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_exactspike(binary, net, threads):
    import h5py
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.h5")
        c0, w0 = child_cpu(), time.time()
        proc = subprocess.run([binary, "run", net["path"], "--out", out, "--threads", str(threads)],
                              check=True, capture_output=True, text=True)
        wall, cpu = time.time() - w0, child_cpu() - c0
        loop = float(re.search(r"wall ([0-9.]+) s", proc.stdout + proc.stderr).group(1))
        with h5py.File(out, "r") as f:
            rates = [len(f[f"spikes/{p}/times"]) / net[f"n_{p}"] / net["t_stop"] * 1e3
                     for p in ("exc", "inh")]
    return dict(cpu=cpu, wall=wall, loop=loop, rates=rates)


def run_nest(net, threads, seed):
    import nest
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": seed})
    p = net["params"]
    cond = net["model"] == "IF_cond_exp"
    cell = dict(C_m=p["cm"] * 1e3, g_L=p["cm"] / p["tau_m"] * 1e3, E_L=p["v_rest"],
                V_th=p["v_thresh"], V_reset=p["v_reset"], t_ref=p["tau_refrac"],
                I_e=p.get("i_offset", 0.0) * 1e3)
    if cond:
        cell.update(E_ex=p["e_rev_E"], E_in=p["e_rev_I"], tau_syn_ex=p["tau_syn_E"],
                    tau_syn_in=p["tau_syn_I"])
        model = "iaf_cond_exp"
    else:
        cell.update(tau_m=p["tau_m"], tau_syn_ex=p["tau_syn_E"], tau_syn_in=p["tau_syn_I"])
        del cell["g_L"]
        model = "iaf_psc_exp"
    exc = nest.Create(model, net["n_exc"], params=cell)
    inh = nest.Create(model, net["n_inh"], params=cell)
    for pop in (exc, inh):
        pop.V_m = nest.random.uniform(*net["v_init"])
    conn = {"rule": "pairwise_bernoulli", "p": net["p"]}
    we, wi = net["w_exc"] * 1e3, net["w_inh"] * 1e3          # nS or pA
    wi = -abs(wi)                                            # NEST: the sign picks the receptor
    for pre, w in ((exc, we), (inh, wi)):
        for post in (exc, inh):
            nest.Connect(pre, post, conn, {"weight": w, "delay": net["delay"]})
    if net["stimulus"]:
        s = net["stimulus"]
        gens = nest.Create("poisson_generator", s["size"],
                           params={"rate": s["rate"], "stop": s["duration"]})
        parrots = nest.Create("parrot_neuron", s["size"])
        # The stimulus delay split between generator -> parrot (one 0.1 ms step) and parrot -> cell.
        nest.Connect(gens, parrots, "one_to_one", {"delay": 0.1})
        for post in (exc, inh):
            nest.Connect(parrots, post, {"rule": "pairwise_bernoulli", "p": s["p"]},
                         {"weight": s["weight"] * 1e3, "delay": s["delay"] - 0.1})
    rec = nest.Create("spike_recorder")
    nest.Connect(exc + inh, rec)
    c0, w0 = time.process_time(), time.time()
    nest.Simulate(net["t_stop"])
    wall, cpu = time.time() - w0, time.process_time() - c0
    senders = rec.events["senders"]
    n_exc_spikes = int((senders <= exc[-1].global_id).sum())
    rates = [n_exc_spikes / net["n_exc"], (len(senders) - n_exc_spikes) / net["n_inh"]]
    return dict(cpu=cpu, wall=wall, loop=wall, rates=[r / net["t_stop"] * 1e3 for r in rates])


def brian2_cell(model, p):
    """Brian2 equations, namespace, integration method, receptor updates and weight unit of the
    PyNN cell `model` with parameters `p` (PyNN units)."""
    import brian2 as b2
    from brian2 import ms, mV, nA, nF, uS
    ns = dict(c_m=p["cm"] * nF, gl=p["cm"] / p["tau_m"] * uS, el=p["v_rest"] * mV,
              taue=p["tau_syn_E"] * ms, taui=p["tau_syn_I"] * ms,
              ie0=p.get("i_offset", 0.0) * nA)
    if model == "IF_cond_exp":
        ns.update(ee=p["e_rev_E"] * mV, ei=p["e_rev_I"] * mV)
        eqs = """dv/dt = (gl*(el - v) + ge*(ee - v) + gi*(ei - v) + ie0)/c_m : volt (unless refractory)
                 dge/dt = -ge/taue : siemens
                 dgi/dt = -gi/taui : siemens"""
        # Not linear in v: no exact update in Brian2.
        return eqs, ns, "exponential_euler", ("ge", "gi"), b2.uS
    eqs = """dv/dt = (gl*(el - v) + ie + ii + ie0)/c_m : volt (unless refractory)
             die/dt = -ie/taue : amp
             dii/dt = -ii/taui : amp"""
    return eqs, ns, "exact", ("ie", "ii"), b2.nA


def brian2_standalone(workdir, threads, dt, seed):
    """A fresh cpp_standalone device in `workdir` with `threads` OpenMP threads and step `dt` [ms]."""
    import brian2 as b2
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    b2.defaultclock.dt = dt * b2.ms
    b2.seed(seed)


def brian2_run(workdir, objects, t_stop):
    """Build, compile and run `objects` for `t_stop` [ms]; returns (loop s, CPU s of the run)."""
    import brian2 as b2
    b2.Network(*objects).run(t_stop * b2.ms)
    b2.device.build(directory=workdir, compile=True, run=False)
    c0 = child_cpu()
    b2.device.run(directory=workdir, with_output=False)
    return b2.device._last_run_time, child_cpu() - c0


def run_brian2(net, threads, seed, workdir):
    import brian2 as b2
    from brian2 import ms
    brian2_standalone(workdir, threads, 0.1, seed)
    p = net["params"]
    eqs, ns, method, (rec_e, rec_i), unit = brian2_cell(net["model"], p)
    on_e, on_i = f"{rec_e} += w", f"{rec_i} += w"
    n = net["n_exc"] + net["n_inh"]
    group = b2.NeuronGroup(n, eqs, threshold=f"v > {p['v_thresh']}*mV",
                           reset=f"v = {p['v_reset']}*mV", refractory=p["tau_refrac"] * ms,
                           method=method, namespace=ns)
    lo, hi = net["v_init"]
    group.v = f"({lo} + rand()*{hi - lo})*mV"
    exc, inh = group[:net["n_exc"]], group[net["n_exc"]:]
    syns = []
    for pre, w, on in ((exc, net["w_exc"], on_e), (inh, net["w_inh"], on_i)):
        s = b2.Synapses(pre, group, on_pre=on.replace("w", f"{w}*{unit.name}"),
                        delay=net["delay"] * ms)
        s.connect(p=net["p"])
        syns.append(s)
    if net["stimulus"]:
        st = net["stimulus"]
        src = b2.PoissonGroup(st["size"], rates=f"{st['rate']}*Hz*(t < {st['duration']}*ms)")
        s = b2.Synapses(src, group, on_pre=f"{rec_e} += {st['weight']}*{unit.name}",
                        delay=st["delay"] * ms)
        s.connect(p=st["p"])
        syns.append(s)
    mon = b2.SpikeMonitor(group)
    loop, cpu = brian2_run(workdir, [group, mon, *syns, *([src] if net["stimulus"] else [])],
                           net["t_stop"])
    idx = mon.i[:]
    n_exc_spikes = int((idx < net["n_exc"]).sum())
    rates = [n_exc_spikes / net["n_exc"], (len(idx) - n_exc_spikes) / net["n_inh"]]
    return dict(cpu=cpu, loop=loop, rates=[r / net["t_stop"] * 1e3 for r in rates])


def best(runs):
    return min(runs, key=lambda r: r["loop"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--install", action="store_true", help="create --venv with the peers, re-run there")
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "bench-venv"))
    ap.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    ap.add_argument("--bench", nargs="+", default=["coba", "cuba", "coba_equal_tau"],
                    choices=["coba", "cuba", "coba_equal_tau"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=98765)
    args = ap.parse_args()
    if args.install:
        install(args.venv, ("brian2", "numpy<2.4", "h5py"), __file__)
    rows = []
    for name in args.bench:
        net = network(name)
        log(f"{name}: {net['n_exc']}+{net['n_inh']} {net['model']}, {net['t_stop']} ms, "
            f"{args.threads} thread(s), best of {args.repeat}")
        results = {"exactspike": best([run_exactspike(args.exactspike, net, args.threads)
                                       for _ in range(args.repeat)]),
                   "NEST 3.10 (0.1 ms)": best([run_nest(net, args.threads, args.seed + k)
                                               for k in range(args.repeat)])}
        with tempfile.TemporaryDirectory() as tmp:
            results["Brian2 cpp_standalone (0.1 ms)"] = best(
                [run_brian2(net, args.threads, args.seed + k, os.path.join(tmp, f"b{k}"))
                 for k in range(args.repeat)])
        es = results["exactspike"]
        for sim, r in results.items():
            rows.append((name.upper(), sim, r, es["loop"] / r["loop"]))
    print(f"{'bench':<6} {'simulator':<32} {'loop s':>7} {'CPU s':>7} {'exc Hz':>7} "
          f"{'inh Hz':>7} {'exactspike loop / this':>23}")
    for name, sim, r, ratio in rows:
        print(f"{name:<6} {sim:<32} {r['loop']:>7.2f} {r['cpu']:>7.2f} {r['rates'][0]:>7.2f} "
              f"{r['rates'][1]:>7.2f} {ratio:>23.2f}")


if __name__ == "__main__":
    main()

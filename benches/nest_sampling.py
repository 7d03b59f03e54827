#!/usr/bin/env python3
"""NEST 3.10 reference for spike-based sampling: sbs-style calibration,
translation and sampling of N independent 5-neuron Boltzmann networks, with wall
times and D_KL(p_sampled || p*).

Usage
    python3 benches/nest_sampling.py --install            # venv target/bench-venv + nest 3.10, then run
    python3 benches/nest_sampling.py [options]            # with a python that has nest, numpy, scipy
    python3 benches/nest_sampling.py --networks 100 --T 10000 --threads 1            # the timed benchmark
    python3 benches/nest_sampling.py --networks 20 --T 100000 [--static] --json out.json  # D_KL study
    python3 benches/nest_sampling.py --networks 100 --T 10000 --threads 1 --exactspike target/release/exactspike
    python3 benches/nest_sampling.py --targets-file docs/training_dkl.json --networks 40 --T 100000 \
        [--static] --json out.json    # the README training figure's 10 targets, 4 networks each

What it does (all formulas: shared/reference/sampling.md §1.2-§1.7, §4)
  * Neurons: NEST iaf_cond_exp with the sbs defaults of PyNN IF_cond_exp converted to NEST units
    (nF -> pF x1000, uS -> nS x1000): C_m 200 pF, g_L = cm/tau_m = 200 nS, E_ex 0, E_in -100,
    V_th -50, V_reset -50.001, tau_syn 10 ms, t_ref 10 ms.
  * Noise: 3 kHz excitatory + 3 kHz inhibitory Poisson input per neuron, 1 nS (= 0.001 uS) each
    (inhibition as a negative weight, which is how iaf_cond_exp selects g_in). One
    poisson_generator per sign is connected to all neurons: NEST's poisson_generator draws an
    independent train for every target, so each neuron gets its own independent noise.
  * Calibration: pre-scan V_rest in [-80, -20] mV (0.2 mV, 1 s), keep the 5-95 % region plus one
    neighbour each side, then --cal-points equidistant V_rest for --cal-duration ms (all points as
    independent neurons of one simulation); p_on = N_spikes * t_ref / T; logistic fit
    p = 1/(1 + exp(-(V_rest - v_p05)/alpha)) with scipy curve_fit on 0.05 < p < 0.95. The result
    is cached in --cal-cache (JSON, keyed by all settings that affect it).
  * Translation (sbs): V_rest,k = v_p05 + alpha*b_k; w_kj = W_kj*alpha*(g_l/g_tot)*t_ref / int_0^t_ref
    PSP_unit, with g_tot, u_bar from the free-membrane (high-conductance) state at the
    postsynaptic neuron's own V_rest; W >= 0 excitatory, W < 0 inhibitory with |w|.
  * Synapses between samplers: "renewing" tsodyks2_synapse (U = u = 1, tau_fac = 0,
    tau_rec = tau_syn = 10 ms, x = 1) or static_synapse (--static); delay 0.1 ms.
    NEST 3.10 tsodyks2 semantics (checked empirically): the first spike of a connection is sent
    with weight*u*x of the initial x (sbs used x = 0, which drops it; we use x = 1), every later
    one with weight*(1 - exp(-dt_isi/tau_rec)) for U = u = 1, i.e. the conductance is topped up
    to `weight` instead of summed: the PSP is renewed, not stacked.
  * Targets: W, b ~ U(-1, 1), W symmetric with zero diagonal, from --seed; --targets K distinct
    targets, network i samples target i % K (default K = networks). Or --targets-file FILE (not
    with --targets): a JSON object whose "targets" is a list of {"weights": n x n, "biases": n}
    (as in docs/training_dkl.json; {"W", "b"} as written by --full is accepted too); its K
    targets are used in file order, network i samples target i % K. W must be symmetric with zero
    diagonal and n must equal --neurons.
  * Readout: z_k = 1 on [t_spike, t_spike + t_ref), event-walk time-weighted joint occupancy over
    [burn_in, burn_in + T] (no binning), state index = z as a binary number with unit 0 the
    most significant bit; D_KL(p_sampled || p*) = sum_{p_sampled > 0} p ln(p/p*) (always finite,
    p* > 0) at log-spaced checkpoints and at T; p* by enumeration.
  * Output: one JSON object (stdout or --json FILE); progress goes to stderr. Per network:
    "dkl_final" (D_KL at T, network order). With --per-target-median, "nest" (and "exactspike")
    also get "dkl_per_target" [K x checkpoints] = for each target the median over its networks,
    and "dkl_median_of_target_medians" [checkpoints] = the median of those over the K targets,
    plus "dkl_median_of_target_medians_final"; the same is printed on stderr at ~10 s and at T.
    Without --per-target-median and --targets-file the JSON is as before.

exactspike: `--exactspike BIN` runs the same job through `BIN calibrate` (same sweep settings,
timed on its own, before the NEST sampling run) and `BIN sample` (same sbs sampler, noise, delay,
burn-in, T, networks, synapse type; its own calibration), both with --threads threads. The
sampling file lists one target per network (network i samples target i % K, as in NEST); wall
and CPU times are those of the process, start to exit (HDF5 output included). D_KL is read back from
/sampling/dkl_sampled_target and /sampling/checkpoints with h5py. If BIN rejects
renewing_synapses = true (a 10 ms probe), both sides fall back to static synapses and the output
says so. Printed on stderr: sampling wall and CPU of both, the ratio (wall and CPU), both
calibrations, both median D_KLs; the JSON gets "exactspike", "speedup", "speedup_cpu", "summary".
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

try:
    import numpy as np
except ImportError:          # only --install may start without numpy
    np = None

os.environ.setdefault("PYNEST_QUIET", "1")   # keep NEST's banner off stdout (JSON goes there)

SBS = dict(cm=0.2, tau_m=1.0, e_rev_E=0.0, e_rev_I=-100.0, v_thresh=-50.0, v_reset=-50.001,
           tau_syn_E=10.0, tau_syn_I=10.0, tau_refrac=10.0)          # PyNN units: nF, ms, mV
NOISE = dict(rate_exc=3.0, rate_inh=3.0, weight_exc=0.001, weight_inh=0.001)  # kHz, uS
NEST_VERSION = "3.10.0"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------- NEST
def nest_reset(dt, threads, seed):
    import nest
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": threads, "rng_seed": seed,
                          "print_time": False})
    return nest


def create_samplers(nest, v_rest, dt):
    """iaf_cond_exp neurons with sbs parameters (NEST units), each with its own Poisson noise."""
    v_rest = np.asarray(v_rest, dtype=float)
    p = SBS
    neurons = nest.Create("iaf_cond_exp", len(v_rest), params={
        "C_m": p["cm"] * 1e3, "g_L": p["cm"] / p["tau_m"] * 1e3, "E_ex": p["e_rev_E"],
        "E_in": p["e_rev_I"], "V_th": p["v_thresh"], "V_reset": p["v_reset"],
        "tau_syn_ex": p["tau_syn_E"], "tau_syn_in": p["tau_syn_I"], "t_ref": p["tau_refrac"],
        "I_e": 0.0})
    neurons.set({"E_L": v_rest.tolist(), "V_m": np.minimum(v_rest, p["v_thresh"] - 1).tolist()})
    for rate, w in ((NOISE["rate_exc"], NOISE["weight_exc"]), (NOISE["rate_inh"], -NOISE["weight_inh"])):
        pg = nest.Create("poisson_generator", params={"rate": rate * 1e3})  # Hz
        nest.Connect(pg, neurons, "all_to_all", {"weight": w * 1e3, "delay": dt})  # nS
    return neurons


def spikes_by_neuron(recorder, neurons):
    ev = recorder.get("events")
    senders, times = np.asarray(ev["senders"]), np.asarray(ev["times"])
    first = neurons.tolist()[0]
    order = np.argsort(times, kind="stable")
    senders, times = senders[order] - first, times[order]
    return [times[senders == k] for k in range(len(neurons))]


# ----------------------------------------------------------------------------------- calibration
def measure_p_on(v_rest, duration, burn_in, dt, threads, seed):
    nest = nest_reset(dt, threads, seed)
    neurons = create_samplers(nest, v_rest, dt)
    rec = nest.Create("spike_recorder", params={"start": burn_in})
    nest.Connect(neurons, rec)
    nest.Simulate(burn_in + duration)
    counts = np.bincount(np.asarray(rec.get("events")["senders"]) - neurons.tolist()[0],
                         minlength=len(neurons))
    return counts * SBS["tau_refrac"] / duration


def logistic(v, v_p05, alpha):
    return 1.0 / (1.0 + np.exp(-(v - v_p05) / alpha))


def calibrate(args):
    key = (f"nest{NEST_VERSION} dt={args.cal_dt} T={args.cal_duration} points={args.cal_points} "
           f"burn={args.cal_burn_in} seed={args.seed} sbs={sorted(SBS.items())} noise={sorted(NOISE.items())}")
    cache = {}
    if args.cal_cache and os.path.exists(args.cal_cache):
        with open(args.cal_cache) as f:
            cache = json.load(f)
        if key in cache:
            log(f"calibration: cached in {args.cal_cache}")
            return dict(cache[key], cached=True)
    from scipy.optimize import curve_fit
    t0, c0 = time.perf_counter(), time.process_time()
    pre_v = np.round(np.arange(-80.0, -20.0 + 1e-9, 0.2), 6)
    pre_p = measure_p_on(pre_v, 1000.0, args.cal_burn_in, args.cal_dt, args.threads, args.seed)
    if not (pre_p < 0.05).any() or not (pre_p > 0.95).any():
        sys.exit("calibration: pre-scan of V_rest in [-80, -20] mV did not find the 5-95 % region")
    inside = np.nonzero((pre_p > 0.05) & (pre_p < 0.95))[0]
    lo, hi = pre_v[max(inside[0] - 1, 0)], pre_v[min(inside[-1] + 1, len(pre_v) - 1)]
    v = np.linspace(lo, hi, args.cal_points)
    p = measure_p_on(v, args.cal_duration, args.cal_burn_in, args.cal_dt, args.threads, args.seed + 1)
    ok = (p > 0.05) & (p < 0.95)
    popt, pcov = curve_fit(logistic, v[ok], p[ok], p0=[0.5 * (lo + hi), hi - lo])
    err = np.sqrt(np.diag(pcov))
    res = dict(v_p05=float(popt[0]), alpha=float(popt[1]), v_p05_err=float(err[0]),
               alpha_err=float(err[1]), dt=args.cal_dt, duration=args.cal_duration,
               rms_residual=float(np.sqrt(np.mean((logistic(v[ok], *popt) - p[ok]) ** 2))),
               v_rest=v.tolist(), p_on=p.tolist(), wall_s=time.perf_counter() - t0,
               cpu_s=time.process_time() - c0, load_avg=os.getloadavg())
    log(f"calibration: v_p05 = {res['v_p05']:.4f} +- {res['v_p05_err']:.4f} mV, "
        f"alpha = {res['alpha']:.4f} +- {res['alpha_err']:.4f} mV ({res['wall_s']:.0f} s)")
    if args.cal_cache:
        os.makedirs(os.path.dirname(os.path.abspath(args.cal_cache)), exist_ok=True)
        cache[key] = res
        res = dict(res, cached=False)
        with open(args.cal_cache, "w") as f:
            json.dump(cache, f, indent=1)
    return res


# ----------------------------------------------------------------------------------- translation
def free_membrane(v_rest):
    """g_tot (uS) and u_bar (mV) of the high-conductance state (sampling.md §1.5)."""
    p, nz = SBS, NOISE
    g_l = p["cm"] / p["tau_m"]
    g_e = nz["weight_exc"] * nz["rate_exc"] * p["tau_syn_E"]
    g_i = nz["weight_inh"] * nz["rate_inh"] * p["tau_syn_I"]
    g_tot = g_l + g_e + g_i
    u_bar = (p["e_rev_E"] * g_e + p["e_rev_I"] * g_i + np.asarray(v_rest) * g_l) / g_tot
    return g_tot, u_bar


def psp_integral(delta_e, tau_s, g_tot):
    """int_0^t_ref of the unit-weight (1 uS) COBA exponential PSP (sampling.md §1.6)."""
    cm, t_ref = SBS["cm"], SBS["tau_refrac"]
    tau_eff = cm / g_tot
    return delta_e * tau_s / (g_tot * tau_s - cm) * (
        tau_s * (1 - math.exp(-t_ref / tau_s)) - tau_eff * (1 - math.exp(-t_ref / tau_eff)))


def translate(W, b, cal):
    """(W, b) -> (V_rest [mV], signed weights [uS], w[i_pre, j_post]; negative = inhibitory)."""
    p = SBS
    v_rest = cal["v_p05"] + cal["alpha"] * np.asarray(b)
    g_tot, u_bar = free_membrane(v_rest)
    g_l = p["cm"] / p["tau_m"]
    scale = cal["alpha"] * (g_l / g_tot) * p["tau_refrac"]
    f_exc = scale / psp_integral(p["e_rev_E"] - u_bar, p["tau_syn_E"], g_tot)
    f_inh = scale / psp_integral(u_bar - p["e_rev_I"], p["tau_syn_I"], g_tot)
    W = np.asarray(W)
    w = np.where(W >= 0, W * f_exc[None, :], W * f_inh[None, :])  # column j = postsynaptic
    return v_rest, w


def load_targets(path, n):
    """The "targets" list of a JSON file: [{"weights": n x n, "biases": n}] (or {"W", "b"})."""
    with open(path) as f:
        data = json.load(f)
    items = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        sys.exit(f"--targets-file {path}: no non-empty \"targets\" list")
    out = []
    for k, t in enumerate(items):
        W = np.asarray(t["weights"] if "weights" in t else t["W"], dtype=float)
        b = np.asarray(t["biases"] if "biases" in t else t["b"], dtype=float)
        if W.shape != (n, n) or b.shape != (n,):
            sys.exit(f"--targets-file {path}: target {k} has W {W.shape}, b {b.shape}; "
                     f"--neurons is {n}")
        if not np.array_equal(W, W.T) or np.any(np.diag(W) != 0):
            sys.exit(f"--targets-file {path}: target {k}: W must be symmetric with zero diagonal")
        out.append((W, b))
    return out


def per_target_medians(dk, K):
    """dk [checkpoints x networks], network i samples target i % K -> ([K x checkpoints] median
    over each target's networks, [checkpoints] median of those over the targets)."""
    per = np.array([np.median(dk[:, k::K], axis=1) for k in range(K) if dk[:, k::K].shape[1]])
    return per, np.median(per, axis=0)


def random_targets(k, n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        W = np.triu(rng.uniform(-1, 1, (n, n)), 1)
        out.append((W + W.T, rng.uniform(-1, 1, n)))
    return out


def boltzmann(W, b):
    """p*(z) by enumeration; state index = z as binary number, unit 0 the most significant bit."""
    n = len(b)
    z = (np.arange(2 ** n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
    e = 0.5 * np.einsum("si,ij,sj->s", z, W, z) + z @ b
    p = np.exp(e - e.max())
    return p / p.sum()


# --------------------------------------------------------------------------------------- readout
def occupancy(spikes, t0, t1, t_ref):
    """Time-weighted joint distribution over [t0, t1], z_k = 1 on [t_spike, t_spike + t_ref)."""
    n = len(spikes)
    times = np.concatenate([np.concatenate([s, s + t_ref]) for s in spikes])
    unit = np.concatenate([np.full(2 * len(s), k) for k, s in enumerate(spikes)])
    sign = np.concatenate([np.r_[np.ones(len(s)), -np.ones(len(s))] for s in spikes])
    order = np.argsort(times, kind="stable")
    times, unit, sign = times[order], unit[order], sign[order]
    count = np.zeros((len(times), n))
    count[np.arange(len(times)), unit] = sign
    z = np.cumsum(count, axis=0) > 0.5                   # state after each event
    state = z.astype(np.int64) @ (1 << (n - 1 - np.arange(n)))
    edges = np.clip(np.r_[t0, times, t1], t0, t1)
    dur = np.diff(edges)                                 # dur[0]: before the first event (all off)
    p = np.bincount(np.r_[0, state], weights=dur, minlength=2 ** n)
    return p / (t1 - t0)


def dkl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


# ------------------------------------------------------------------------------------ the job
def make_job(args, cal):
    if args.targets_file:
        targets = load_targets(args.targets_file, args.neurons)
    else:
        targets = random_targets(args.targets or args.networks, args.neurons, args.seed)
    nets = [targets[i % len(targets)] for i in range(args.networks)]
    extra = dict(targets_file=os.path.abspath(args.targets_file)) if args.targets_file else {}
    return dict(**extra, networks=args.networks, neurons=args.neurons, T=args.T, burn_in=args.burn_in,
                dt=args.dt, threads=args.threads, renewing=not args.static, seed=args.seed,
                calibration=cal, targets=targets, nets=nets,
                # exactspike calibration sweep: the NEST settings (its pre-scan window differs:
                # v_thresh +- 15 mV, moved by 30 mV until both ends of the slope are seen)
                cal_settings=dict(points=args.cal_points, duration=args.cal_duration,
                                  prescan_duration=1000.0, prescan_step=0.2,
                                  burn_in=args.cal_burn_in),
                es_workdir=os.path.abspath(args.es_workdir), es_cal_cache=args.es_cal_cache)


def run_nest(job):
    """Build and simulate the job in NEST; returns wall times and D_KL per network."""
    n, N, dt = job["neurons"], job["networks"], job["dt"]
    t_ref, tau_syn = SBS["tau_refrac"], SBS["tau_syn_E"]
    assert SBS["tau_syn_E"] == SBS["tau_syn_I"], "tau_rec = tau_syn needs one value per synapse"
    import nest  # noqa: F401  (importing NEST, ~1 s, is not part of the timed build)
    t_build, c_build = time.perf_counter(), time.process_time()
    nest = nest_reset(dt, job["threads"], job["seed"] + 2)
    params = [translate(W, b, job["calibration"]) for W, b in job["nets"]]
    neurons = create_samplers(nest, np.concatenate([v for v, _ in params]), dt)
    ids = np.asarray(neurons.tolist())
    pre, post, weight = [], [], []
    for net, (_, w) in enumerate(params):
        i, j = np.nonzero(w)
        pre.append(ids[net * n + i]); post.append(ids[net * n + j]); weight.append(w[i, j] * 1e3)
    syn = {"synapse_model": "static_synapse"}
    if job["renewing"]:
        syn = {"synapse_model": "tsodyks2_synapse", "U": 1.0, "u": 1.0, "x": 1.0, "tau_fac": 0.0,
               "tau_rec": tau_syn}
    weight = np.concatenate(weight)    # connecting arrays wants every parameter as an array
    syn = {k: v if isinstance(v, str) else np.full(len(weight), v) for k, v in syn.items()}
    syn.update(weight=weight, delay=np.full(len(weight), max(0.1, dt)))
    nest.Connect(np.concatenate(pre), np.concatenate(post), "one_to_one", syn)
    rec = nest.Create("spike_recorder", params={"start": max(0.0, job["burn_in"] - t_ref - dt)})
    nest.Connect(neurons, rec)
    t_sim, c_sim = time.perf_counter(), time.process_time()
    nest.Simulate(job["burn_in"] + job["T"])
    t_end, c_end = time.perf_counter(), time.process_time()

    spikes = spikes_by_neuron(rec, neurons)
    t0, T = job["burn_in"], job["T"]
    checkpoints = np.unique(np.r_[np.geomspace(min(100.0, T), T, 13), T])
    dk = np.zeros((len(checkpoints), N))
    p_sampled = []
    for net in range(N):
        s = spikes[net * n:(net + 1) * n]
        pt = boltzmann(*job["nets"][net])
        for c, tc in enumerate(checkpoints):
            ps = occupancy(s, t0, t0 + tc, t_ref)
            dk[c, net] = dkl(ps, pt)
        p_sampled.append(ps)
    final = dk[-1]
    return dict(simulator=f"nest {nest.__version__}", wall_build_s=t_sim - t_build,
                wall_simulate_s=t_end - t_sim, wall_total_s=t_end - t_build,
                cpu_build_s=c_sim - c_build, cpu_simulate_s=c_end - c_sim,  # process CPU time
                load_avg=os.getloadavg(),
                n_spikes=int(sum(len(s) for s in spikes)),
                mean_rate_hz=float(sum(len(s) for s in spikes) / (N * n) / ((t0 + T) / 1e3)),
                checkpoints_ms=checkpoints.tolist(), dkl_median=np.median(dk, axis=1).tolist(),
                dkl_final=final.tolist(), dkl_final_median=float(np.median(final)),
                dkl_per_network=dk,      # main() drops it (or turns it into per-target medians)
                unvisited_final=[int(np.sum(p == 0)) for p in p_sampled],
                p_sampled=[p.tolist() for p in p_sampled])


def _toml_float(x):
    r = repr(float(x))
    if not math.isfinite(float(x)):
        raise ValueError(f"not a finite number: {x}")
    return r if ("." in r or "e" in r) else r + ".0"


def _toml_list(xs):
    return "[" + ", ".join(_toml_float(x) for x in xs) + "]"


def exactspike_sampling_file(job, targets, renewing, calibration=None, t=None):
    """A sampling file (src/sampling/spec.rs) for one network per target of `targets` (a list of
    (W, b)) with the sbs sampler, noise, burn-in and T of `job`, master seed job['seed'] + 2.
    `calibration`: a stored calibration file, or None for the sweep settings of
    job['cal_settings'] (used by `exactspike calibrate`)."""
    p, nz = SBS, NOISE
    params = ", ".join(f"{k} = {_toml_float(p[k])}" for k in (
        "cm", "tau_m", "v_thresh", "v_reset", "tau_refrac", "tau_syn_E", "tau_syn_I",
        "e_rev_E", "e_rev_I"))
    matrix = lambda W: "[" + ", ".join(_toml_list(r) for r in np.asarray(W)) + "]"
    if len(targets) == 1:
        (W, b), = targets
        boltzmann = [f"weights = {matrix(W)}", f"biases = {_toml_list(np.asarray(b))}"]
    else:
        boltzmann = ["targets = ["] + [
            f"  {{ weights = {matrix(W)}, biases = {_toml_list(np.asarray(b))} }}," for W, b in targets
        ] + ["]"]
    lines = [
        "[simulation]", f"t_stop = {_toml_float(job['T'] if t is None else t)}",
        f"seed = {int(job['seed']) + 2}", "",
        "[boltzmann]", *boltzmann, "",
        "[sampler]", 'model = "IF_cond_exp"', f"params = {{ {params} }}",
        f"noise = {{ rate_exc = {_toml_float(nz['rate_exc'] * 1e3)}, "      # kHz -> Hz
        f"rate_inh = {_toml_float(nz['rate_inh'] * 1e3)}, "
        f"weight_exc = {_toml_float(nz['weight_exc'])}, weight_inh = {_toml_float(nz['weight_inh'])} }}",
        f"renewing_synapses = {'true' if renewing else 'false'}",
        f"delay = {_toml_float(max(0.1, job['dt']))}", "",
        "[sampling]", f"networks = {len(targets)}", f"burn_in = {_toml_float(job['burn_in'])}", "",
        "[calibration]"]
    if calibration is not None:
        lines.append(f"file = {json.dumps(os.path.abspath(calibration))}")
    else:
        c = job["cal_settings"]
        lines += [f"points = {int(c['points'])}", f"duration = {_toml_float(c['duration'])}",
                  f"prescan_duration = {_toml_float(c['prescan_duration'])}",
                  f"prescan_step = {_toml_float(c['prescan_step'])}",
                  f"burn_in = {_toml_float(c['burn_in'])}"]
    return "\n".join(lines) + "\n"


def _timed(cmd):
    """Run cmd; returns (CompletedProcess, wall [s], CPU user+sys of the child [s])."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _workdir(job):
    d = job.get("es_workdir") or os.path.abspath("target/exactspike_bench")
    os.makedirs(d, exist_ok=True)
    return d


def exactspike_calibration(binary, job):
    """`BINARY calibrate` with the sweep settings of the NEST calibration (once per job; cached in
    job['es_calibration'], and on disk next to --es-cal-cache when that is set)."""
    if "es_calibration" in job:
        return job["es_calibration"]
    import h5py
    d = _workdir(job)
    out = job.get("es_cal_cache") or os.path.join(d, "calibration.h5")
    key = dict(binary=os.path.abspath(binary), mtime=os.path.getmtime(binary),
               settings=job["cal_settings"], seed=job["seed"] + 2, sbs=sorted(SBS.items()),
               noise=sorted(NOISE.items()))
    meta = out + ".json"
    if job.get("es_cal_cache") and os.path.exists(out) and os.path.exists(meta):
        with open(meta) as f:
            stored = json.load(f)
        if stored.get("key") == json.loads(json.dumps(key)):
            log(f"exactspike calibration: cached in {out}")
            job["es_calibration"] = dict(stored["result"], cached=True)
            return job["es_calibration"]
    toml = os.path.join(d, "calibrate.toml")
    with open(toml, "w") as f:
        f.write(exactspike_sampling_file(job, job["targets"][:1], False))
    proc, wall, cpu = _timed([binary, "calibrate", toml, "--out", out, "--overwrite",
                              "--threads", str(job["threads"])])
    if proc.returncode != 0:
        raise RuntimeError(f"exactspike calibrate failed ({proc.returncode}): {proc.stderr.strip()}")
    with h5py.File(out, "r") as f:
        a = f["calibration"].attrs
        res = dict(v_p05=float(a["v_p05"]), alpha=float(a["alpha"]),
                   v_p05_err=float(a["v_p05_stderr"]), alpha_err=float(a["alpha_stderr"]),
                   rms_residual=float(a["residual_rms"]), points_used=int(a["points_used"]))
    res.update(file=out, wall_s=wall, cpu_s=cpu, load_avg=os.getloadavg(), cached=False)
    log(f"exactspike calibration: v_p05 = {res['v_p05']:.4f} +- {res['v_p05_err']:.4f} mV, "
        f"alpha = {res['alpha']:.4f} +- {res['alpha_err']:.4f} mV ({wall:.1f} s wall, {cpu:.1f} s CPU)")
    if job.get("es_cal_cache"):
        with open(meta, "w") as f:
            json.dump(dict(key=key, result=res), f, indent=1)
    job["es_calibration"] = res
    return res


def exactspike_supports_renewing(binary, job):
    """Whether `BINARY sample` accepts renewing_synapses = true (a 10 ms probe run)."""
    cal = exactspike_calibration(binary, job)
    d = _workdir(job)
    toml = os.path.join(d, "probe_renewing.toml")
    with open(toml, "w") as f:
        f.write(exactspike_sampling_file(dict(job, burn_in=0.0), job["targets"][:1], True, cal["file"],
                                         t=10.0))
    proc = subprocess.run([binary, "sample", toml, "--out", os.path.join(d, "probe_renewing.h5"),
                           "--overwrite", "--quiet"], capture_output=True, text=True)
    if proc.returncode == 0:
        return True, ""
    return False, proc.stderr.strip()


def run_exactspike(binary, job):
    """Run the job through `BINARY sample --threads N` (N: --threads, as NEST's): its own
    calibration (same sweep settings as NEST, timed separately), then one sampling file with one
    target per network (network i samples target i % K, as in make_job), in one process. Wall and
    CPU times are from process start to exit (parse, translation, simulation, online readout,
    HDF5 output). D_KL is read back from /sampling/...; returns a dict shaped like run_nest()."""
    import h5py
    cal = exactspike_calibration(binary, job)
    d = _workdir(job)
    K, N = len(job["targets"]), job["networks"]
    targets = [job["targets"][i % K] for i in range(N)]
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    toml, out = os.path.join(d, "sample.toml"), os.path.join(d, "sample.h5")
    with open(toml, "w") as f:
        f.write(exactspike_sampling_file(job, targets, job["renewing"], cal["file"]))
    proc, wall, cpu = _timed([binary, "sample", toml, "--out", out, "--overwrite",
                              "--threads", str(job["threads"])])
    if proc.returncode != 0:
        raise RuntimeError(f"exactspike sample {toml} failed ({proc.returncode}): {proc.stderr.strip()}")
    m = re.search(r"t = \S+ ms: (\d+) input events, (\d+) neuron spikes, .* wall ([0-9.]+) s", proc.stdout)
    input_events, n_spikes, engine_wall = (int(m.group(1)), int(m.group(2)), float(m.group(3))) if m \
        else (0, 0, 0.0)
    with h5py.File(out, "r") as f:
        g = f["sampling"]
        expected = np.array([boltzmann(W, b) for W, b in targets])
        if not np.allclose(g["p_target"][...], expected, rtol=1e-10, atol=1e-15):
            raise RuntimeError(f"{out}: /sampling/p_target differs from the script's p*")
        checkpoints = np.asarray(g["checkpoints"][...])
        dk = np.asarray(g["dkl_sampled_target"][...])          # [checkpoints, networks]
        dk_rev = np.asarray(g["dkl_target_sampled"][...])
        p_sampled = list(g["p_sampled"][...])
        unvisited = [int(u) for u in g["unvisited"][-1]]
    n = job["neurons"]
    final = dk[-1]
    T = job["T"]
    return dict(simulator=version, processes=1, wall_total_s=wall, cpu_total_s=cpu,
                wall_engine_s=engine_wall, load_avg=os.getloadavg(),
                renewing=job["renewing"], calibration={k: v for k, v in cal.items() if k != "file"},
                n_spikes=n_spikes, input_events=input_events,
                mean_rate_hz=float(n_spikes / (N * n) / ((job["burn_in"] + T) / 1e3)),
                checkpoints_ms=checkpoints.tolist(), dkl_median=np.median(dk, axis=1).tolist(),
                dkl_final=final.tolist(), dkl_final_median=float(np.median(final)),
                dkl_per_network=dk,      # main() drops it (or turns it into per-target medians)
                dkl_target_sampled_final_median=float(np.median(dk_rev[-1])),
                unvisited_final=unvisited, p_sampled=[p.tolist() for p in p_sampled])


# --------------------------------------------------------------------------------------- main
def install(venv, packages=("numpy", "scipy"), script=__file__):
    """Create `venv` with NEST and `packages`, then re-run `script` there without --install."""
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([py, "-m", "pip", "install", "-q", f"nest-simulator=={NEST_VERSION}",
                           *packages])
    argv = [a for a in sys.argv[1:] if a != "--install"]
    os.execv(py, [py, os.path.abspath(script)] + argv)


def add_per_target_medians(res, K, name):
    """--per-target-median: needs res["dkl_per_network"] [checkpoints x networks] (removed)."""
    per, med = per_target_medians(np.asarray(res.pop("dkl_per_network")), K)
    t = np.asarray(res["checkpoints_ms"])
    res.update(dkl_per_target=per.tolist(), dkl_median_of_target_medians=med.tolist(),
               dkl_median_of_target_medians_final=float(med[-1]))
    i10 = int(np.argmin(abs(t - 10000.0)))
    log(f"{name}: median over {K} targets of the per-target median over networks of "
        f"D_KL(p_sampled || p*): {med[i10]:.4f} at {t[i10]:g} ms, {med[-1]:.4f} at {t[-1]:g} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--install", action="store_true", help="create --venv with NEST, re-run there")
    ap.add_argument("--venv", default="target/bench-venv")
    ap.add_argument("--networks", type=int, default=100)
    ap.add_argument("--neurons", type=int, default=5)
    tg = ap.add_mutually_exclusive_group()
    tg.add_argument("--targets", type=int, default=0, help="distinct targets (0: one per network)")
    tg.add_argument("--targets-file", metavar="FILE",
                    help='JSON with a "targets" list of {"weights", "biases"}; network i samples '
                         "target i %% K")
    ap.add_argument("--T", type=float, default=10000.0, help="sampling time after burn-in [ms]")
    ap.add_argument("--burn-in", type=float, default=500.0, help="[ms]")
    ap.add_argument("--dt", type=float, default=0.1, help="NEST resolution for sampling [ms]")
    ap.add_argument("--static", action="store_true", help="static instead of renewing synapses")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--cal-dt", type=float, default=None, help="calibration resolution (default --dt)")
    ap.add_argument("--cal-duration", type=float, default=1e5, help="per sweep point [ms]")
    ap.add_argument("--cal-points", type=int, default=150)
    ap.add_argument("--cal-burn-in", type=float, default=500.0)
    ap.add_argument("--cal-cache", default="target/nest_calibration.json")
    ap.add_argument("--json", help="write the result here instead of stdout")
    ap.add_argument("--full", action="store_true", help="include p_sampled and targets in the JSON")
    ap.add_argument("--per-target-median", action="store_true",
                    help="add per-target medians over networks and their median over targets")
    ap.add_argument("--exactspike", metavar="BIN", help="also run the job through exactspike BIN")
    ap.add_argument("--es-workdir", default="target/exactspike_bench",
                    help="sampling files and HDF5 outputs of the exactspike run")
    ap.add_argument("--es-cal-cache", default="",
                    help="reuse/keep exactspike's calibration here (default: calibrate every run)")
    args = ap.parse_args()
    if args.install:
        install(args.venv)
    if np is None:
        sys.exit("numpy/nest missing: run with --install, or with a python that has nest 3.10, numpy, scipy")
    args.cal_dt = args.cal_dt or args.dt
    if args.neurons > 20:
        sys.exit("p* by enumeration: at most 20 neurons")

    cal = calibrate(args)
    job = make_job(args, cal)
    fallback = None
    if args.exactspike:
        if not os.access(args.exactspike, os.X_OK):
            sys.exit(f"--exactspike {args.exactspike}: not an executable")
        exactspike_calibration(args.exactspike, job)      # timed on its own, before sampling
        if job["renewing"]:
            ok, why = exactspike_supports_renewing(args.exactspike, job)
            if not ok:
                fallback = ("exactspike does not support renewing_synapses = true yet "
                            f"({why}); both simulators use STATIC synapses")
                log(f"WARNING: {fallback}")
                job["renewing"] = False
    log(f"nest: {args.networks} networks x {args.neurons} neurons, T = {args.T} ms, "
        f"{'renewing' if job['renewing'] else 'static'} synapses, dt = {args.dt} ms, "
        f"{args.threads} thread(s), {len(job['targets'])} distinct target(s)")
    res = run_nest(job)
    log(f"nest: build {res['wall_build_s']:.2f} s, simulate {res['wall_simulate_s']:.2f} s "
        f"(CPU {res['cpu_simulate_s']:.2f} s), "
        f"median D_KL(p_sampled || p*) = {res['dkl_final_median']:.4f}")
    if args.per_target_median:
        add_per_target_medians(res, len(job["targets"]), "nest")
    res.pop("dkl_per_network", None)
    out = {k: v for k, v in job.items()
           if k not in ("targets", "nets", "calibration", "es_calibration")}
    out["synapse_fallback"] = fallback
    out["calibration"] = {k: v for k, v in cal.items() if k not in ("v_rest", "p_on")}
    out["nest"] = res if args.full else {k: v for k, v in res.items() if k != "p_sampled"}
    if args.full:
        out["targets"] = [dict(W=W.tolist(), b=b.tolist()) for W, b in job["targets"]]
    if args.exactspike:
        es = run_exactspike(args.exactspike, job)
        if args.per_target_median:
            add_per_target_medians(es, len(job["targets"]), "exactspike")
        es.pop("dkl_per_network", None)
        out["exactspike"] = es if args.full else {k: v for k, v in es.items() if k != "p_sampled"}
        ratio = res["wall_total_s"] / es["wall_total_s"]
        cpu_ratio = (res["cpu_build_s"] + res["cpu_simulate_s"]) / es["cpu_total_s"]
        out["speedup"], out["speedup_cpu"] = ratio, cpu_ratio
        ec = es["calibration"]
        syn = "renewing" if job["renewing"] else "static"
        summary = [
            f"== {args.networks} networks x {args.neurons} neurons, T = {args.T:g} ms "
            f"(+ {args.burn_in:g} ms burn-in), {syn} synapses, {len(job['targets'])} distinct "
            f"target(s), {args.threads} NEST thread(s); load average now {os.getloadavg()[0]:.2f}",
            f"sampling wall: nest {res['wall_total_s']:.2f} s (build {res['wall_build_s']:.2f} + "
            f"simulate {res['wall_simulate_s']:.2f}, CPU {res['cpu_build_s'] + res['cpu_simulate_s']:.2f} s), "
            f"exactspike {es['wall_total_s']:.2f} s ({es['processes']} process(es), engine "
            f"{es['wall_engine_s']:.2f} s, CPU {es['cpu_total_s']:.2f} s)",
            f"ratio nest/exactspike: wall {ratio:.2f}x, CPU {cpu_ratio:.2f}x (target >= 10x)",
            f"calibration: nest {cal['wall_s']:.1f} s wall / {cal.get('cpu_s', float('nan')):.1f} s CPU"
            f"{' (cached, measured earlier)' if cal.get('cached') else ''} (v_p05 {cal['v_p05']:.4f}, "
            f"alpha {cal['alpha']:.4f}); exactspike {ec['wall_s']:.1f} s wall / {ec['cpu_s']:.1f} s CPU"
            f"{' (cached, measured earlier)' if ec.get('cached') else ''} (v_p05 {ec['v_p05']:.4f}, "
            f"alpha {ec['alpha']:.4f})",
            f"median D_KL(p_sampled || p*) at T: nest {res['dkl_final_median']:.4f}, "
            f"exactspike {es['dkl_final_median']:.4f}"]
        if fallback:
            summary.append(f"NOTE: {fallback}")
        for line in summary:
            log(line)
        out["summary"] = summary
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()

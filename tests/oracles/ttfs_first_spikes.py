#!/usr/bin/env python3
"""Independent ODE oracle for TTFS first-spike times and their gradients.

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root):
      /tmp/streams-venv/bin/python tests/oracles/ttfs_first_spikes.py
  Writes tests/fixtures/ttfs_first_spikes.json (one case per line; < 100 KB).
  The closed form in this file is a check only. It never supplies a fixture value.

  Neuron (one neuron, no reset, only the FIRST threshold crossing matters):
      cm dV/dt = -(cm/tau_m) (V - v_rest) + I,     dI/dt = -I/tau_s,
  where each input i adds weights[i] (nA) to I at times[i] (ms).
  cm = 1 nF, tau_s = 1 ms, v_rest = 0 mV, v_thresh = 1 mV, g_l = cm/tau_m, so
  nA/nF = mV/ms and the units match the dimensionless fastAndDeep code
  (C_m = tau_s = threshold = 1, leak 0, g_leak = tau_s/tau_m).
  V(0) = v_rest, I(0) = 0.

  Cases
  (1) Test vectors from /work/shared/reference/ttfs-and-chip.md section 1.4 come
      first: t = [0.2, 0.5, 0.9], w = [1.5, 1.2, 1.0]; t = [0.2, 0.5, 0.9, 1.3],
      w = [1.6, -0.8, 2.0, 0.9] and w = [1.2, -0.8, 1.5, 0.9]; each with
      tau_m = 1 and tau_m = 2. That gives 6 cases; one of them does not spike.
  (2) 90 random cases: 30 each for tau_m/tau_s = 1, 2, 1.37, taken from
      numpy.random.default_rng(SEED). Per case: n = integers(2, 9) inputs,
      times = uniform(0, 3, n), then weights = uniform(W_LO, W_HI, n), both
      rounded to 6 decimals. The stored float64 values are the values used.
      W_HI = 2.7 instead of 2.5 puts the spiking fraction near 2/3.
      A drawn case is REJECTED and redrawn, so that the fixture stays well
      conditioned, if any of these holds:
        - it spikes with dV/dt at the crossing < MIN_SLOPE (a graze);
        - it spikes with some input within MIN_GAP of T (the gradient in
          t_i is then not smooth);
        - it does not spike but its closest approach to threshold is above
          -MIN_MISS (a near miss);
        - a finite-difference perturbation loses the spike.
      The rejection counts are recorded in "oracle_notes".

  Method: scipy.integrate.solve_ivp(method="DOP853", rtol=1e-12, atol=1e-14,
  max_step=0.05 ms) runs piecewise between input times on the state
  (u = V - v_thresh, I), and each input is applied as a jump of I between
  pieces. The run ends at the last input + 20 ms. The first crossing comes
  from a terminal event u = 0 (direction +1). It is then refined with brentq
  (xtol 1e-16) on the DOP853 dense output inside the step. Graze guard: each
  free piece's dense output is also sampled at 16 points per step, and any
  sample with u > 0 before the event counts as the crossing. Without
  max_step the test-vector error is ~1e-13 ms; with max_step = 0.05 it is
  ~1e-15 ms. The notes give the rerun error estimate.

  Gradients (spiking cases only): central finite differences of the ODE
  first-spike time, step FD_H = 1e-6 (weights in nA, times in ms):
      dT/dw_i = (T(w_i + h) - T(w_i - h)) / 2h, and the same for t_i.
  Inputs after T get exactly 0, because the integration stops at T. Error
  estimate per case, "fd_err_est": max |central(1e-6) - 5-point stencil(1e-4)|.
  It is typically ~1e-9.
  Checks printed and written to oracle_notes: the ODE T and the FD gradients
  against the closed forms (Lambert W for tau_m = tau_s, square-root form for
  tau_m = 2 tau_s, gradients from section 1.4) for every case with ratio 1 or
  2; the section 1.4 rounded test-vector values.

JSON format
  {"generator", "description", "units", "fd_step", "suggested_tolerances",
   "oracle_notes", "cases": [case, ...]}
  case = {"id", "kind" ("test_vector" | "random"), "tau_m", "tau_s", "cm",
          "v_rest", "v_thresh", "times", "weights",
          "first_spike" (ms, or null if no crossing before the last input + 20 ms),
          and, only when it spikes:
          "dT_dw" (ms/nA, one per input, input order as given), "dT_dt" (ms/ms),
          "n_causal" (number of inputs with t_i < T), "slope_at_spike" (mV/ms),
          "fd_err_est";
          only when it does not spike: "closest_miss_mV" (max over t of V - v_thresh, < 0)}
  Times are not sorted, and two inputs never share a time.
"""

import json
import os
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar
from scipy.special import lambertw

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.normpath(os.path.join(HERE, "..", "fixtures", "ttfs_first_spikes.json"))
GENERATOR = ("tests/oracles/ttfs_first_spikes.py (numpy default_rng seed 20241207; "
             "command: /tmp/streams-venv/bin/python tests/oracles/ttfs_first_spikes.py)")

SEED = 20241207
RTOL = 1e-12
ATOL = 1e-14
MAX_STEP = 0.05
SAMPLES_PER_STEP = 16
T_AFTER = 20.0
FD_H = 1e-6
FD_H5 = 1e-4
W_LO, W_HI = -1.0, 2.7
N_PER_RATIO = 30
RATIOS = [1.0, 2.0, 1.37]
MIN_SLOPE = 0.02   # mV/ms
MIN_GAP = 1e-3     # ms
MIN_MISS = 1e-3    # mV

CM, TAU_S, V_REST, V_THRESH = 1.0, 1.0, 0.0, 1.0

TEST_VECTORS = [
    # (tau_m, times, weights, T_ref or None, dT/dw ref (6 dp), dT/dt ref (6 dp))
    (1.0, [0.2, 0.5, 0.9], [1.5, 1.2, 1.0], 1.0049095706078353,
     [-0.277834, -0.235256, -0.072922], [0.101010, 0.276817, 0.622173]),
    (2.0, [0.2, 0.5, 0.9], [1.5, 1.2, 1.0], 0.9095524297918622,
     [-0.206877, -0.149018, -0.004684], [0.209181, 0.304035, 0.486784]),
    (1.0, [0.2, 0.5, 0.9, 1.3], [1.6, -0.8, 2.0, 0.9], 1.4225729367458761, None, None),
    (2.0, [0.2, 0.5, 0.9, 1.3], [1.6, -0.8, 2.0, 0.9], 1.27938904385847, None, None),
    (1.0, [0.2, 0.5, 0.9, 1.3], [1.2, -0.8, 1.5, 0.9], None, None, None),
    (2.0, [0.2, 0.5, 0.9, 1.3], [1.2, -0.8, 1.5, 0.9], 1.5487119751768232, None, None),
]


# ----------------------------------------------------------------------------
# ODE first spike
# ----------------------------------------------------------------------------
def simulate(tau_m, times, weights, tau_s=TAU_S, cm=CM, v_rest=V_REST, v_thresh=V_THRESH,
             rtol=RTOL, atol=ATOL, max_step=MAX_STEP, want_miss=False):
    """Return (T or None, info).  info: slope_at_spike or closest_miss_mV."""
    gl = cm / tau_m
    rest_u = v_rest - v_thresh  # exact for the values used (0 - 1)

    def rhs(t, y):
        return np.array([(gl * (rest_u - y[0]) + y[1]) / cm, -y[1] / tau_s])

    def event(t, y):
        return y[0]
    event.terminal = True
    event.direction = 1

    order = sorted(range(len(times)), key=lambda i: times[i])
    ts = [float(times[i]) for i in order]
    ws = [float(weights[i]) for i in order]
    t_end = ts[-1] + T_AFTER
    y = np.array([rest_u, 0.0])
    t = ts[0]  # nothing happens before the first input (V = v_rest, I = 0)
    closest = -np.inf
    for k in range(len(ts)):
        y[1] += ws[k]
        t1 = ts[k + 1] if k + 1 < len(ts) else t_end
        if t1 <= t:
            continue
        sol = solve_ivp(rhs, (t, t1), y, method="DOP853", rtol=rtol, atol=atol,
                        max_step=max_step, dense_output=True, events=event)
        if sol.status < 0:
            raise RuntimeError(sol.message)
        tg = sol.t
        t_ev = sol.t_events[0][0] if sol.status == 1 else None
        grid = np.concatenate([np.linspace(tg[i], tg[i + 1], SAMPLES_PER_STEP, endpoint=False)
                               for i in range(len(tg) - 1)] + [[tg[-1]]])
        ug = sol.sol(grid)[0]
        cross = None
        pos = np.nonzero(ug > 0.0)[0]
        if len(pos):
            j = pos[0]
            if j == 0:
                raise RuntimeError("u > 0 at start of a free piece")
            a, b = grid[j - 1], grid[j]
            if t_ev is None or b < t_ev - 1e-9:  # crossing missed by the event detector
                cross = brentq(lambda x: sol.sol(x)[0], a, b, xtol=1e-16, rtol=8.9e-16,
                               maxiter=500)
        if cross is None and t_ev is not None:
            i = np.searchsorted(tg, t_ev)
            a, b = tg[max(i - 1, 0)], tg[min(i, len(tg) - 1)]
            if sol.sol(a)[0] < 0.0 < sol.sol(b)[0]:
                cross = brentq(lambda x: sol.sol(x)[0], a, b, xtol=1e-16, rtol=8.9e-16,
                               maxiter=500)
            else:
                cross = t_ev
        if cross is not None:
            yc = sol.sol(cross)
            slope = float(rhs(cross, [0.0, yc[1]])[0])
            return float(cross), dict(slope_at_spike=slope)
        if want_miss:
            j = int(np.argmax(ug))
            m = float(ug[j])
            if 0 < j < len(grid) - 1:
                r = minimize_scalar(lambda x: -sol.sol(x)[0], bounds=(grid[j - 1], grid[j + 1]),
                                    method="bounded", options=dict(xatol=1e-13))
                m = max(m, float(-r.fun))
            closest = max(closest, m)
        y = sol.y[:, -1].copy()
        t = t1
    return None, dict(closest_miss_mV=closest)


def shifted_spike(tau_m, times, weights, which, i, shift):
    """The ODE spike time with weight (which == "w") or time (which == "t") i moved by shift;
    None if the spike vanishes."""
    tt, ww = list(times), list(weights)
    (ww if which == "w" else tt)[i] += shift
    return simulate(tau_m, tt, ww)[0]


def fd_grads(tau_m, times, weights, h):
    """Central differences (2-point) of the ODE T w.r.t. weights and times."""
    out = []
    for which in ("w", "t"):
        g = []
        for i in range(len(times)):
            up, down = (shifted_spike(tau_m, times, weights, which, i, s * h) for s in (1, -1))
            if up is None or down is None:
                return None
            g.append((up - down) / (2 * h))
        out.append(g)
    return out


def fd_grads5(tau_m, times, weights, h):
    """Central differences (4-point) of the ODE T w.r.t. weights and times."""
    res = []
    for which in ("w", "t"):
        g = []
        for i in range(len(times)):
            f = {s: shifted_spike(tau_m, times, weights, which, i, s * h) for s in (-2, -1, 1, 2)}
            if None in f.values():
                return None
            g.append((-f[2] + 8 * f[1] - 8 * f[-1] + f[-2]) / (12 * h))
        res.append(g)
    return res


# ----------------------------------------------------------------------------
# Closed form (check only; valid for cm = tau_s = v_thresh = 1, v_rest = 0)
# ----------------------------------------------------------------------------
def closed_form(tau_m, times, weights):
    assert CM == 1.0 and TAU_S == 1.0 and V_THRESH == 1.0 and V_REST == 0.0
    o = np.argsort(times, kind="stable")
    t = np.asarray(times, float)[o]
    w = np.asarray(weights, float)[o]
    c = (1.0 / tau_m) * 1.0  # g_l * (threshold - leak)
    n = len(t)
    for k in range(1, n + 1):
        tk, wk = t[:k], w[:k]
        nxt = t[k] if k < n else np.inf
        a1 = np.sum(wk * np.exp(tk))
        if a1 <= 0:
            continue
        if tau_m == 1.0:
            b = np.sum(wk * tk * np.exp(tk))
            z = -c / a1 * np.exp(b / a1)
            if z < -1 / np.e:
                continue
            W = float(np.real(lambertw(z, 0)))
            T = b / a1 - W
            if not (tk[-1] <= T <= nxt):
                continue
            dw = -np.exp(tk) * (T - tk) / (a1 * (1 + W))
            dt = -wk * np.exp(tk) * (T - tk - 1.0) / (a1 * (1 + W))
        elif tau_m == 2.0:
            a2 = np.sum(wk * np.exp(tk / 2.0))
            disc = a2 * a2 - 4 * a1 * c
            if disc < 0:
                continue
            x = np.sqrt(disc)
            T = 2.0 * np.log(2 * a1 / (a2 + x))
            if not (tk[-1] <= T <= nxt):
                continue
            f = 1 + (c / x) * np.exp(T / 2.0)
            dw = 2.0 * (f * np.exp(tk) / a1 - np.exp(tk / 2.0) / x)
            dt = wk * (2.0 * f * np.exp(tk) / a1 - np.exp(tk / 2.0) / x)
        else:
            raise ValueError("no closed form for this ratio")
        gw = np.zeros(n)
        gt = np.zeros(n)
        gw[:k], gt[:k] = dw, dt
        inv = np.empty(n, int)
        inv[o] = np.arange(n)
        return float(T), gw[inv].tolist(), gt[inv].tolist()
    return None, None, None


# ----------------------------------------------------------------------------
def make_case(cid, kind, tau_m, times, weights):
    T, info = simulate(tau_m, times, weights, want_miss=True)
    case = dict(id=cid, kind=kind, tau_m=tau_m, tau_s=TAU_S, cm=CM, v_rest=V_REST,
                v_thresh=V_THRESH, times=list(times), weights=list(weights), first_spike=T)
    reject = None
    if T is None:
        case["closest_miss_mV"] = info["closest_miss_mV"]
        if info["closest_miss_mV"] > -MIN_MISS:
            reject = "near_miss"
        return case, reject
    slope = info["slope_at_spike"]
    if slope < MIN_SLOPE:
        return case, "graze"
    if min(abs(ti - T) for ti in times) < MIN_GAP:
        return case, "input_near_T"
    g = fd_grads(tau_m, times, weights, FD_H)
    g5 = fd_grads5(tau_m, times, weights, FD_H5)
    if g is None or g5 is None:
        return case, "fd_lost_spike"
    err = max(max(abs(a - b) for a, b in zip(g[0], g5[0])),
              max(abs(a - b) for a, b in zip(g[1], g5[1])))
    case.update(dT_dw=g[0], dT_dt=g[1], n_causal=int(sum(ti < T for ti in times)),
                slope_at_spike=slope, fd_err_est=err)
    return case, None


def dumps_compact(obj):
    """Top level indented, one case per line."""
    head = {k: v for k, v in obj.items() if k != "cases"}
    s = json.dumps(head, indent=1)[:-2]
    s += ',\n "cases": [\n' + ",\n".join("  " + json.dumps(c) for c in obj["cases"]) + "\n ]\n}\n"
    return s


def main():
    t0 = time.time()
    cases = []
    lines = []
    # (1) test vectors
    for k, (tm, tt, ww, Tref, dwref, dtref) in enumerate(TEST_VECTORS):
        case, rej = make_case(f"tv{k}", "test_vector", tm, tt, ww)
        assert rej is None, (k, rej)
        T = case["first_spike"]
        if Tref is None:
            msg = f"tv{k} tau_m={tm}: ODE no spike (notes: no spike), closest {case['closest_miss_mV']:.4f} mV"
            assert T is None
        else:
            msg = f"tv{k} tau_m={tm}: ODE T={T!r}  notes T={Tref!r}  diff={T - Tref:.3e}"
            if dwref is not None:
                ew = max(abs(a - b) for a, b in zip(case["dT_dw"], dwref))
                et = max(abs(a - b) for a, b in zip(case["dT_dt"], dtref))
                msg += f"; FD vs 6-dp notes values: max|d dw|={ew:.2e}, max|d dt|={et:.2e}"
        print(msg, flush=True)
        lines.append(msg)
        cases.append(case)

    # (2) random cases
    rng = np.random.default_rng(SEED)
    rejects = {}
    n_spk = 0
    for ratio in RATIOS:
        tm = ratio * TAU_S
        got = 0
        while got < N_PER_RATIO:
            n = int(rng.integers(2, 9))
            tt = [round(float(x), 6) for x in rng.uniform(0.0, 3.0, n)]
            ww = [round(float(x), 6) for x in rng.uniform(W_LO, W_HI, n)]
            if len(set(tt)) < n:
                rejects["equal_times"] = rejects.get("equal_times", 0) + 1
                continue
            case, rej = make_case(f"r{ratio:g}_{got}", "random", tm, tt, ww)
            if rej is not None:
                rejects[rej] = rejects.get(rej, 0) + 1
                continue
            cases.append(case)
            got += 1
            n_spk += case["first_spike"] is not None
    n_rand = N_PER_RATIO * len(RATIOS)
    print(f"random: {n_spk}/{n_rand} spike; rejected+redrawn: {rejects}", flush=True)

    # checks
    dT_cf, dg_cf, dT_re = 0.0, 0.0, 0.0
    for c in cases:
        if c["tau_m"] in (1.0, 2.0):
            T, gw, gt = closed_form(c["tau_m"], c["times"], c["weights"])
            assert (T is None) == (c["first_spike"] is None), c["id"]
            if T is not None:
                dT_cf = max(dT_cf, abs(T - c["first_spike"]))
                dg_cf = max(dg_cf, max(abs(a - b) for a, b in zip(gw, c["dT_dw"])),
                            max(abs(a - b) for a, b in zip(gt, c["dT_dt"])))
        # error estimate: rerun at different tolerance / step sequence
        T2, _ = simulate(c["tau_m"], c["times"], c["weights"], rtol=1e-11, atol=1e-13, max_step=0.02)
        assert (T2 is None) == (c["first_spike"] is None), c["id"]
        if T2 is not None:
            dT_re = max(dT_re, abs(T2 - c["first_spike"]))
    fd_err = max(c.get("fd_err_est", 0.0) for c in cases)
    summary = (f"closed form (ratios 1, 2; {sum(c['tau_m'] in (1.0, 2.0) for c in cases)} cases, "
               f"spike/no-spike agree in all): max|T_ode - T_cf| = {dT_cf:.3e} ms, "
               f"max|FD - analytic gradient| = {dg_cf:.3e}; "
               f"rerun rtol=1e-11, atol=1e-13, max_step=0.02: max|dT| = {dT_re:.3e} ms; "
               f"max fd_err_est = {fd_err:.3e}")
    print(summary, flush=True)
    lines.append(f"random: {n_spk}/{n_rand} spike; rejected and redrawn: {rejects}")
    lines.append(summary)

    obj = {
        "generator": GENERATOR,
        "description": ("First threshold crossing (TTFS, no reset) of one neuron "
                        "cm dV/dt = -(cm/tau_m)(V - v_rest) + I, dI/dt = -I/tau_s, "
                        "input i adds weights[i] to I at times[i]; V(0)=v_rest, I(0)=0. "
                        "first_spike null = no crossing before max(times) + 20 ms. "
                        "dT_dw/dT_dt: central finite differences (step fd_step) of the ODE solution, "
                        "0 for inputs after T."),
        "units": {"time": "ms", "weight": "nA", "cm": "nF", "v": "mV",
                  "dT_dw": "ms/nA", "dT_dt": "1", "slope_at_spike": "mV/ms"},
        "fd_step": FD_H,
        "suggested_tolerances": {"first_spike_abs_ms": 1e-12,
                                 "grad_abs": 2e-8, "grad_rel": 1e-7},
        "oracle_notes": (f"scipy DOP853 rtol={RTOL:g} atol={ATOL:g} max_step={MAX_STEP} ms, piecewise "
                         f"between inputs, brentq-refined event on dense output, 16-sample graze guard; "
                         f"weights uniform[{W_LO}, {W_HI}], times uniform[0, 3], 2-8 inputs, 6-dp rounding; "
                         f"rejection: slope<{MIN_SLOPE} mV/ms, |t_i-T|<{MIN_GAP} ms, "
                         f"near miss >-{MIN_MISS} mV, FD losing spike. " + " | ".join(lines)),
        "cases": cases,
    }
    s = dumps_compact(obj)
    json.loads(s)
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as f:
        f.write(s)
    print(f"wrote {FIXTURE} ({len(s) / 1024:.1f} KB, {len(cases)} cases) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Independent ODE oracle for exactspike single-neuron spike times.

HOW THE FIXTURES WERE MADE
  Regenerate (from the crate root):
      /work/venv/bin/python tests/oracles/ode_spikes.py            # writes fixtures
      /work/venv/bin/python tests/oracles/ode_spikes.py --check    # + error estimate (rtol=atol=1e-11, max_step=0.05 rerun)
  (then tests/oracles/nest_iaf_psc_exp_ps.py for the curr_exp_nest fixture,
  which re-uses CASES["curr_exp_three_taus"] from this file.)

  Inputs: Poisson spike trains from numpy.random.default_rng(seed) with the
  per-case seeds in CASES below (exc train drawn first, then inh train, from the
  same Generator); source times rounded to 6 decimals; arrival time computed in
  float64 exactly as Rust does: arrival = t + 1.0 (delay 1.0 ms).

  Method: the full ODE state (u = V - v_thresh, syn_E, syn_I) is integrated with
  scipy.integrate.solve_ivp(method="DOP853", rtol=1e-12, atol=1e-12,
  max_step=0.01 ms) piecewise between input arrivals; inputs are applied as
  jumps of syn_E / syn_I between pieces.  V is integrated relative to threshold
  (u = V - v_thresh, constants formed with exact rational arithmetic and rounded
  once) so the threshold test is done on a quantity near 0 where atol=1e-12
  dominates.  Threshold crossings: solve_ivp terminal event u = 0, direction +1,
  then refined with brentq (xtol 1e-15) on the DOP853 dense output within the
  step.  Graze guard: the dense output of every free piece is additionally
  sampled at 16 points per step; any sample with u > 0 before the located
  event (a crossing the event detector missed) is taken as the first crossing
  (counted in "missed_by_event_detector"), and all local maxima of u that stay
  below threshold are refined (bounded minimize_scalar on the dense output) to
  report the closest sub-threshold approach ("closest_miss_mV").  After a spike
  V is clamped to v_reset for tau_refrac while the synaptic variables decay
  analytically (exp) and still receive jumps; free integration restarts at
  t_spike + tau_refrac from v_reset.
"""

import argparse
import os
import sys
import time
from fractions import Fraction

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc  # noqa: E402

RTOL = 1e-12
ATOL = 1e-12
MAX_STEP = 0.01
SAMPLES_PER_STEP = 16

# ----------------------------------------------------------------------------
# Cases.  Rates in kHz, weights in uS (cond) / nA (curr; inhibitory negative).
# ----------------------------------------------------------------------------
CASES = {
    "cond_exp_equal_tau": dict(
        model="IF_cond_exp",
        params=dict(cm=0.2, tau_m=1.0, tau_refrac=10.0, tau_syn_E=10.0, tau_syn_I=10.0,
                    e_rev_E=0.0, e_rev_I=-100.0, v_rest=-50.3, v_reset=-50.001,
                    v_thresh=-50.0, i_offset=0.0),
        v_init=-50.3, seed=20240601, t_stop=2000.0,
        rate_exc=3.0, rate_inh=3.0, w_exc=0.001, w_inh=0.001),
    "cond_exp_coba": dict(
        model="IF_cond_exp",
        params=dict(cm=0.2, tau_m=20.0, tau_refrac=5.0, tau_syn_E=5.0, tau_syn_I=10.0,
                    e_rev_E=0.0, e_rev_I=-80.0, v_rest=-60.0, v_reset=-60.0,
                    v_thresh=-50.0, i_offset=0.0),
        v_init=-60.0, seed=20240602, t_stop=2000.0,
        rate_exc=9.0, rate_inh=0.9, w_exc=0.006, w_inh=0.067),
    "curr_exp_three_taus": dict(
        model="IF_curr_exp",
        params=dict(cm=0.25, tau_m=10.0, tau_refrac=2.0, tau_syn_E=2.0, tau_syn_I=5.0,
                    v_rest=-70.0, v_reset=-70.0, v_thresh=-55.0, i_offset=0.0),
        v_init=-70.0, seed=20240603, t_stop=2000.0,
        rate_exc=4.0, rate_inh=1.5, w_exc=0.3, w_inh=-0.3),
}


def make_inputs(case):
    rng = np.random.default_rng(case["seed"])
    t_end = case["t_stop"] - oc.DELAY  # arrivals before t_stop
    exc = oc.poisson_source_times(rng, case["rate_exc"], t_end)
    inh = oc.poisson_source_times(rng, case["rate_inh"], t_end)
    return exc, inh


def exact_diff(a, b):
    """a - b for float64 a, b, correctly rounded (single rounding)."""
    return float(Fraction(a) - Fraction(b))


class Neuron:
    def __init__(self, model, p):
        self.model = model
        self.p = p
        th = p["v_thresh"]
        self.tauE = p["tau_syn_E"]
        self.tauI = p["tau_syn_I"]
        self.cm = p["cm"]
        self.inv_taum = 1.0 / p["tau_m"]
        self.rest_u = exact_diff(p["v_rest"], th)
        self.reset_u = exact_diff(p["v_reset"], th)
        self.tref = p["tau_refrac"]
        self.ioff = p["i_offset"]
        if model == "IF_cond_exp":
            self.gL = p["cm"] / p["tau_m"]
            self.eE_u = exact_diff(p["e_rev_E"], th)
            self.eI_u = exact_diff(p["e_rev_I"], th)

    def rhs(self, t, y):
        u, sE, sI = y[0], y[1], y[2]
        if self.model == "IF_cond_exp":
            du = (self.gL * (self.rest_u - u) + sE * (self.eE_u - u)
                  + sI * (self.eI_u - u) + self.ioff) / self.cm
        else:
            du = (self.rest_u - u) * self.inv_taum + (sE + sI + self.ioff) / self.cm
        return np.array([du, -sE / self.tauE, -sI / self.tauI])


def simulate(model, p, v_init, t_stop, exc_arr, inh_arr, rtol=RTOL, atol=ATOL,
             max_step=MAX_STEP, w_exc=0.0, w_inh=0.0, guard=True):
    nrn = Neuron(model, p)
    ev = sorted([(t, 0) for t in exc_arr] + [(t, 1) for t in inh_arr])
    u = exact_diff(v_init, p["v_thresh"])
    sE = sI = 0.0
    t = 0.0
    refr_end = -np.inf
    spikes = []
    diag = dict(missed_by_event_detector=0, closest_miss_mV=-np.inf,
                closest_miss_t=None, min_slope_at_spike=np.inf, n_pieces=0)

    def event(tt, y):
        return y[0]
    event.terminal = True
    event.direction = 1

    def advance(t0, t1):
        """Advance state from t0 to t1 (no input in between). May spike."""
        nonlocal u, sE, sI, refr_end
        tcur = t0
        while tcur < t1:
            if tcur < refr_end:
                tn = min(refr_end, t1)
                dt = tn - tcur
                sE *= np.exp(-dt / nrn.tauE)
                sI *= np.exp(-dt / nrn.tauI)
                if tn == refr_end:
                    u = nrn.reset_u  # free from v_reset afterwards
                tcur = tn
                continue
            diag["n_pieces"] += 1
            sol = solve_ivp(nrn.rhs, (tcur, t1), [u, sE, sI], method="DOP853",
                            rtol=rtol, atol=atol, max_step=max_step,
                            dense_output=True, events=event)
            t_end = sol.t[-1]
            t_ev = sol.t_events[0][0] if sol.status == 1 else None
            ts = sol.t
            if not guard:  # error-estimate reruns: plain event location + brentq
                if t_ev is not None:
                    i = np.searchsorted(ts, t_ev)
                    a, b = ts[max(i - 1, 0)], ts[min(i, len(ts) - 1)]
                    if sol.sol(a)[0] < 0.0 < sol.sol(b)[0]:
                        t_ev = brentq(lambda x: sol.sol(x)[0], a, b, xtol=1e-15,
                                      rtol=8.9e-16, maxiter=500)
                    y = sol.sol(t_ev)
                    sE, sI = y[1], y[2]
                    spikes.append(float(t_ev))
                    u = nrn.reset_u
                    refr_end = t_ev + nrn.tref
                    tcur = t_ev
                    continue
                u, sE, sI = sol.y[0, -1], sol.y[1, -1], sol.y[2, -1]
                tcur = t1
                continue
            # graze guard: dense samples over every step up to t_end
            grid = np.concatenate([np.linspace(ts[i], ts[i + 1], SAMPLES_PER_STEP,
                                               endpoint=False) for i in range(len(ts) - 1)]
                                  + [[t_end]])
            ug = sol.sol(grid)[0]
            cross = None
            pos = np.nonzero(ug > 0.0)[0]
            if len(pos):
                k = pos[0]
                if k == 0:
                    raise RuntimeError(f"u>0 at start of free piece t={grid[0]}")
                a, b = grid[k - 1], grid[k]
                if t_ev is None or b < t_ev - 1e-9:
                    diag["missed_by_event_detector"] += 1
                    cross = brentq(lambda x: sol.sol(x)[0], a, b, xtol=1e-15, rtol=8.9e-16,
                                   maxiter=500)
            if cross is None and t_ev is not None:
                # refine the located event on the dense output
                i = np.searchsorted(ts, t_ev)
                a = ts[max(i - 1, 0)]
                b = ts[min(i, len(ts) - 1)]
                fa, fb = sol.sol(a)[0], sol.sol(b)[0]
                if fa < 0.0 < fb:
                    cross = brentq(lambda x: sol.sol(x)[0], a, b, xtol=1e-15,
                                   rtol=8.9e-16, maxiter=500)
                else:
                    cross = t_ev
            # closest sub-threshold approach (local maxima below 0)
            lim = len(grid) if cross is None else np.searchsorted(grid, cross)
            ugl = ug[:lim]
            if len(ugl) >= 3:
                im = np.nonzero((ugl[1:-1] >= ugl[:-2]) & (ugl[1:-1] >= ugl[2:]))[0] + 1
                for j in im:
                    if ugl[j] > -1e-3:
                        r = minimize_scalar(lambda x: -sol.sol(x)[0],
                                            bounds=(grid[j - 1], grid[j + 1]),
                                            method="bounded", options=dict(xatol=1e-13))
                        m = -r.fun
                        if m > diag["closest_miss_mV"]:
                            diag["closest_miss_mV"] = m
                            diag["closest_miss_t"] = float(r.x)
            if cross is None:
                # includes piece endpoints (corner maxima at inhibitory arrivals)
                j = int(np.argmax(ug))
                if ug[j] > diag["closest_miss_mV"]:
                    diag["closest_miss_mV"] = float(ug[j])
                    diag["closest_miss_t"] = float(grid[j])
            if cross is not None:
                y = sol.sol(cross)
                sE, sI = y[1], y[2]
                slope = nrn.rhs(cross, [0.0, sE, sI])[0]
                diag["min_slope_at_spike"] = min(diag["min_slope_at_spike"], slope)
                spikes.append(float(cross))
                u = nrn.reset_u
                refr_end = cross + nrn.tref
                tcur = cross
                continue
            u, sE, sI = sol.y[0, -1], sol.y[1, -1], sol.y[2, -1]
            tcur = t1

    wE = w_exc
    wI = w_inh
    for (ta, kind) in ev:
        if ta >= t_stop:
            break
        advance(t, ta)
        if kind == 0:
            sE += wE
        else:
            sI += wI
        t = ta
    advance(t, t_stop)
    spikes = [s for s in spikes if s < t_stop]
    return spikes, diag


def run_case(name, rtol=RTOL, atol=ATOL, guard=True, max_step=MAX_STEP):
    c = CASES[name]
    exc, inh = make_inputs(c)
    spikes, diag = simulate(c["model"], c["params"], c["v_init"], c["t_stop"],
                            oc.arrivals(exc), oc.arrivals(inh), rtol=rtol, atol=atol,
                            max_step=max_step, w_exc=c["w_exc"], w_inh=c["w_inh"], guard=guard)
    return c, exc, inh, spikes, diag


def toml_for(c, exc, inh):
    return oc.experiment_toml(c["model"], c["params"], c["v_init"], c["t_stop"],
                              exc, inh, c["w_exc"], c["w_inh"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true",
                    help="also rerun at rtol=atol=1e-11 and record max |dt| in oracle_notes")
    ap.add_argument("--check-only", action="store_true",
                    help="skip the main run; recompute the check for an existing fixture")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    names = [args.only] if args.only else list(CASES)
    for name in names:
        if args.check_only:
            check_existing(name)
            continue
        t0 = time.time()
        c, exc, inh, spikes, diag = run_case(name)
        el = time.time() - t0
        notes = (f"scipy DOP853 rtol=atol={RTOL:g}, max_step={MAX_STEP} ms, piecewise between "
                 f"arrivals, brentq-refined threshold events on dense output; "
                 f"{len(exc)} exc + {len(inh)} inh inputs; "
                 f"event-detector misses caught by graze guard: {diag['missed_by_event_detector']}; "
                 f"closest sub-threshold approach {diag['closest_miss_mV']:.3e} mV "
                 f"(t={diag['closest_miss_t']}); min dV/dt at spike {diag['min_slope_at_spike']:.3e} mV/ms")
        line = (f"{name}: {len(spikes)} spikes ({len(spikes) / c['t_stop'] * 1000:.1f} Hz), "
                f"{el:.1f}s; {notes}")
        print(line, flush=True)
        obj = {
            "generator": (f"tests/oracles/ode_spikes.py (numpy default_rng seed {c['seed']}; "
                          f"command: /work/venv/bin/python tests/oracles/ode_spikes.py --check)"),
            "case": name,
            "experiment": toml_for(c, exc, inh),
            "population": "neuron",
            "expected_times": spikes,
            "tolerance_ms": 1e-9,
            "oracle_notes": notes,
        }
        path, size = oc.write_fixture(name, obj)
        print(f"   wrote {path} ({size / 1024:.0f} KB)", flush=True)
        if args.check:
            check_existing(name)


CHECK = dict(rtol=1e-11, atol=1e-11, max_step=0.05)


def check_existing(name):
    """Error estimate: rerun with rtol=atol=1e-11 and max_step=0.05 ms (so the
    step sequence really differs - with max_step=0.01 the DOP853 steps are
    max_step-limited and 1e-11 reproduces the 1e-12 run bit for bit) and
    record max |dt| against the stored fixture in oracle_notes."""
    import json
    path = os.path.join(oc.FIXTURES, name + ".json")
    with open(path) as f:
        obj = json.load(f)
    c = CASES[name]
    exc, inh = make_inputs(c)
    assert obj["experiment"] == toml_for(c, exc, inh), "fixture is stale"
    spikes = obj["expected_times"]
    _, _, _, s2, _ = run_case(name, guard=False, **CHECK)
    if len(s2) != len(spikes):
        err = f"COUNT MISMATCH {len(s2)} vs {len(spikes)}"
    else:
        err = float(np.max(np.abs(np.array(s2) - np.array(spikes))))
    print(f"{name}: max|dt| vs rtol=atol=1e-11, max_step=0.05: {err}", flush=True)
    notes = obj["oracle_notes"].split("; self-consistency")[0]
    obj["oracle_notes"] = notes + (f"; self-consistency max|dt| vs rerun at rtol=atol=1e-11, "
                                   f"max_step=0.05 ms: {err} ms")
    path, size = oc.write_fixture(name, obj)
    print(f"   rewrote {path} ({size / 1024:.0f} KB)", flush=True)


if __name__ == "__main__":
    main()

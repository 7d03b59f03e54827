#!/usr/bin/env python3
"""Oracle for NEST's lossless-detection regression case (src/neuron/curr_exp.rs,
test `nest_lossless_regression`).

Setup, as in NEST's testsuite/pytests/sli2py_neurons/test_iaf_psc_exp_ps_lossless.py
(`test_lossless_spike_detection`), in PyNN units: tau_m = 100 ms, tau_syn = 1 ms, C_m = 250 pF = 0.25 nF,
E_L = V_reset = -70 mV, V_th = -49 mV. At t = 2 ms, V is set to -49.001 mV while a 52.5 pA DC input
(0.0525 nA, which alone holds V at V_inf = -49 mV exactly) is on; it is switched off at t = 2 ms, which
reaches the neuron after the 1 ms delay plus NEST's one-step lag of the precise models (they read the
step's current at the end of the step), so the DC acts on [2, 4) ms. One input of weight
55 / 70 / 90 pA arrives at t = 4 ms. NEST expects no spike, 4.01442 ms, 4.00659 ms. (With the DC off
from t = 3 ms instead, V(4) = -49.21 mV and no neuron fires, so [2, 4) is the faithful reading; the
NEST run below confirms it to double precision.)

This script recomputes the crossing times of the exact solution with mpmath (50 digits; findroot
on the closed form, bracketed between t = 4 and the PSP peak) and, if NEST is importable, runs the
NEST model to record its double-precision spike times too.

Run:  /work/venv/bin/python tests/oracles/currexp_nest_lossless.py > tests/fixtures/currexp_nest_lossless.json
"""
import json

import mpmath as mp

mp.mp.dps = 50
TAU_M, TAU_S, C, E_L, V_TH = mp.mpf(100), mp.mpf(1), mp.mpf("0.25"), mp.mpf(-70), mp.mpf(-49)
I_DC = mp.mpf("0.0525")
WEIGHTS_PA = [55.0, 70.0, 90.0]


def v_at_4():
    v_inf = E_L + TAU_M / C * I_DC  # = -49 exactly
    return v_inf + (mp.mpf(-49.001) - v_inf) * mp.exp(-2 / TAU_M)


def v_after(v4, w_na, s):
    k = (mp.exp(-s / TAU_S) - mp.exp(-s / TAU_M)) / (1 / TAU_M - 1 / TAU_S)
    return E_L + (v4 - E_L) * mp.exp(-s / TAU_M) + w_na / C * k


def crossing(v4, w_na):
    # Maximum of V: derivative root; then the first crossing lies in [0, s_max].
    dv = lambda s: mp.diff(lambda y: v_after(v4, w_na, y), s)
    s_max = mp.findroot(dv, (mp.mpf("1e-6"), mp.mpf(10)), solver="anderson")
    if v_after(v4, w_na, s_max) < V_TH:
        return None, float(v_after(v4, w_na, s_max) - V_TH)
    s = mp.findroot(lambda y: v_after(v4, w_na, y) - V_TH, (mp.mpf(0), s_max), solver="anderson")
    return float(4 + s), float(v_after(v4, w_na, s_max) - V_TH)


def nest_times():
    try:
        import contextlib
        import os

        with contextlib.redirect_stdout(open(os.devnull, "w")):
            import nest
    except ImportError:
        return None
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.set(local_num_threads=1, resolution=1.0)
    nest.SetDefaults("iaf_psc_exp_ps_lossless",
                     {"tau_m": 100.0, "tau_syn_ex": 1.0, "tau_syn_in": 1.0, "C_m": 250.0, "V_th": -49.0})
    sg = nest.Create("spike_generator", {"precise_times": True, "spike_times": [3.0]})
    dc = nest.Create("dc_generator", {"amplitude": 52.5})
    nrns, recs = [], []
    for w in WEIGHTS_PA:
        n = nest.Create("iaf_psc_exp_ps_lossless")
        nest.Connect(sg, n, syn_spec={"weight": w})
        nest.Connect(dc, n, syn_spec={"delay": 1.0, "weight": 1})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nrns.append(n)
        recs.append(sr)
    nest.Simulate(2.0)
    for n in nrns:
        n.V_m = -49.001
    dc.amplitude = 0.0
    nest.Simulate(10.0)
    return [[float(t) for t in sr.events["times"]] for sr in recs]


def main():
    v4 = v_at_4()
    rows = []
    for w in WEIGHTS_PA:
        t, excess = crossing(v4, mp.mpf(w) / 1000)
        rows.append({"weight_nA": w / 1000, "spike_time": t, "peak_minus_threshold_mV": excess})
    print(json.dumps({"generator": "tests/oracles/currexp_nest_lossless.py", "v_at_4": float(v4),
                      "cases": rows, "nest_spike_times": nest_times()}, indent=1))


if __name__ == "__main__":
    main()

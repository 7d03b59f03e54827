#!/usr/bin/env python3
"""Independent ODE oracle for `neuron::cond_exp` (exactspike, IF_cond_exp).

Integrates the PyNN IF_cond_exp membrane equation (ms, mV, nF, µS, nA) from random free states
with scipy's DOP853 (rtol = atol = 1e-12, max_step = 0.01 ms) and records V at a few times and the
first upward threshold crossing (event location on the dense output). No refractoriness is
involved (the states are free). Writes tests/fixtures/condexp_ode_reference.json.

Usage: python tests/oracles/condexp_ode_reference.py
"""
import json
import pathlib

import numpy as np
from scipy.integrate import solve_ivp

COBA = dict(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-80.0, i_offset=0.0)
SAMPLING = dict(cm=0.2, tau_m=1.0, v_rest=-50.3, v_thresh=-50.0, v_reset=-50.001, tau_refrac=10.0,
                tau_syn_E=10.0, tau_syn_I=7.0, e_rev_E=0.0, e_rev_I=-100.0, i_offset=0.0)
DRIVEN = dict(COBA, tau_syn_E=3.0, tau_syn_I=8.0, i_offset=0.3)
TIMES = [1e-6, 0.01, 0.3, 2.0, 7.5, 25.0]
HORIZON = 60.0


def rhs(p):
    g_l = p["cm"] / p["tau_m"]

    def f(_t, y):
        v, ge, gi = y
        dv = (g_l * (p["v_rest"] - v) + ge * (p["e_rev_E"] - v) + gi * (p["e_rev_I"] - v)
              + p["i_offset"]) / p["cm"]
        return [dv, -ge / p["tau_syn_E"], -gi / p["tau_syn_I"]]

    return f


def case(p, v0, ge0, gi0):
    f = rhs(p)
    kw = dict(method="DOP853", rtol=1e-12, atol=1e-12, max_step=0.01)
    sol = solve_ivp(f, (0.0, max(TIMES)), [v0, ge0, gi0], t_eval=TIMES, **kw)
    event = lambda t, y: y[0] - p["v_thresh"]
    event.terminal, event.direction = True, 1.0
    spk = solve_ivp(f, (0.0, HORIZON), [v0, ge0, gi0], events=event, **kw)
    first = float(spk.t_events[0][0]) if len(spk.t_events[0]) else None
    return dict(params=p, v=v0, g_e=ge0, g_i=gi0, times=TIMES, v_at=[float(x) for x in sol.y[0]],
                first_spike=first)


def main():
    rng = np.random.default_rng(20240611)
    cases = []
    for p, v_lo, ge_hi, gi_hi in [(COBA, -70.0, 0.12, 0.6), (SAMPLING, -51.0, 0.3, 0.3),
                                  (DRIVEN, -65.0, 0.1, 0.4)]:
        for _ in range(12):
            v0 = float(rng.uniform(v_lo, p["v_thresh"] - 1e-3))
            ge0, gi0 = float(rng.uniform(0, ge_hi)), float(rng.uniform(0, gi_hi))
            cases.append(case(p, v0, ge0, gi0))
    out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "condexp_ode_reference.json"
    out.write_text(json.dumps(cases) + "\n")
    n_spk = sum(c["first_spike"] is not None for c in cases)
    print(f"wrote {len(cases)} cases ({n_spk} with a spike) to {out}")


if __name__ == "__main__":
    main()

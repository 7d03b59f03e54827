#!/usr/bin/env python3
"""Oracle for `IF_curr_exp` free propagation (src/neuron/curr_exp.rs, test `propagation_matches_oracle`).

How the fixture is made: each case starts from (V0, I_E0, I_I0) at t = 0 and visits a list of
absolute times; at each time the state is propagated in closed form and then an input (receptor,
weight) is added. The closed form is the textbook solution of
    cm dV/dt = (cm/tau_m)(v_rest - V) + I_E + I_I + i_offset,  dI_X/dt = -I_X/tau_X
    V(s) = V_inf + (V0 - V_inf) e^{-s/tau_m}
           + sum_X (I_X0/cm) (e^{-s/tau_X} - e^{-s/tau_m}) / (1/tau_m - 1/tau_X)   (tau_X != tau_m)
           + sum_X (I_X0/cm) s e^{-s/tau_m}                                          (tau_X == tau_m)
evaluated with mpmath at 50 significant digits (so the near-singular tau_X ~ tau_m cancellation,
which loses ~13 digits, still leaves > 30 correct digits). The float inputs are converted exactly to
mpmath numbers. No refractoriness or threshold is involved (v_thresh is set out of reach).

Run:  /work/venv/bin/python tests/oracles/currexp_propagation.py  > tests/fixtures/currexp_propagation.json
"""
import json
import random

import mpmath as mp

mp.mp.dps = 50


def propagate(p, v, ie, ii, s):
    tm, c = mp.mpf(p["tau_m"]), mp.mpf(p["cm"])
    v_inf = mp.mpf(p["v_rest"]) + tm / c * mp.mpf(p["i_offset"])
    em = mp.exp(-s / tm)
    out = v_inf + (v - v_inf) * em
    new = []
    for i0, key in ((ie, "tau_syn_E"), (ii, "tau_syn_I")):
        tx = mp.mpf(p[key])
        if tx == tm:
            out += i0 / c * s * em
        else:
            out += i0 / c * (mp.exp(-s / tx) - em) / (1 / tm - 1 / tx)
        new.append(i0 * mp.exp(-s / tx))
    return out, new[0], new[1]


def case(name, p, v0, events):
    v, ie, ii = mp.mpf(v0), mp.mpf(0), mp.mpf(0)
    t_prev = mp.mpf(0)
    rows = []
    for t, rec, w in events:
        v, ie, ii = propagate(p, v, ie, ii, mp.mpf(t) - t_prev)
        t_prev = mp.mpf(t)
        rows.append({"t": t, "v": float(v), "i_e": float(ie), "i_i": float(ii), "rec": rec, "w": w})
        if rec == "e":
            ie += mp.mpf(w)
        elif rec == "i":
            ii += mp.mpf(w)
    return {"name": name, "params": p, "v0": v0, "steps": rows}


def params(tau_m, tau_e, tau_i, cm=0.25, i_offset=0.1):
    return {"cm": cm, "tau_m": tau_m, "tau_syn_E": tau_e, "tau_syn_I": tau_i, "v_rest": -65.0,
            "v_thresh": 1.0e6, "v_reset": -70.0, "tau_refrac": 0.0, "i_offset": i_offset}


def random_events(rng, n, t_end, we, wi):
    times = sorted(rng.uniform(0.0, t_end) for _ in range(n))
    ev = []
    for t in times:
        if rng.random() < 0.7:
            ev.append((t, "e", rng.uniform(0.0, we)))
        else:
            ev.append((t, "i", -rng.uniform(0.0, wi)))
    return ev


def main():
    rng = random.Random(20240611)
    tm = 20.0
    specs = [
        ("distinct", params(10.0, 2.0, 5.0)),
        ("e_eq_m", params(10.0, 10.0, 3.0)),
        ("e_eq_i", params(20.0, 5.0, 5.0)),
        ("all_equal", params(8.0, 8.0, 8.0)),
        ("near_singular", params(tm, tm * (1 + 1e-12), tm * (1 - 1e-13))),
        ("near_singular_1e-9", params(tm, tm * (1 + 1e-9), 3.0)),
        ("slow_syn", params(10.0, 30.0, 50.0, cm=1.0, i_offset=-0.2)),
    ]
    cases = []
    for name, p in specs:
        ev = random_events(rng, 25, 200.0, 2.0, 4.0)
        ev += [(200.0 + 1e-9, "e", 0.5), (200.0 + 2e-9, "n", 0.0), (260.0, "n", 0.0)]
        ev += [(1260.0, "e", 1.0), (9260.0, "e", 0.3), (40000.0, "n", 0.0)]  # long gaps: underflow paths
        cases.append(case(name, p, -60.0, ev))
    print(json.dumps({"generator": "tests/oracles/currexp_propagation.py", "dps": mp.mp.dps,
                      "cases": cases}, indent=1))


if __name__ == "__main__":
    main()

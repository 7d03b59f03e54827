#!/usr/bin/env python3
"""Analytic (mpmath, 30+ digits) single-neuron cases for exactspike.

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root):
      /work/venv/bin/python tests/oracles/analytic_cases.py
  Writes tests/fixtures/analytic_cases.json = {"generator", "cases": [ {case
  object in the same shape as the other fixtures}, ... ]}.  No randomness.

  Every parameter is the float64 value written in the TOML (mpf(float) is
  exact), so the expected values are the exact answers for the parameters
  exactspike actually parses, rounded once to float64 at the end.

  Cases
  (a) curr_psp_peak: IF_curr_exp, one excitatory input (arrival 1.5 ms);
      closed form V-v_rest = (w/cm) tm ts/(tm-ts) (e^{-s/tm} - e^{-s/ts}),
      peak at s* = tm ts/(tm-ts) ln(tm/ts).  Threshold far above -> no spike;
      "expected_peak_time" / "expected_peak_v" given for state-recording tests.
  (b) *_graze_below / *_graze_above: single excitatory input; v_thresh set to
      float(V_peak - 1e-9) (expect exactly one spike, at the first crossing,
      computed with mpmath findroot on the exact solution for that float
      threshold) or float(V_peak + 1e-9) (expect no spike).
      IF_curr_exp: closed form.  IF_cond_exp (tau_syn_E = tau_syn_I): exact
      integrating-factor solution V(s) = e^{-A(s)} [V0 + int_0^s e^{A(r)} b(r) dr],
      A(s) = s/tm + (w ts/cm)(1 - e^{-s/ts}), b(r) = (gL v_rest + w e^{-r/ts} E_E)/cm,
      evaluated with mpmath.quad at 40 digits; the peak (V' = b - aV = 0) is
      located with findroot and cross-checked against mpmath.odefun (Taylor ODE
      solver) - the difference is printed and stored in oracle_notes.
      The graze crossing is ill-conditioned: dt = dV / V'(t_cross) with
      V'(t_cross) ~ sqrt(2e-9 |V''|) ~ 1e-4.5 mV/ms, so each graze case carries
      its own "tolerance_ms" = max(1e-9, 1e-12 mV / V'(t_cross)) (1e-12 mV ~ 100
      ulp of V near -55 mV).  The spike/no-spike outcome itself is robust.
  (c) *_dc: i_offset only, initial v = v_reset: first spike at
      T = tm ln((v_reset - V_inf)/(v_thresh - V_inf)), V_inf = v_rest + i_offset tm/cm,
      then every tau_refrac + T.
"""

import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc  # noqa: E402

mp.mp.dps = 40
GEN = ("tests/oracles/analytic_cases.py (mpmath, no randomness; command: "
       "/work/venv/bin/python tests/oracles/analytic_cases.py)")

SRC_T = 0.5                       # source time; arrival = 0.5 + 1.0 = 1.5 exactly
ARR = SRC_T + oc.DELAY
GRAZE = mp.mpf("1e-9")

CURR = dict(cm=0.25, tau_m=10.0, tau_refrac=2.0, tau_syn_E=2.0, tau_syn_I=5.0,
            v_rest=-70.0, v_reset=-70.0, v_thresh=-55.0, i_offset=0.0)
COND = dict(cm=0.2, tau_m=20.0, tau_refrac=5.0, tau_syn_E=5.0, tau_syn_I=5.0,
            e_rev_E=0.0, e_rev_I=-80.0, v_rest=-60.0, v_reset=-60.0,
            v_thresh=-50.0, i_offset=0.0)

M = lambda x: mp.mpf(float(x))  # noqa: E731  exact float -> mpf


# ---------------------------------------------------------------- IF_curr_exp
def curr_psp(p, w):
    cm, tm, ts, vr = M(p["cm"]), M(p["tau_m"]), M(p["tau_syn_E"]), M(p["v_rest"])
    k = M(w) / cm * tm * ts / (tm - ts)
    V = lambda s: vr + k * (mp.exp(-s / tm) - mp.exp(-s / ts))  # noqa: E731
    dV = lambda s: k * (-mp.exp(-s / tm) / tm + mp.exp(-s / ts) / ts)  # noqa: E731
    d2V = lambda s: k * (mp.exp(-s / tm) / tm**2 - mp.exp(-s / ts) / ts**2)  # noqa: E731
    sp = tm * ts / (tm - ts) * mp.log(tm / ts)
    return V, dV, d2V, sp


# ---------------------------------------------------------------- IF_cond_exp
def cond_psp(p, w):
    cm, tm, ts = M(p["cm"]), M(p["tau_m"]), M(p["tau_syn_E"])
    vr, EE, W = M(p["v_rest"]), M(p["e_rev_E"]), M(w)
    gL = cm / tm
    A = lambda s: s / tm + (W * ts / cm) * (1 - mp.exp(-s / ts))  # noqa: E731
    b = lambda r: (gL * vr + W * mp.exp(-r / ts) * EE) / cm  # noqa: E731
    a = lambda s: 1 / tm + W * mp.exp(-s / ts) / cm  # noqa: E731

    def V(s):
        s = mp.mpf(s)
        integ = mp.quad(lambda r: mp.exp(A(r)) * b(r), [0, s / 2, s])
        return mp.exp(-A(s)) * (vr + integ)

    dV = lambda s: b(s) - a(s) * V(s)  # noqa: E731

    # coarse location of the peak, then findroot on V' = 0
    grid = [mp.mpf(i) / 10 for i in range(1, 400)]
    best = max(grid, key=lambda s: V(s))
    sp = mp.findroot(dV, best)
    # independent check with mpmath's Taylor-series ODE solver
    f = mp.odefun(lambda s, v: b(s) - a(s) * v, 0, vr)
    odecheck = abs(f(sp) - V(sp))
    h = mp.mpf("1e-6")
    d2 = (dV(sp + h) - dV(sp - h)) / (2 * h)
    return V, dV, (lambda s: d2), sp, odecheck


def graze(model, p0, w, above, name):
    p = dict(p0)
    if model == "IF_curr_exp":
        V, dV, d2V, sp = curr_psp(p, w)
        d2 = d2V(sp)
        note_extra = "closed form"
    else:
        V, dV, d2f, sp, odecheck = cond_psp(p, w)
        d2 = d2f(sp)
        note_extra = f"quadrature closed form; |odefun - quad| at peak = {mp.nstr(odecheck, 3)} mV"
    vpeak = V(sp)
    thr = float(vpeak + GRAZE) if above else float(vpeak - GRAZE)
    p["v_thresh"] = thr
    th = M(thr)
    assert (th > vpeak) == above
    expected, tol, slope = [], 1e-9, None
    if not above:
        margin = vpeak - th
        delta = mp.sqrt(2 * margin / abs(d2))
        lo, hi = sp - 20 * delta, sp
        assert V(lo) < th < V(hi)
        sc = mp.findroot(lambda s: V(s) - th, (lo, hi), solver="anderson")
        assert lo < sc < hi
        slope = dV(sc)
        tc = ARR + sc
        expected = [float(tc)]
        tol = max(1e-9, float(mp.mpf("1e-12") / slope))
    vinit = p["v_rest"]
    toml = oc.experiment_toml(model, p, vinit, 100.0, [SRC_T], [], w, 0.0)
    notes = (f"single excitatory input w={w} at arrival {ARR} ms; V_peak = {mp.nstr(vpeak, 25)} mV "
             f"at t = {mp.nstr(ARR + sp, 25)} ms; v_thresh = float(V_peak {'+' if above else '-'} 1e-9); "
             f"{note_extra}")
    if slope is not None:
        notes += (f"; crossing dV/dt = {mp.nstr(slope, 6)} mV/ms, exact crossing "
                  f"t = {mp.nstr(ARR + sc, 25)}")
    return dict(generator=GEN, case=name, experiment=toml, population="neuron",
                expected_times=expected, tolerance_ms=tol,
                expected_peak_time=float(ARR + sp), expected_peak_v=float(vpeak),
                oracle_notes=notes)


def psp_peak_case():
    w = 1.0
    V, dV, d2V, sp = curr_psp(CURR, w)
    toml = oc.experiment_toml("IF_curr_exp", CURR, CURR["v_rest"], 100.0, [SRC_T], [], w, 0.0)
    return dict(generator=GEN, case="curr_psp_peak", experiment=toml, population="neuron",
                expected_times=[], tolerance_ms=1e-9,
                expected_peak_time=float(ARR + sp), expected_peak_v=float(V(sp)),
                oracle_notes=(f"IF_curr_exp single EPSP w={w} nA at {ARR} ms: peak at "
                              f"t = {mp.nstr(ARR + sp, 25)} ms, V = {mp.nstr(V(sp), 25)} mV "
                              f"(amplitude {mp.nstr(V(sp) - M(CURR['v_rest']), 25)} mV); no spike"))


def dc_case(model, p0, i_off, t_stop, name):
    p = dict(p0)
    p["i_offset"] = i_off
    cm, tm = M(p["cm"]), M(p["tau_m"])
    vinf = M(p["v_rest"]) + M(i_off) * tm / cm
    T = tm * mp.log((M(p["v_reset"]) - vinf) / (M(p["v_thresh"]) - vinf))
    per = M(p["tau_refrac"]) + T
    ts, k = [], 0
    while True:
        t = T + k * per
        if t >= t_stop:
            break
        ts.append(float(t))
        k += 1
    toml = oc.experiment_toml(model, p, p["v_reset"], t_stop, [], [], 0.0, 0.0)
    return dict(generator=GEN, case=name, experiment=toml, population="neuron",
                expected_times=ts, tolerance_ms=1e-9,
                oracle_notes=(f"DC i_offset={i_off} nA only, v0 = v_reset; V_inf = {mp.nstr(vinf, 20)} mV; "
                              f"first spike T = {mp.nstr(T, 25)} ms, period tau_refrac + T = "
                              f"{mp.nstr(per, 25)} ms; {len(ts)} spikes"))


def main():
    cases = [psp_peak_case()]
    cases.append(graze("IF_curr_exp", CURR, 3.0, False, "curr_graze_below"))
    cases.append(graze("IF_curr_exp", CURR, 3.0, True, "curr_graze_above"))
    cases.append(graze("IF_cond_exp", COND, 0.05, False, "cond_graze_below"))
    cases.append(graze("IF_cond_exp", COND, 0.05, True, "cond_graze_above"))
    cases.append(dc_case("IF_curr_exp", CURR, 0.5, 1000.0, "curr_dc"))
    cases.append(dc_case("IF_cond_exp", COND, 0.15, 1500.0, "cond_dc"))
    for c in cases:
        print(f"{c['case']}: expected {len(c['expected_times'])} spikes "
              f"{c['expected_times'][:3]} tol {c['tolerance_ms']:.2e}; {c['oracle_notes']}")
    path, size = oc.write_fixture("analytic_cases", dict(generator=GEN, cases=cases))
    print(f"wrote {path} ({size} bytes)")


if __name__ == "__main__":
    main()

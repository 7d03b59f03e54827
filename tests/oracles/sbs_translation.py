#!/usr/bin/env python3
"""Independent oracle for `sampling::translation` (exactspike): the sbs translation of
Boltzmann parameters for IF_cond_exp samplers with Poisson background.

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root):
      /work/venv/bin/python tests/oracles/sbs_translation.py
  Writes tests/fixtures/sbs_translation.json = {"generator", "cases", "network"}.
  No randomness. Units: ms, mV, nF, uS, nA; rates in Hz in the fixture (kHz inside).

  Per case (sampler params, Poisson noise, v_rest, alpha), from first principles:
  * g_E = w_E nu_E tau_E, g_I = w_I nu_I tau_I, g_tot = g_l + g_E + g_I, tau_eff = cm/g_tot,
    u_mean = (g_l v_rest + g_E E_E + g_I E_I + i_offset)/g_tot.
  * u_std by Campbell's theorem evaluated by *numerical quadrature* (mpmath, 30 digits):
    Var = sum_syn nu int_0^inf PSP_syn(t)^2 dt, PSP_syn the solution of the linearised
    membrane ODE for one input of weight w_syn.  For non-degenerate cases the sbs closed
    form (tau_g form, sampling.md 1.5) is also evaluated and must agree to 1e-12 (checked).
  * per receptor: delta_E = E_E - u_mean or u_mean - E_I, and the integral over
    [0, tau_refrac] of the unit-weight (1 uS) PSP, twice:
      - "psp_integral": mpmath quad (30 digits) of the PSP obtained by variation of
        constants, PSP(t) = dE/C int_0^t exp(-(t-s)/tau_eff) exp(-s/tau_s) ds, itself
        evaluated by mpmath quad (no closed form used);
      - "psp_integral_ode": scipy solve_ivp (DOP853, rtol 1e-12, atol 1e-15) of
        C dV/dt = -g_tot V + exp(-t/tau_s) dE, dI/dt = V, V(0) = I(0) = 0, I(tau_refrac);
    they must agree to 1e-10 relative (checked).
  * weight_factor = alpha (g_l/g_tot) tau_refrac / psp_integral  [uS per unit W].
  Degenerate and nearly degenerate cases (tau_syn = tau_eff exactly in float64, and
  relative gaps 1e-7, 1e-4, 9e-4, -1.1e-3) probe the neighbourhood where the textbook
  closed form is 0/0; the sbs cases (|tau_syn - tau_eff| large) the regular one.

  "network": the 3-neuron example of issue 3 with a given calibration; expected v_rest
  (v_p05 + alpha b) and for every (pre, post) the receptor (W >= 0 excitatory) and
  weight |W| * weight_factor(post receptor, u_mean at post's own v_rest).
"""

import json
import os

import mpmath as mp
import numpy as np
from scipy.integrate import solve_ivp

mp.mp.dps = 30
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "sbs_translation.json"))
GEN = ("tests/oracles/sbs_translation.py (mpmath quad + scipy solve_ivp, no randomness; "
       "command: /work/venv/bin/python tests/oracles/sbs_translation.py)")

SBS = dict(cm=0.2, tau_m=1.0, v_rest=-50.0, v_thresh=-50.0, v_reset=-50.001, tau_refrac=10.0,
           tau_syn_E=10.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-100.0, i_offset=0.0)
SBS_NOISE = dict(rate_exc=3000.0, rate_inh=3000.0, weight_exc=0.001, weight_inh=0.001)
# tau_eff = 2 ms exactly in float64: g_l = 0.25/4 = 0.0625, g_E = g_I = 2^-10 * 16 * 2 = 0.03125
DEGEN = dict(cm=0.25, tau_m=4.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
             tau_syn_E=2.0, tau_syn_I=2.0, e_rev_E=0.0, e_rev_I=-80.0, i_offset=0.0)
DEGEN_NOISE = dict(rate_exc=16000.0, rate_inh=16000.0, weight_exc=2.0 ** -10,
                   weight_inh=2.0 ** -10)
# no noise: tau_eff = 0.25/0.125 = 2 ms exactly
NEAR = dict(DEGEN, tau_m=2.0)
NO_NOISE = dict(rate_exc=0.0, rate_inh=0.0, weight_exc=0.001, weight_inh=0.001)


def hcs(p, noise, v_rest):
    """Return mp values g_l, g_e, g_i, g_tot, tau_eff, u_mean."""
    M = lambda x: mp.mpf(float(x))  # noqa: E731  exact float -> mpf
    g_l = M(p["cm"]) / M(p["tau_m"])
    g_e = M(noise["weight_exc"]) * M(noise["rate_exc"]) / 1000 * M(p["tau_syn_E"])
    g_i = M(noise["weight_inh"]) * M(noise["rate_inh"]) / 1000 * M(p["tau_syn_I"])
    g_tot = g_l + g_e + g_i
    tau_eff = M(p["cm"]) / g_tot
    u = (g_l * M(v_rest) + g_e * M(p["e_rev_E"]) + g_i * M(p["e_rev_I"]) + M(p["i_offset"])) / g_tot
    return g_l, g_e, g_i, g_tot, tau_eff, u


def psp(t, d_e, cm, tau_eff, tau_s):
    """Unit-weight PSP by variation of constants (quadrature, no closed form)."""
    if t == 0:
        return mp.mpf(0)
    return d_e / cm * mp.quad(lambda s: mp.exp(-(t - s) / tau_eff) * mp.exp(-s / tau_s), [0, t])


def psp_closed(t, d_e, cm, tau_eff, tau_s):
    """Closed form used only for the (infinite-range) Campbell integral; cross-checked below."""
    if tau_s == tau_eff:
        return d_e / cm * t * mp.exp(-t / tau_s)
    return d_e / cm * tau_s * tau_eff / (tau_s - tau_eff) * (mp.exp(-t / tau_s) - mp.exp(-t / tau_eff))


def case(name, p, noise, v_rest, alpha):
    M = lambda x: mp.mpf(float(x))  # noqa: E731
    g_l, g_e, g_i, g_tot, tau_eff, u = hcs(p, noise, v_rest)
    cm, t_ref = M(p["cm"]), M(p["tau_refrac"])
    out = {"name": name, "params": p, "noise": noise, "v_rest": v_rest, "alpha": alpha,
           "g_exc": float(g_e), "g_inh": float(g_i), "g_tot": float(g_tot),
           "tau_eff": float(tau_eff), "u_mean": float(u)}
    var = mp.mpf(0)
    var_sbs = mp.mpf(0)
    for rec, tau_key, e_key, rate_key, w_key in [
            ("excitatory", "tau_syn_E", "e_rev_E", "rate_exc", "weight_exc"),
            ("inhibitory", "tau_syn_I", "e_rev_I", "rate_inh", "weight_inh")]:
        tau_s = M(p[tau_key])
        d_e = M(p[e_key]) - u if rec == "excitatory" else u - M(p[e_key])
        nu = M(noise[rate_key]) / 1000
        w = M(noise[w_key])
        # check the closed form against the quadrature PSP at a few times
        for t in [mp.mpf("0.3"), mp.mpf(2), t_ref]:
            a = psp(t, d_e, cm, tau_eff, tau_s)
            b = psp_closed(t, d_e, cm, tau_eff, tau_s)
            assert abs(a - b) <= mp.mpf("1e-20") * abs(a), (name, rec, t, a, b)
        var += nu * mp.quad(lambda t: (w * psp_closed(t, d_e, cm, tau_eff, tau_s)) ** 2,
                            [0, tau_s, 10 * tau_s, mp.inf])
        if tau_s != tau_eff:
            tau_g = 1 / (1 / tau_s - 1 / tau_eff)
            s_amp = w * d_e * tau_g / (tau_eff * g_tot)
            var_sbs += nu * s_amp ** 2 * (tau_s / 2 + tau_eff / 2
                                          - 2 * tau_eff * tau_s / (tau_eff + tau_s))
        integral = mp.quad(lambda t: psp(t, d_e, cm, tau_eff, tau_s), [0, t_ref / 4, t_ref])

        g_tot_f, cm_f, tau_f, de_f = float(g_tot), float(cm), float(tau_s), float(d_e)

        def rhs(t, y):
            return [(-g_tot_f * y[0] + np.exp(-t / tau_f) * de_f) / cm_f, y[0]]

        sol = solve_ivp(rhs, (0.0, float(t_ref)), [0.0, 0.0], method="DOP853", rtol=1e-12,
                        atol=1e-15)
        ode = sol.y[1, -1]
        assert abs(ode - float(integral)) <= 1e-10 * abs(float(integral)), (name, rec, ode, integral)
        factor = M(alpha) * (g_l / g_tot) * t_ref / integral
        out[rec] = {"delta_e": float(d_e), "psp_integral": float(integral),
                    "psp_integral_ode": float(ode), "weight_factor": float(factor)}
    if var_sbs != 0:
        assert abs(var - var_sbs) <= mp.mpf("1e-12") * var, (name, var, var_sbs)
    out["u_std"] = float(mp.sqrt(var))
    print(name, {k: out[k] for k in ("g_tot", "tau_eff", "u_mean", "u_std")})
    return out


def main():
    cases = [
        case("sbs_defaults_v50", SBS, SBS_NOISE, -50.0, 0.827),
        case("sbs_defaults_v52.3", SBS, SBS_NOISE, -52.3, 0.9),
        case("mixed_taus_offset",
             dict(SBS, tau_syn_E=10.0, tau_syn_I=7.0, i_offset=0.05, e_rev_I=-90.0),
             dict(rate_exc=2000.0, rate_inh=4000.0, weight_exc=0.0015, weight_inh=0.0008),
             -49.1, 1.2),
        case("degenerate_exact", DEGEN, DEGEN_NOISE, -60.0, 0.5),
        case("near_degenerate_1e-4_9e-4",
             dict(NEAR, tau_syn_E=2.0 * (1.0 + 1e-4), tau_syn_I=2.0 * (1.0 + 9e-4)),
             NO_NOISE, -58.0, 0.7),
        case("near_degenerate_-1.1e-3_1e-7",
             dict(NEAR, tau_syn_E=2.0 * (1.0 - 1.1e-3), tau_syn_I=2.0 * (1.0 + 1e-7)),
             NO_NOISE, -61.0, 0.7),
        case("fast_synapses_long_refrac",
             dict(SBS, tau_syn_E=0.5, tau_syn_I=3.0, tau_refrac=20.0, tau_m=5.0, cm=0.3),
             dict(rate_exc=5000.0, rate_inh=1000.0, weight_exc=0.002, weight_inh=0.003),
             -55.0, 1.0),    ]

    # issue 3 example network
    weights = [[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]]
    biases = [0.1, -0.4, 0.2]
    v_p05, alpha = -50.03, 0.83
    params = dict(SBS, v_rest=-65.0)   # v_rest is replaced per neuron
    v_rest = [v_p05 + alpha * b for b in biases]
    post = [case(f"net_post{j}", params, SBS_NOISE, v_rest[j], alpha) for j in range(3)]
    syn = []
    for i in range(3):
        row = []
        for j in range(3):
            c = post[j]
            rec = "excitatory" if weights[i][j] >= 0 else "inhibitory"
            row.append({"receptor": rec, "weight": abs(weights[i][j]) * c[rec]["weight_factor"]})
        syn.append(row)
    network = {"params": params, "noise": SBS_NOISE, "v_p05": v_p05, "alpha": alpha,
               "weights": weights, "biases": biases, "v_rest": v_rest, "synapses": syn}

    with open(OUT, "w") as f:
        json.dump({"generator": GEN, "cases": cases, "network": network}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

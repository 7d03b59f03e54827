#!/usr/bin/env python3
"""scipy oracle for `sampling::logistic` (exactspike): least-squares logistic fits.

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root):
      /work/venv/bin/python tests/oracles/logistic_fit.py
  Writes tests/fixtures/logistic_fit.json = {"generator", "cases": [...]}.
  Fixed numpy seed; every float is written with repr(), so Rust reads exactly the
  float64 values scipy used.

  Each case holds calibration points (x = v_rest [mV], p = p_on) that imitate an
  activation sweep: p = 1/(1 + exp(-(x - v_p05)/alpha)) plus noise (binomial spike-count
  noise or Gaussian noise), so several points fall outside 0.05 < p < 0.95.
  The oracle keeps the points with 0.05 < p < 0.95 (as sbs's fit.fit_sigmoid does) and
  calls scipy.optimize.curve_fit with its defaults (method "lm", absolute_sigma=False,
  so pcov = (J^T J)^-1 * SSR/(m - 2)), once with the default tolerances and once with
  ftol = xtol = gtol = 1e-15; parameters and standard errors of the two must agree to 1e-5
  relative (checked here; the default stops early, up to ~2e-6 apart on these cases), and
  the tight one is stored: popt, sqrt(diag(pcov)), pcov, rms residual, number of points used.
"""

import json
import os

import numpy as np
from scipy.optimize import curve_fit

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "logistic_fit.json"))
GEN = ("tests/oracles/logistic_fit.py (scipy.optimize.curve_fit, numpy seed 20240603; "
       "command: /work/venv/bin/python tests/oracles/logistic_fit.py)")


def logistic(x, v_p05, alpha):
    return 1.0 / (1.0 + np.exp(-(x - v_p05) / alpha))


def fit(x, p):
    keep = (p > 0.05) & (p < 0.95)
    xs, ps = x[keep], p[keep]
    # start: linear regression of logit(p) on x (independent of the Rust start logic)
    slope, icpt = np.polyfit(xs, np.log(ps / (1.0 - ps)), 1)
    p0 = [-icpt / slope, 1.0 / slope]
    popt_d, pcov_d = curve_fit(logistic, xs, ps, p0=p0)
    popt, pcov = curve_fit(logistic, xs, ps, p0=p0, ftol=1e-15, xtol=1e-15, gtol=1e-15,
                           maxfev=100000)
    assert np.allclose(popt_d, popt, rtol=1e-5, atol=0), (popt_d, popt)
    assert np.allclose(np.sqrt(np.diag(pcov_d)), np.sqrt(np.diag(pcov)), rtol=1e-5, atol=0)
    res = logistic(xs, *popt) - ps
    return {
        "v_p05": float(popt[0]),
        "alpha": float(popt[1]),
        "v_p05_stderr": float(np.sqrt(pcov[0, 0])),
        "alpha_stderr": float(np.sqrt(pcov[1, 1])),
        "covariance": [[float(v) for v in row] for row in pcov],
        "residual_rms": float(np.sqrt(np.mean(res ** 2))),
        "points_used": int(keep.sum()),
    }


def main():
    rng = np.random.default_rng(20240603)
    cases = []

    # (a) sbs-like sweep: 40 points, p_on from binomial counts (T/tau_ref = 2000 windows)
    x = np.linspace(-53.0, -47.0, 40)
    p = rng.binomial(2000, logistic(x, -50.2, 0.83)) / 2000.0
    cases.append(dict(name="binomial_40", x=x, p=p))

    # (b) 150 points over a wide range, Gaussian noise sd 0.01, wider curve
    x = np.linspace(-60.0, -40.0, 150)
    p = logistic(x, -49.37, 1.7) + rng.normal(0.0, 0.01, x.size)
    cases.append(dict(name="gaussian_150", x=x, p=p))

    # (c) unsorted, unevenly spaced points with heavy noise
    x = rng.uniform(-55.0, -45.0, 25)
    p = logistic(x, -51.1, 0.6) + rng.normal(0.0, 0.03, x.size)
    cases.append(dict(name="uneven_25", x=x, p=p))

    # (d) the minimum: exactly three points inside (0.05, 0.95), one degree of freedom
    x = np.array([-56.0, -53.0, -50.5, -50.0, -49.2, -45.0])
    p = logistic(x, -50.0, 0.8) + np.array([0.0, 0.0, 0.013, -0.008, 0.011, 0.0])
    cases.append(dict(name="three_points", x=x, p=p))

    out = []
    for c in cases:
        exp = fit(c["x"], c["p"])
        assert exp["points_used"] >= 3
        out.append({"name": c["name"], "x": [float(v) for v in c["x"]],
                    "p": [float(v) for v in c["p"]], "expected": exp})
        print(c["name"], exp)
    with open(OUT, "w") as f:
        json.dump({"generator": GEN, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

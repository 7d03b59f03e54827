#!/usr/bin/env python3
"""Exact Boltzmann distributions and KL divergences for src/sampling (numpy/scipy oracle).

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root):
      /work/venv/bin/python tests/oracles/boltzmann_enumeration.py
  Writes tests/fixtures/boltzmann_enumeration.json = {"generator", "targets": [...],
  "divergences": [...]}.

  targets: p*(z) = exp(0.5 z^T W z + b^T z) / Z by brute-force enumeration of all 2^n states in
  itertools.product([0, 1], repeat=n) order, i.e. z_1 (unit 0) is the MOST significant bit of
  the state index.  log Z by scipy.special.logsumexp; marginals <z_k> = sum_z p z_k and
  pairwise <z_i z_j> = sum_z p z_i z_j (n x n, diagonal <z_i>) by dense numpy products.
  Cases: the 3-unit example of issue 3; a 5-unit target with W, b ~ U(-1, 1) (numpy
  default_rng(20240601)); a 6-unit target with W, b ~ N(0, 3^2) (default_rng(7)), strong
  enough that p* spans many orders of magnitude.

  divergences: for the 3-unit target, a sampled distribution given as durations D(z) (ms) with
  two unvisited states, T = sum D, and pseudo-durations c in {0 (no smoothing), 10 ms}:
      dkl_sampled_target = scipy.stats.entropy(D/T, p*)                    (D_KL(p_hat || p*))
      dkl_target_sampled = scipy.stats.entropy(p*, (D + c/2^n)/(T + c))    (D_KL(p* || p_hat_s))
  (inf for c = 0, stored as the string "inf").
"""

import itertools
import json
import os

import numpy as np
from scipy.special import logsumexp
from scipy.stats import entropy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "boltzmann_enumeration.json")
GENERATOR = ("tests/oracles/boltzmann_enumeration.py (numpy/scipy enumeration; command: "
             "/work/venv/bin/python tests/oracles/boltzmann_enumeration.py)")


def symmetric(rng_draw, n):
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            w[i, j] = w[j, i] = rng_draw()
    return w


def target(name, w, b):
    n = len(b)
    z = np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)
    log_w = 0.5 * np.einsum("si,ij,sj->s", z, w, z) + z @ b
    log_z = logsumexp(log_w)
    p = np.exp(log_w - log_z)
    return {
        "name": name,
        "weights": w.tolist(),
        "biases": list(map(float, b)),
        "log_partition": float(log_z),
        "log_weights": log_w.tolist(),
        "p": p.tolist(),
        "marginals": (p @ z).tolist(),
        "pairwise": np.einsum("s,si,sj->ij", p, z, z).tolist(),
    }


def main():
    targets = []
    w3 = np.array([[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]])
    targets.append(target("issue3_example", w3, np.array([0.1, -0.4, 0.2])))
    rng = np.random.default_rng(20240601)
    w5 = symmetric(lambda: rng.uniform(-1, 1), 5)
    targets.append(target("uniform5", w5, rng.uniform(-1, 1, 5)))
    rng = np.random.default_rng(7)
    w6 = symmetric(lambda: rng.normal(0, 3), 6)
    targets.append(target("normal6_strong", w6, rng.normal(0, 3, 6)))

    p_star = np.array(targets[0]["p"])
    durations = np.array([120.5, 0.0, 333.25, 80.0, 0.0, 211.0, 57.75, 197.5])
    total = float(durations.sum())
    divergences = []
    for c in [0.0, 10.0]:
        smoothed = (durations + c / len(durations)) / (total + c)
        d_ts = entropy(p_star, smoothed)
        divergences.append({
            "target": "issue3_example",
            "durations": durations.tolist(),
            "total": total,
            "smoothing": c,
            "dkl_sampled_target": float(entropy(durations / total, p_star)),
            "dkl_target_sampled": "inf" if np.isinf(d_ts) else float(d_ts),
            "unvisited": int((durations == 0).sum()),
        })

    with open(OUT, "w") as f:
        json.dump({"generator": GENERATOR, "targets": targets, "divergences": divergences}, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

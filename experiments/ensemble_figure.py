#!/usr/bin/env python3
"""Deterministic ensemble against private Poisson noise, before and after training: the README's
ensemble figure (issue 13's headline).

The ensemble is the shipped `experiments/ensemble_small.toml` scaled up: `--networks` networks
(default 100) of 4 sbs samplers, each with its own random target (W, b ~ U(-1, 1)), no Poisson
anywhere (each sampler: 30 excitatory + 30 inhibitory inputs of 0.002 uS from samplers of other
networks, delay 5 ms); 2000 updates of 100 ms (eta(k) = 10/(100 + k)), then `--T` ms of sampling
(default 100 s). The baselines run the same targets, the same way, with private Poisson noise
instead of the ensemble: the sbs default (2 x 3 kHz at 0.001 uS) and Poisson of the ensemble's
matched mean input (its measured source rates, the same 0.002 uS weights).

Runs (exactspike from target/release): `sample` of the ensemble and of the sbs baseline (before
training), `train` of all three. Writes docs/ensemble_dkl.json (every number: per-network final
D_KL in both directions, unvisited states, medians and quartiles per checkpoint, the background
statistics) and docs/images/ensemble_dkl.png (`exactspike plot-dkl` of the trained ensemble,
the trained sbs baseline and the untrained ensemble). About 5 min on one core.

Needs numpy and h5py. Usage:
    cargo build --release
    python3 experiments/ensemble_figure.py [--networks 100] [--T 100000] [--iterations 2000]
"""
import argparse
import json
import os
import tempfile

import h5py
import numpy as np

from runs import ROOT, attrs, edit, ensemble_example, run

BACKGROUND = """[sampler.background]       # instead of `noise`: the other networks' samplers
kind = "ensemble"
inputs = { k_exc = 30, k_inh = 30, weight_exc = 0.002, weight_inh = 0.002, delay = 5.0 }   # uS, ms
"""


def variant(networks, t_stop, iterations, noise=None):
    """The example scaled up; with `noise`, private Poisson noise instead of the ensemble."""
    text = edit(ensemble_example(networks, t_stop), "iterations = 500", f"iterations = {iterations}")
    if noise is not None:
        text = edit(text, BACKGROUND, "")
        text = edit(text, "renewing_synapses = true", "renewing_synapses = true\nnoise = " + noise)
    return text


def results(path):
    """Final and per-checkpoint D_KL of a recording, and its background statistics."""
    with h5py.File(path, "r") as f:
        s = f["sampling"]
        forward, reverse = s["dkl_sampled_target"][:], s["dkl_target_sampled"][:]
        out = {
            "checkpoints_ms": s["checkpoints"][:].tolist(),
            "median": np.median(forward, axis=1).tolist(),
            "quartiles": np.percentile(forward, [25, 75], axis=1).tolist(),
            "final_sampled_target": forward[-1].tolist(),
            "final_target_sampled": reverse[-1].tolist(),
            "final_unvisited": s["unvisited"][-1].tolist(),
            "median_final_sampled_target": float(np.median(forward[-1])),
            "quartiles_final_sampled_target": np.percentile(forward[-1], [25, 75]).tolist(),
            "median_final_target_sampled": float(np.median(reverse[-1])),
            "unvisited_total": int(np.sum(s["unvisited"][-1])),
            "v_p05": float(s.attrs["v_p05"]),
            "alpha": float(s.attrs["alpha"]),
        }
        if "training" in f:
            out["training_dkl_window_median"] = np.median(f["training/dkl_window"][:], axis=1).tolist()
        if "background" in f:
            b = f["background"]
            out["background"] = {
                **attrs(b),
                "input_rate_exc_mean": float(b["input_rate_exc"][:].mean()),
                "input_rate_inh_mean": float(b["input_rate_inh"][:].mean()),
                "free_v_mean": float(b["free_v_mean"][:].mean()),
                "free_v_sd": float(b["free_v_sd"][:].mean()),
                "input_correlation_median": float(np.nanmedian(b["input_correlation"][:])),
                "input_correlation_rms_median": float(np.nanmedian(b["input_correlation_rms"][:])),
            }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--T", type=float, default=100000.0, help="sampling time [ms]")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "images", "ensemble_dkl.png"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="ensemble_figure_")

    def job(name, command, noise=None):
        # The file names label the curves of the picture.
        toml = os.path.join(work, f"{name}.toml")
        with open(toml, "w") as f:
            f.write(variant(args.networks, args.T, args.iterations, noise))
        out = os.path.join(work, f"{name}.h5" if command == "train" else f"{name}_before_training.h5")
        run(args.exactspike, [command, toml, "--out", out, "--quiet"])
        return out

    sbs = "{ rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }"
    files = {
        "ensemble/untrained": job("ensemble", "sample"),
        "ensemble/trained": job("ensemble", "train"),
        "poisson_sbs/untrained": job("poisson_sbs", "sample", sbs),
        "poisson_sbs/trained": job("poisson_sbs", "train", sbs),
    }
    measured = results(files["ensemble/untrained"])["background"]
    matched = (f"{{ rate_exc = {measured['matched_rate_exc']:.1f}, rate_inh = {measured['matched_rate_inh']:.1f}, "
               "weight_exc = 0.002, weight_inh = 0.002 }")
    files["poisson_matched/trained"] = job("poisson_matched", "train", matched)
    runs = {key: results(path) for key, path in files.items()}
    ens, sbs_trained = runs["ensemble/trained"], runs["poisson_sbs/trained"]
    ratio = ens["median_final_sampled_target"] / sbs_trained["median_final_sampled_target"]
    ratio_matched = ens["median_final_sampled_target"] / runs["poisson_matched/trained"]["median_final_sampled_target"]
    print(f"\nmedian D_KL over {args.networks} networks at T = {args.T / 1000:.0f} s [nats]:")
    print(f"{'':26s} {'p_hat||p*':>10s} {'p*||p_hat':>10s} {'quartiles':>18s} {'unvisited':>9s}")
    for key, r in runs.items():
        q = r["quartiles_final_sampled_target"]
        print(f"{key:26s} {r['median_final_sampled_target']:10.4f} {r['median_final_target_sampled']:10.4f}"
              f"   [{q[0]:.4f}, {q[1]:.4f}] {r['unvisited_total']:9d}")
    print(f"trained ensemble / trained Poisson (sbs): {ratio:.2f}; / trained Poisson (matched input): {ratio_matched:.2f}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(os.path.join(ROOT, "docs", "ensemble_dkl.json"), "w") as f:
        json.dump({"networks": args.networks, "T_ms": args.T, "iterations": args.iterations,
                   "ratio_trained_ensemble_to_poisson_sbs": ratio,
                   "ratio_trained_ensemble_to_poisson_matched": ratio_matched,
                   "matched_noise": matched, "runs": runs,
                   "exactspike": run(args.exactspike, ["--version"]).strip()}, f, indent=1)
    run(args.exactspike, ["plot-dkl", files["ensemble/trained"], "--compare", files["poisson_sbs/trained"],
                          "--compare", files["ensemble/untrained"], "--out", args.out, "--overwrite"])
    print(f"-> {args.out}, docs/ensemble_dkl.json")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The chip model's sampling figure (issue 15): ten 5-unit Boltzmann targets sampled in software
and on emulated BrainScaleS-1 chips before and after in-the-loop training.

With experiments/sampling_targets.toml (network k samples random target k): `sample` and
`train` in software; then for chip seeds 1..N, `sample --chip bss1` uncalibrated and calibrated
and `train --chip bss1` (in the loop: only the 4-bit weights and bias weights change). Each
value is the final D_KL(p_sampled || p_target) of every network after 100 s of sampling. Writes
docs/chip_sampling.json (every value) and docs/images/chip_sampling.png. About 10 min on 2 cores.

Needs numpy, h5py and matplotlib. Usage:
    cargo build --release
    python3 experiments/chip_sampling_figure.py [--chips 3] [--replot] [--binary PATH]
"""
import argparse
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

from runs import ROOT, attrs, run

EXAMPLE = os.path.join(ROOT, "experiments", "sampling_targets.toml")
JSON = os.path.join(ROOT, "docs", "chip_sampling.json")
PNG = os.path.join(ROOT, "docs", "images", "chip_sampling.png")


def final_dkl(path):
    """The final D_KL of every network, and the /chip attributes if any."""
    with h5py.File(path, "r") as f:
        dkl = f["sampling/dkl_sampled_target"][-1].tolist()
        chip = attrs(f["chip"]) if "chip" in f else None
    return dkl, chip


def one_run(binary, command, extra, out):
    """Run `command` on the example with `extra` flags into `out`; its D_KL and chip report."""
    run(binary, [command, EXAMPLE, "--out", out, "--quiet", "--overwrite"] + extra, echo=False)
    dkl, chip = final_dkl(out)
    result = {"dkl": dkl, "median": float(np.median(dkl))}
    if chip:
        result.update({k: chip[k] for k in ("bio_ms", "hardware_ms", "energy_mj")})
    return result


def measure(binary, chips, tmp):
    """Every run, two at a time."""
    jobs = {"software": ("sample", []), "software_trained": ("train", [])}
    for seed in range(1, chips + 1):
        chip = ["--chip", "bss1", "--chip-seed", str(seed)]
        jobs[f"chip{seed}_uncalibrated"] = ("sample", chip + ["--uncalibrated"])
        jobs[f"chip{seed}_calibrated"] = ("sample", chip)
        jobs[f"chip{seed}_in_the_loop"] = ("train", chip)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(one_run, binary, command, extra,
                                     os.path.join(tmp, f"{name}.h5"))
                   for name, (command, extra) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def plot(results, chips):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [("software", "software"), ("software_trained", "software, trained")]
    for kind, label in [("uncalibrated", "chip, uncalibrated"), ("calibrated", "chip, calibrated"),
                        ("in_the_loop", "chip, trained in the loop")]:
        rows.append(([f"chip{s}_{kind}" for s in range(1, chips + 1)], label))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for x, (names, label) in enumerate(rows):
        names = names if isinstance(names, list) else [names]
        values = np.concatenate([results[n]["dkl"] for n in names])
        ax.scatter(x + np.linspace(-0.25, 0.25, len(values)), values, s=8, alpha=0.6)
        ax.plot([x - 0.3, x + 0.3], [np.median(values)] * 2, color="k")
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)), [label for _, label in rows], rotation=15, ha="right")
    ax.set_ylabel("D_KL(p_sampled || p_target) after 100 s")
    ax.set_title(f"10 five-unit targets; emulated BrainScaleS-1, {chips} chip seed(s)")
    fig.tight_layout()
    fig.savefig(PNG, dpi=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chips", type=int, default=3)
    parser.add_argument("--replot", action="store_true")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    args = parser.parse_args()
    if args.replot:
        results = json.load(open(JSON))["runs"]
    else:
        binary = args.binary
        with tempfile.TemporaryDirectory() as tmp:
            results = measure(binary, args.chips, tmp)
        json.dump({"example": "experiments/sampling_targets.toml", "chips": args.chips,
                   "runs": results}, open(JSON, "w"), indent=1)
    for name, r in results.items():
        print(f"{name:28s} median D_KL {r['median']:.4f}")
    plot(results, args.chips)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""D_KL(p_sampled || p*) over sampling time, before and after `exactspike train`, median over
random 5-unit Boltzmann targets (W, b ~ U(-1, 1)) — the README's training figure.

For every target index i = 0..K-1 (`random = { n = 5, seed = 1, index = i, ... }`) this runs the
shipped example `experiments/sampling_5neurons.toml` (sbs defaults, one shared calibration made
once with `exactspike calibrate`) four ways: `sample` and `train`, each with renewing and with
static synapses. Each run has `--networks` independent networks; a target's value is the median
over its networks, and the curves are the median over targets (band: the 25-75 % range over
targets). Training uses the file's [training] section (2000 updates, one per 100 ms, η(k) =
10/(100 + k)); the sampling after training is measured from the end of the training.

Needs numpy, h5py, matplotlib. Usage:
    cargo build --release
    python3 experiments/training_figure.py [--targets 10] [--networks 4] [--T 100000]
Writes docs/training_dkl.png and docs/training_dkl.json (all numbers), prints a summary table.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "experiments", "sampling_5neurons.toml")


def variant(text, index, networks, t_stop, renewing, calibration):
    text = text.replace("seed = 1,", f"seed = 1, index = {index},")
    text = text.replace("networks = 10 ", f"networks = {networks} ")
    text = text.replace("t_stop = 100000.0", f"t_stop = {t_stop!r}")
    text = text.replace("../models/", os.path.join(ROOT, "models") + "/")
    if not renewing:
        text = text.replace("renewing_synapses = true", "renewing_synapses = false")
    assert f"index = {index}" in text and f"networks = {networks} " in text
    return text + f'\n[calibration]\nfile = "{calibration}"\n'


def run(binary, args):
    proc = subprocess.run([binary] + args, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def curve(path):
    with h5py.File(path, "r") as f:
        checkpoints = f["sampling/checkpoints"][:]
        dkl = f["sampling/dkl_sampled_target"][:]  # [checkpoint, network]
    return checkpoints, np.median(dkl, axis=1)


def target_of(path):
    # One row per network; every network of these files samples the same target.
    with h5py.File(path, "r") as f:
        return {"weights": f["sampling/weights_target"][0].tolist(),
                "biases": f["sampling/biases_target"][0].tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--networks", type=int, default=4)
    parser.add_argument("--T", type=float, default=100000.0, help="sampling time [ms]")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "training_dkl.png"))
    args = parser.parse_args()
    text = open(EXAMPLE).read()
    work = tempfile.mkdtemp(prefix="training_figure_")
    calibration = os.path.join(work, "calibration.h5")
    with open(os.path.join(work, "cal.toml"), "w") as f:
        f.write(text.replace("../models/", os.path.join(ROOT, "models") + "/"))
    print(run(args.exactspike, ["calibrate", os.path.join(work, "cal.toml"), "--out", calibration]).strip())
    curves, targets = {}, []
    started = time.time()
    for synapses in ["renewing", "static"]:
        for job in ["sample", "train"]:
            per_target = []
            for i in range(args.targets):
                toml = os.path.join(work, f"{synapses}_{i}.toml")
                with open(toml, "w") as f:
                    f.write(variant(text, i, args.networks, args.T, synapses == "renewing", calibration))
                out = os.path.join(work, f"{synapses}_{job}_{i}.h5")
                run(args.exactspike, [job, toml, "--out", out, "--quiet", "--overwrite"])
                checkpoints, median = curve(out)
                per_target.append(median)
                if len(targets) < args.targets:
                    targets.append(target_of(out))
                print(f"{synapses:8s} {job:6s} target {i}: D_KL at {checkpoints[-1]:.0f} ms = {median[-1]:.4f}"
                      f"  ({time.time() - started:.0f} s)", file=sys.stderr)
            curves[f"{synapses}/{job}"] = {"checkpoints_ms": checkpoints.tolist(),
                                           "per_target": np.array(per_target).tolist()}
    summary = {}
    print(f"\nmedian over {args.targets} targets of the median over {args.networks} networks, "
          "D_KL(p_sampled || p*) [nats]:")
    print(f"{'':22s} {'T = 10 s':>10s} {'T = 100 s':>10s}")
    for key, c in curves.items():
        t = np.array(c["checkpoints_ms"])
        m = np.median(np.array(c["per_target"]), axis=0)
        at = lambda ms: float(m[np.argmin(abs(t - ms))])
        summary[key] = {"10s": at(10000.0), "final": float(m[-1])}
        print(f"{key:22s} {at(10000.0):10.4f} {m[-1]:10.4f}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"targets": args.targets, "networks": args.networks, "T_ms": args.T,
                   "summary": summary, "curves": curves, "targets": targets,
                   "exactspike": run(args.exactspike, ["--version"]).strip()}, f, indent=1)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    styles = {"renewing/sample": ("C0", "--", "renewing, before training"),
              "renewing/train": ("C0", "-", "renewing, after training"),
              "static/sample": ("C3", "--", "static, before training"),
              "static/train": ("C3", "-", "static, after training")}
    for key, (color, line, label) in styles.items():
        c = curves[key]
        t = np.array(c["checkpoints_ms"]) / 1000.0
        values = np.array(c["per_target"])
        ax.plot(t, np.median(values, axis=0), line, color=color, label=label)
        ax.fill_between(t, np.percentile(values, 25, axis=0), np.percentile(values, 75, axis=0),
                        color=color, alpha=0.12, linewidth=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sampling time [s]")
    ax.set_ylabel(r"$D_\mathrm{KL}(p_\mathrm{sampled} \,\|\, p^*)$ [nats]")
    ax.set_title(f"5-unit random targets: median over {args.targets} targets "
                 f"({args.networks} networks each)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()

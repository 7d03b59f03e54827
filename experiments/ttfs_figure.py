#!/usr/bin/env python3
"""Time-to-first-spike training: Yin-Yang over 10 seeds (tau_m = tau_syn with the reference's
settings and tuned, and tau_m = 2 tau_syn) and the 8x8 digits over 3, as issue 14's acceptance
asks (there: 5 seeds); the README's TTFS table and figure.

Runs `exactspike ttfs train` (from target/release) on experiments/ttfs_yin_yang.toml,
ttfs_yin_yang_tuned.toml, ttfs_yin_yang_tau2.toml and ttfs_digits.toml with seeds 1..N (300
epochs; the digits 100), keeping the best-validation network (the digits have no validation
set: their last network). Every model file records the test accuracy of both its last and its
best-validation network; both are reported. Writes docs/ttfs.json (every value: per run the
test accuracies, best epoch, wall time, threads, and the validation curve) and
docs/images/ttfs_training.png (validation accuracy over epochs of every Yin-Yang run, and the
test accuracies). About 18 min on 2 cores.

Needs numpy, h5py and matplotlib. Usage:
    cargo build --release
    python3 experiments/ttfs_figure.py [--seeds 10] [--digits-seeds 3]
"""
import argparse
import json
import os
import tempfile

import h5py
import numpy as np

from runs import ROOT, attrs, run

# Each job: its file in experiments/ and its label in the figure.
CONFIGS = {
    "yin_yang": ("ttfs_yin_yang.toml", "Yin-Yang"),
    "yin_yang_tuned": ("ttfs_yin_yang_tuned.toml", "Yin-Yang\ntuned"),
    "yin_yang_tau2": ("ttfs_yin_yang_tau2.toml", "Yin-Yang\ntau_m = 2 tau_syn"),
    "digits": ("ttfs_digits.toml", "digits"),
}


def train(binary, config, seed, out):
    """One training run; its model file's numbers."""
    run(binary, ["ttfs", "train", os.path.join(ROOT, "experiments", config), "--out", out,
                 "--seed", str(seed), "--quiet", "--overwrite"], echo=False)
    with h5py.File(out, "r") as f:
        a = attrs(f["ttfs"])
        t = f["training"]
        result = {
            "seed": seed,
            "test_accuracy_last": a["test_accuracy_last"],
            "test_accuracy_best_validation": a["test_accuracy_best_validation"],
            "best_epoch": a["best_epoch"],
            "epochs": a["epochs_run"],
            "wall_seconds": a["wall_seconds"],
            "threads": a["threads"],
            "validation_accuracy": t["validation_accuracy"][:].tolist(),
            "train_accuracy": t["train_accuracy"][:].tolist(),
            "bumped_batches": t["bumps"][:].tolist(),
        }
    print(f"{os.path.basename(config)} seed {seed}: test {100 * result['test_accuracy_last']:.1f} % (last), "
          f"{100 * result['test_accuracy_best_validation']:.1f} % (best validation, epoch "
          f"{result['best_epoch']}), {result['wall_seconds']:.1f} s")
    return result


def summary(runs):
    """Mean, standard deviation, minimum and maximum of both test accuracies over runs [%]."""
    out = {}
    for key in ("test_accuracy_last", "test_accuracy_best_validation"):
        values = 100 * np.array([r[key] for r in runs])
        out[key] = {"mean": values.mean(), "std": values.std(ddof=1) if len(values) > 1 else 0.0,
                    "min": values.min(), "max": values.max()}
    out["wall_seconds"] = {"min": min(r["wall_seconds"] for r in runs),
                           "max": max(r["wall_seconds"] for r in runs)}
    return out


def figure(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (curves, bars) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    for name, colour in (("yin_yang", "tab:blue"), ("yin_yang_tuned", "tab:green"),
                         ("yin_yang_tau2", "tab:orange")):
        for i, r in enumerate(results[name]["runs"]):
            label = CONFIGS[name][1].replace("\n", ", ")
            curves.plot(np.arange(1, len(r["validation_accuracy"]) + 1),
                        100 * np.array(r["validation_accuracy"]), color=colour, lw=0.7,
                        alpha=0.8, label=label if i == 0 else None)
    curves.axhline(95.9, color="k", ls="--", lw=0.8, label="Goeltz et al. 2021 (test, 95.9 %)")
    curves.set_ylim(85, 100)
    curves.set_xlabel("epoch")
    curves.set_ylabel("Yin-Yang validation accuracy [%]")
    curves.legend(loc="lower right", fontsize=8)
    names = list(results)
    for k, (key, label) in enumerate((("test_accuracy_last", "last network"),
                                      ("test_accuracy_best_validation", "best validation"))):
        values = [[100 * r[key] for r in results[n]["runs"]] for n in names]
        x = np.arange(len(names)) + (k - 0.5) * 0.35
        bars.bar(x, [np.mean(v) for v in values], width=0.35, label=label, alpha=0.7)
        for xi, v in zip(x, values):
            bars.plot([xi] * len(v), v, "k.", ms=3)
    bars.set_xticks(np.arange(len(names)), [CONFIGS[n][1] for n in names], fontsize=8)
    bars.set_ylim(90, 100)
    bars.set_ylabel("test accuracy [%]")
    bars.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--digits-seeds", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (config, _) in CONFIGS.items():
            seeds = range(1, (args.digits_seeds if name == "digits" else args.seeds) + 1)
            runs = [train(args.binary, config, s, os.path.join(tmp, f"{name}_{s}.h5")) for s in seeds]
            results[name] = {"config": f"experiments/{config}", "runs": runs, "summary": summary(runs)}
    with open(os.path.join(ROOT, "docs", "ttfs.json"), "w") as f:
        json.dump(results, f, indent=1)
    figure(results, os.path.join(ROOT, "docs", "images", "ttfs_training.png"))
    for name, r in results.items():
        s = r["summary"]
        print(f"{name}: last {s['test_accuracy_last']['mean']:.2f} +- "
              f"{s['test_accuracy_last']['std']:.2f} (min {s['test_accuracy_last']['min']:.1f}), "
              f"best validation {s['test_accuracy_best_validation']['mean']:.2f} +- "
              f"{s['test_accuracy_best_validation']['std']:.2f} "
              f"(min {s['test_accuracy_best_validation']['min']:.1f}); "
              f"{s['wall_seconds']['min']:.0f}-{s['wall_seconds']['max']:.0f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The chip model's Yin-Yang figure (issue 15): a network trained in software, run on emulated
BrainScaleS-2 chips uncalibrated and calibrated, then trained in the loop on each chip.

Trains experiments/ttfs_yin_yang_x5.toml in software (the pattern sent five times, five bias
inputs, as Goeltz et al. ran it on the chip), then for chip seeds 1..N:
`ttfs eval --chip bss2 --time-scale 6` of the software network without and with calibration;
in-the-loop training with experiments/ttfs_yin_yang_bss2.toml (its chip seed set to the one at
hand) from the software network; the trained network's test accuracy on its chip (the model
file's, trial noise of run seed 2000), again with fresh trial noise (run seed 1), on another
chip (seed + 100, calibrated) and in software. Writes docs/chip.json (every value) and
docs/images/chip_yin_yang.png. About 30 min on 2 cores.

With --once, the same for the pattern sent once and one bias input: the software network of
experiments/ttfs_yin_yang_tuned.toml (the x5 file's training settings), the in-the-loop file
without its repeat and biases; into docs/chip_once.json and docs/images/chip_yin_yang_once.png.

Needs numpy, h5py and matplotlib. Usage:
    cargo build --release
    python3 experiments/chip_figure.py [--chips 5] [--once] [--replot]
"""
import argparse
import json
import os
import re
import tempfile

import h5py
import numpy as np

from runs import ROOT, attrs, edit, run

CHIP = ["--chip", "bss2", "--time-scale", "6"]


def accuracy(binary, model, extra):
    """Test accuracy [%] of `model` on the Yin-Yang test set, as `ttfs eval` prints it."""
    out = run(binary, ["ttfs", "eval", model, "--data", "yin-yang-test"] + extra, echo=False)
    return float(re.search(r"yin-yang-test: accuracy ([0-9.]+) %", out).group(1))


def once(text):
    """The in-the-loop description `text` for the pattern sent once, with one bias input."""
    text = edit(text, ", repeat = 5 }", " }")
    return edit(text, "biases = 5\n", "")


def one_chip(binary, software, seed, tmp, layout):
    """Every accuracy of chip `seed`; `layout` edits the in-the-loop description."""
    chip = CHIP + ["--chip-seed", str(seed)]
    result = {
        "chip_seed": seed,
        "uncalibrated": accuracy(binary, software, chip + ["--uncalibrated"]),
        "calibrated": accuracy(binary, software, chip),
    }
    text = open(os.path.join(ROOT, "experiments", "ttfs_yin_yang_bss2.toml")).read()
    config = os.path.join(tmp, f"bss2_{seed}.toml")
    open(config, "w").write(layout(edit(text, "chip_seed = 1", f"chip_seed = {seed}")))
    model = os.path.join(tmp, f"loop_{seed}.h5")
    run(binary, ["ttfs", "train", config, "--init", software, "--out", model, "--quiet"],
        echo=False)
    with h5py.File(model, "r") as f:
        t, c = attrs(f["ttfs"]), attrs(f["chip"])
        result.update({
            "in_the_loop": 100 * t["test_accuracy"],
            "in_the_loop_software": 100 * c["software_test_accuracy"],
            "in_the_loop_wall_seconds": t["wall_seconds"],
            "validation_accuracy": f["training/validation_accuracy"][:].tolist(),
            "slot_us": c["slot_us"],
            "energy_per_pattern_uj": c["energy_per_pattern_uj"],
        })
    result["in_the_loop_fresh_trials"] = accuracy(binary, model, chip + ["--run-seed", "1"])
    other = CHIP + ["--chip-seed", str(seed + 100)]
    result["in_the_loop_other_chip"] = accuracy(binary, model, other)
    print(", ".join(f"{k} {v:.1f}" for k, v in result.items() if isinstance(v, float)))
    return result


def figure(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = [("software", "software"), ("uncalibrated", "chip,\nuncalibrated"),
            ("calibrated", "chip,\ncalibrated"), ("in_the_loop", "in the loop\n(its chip)"),
            ("in_the_loop_other_chip", "in the loop,\nanother chip")]
    fig, (bars, curves) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    for i, (key, _) in enumerate(keys):
        values = [results["software"]] if key == "software" else [c[key] for c in results["chips"]]
        bars.bar(i, np.mean(values), width=0.6, alpha=0.7)
        bars.plot([i] * len(values), values, "k.", ms=4)
    bars.axhline(95.0, color="k", ls="--", lw=0.8, label="Goeltz et al. 2021, BSS-2 (95.0 %)")
    bars.set_xticks(range(len(keys)), [label for _, label in keys], fontsize=8)
    bars.set_ylim(40, 100)
    bars.set_ylabel("Yin-Yang test accuracy [%]")
    bars.legend(fontsize=8, loc="lower right")
    for c in results["chips"]:
        v = 100 * np.array(c["validation_accuracy"])
        curves.plot(np.arange(1, len(v) + 1), v, lw=0.8, label=f"chip {c['chip_seed']}")
    curves.set_xlabel("in-the-loop epoch")
    curves.set_ylabel("validation accuracy on the chip [%]")
    curves.set_ylim(85, 100)
    curves.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chips", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    parser.add_argument("--once", action="store_true",
                        help="the pattern sent once, one bias input (docs/chip_once.json)")
    parser.add_argument("--replot", action="store_true",
                        help="only draw the figure again from its JSON file")
    args = parser.parse_args()
    name = "chip_once" if args.once else "chip"
    picture = os.path.join(ROOT, "docs", "images", name.replace("chip", "chip_yin_yang") + ".png")
    values = os.path.join(ROOT, "docs", name + ".json")
    if args.replot:
        figure(json.load(open(values)), picture)
        return
    software_file = "ttfs_yin_yang_tuned.toml" if args.once else "ttfs_yin_yang_x5.toml"
    layout = once if args.once else (lambda text: text)
    with tempfile.TemporaryDirectory() as tmp:
        software = os.path.join(tmp, "software.h5")
        run(args.binary, ["ttfs", "train", os.path.join(ROOT, "experiments", software_file),
                          "--out", software, "--quiet"], echo=False)
        results = {"software_description": software_file,
                   "software": accuracy(args.binary, software, []),
                   "chips": [one_chip(args.binary, software, s, tmp, layout)
                             for s in range(1, args.chips + 1)]}
    summary = {}
    for key in ("uncalibrated", "calibrated", "in_the_loop", "in_the_loop_fresh_trials",
                "in_the_loop_other_chip", "in_the_loop_software"):
        v = np.array([c[key] for c in results["chips"]])
        summary[key] = {"mean": v.mean(), "std": v.std(ddof=1) if len(v) > 1 else 0.0,
                        "min": v.min(), "max": v.max()}
        print(f"{key}: {v.mean():.1f} +- {summary[key]['std']:.1f} (min {v.min():.1f})")
    results["summary"] = summary
    print(f"software: {results['software']:.1f}")
    with open(values, "w") as f:
        json.dump(results, f, indent=1)
    figure(results, picture)


if __name__ == "__main__":
    main()

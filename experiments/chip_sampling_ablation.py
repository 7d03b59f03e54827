#!/usr/bin/env python3
"""What limits in-the-loop sampling on the emulated BrainScaleS-1 (docs/chip.md): `train
--chip` of experiments/sampling_targets.toml (ten 5-unit targets, chip seed 1) on copies of the
bss1 profile with one imperfection switched off at a time: the per-synapse weight fixed pattern
(20 %, not calibrated), the spike loss (7.6 %), the 4-bit weights (16 bits instead), and all
three. Writes docs/chip_sampling_ablation.json. About 5 min on 2 cores.

Usage:
    cargo build --release
    python3 experiments/chip_sampling_ablation.py [--binary PATH]
"""
import argparse
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

from runs import ROOT, edit, run

EXAMPLE = os.path.join(ROOT, "experiments", "sampling_targets.toml")
PROFILE = os.path.join(ROOT, "models", "chips", "bss1.toml")
OFF = {
    "synapse_fpn": ("synapse_weight = 0.2", "synapse_weight = 0.0"),
    "spike_loss": ("spike_loss = 0.076", "spike_loss = 0.0"),
    "4_bit": ("weight_bits = 4", "weight_bits = 16"),
}
VARIANTS = {
    "bss1": [],
    "no synapse fixed pattern": ["synapse_fpn"],
    "no spike loss": ["spike_loss"],
    "16-bit weights": ["4_bit"],
    "none of the three": ["synapse_fpn", "spike_loss", "4_bit"],
}


def one(binary, name, off, tmp):
    text = open(PROFILE).read()
    for key in off:
        text = edit(text, *OFF[key])
    profile = os.path.join(tmp, name.replace(" ", "_") + ".toml")
    open(profile, "w").write(text)
    out = profile.replace(".toml", ".h5")
    run(binary, ["train", EXAMPLE, "--chip", profile, "--chip-seed", "1", "--out", out,
                 "--quiet"], echo=False)
    with h5py.File(out, "r") as f:
        dkl = f["sampling/dkl_sampled_target"][-1].tolist()
    return {"off": off, "dkl": dkl, "median": float(np.median(dkl))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(one, args.binary, name, off, tmp)
                   for name, off in VARIANTS.items()}
        results = {name: f.result() for name, f in futures.items()}
    json.dump({"example": "experiments/sampling_targets.toml", "chip_seed": 1,
               "runs": results}, open(os.path.join(ROOT, "docs", "chip_sampling_ablation.json"),
                                      "w"), indent=1)
    for name, r in results.items():
        print(f"{name:26s} median D_KL {r['median']:.4f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Which imperfection of the emulated BrainScaleS-2 costs how much: the software Yin-Yang network
evaluated on chips with one imperfection at a time (docs/chip.md, "Results").

Trains experiments/ttfs_yin_yang.toml in software, then evaluates it on the test set on chip
seeds 1..N of variants of models/chips/bss2.toml: every imperfection off (with 12-bit weights at
700 LSB/nA, so that quantisation is off too), each one alone back on, 6-bit weights alone, and
the whole profile (calibrated). Writes docs/chip_ablation.json. About 1 min.

Needs numpy. Usage:
    cargo build --release
    python3 experiments/chip_ablation.py [--chips 3]
"""
import argparse
import json
import os
import re
import tempfile

import numpy as np

from chip_figure import accuracy
from runs import ROOT, run

PROFILE = open(os.path.join(ROOT, "models", "chips", "bss2.toml")).read()

# Each imperfection: the (section, key, value) edits that switch it off.
IMPERFECTIONS = {
    "trial threshold noise": [("trial", "v_thresh", "0.0")],
    "spike jitter": [("trial", "spike_jitter_ns", "0.0")],
    "per-synapse fixed pattern": [("fixed_pattern", "synapse_weight", "0.0")],
    "calibration residual": [("calibration.measurement_noise", k, "0.0")
                             for k in ("v_thresh", "tau_m", "tau_syn", "synaptic_gain")],
    "threshold offset after calibration": [("calibration.offset", "v_thresh", "0.0")],
    "timestamps and latency": [("", "timestamp_ns", "0.001"), ("", "readout_latency_ns", "0.0")],
}
FINE = [("", "weight_bits", "12")]


def profile(edits):
    """The shipped profile with `edits` applied, each to its key in its section only."""
    lines, section, done = PROFILE.split("\n"), "", set()
    for i, line in enumerate(lines):
        header = re.match(r"^\[(.*)\]$", line)
        if header:
            section = header.group(1)
        for sec, key, value in edits:
            if sec == section and re.match(rf"^{key} = ", line):
                lines[i] = f"{key} = {value}"
                done.add((sec, key))
    assert done == {(s, k) for s, k, _ in edits}, f"not every edit applied: {edits}"
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chips", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    args = parser.parse_args()
    every = [e for edits in IMPERFECTIONS.values() for e in edits]
    variants = {"none (12-bit weights)": (every + FINE, ["--weight-scale", "700"]),
                "6-bit weights alone": (every, [])}
    for name, edits in IMPERFECTIONS.items():
        rest = [e for e in every if e not in edits]
        variants[f"{name} alone"] = (rest + FINE, ["--weight-scale", "700"])
    variants["all (the shipped profile)"] = ([], [])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        software = os.path.join(tmp, "software.h5")
        run(args.binary, ["ttfs", "train", os.path.join(ROOT, "experiments", "ttfs_yin_yang.toml"),
                          "--out", software, "--quiet"], echo=False)
        results["software"] = accuracy(args.binary, software, [])
        for name, (edits, extra) in variants.items():
            path = os.path.join(tmp, "chip.toml")
            open(path, "w").write(profile(edits))
            values = [accuracy(args.binary, software, ["--chip", path, "--time-scale", "6",
                                                       "--chip-seed", str(s)] + extra)
                      for s in range(1, args.chips + 1)]
            results[name] = {"per_chip": values, "mean": float(np.mean(values))}
            print(f"{name}: {np.mean(values):.1f} ({', '.join(f'{v:.1f}' for v in values)})")
    with open(os.path.join(ROOT, "docs", "chip_ablation.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

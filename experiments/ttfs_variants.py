#!/usr/bin/env python3
"""Yin-Yang (tau_m = tau_syn) training variants over seeds: does any change to the reference's
settings move the test accuracy by more than the seeds' scatter? Each variant is
experiments/ttfs_yin_yang.toml with one or two settings changed; every run keeps both its last
and its best-validation network. Prints, per variant, the test accuracy of both (mean ± sd, min)
and the mean of the best validation accuracy (the only number a choice may be based on).
About 2.5 min per variant and 5 seeds on 2 cores.

Needs numpy and h5py. Usage:
    cargo build --release
    python3 experiments/ttfs_variants.py [--seeds 10] [--first-seed 1] [--variants reference ...]
"""
import argparse
import os
import tempfile

import h5py
import numpy as np

from runs import ROOT, edit
from ttfs_figure import train

# Each variant: edits of experiments/ttfs_yin_yang.toml, or a shipped file of experiments/.
VARIANTS = {
    "reference": [],
    "output_max_missing_0.05": [("max_missing = 0.0", "max_missing = 0.05")],
    "lr_gamma_0.9": [("lr_gamma = 0.95", "lr_gamma = 0.9")],
    "input_noise_0.05": [("input_noise = 0.0", "input_noise = 0.05")],
    "no_bump_doubling": [("bump_doubling = true", "bump_doubling = false")],
    # the first two together
    "tuned": "ttfs_yin_yang_tuned.toml",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "exactspike"))
    args = parser.parse_args()
    with open(os.path.join(ROOT, "experiments", "ttfs_yin_yang.toml")) as f:
        shipped = f.read()
    print(f"{'variant':32} {'test, last [%]':>22} {'test, best validation [%]':>27} "
          f"{'best validation [%]':>20}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants:
            variant = VARIANTS[name]
            if isinstance(variant, str):
                config = os.path.join(ROOT, "experiments", variant)
            else:
                text = shipped
                for old, new in variant:
                    text = edit(text, old, new)
                config = os.path.join(tmp, f"{name}.toml")
                with open(config, "w") as f:
                    f.write(text)
            rows = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                out = os.path.join(tmp, f"{name}_{seed}.h5")
                r = train(args.binary, config, seed, out)
                with h5py.File(out, "r") as h:
                    best_validation = h["training/validation_accuracy"][:].max()
                rows.append((r["test_accuracy_last"], r["test_accuracy_best_validation"],
                             best_validation))
            x = 100 * np.array(rows)
            sd = x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(3)
            cells = [f"{x[:, k].mean():.2f} ± {sd[k]:.2f} ({x[:, k].min():.1f})" for k in (0, 1)]
            print(f"{name:32} {cells[0]:>22} {cells[1]:>27} {x[:, 2].mean():>20.2f}", flush=True)


if __name__ == "__main__":
    main()

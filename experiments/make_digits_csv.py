#!/usr/bin/env python3
"""Write data/digits_train.csv and data/digits_test.csv: scikit-learn's copy of the UCI
hand-written digits, split at a fixed rule: the images (in load_digits() order) are permuted by
np.random.RandomState(0).permutation(1797); the first 1438 of the permutation form the training
file, the last 359 (20 %) the test file, each kept in load_digits() order.

    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn numpy
    /tmp/sk/bin/python experiments/make_digits_csv.py

1797 images of 8x8 pixels with intensities 0..16, scaled to [0, 1] by /16
(exact in binary).  Header p0,...,p63,label; pixels row-major as
load_digits() gives them.  Each value is written in its shortest form that
reads back exactly: 0 and 1 as integers, others as Python's repr (e.g.
0.0625).  Prints the class counts (tests hard-code them) and the file size.
See data/DIGITS_LICENSE.md for origin and licence.
"""

import os

import numpy as np
from sklearn.datasets import load_digits


def shortest(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digits = load_digits()
    pixels = digits.data / 16.0
    assert pixels.shape == (1797, 64) and pixels.min() >= 0 and pixels.max() <= 1
    n_pixels = pixels.shape[1]
    header = ",".join([f"p{i}" for i in range(n_pixels)] + ["label"]) + "\n"
    permutation = np.random.RandomState(0).permutation(len(digits.target))
    splits = (("train", permutation[:1438]), ("test", permutation[1438:]))
    for name, chosen in splits:
        out = os.path.join(root, "data", f"digits_{name}.csv")
        rows = sorted(chosen.tolist())
        with open(out, "w", newline="\n") as f:
            f.write(header)
            for i in rows:
                cells = [shortest(v) for v in pixels[i]] + [str(int(digits.target[i]))]
                f.write(",".join(cells) + "\n")
        counts = np.bincount(digits.target[rows], minlength=10).tolist()
        print(name, "rows", len(rows), "features", n_pixels, "class counts", counts)
        print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()

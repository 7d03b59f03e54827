#!/usr/bin/env python3
"""Check that an exactspike recording has the documented HDF5 layout (read with h5py).

Usage: check_h5_layout.py FILE.h5 [--expect-populations exc,inh] [--allow-incomplete]

Prints "layout ok" and exits 0, or prints every problem found and exits 1.
"""

import argparse
import sys

import h5py
import numpy as np

ROOT_ATTRS = ("exactspike_version", "seed", "t_stop", "experiment", "complete", "termination")
TERMINATIONS = ("completed", "interrupted", "running")


def text(value):
    """An attribute as str, whether h5py returns str or bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


class Checker:
    """Collects layout problems instead of stopping at the first one."""

    def __init__(self):
        self.problems = []

    def expect(self, condition, message):
        if not condition:
            self.problems.append(message)
        return condition

    def root(self, f, allow_incomplete):
        missing = [a for a in ROOT_ATTRS if a not in f.attrs]
        if not self.expect(not missing, f"/: missing attributes {missing}"):
            return
        attrs = f.attrs
        self.expect(isinstance(attrs["exactspike_version"], (str, bytes)), "/: exactspike_version not a string")
        self.expect(isinstance(attrs["experiment"], (str, bytes)), "/: experiment not a string")
        self.expect(np.issubdtype(np.asarray(attrs["seed"]).dtype, np.integer), "/: seed not an integer")
        self.expect(np.asarray(attrs["t_stop"]).dtype == np.float64, "/: t_stop not float64")
        termination = text(attrs["termination"])
        self.expect(termination in TERMINATIONS, f"/: termination {termination!r} not one of {TERMINATIONS}")
        complete = bool(attrs["complete"])
        self.expect(complete == (termination == "completed"), f"/: complete={complete} but termination={termination!r}")
        if not allow_incomplete:
            self.expect(complete, "/: complete is not True")

    def units(self, dataset, unit):
        found = text(dataset.attrs.get("units", ""))
        self.expect(found == unit, f"{dataset.name}: units {found!r}, expected {unit!r}")

    def times(self, group):
        if not self.expect("times" in group, f"{group.name}: no times dataset"):
            return None
        times = group["times"]
        self.expect(times.dtype == np.float64 and times.ndim == 1, f"{times.name}: not float64 [n]")
        self.units(times, "ms")
        data = times[()]
        self.expect(bool(np.all(np.diff(data) >= 0)), f"{times.name}: not non-decreasing")
        return data

    def spikes(self, group):
        times = self.times(group)
        if not self.expect("senders" in group, f"{group.name}: no senders dataset"):
            return
        senders = group["senders"]
        self.expect(senders.dtype == np.uint32 and senders.ndim == 1, f"{senders.name}: not uint32 [n]")
        if times is not None:
            self.expect(senders.shape == times.shape, f"{senders.name}: {senders.shape} vs times {times.shape}")
        if "size" in group.attrs and senders.size:
            size = int(group.attrs["size"])
            self.expect(int(senders[()].max()) < size, f"{senders.name}: sender >= size {size}")

    def v(self, group):
        times = self.times(group)
        if not self.expect("values" in group, f"{group.name}: no values dataset"):
            return
        dataset = group["values"]
        values = np.asarray(dataset[()])  # float64[size] elements read as [m, size]
        self.expect(values.dtype == np.float64 and values.ndim == 2, f"{dataset.name}: not float64 [m, size]")
        self.units(dataset, "mV")
        if times is not None and values.ndim == 2:
            self.expect(values.shape[0] == times.shape[0], f"{dataset.name}: {values.shape[0]} rows vs {times.shape[0]} times")
        if "size" in group.attrs and values.ndim == 2:
            self.expect(values.shape[1] == int(group.attrs["size"]), f"{dataset.name}: width != size attribute")


def check(path, expected, allow_incomplete):
    checker = Checker()
    with h5py.File(path, "r") as f:
        checker.root(f, allow_incomplete)
        for name in ("spikes", "v"):
            checker.expect(name in f, f"/{name}: missing group")
        spikes = f.get("spikes", {})
        for name in spikes:
            checker.spikes(spikes[name])
        for name in f.get("v", {}):
            checker.v(f["v"][name])
        if expected:
            missing = sorted(set(expected) - set(spikes))
            checker.expect(not missing, f"/spikes: missing populations {missing} (have {sorted(spikes)})")
    return checker.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect-populations", default="", help="comma-separated spike populations")
    parser.add_argument("--allow-incomplete", action="store_true", help="accept complete = False")
    args = parser.parse_args()
    expected = [p for p in args.expect_populations.split(",") if p]
    try:
        problems = check(args.file, expected, args.allow_incomplete)
    except OSError as error:
        problems = [f"{args.file}: {error}"]
    for problem in problems:
        print(f"layout problem: {problem}")
    if problems:
        return 1
    print("layout ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

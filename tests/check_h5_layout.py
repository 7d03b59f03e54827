#!/usr/bin/env python3
"""Check that an exactspike recording has the documented HDF5 layout (read with h5py).

Usage: check_h5_layout.py FILE.h5 [--expect-populations exc,inh] [--require-complete]

A finished recording is either complete (complete = 1, termination "completed") or interrupted
(complete = 0, termination "interrupted", with t_reached where it stopped); both follow the layout
and pass, unless --require-complete is given. A file still marked "running" (a partial file, or
one whose writer died) does not.

Sampled state variables: /<var>/<pop>/values is float64 [m, k] (var one of v, gsyn_exc, gsyn_inh,
isyn_exc, isyn_inh, in mV, uS, uS, nA, nA), /<var>/<pop>/indices uint32 [k] (distinct neurons of
the population) and /<var>/<pop>/times float64 [m], with m = floor(t_stop / interval + 1e-9) + 1;
rows from the group's samples_written attribute on are NaN.
The root's t_reached (ms) is t_stop for a complete file and at most t_stop otherwise. The groups
of `calibrate`, `sample` and `train` (/calibration, /sampling, /training), where present, have
their attributes with the documented types: counts uint64, flags uint8 0/1, quantities float64;
/sampling's per-network tables have a leading networks dimension, and /background (a sampling
file whose background is not private Poisson noise) has its sources, per-sampler statistics and
probe sweeps with the documented shapes. A TTFS model (`ttfs train`) or predictions file (`ttfs
eval --out`) has /ttfs and /layer<l> with their attributes and weights [size, inputs (+ biases)]
(and /chip with its typed attributes and tables when it ran on an emulated chip),
and /test or /predictions (times [patterns, classes], labels, predictions, confusion
[classes, classes + 1] summing to the patterns); a model also has /training columns [epochs_run]
and, if any, /checkpoints.

Prints "layout ok" and exits 0, or prints every problem found and exits 1.
"""

import argparse
import sys

import h5py
import numpy as np

ROOT_ATTRS = ("exactspike_version", "seed", "t_stop", "t_stop_units", "experiment", "complete", "termination")
TERMINATIONS = ("completed", "interrupted")
SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
SIGNAL_UNITS = {"v": "mV", "gsyn_exc": "uS", "gsyn_inh": "uS", "isyn_exc": "nA", "isyn_inh": "nA"}

# Attributes of the sampling groups by type: counts (uint64), flags (uint8 0/1), float64, text.
GROUP_ATTRS = {
    "calibration": dict(counts=("points_used",), flags=(), floats=(
        "v_p05", "alpha", "v_p05_stderr", "alpha_stderr", "residual_rms"), texts=()),
    "sampling": dict(counts=("n", "networks"), flags=("renewing_synapses",), floats=(
        "burn_in", "sampling_start", "t_sample", "sample_interval", "smoothing", "v_p05", "alpha"),
        texts=("calibration",)),
    "training": dict(counts=("iterations",), flags=(), floats=("interval", "start", "end"), texts=()),
    "background": dict(counts=(), flags=(), floats=(
        "weight_exc", "weight_inh", "delay", "v_p05", "alpha", "v_p05_stderr", "alpha_stderr",
        "poisson_v_p05", "poisson_alpha", "poisson_v_p05_stderr", "poisson_alpha_stderr",
        "matched_rate_exc", "matched_rate_inh", "correlation_bin"), texts=("kind", "source_populations")),
}
BACKGROUND_KINDS = ("poisson_pool", "ensemble", "noise_network")


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

    def root(self, f, require_complete):
        missing = [a for a in ROOT_ATTRS if a not in f.attrs]
        if not self.expect(not missing, f"/: missing attributes {missing}"):
            return
        attrs = f.attrs
        self.expect(isinstance(attrs["exactspike_version"], (str, bytes)), "/: exactspike_version not a string")
        self.expect(isinstance(attrs["experiment"], (str, bytes)), "/: experiment not a string")
        self.expect(np.issubdtype(np.asarray(attrs["seed"]).dtype, np.integer), "/: seed not an integer")
        self.expect(np.asarray(attrs["t_stop"]).dtype == np.float64, "/: t_stop not float64")
        termination = text(attrs["termination"])
        if termination == "running":
            self.problems.append("/: termination 'running': the file was never finished (its writer is running or died)")
            return
        known = TERMINATIONS + tuple(f"interrupted by {s}" for s in SIGNALS)
        self.expect(termination in known, f"/: termination {termination!r} not one of {known}")
        complete = bool(attrs["complete"])
        self.expect(np.asarray(attrs["complete"]).dtype == np.uint8 and int(attrs["complete"]) in (0, 1),
                    "/: complete not uint8 0/1")
        self.expect(complete == (termination == "completed"), f"/: complete={complete} but termination={termination!r}")
        if require_complete:
            self.expect(complete, f"/: not complete (termination {termination!r})")
        self.expect(text(attrs["t_stop_units"]) == "ms", "/: t_stop_units is not 'ms'")
        if not self.expect("t_reached" in attrs, "/: missing attribute t_reached"):
            return
        reached, t_stop = attrs["t_reached"], attrs["t_stop"]
        self.expect(np.asarray(reached).dtype == np.float64, "/: t_reached not float64")
        self.expect(text(attrs.get("t_reached_units", "")) == "ms", "/: t_reached_units is not 'ms'")
        if complete:
            self.expect(reached == t_stop, f"/: complete but t_reached {reached} != t_stop {t_stop}")
        else:
            self.expect(0 <= reached <= t_stop, f"/: t_reached {reached} not in [0, t_stop {t_stop}]")

    def group_attrs(self, f, name):
        """The documented attributes of sampling group `name`, each of its documented type."""
        attrs = f[name].attrs
        kinds = GROUP_ATTRS[name]
        for key in kinds["counts"]:
            if self.expect(key in attrs, f"/{name}: missing attribute {key}"):
                self.expect(np.asarray(attrs[key]).dtype == np.uint64, f"/{name}: {key} not uint64")
        for key in kinds["flags"]:
            if self.expect(key in attrs, f"/{name}: missing attribute {key}"):
                value = np.asarray(attrs[key])
                self.expect(value.dtype == np.uint8 and int(value) in (0, 1), f"/{name}: {key} not uint8 0/1")
        for key in kinds["floats"]:
            if self.expect(key in attrs, f"/{name}: missing attribute {key}"):
                self.expect(np.asarray(attrs[key]).dtype == np.float64, f"/{name}: {key} not float64")
        for key in kinds["texts"]:
            if self.expect(key in attrs, f"/{name}: missing attribute {key}"):
                self.expect(isinstance(attrs[key], (str, bytes)), f"/{name}: {key} not a string")
        if name == "sampling" and "calibration" in attrs:
            source = text(attrs["calibration"])
            self.expect(source in ("measured", "file"), f"/sampling: calibration {source!r}")
            if source == "file":
                self.expect("calibration_file" in attrs, "/sampling: calibration is 'file' but no calibration_file")
            else:
                self.expect("calibration" in f, "/sampling: calibration measured but no /calibration group")

    def shape(self, group, name, dtype, shape):
        """Dataset `name` of `group` exists with this dtype and shape."""
        if self.expect(name in group, f"{group.name}: no {name} dataset"):
            d = group[name]
            self.expect(d.dtype == dtype and d.shape == shape,
                        f"{d.name}: {d.dtype} {d.shape}, expected {np.dtype(dtype)} {shape}")

    def sampling_shapes(self, f):
        """Per-network targets and translations of /sampling: [networks, ...]."""
        g = f["sampling"]
        if "n" not in g.attrs or "networks" not in g.attrs:
            return
        n, nets = int(g.attrs["n"]), int(g.attrs["networks"])
        self.shape(g, "p_target", np.float64, (nets, 2 ** n))
        self.shape(g, "weights_target", np.float64, (nets, n, n))
        self.shape(g, "biases_target", np.float64, (nets, n))
        self.shape(g, "v_rest", np.float64, (nets, n))
        if "p_target" in g:
            sums = g["p_target"][()].sum(axis=1)
            self.expect(bool(np.allclose(sums, 1.0)), "/sampling/p_target: a row does not sum to 1")

    def background(self, f):
        """/background: sources [samplers, k], per-sampler statistics [networks, n], probes [points]."""
        g = f["background"]
        self.expect(text(g.attrs.get("kind", "")) in BACKGROUND_KINDS,
                    f"/background: kind {text(g.attrs.get('kind', ''))!r} not one of {BACKGROUND_KINDS}")
        if text(g.attrs.get("kind", "")) == "poisson_pool":
            for key, dtype in (("pool", np.uint64), ("pool_rate", np.float64)):
                if self.expect(key in g.attrs, f"/background: missing attribute {key}"):
                    self.expect(np.asarray(g.attrs[key]).dtype == dtype, f"/background: {key} not {np.dtype(dtype)}")
        s = f.get("sampling")
        if s is None or "n" not in s.attrs or "networks" not in s.attrs:
            self.problems.append("/background without /sampling attributes n and networks")
            return
        n, nets = int(s.attrs["n"]), int(s.attrs["networks"])
        for name in ("sources_exc", "sources_inh"):
            if self.expect(name in g, f"/background: no {name} dataset"):
                d = g[name]
                self.expect(d.dtype == np.uint32 and d.ndim == 2 and d.shape[0] == nets * n,
                            f"{d.name}: {d.dtype} {d.shape}, expected uint32 [{nets * n}, k]")
        for name, unit in (("input_rate_exc", "Hz"), ("input_rate_inh", "Hz"), ("free_v_rest", "mV"),
                           ("free_v_mean", "mV"), ("free_v_sd", "mV")):
            self.shape(g, name, np.float64, (nets, n))
            if name in g:
                self.units(g[name], unit)
        self.shape(g, "input_correlation", np.float64, (nets,))
        self.shape(g, "input_correlation_rms", np.float64, (nets,))
        if self.expect("probe_v_rest" in g, "/background: no probe_v_rest dataset"):
            points = g["probe_v_rest"].shape
            for name in ("probe_v_equivalent", "probe_p_on", "poisson_p_on"):
                self.shape(g, name, np.float64, points)
            for name in ("probe_p_on", "poisson_p_on"):
                if name in g:
                    p = g[name][()]
                    self.expect(bool(np.all((p >= 0) & (p <= 1))), f"/background/{name}: outside [0, 1]")

    def typed(self, group, counts=(), floats=(), texts=()):
        """Attributes of `group` with the documented types: counts uint64, floats float64, texts str."""
        for keys, check, kind in ((counts, lambda v: np.asarray(v).dtype == np.uint64, "uint64"),
                                  (floats, lambda v: np.asarray(v).dtype == np.float64, "float64"),
                                  (texts, lambda v: isinstance(v, (str, bytes)), "a string")):
            for key in keys:
                if self.expect(key in group.attrs, f"{group.name}: missing attribute {key}"):
                    self.expect(check(group.attrs[key]), f"{group.name}: {key} not {kind}")

    def calibrated_flag(self, c):
        if self.expect("calibrated" in c.attrs, "/chip: missing attribute calibrated"):
            value = np.asarray(c.attrs["calibrated"])
            self.expect(value.dtype == np.uint8 and int(value) in (0, 1), "/chip: calibrated not uint8 0/1")

    def chip_run(self, c, counts):
        """What every emulated run of a network stores in /chip (chip::record), and `counts`."""
        self.typed(c, counts=("chip_seed", "run_seed", "weight_bits", "circuits_used", "circuits_available",
                              "saturated") + counts,
                   floats=("speedup", "spike_loss", "max_rounding_error", "bio_ms", "hardware_ms", "energy_mj"),
                   texts=("chip", "profile", "quantities"))
        self.calibrated_flag(c)
        if "circuits_used" in c.attrs:
            self.shape(c, "factors", np.float64, (int(c.attrs["circuits_used"]), 6))
        if "hardware_ms" in c.attrs and "speedup" in c.attrs and "bio_ms" in c.attrs:
            expected = c.attrs["bio_ms"] / c.attrs["speedup"]
            self.expect(abs(c.attrs["hardware_ms"] - expected) <= 1e-9 * expected,
                        "/chip: hardware_ms is not bio_ms / speedup")

    def sampling_chip(self, f):
        """The /chip group of sampling networks run on an emulated chip."""
        c = f["chip"]
        self.chip_run(c, ("rows_used", "rows_available"))
        s = f["sampling"].attrs
        networks, n = int(s.get("networks", 0)), int(s.get("n", 0))
        self.shape(c, "scales", np.float64, (networks, 2))
        self.shape(c, "factors", np.float64, (networks * n, 6))

    def run_chip(self, f):
        """The /chip group of an experiment run on an emulated chip (`run --chip`)."""
        self.chip_run(f["chip"], ("synapses", "max_fan_in"))

    def chip(self, f):
        """The /chip group of a network trained or evaluated on an emulated chip."""
        if "sampling" in f:
            return self.sampling_chip(f)
        if "ttfs" not in f:
            return self.run_chip(f)
        c = f["chip"]
        self.typed(c, counts=("chip_seed", "run_seed", "circuits_used", "circuits_available", "patterns"),
                   floats=("time_scale", "weight_scale", "slot", "slot_us", "patterns_per_second",
                           "run_us", "energy_per_pattern_uj", "energy_mj", "wall_seconds"),
                   texts=("chip", "profile", "quantities"))
        self.calibrated_flag(c)
        self.shape(c, "factors_uncalibrated", np.float64, (6, 2))
        self.shape(c, "factors_as_run", np.float64, (6, 2))
        self.shape(c, "out_of_range", np.uint32, (6,))
        layers = int(f["ttfs"].attrs.get("layers", 0))
        self.shape(c, "saturated_weights", np.uint32, (layers,))
        self.shape(c, "rounding_error", np.float64, (layers,))
        if "rounding_error" in c:
            self.units(c["rounding_error"], "nA")
        if "slot_us" in c.attrs and "patterns" in c.attrs:
            expected = c.attrs["slot_us"] * int(c.attrs["patterns"])
            self.expect(c.attrs["run_us"] >= expected, "/chip: run_us shorter than its patterns' slots")
        if "test" in f:
            self.typed(c, floats=("software_test_accuracy",))

    def ttfs(self, f):
        """A TTFS model or predictions file: settings, layers, evaluation, history."""
        t = f["ttfs"]
        model = "test" in f
        self.typed(t, counts=("format_version", "inputs", "classes", "layers", "repeat"),
                   floats=("early", "late", "xi", "alpha", "beta"))
        if self.expect("invert" in t.attrs, "/ttfs: missing attribute invert"):
            value = np.asarray(t.attrs["invert"])
            self.expect(value.dtype == np.uint8 and int(value) in (0, 1), "/ttfs: invert not uint8 0/1")
        if model:
            self.typed(t, counts=("epochs_run", "best_epoch", "threads"), texts=("stored",),
                       floats=("test_accuracy", "test_loss", "test_accuracy_last",
                               "test_accuracy_best_validation", "wall_seconds"))
        if "layers" not in t.attrs or "inputs" not in t.attrs or "classes" not in t.attrs:
            return
        self.expect(int(t.attrs["format_version"]) == 1, "/ttfs: format_version is not 1")
        n_in, widths = int(t.attrs["inputs"]), []
        for l in range(int(t.attrs["layers"])):
            if not self.expect(f"layer{l}" in f, f"/layer{l}: missing group"):
                return
            g = f[f"layer{l}"]
            self.typed(g, counts=("size", "inputs", "biases"), texts=("method",),
                       floats=("bias_time", "cm", "tau_m", "tau_syn", "v_rest", "v_thresh"))
            self.expect(int(g.attrs.get("inputs", -1)) == n_in, f"/layer{l}: inputs is not {n_in}, the layer below")
            size = int(g.attrs.get("size", 0))
            biases = int(g.attrs.get("biases", 0))
            self.expect((biases > 0) == bool(np.isfinite(g.attrs.get("bias_time", np.nan))),
                        f"/layer{l}: {biases} bias inputs but bias_time {g.attrs.get('bias_time')}")
            width = n_in + biases
            self.shape(g, "weights", np.float64, (size, width))
            if "weights" in g:
                self.units(g["weights"], "nA")
            widths.append((size, width))
            n_in = size
        classes = int(t.attrs["classes"])
        self.expect(n_in == classes, f"/ttfs: classes {classes} but the last layer has {n_in} neurons")
        set_name = "test" if model else "predictions"
        if self.expect(set_name in f, f"/{set_name}: missing group"):
            e = f[set_name]
            n = e["labels"].shape[0] if "labels" in e else 0
            self.shape(e, "times", np.float64, (n, classes))
            self.shape(e, "labels", np.uint32, (n,))
            self.shape(e, "predictions", np.uint32, (n,))
            self.shape(e, "confusion", np.uint32, (classes, classes + 1))
            if "confusion" in e and "labels" in e and "predictions" in e:
                self.expect(int(e["confusion"][:].sum()) == n, f"{e.name}/confusion does not sum to {n}")
                self.expect(bool((e["labels"][:] < classes).all()), f"{e.name}/labels outside the classes")
                self.expect(bool((e["predictions"][:] <= classes).all()), f"{e.name}/predictions outside the classes")
        if not model:
            return
        epochs = int(t.attrs.get("epochs_run", 0))
        if not self.expect("training" in f, "/training: missing group"):
            return
        for column in ("epoch", "lr", "train_loss", "train_accuracy", "validation_loss",
                       "validation_accuracy", "updates", "bumps"):
            self.shape(f["training"], column, np.float64, (epochs,))
        if "checkpoints" in f:
            c = f["checkpoints"]
            count = c["epochs"].shape[0] if "epochs" in c else 0
            self.shape(c, "epochs", np.float64, (count,))
            for l, (size, width) in enumerate(widths):
                self.shape(c, f"layer{l}", np.float64, (count, size, width))

    def units(self, dataset, unit):
        found = text(dataset.attrs.get("units", ""))
        self.expect(found == unit, f"{dataset.name}: units {found!r}, expected {unit!r}")

    def times(self, group, valid=None):
        """The times dataset; only its first `valid` entries (all if None) must be non-decreasing."""
        if not self.expect("times" in group, f"{group.name}: no times dataset"):
            return None
        times = group["times"]
        self.expect(times.dtype == np.float64 and times.ndim == 1, f"{times.name}: not float64 [n]")
        self.units(times, "ms")
        data = times[()]
        self.expect(bool(np.all(np.diff(data[:valid]) >= 0)), f"{times.name}: not non-decreasing")
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

    def signal(self, group, units, t_stop):
        written = group.attrs.get("samples_written")
        if self.expect(written is not None, f"{group.name}: no samples_written attribute"):
            written = int(written)
            self.expect(np.asarray(group.attrs["samples_written"]).dtype == np.uint64, f"{group.name}: samples_written not uint64")
        times = self.times(group, written)
        if not self.expect("values" in group, f"{group.name}: no values dataset"):
            return
        dataset = group["values"]
        self.expect(dataset.dtype == np.float64, f"{dataset.name}: dtype {dataset.dtype}, expected float64")
        if not self.expect(dataset.ndim == 2, f"{dataset.name}: shape {dataset.shape}, expected [m, k]"):
            return
        self.units(dataset, units)
        rows, size = dataset.shape
        if self.expect("indices" in group, f"{group.name}: no indices dataset"):
            indices = group["indices"][()]
            self.expect(group["indices"].dtype == np.uint32, f"{group.name}/indices: not uint32")
            self.expect(indices.shape == (size,), f"{group.name}/indices: shape {indices.shape} vs width {size}")
            self.expect(len(set(indices.tolist())) == len(indices), f"{group.name}/indices: a neuron twice")
            if "size" in group.attrs and indices.size:
                self.expect(int(indices.max()) < int(group.attrs["size"]), f"{group.name}/indices: index >= size")
        if "interval" in group.attrs and t_stop is not None:
            m = int(np.floor(float(t_stop) / float(group.attrs["interval"]) + 1e-9)) + 1
            self.expect(dataset.shape == (m, size), f"{dataset.name}: shape {dataset.shape}, expected ({m}, {size})")
        if times is not None:
            self.expect(times.shape == (rows,), f"{group['times'].name}: shape {times.shape} vs {rows} rows of values")
        if size:
            column = dataset[:, size - 1]  # column access must work on the 2-D dataset
            self.expect(column.shape == (rows,), f"{dataset.name}: [:, i] has shape {column.shape}")
        if written is not None and self.expect(written <= rows, f"{group.name}: samples_written {written} > {rows} rows"):
            values = dataset[()]
            self.expect(not np.isnan(values[:written]).any(), f"{dataset.name}: NaN among the {written} samples written")
            self.expect(bool(np.isnan(values[written:]).all()), f"{dataset.name}: rows from {written} on are not NaN")
            if times is not None:
                self.expect(bool(np.isnan(times[written:]).all()), f"{group['times'].name}: entries from {written} on are not NaN")


def check(path, expected, require_complete):
    checker = Checker()
    with h5py.File(path, "r") as f:
        checker.root(f, require_complete)
        checker.expect("spikes" in f, "/spikes: missing group")
        spikes = f.get("spikes", {})
        for name in spikes:
            checker.spikes(spikes[name])
        t_stop = f.attrs.get("t_stop")
        for variable, units in SIGNAL_UNITS.items():
            for name in f.get(variable, {}):
                checker.signal(f[variable][name], units, t_stop)
        if "ttfs" in f:
            checker.ttfs(f)
        if "chip" in f:
            checker.chip(f)
        for name in GROUP_ATTRS:
            if name in f and "ttfs" not in f:
                checker.group_attrs(f, name)
        if "sampling" in f:
            checker.sampling_shapes(f)
        if "background" in f:
            checker.background(f)
        if expected:
            missing = sorted(set(expected) - set(spikes))
            checker.expect(not missing, f"/spikes: missing populations {missing} (have {sorted(spikes)})")
    return checker.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect-populations", default="", help="comma-separated spike populations")
    parser.add_argument("--require-complete", action="store_true",
                        help="also reject an interrupted recording (complete = 0)")
    args = parser.parse_args()
    expected = [p for p in args.expect_populations.split(",") if p]
    try:
        problems = check(args.file, expected, args.require_complete)
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

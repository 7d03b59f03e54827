#!/usr/bin/env python3
"""exactspike's Yin-Yang training against the reference implementation, step for step.

Runs the reference (fastAndDeep v1.0.0, Göltz, Kriener et al. 2021; PyTorch on the CPU) and
`examples/ttfs_trajectory.rs` from the same initial weights (the reference's own, torch seed 2000)
on the same patterns in the same batch order (exactspike's, for both), and prints their
training loss, accuracy, updates and weight bumps per epoch side by side, then the largest
weight difference at the end. Training is chaotic (a bump is a yes-or-no decision), so the two
follow each other until a rounding difference flips one decision.

The reference adds eps = 1e-6 to one term of its spike time (against 0/0 when a weight is
exactly 0); `--eps 0` removes it, so that both compute the same numbers up to rounding.

Needs torch, numpy, scipy, pyyaml and numba, and the reference outside this repository:
    git clone -b v1.0.0 https://github.com/JulianGoeltz/fastAndDeep /tmp/fastAndDeep
    python3 experiments/ttfs_reference_check.py --reference /tmp/fastAndDeep --epochs 20 --eps 0
About 3 s per epoch for the reference and 0.1 s for exactspike (2 cores).
"""
import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import types

import numpy as np

from runs import ROOT

CONFIG = os.path.join(ROOT, "experiments", "ttfs_yin_yang.toml")


def import_reference(src, eps):
    """The reference's `training` and `utils` modules, with `eps` in its spike-time formula."""
    sys.path.insert(0, src)
    os.environ["USE_LAMBERTW_SCIPY"] = "1"  # scipy's Lambert W on the CPU
    path = os.path.join(src, "utils_spiketime_et.py")
    with open(path) as f:
        text = f.read()
    assert text.count("eps = 1e-6") == 2, "not fastAndDeep v1.0.0"
    module = types.ModuleType("utils_spiketime_et")
    module.__file__ = path
    sys.modules["utils_spiketime_et"] = module
    exec(compile(text.replace("eps = 1e-6", f"eps = {eps!r}"), path, "exec"), module.__dict__)
    import training
    import utils
    return training, utils


def quietly(f, *args):
    """f(*args) without its prints (the reference reports every clipped gradient)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*args)


def reference_network(training, src):
    """The reference's Yin-Yang network with its seeded initial weights, and its settings."""
    import torch
    cwd = os.getcwd()
    os.chdir(src)
    try:
        _, neuron, layout, params = training.load_config("../experiment_configs/yin_yang.yaml")
    finally:
        os.chdir(cwd)
    torch.manual_seed(params["torch_seed"])
    np.random.seed(params["numpy_seed"])
    keys = ["use_forward_integrator", "resolution", "sim_time", "rounding_precision",
            "use_hicannx", "max_dw_norm", "clip_weights_max"]
    sim = {k: params.get(k, False) for k in keys}
    sim.update(neuron)
    return training.Net(layout, sim, torch.device("cpu")), sim, params


def train_reference(training, utils, net, sim, params, work, epochs):
    """The reference's training loop (`run_epochs`), the batches in exactspike's order."""
    import torch
    table = np.loadtxt(os.path.join(work, "patterns.txt"))
    inputs = torch.tensor(table[:, :-1])
    labels = torch.tensor(table[:, -1].astype(np.int64))
    criterion = utils.LossFunction(3, sim["tau_syn"], params["xi"], params["alpha"],
                                   params["beta"], torch.device("cpu"))
    optimizer = torch.optim.Adam(net.parameters(), lr=params["learning_rate"])
    scheduler = training.setup_lr_scheduling(params["lr_scheduler"], optimizer)
    bump, last = params["weight_bumping_value"], -2
    lines = []
    for epoch in range(epochs):
        order = np.loadtxt(os.path.join(work, f"order_{epoch}.txt")).astype(np.int64)
        loss_sum, correct, updates, bumps = 0.0, 0, 0, 0
        for start in range(0, len(order), params["batch_size"]):
            batch = torch.tensor(order[start:start + params["batch_size"]])
            x, y = inputs[batch].clone(), labels[batch]
            optimizer.zero_grad()
            label_times, hidden_times = quietly(net, x)
            last, bump = training.check_bump_weights(net, hidden_times, label_times, params,
                                                     epoch, start, bump, last)
            loss = criterion(label_times, y)
            # exactspike's regulariser has the constant -alpha, where the label neuron fires (a
            # silent label's loss is 100 in both)
            fired_label = torch.isfinite(label_times.gather(1, y.view(-1, 1))).sum().item()
            loss_sum += loss.item() * len(y) - params["alpha"] * fired_label
            first = label_times.argmin(1)
            fired = torch.isfinite(label_times.gather(1, first.view(-1, 1))).flatten()
            correct += int(((first == y) & fired).sum())
            if last != -2:
                bumps += 1
            else:
                quietly(loss.backward)
                optimizer.step()
                updates += 1
        scheduler.step()
        lines.append(f"epoch {epoch + 1} loss {loss_sum / len(order):.9f} accuracy "
                     f"{correct / len(order):.4f} updates {updates} bumps {bumps}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, help="fastAndDeep v1.0.0 checkout")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--eps", type=float, default=1e-6,
                        help="the reference's eps in its spike time (its own: 1e-6)")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(2)
    src = os.path.join(os.path.abspath(args.reference), "src")
    training, utils = import_reference(src, args.eps)
    net, sim, params = reference_network(training, src)
    with tempfile.TemporaryDirectory() as work:
        for l, layer in enumerate(net.layers):
            np.savetxt(os.path.join(work, f"initial_{l}.txt"),
                       layer.weights.data.numpy().reshape(-1), fmt="%.17e")
        ours = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "--example", "ttfs_trajectory", "--",
             CONFIG, work, str(args.epochs)],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout.splitlines()
        theirs = train_reference(training, utils, net, sim, params, work, args.epochs)
        print(f"{'':6} {'exactspike':>46} | {'reference (eps = ' + repr(args.eps) + ')':>46}")
        same_until = 0
        for a, b in zip(ours, theirs):
            fa, fb = a.split(), b.split()
            print(f"{fa[1]:>5}  loss {fa[3]:>12} acc {fa[5]} upd {fa[7]:>2} bumps {fa[9]:>2} | "
                  f"loss {fb[3]:>12} acc {fb[5]} upd {fb[7]:>2} bumps {fb[9]:>2}")
            if fa[5:] == fb[5:] and same_until == int(fa[1]) - 1:
                same_until = int(fa[1])
        print(f"same accuracy, updates and bumps through epoch {same_until} of {args.epochs}")
        for l, layer in enumerate(net.layers):
            a = np.loadtxt(os.path.join(work, f"exactspike_{l}.txt"))
            b = layer.weights.data.numpy().reshape(-1)
            w0 = np.loadtxt(os.path.join(work, f"initial_{l}.txt"))
            print(f"layer {l}: largest |w_exactspike - w_reference| {abs(a - b).max():.3e} nA "
                  f"(largest change by training {abs(b - w0).max():.3f} nA)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The controls of Jordan et al. 2019 and the correlation analysis of Dold et al. 2019: the
README's ensemble-control figures (issue 13).

Controls: `--networks` networks (default 50) of 4 sbs samplers with fixed random targets
(W, b ~ U(-1, 1)), no training, sampled for `--T` ms (default 100 s), each sampler with the
same in-degree K (--control-ks, default 20, 10 and 40; 80 % excitatory, weights 0.18/K and
0.72/K uS, delay 1 ms; K = 20: 16 + 4 inputs of 0.009 / 0.036 uS) from
  - a deterministic noise network of 400 IF_curr_exp neurons (sbs defaults: 80 % excitatory,
    epsilon 0.1, g 10, 0.0635 nA, suprathreshold v_rest),
  - a pool of 100 shared Poisson sources (80 % excitatory) at the noise network's measured rate,
  - private Poisson noise of the same mean input (K x that rate, the same weights).
Correlations: an ensemble of `--ensemble-networks` networks (default 100) whose samplers take
K = k_exc + k_inh (half each) inputs of 0.12/K uS from the other networks, for K in --ks: the
activation width alpha under the ensemble and under Poisson noise of matched mean input, and the
median correlation of the background input of two samplers of one network.

Writes docs/ensemble_controls.json (every number), docs/images/ensemble_controls.png
(`exactspike plot-dkl` of the three controls) and, with matplotlib, docs/images/ensemble_alpha.png
(alpha and correlation over K). About 3 min on one core.

Needs numpy and h5py (matplotlib for the second picture). Usage:
    cargo build --release
    python3 experiments/ensemble_controls.py [--networks 50] [--T 100000] [--ks 10 20 40 60 80]
"""
import argparse
import json
import os
import tempfile

import h5py
import numpy as np

from runs import ROOT, attrs, edit, ensemble_example, run

BACKGROUND_INPUTS = "inputs = { k_exc = 30, k_inh = 30, weight_exc = 0.002, weight_inh = 0.002, delay = 5.0 }   # uS, ms"


def background(text, kind_lines, inputs):
    text = edit(text, 'kind = "ensemble"', kind_lines)
    return edit(text, BACKGROUND_INPUTS, inputs)


def private(text, noise):
    start, end = text.index("[sampler.background]"), text.index("[sampling]")
    text = text[:start] + text[end:]
    return edit(text, "renewing_synapses = true", "renewing_synapses = true\nnoise = " + noise)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    parser.add_argument("--networks", type=int, default=50)
    parser.add_argument("--ensemble-networks", type=int, default=100)
    parser.add_argument("--T", type=float, default=100000.0, help="sampling time [ms]")
    parser.add_argument("--control-ks", type=int, nargs="+", default=[20, 10, 40],
                        help="in-degrees K of the controls (80 %% excitatory; the picture shows the first)")
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 20, 40, 60, 80])
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="ensemble_controls_")

    def sample(name, text):
        toml, out = os.path.join(work, f"{name}.toml"), os.path.join(work, f"{name}.h5")
        with open(toml, "w") as f:
            f.write(text)
        run(args.exactspike, ["sample", toml, "--out", out, "--quiet"])
        return out

    def final(path):
        with h5py.File(path, "r") as f:
            s = f["sampling"]
            forward, reverse = s["dkl_sampled_target"][-1], s["dkl_target_sampled"][-1]
            out = {"median_sampled_target": float(np.median(forward)),
                   "quartiles_sampled_target": np.percentile(forward, [25, 75]).tolist(),
                   "median_target_sampled": float(np.median(reverse)),
                   "unvisited_total": int(np.sum(s["unvisited"][-1])),
                   "per_network_sampled_target": forward.tolist()}
            if "background" in f:
                b = f["background"]
                out["background"] = attrs(b)
                out["input_correlation_median"] = float(np.nanmedian(b["input_correlation"][:]))
                out["input_correlation_rms_median"] = float(np.nanmedian(b["input_correlation_rms"][:]))
        return out

    text = ensemble_example(args.networks, args.T, training=False)
    controls = []
    for k in args.control_ks:
        k_exc, k_inh = 4 * k // 5, k - 4 * k // 5
        w_exc, w_inh = 0.18 / k, 0.72 / k
        inputs = (f"inputs = {{ k_exc = {k_exc}, k_inh = {k_inh}, weight_exc = {w_exc!r}, "
                  f"weight_inh = {w_inh!r}, delay = 1.0 }}")
        noise_network = sample(f"noise_network_k{k}", background(text, 'kind = "noise_network"\nsize = 400', inputs))
        with h5py.File(noise_network, "r") as f:
            rate = float(f["background"].attrs["matched_rate_exc"]) / k_exc
        pool = sample(f"pool_k{k}", background(text, f'kind = "poisson_pool"\npool = 100\nrate = {rate:.3f}', inputs))
        noise = (f"{{ rate_exc = {k_exc * rate:.3f}, rate_inh = {k_inh * rate:.3f}, "
                 f"weight_exc = {w_exc!r}, weight_inh = {w_inh!r} }}")
        private_poisson = sample(f"private_poisson_k{k}", private(text, noise))
        c = {"k": k, "k_exc": k_exc, "k_inh": k_inh, "weight_exc": w_exc, "weight_inh": w_inh,
             "source_rate_hz": rate, "noise_network": final(noise_network), "pool": final(pool),
             "private_poisson": final(private_poisson)}
        controls.append(c)
        print(f"\ncontrols, K = {k_exc} + {k_inh}, median D_KL(p_hat || p*) over {args.networks} networks "
              f"at T = {args.T / 1000:.0f} s:")
        for key in ("private_poisson", "noise_network", "pool"):
            r = c[key]
            print(f"  {key:16s} {r['median_sampled_target']:.4f} (reverse {r['median_target_sampled']:.4f}, "
                  f"unvisited {r['unvisited_total']}, input correlation {r.get('input_correlation_median', 0.0):.3f})")
        if k == args.control_ks[0]:
            run(args.exactspike, ["plot-dkl", private_poisson, "--compare", noise_network, "--compare", pool,
                                  "--out", os.path.join(ROOT, "docs", "images", "ensemble_controls.png"),
                                  "--overwrite"])

    sweep = []
    ensemble_text = ensemble_example(args.ensemble_networks, 1000.0, training=False)
    for k in args.ks:
        w = 0.12 / k
        inputs = f"inputs = {{ k_exc = {k // 2}, k_inh = {k - k // 2}, weight_exc = {w!r}, weight_inh = {w!r}, delay = 5.0 }}"
        path = sample(f"ensemble_k{k}", edit(ensemble_text, BACKGROUND_INPUTS, inputs))
        with h5py.File(path, "r") as f:
            b = f["background"]
            a = attrs(b)
            sweep.append({"k": k, "weight": w, **{key: a[key] for key in (
                "alpha", "alpha_stderr", "poisson_alpha", "poisson_alpha_stderr", "v_p05", "poisson_v_p05",
                "matched_rate_exc", "matched_rate_inh")},
                "input_correlation_median": float(np.nanmedian(b["input_correlation"][:])),
                "input_correlation_rms_median": float(np.nanmedian(b["input_correlation_rms"][:])),
                "free_v_sd": float(b["free_v_sd"][:].mean())})
        s = sweep[-1]
        print(f"  K = {k:3d}: alpha {s['alpha']:.3f} ± {s['alpha_stderr']:.3f} mV under the ensemble, "
              f"{s['poisson_alpha']:.3f} ± {s['poisson_alpha_stderr']:.3f} under matched Poisson; "
              f"input correlation mean {s['input_correlation_median']:.3f}, rms {s['input_correlation_rms_median']:.3f}")
    with open(os.path.join(ROOT, "docs", "ensemble_controls.json"), "w") as f:
        json.dump({"networks": args.networks, "ensemble_networks": args.ensemble_networks, "T_ms": args.T,
                   "controls": controls, "correlations": sweep,
                   "exactspike": run(args.exactspike, ["--version"]).strip()}, f, indent=1)
    try:
        import matplotlib
    except ImportError:
        print("no matplotlib: docs/images/ensemble_alpha.png not drawn")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8), dpi=120)
    ks = [s["k"] for s in sweep]
    for key, label, color in (("alpha", "ensemble background", "C0"), ("poisson_alpha", "Poisson, matched mean input", "C3")):
        left.errorbar(ks, [s[key] for s in sweep], yerr=[s[key + "_stderr"] for s in sweep], marker="o",
                      color=color, label=label, capsize=3)
    left.set_xlabel("inputs per sampler K")
    left.set_ylabel("activation width alpha [mV]")
    left.legend()
    right.plot(ks, [s["input_correlation_rms_median"] for s in sweep], "o-", color="C0", label="rms over pairs")
    right.plot(ks, [s["input_correlation_median"] for s in sweep], "s--", color="C2", label="mean over pairs")
    right.axhline(0.0, color="0.6", linewidth=0.8)
    right.set_xlabel("inputs per sampler K")
    right.set_ylabel("background input correlation of two\nsamplers of one network (median)")
    right.legend()
    fig.suptitle(f"ensemble of {args.ensemble_networks} networks x 4 samplers, K·w = 0.12 uS")
    fig.tight_layout()
    fig.savefig(os.path.join(ROOT, "docs", "images", "ensemble_alpha.png"))
    print("-> docs/ensemble_controls.json, docs/images/ensemble_controls.png, docs/images/ensemble_alpha.png")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scaling and memory of the COBA benchmark: the network of experiments/coba_benchmark.toml at
several sizes with the same in-degree (connection probability 0.02 * 4000 / N, so every neuron
keeps about 64 excitatory and 16 inhibitory inputs), run by exactspike: input events per second
of the simulation loop, cost per event relative to the smallest size, synapses, bytes per
synapse of the peak resident memory (the whole process: network, states, queue, recorder) and of
the engine's own estimate.

Usage
    python3 benches/scaling.py [--exactspike BIN] [--sizes 1000 4000 16000 64000]
                               [--t-stop 200] [--threads 1] [--nest]

With --nest, NEST 3.10 runs the same network at each size (iaf_cond_exp, 0.1 ms, one thread,
as benches/side_by_side.py builds it) in its own process, and its peak resident memory is
printed beside exactspike's; this needs `import nest` (e.g. the venv of
`python3 benches/side_by_side.py --install`).

The stimulus (20 Poisson sources for 50 ms, p = 0.01) is kept as it is, so the self-sustained
activity starts the same way at every size; the rates are printed, so the sizes can be seen to
run the same regime. Needs only the Python standard library.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def sizes_and_p(n):
    """Excitatory and inhibitory sizes (80 % excitatory) of `n` neurons and the recurrent
    connection probability that keeps the benchmark's in-degree."""
    return n * 4 // 5, n // 5, 0.02 * 4000 / n


def scaled(text, n):
    """The COBA benchmark's TOML text with `n` neurons, as `sizes_and_p` scales it."""
    n_exc, n_inh, p = sizes_and_p(n)
    for name, old, new in (("exc", 3200, n_exc), ("inh", 800, n_inh)):
        size = f'name = "{name}"\nsize = '
        assert text.count(f"{size}{old}\n") == 1, name
        text = text.replace(f"{size}{old}\n", f"{size}{new}\n")
    recurrent = 'connector = { type = "fixed_probability", p = 0.02 }'
    assert text.count(recurrent) == 4, "four recurrent projections"
    profile = os.path.join(ROOT, "models", "neurons", "coba_benchmark.toml")
    return (text.replace(recurrent, f'connector = {{ type = "fixed_probability", p = {p!r} }}')
                .replace('"../models/neurons/coba_benchmark.toml"', repr(profile).replace("'", '"')))


def run(binary, n, t_stop, threads):
    with open(os.path.join(ROOT, "experiments", "coba_benchmark.toml")) as f:
        text = scaled(f.read(), n)
    with tempfile.TemporaryDirectory() as tmp:
        toml, out = os.path.join(tmp, "coba.toml"), os.path.join(tmp, "coba.h5")
        with open(toml, "w") as f:
            f.write(text)
        env = dict(os.environ, RUST_LOG="exactspike=info")
        proc = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb=%M", binary, "run", toml,
                               "--out", out, "--t-stop", str(t_stop), "--threads", str(threads)],
                              capture_output=True, text=True, env=env)
        log = ANSI.sub("", proc.stdout + proc.stderr)
        if proc.returncode != 0:
            sys.exit(f"{n} neurons: exactspike failed:\n{log}")
    number = lambda pattern: float(re.search(pattern, log).group(1))
    events = number(r"([0-9]+) input events")
    spikes = number(r"([0-9]+) neuron spikes")
    loop = number(r"wall ([0-9.]+) s")
    synapses = number(r"synapses=([0-9]+)")
    estimate = number(r"estimated_peak_bytes=([0-9]+)")
    rss = number(r"peak_rss_kb=([0-9]+)") * 1024
    return dict(n=n, events=events, loop=loop, rate=spikes / n / t_stop * 1e3,
                synapses=synapses, rss=rss, estimate=estimate)


def nest_peak(n, t_stop):
    """NEST's peak resident memory [bytes] and connections for the network of `n` neurons, in a
    process of its own (this interpreter, which must import nest)."""
    code = f"""
import resource, sys
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
import side_by_side as sbs
net = sbs.network("coba")
net["n_exc"], net["n_inh"], net["p"] = {sizes_and_p(n)!r}
net["t_stop"] = {t_stop!r}
import nest
sbs.run_nest(net, 1, 1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, nest.GetKernelStatus("num_connections"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak, connections = out.stdout.split()[-2:]
    return float(peak), float(connections)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exactspike", default=os.path.join(ROOT, "target", "release", "exactspike"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000, 64000])
    ap.add_argument("--t-stop", type=float, default=200.0, help="simulated time [ms]")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--nest", action="store_true", help="NEST's peak memory beside (see above)")
    args = ap.parse_args()
    rows = [run(args.exactspike, n, args.t_stop, args.threads) for n in args.sizes]
    for r in rows:
        r["nest"] = nest_peak(r["n"], args.t_stop) if args.nest else None
    base = rows[0]["loop"] / rows[0]["events"]
    print(f"{'neurons':>8} {'rate Hz':>8} {'synapses':>10} {'events':>10} {'loop s':>7} "
          f"{'M events/s':>10} {'cost/event vs first':>20} {'peak RSS MB':>11} "
          f"{'RSS B/syn':>9} {'estimate B/syn':>14}" + (" NEST peak MB  NEST B/syn" if args.nest else ""))
    for r in rows:
        print(f"{r['n']:>8} {r['rate']:>8.1f} {r['synapses']:>10.0f} {r['events']:>10.0f} "
              f"{r['loop']:>7.2f} {r['events'] / r['loop'] / 1e6:>10.2f} "
              f"{r['loop'] / r['events'] / base:>20.2f} {r['rss'] / 1e6:>11.1f} "
              f"{r['rss'] / r['synapses']:>9.1f} {r['estimate'] / r['synapses']:>14.1f}"
              + (f" {r['nest'][0] / 1e6:>12.1f} {r['nest'][0] / r['nest'][1]:>11.1f}"
                 if r["nest"] else ""))


if __name__ == "__main__":
    main()

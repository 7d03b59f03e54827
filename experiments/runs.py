"""Helpers shared by the figure scripts in experiments/: guarded text edits of a shipped example
and runs of the exactspike command."""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def edit(text, old, new):
    """`text` with its one occurrence of `old` replaced by `new` (an edit that would silently do
    nothing stops the script)."""
    assert text.count(old) == 1, f"{old!r} is not in the example once"
    return text.replace(old, new)


def run(binary, args, echo=True):
    """`binary ARGS`, stopping the script with its stderr if it fails; returns its stdout (also
    echoed to stderr with the wall time, unless `echo` is false)."""
    started = time.time()
    proc = subprocess.run([binary] + args, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr}")
    if echo:
        print(proc.stdout.strip(), f"({time.time() - started:.0f} s)", file=sys.stderr)
    return proc.stdout


def attrs(group):
    """The attributes of an h5py group as plain Python values."""
    return {k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, "item") else v)
            for k, v in group.attrs.items()}


def ensemble_example(networks, t_stop, training=True):
    """The shipped experiments/ensemble_small.toml with `networks` networks sampling for `t_stop`
    [ms], its profile path made absolute, and without its [training] unless `training`."""
    text = open(os.path.join(ROOT, "experiments", "ensemble_small.toml")).read()
    text = edit(text, "networks = 40", f"networks = {networks}")
    text = edit(text, "t_stop = 20000.0", f"t_stop = {t_stop!r}")
    text = edit(text, "../models/", os.path.join(ROOT, "models") + "/")
    return text if training else text[: text.index("[training]")]

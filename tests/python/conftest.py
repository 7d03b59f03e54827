"""Shared fixtures of the Python front's tests (run with `pytest tests/python` after
`pip install .`): the repository root, the command-line binary, and a runner for it."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    """The repository's root directory."""
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """The command line, built with cargo if needed (or $EXACTSPIKE_CLI): a function that runs
    it with the given arguments from the repository root and returns the completed process."""
    binary = os.environ.get("EXACTSPIKE_CLI")
    if binary is None:
        subprocess.run(
            ["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True
        )
        target = os.environ.get("CARGO_TARGET_DIR", ROOT / "target")
        binary = pathlib.Path(target) / "release" / "exactspike"

    def run(*args):
        return subprocess.run(
            [str(binary), *map(str, args)], cwd=ROOT, capture_output=True, text=True
        )

    return run


@pytest.fixture
def short_sampling_file(root, tmp_path):
    """A function making experiments/sampling_5neurons.toml with fewer networks and a shorter
    sampling time [ms] in the test's directory; returns its path."""

    def make(networks=2, t_stop=2000.0):
        text = (root / "experiments" / "sampling_5neurons.toml").read_text()
        text = text.replace("t_stop = 100000.0", f"t_stop = {t_stop}")
        text = text.replace("networks = 10 ", f"networks = {networks} ")
        text = text.replace('"../models/', f'"{root}/models/')
        path = tmp_path / "sampling.toml"
        path.write_text(text)
        return path

    return make

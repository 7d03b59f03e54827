"""The Python examples of the README and docs/python.md run as written, and the quick start
prints what the README says."""

import os
import re
import subprocess
import sys

import pytest


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.parametrize("document", ["README.md", "docs/python.md"])
def test_the_python_examples_run(root, tmp_path, monkeypatch, document):
    blocks = python_blocks(root / document)
    assert blocks, f"{document} has no Python example"
    for name in ("experiments", "models"):
        os.symlink(root / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, document, "exec"), namespace)


def test_the_quick_start_prints_what_the_readme_says(root):
    printed = subprocess.run(
        [sys.executable, "examples/quick_start.py"], cwd=root, capture_output=True, text=True,
        check=True,
    ).stdout.strip()
    assert printed == "100 spikes in 1000 ms; the first at 2.738879 ms"
    assert f"which prints `{printed}`" in (root / "README.md").read_text()

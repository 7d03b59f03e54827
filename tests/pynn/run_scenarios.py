"""Run PyNN's own system scenarios (test/system/scenarios of PyNN's source distribution,
downloaded, not committed) against the exactspike backend, and print how many passed.

    python tests/pynn/run_scenarios.py [--pynn 0.13.0] [pytest options]

Needs `pip install .` (exactspike with its pyNN.exactspike shim), PyNN, pytest and
matplotlib in the running Python. Every scenario is run with exactspike alone; those that do
not apply are listed, with the reason, in scenarios_conftest.py.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pynn", default="0.13.0", help="PyNN version whose scenarios to run")
    args, pytest_args = parser.parse_known_args()
    # An import error would make PyNN's own fixture skip every scenario silently.
    import pyNN.exactspike  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", f"PyNN=={args.pynn}", "--dest", str(tmp)],
            check=True,
        )
        (archive,) = tmp.glob("*.tar.gz")
        with tarfile.open(archive) as sdist:
            members = [m for m in sdist.getmembers() if "/test/system/scenarios/" in m.name]
            sdist.extractall(tmp, members=members, filter="data")
        (scenarios,) = tmp.glob("*/test/system/scenarios")
        work = tmp / "work"
        shutil.copytree(scenarios, work / "scenarios")
        shutil.copy(HERE / "scenarios_conftest.py", work / "conftest.py")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "scenarios", "-p", "no:cacheprovider", "-q",
             "-rxXs", *pytest_args],
            cwd=work,
        )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()

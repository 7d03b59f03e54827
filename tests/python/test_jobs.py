"""The jobs called from Python write the same files, byte for byte, as the command line, and
fail with the command line's message."""

import pathlib
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import exactspike


def test_sample_writes_the_command_lines_bytes(root, tmp_path, cli, short_sampling_file):
    spec = short_sampling_file()
    done = cli("sample", spec, "--out", tmp_path / "cli.h5", "--quiet", "--threads", "2")
    assert done.returncode == 0, done.stderr
    result = exactspike.sample(str(spec), out=tmp_path / "py.h5", threads=1)
    assert (tmp_path / "py.h5").read_bytes() == (tmp_path / "cli.h5").read_bytes()
    assert result["completed"]
    assert result["dkl"].shape == (len(result["checkpoints"]), 2)
    with h5py.File(tmp_path / "py.h5") as f:
        assert np.array_equal(f["sampling/dkl_sampled_target"][()], result["dkl"])
        assert np.median(result["dkl"][-1]) == pytest.approx(result["median_dkl"])


def test_a_sampling_dict_samples_like_its_file(root, tmp_path, cli, short_sampling_file):
    import tomllib

    spec = short_sampling_file(t_stop=1000.0)
    with open(spec, "rb") as f:
        description = tomllib.load(f)
    from_dict = exactspike.sample(description, out=tmp_path / "dict.h5")
    from_file = exactspike.sample(str(spec), out=tmp_path / "file.h5")
    assert np.array_equal(from_dict["dkl"], from_file["dkl"])
    with h5py.File(tmp_path / "dict.h5") as a, h5py.File(tmp_path / "file.h5") as b:
        assert np.array_equal(a["spikes/samplers/times"][()], b["spikes/samplers/times"][()])


def test_run_and_calibrate_write_the_command_lines_bytes(root, tmp_path, cli, short_sampling_file):
    experiment = root / "experiments" / "ei_network.toml"
    done = cli("run", experiment, "--out", tmp_path / "cli.h5", "--t-stop", "50", "--quiet")
    assert done.returncode == 0, done.stderr
    summary = exactspike.run(str(experiment), out=tmp_path / "py.h5", t_stop=50.0)
    assert (tmp_path / "py.h5").read_bytes() == (tmp_path / "cli.h5").read_bytes()
    assert summary["t_reached"] == 50.0 and summary["neuron_spikes"] > 0

    spec = short_sampling_file()
    done = cli("calibrate", spec, "--out", tmp_path / "cal_cli.h5")
    assert done.returncode == 0, done.stderr
    fit = exactspike.calibrate(str(spec), out=tmp_path / "cal_py.h5")
    assert (tmp_path / "cal_py.h5").read_bytes() == (tmp_path / "cal_cli.h5").read_bytes()
    # The sbs sampler's activation function (reference/sampling.md): alpha ~ 0.8 mV.
    assert 0.5 < fit["alpha"] < 1.2


def test_errors_carry_the_command_lines_message(root, tmp_path, cli):
    bad = tmp_path / "bad.toml"
    text = (root / "experiments" / "sbs_neuron.toml").read_text()
    bad.write_text(text.replace("tau_m = 1.0", "tau_m = -1.0"))
    done = cli("run", bad, "--out", tmp_path / "x.h5")
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    with pytest.raises(exactspike.ExactspikeError) as caught:
        exactspike.run(str(bad), out=tmp_path / "x.h5")
    assert line == f"error: {caught.value}"
    assert "population[0].params.tau_m" in str(caught.value)
    assert not (tmp_path / "x.h5").exists()
    # An existing output is refused without overwrite, like the command line does.
    (tmp_path / "old.h5").write_bytes(b"old")
    with pytest.raises(exactspike.ExactspikeError, match="exists"):
        exactspike.run(str(root / "experiments" / "sbs_neuron.toml"), out=tmp_path / "old.h5")
    with pytest.raises(exactspike.ExactspikeError, match="threads"):
        exactspike.run(str(root / "experiments" / "sbs_neuron.toml"), out=tmp_path / "n.h5", threads=0)


def test_ctrl_c_raises_keyboard_interrupt_and_marks_the_file_incomplete(root, tmp_path):
    out = tmp_path / "long.h5"
    script = (
        "import exactspike, sys\n"
        "print('running', flush=True)\n"
        f"exactspike.run({str(root / 'experiments' / 'cuba_benchmark.toml')!r}, out={str(out)!r},"
        " t_stop=1e7, threads=1)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "running"
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode != 0
    assert "KeyboardInterrupt" in stderr and "marked incomplete" in stderr
    with h5py.File(out) as f:
        assert f.attrs["complete"] == 0
        assert f.attrs["termination"] == "interrupted by SIGINT"
        assert 0 < f.attrs["t_reached"] < 1e7


def test_ttfs_train_writes_the_command_lines_model(root, tmp_path, cli):
    # Two epochs of the shipped Yin-Yang job: every dataset and attribute as the command line
    # writes them, but for the run's wall time and thread count.
    spec = root / "experiments" / "ttfs_yin_yang.toml"
    done = cli("ttfs", "train", spec, "--epochs", "2", "--out", tmp_path / "cli.h5", "--quiet",
               "--threads", "1")
    assert done.returncode == 0, done.stderr
    result = exactspike.ttfs_train(str(spec), out=tmp_path / "py.h5", epochs=2, threads=2)
    assert result["epochs"] == 2 and len(result["validation_accuracy"]) == 2
    with h5py.File(tmp_path / "cli.h5") as a, h5py.File(tmp_path / "py.h5") as b:
        compared = []

        def same(name, item):
            other = b[name]
            for key, value in item.attrs.items():
                if (name, key) not in (("ttfs", "threads"), ("ttfs", "wall_seconds")):
                    assert np.array_equal(value, other.attrs[key]), (name, key)
            if isinstance(item, h5py.Dataset):
                assert np.array_equal(item[()], other[()]), name
                compared.append(name)

        a.visititems(same)
        assert len(compared) > 5
    with pytest.raises(exactspike.ExactspikeError, match="epochs: must be ≥ 1"):
        exactspike.ttfs_train(str(spec), out=tmp_path / "zero.h5", epochs=0)

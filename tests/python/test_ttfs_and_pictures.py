"""The TTFS evaluation and the pictures called from Python give what the command line gives:
the same predictions file, the same accuracy, the same picture bytes."""

import h5py
import numpy as np
import pytest

import exactspike


@pytest.fixture(scope="module")
def model(root, tmp_path_factory, cli):
    """A Yin-Yang model of two epochs of the shipped job, trained by the command line."""
    path = tmp_path_factory.mktemp("ttfs") / "model.h5"
    done = cli("ttfs", "train", root / "experiments" / "ttfs_yin_yang.toml", "--epochs", "2",
               "--out", path, "--quiet")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def model_x5(root, tmp_path_factory, cli):
    """One epoch of the shipped Yin-Yang job laid out for the chip (the pattern sent five times,
    five bias inputs), trained by the command line: what in-the-loop training starts from."""
    path = tmp_path_factory.mktemp("ttfs") / "model_x5.h5"
    done = cli("ttfs", "train", root / "experiments" / "ttfs_yin_yang_x5.toml", "--epochs", "1",
               "--out", path, "--quiet")
    assert done.returncode == 0, done.stderr
    return path


def assert_same_files(a_path, b_path, ignore=()):
    """The same groups, datasets and attributes in two HDF5 files, all equal but the
    attributes `ignore`; returns the datasets' names."""
    with h5py.File(a_path) as a, h5py.File(b_path) as b:
        names = []
        a.visit(names.append)
        other = []
        b.visit(other.append)
        assert names == other
        for name, item in [("/", a["/"])] + [(n, a[n]) for n in names]:
            theirs = b[name]
            assert sorted(item.attrs) == sorted(theirs.attrs), name
            for key, value in item.attrs.items():
                if key not in ignore:
                    assert np.array_equal(value, theirs.attrs[key]), (name, key)
            if isinstance(item, h5py.Dataset):
                assert np.array_equal(item[()], theirs[()]), name
        return [n for n in names if isinstance(a[n], h5py.Dataset)]


def test_ttfs_eval_gives_the_command_lines_predictions(model, tmp_path, cli):
    done = cli("ttfs", "eval", model, "--data", "yin-yang-test", "--out", tmp_path / "cli.h5")
    assert done.returncode == 0, done.stderr
    result = exactspike.ttfs_eval(str(model), "yin-yang-test", out=tmp_path / "py.h5")
    assert f"yin-yang-test: accuracy {100 * result['accuracy']:.2f} %" in done.stdout
    assert "predictions" in " ".join(assert_same_files(tmp_path / "cli.h5", tmp_path / "py.h5"))
    labels, predictions = result["labels"], result["predictions"]
    assert labels.shape == predictions.shape == (1000,)
    assert result["accuracy"] == np.mean(labels == predictions)
    assert result["times"].shape == (1000, 3)
    confusion = result["confusion"]
    assert confusion.shape == (3, 4) and confusion.sum() == 1000
    assert np.trace(confusion[:, :3]) == np.sum(labels == predictions)
    # The command line's confusion matrix, row by row.
    for label, row in enumerate(confusion):
        assert " ".join(f"{n:>6}" for n in row) in done.stdout


def test_ttfs_eval_on_a_chip_gives_the_command_lines_predictions(model, tmp_path, cli):
    done = cli("ttfs", "eval", model, "--data", "yin-yang-test", "--chip", "bss2",
               "--time-scale", "6", "--chip-seed", "1", "--out", tmp_path / "cli.h5")
    assert done.returncode == 0, done.stderr
    result = exactspike.ttfs_eval(str(model), out=tmp_path / "py.h5",
                                  chip={"profile": "bss2", "time_scale": 6, "chip_seed": 1})
    assert f"accuracy {100 * result['accuracy']:.2f} %" in done.stdout
    assert_same_files(tmp_path / "cli.h5", tmp_path / "py.h5", ignore=("wall_seconds",))
    chip = result["chip"]
    assert chip["profile"] == "BrainScaleS-2" and chip["chip_seed"] == 1
    assert chip["us_per_pattern"] == pytest.approx(48.0)
    assert chip["hardware_time"].startswith("hardware time: 48.0 µs per pattern")
    with pytest.raises(exactspike.ExactspikeError, match="chip: unknown key `speed`"):
        exactspike.ttfs_eval(str(model), chip={"profile": "bss2", "speed": 2})
    with pytest.raises(exactspike.ExactspikeError, match="chip.profile: missing"):
        exactspike.ttfs_eval(str(model), chip={"time_scale": 6})
    with pytest.raises(exactspike.ExactspikeError, match="chip.time_scale: must be a number"):
        exactspike.ttfs_eval(str(model), chip={"profile": "bss2", "time_scale": "6"})
    with pytest.raises(exactspike.ExactspikeError, match="run_seed: needs chip"):
        exactspike.ttfs_eval(str(model), run_seed=3)


def test_a_chip_trained_model_is_evaluated_on_its_own_chip_as_the_command_line_does(
        root, model_x5, tmp_path, cli):
    # One epoch in the loop on chip seed 2 with the shipped BSS-2 description's other
    # settings (time scale 6): "bss2" then means that chip, as --chip bss2 does.
    trained = tmp_path / "bss2.h5"
    done = cli("ttfs", "train", root / "experiments" / "ttfs_yin_yang_bss2.toml", "--init",
               model_x5, "--epochs", "1", "--chip", "bss2", "--chip-seed", "2", "--out", trained,
               "--quiet")
    assert done.returncode == 0, done.stderr
    # The same training from Python: the same model file but for wall time and threads.
    exactspike.ttfs_train(str(root / "experiments" / "ttfs_yin_yang_bss2.toml"),
                          out=tmp_path / "bss2_py.h5", init=model_x5, epochs=1,
                          chip={"profile": "bss2", "chip_seed": 2})
    assert_same_files(trained, tmp_path / "bss2_py.h5", ignore=("wall_seconds", "threads"))
    done = cli("ttfs", "eval", trained, "--data", "yin-yang-test", "--chip", "bss2",
               "--out", tmp_path / "cli.h5")
    assert done.returncode == 0, done.stderr
    result = exactspike.ttfs_eval(str(trained), chip="bss2", out=tmp_path / "py.h5")
    assert result["chip"]["chip_seed"] == 2
    assert_same_files(tmp_path / "cli.h5", tmp_path / "py.h5", ignore=("wall_seconds",))
    # Another seed over the model's other settings, as --chip bss2 --chip-seed 5.
    done = cli("ttfs", "eval", trained, "--data", "yin-yang-test", "--chip", "bss2",
               "--chip-seed", "5", "--out", tmp_path / "cli5.h5")
    assert done.returncode == 0, done.stderr
    exactspike.ttfs_eval(str(trained), chip={"profile": "bss2", "chip_seed": 5},
                         out=tmp_path / "py5.h5")
    assert_same_files(tmp_path / "cli5.h5", tmp_path / "py5.h5", ignore=("wall_seconds",))


def test_pictures_are_the_command_lines(root, model, tmp_path, cli, short_sampling_file):
    run, sampled = tmp_path / "run.h5", tmp_path / "sampled.h5"
    assert cli("run", root / "experiments" / "sbs_neuron.toml", "--out", run,
               "--t-stop", "200").returncode == 0
    assert cli("sample", short_sampling_file(), "--out", sampled, "--quiet").returncode == 0
    pictures = [
        (("plot-dkl", sampled),
         lambda out: exactspike.plot_dkl(str(sampled), out)),
        (("raster", run, "--from", "50", "--to", "150"),
         lambda out: exactspike.raster(str(run), out, start=50.0, stop=150.0)),
        (("ttfs", "plot", model),
         lambda out: exactspike.ttfs_plot(str(model), out)),
        (("ttfs", "map", model, "--resolution", "16"),
         lambda out: exactspike.ttfs_map(str(model), out, resolution=16)),
    ]
    for k, (arguments, draw) in enumerate(pictures):
        done = cli(*arguments, "--out", tmp_path / f"cli{k}.png")
        assert done.returncode == 0, done.stderr
        draw(tmp_path / f"py{k}.png")
        assert (tmp_path / f"cli{k}.png").read_bytes() == (tmp_path / f"py{k}.png").read_bytes()
    with pytest.raises(exactspike.ExactspikeError, match="exists"):
        exactspike.raster(str(run), tmp_path / "py0.png")


def test_runs_and_sampling_on_a_chip_write_the_command_lines_bytes(root, tmp_path, cli,
                                                                   short_sampling_file):
    experiment = root / "experiments" / "sbs_neuron.toml"
    seed = 2**63 + 1  # chip seeds take all 64 bits
    done = cli("run", experiment, "--chip", "bss1", "--chip-seed", seed, "--t-stop", "500",
               "--out", tmp_path / "cli.h5")
    assert done.returncode == 0, done.stderr
    exactspike.run(str(experiment), out=tmp_path / "py.h5", t_stop=500.0,
                   chip={"profile": "bss1", "chip_seed": seed})
    assert (tmp_path / "py.h5").read_bytes() == (tmp_path / "cli.h5").read_bytes()
    with h5py.File(tmp_path / "py.h5") as f:
        assert "chip" in f

    spec = short_sampling_file(t_stop=1000.0)
    done = cli("sample", spec, "--chip", "bss1", "--chip-seed", "1", "--bias-scale", "4",
               "--out", tmp_path / "cli_s.h5", "--quiet")
    assert done.returncode == 0, done.stderr
    result = exactspike.sample(str(spec), out=tmp_path / "py_s.h5",
                               chip={"profile": "bss1", "chip_seed": 1, "bias_scale": 4})
    assert (tmp_path / "py_s.h5").read_bytes() == (tmp_path / "cli_s.h5").read_bytes()
    assert result["completed"]
    with pytest.raises(exactspike.ExactspikeError, match="chip.bias_scale: must be > 0"):
        exactspike.sample(str(spec), out=tmp_path / "bad.h5",
                          chip={"profile": "bss1", "bias_scale": -1})
    for key in ("bias_scale", "time_scale"):
        with pytest.raises(exactspike.ExactspikeError, match=f"unknown key `{key}`"):
            exactspike.run(str(experiment), out=tmp_path / "bad.h5",
                           chip={"profile": "bss1", key: 2})


def test_a_pattern_through_the_engine_as_ttfs_run_puts_it(model, tmp_path, cli):
    done = cli("ttfs", "run", model, "--data", "yin-yang-test", "--index", "7", "--out",
               tmp_path / "cli.h5")
    assert done.returncode == 0, done.stderr
    experiment, label = exactspike.ttfs_pattern(str(model), "yin-yang-test", 7)
    assert f"pattern 7 of yin-yang-test, label {label}" in done.stdout
    exactspike.run(experiment, out=tmp_path / "py.h5")
    assert (tmp_path / "py.h5").read_bytes() == (tmp_path / "cli.h5").read_bytes()
    # The output layer's first spikes are the layered evaluation's output times.
    evaluation = exactspike.ttfs_eval(str(model), "yin-yang-test")
    layers = [name for name, _, _ in experiment.populations if name.startswith("layer")]
    output = max(layers, key=lambda name: int(name[len("layer"):]))
    simulation = exactspike.Simulation(experiment)
    simulation.run()
    senders, times = simulation.spikes(output)
    first = np.full(3, np.inf)
    for sender, t in zip(senders, times):
        first[sender] = min(first[sender], t)
    expected = evaluation["times"][7]
    assert np.isfinite(expected).any()
    assert np.array_equal(np.isinf(first), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.max(np.abs(first[finite] - expected[finite])) <= 1e-9
    with pytest.raises(exactspike.ExactspikeError, match="index 1000: the set has 1000"):
        exactspike.ttfs_pattern(str(model), "yin-yang-test", 1000)

"""PyNN scripts that draw with ``sim.NativeRNG()``: exactspike makes the connections and draws
the values itself, so the script's network is the one an experiment description with the
same connectors and distributions builds (same spikes, same connections, same weights)."""

import tomllib

import numpy as np
import pytest

pyNN = pytest.importorskip("pyNN")
import pyNN.errors  # noqa: E402
import pyNN.exactspike as sim  # noqa: E402
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

import exactspike  # noqa: E402

SEED = 4321
T_STOP = 300.0  # ms


def native(name, **parameters):
    return RandomDistribution(name, rng=sim.NativeRNG(), **parameters)


def table(name, **parameters):
    return {"distribution": name, **parameters}


def build_with_pynn():
    """A small network mixing exactspike's connectors (native) and PyNN's (a NumpyRNG)."""
    sim.setup(timestep=0.1, min_delay=0.1, seed=SEED)
    drive = sim.Population(60, sim.SpikeSourcePoisson(rate=40.0), label="drive")
    cond = sim.Population(
        40, sim.IF_cond_exp(tau_m=native("normal_clipped", mu=15.0, sigma=3.0, low=8.0,
                                         high=25.0), tau_syn_I=10.0),
        initial_values={"v": native("uniform", low=-65.0, high=-50.0)}, label="cond")
    curr = sim.Population(30, sim.IF_curr_exp(), label="curr")
    projections = {
        "drive_cond": sim.Projection(
            drive, cond, sim.FixedProbabilityConnector(0.3, rng=sim.NativeRNG()),
            sim.StaticSynapse(weight=native("uniform", low=0.005, high=0.02),
                              delay=native("uniform", low=0.5, high=2.0))),
        "cond_cond": sim.Projection(
            cond, cond, sim.FixedNumberPreConnector(5, allow_self_connections=False,
                                                    rng=sim.NativeRNG(SEED)),
            sim.StaticSynapse(weight=0.02, delay=1.0), receptor_type="inhibitory"),
        # PyNN draws this one, in Python: the description gets its connection list.
        "cond_curr_numpy": sim.Projection(
            cond, curr, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(seed=7)),
            sim.StaticSynapse(weight=0.4, delay=0.7)),
        # The second projection from cond to curr: its streams are those of ordinal 1.
        "cond_curr": sim.Projection(cond, curr,
                                    sim.FixedProbabilityConnector(0.5, rng=sim.NativeRNG()),
                                    sim.StaticSynapse(weight=0.05, delay=1.5)),
        "drive_cond_2": sim.Projection(
            drive, cond, sim.FixedProbabilityConnector(0.1, rng=sim.NativeRNG()),
            sim.StaticSynapse(weight=0.01, delay=0.3)),
    }
    cond.record("spikes")
    curr.record("spikes")
    return {"drive": drive, "cond": cond, "curr": curr}, projections


def description(numpy_connections, weight_changes=None):
    """The same network as a description (what a TOML file says)."""
    changes = weight_changes or {}
    return {
        "simulation": {"t_stop": T_STOP, "seed": SEED},
        "population": [
            {"name": "drive", "size": 60, "model": "SpikeSourcePoisson",
             "params": {"rate": 40.0}},
            {"name": "cond", "size": 40, "model": "IF_cond_exp",
             "params": {"tau_m": table("normal_clipped", mu=15.0, sigma=3.0, low=8.0,
                                       high=25.0), "tau_syn_I": 10.0},
             "initial": {"v": table("uniform", low=-65.0, high=-50.0)}},
            {"name": "curr", "size": 30, "model": "IF_curr_exp"},
        ],
        "projection": [
            {"pre": "drive", "post": "cond",
             "connector": {"type": "fixed_probability", "p": 0.3},
             "weight": table("uniform", low=0.005, high=0.02),
             "delay": table("uniform", low=0.5, high=2.0)},
            {"pre": "cond", "post": "cond",
             "connector": {"type": "fixed_number_pre", "n": 5, "allow_self_connections": False},
             "weight": 0.02, "delay": 1.0, "receptor": "inhibitory"},
            {"pre": "cond", "post": "curr",
             "connector": {"type": "from_list", "connections": numpy_connections}},
            {"pre": "cond", "post": "curr", "connector": {"type": "fixed_probability", "p": 0.5},
             "weight": changes.get("cond_curr", 0.05), "delay": 1.5},
            {"pre": "drive", "post": "cond",
             "connector": {"type": "fixed_probability", "p": 0.1}, "weight": 0.01,
             "delay": 0.3},
        ],
        "record": {"spikes": ["cond", "curr"]},
    }


def numpy_rows(projection):
    return [list(row) for row in projection.get(["weight", "delay"], format="list",
                                                with_address=True)]


def spikes_of(simulation, name):
    senders, times = simulation.spikes(name)
    return senders.tolist(), times.tolist()


def test_native_draws_build_the_network_of_the_description():
    populations, projections = build_with_pynn()
    rows = numpy_rows(projections["cond_curr_numpy"])
    sim.run(T_STOP)
    reference = exactspike.Simulation(exactspike.Experiment(description(rows)))
    reference.run()
    for name in ("cond", "curr"):
        assert spikes_of(sim.simulator.state.network, name) == spikes_of(reference, name)
    assert len(reference.spikes("cond")[1]) > 200 and len(reference.spikes("curr")[1]) > 50
    # The drawn parameters and initial values are the description's.
    tau_m = populations["cond"].get("tau_m")
    assert np.unique(tau_m).size == 40 and 8.0 <= tau_m.min() and tau_m.max() <= 25.0
    drawn = exactspike.draw(SEED, "cond", "tau_m", table("normal_clipped", mu=15.0, sigma=3.0,
                                                          low=8.0, high=25.0), 40)
    assert np.array_equal(tau_m, drawn)
    # Each native connection has the weight the built network gives it.
    prj = projections["drive_cond"]
    assert 0.2 * 60 * 40 < len(prj) < 0.4 * 60 * 40
    # Each native connection (of both projections from drive to cond: ordinals 0 and 1) is
    # in the built network with its weight, and no other pair is connected.
    first = {(i, j): w for i, j, w in prj.get("weight", format="list")}
    second = {(i, j): w for i, j, w in projections["drive_cond_2"].get("weight", format="list")}
    assert set(second.values()) == {0.01} and 0.1 * 2400 / 2 < len(second) < 0.1 * 2400 * 2
    for i in range(60):
        for j in range(40):
            pair = (i, j)
            if pair in first or pair in second:
                weight = reference.get_weight(("drive", i), ("cond", j), receptor="excitatory")
                assert weight in (first.get(pair), second.get(pair))
                if pair not in second:
                    assert weight == first[pair]
                if pair not in first:
                    assert weight == 0.01
            else:
                with pytest.raises(exactspike.ExactspikeError, match="no excitatory connection"):
                    reference.get_weight(("drive", i), ("cond", j), receptor="excitatory")
    assert len(projections["cond_cond"]) == 5 * 40
    assert all(i != j for i, j, _ in projections["cond_cond"].get("weight", format="list"))
    sim.end()


def test_a_native_projection_changed_before_the_run_keeps_its_connections():
    # cond_curr's connections are drawn in Python when it is changed (the second projection
    # from cond to curr, after one of PyNN's: ordinal 1), and handed over as a list.
    _, projections = build_with_pynn()
    rows = numpy_rows(projections["cond_curr_numpy"])
    projections["cond_curr"].set(weight=0.12)
    sim.run(T_STOP)
    reference = exactspike.Simulation(
        exactspike.Experiment(description(rows, weight_changes={"cond_curr": 0.12})))
    reference.run()
    assert spikes_of(sim.simulator.state.network, "curr") == spikes_of(reference, "curr")
    sim.end()


def test_what_a_native_rng_cannot_draw_is_refused():
    sim.setup(seed=3)
    a = sim.Population(10, sim.IF_curr_exp(), label="a")
    b = sim.Population(10, sim.IF_curr_exp(), label="b")
    with pytest.raises(NotImplementedError, match="between views or assemblies"):
        sim.Projection(a[:5], b, sim.FixedProbabilityConnector(0.5, rng=sim.NativeRNG()))
    with pytest.raises(NotImplementedError, match=r"setup\(seed=3\)"):
        sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=sim.NativeRNG(seed=4)))
    with pytest.raises(NotImplementedError, match="DistanceDependentProbabilityConnector"):
        sim.Projection(a, b, sim.DistanceDependentProbabilityConnector(
            "d < 3", rng=sim.NativeRNG()))
    with pytest.raises(NotImplementedError, match="use a NumpyRNG here"):
        sim.Projection(a, b, sim.FromListConnector([(0, 1)]),
                       sim.StaticSynapse(weight=native("uniform", low=0.1, high=0.2)))
    with pytest.raises(NotImplementedError, match="weight is neither"):
        sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=sim.NativeRNG()),
                       sim.StaticSynapse(weight=RandomDistribution(
                           "uniform", low=0.1, high=0.2, rng=NumpyRNG(seed=1))))
    sim.end()


def test_the_benchmark_file_through_pynn_with_native_rng_gives_its_spikes(root):
    # The PyNN script of benches/pynn_coba.py (shortened): the COBA benchmark file.
    path = root / "experiments/coba_benchmark.toml"
    with open(path, "rb") as f:
        file = tomllib.load(f)
    with open(root / "models/neurons/coba_benchmark.toml", "rb") as f:
        cell = tomllib.load(f)["params"]
    sim.setup(timestep=0.1, min_delay=0.1, seed=file["simulation"]["seed"])
    populations = {}
    for p in file["population"]:
        if p.get("model") == "SpikeSourcePoisson":
            celltype, initial = sim.SpikeSourcePoisson(**p["params"]), {}
        else:
            celltype, initial = sim.IF_cond_exp(**cell), {"v": native("uniform", low=-60.0,
                                                                       high=-50.0)}
        populations[p["name"]] = sim.Population(p["size"], celltype, label=p["name"],
                                                initial_values=initial)
    for q in file["projection"]:
        sim.Projection(populations[q["pre"]], populations[q["post"]],
                       sim.FixedProbabilityConnector(q["connector"]["p"], rng=sim.NativeRNG()),
                       sim.StaticSynapse(weight=q["weight"], delay=q["delay"]),
                       receptor_type=q.get("receptor", "excitatory"))
    populations["exc"].record("spikes")
    sim.run(100.0)
    reference = exactspike.Simulation(exactspike.Experiment.from_file(str(path)).with_t_stop(100.0))
    reference.run()
    assert spikes_of(sim.simulator.state.network, "exc") == spikes_of(reference, "exc")
    assert len(reference.spikes("exc")[1]) > 1000
    sim.end()


def test_a_projection_without_connections_keeps_the_ordinals_of_later_ones():
    sim.setup(seed=11)
    a = sim.Population(30, sim.SpikeSourcePoisson(rate=50.0), label="a")
    b = sim.Population(30, sim.IF_cond_exp(), label="b")
    empty = sim.Projection(a, b, sim.FixedProbabilityConnector(0.0, rng=sim.NativeRNG()),
                           sim.StaticSynapse(weight=0.01))
    later = sim.Projection(a, b, sim.FixedProbabilityConnector(0.3, rng=sim.NativeRNG()),
                           sim.StaticSynapse(weight=0.02))
    pairs = {(i, j) for i, j, _ in later.get("weight", format="list")}
    empty.set(weight=0.05)  # now a list, of no connections
    sim.run(10.0)
    sim.reset()
    sim.run(10.0)
    network = sim.simulator.state.network
    assert len(empty) == 0 and len(pairs) == len(later) > 100
    for i in range(30):
        for j in range(30):
            if (i, j) in pairs:
                assert network.get_weight(("a", i), ("b", j)) == 0.02
            else:
                with pytest.raises(exactspike.ExactspikeError):
                    network.get_weight(("a", i), ("b", j))
    sim.end()


def test_parameters_and_initial_values_drawn_later_are_shown():
    sim.setup(seed=5)
    cells = sim.Population(20, sim.IF_curr_exp(), label="cells")
    cells.set(tau_m=native("uniform", low=10.0, high=20.0))
    cells.initialize(v=native("uniform", low=-70.0, high=-60.0))
    expected = exactspike.draw(5, "cells", "tau_m", table("uniform", low=10.0, high=20.0), 20)
    assert np.array_equal(cells.get("tau_m"), expected)
    v = np.array([cells[i].get_initial_value("v") for i in range(20)])
    assert np.array_equal(v, exactspike.draw(5, "cells", "initial.v",
                                             table("uniform", low=-70.0, high=-60.0), 20))
    cells[:5].set(tau_m=native("uniform", low=30.0, high=40.0))
    assert np.all(cells.get("tau_m")[:5] >= 30.0) and np.array_equal(cells.get("tau_m")[5:],
                                                                     expected[5:])
    sim.end()


def test_connectors_exactspike_does_not_make_alike_stay_pynns():
    sim.setup(seed=3)
    small = sim.Population(5, sim.IF_curr_exp(), label="small")
    large = sim.Population(8, sim.IF_curr_exp(), label="large")
    # PyNN connects the first min(n_pre, n_post); exactspike's one_to_one needs equal sizes.
    assert len(sim.Projection(small, large, sim.OneToOneConnector())) == 5
    with pytest.raises(NotImplementedError, match="n = 9 > the 8 presynaptic"):
        sim.Projection(large, small, sim.FixedNumberPreConnector(9, rng=sim.NativeRNG()))
    with pytest.raises(NotImplementedError, match="n = 8 > the 7 presynaptic"):
        sim.Projection(large, large, sim.FixedNumberPreConnector(
            8, allow_self_connections=False, rng=sim.NativeRNG()))
    with pytest.raises(NotImplementedError, match="not poisson"):
        sim.Projection(small, large, sim.AllToAllConnector(), sim.StaticSynapse(
            weight=native("poisson", lambda_=2.0)))
    with pytest.raises(NotImplementedError, match="one U per projection"):
        sim.Projection(small, large, sim.AllToAllConnector(), sim.TsodyksMarkramSynapse(
            U=native("uniform", low=0.1, high=0.5)))
    # PyNN's own check of the weight's sign, made for exactspike's connectors too.
    with pytest.raises(pyNN.errors.ConnectionError):
        sim.Projection(small, large, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5),
                       receptor_type="inhibitory")
    sim.end()

"""The PyNN backend (pyNN.exactspike) against independent oracles: NEST's exact
iaf_psc_exp_ps, closed forms, and the same network written as an exactspike file."""

import json
import math
import signal
import subprocess
import sys
import time
import tomllib

import numpy as np
import pytest

pyNN = pytest.importorskip("pyNN")
import pyNN.exactspike as sim  # noqa: E402

import exactspike  # noqa: E402


def test_if_curr_exp_spikes_at_nests_iaf_psc_exp_ps_times(root):
    # tests/fixtures/curr_exp_nest.json: one IF_curr_exp neuron driven by two spike arrays,
    # simulated by NEST 3.10's iaf_psc_exp_ps (tests/oracles/nest_iaf_psc_exp_ps.py).
    case = json.loads((root / "tests/fixtures/curr_exp_nest.json").read_text())
    description = tomllib.loads(case["experiment"])
    populations = {p["name"]: p for p in description["population"]}
    sim.setup(timestep=0.1)
    neuron = sim.Population(1, sim.IF_curr_exp(**populations["neuron"]["params"]),
                            initial_values=populations["neuron"]["initial"], label="neuron")
    for projection in description["projection"]:
        times = populations[projection["pre"]]["params"]["spike_times"]
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
        sim.Projection(source, neuron, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=projection["weight"], delay=projection["delay"]),
                       receptor_type=projection["receptor"])
    neuron.record("spikes")
    sim.run(description["simulation"]["t_stop"])
    spikes = neuron.get_data().segments[0].spiketrains[0].magnitude
    sim.end()
    expected = np.array(case["expected_times"])
    assert len(spikes) == len(expected) == 64
    assert np.max(np.abs(spikes - expected)) <= case["tolerance_ms"]


def test_a_pynn_sampling_network_gives_the_spikes_of_its_toml_file(root):
    sys.path.insert(0, str(root / "experiments"))
    import pynn_sampling_network

    trains = pynn_sampling_network.run(sim)
    reference = exactspike.Simulation(
        exactspike.Experiment.from_file(str(root / "experiments/pynn_sampling_network.toml"))
    )
    reference.run()
    senders, times = reference.spikes("samplers")
    assert sum(len(t) for t in trains) > 400
    for index, train in enumerate(trains):
        assert np.array_equal(train.magnitude, times[senders == index])


def dc_cell(sim, **electrode):
    """One IF_curr_exp neuron (tau_m 20 ms, cm 1 nF, v_rest = v_reset = -65 mV, threshold -50
    mV, tau_refrac 2 ms), with a DCSource of `electrode` and its spikes and v recorded."""
    sim.setup(timestep=0.1)
    cell = sim.Population(1, sim.IF_curr_exp(tau_m=20.0, cm=1.0, v_rest=-65.0, v_reset=-65.0,
                                             v_thresh=-50.0, tau_refrac=2.0))
    cell.initialize(v=-65.0)
    sim.DCSource(**electrode).inject_into(cell)
    cell.record(["spikes", "v"])
    return cell


def test_a_dc_source_steps_at_its_exact_times():
    # 1 nA from 10.05 ms (between two samples) on: v = -65 + 20 (1 - e^{-(t - 10.05)/20})
    # mV until the first spike at 10.05 + 20 ln(20/5) ms, then every 2 + 20 ln 4 ms.
    cell = dc_cell(sim, amplitude=1.0, start=10.05, stop=100.0)
    sim.run(40.0)
    sim.run(40.0)
    segment = cell.get_data().segments[0]
    spikes = segment.spiketrains[0].magnitude
    v = segment.analogsignals[0]
    sim.end()
    first = 10.05 + 20.0 * math.log(4.0)
    period = 2.0 + 20.0 * math.log(4.0)
    expected = first + period * np.arange(len(spikes))
    assert len(spikes) == 2 and np.max(np.abs(spikes - expected)) < 1e-9
    t = v.times.magnitude
    before = t <= 10.05
    assert np.all(v.magnitude[before, 0] == -65.0)
    rising = (t > 10.05) & (t < first)
    closed = -65.0 + 20.0 * (1.0 - np.exp(-(t[rising] - 10.05) / 20.0))
    assert np.max(np.abs(v.magnitude[rising, 0] - closed)) < 1e-10
    assert v.shape == (801, 1)


def test_unsupported_models_and_changes_raise_not_implemented_error():
    sim.setup()
    for model in (sim.IF_curr_alpha, sim.EIF_cond_exp_isfa_ista, sim.HH_cond_exp):
        with pytest.raises(NotImplementedError, match="exactspike cannot run"):
            model()
    with pytest.raises(NotImplementedError, match="no exact method"):
        sim.ACSource(amplitude=1.0)
    cells = sim.Population(2, sim.IF_cond_exp())
    sim.run(1.0)
    with pytest.raises(NotImplementedError, match="cannot change tau_m of a running network"):
        cells.set(tau_m=5.0)
    with pytest.raises(NotImplementedError, match="create populations before"):
        sim.Population(1, sim.IF_cond_exp())
    sim.reset()
    cells.set(tau_m=5.0)  # after a reset, the next run builds the network again
    sim.run(1.0)
    assert cells.get("tau_m") == 5.0
    sim.end()


def test_ctrl_c_during_a_pynn_run_raises_keyboard_interrupt(root):
    script = (
        "import pyNN.exactspike as sim\n"
        "sim.setup()\n"
        "p = sim.Population(1000, sim.IF_cond_exp(i_offset=1.0))\n"
        "sim.run(1.0)  # built: the signal comes while the engine runs\n"
        "print('running', flush=True)\n"
        "sim.run(1e7)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "running"
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode != 0
    assert "KeyboardInterrupt: interrupted by SIGINT at t = " in stderr


def test_an_invalid_value_raises_pynns_error_naming_the_population():
    sim.setup()
    sim.Population(2, sim.IF_cond_exp(tau_m=-1.0), label="cells")
    with pytest.raises(pyNN.errors.InvalidParameterValueError,
                       match='population "cells".params.tau_m: must be > 0, got -1'):
        sim.run(10.0)
    sim.end()


def test_signals_go_on_after_get_data_with_clear():
    # v = -65 + 10 (1 - e^{-t/20}) mV under 0.5 nA (no spike): after a clear at 10 ms the next
    # data start at 10 ms, on the same clock, for dt and for a population sampled every 1 ms.
    sim.setup(timestep=0.1)
    fine = sim.Population(1, sim.IF_curr_exp(i_offset=0.5))
    coarse = sim.Population(1, sim.IF_curr_exp(i_offset=0.5))
    fine.record("v")
    coarse.record("v", sampling_interval=1.0)
    sim.run(10.0)
    fine.get_data(clear=True)
    coarse.get_data(clear=True)
    sim.run(10.0)
    for population, interval in ((fine, 0.1), (coarse, 1.0)):
        v = population.get_data().segments[0].analogsignals[0]
        t = float(v.t_start) + interval * np.arange(v.shape[0])
        assert float(v.t_start) == 10.0 and t[-1] == pytest.approx(20.0)
        expected = -65.0 + 10.0 * (1.0 - np.exp(-t / 20.0))
        assert np.max(np.abs(v.magnitude[:, 0] - expected)) < 1e-10
    sim.end()


def test_views_of_views_and_shared_pairs():
    sim.setup()
    cells = sim.Population(8, sim.IF_cond_exp(), label="cells")
    inner = cells[0:6][1:3]
    inner.set(tau_m=7.0)
    inner.initialize(v=-61.0)
    assert list(cells.get("tau_m")) == [20.0, 7.0, 7.0] + [20.0] * 5
    assert inner.get("tau_m") == 7.0
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[5.0]), label="source")
    one = sim.Projection(source, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))
    sim.Projection(source, cells[0:1], sim.AllToAllConnector(), sim.StaticSynapse(weight=0.02))
    sim.run(1.0)
    with pytest.raises(NotImplementedError, match="one of several excitatory connections"):
        one.set(weight=0.0)
    one.set(weight=np.where(np.arange(8) == 3, 0.05, 0.01)[np.newaxis, :])
    assert sim.simulator.state.network.get_weight(("source", 0), ("cells", 3)) == 0.05
    sim.end()


def test_run_until_tolerates_rounding_and_zero():
    sim.setup(timestep=0.1)
    cells = sim.Population(1, sim.IF_curr_exp(i_offset=0.5))
    cells.record("v")
    sim.run(0.0)
    for _ in range(3):
        sim.run(0.1)
    sim.run_until(0.3)  # t is 0.30000000000000004: within dt/2 of it
    assert cells.get_data().segments[0].analogsignals[0].shape == (4, 1)
    sim.end()


def test_each_segment_after_a_reset_draws_new_noise_on_the_same_network():
    def segments():
        sim.setup(timestep=0.1, seed=8)
        noise = sim.Population(20, sim.SpikeSourcePoisson(rate=30.0), label="noise")
        cells = sim.Population(10, sim.IF_curr_exp(), label="cells")
        projection = sim.Projection(noise, cells, sim.FixedProbabilityConnector(
            0.5, rng=sim.NativeRNG()), sim.StaticSynapse(weight=0.5, delay=1.0))
        noise.record("spikes")
        trains, connections = [], []
        for _ in range(3):
            sim.run(200.0)
            trains.append(noise.get_data().segments[-1].spiketrains.multiplexed[1].magnitude)
            connections.append(projection.get("weight", format="list"))
            sim.reset()
        sim.end()
        return trains, connections

    trains, connections = segments()
    assert all(len(t) > 50 for t in trains)
    assert not np.array_equal(trains[0], trains[1]) and not np.array_equal(trains[1], trains[2])
    assert connections[0] == connections[1] == connections[2]
    again, _ = segments()
    assert all(np.array_equal(a, b) for a, b in zip(trains, again))

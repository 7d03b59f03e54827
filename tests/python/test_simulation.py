"""Experiments from dicts and files, simulations in segments with run-time changes, and
recordings as numpy arrays, checked against closed forms and against the file front."""

import math
import tomllib

import numpy as np
import pytest

import exactspike

# An IF_curr_exp neuron driven by a constant current (PyNN's defaults otherwise): from v_rest
# it charges as v(t) = v_rest + R I (1 - exp(-t / tau_m)), R = tau_m / cm, so it reaches
# v_thresh at T = tau_m ln(R I / (R I - (v_thresh - v_rest))) and, from v_reset after the
# refractory period, every tau_refrac + tau_m ln((R I - (v_reset - v_rest)) / (R I - (v_thresh
# - v_rest))).
CM, TAU_M, V_REST, V_RESET, V_THRESH, TAU_REFRAC, I = 1.0, 20.0, -65.0, -65.0, -50.0, 0.1, 1.0


def dc_neuron(t_stop=100.0, **record):
    return {
        "simulation": {"t_stop": t_stop, "seed": 3},
        "population": [
            {
                "name": "cell",
                "size": 1,
                "model": "IF_curr_exp",
                "params": {"cm": CM, "tau_m": TAU_M, "v_rest": V_REST, "v_reset": V_RESET,
                           "v_thresh": V_THRESH, "tau_refrac": TAU_REFRAC, "i_offset": I},
                "initial": {"v": V_REST},
            }
        ],
        "record": {"spikes": ["cell"], **record},
    }


def test_a_dc_driven_neuron_spikes_at_the_closed_form_times():
    sim = exactspike.Simulation(exactspike.Experiment(dc_neuron()))
    sim.run()
    senders, times = sim.spikes("cell")
    r_i = TAU_M / CM * I
    first = TAU_M * math.log(r_i / (r_i - (V_THRESH - V_REST)))
    period = TAU_REFRAC + TAU_M * math.log((r_i - (V_RESET - V_REST)) / (r_i - (V_THRESH - V_REST)))
    expected = first + period * np.arange(len(times))
    assert len(times) == math.floor((100.0 - first) / period) + 1
    assert senders.dtype == np.uint32 and not senders.any()
    assert np.max(np.abs(times - expected)) < 1e-9


def test_membrane_samples_follow_the_closed_form():
    record = {"signals": [{"population": "cell", "variables": ["v"]}], "interval": 0.5}
    sim = exactspike.Simulation(exactspike.Experiment(dc_neuron(t_stop=10.0, **record)))
    sim.run()
    times, values, indices = sim.signal("cell", "v")
    assert values.shape == (21, 1) and list(indices) == [0]
    assert np.allclose(times, np.arange(21) * 0.5)
    expected = V_REST + TAU_M / CM * I * (1 - np.exp(-times / TAU_M))
    assert np.max(np.abs(values[:, 0] - expected)) < 1e-10


def test_a_dict_describes_the_same_network_as_its_file(root):
    path = root / "experiments" / "sbs_neuron.toml"
    with open(path, "rb") as f:
        description = tomllib.load(f)
    runs = []
    for experiment in (exactspike.Experiment.from_file(str(path)), exactspike.Experiment(description)):
        sim = exactspike.Simulation(experiment)
        sim.run()
        runs.append((sim.spikes("neuron")[1], sim.signal("neuron", "v")[1]))
    assert len(runs[0][0]) == 100
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])


def two_cells(weight):
    """A spike source (spikes every 10 ms from 110 ms on) driving one IF_cond_exp neuron through
    one synapse of `weight` [uS]."""
    return {
        "simulation": {"t_stop": 200.0, "seed": 1},
        "population": [
            {"name": "input", "size": 1, "model": "SpikeSourceArray",
             "params": {"spike_times": [10.0 * k for k in range(11, 20)]}},
            {"name": "cell", "size": 1, "model": "IF_cond_exp", "params": {"v_thresh": -60.0}},
        ],
        "projection": [
            {"pre": "input", "post": "cell", "connector": {"type": "one_to_one"},
             "weight": weight, "delay": 1.0}
        ],
        "record": {"spikes": ["cell"]},
    }


def test_run_time_changes_act_from_the_pause():
    # Changed at t = 100 ms, before the first input: the same spikes as the strong weight's from
    # the start; with the weak weight, none.
    weak, strong = 0.0, 0.05
    reference = {}
    for w in (weak, strong):
        sim = exactspike.Simulation(exactspike.Experiment(two_cells(w)))
        sim.run()
        reference[w] = sim.spikes("cell")[1]
    assert len(reference[weak]) == 0 and len(reference[strong]) > 5
    sim = exactspike.Simulation(exactspike.Experiment(two_cells(weak)))
    sim.run_until(100.0)
    assert sim.now == 100.0
    assert sim.get_weight(("input", 0), ("cell", 0)) == weak
    sim.set_weight(("input", 0), ("cell", 0), strong)
    sim.run()
    times = sim.spikes("cell")[1]
    assert np.array_equal(times, reference[strong])

    # A resting potential above threshold makes the neuron fire on its own.
    sim = exactspike.Simulation(exactspike.Experiment(two_cells(weak)))
    sim.run_until(50.0)
    sim.shift_v_rest("cell", 0, 10.0)
    sim.run()
    assert len(sim.spikes("cell")[1]) > 0 and sim.spikes("cell")[1][0] > 50.0


def test_bad_requests_raise_exactspike_errors():
    sim = exactspike.Simulation(exactspike.Experiment(two_cells(0.01)))
    with pytest.raises(exactspike.ExactspikeError, match="not recorded"):
        sim.signal("cell", "v")
    with pytest.raises(exactspike.ExactspikeError, match="unknown variable"):
        sim.signal("cell", "voltage")
    with pytest.raises(exactspike.ExactspikeError, match="no population"):
        sim.spikes("nobody")
    with pytest.raises(exactspike.ExactspikeError, match="out of range"):
        sim.set_weight(("input", 3), ("cell", 0), 0.1)
    with pytest.raises(exactspike.ExactspikeError, match="no inhibitory connection from input\\[0\\] to cell\\[0\\]"):
        sim.set_weight(("input", 0), ("cell", 0), 0.1, receptor="inhibitory")
    with pytest.raises(exactspike.ExactspikeError, match=r"python: population\[1\].model"):
        bad = two_cells(0.01)
        bad["population"][1]["model"] = "IF_cond_alpha"
        exactspike.Experiment(bad)
    with pytest.raises(exactspike.ExactspikeError, match="projection\\[0\\].weight"):
        bad = two_cells(float("nan"))
        exactspike.Experiment(bad)
    with pytest.raises(exactspike.ExactspikeError, match="expected a number"):
        bad = two_cells(0.01)
        bad["projection"][0]["weight"] = object()
        exactspike.Experiment(bad)


def test_a_dict_experiment_takes_another_seed_and_bad_nesting_is_refused():
    description = dc_neuron()
    description["population"][0]["initial"] = {
        "v": {"distribution": "uniform", "low": -70.0, "high": -60.0}}
    first = exactspike.Experiment(description)
    again = first.with_seed(3)
    other = first.with_seed(4)
    runs = []
    for experiment in (first, again, other):
        sim = exactspike.Simulation(experiment)
        sim.run()
        runs.append(sim.spikes("cell")[1])
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])
    loop = []
    loop.append(loop)
    with pytest.raises(exactspike.ExactspikeError, match="nests too deep"):
        exactspike.Experiment({"simulation": {"t_stop": 1.0}, "population": loop})

#!/usr/bin/env python3
"""NEST 3.10 iaf_psc_exp_ps oracle for the curr_exp_three_taus experiment.

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root, AFTER tests/oracles/ode_spikes.py so that
  tests/fixtures/curr_exp_three_taus.json exists for the comparison):
      /work/venv/bin/python tests/oracles/nest_iaf_psc_exp_ps.py
  Writes tests/fixtures/curr_exp_nest.json.

  Inputs and neuron are exactly CASES["curr_exp_three_taus"] of ode_spikes.py
  (same numpy seed, same stored source times, same experiment TOML).
  NEST: two spike_generators (precise_times=True) -> static_synapse,
  delay 1.0 ms, weights x1000 (nA -> pA; inhibitory negative) -> one
  iaf_psc_exp_ps (C_m = 1000*cm pF, tau_m, t_ref = tau_refrac, E_L = v_rest,
  V_th = v_thresh, V_reset = v_reset, tau_syn_ex/in, I_e = 1000*i_offset,
  V_m initial = v_init).  Kernel: off_grid_spiking is read-only in NEST 3.10 and becomes True
  automatically once precise models exist (asserted before Simulate); run at resolution
  0.1 ms (stored) and 0.01 ms (consistency check).  Spike times are read from a
  spike_recorder with time_in_steps=False (float64 "times"), and cross-checked
  against time_in_steps=True (step*h - offset).
  NEST's arrival time is (step + delay_steps)*h - offset, which can differ from
  Rust's t + 1.0 by ~1 ulp (~1e-13 ms) - irrelevant at the 1e-9 ms tolerance.
  The script prints max |t_NEST - t_scipy| against the scipy DOP853 oracle.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc  # noqa: E402
import ode_spikes  # noqa: E402

CASE = "curr_exp_three_taus"


def run_nest(c, exc, inh, resolution):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": resolution})  # off_grid_spiking is read-only in 3.10; set by precise models (asserted below)
    p = c["params"]
    nrn = nest.Create("iaf_psc_exp_ps", params={
        "C_m": 1000.0 * p["cm"], "tau_m": p["tau_m"], "t_ref": p["tau_refrac"],
        "E_L": p["v_rest"], "V_th": p["v_thresh"], "V_reset": p["v_reset"],
        "tau_syn_ex": p["tau_syn_E"], "tau_syn_in": p["tau_syn_I"],
        "I_e": 1000.0 * p["i_offset"], "V_m": c["v_init"]})
    sg_e = nest.Create("spike_generator", params={"spike_times": exc, "precise_times": True})
    sg_i = nest.Create("spike_generator", params={"spike_times": inh, "precise_times": True})
    sr = nest.Create("spike_recorder", params={"time_in_steps": False})
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(sg_e, nrn, syn_spec={"synapse_model": "static_synapse",
                                      "weight": 1000.0 * c["w_exc"], "delay": oc.DELAY})
    nest.Connect(sg_i, nrn, syn_spec={"synapse_model": "static_synapse",
                                      "weight": 1000.0 * c["w_inh"], "delay": oc.DELAY})
    nest.Connect(nrn, sr)
    nest.Connect(nrn, sr_steps)
    assert nest.GetKernelStatus("off_grid_spiking")
    nest.Simulate(c["t_stop"])
    times = np.asarray(sr.get("events")["times"], dtype=np.float64)
    ev = sr_steps.get("events")
    t2 = np.asarray(ev["times"], dtype=np.float64) * resolution - np.asarray(ev["offsets"], dtype=np.float64)
    assert len(times) == len(t2)
    d_rec = float(np.max(np.abs(times - t2))) if len(times) else 0.0
    # precise offsets present?  (on-grid would make every time a multiple of h)
    frac = np.abs(times / resolution - np.round(times / resolution))
    assert np.max(frac) > 1e-3, "spike times look on-grid: offsets not recorded"
    return times[times < c["t_stop"]], d_rec


def main():
    c = ode_spikes.CASES[CASE]
    exc, inh = ode_spikes.make_inputs(c)
    toml = ode_spikes.toml_for(c, exc, inh)
    t_nest, d_rec = run_nest(c, exc, inh, 0.1)
    t_nest_fine, _ = run_nest(c, exc, inh, 0.01)
    print(f"NEST res 0.1: {len(t_nest)} spikes; |times - (steps*h - offsets)| max {d_rec:.3e}")
    if len(t_nest_fine) == len(t_nest):
        d_res = float(np.max(np.abs(t_nest_fine - t_nest)))
    else:
        d_res = f"COUNT MISMATCH {len(t_nest_fine)}"
    print(f"NEST res 0.01 vs 0.1: max |dt| = {d_res}")

    fx = os.path.join(oc.FIXTURES, CASE + ".json")
    scipy_times = None
    if os.path.exists(fx):
        with open(fx) as f:
            ref = json.load(f)
        if ref["experiment"] == toml:
            scipy_times = np.array(ref["expected_times"])
    if scipy_times is None:
        print("scipy fixture missing or stale -> running scipy oracle (slow)")
        _, _, _, s, _ = ode_spikes.run_case(CASE)
        scipy_times = np.array(s)
    if len(scipy_times) == len(t_nest):
        d_sc = float(np.max(np.abs(scipy_times - t_nest)))
    else:
        d_sc = f"COUNT MISMATCH scipy {len(scipy_times)} vs NEST {len(t_nest)}"
    print(f"NEST vs scipy DOP853 oracle: max |dt| = {d_sc}")

    obj = {
        "generator": (f"tests/oracles/nest_iaf_psc_exp_ps.py (inputs from ode_spikes.py case "
                      f"{CASE}, numpy default_rng seed {c['seed']}; command: "
                      f"/work/venv/bin/python tests/oracles/nest_iaf_psc_exp_ps.py)"),
        "case": "curr_exp_nest",
        "experiment": toml,
        "population": "neuron",
        "expected_times": [float(t) for t in t_nest],
        "tolerance_ms": 1e-9,
        "oracle_notes": (f"NEST 3.10 iaf_psc_exp_ps, resolution 0.1 ms, off_grid_spiking, "
                         f"precise spike_generator inputs, delay 1.0; {len(t_nest)} spikes; "
                         f"max|dt| NEST(0.01 ms) vs NEST(0.1 ms) = {d_res}; "
                         f"max|dt| NEST vs scipy DOP853 oracle = {d_sc} ms"),
    }
    path, size = oc.write_fixture("curr_exp_nest", obj)
    print(f"wrote {path} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()

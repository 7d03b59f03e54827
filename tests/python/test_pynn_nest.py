"""The COBA benchmark through PyNN on exactspike against NEST 3.10 through PyNN, on the same
script and the same drawn network (experiments/pynn_coba_benchmark.py with a NumpyRNG):
rates and the distributions of per-neuron rates and ISI irregularity agree with NEST's to
within the spread NEST itself shows when only the stimulus changes."""

import json
import sys

import pytest

pytest.importorskip("pyNN")


def test_coba_through_pynn_fires_as_nest_does(root):
    # tests/fixtures/coba_pynn_nest.json: five NEST runs (stimulus seeds 98765..98769),
    # made by tests/oracles/nest_pynn_coba.py.
    sys.path[:0] = [str(root / "experiments"), str(root / "tests" / "oracles")]
    import pynn_coba_benchmark
    from nest_pynn_coba import statistics

    nest = json.loads((root / "tests/fixtures/coba_pynn_nest.json").read_text())
    result = pynn_coba_benchmark.run("exactspike", "numpy", nest["t_stop"], threads=2)
    ours = statistics(result)

    def within(value, key, population, slack, index=None):
        runs = [r["statistics"][population][key] for r in nest["runs"]]
        runs = [r[index] for r in runs] if index is not None else runs
        low, high = min(runs) - slack, max(runs) + slack
        assert low <= value <= high, f"{population} {key}[{index}]: {value} not in [{low}, {high}]"

    for population in ("exc", "inh"):
        mine = ours[population]
        # Rates [Hz]: NEST gives 14.8-16.4 over the five stimuli.
        within(mine["rate"], "rate", population, slack=1.0)
        within(mine["rate_quantiles"][1], "rate_quantiles", population, slack=1.0, index=1)
        within(mine["rate_quantiles"][2], "rate_quantiles", population, slack=4.0, index=2)
        # Irregularity: the mean ISI CV is about 1.5 in NEST (bursty, asynchronous).
        within(mine["cv_mean"], "cv_mean", population, slack=0.05)
        for q in (0, 1, 2):
            within(mine["cv_quantiles"][q], "cv_quantiles", population, slack=0.08, index=q)

"""setup, run, reset, end and the state queries of the PyNN backend."""

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new network. `timestep` [ms] is the sampling interval of recorded signals (spike
    times are exact, on no grid). Extra: `seed` (the master seed of exactspike's random
    streams, default 0) and `threads` (default: one per core; results do not depend on it)."""
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state = simulator.state
    state.clear()
    state.dt = timestep
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.seed = extra_params.get("seed", extra_params.get("rng_seed", 0))
    state.threads = extra_params.get("threads")
    return rank()


def end(compatible_output=True):
    """Write what is still to be written (what was recorded stays readable until the next
    setup)."""
    for population, variables, filename in simulator.state.write_on_end:
        population.write_data(get_io(filename), variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, _given_min_delay, get_max_delay, num_processes, rank = (
    common.build_state_queries(simulator)
)


def get_min_delay():
    """The minimum delay [ms]: as given to setup, or with 'auto' the smallest delay of any
    connection (the time step if there is none)."""
    state = simulator.state
    if state.min_delay != "auto":
        return state.min_delay
    delays = [prj._connections["delay"].min() for prj in state.projections if len(prj)]
    return float(min(delays)) if delays else state.dt

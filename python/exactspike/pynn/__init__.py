"""exactspike as a PyNN backend: ``import pyNN.exactspike as sim`` (or ``exactspike.pynn``).

The network is built once, at the first ``run``, from everything PyNN was told; spike times
are exact (no time grid), ``timestep`` is only the sampling interval of recorded signals.
Supported: the standard cells ``IF_cond_exp``, ``IF_curr_exp``, ``SpikeSourcePoisson`` and
``SpikeSourceArray``; ``StaticSynapse`` and ``TsodyksMarkramSynapse``; every PyNN connector;
recording of spikes, ``v``, ``gsyn_exc`` and ``gsyn_inh``. What is not supported raises
``NotImplementedError`` saying so (see docs/python.md).
"""

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401

from . import simulator  # noqa: F401
from .control import (  # noqa: F401
    end,
    get_current_time,
    get_max_delay,
    get_min_delay,
    get_time_step,
    initialize,
    num_processes,
    rank,
    reset,
    run,
    run_for,
    run_until,
    setup,
)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection
from .random import NativeRNG  # noqa: F401
from .electrodes import DCSource, StepCurrentSource  # noqa: F401
from .standardmodels import (  # noqa: F401
    IF_cond_exp,
    IF_curr_exp,
    SimpleStochasticSynapse,
    SpikeSourceArray,
    SpikeSourcePoisson,
    StaticSynapse,
    TsodyksMarkramSynapse,
)
from .standardmodels import UNAVAILABLE as _UNAVAILABLE
from . import standardmodels as _models

# The PyNN models exactspike cannot run: creating one raises NotImplementedError saying why.
globals().update({base.__name__: getattr(_models, base.__name__) for base in _UNAVAILABLE})

Projection._static_synapse_class = StaticSynapse


def list_standard_models():
    """The names of the standard cell types this backend runs."""
    return [cell.__name__ for cell in (IF_cond_exp, IF_curr_exp, SpikeSourceArray, SpikeSourcePoisson)]

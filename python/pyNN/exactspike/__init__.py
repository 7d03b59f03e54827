"""PyNN finds the exactspike backend here: ``import pyNN.exactspike as sim``."""
from exactspike.pynn import *  # noqa: F401,F403
from exactspike.pynn import list_standard_models, simulator  # noqa: F401

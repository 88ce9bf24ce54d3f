"""The project's own simulator of a zero-tolerance season: synthetic people only.

``simulate(outdir, families=N, seed=S)`` writes an interchange batch from four sources (border,
docket, detention, shelter) with truth files beside it; see docs/simulator.md.
"""

from reunify.simulator.batch import SIMULATOR_VERSION, simulate
from reunify.simulator.rates import DEFAULT_AS_OF, Rates

__all__ = ["DEFAULT_AS_OF", "SIMULATOR_VERSION", "Rates", "simulate"]

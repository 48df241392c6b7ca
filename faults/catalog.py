"""The whole catalogue: importing this module registers every fault, once, in a fixed order.

The side modules add their faults to ``FAULTS`` when imported; the order of the imports below is
the order of ``FAULTS``, of ``--list`` and of a mutation-score run.
"""

from __future__ import annotations

from . import request, cache, request_players, response, framing, error, transport  # noqa: F401
from . import offgrid  # noqa: F401
from .edits import selected_shape
from .registry import FAULTS, NONE, Context, Fault, Side

CATALOG: dict[str, Fault] = {f.name: f for f in [NONE, *FAULTS]}


def get(name: str) -> Fault:
    """The fault called ``name`` (``none`` included), with a usable message when unknown."""
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown fault {name!r}; `--list` shows the {len(FAULTS)} faults") from None


__all__ = ["CATALOG", "FAULTS", "NONE", "Context", "Fault", "Side", "get", "selected_shape"]

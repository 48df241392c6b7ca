"""The runs of tests the shards of a run take, and what the shards' exit statuses add up to.

``--shards N`` (compliance/shard_plugin.py) forks the N shards after collection; each takes
the next run of tests (parts of one test function) whenever it is free.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

import pytest

T = TypeVar("T")

#: Into how many runs, at least, a shard's share is cut (see ``deal``).
GROUPS_PER_SHARD = 32
#: The shard (K, N) a forked shard process is, in its config's stash; absent elsewhere.
SHARD_KEY = pytest.StashKey[tuple[int, int]]()


def shard_count(text: str) -> int:
    """N from ``--shards``: a positive integer, or ``auto`` for one per CPU."""
    if text == "auto":
        return max(1, os.cpu_count() or 1)
    if not text.isdigit() or int(text) < 1:
        raise pytest.UsageError(f"--shards {text!r}: expected a positive integer or auto")
    return int(text)


def shard_of(config: pytest.Config) -> tuple[int, int] | None:
    """(K, N) when this process is shard K of a run's N, else None."""
    return config.stash.get(SHARD_KEY, None)


def worst(codes: Sequence[int]) -> int:
    """pytest's exit status for the whole run: an error (2 and up) first, then a failure; a
    shard ended by a signal (a negative status) is an internal error (3)."""
    errors = [3 if code < 0 else code for code in codes if code not in (0, 1, 5)]
    if errors:
        return errors[0]
    if 1 in codes:
        return 1
    return 5 if all(code == 5 for code in codes) else 0


def groups(items: Sequence[T], n: int, key: Callable[[T], str]) -> list[list[int]]:
    """The indices of ``items`` in the runs the N shards take, one run at a time, in the order
    of collection (a chunk cache's answers depend on what was asked before: with the largest
    runs first, 0.11.0-cache answered the auth area's requests 404 instead of 401).

    Items with the same ``key`` (a test function's parametrisations, which mostly share their
    stored objects) stay together in runs of at most 1/(GROUPS_PER_SHARD * n) of all, so
    shards seldom wait for each other's uploads and a big, slow function (the clients area's)
    still spreads over them. Taken by whichever shard is free, they end nearly together
    whatever each test costs (a count of tests dealt up front did not: the fuzz area
    is one test of a second, a skip costs nothing).
    """
    by_key: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_key.setdefault(key(item), []).append(index)
    most = max(1, len(items) // (GROUPS_PER_SHARD * n))  # a big function is cut in runs
    runs = [
        indices[start : start + most]
        for indices in by_key.values()
        for start in range(0, len(indices), most)
    ]
    return sorted(runs, key=lambda run: run[0])

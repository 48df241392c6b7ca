"""Which tests one shard of a run takes, and what the shards' exit statuses add up to.

``--shards N`` (compliance/shard_plugin.py) forks the N shards after collection; each takes
whole test functions, dealt so that the shards have about as many tests each.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

import pytest

T = TypeVar("T")

#: Into how many runs, at least, a shard's share is cut (see ``deal``).
GROUPS_PER_SHARD = 8
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


def deal(items: Sequence[T], k: int, n: int, key: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """The items of shard ``k`` of ``n``, and the others.

    Items with the same ``key`` (a test function's parametrisations, which mostly share their
    stored objects) stay together in runs of at most 1/(GROUPS_PER_SHARD * n) of all, so
    shards seldom wait for each other's uploads and a big, slow function (the clients area's)
    still spreads over them; the runs, largest first, each go to the shard with the fewest
    items so far.
    """
    by_key: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_key.setdefault(key(item), []).append(index)
    most = max(1, len(items) // (GROUPS_PER_SHARD * n))  # a big function is cut in runs
    groups = {
        f"{name}#{start}": indices[start : start + most]
        for name, indices in by_key.items()
        for start in range(0, len(indices), most)
    }
    loads = [0] * n
    mine: set[int] = set()
    for indices in sorted(groups.values(), key=lambda group: (-len(group), group[0])):
        lightest = loads.index(min(loads))
        loads[lightest] += len(indices)
        if lightest == k - 1:
            mine.update(indices)
    kept = [item for index, item in enumerate(items) if index in mine]
    dropped = [item for index, item in enumerate(items) if index not in mine]
    return kept, dropped

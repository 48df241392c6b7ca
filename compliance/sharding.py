"""Which tests one shard of a run takes: whole test functions, dealt so that the shards have
about as many tests each. ``--shard K/N`` (compliance/shard_plugin.py) applies it;
compliance/shards.py starts the N processes.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence, TypeVar

import pytest

T = TypeVar("T")

#: Into how many runs, at least, a shard's share is cut (see ``deal``).
GROUPS_PER_SHARD = 8


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as (K, N) with 1 <= K <= N; a usage error that names the value otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise pytest.UsageError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 1/2")
    return int(match.group(1)), int(match.group(2))


def shard_of(config: pytest.Config) -> tuple[int, int] | None:
    """(K, N) when this process is one shard of a run, else None."""
    text = config.getoption("shard", None)
    return None if text is None else parse_shard(text)


def deal(items: Sequence[T], k: int, n: int, key: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """The items of shard ``k`` of ``n``, and the others.

    Items with the same ``key`` (a test function's parametrisations, which mostly share their
    stored objects) stay together in runs of at most 1/(GROUPS_PER_SHARD * n) of all, so
    shards seldom wait for each other's uploads and a big, slow function (the clients area's)
    still spreads over them; the runs, largest first, each go to the shard with the fewest
    items so far. Every shard computes the same split from the same collection.
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

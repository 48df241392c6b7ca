"""``--shard K/N``: this process runs the K-th of N shares of the collected tests.

``compliance/shards.py`` starts N plain pytest processes with K = 1..N, one run id and one
cleanup between them, and merges their verdicts: pytest-xdist's own messaging cost the suite
about a third of its time (README.md#suite-speed).
"""

from __future__ import annotations

import pytest

from .sharding import deal, shard_of


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("activestorage")
    group.addoption(
        "--shard",
        metavar="K/N",
        default=None,
        help="run the K-th of N shares of the tests (compliance/shards.py starts the N)",
    )


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected: share out what is left
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = shard_of(config)
    if shard is None:
        return
    kept, dropped = deal(items, *shard, key=lambda item: item.nodeid.split("[")[0])
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept

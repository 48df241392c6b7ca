"""The fuzz area's command-line option: ``--fuzz-examples N`` for a long hunt.

A plugin of its own (registered by compliance/conftest.py) so the fuzz area stays in its files.
"""

from __future__ import annotations

import pytest

#: Examples per fuzz test by default: small enough for CI (about 10-20 s against a local server).
DEFAULT_EXAMPLES = 60


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("activestorage")
    group.addoption(
        "--fuzz-examples",
        metavar="N",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"examples each fuzz test draws (default {DEFAULT_EXAMPLES}; more for a long hunt)",
    )

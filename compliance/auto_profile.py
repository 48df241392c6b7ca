"""pytest side of ``--profile auto``: probe once in the controller, hand the choice to workers.

The controller probes at configure time (before collection: the profile decides skips and
xfails), keeps each probe's answer for the report header, and passes the chosen name to every
xdist worker in its ``workerinput``, so workers neither probe again nor choose differently.
``--print-profile`` prints a config.py snippet and exits without running tests.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from .probe import probe_server
from .probe_choice import choose_profile, render_profile
from .settings import Settings
from .storage import StoreUnavailable

WORKER_KEY = "activestorage_auto_profile"
REASONS_KEY = pytest.StashKey[list[str]]()


def add_options(group: Any) -> None:
    group.addoption(
        "--print-profile",
        action="store_true",
        default=False,
        help="with --profile auto: print a PROFILES entry for compliance/config.py and exit",
    )


def worker_profile(config: pytest.Config) -> str | None:
    """The profile the controller chose, in an xdist worker of an auto run."""
    return getattr(config, "workerinput", {}).get(WORKER_KEY)


def chooser(config: pytest.Config) -> Callable[[Settings], str]:
    """The ``auto`` hook of load_settings: probe, choose, remember why, hand down."""

    def choose(settings: Settings) -> str:
        try:
            answers = probe_server(settings)
            name, reasons = choose_profile(answers)
        except (StoreUnavailable, ValueError) as error:
            pytest.exit(f"--profile auto cannot probe the server: {error}", returncode=3)
        if config.getoption("print_profile"):
            print(render_profile(name, answers), end="", flush=True)
            pytest.exit("profile printed (--print-profile): no tests run", returncode=0)
        config.stash[REASONS_KEY] = reasons
        config.pluginmanager.register(_Handoff(name), "activestorage-auto-profile")
        return name

    return choose


def header_lines(config: pytest.Config) -> list[str]:
    """Each probe and its answer, then the choice (empty unless the profile was probed)."""
    return [f"probe {line}" for line in config.stash.get(REASONS_KEY, [])]


class _Handoff:
    """Gives every xdist worker the chosen profile name."""

    def __init__(self, name: str) -> None:
        self.name = name

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_KEY] = self.name

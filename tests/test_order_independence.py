"""A verdict does not depend on the order of the tests, even against a server with a chunk cache
(docs/architecture.md#case-flow, "Order does not change a verdict").

A chunk cache answers by what was read before: with the tests in the reverse of their order,
every object another test reads with credentials, or as another byte range, is cached before
the test that needs a cold answer runs. Each cache server of the stack runs the whole suite
(but the robustness area) so, and must comply as it does in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from faults.mutation_runs import REPO

pytestmark = pytest.mark.stack

#: A plugin for the run under test: the collected tests in reverse order.
REVERSED = """
def pytest_collection_modifyitems(session, config, items):
    items.reverse()
"""

CACHE_SERVERS = [
    ("reductionist-0.13-cache", os.environ.get("REDUCTIONIST_CACHE_PORT", "8084")),
    ("reductionist-0.11-cache", os.environ.get("REDUCTIONIST_V1_CACHE_PORT", "8085")),
]


@pytest.mark.parametrize("profile,port", CACHE_SERVERS, ids=[p for p, _ in CACHE_SERVERS])
def test_the_reversed_suite_complies_on_a_cache_server(
    profile: str, port: str, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{port}"
    try:
        requests.get(url + "/.well-known/reductionist-schema", timeout=5)
    except requests.RequestException as error:
        pytest.skip(f"no {profile} server at {url} ({error}): scripts/local-stack.sh up --all")
    (tmp_path / "reversed_order.py").write_text(REVERSED)
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ACTIVESTORAGE_RUN"))
    }
    environment["PYTHONPATH"] = str(tmp_path)
    report = tmp_path / "verdict.json"
    command = [sys.executable, "-m", "pytest", "compliance", "-p", "reversed_order"]
    command += ["-p", "no:xdist", "--shards", "2", "-m", "not robustness", "-q"]
    command += ["--proxy-url", url, "--profile", profile, "--compliance-report-json", str(report)]
    run = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=600
    )
    verdict = json.loads(report.read_text())
    failures = [f"{f['nodeid']}: {f['reason']}" for f in verdict["failures"]]
    assert verdict["complies"] and run.returncode == 0, "\n".join(failures) or run.stdout[-3000:]

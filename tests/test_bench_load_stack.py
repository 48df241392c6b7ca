"""The soak and distributed Locust end to end on the stack: right answers pass, a wrong one fails.

The wrong answers come from the fault proxy (``count-off-by-one``: every count one too many)
between the load tools and the stack's Reductionist 0.13.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from faults.mutation_runs import REPO, ProxyProcess
from tests.ports import free_port

pytestmark = pytest.mark.stack

SERVER = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_URL", "http://127.0.0.1:8080")
#: Ports a test's Locust master may take (the first free one), clear of the default 8660.
MASTER_PORTS = range(8750, 8760)


@pytest.fixture(scope="module")
def off_by_one(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        requests.get(SERVER + "/", timeout=3)
    except requests.RequestException as error:
        pytest.fail(f"server {SERVER} does not answer ({error}); scripts/local-stack.sh up")
    proxy = ProxyProcess("count-off-by-one", SERVER, tmp_path_factory.mktemp("fault") / "log")
    try:
        yield proxy.start()
    finally:
        proxy.stop()


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, "--smoke", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _soak_report(out: Path) -> dict:
    (path,) = out.glob("soak--*.json")
    return json.loads(path.read_text())


def test_soak_smoke_passes_on_right_answers(tmp_path: Path) -> None:
    run = _run(
        "bench.soak", "--server", SERVER, "--service", "reductionist", "--out", str(tmp_path)
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = _soak_report(tmp_path)["result"]
    assert result["requests"] > 0 and result["wrong_answers"] == result["errors"] == 0
    assert "0 wrong answers, 0 errors" in run.stdout


def test_soak_fails_on_wrong_answers(tmp_path: Path, off_by_one: str) -> None:
    run = _run("bench.soak", "--server", off_by_one, "--out", str(tmp_path))
    assert run.returncode == 1, run.stdout + run.stderr
    result = _soak_report(tmp_path)["result"]
    assert result["wrong_answers"] == result["requests"] > 0
    assert result["examples"][0]["differences"][0].startswith("count ")


def _locust(tmp_path: Path, host: str, kind: str) -> tuple[int, dict]:
    out = tmp_path / kind
    run = _run(
        "bench.locust_run", "--host", host, "--master-port", str(free_port(MASTER_PORTS)),
        "--out", str(out),
    )  # fmt: skip
    assert (out / "locust_stats.csv").exists() and (out / "locust.html").exists(), run.stdout
    return run.returncode, json.loads((out / "summary.json").read_text())


def test_distributed_locust_passes_on_right_answers(tmp_path: Path) -> None:
    code, summary = _locust(tmp_path, SERVER, "right")
    assert code == 0, summary
    assert summary["requests"] > 0 and summary["failures"] == 0 and summary["workers"] == 2


def test_distributed_locust_fails_on_wrong_answers(tmp_path: Path, off_by_one: str) -> None:
    code, summary = _locust(tmp_path, off_by_one, "wrong")
    assert code == 3, summary
    assert summary["wrong_answers"] == summary["requests"] > 0

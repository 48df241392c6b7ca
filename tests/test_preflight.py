"""A run that cannot start says why in one line, exits 3 and leaves nothing behind
(compliance/conftest.py, ``pytest_sessionstart``): no marker folder in ``storage.marker_root``."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from compliance.storage import marker_root
from faults.mutation_runs import REPO

#: A loopback port nothing listens on (the discard service).
NOWHERE = "http://127.0.0.1:9"


@pytest.mark.parametrize("down", ["--s3-source", "--proxy-url"])
def test_an_unreachable_store_or_server_ends_the_run_cleanly(down: str) -> None:
    run_id = uuid.uuid4().hex
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ACTIVESTORAGE_RUN"))
    }
    environment["ACTIVESTORAGE_RUN_ID"] = run_id
    command = [sys.executable, "-m", "pytest", "compliance", "-p", "no:xdist", "-q", down, NOWHERE]
    if down == "--s3-source":
        command += ["--proxy-url", NOWHERE]
    run = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 3, run.stdout[-2000:]
    assert "compliance suite cannot start: " in run.stdout + run.stderr
    # the first that fails is named: the S3 store (:9, or :9000 with the stack down), else the
    # server
    assert " unreachable: " in run.stdout + run.stderr
    assert not (marker_root() / f"activestorage-{run_id}").exists()

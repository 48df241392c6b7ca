"""Resource limits as the spec describes them (docs/spec.md#errors-status, #resources), on servers
these tests start themselves.

The limits are start-up options of a server (``--memory-limit``, ``--thread-limit``), which the
compliance suite cannot set on a user's server; so each test starts its own Reductionist 0.13.1
(scripts/run-reductionist.sh with a private state folder and port) against the stack's stores,
loads it with the soak's client threads (bench.soak) and stops it by its PID.

* Memory limit: a request whose ``size`` exceeds the whole limit gets the spec's 400
  ``Insufficient memory to process request (N > M)``; concurrent requests that fit one at a
  time but not all at once wait for each other and are all served.
* Thread limit saturated (1 permit, 16 clients): nothing deadlocks; every request completes,
  right, within a bound.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from bench.loadmix import (
    MixCase,
    MixSetup,
    case_space,
    draw_cases,
    ensure_stores,
    mix_setup,
    prepare_mix,
)
from bench.procmem import stack_pid
from bench.soak import Soak
from tests.ports import free_port
from compliance.case import Case
from compliance.checks import assert_error

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent
#: Ports the private servers may take (the first free one), kept clear of the stack's.
PORTS = range(8740, 8750)
MEMORY_LIMIT = 1_000_000  # bytes
#: int64 elements of the request too large for the limit (with ``size``: 1.6 MB).
TOO_LARGE = 200_000
#: Elements of the requests that fit (0.4 MB each: two at a time, not sixteen).
FITS = 50_000
CLIENTS = 16
#: Seconds within which every request of a saturated server must be answered.
BOUND_S = 60.0


def _start(state: Path, port: int, **limits: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDUCTIONIST_")}
    env.update(ACTIVESTORAGE_STACK_DIR=str(state), REDUCTIONIST_V2_PORT=str(port), **limits)
    run = subprocess.run(
        [str(REPO / "scripts" / "run-reductionist.sh"), "--background"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return f"http://127.0.0.1:{port}"


def _stop(state: Path) -> None:
    """SIGTERM the server this test started (its PID file), and wait for it to go."""
    pid = stack_pid("reductionist", state)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def memory_limited(tmp_path: Path) -> Iterator[MixSetup]:
    yield from _server(tmp_path, REDUCTIONIST_MEMORY_LIMIT=str(MEMORY_LIMIT))


@pytest.fixture
def thread_limited(tmp_path: Path) -> Iterator[MixSetup]:
    yield from _server(tmp_path, REDUCTIONIST_THREAD_LIMIT="1")


def _server(tmp_path: Path, **limits: str) -> Iterator[MixSetup]:
    state = tmp_path / "state"
    url = _start(state, free_port(PORTS), **limits)
    setup = mix_setup(url, "reductionist-0.13", None, 30.0)
    try:
        ensure_stores(setup)
        yield setup
    finally:
        setup.store.cleanup()
        _stop(state)


def test_a_request_larger_than_the_memory_limit_gets_the_spec_error(
    memory_limited: MixSetup,
) -> None:
    case = Case("sum", "int64", (TOO_LARGE,), trailing=8)  # trailing bytes: `size` is sent
    prepared, result = memory_limited.runner.send(case)
    assert prepared.body["size"] == TOO_LARGE * 8 > MEMORY_LIMIT
    assert_error(
        result,
        400,
        memory_limited.profile,
        ("memory",),
        message=f"Insufficient memory to process request ({TOO_LARGE * 8} > {MEMORY_LIMIT})",
    )


def test_concurrent_requests_within_the_memory_limit_are_all_served(
    memory_limited: MixSetup,
) -> None:
    cases = [
        MixCase("limits", f"fits-{dtype}", Case(op, dtype, (FITS,), trailing=8))
        for op in ("sum", "max")
        for dtype in ("int64", "float64", "uint64")
    ]
    mix = prepare_mix(memory_limited.runner, cases)
    sizes = {json.loads(r.body)["size"] for r in mix}
    assert sizes == {8 * FITS} and 2 * 8 * FITS <= MEMORY_LIMIT < CLIENTS * 8 * FITS
    requests = 4 * CLIENTS
    result = Soak(memory_limited, mix, CLIENTS, BOUND_S, requests, seed=13).run()
    assert [o for o in result.outcomes if o.kind != "ok"] == []
    assert len(result.outcomes) == requests


def test_a_saturated_thread_limit_completes_every_request(thread_limited: MixSetup) -> None:
    cases = draw_cases(case_space(thread_limited.profile), 4, seed=13)
    mix = prepare_mix(thread_limited.runner, cases)
    requests = 25 * CLIENTS
    result = Soak(thread_limited, mix, CLIENTS, BOUND_S, requests, seed=13).run()
    print(f"thread limit 1, {CLIENTS} clients: {requests} requests in {result.seconds:.1f} s")
    assert [o for o in result.outcomes if o.kind != "ok"] == []
    assert len(result.outcomes) == requests  # all done before the time bound: no deadlock
    assert result.seconds < BOUND_S

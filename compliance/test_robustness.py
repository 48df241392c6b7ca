"""The server when its object store misbehaves (docs/spec.md#robustness; also #errors-body and
#errors-status).

Toxiproxy (TOXIPROXY_URL) sits between a server kept for these tests (ROBUSTNESS_PROXY_URL, the
same release as PROXY_URL) and one store at a time; requests name the proxied store URL. Each
fault of ``robustness.FAULTS`` is played on its own, S3 and the HTTP store alike:

- ``test_backend_fault``: the answer under the fault is what the suite allows, within
  ``ANSWER_BOUND`` (5 s, the client's timeout for that request): a correct result (modest
  latency, slicer) or a server error status with the spec's JSON error body, and never a 200
  with wrong data.
- ``test_recovers_after``: once the fault is removed, the next request is answered right, even
  while a request of the fault may still be held.

Each fault is played once per process for both tests (``FaultBench.outcome``).

Skipped when ROBUSTNESS_PROXY_URL is not set: a black hole or a slow store ties up a server's
workers and connection pools, so these faults are never played on the main server.
"""

from __future__ import annotations

import pytest
import requests

from .case import CaseRunner
from .checks import assert_result, fail_on
from .client import ServerClient
from .gating import require
from .profiles import Profile
from .robustness import (
    FAULTS,
    Fault,
    FaultBench,
    fault_differences,
)
from .robustness_toxiproxy import Toxiproxy
from .settings import Settings

pytestmark = pytest.mark.robustness
BACKENDS = ["s3", "http"]


def _reachable(url: str, timeout: float) -> str | None:
    """None when something answers HTTP at ``url``, else why not."""
    try:
        requests.get(url + "/", timeout=timeout)
    except requests.RequestException as error:
        return type(error).__name__
    return None


@pytest.fixture(scope="session")
def faults(settings: Settings, runner: CaseRunner) -> FaultBench:
    """The fault bench, once both the robustness server and Toxiproxy answer."""
    url = settings.robustness_proxy_url
    if url is None:
        pytest.skip(
            "ROBUSTNESS_PROXY_URL is not set: no server wired for backend faults "
            "(scripts/local-stack.sh up --robustness starts one on http://127.0.0.1:8086)"
        )
    why = _reachable(url, settings.request_timeout)
    if why:
        pytest.fail(f"ROBUSTNESS_PROXY_URL {url} unreachable ({why})", pytrace=False)
    toxiproxy = Toxiproxy(settings.toxiproxy_url)
    if toxiproxy.version() is None:
        pytest.fail(
            f"TOXIPROXY_URL {settings.toxiproxy_url}: no Toxiproxy answers "
            "(scripts/run-toxiproxy.sh --background starts one)",
            pytrace=False,
        )
    profile = settings.profile
    client = ServerClient(url, profile.api, settings.request_timeout, None, profile.trailing_slash)
    stores = {"s3": settings.s3_source, "http": settings.http_source}
    return FaultBench(toxiproxy, client, runner, stores)


def _needs(backend: str, profile: Profile) -> None:
    if backend == "http":
        require(profile, "http_backend")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_backend_fault(fault: Fault, backend: str, faults: FaultBench, profile: Profile) -> None:
    """While the store misbehaves the server answers within the bound: right, or an error."""
    _needs(backend, profile)
    outcome = faults.outcome(fault, backend)
    print(f"robustness {fault.name} {backend}: {outcome.during.summary()}")
    fail_on(fault_differences(fault, backend, outcome, profile), outcome.during.result)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_recovers_after(fault: Fault, backend: str, faults: FaultBench, profile: Profile) -> None:
    """Once the fault is removed the next request is answered right (the server recovered)."""
    _needs(backend, profile)
    outcome = faults.outcome(fault, backend)
    print(f"robustness recovery {fault.name} {backend}: {outcome.after.summary()}")
    assert_result(outcome.expected, outcome.after.result, profile)

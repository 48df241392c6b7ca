"""The server over HTTPS: requests verified with PROXY_CA_CERT; a wrong CA is refused
(docs/spec.md#tls).

Runs when PROXY_URL is https (e.g. the local stack's `--tls` Reductionist); skipped otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .case import Case, CaseRunner
from .client import ServerClient
from .conftest import Verify
from .settings import Settings

pytestmark = pytest.mark.tls


@pytest.fixture(scope="module", autouse=True)
def _needs_https(settings: Settings) -> None:
    if not settings.proxy_url.startswith("https://"):
        pytest.skip(f"PROXY_URL {settings.proxy_url} is not https: TLS not under test")


@pytest.mark.parametrize("op", ["sum", "select", "max"])
def test_request_over_verified_tls(op: str, verify: Verify) -> None:
    """The client verifies the certificate with PROXY_CA_CERT (or the system store)."""
    verify(Case(op, "int64", (6, 5), selection=((1, 6, 2), (0, 5, 1))))


def _client_trusting(settings: Settings, ca_file: str | None) -> ServerClient:
    return ServerClient(
        settings.proxy_url,
        settings.profile.api,
        settings.request_timeout,
        ca_file,
        settings.profile.trailing_slash,
    )


def test_wrong_ca_is_refused(runner: CaseRunner, settings: Settings, tmp_path: Path) -> None:
    """A CA that did not sign the server's certificate must fail verification, not pass."""
    trustme = pytest.importorskip("trustme")
    stranger = tmp_path / "stranger-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    case = Case("sum", "int32", (4,))
    prepared = runner.prepare(case)
    result = _client_trusting(settings, str(stranger)).post(case.op, prepared.body, prepared.auth)
    assert (
        result.status is None
    ), f"request succeeded with a foreign CA: {result.exchange.describe()}"
    assert "certificate verify failed" in (
        result.exchange.transport_error or ""
    ), result.exchange.transport_error


def test_plain_http_to_tls_server_fails(runner: CaseRunner, settings: Settings) -> None:
    """Speaking plain HTTP to the TLS port gets no valid answer."""
    plain = ServerClient(
        settings.proxy_url.replace("https://", "http://", 1),
        settings.profile.api,
        settings.request_timeout,
    )
    case = Case("sum", "int32", (4,))
    prepared = runner.prepare(case)
    result = plain.post(case.op, prepared.body, prepared.auth)
    assert result.status != 200, result.exchange.describe()

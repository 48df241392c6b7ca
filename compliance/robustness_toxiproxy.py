"""Toxiproxy between the robustness server and its stores, driven through Toxiproxy's API.

The suite's own small client of that API (``compliance`` may not import ``bench``, whose
``bench/toxiproxy.py`` serves the benchmarks' emulated links). One fault proxy per test, made and
removed by the test, in front of one store: ``robustness-s3`` on 127.0.0.1:8620 and
``robustness-http`` on 127.0.0.1:8621. Faults are played one at a time (``one_at_a_time``), so
each is judged on its own whatever the xdist layout.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import requests

#: Where each store's fault proxy listens (docs/spec.md#robustness: ports 8620-8649).
FAULT_PORTS = {"s3": 8620, "http": 8621}
HOST = "127.0.0.1"


class ToxiproxyUnavailable(RuntimeError):
    """Toxiproxy did not answer, or refused a call; the message names the URL and the call."""


@dataclass(frozen=True)
class FaultProxy:
    """One proxy: its name, the URL the server is sent to, and the store behind it."""

    name: str
    port: int
    upstream: str  # host:port of the store

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def fault_proxy(backend: str, store_url: str) -> FaultProxy:
    """The fault proxy of ``backend`` ("s3" or "http") in front of the store at ``store_url``."""
    parts = urlsplit(store_url)
    default_port = 443 if parts.scheme == "https" else 80
    upstream = f"{parts.hostname}:{parts.port or default_port}"
    return FaultProxy(f"robustness-{backend}", FAULT_PORTS[backend], upstream)


class Toxiproxy:
    """Calls to one Toxiproxy API; each failure is a ToxiproxyUnavailable naming the call."""

    def __init__(self, url: str, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "activestorage-compliance"  # it refuses browsers

    def version(self) -> str | None:
        """Toxiproxy's version, or None when nothing answers at ``url``."""
        try:
            response = self.session.get(f"{self.url}/version", timeout=self.timeout)
        except requests.RequestException:
            return None
        return response.text.strip() if response.status_code == 200 else None

    def _call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        try:
            response = self.session.request(
                method, self.url + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise ToxiproxyUnavailable(
                f"toxiproxy {self.url} unreachable ({type(error).__name__})"
            ) from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code // 100 != 2:
            raise ToxiproxyUnavailable(
                f"toxiproxy {method} {path} answered {response.status_code}: "
                f"{response.text.strip()[:200]}"
            )
        return response.json() if response.content else None

    def create(self, proxy: FaultProxy) -> None:
        """Make ``proxy`` afresh (a leftover of the same name is removed first)."""
        self.delete(proxy)
        listen = f"{HOST}:{proxy.port}"
        self._call(
            "POST",
            "/proxies",
            {"name": proxy.name, "listen": listen, "upstream": proxy.upstream, "enabled": True},
        )

    def delete(self, proxy: FaultProxy) -> None:
        """Remove ``proxy``; Toxiproxy closes its connections, so nothing stays held."""
        self._call("DELETE", f"/proxies/{proxy.name}", missing_ok=True)

    def set_enabled(self, proxy: FaultProxy, enabled: bool) -> None:
        """A disabled proxy does not listen: connections to it are refused (the store is down)."""
        self._call("POST", f"/proxies/{proxy.name}", {"enabled": enabled})

    def add_toxic(self, proxy: FaultProxy, toxic: dict[str, Any]) -> None:
        self._call("POST", f"/proxies/{proxy.name}/toxics", toxic)

    def clear_toxics(self, proxy: FaultProxy) -> None:
        for toxic in self._call("GET", f"/proxies/{proxy.name}/toxics") or []:
            self._call("DELETE", f"/proxies/{proxy.name}/toxics/{toxic['name']}", missing_ok=True)


@contextmanager
def one_at_a_time(key: str) -> Iterator[None]:
    """Hold a lock shared by every test process on this machine for ``key`` (the servers)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"activestorage-robustness-{digest}.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

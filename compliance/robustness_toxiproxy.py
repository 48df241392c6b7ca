"""Toxiproxy between the robustness server and its stores, driven through Toxiproxy's API.

Through the shared API client (``compliance.toxiproxy_api``, which the benchmarks' emulated
links use too). One fault proxy per test, made and
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
from typing import Iterator
from urllib.parse import urlsplit

from .toxiproxy_api import HOST, ToxiproxyApi, ToxiproxyError

#: Where each store's fault proxy listens (docs/spec.md#robustness: ports 8620-8649).
FAULT_PORTS = {"s3": 8620, "http": 8621}


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


class Toxiproxy(ToxiproxyApi):
    """The shared API client, with the fault proxies' own verbs."""

    def create(self, proxy: FaultProxy) -> None:
        """Make ``proxy`` afresh (a leftover of the same name is removed first)."""
        self.delete(proxy)
        if not self.create_proxy(proxy.name, f"{HOST}:{proxy.port}", proxy.upstream):
            raise ToxiproxyError(f"toxiproxy could not listen on {HOST}:{proxy.port}")

    def delete(self, proxy: FaultProxy) -> None:
        """Remove ``proxy``; Toxiproxy closes its connections, so nothing stays held."""
        self.delete_proxy(proxy.name)


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

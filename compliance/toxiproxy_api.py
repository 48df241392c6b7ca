"""A small client of Toxiproxy's HTTP API: the robustness area's backend faults and the
benchmarks' emulated links (``bench.toxiproxy``) both drive Toxiproxy through it.

Toxiproxy (github.com/Shopify/toxiproxy, v2.5.0) is a TCP proxy whose *toxics* act on the bytes
it forwards: ``latency`` delays every chunk by whole milliseconds, ``bandwidth`` passes at most
``rate`` KB/s (1 KB = 1000 bytes), ``timeout``, ``reset_peer``, ``limit_data`` and ``slicer``
hold, reset, cut or split the stream. Each proxy has two streams, ``upstream`` (client ->
server) and ``downstream`` (server -> client); toxics on one stream run in the order added. The
API is plain JSON over HTTP on 127.0.0.1: ``POST /proxies {name, listen, upstream, enabled}``,
``POST /proxies/{name} {enabled}``, ``DELETE /proxies/{name}``, ``GET|POST
/proxies/{name}/toxics``, ``DELETE /proxies/{name}/toxics/{toxic}``.
"""

from __future__ import annotations

from typing import Any

import requests

HOST = "127.0.0.1"


class ToxiproxyError(RuntimeError):
    """Toxiproxy did not answer, or refused a call; the message is one line naming the call."""


class ToxiproxyApi:
    """Calls to one Toxiproxy server; every failure raises ``error`` (one line)."""

    #: What a failure raises; a user of this client may choose its own one-line error type.
    error: type[Exception] = ToxiproxyError

    def __init__(self, url: str, timeout: float = 15.0, agent: str = "activestorage") -> None:
        self.base = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = agent  # the API refuses browsers' agents

    def version(self) -> str | None:
        """Toxiproxy's version, or None when nothing answers at ``base``."""
        try:
            response = self.session.get(f"{self.base}/version", timeout=min(self.timeout, 2))
        except requests.RequestException:
            return None
        return response.text.strip() if response.status_code == 200 else None

    def alive(self) -> bool:
        return self.version() is not None

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        """One API call; a status outside 2xx (and ``ok``) is an error naming the call."""
        try:
            response = self.session.request(
                method, self.base + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as error:
            reason = type(error).__name__
            raise self.error(f"toxiproxy at {self.base} unreachable ({reason})") from None
        if response.status_code // 100 != 2 and response.status_code not in ok:
            detail = response.text.strip()[:200]
            raise self.error(f"toxiproxy {method} {path} answered {response.status_code}: {detail}")
        return response.json() if response.content and response.status_code // 100 == 2 else None

    def create_proxy(self, name: str, listen: str, upstream: str) -> bool:
        """Create a proxy; False (not an error) when its listen port is taken or the name exists."""
        body = {"name": name, "listen": listen, "upstream": upstream, "enabled": True}
        try:
            self.call("POST", "/proxies", body)
        except self.error as error:
            if " 409:" in str(error) or " 500:" in str(error):  # name exists / cannot listen
                return False
            raise
        return True

    def delete_proxy(self, name: str) -> None:
        """Remove a proxy (gone already is fine); Toxiproxy closes its connections."""
        self.call("DELETE", f"/proxies/{name}", ok=(404,))

    def set_enabled(self, name: str, enabled: bool) -> None:
        """A disabled proxy does not listen: connections to it are refused."""
        self.call("POST", f"/proxies/{name}", {"enabled": enabled})

    def add_toxic(self, name: str, toxic: dict[str, Any]) -> None:
        self.call("POST", f"/proxies/{name}/toxics", toxic)

    def clear_toxics(self, name: str) -> None:
        for toxic in self.call("GET", f"/proxies/{name}/toxics") or []:
            self.call("DELETE", f"/proxies/{name}/toxics/{toxic['name']}", ok=(404,))

    def set_toxics(self, name: str, toxics: list[dict[str, Any]]) -> None:
        """Replace every toxic of proxy ``name`` with ``toxics``, added in the order given."""
        self.clear_toxics(name)
        for toxic in toxics:
            self.add_toxic(name, toxic)

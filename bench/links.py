"""Emulated network links between a client and the servers, with Toxiproxy, and their check.

A benchmark on loopback hides what active storage saves: the bytes a slow link no longer carries.
Here a Toxiproxy proxy sits on each of the client's paths (to the active storage server, and to
the S3 store for the bypass baseline) and slows it to a named link's bandwidth and round-trip
time, while the server still reaches the stores directly, as in a data centre.

Use::

    from bench.links import PRESETS, emulated_links, http_probe

    upstreams = {"server": "http://127.0.0.1:8080", "s3": "http://127.0.0.1:9000"}
    with emulated_links(upstreams) as links:
        links.apply(PRESETS["home"])      # every proxy now behaves like a home link
        url = links.url("s3")             # e.g. http://127.0.0.1:8602: the client uses this
        check = links.check("s3", probe)  # measured vs configured: check.ok, check.problems()

Only the client's requests go through ``links.url(...)``: a request body that names an S3 URL
for the *server* to fetch keeps the direct URL. ``emulated_links`` uses a running Toxiproxy
(``scripts/local-stack.sh up --links``) or starts its own, and removes its proxies at the end.
The pieces: ``bench.linkspec`` (Link, PRESETS, parsing, toxics), ``bench.linkcheck`` (Probe,
LinkCheck), ``bench.toxiproxy`` (the API client and process); all re-exported here.
"""

from __future__ import annotations

import dataclasses
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

from bench.common import BenchmarkError
from bench.linkcheck import TOLERANCE, LinkCheck, Probe, big_bytes_for, http_probe, measure
from bench.linkspec import PRESETS, SOURCES, Link, parse_custom_link, parse_links, toxics_for
from bench.toxiproxy import HOST, ToxiproxyApi, connect

__all__ = [
    "PRESETS",
    "SOURCES",
    "TOLERANCE",
    "Link",
    "LinkCheck",
    "LinkSet",
    "Probe",
    "big_bytes_for",
    "emulated_links",
    "http_probe",
    "parse_custom_link",
    "parse_links",
]

#: The link ports (8620-8649 belong to fault proxies, 19000+ to SeaweedFS's gRPC).
FIRST_PORT, LAST_PORT = 8601, 8619
#: Rounds of bandwidth tuning in ``LinkSet.check``, and the largest correction allowed.
TUNING_ROUNDS, MAX_RATE_SCALE = 3, 2.0


class LinkSet:
    """One Toxiproxy proxy per upstream; ``apply`` gives them all the same link."""

    def __init__(self, api: ToxiproxyApi, upstreams: Mapping[str, str]) -> None:
        self.api = api
        self.direct: dict[str, str] = {name: url.rstrip("/") for name, url in upstreams.items()}
        self.proxies: dict[str, str] = {}  # upstream name -> toxiproxy proxy name
        self.urls: dict[str, str] = {}  # upstream name -> proxied URL
        self.link: Link | None = None  # the link applied last
        self.rate_scale = 1.0  # the bandwidth toxics' correction found by check()

    def url(self, name: str) -> str:
        """The URL that reaches upstream ``name`` through its link proxy (same scheme and path)."""
        return self.urls[name]

    def apply(self, link: Link) -> None:
        """Give every proxy ``link``'s toxics (``loopback``: none, a plain pass-through)."""
        self.rate_scale = 1.0
        self._set(link)

    def _set(self, link: Link) -> None:
        toxics = toxics_for(link, self.rate_scale)
        for proxy in self.proxies.values():
            self.api.set_toxics(proxy, toxics)
        self.link = link

    def check(
        self,
        name: str,
        probe: Probe,
        *,
        small_repeats: int = 15,
        big_repeats: int = 3,
        tune: bool = True,
    ) -> LinkCheck:
        """Measure the applied link on upstream ``name`` (LinkCheck says how and what passes).

        Costs ``small_repeats`` tiny requests each way and ``big_repeats`` + 1 downloads of
        ``probe.big``: size that object with ``big_bytes_for(link)``. With ``tune``, a measured
        bandwidth more than half the tolerance off rescales every proxy's bandwidth toxics and
        measures again (up to TUNING_ROUNDS times): Toxiproxy's bandwidth toxic does not count
        its own per-chunk work, so near 1 Gbit/s it passes ~10-25% less than asked, varying with
        the machine's load. The result carries the scale used; the correction stays in place
        until the next ``apply``.
        """
        if self.link is None:
            raise BenchmarkError("check() before apply(): no link is set")
        link, direct, linked = self.link, self.direct[name], self.urls[name]
        result = measure(link, name, probe, direct, linked, small=small_repeats, big=big_repeats)
        for _ in range(TUNING_ROUNDS if tune else 0):
            measured = result.bandwidth_mbit
            if measured is None or abs(measured / link.bandwidth_mbit - 1) <= TOLERANCE / 2:
                break
            scale = self.rate_scale * link.bandwidth_mbit / measured
            self.rate_scale = min(max(scale, 1 / MAX_RATE_SCALE), MAX_RATE_SCALE)
            self._set(link)
            result = measure(
                link, name, probe, direct, linked, small=small_repeats, big=big_repeats
            )
        return dataclasses.replace(result, rate_scale=self.rate_scale)

    def open(self, first_port: int, last_port: int, tag: str) -> None:
        """Create the proxies, each on the next port of first_port..last_port that is free."""
        ports = iter(range(first_port, last_port + 1))
        for name, url in self.direct.items():
            parts = urlsplit(url)
            if parts.hostname is None:
                raise BenchmarkError(f"upstream {name}: {url!r} names no host")
            default = 443 if parts.scheme == "https" else 80
            upstream = f"{parts.hostname}:{parts.port or default}"
            proxy = f"{tag}-{name}"
            self.api.delete_proxy(proxy)  # left behind by a run that was killed
            for port in ports:
                if self.api.create_proxy(proxy, f"{HOST}:{port}", upstream):
                    break
            else:
                raise BenchmarkError(f"no free link port in {first_port}..{last_port} for {name}")
            self.proxies[name] = proxy
            netloc = f"{HOST}:{port}"
            self.urls[name] = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    def close(self) -> None:
        """Remove this set's proxies (their toxics go with them)."""
        for proxy in self.proxies.values():
            self.api.delete_proxy(proxy)
        self.proxies.clear()


@contextmanager
def emulated_links(
    upstreams: Mapping[str, str],
    state_dir: Path | None = None,
    *,
    first_port: int = FIRST_PORT,
    last_port: int = LAST_PORT,
    tag: str | None = None,
) -> Iterator[LinkSet]:
    """Proxies to ``upstreams`` (name -> direct URL) on free ports in first_port..last_port.

    Uses the Toxiproxy on 127.0.0.1:8474 (ACTIVESTORAGE_TOXIPROXY_PORT) if one runs, else starts
    ``<state>/tools/toxiproxy-server-2.5.0`` (state: ``state_dir``, ACTIVESTORAGE_STACK_DIR or
    <repo>/.stack) and stops it at the end. Proxy names are ``{tag}-{name}`` (default tag
    ``link-<pid>``), so concurrent users do not collide. The proxies start as pass-throughs:
    call ``apply``. Every problem (no Toxiproxy, no free port) is a one-line BenchmarkError.
    """
    api, process = connect(state_dir)
    links = LinkSet(api, upstreams)
    try:
        links.open(first_port, last_port, tag or f"link-{os.getpid()}")
        yield links
    finally:
        try:
            links.close()
        finally:
            if process is not None:
                process.stop()

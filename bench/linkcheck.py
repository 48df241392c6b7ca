"""The check of an emulated link: a client's measured RTT and bandwidth against the configured.

The definitions are in ``LinkCheck``; ``measure`` does the timing through a ``Probe`` (the
requests to time, so the same code checks an S3 store, an HTTP store or a server).
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bench.linkspec import Link

#: How far a measured bandwidth or RTT may lie from the configured one and still pass.
TOLERANCE = 0.10
#: An RTT within this many ms always passes: Toxiproxy adds whole milliseconds only, and below
#: that the proxy's own hop (0.05-0.3 ms here, what the lan preset leaves as its RTT) and the
#: spread of one tiny request's time on a shared machine are of this order.
RTT_RESOLUTION_MS = 0.2


@dataclass(frozen=True)
class Probe:
    """How to exercise one path: ``small(base_url)`` makes one tiny request (its answer a few
    hundred bytes); ``big(base_url)`` downloads one known object and returns its byte count.

    Both get the base URL to use (direct or through the link), so the same request is timed
    both ways. ``http_probe`` makes one for plain HTTP URLs; the S3 benchmark signs its own.
    """

    small: Callable[[str], object]
    big: Callable[[str], int]


def http_probe(small_path: str, big_path: str, timeout: float = 60.0) -> Probe:
    """A Probe of plain GETs (one keep-alive session per base URL): ``base + small_path`` and
    ``base + big_path`` (the body of the latter counted)."""
    import requests

    sessions: dict[str, requests.Session] = {}

    def get(base: str, path: str) -> int:
        session = sessions.setdefault(base, requests.Session())
        return len(session.get(base + path, timeout=timeout).content)

    return Probe(small=lambda base: get(base, small_path), big=lambda base: get(base, big_path))


@dataclass(frozen=True)
class LinkCheck:
    """An emulated link measured: RTT and bandwidth as configured and as seen by a client.

    ``rtt_ms`` = median time of a tiny request through the link - median of the same request
    direct, the two interleaved (so the server's own time and drift in the load cancel).
    ``bandwidth_mbit`` = bytes of the big download * 8 / (its median time through the link -
    the tiny request's median through the link): the transfer alone, without the request's
    round trip. A figure passes within ``TOLERANCE`` (an RTT also within RTT_RESOLUTION_MS).
    ``rate_scale`` is the factor the bandwidth toxics' rate needed (see ``LinkSet.check``).
    """

    link: Link
    path: str  # the upstream checked, e.g. "s3"
    rtt_ms: float
    bandwidth_mbit: float | None  # None for loopback (nothing to compare with)
    big_bytes: int
    samples_s: dict[str, list[float]] = field(repr=False)
    rate_scale: float = 1.0

    @property
    def rtt_ok(self) -> bool:
        return within(self.rtt_ms, self.link.rtt_ms, floor=RTT_RESOLUTION_MS)

    @property
    def bandwidth_ok(self) -> bool:
        if math.isinf(self.link.bandwidth_mbit) or self.bandwidth_mbit is None:
            return True
        return within(self.bandwidth_mbit, self.link.bandwidth_mbit)

    @property
    def ok(self) -> bool:
        return self.rtt_ok and self.bandwidth_ok

    def problems(self) -> list[str]:
        """One line per figure off by more than the tolerance (empty when the link is right)."""
        out = []
        if not self.rtt_ok:
            out.append(
                f"{self.link.name}: RTT {self.rtt_ms:.2f} ms, configured {self.link.rtt_ms:g}"
            )
        if not self.bandwidth_ok:
            out.append(
                f"{self.link.name}: bandwidth {self.bandwidth_mbit:.1f} Mbit/s, "
                f"configured {self.link.bandwidth_mbit:g}"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "link": self.link.to_json(),
            "path": self.path,
            "measured_rtt_ms": self.rtt_ms,
            "measured_bandwidth_mbit": self.bandwidth_mbit,
            "big_bytes": self.big_bytes,
            "tolerance": TOLERANCE,
            "rtt_resolution_ms": RTT_RESOLUTION_MS,
            "toxic_rate_scale": self.rate_scale,
            "rtt_ok": self.rtt_ok,
            "bandwidth_ok": self.bandwidth_ok,
            "ok": self.ok,
            "samples_s": self.samples_s,
        }


def within(
    measured: float, configured: float, tolerance: float = TOLERANCE, floor: float = 0.0
) -> bool:
    """``measured`` lies within ``tolerance`` (a fraction) of ``configured``, or ``floor``."""
    return abs(measured - configured) <= max(tolerance * configured, floor)


def big_bytes_for(link: Link, seconds: float = 0.5) -> int:
    """A download size that lasts ``seconds`` on ``link`` (1..64 MB), so it dominates the RTT."""
    if math.isinf(link.bandwidth_mbit):
        return 16_000_000
    return int(min(max(link.bandwidth_mbit * 1e6 / 8 * seconds, 1e6), 64e6))


def measure(
    link: Link, path: str, probe: Probe, direct: str, linked: str, *, small: int, big: int
) -> LinkCheck:
    """Time ``probe`` direct and through the link (see LinkCheck); warm-ups are not timed."""
    probe.small(direct)
    probe.small(linked)
    samples: dict[str, list[float]] = {"small_direct": [], "small_link": []}
    for _ in range(small):  # interleaved, so a change of load hits both alike
        samples["small_direct"].append(_timed(probe.small, direct))
        samples["small_link"].append(_timed(probe.small, linked))
    nbytes = probe.big(linked)
    samples["big_link"] = [_timed(probe.big, linked) for _ in range(big)]
    small_link = statistics.median(samples["small_link"])
    rtt_ms = (small_link - statistics.median(samples["small_direct"])) * 1e3
    transfer = statistics.median(samples["big_link"]) - small_link
    bandwidth = nbytes * 8 / transfer / 1e6 if transfer > 0 else math.inf
    shown = None if link.unlimited else bandwidth
    return LinkCheck(link, path, rtt_ms, shown, nbytes, samples)


def _timed(call: Callable[[str], object], base: str) -> float:
    t0 = time.perf_counter()
    call(base)
    return time.perf_counter() - t0

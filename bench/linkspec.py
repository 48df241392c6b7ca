"""Network links as named figures: presets with their sources, parsing, and Toxiproxy toxics.

Pure, so the rules about what a user may type, and how a link becomes toxics, are unit-tested
offline. ``bench.links`` puts these links on real proxies.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    """A client's network path: bandwidth (Mbit/s, 1 Mbit = 10**6 bit) and round-trip time.

    ``bandwidth_mbit`` is ``math.inf`` and ``rtt_ms`` 0 for *loopback*: no toxics at all.
    """

    name: str
    bandwidth_mbit: float
    rtt_ms: float

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.bandwidth_mbit) and self.rtt_ms == 0

    def describe(self) -> str:
        """``50 Mbit/s, 20 ms RTT`` (``loopback, no emulation``)."""
        if self.unlimited:
            return "loopback, no emulation"
        return f"{self.bandwidth_mbit:g} Mbit/s, {self.rtt_ms:g} ms RTT"

    def to_json(self) -> dict[str, Any]:
        bandwidth = None if math.isinf(self.bandwidth_mbit) else self.bandwidth_mbit
        return {"name": self.name, "bandwidth_mbit": bandwidth, "rtt_ms": self.rtt_ms}


#: Named links and where their figures come from (the README's table repeats them).
PRESETS: dict[str, Link] = {
    "loopback": Link("loopback", math.inf, 0.0),
    "lan": Link("lan", 1000.0, 0.2),
    "campus": Link("campus", 200.0, 10.0),
    "home": Link("home", 50.0, 20.0),
    "remote": Link("remote", 100.0, 80.0),
}
SOURCES: dict[str, str] = {
    "loopback": "no proxy: the client talks to the servers directly on 127.0.0.1",
    "lan": "Gigabit Ethernet (IEEE 802.3 1000BASE-T), the common wired desktop link; a switched "
    "LAN's RTT is 0.1-0.5 ms: no latency toxic, the proxy's own hop (~0.1-0.3 ms) is the RTT",
    "campus": "a university desktop reaching a national data centre over Janet (Jisc): a "
    "multi-Gbit/s backbone, but one client's TCP stream shares the campus uplink (a few hundred "
    "Mbit/s); UK-wide RTTs are about 5-15 ms",
    "home": "Ofcom, UK Home Broadband Performance (March 2021 panel, published 2021): median "
    "download 50.4 Mbit/s; about 20 ms RTT to a UK data centre",
    "remote": "across the Atlantic (London - New York): about 70-80 ms RTT (5,570 km at 2/3 c "
    "is 56 ms at best); 100 Mbit/s for a good connection at either end",
}

_BANDWIDTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg])(?:bit(?:/s)?|bps)\s*$", re.IGNORECASE)
_RTT = re.compile(r"^\s*(\d+)\s*ms\s*$", re.IGNORECASE)
_BANDWIDTH_UNITS = {"k": 1e-3, "m": 1.0, "g": 1e3}


def parse_links(text: str) -> list[Link]:
    """``lan,home`` -> the presets named, in order, duplicates dropped; unknown names refused."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("no links given (presets: " + ", ".join(PRESETS) + ")")
    unknown = [name for name in names if name not in PRESETS]
    if unknown:
        raise ValueError(
            f"unknown link {unknown[0]!r}: presets are {', '.join(PRESETS)} "
            "(or --link BANDWIDTH,RTT, e.g. 50Mbit,20ms)"
        )
    return [PRESETS[name] for name in dict.fromkeys(names)]


def parse_custom_link(text: str) -> Link:
    """``50Mbit,20ms`` (also kbit/Gbit, ``Mbit/s``, ``Mbps``) -> a Link named ``50Mbit-20ms``.

    The RTT is whole milliseconds: Toxiproxy's latency toxic counts no finer.
    """
    bandwidth_text, sep, rtt_text = text.partition(",")
    bandwidth = _BANDWIDTH.match(bandwidth_text)
    if not sep or bandwidth is None:
        raise ValueError(f"expected BANDWIDTH,RTT such as 50Mbit,20ms, got {text!r}")
    rtt = _RTT.match(rtt_text)
    if rtt is None:
        raise ValueError(f"RTT {rtt_text.strip()!r} is not whole milliseconds such as 20ms")
    mbit = float(bandwidth.group(1)) * _BANDWIDTH_UNITS[bandwidth.group(2).lower()]
    rtt_ms = float(rtt.group(1))
    if not 0.1 <= mbit <= 10_000:
        raise ValueError(f"bandwidth {bandwidth_text.strip()!r} is outside 0.1 Mbit/s .. 10 Gbit/s")
    if rtt_ms > 2000:
        raise ValueError(f"RTT {rtt_text.strip()!r} is over 2000 ms")
    return Link(f"{mbit:g}Mbit-{rtt_ms:g}ms", mbit, rtt_ms)


def toxics_for(link: Link, rate_scale: float = 1.0) -> list[dict[str, Any]]:
    """The toxics that make a proxy behave like ``link``, in the order they must be added.

    Half the RTT as latency on each stream (whole ms, rounded; an odd millisecond goes
    downstream; under 1 ms none: the proxy's own hop, ~0.1-0.3 ms, is then the RTT), then the
    bandwidth on each stream, its rate multiplied by ``rate_scale`` (see ``LinkSet.check``).
    Latency first: Toxiproxy's latency toxic delays a chunk from the time it was *read*, so
    after a bandwidth toxic the queueing there would absorb it.
    """
    if link.unlimited:
        return []
    rtt = round(link.rtt_ms)
    latency = {"upstream": rtt // 2, "downstream": rtt - rtt // 2}
    toxics = [
        _toxic(f"{stream}-latency", "latency", stream, {"latency": ms, "jitter": 0})
        for stream, ms in latency.items()
        if ms > 0
    ]
    if not math.isinf(link.bandwidth_mbit):
        rate_kb = max(1, round(link.bandwidth_mbit * 125 * rate_scale))  # KB/s, 1 KB = 1000 B
        toxics += [
            _toxic(f"{stream}-bandwidth", "bandwidth", stream, {"rate": rate_kb})
            for stream in ("upstream", "downstream")
        ]
    return toxics


def _toxic(name: str, kind: str, stream: str, attributes: dict[str, int]) -> dict[str, Any]:
    return {"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes}

"""A free loopback port from a range, for servers a test starts itself."""

from __future__ import annotations

import socket
from typing import Iterable


def free_port(candidates: Iterable[int]) -> int:
    """The first port of ``candidates`` nothing listens on (another run may hold the others)."""
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {candidates}")

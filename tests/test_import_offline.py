"""Importing the package does no network work (docs/architecture.md#compliance: no work at import
time).

The import runs in a fresh interpreter whose socket module refuses every operation that reaches
the network (connect, send, name lookup, binding a non-loopback address). urllib3 probes IPv6
support at import time by binding a socket to ``::1``; that stays on the host and is allowed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GUARD = """
import socket

def refuse(what):
    def refused(*args, **kwargs):
        raise SystemExit(f"NETWORK DURING IMPORT: {what}{args[1:] if args else ''}")
    return refused

for name in ("connect", "connect_ex", "send", "sendall", "sendto", "sendmsg"):
    setattr(socket.socket, name, refuse("socket." + name))
for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, name, refuse(name))

local_bind = socket.socket.bind

def bind(self, address):
    if address[0] not in ("::1", "127.0.0.1", "localhost"):
        raise SystemExit(f"NETWORK DURING IMPORT: bind{address}")
    return local_bind(self, address)

socket.socket.bind = bind
"""

IMPORTS = "import compliance.config, compliance.client, compliance.storage, compliance.conftest"


def run_guarded(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", GUARD + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_importing_the_package_makes_no_network_call() -> None:
    done = run_guarded(IMPORTS + "\nprint('imported')")
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stdout.strip() == "imported"
    assert "NETWORK DURING IMPORT" not in done.stderr


def test_the_guard_catches_a_network_call() -> None:
    """Proof the guard works: a connection attempt after the imports is refused."""
    attempt = "\nimport requests\nrequests.get('http://192.0.2.1:9/', timeout=1)"
    done = run_guarded(IMPORTS + attempt)
    assert done.returncode != 0
    assert "NETWORK DURING IMPORT" in done.stderr + done.stdout

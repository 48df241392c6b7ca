"""The Toxiproxy server process for the benchmarks' links, when none runs, and the API client
with the benchmarks' one-line error (the client itself: ``compliance.toxiproxy_api``).

The API is on 127.0.0.1, port 8474 unless ACTIVESTORAGE_TOXIPROXY_PORT says otherwise
(scripts/run-toxiproxy.sh reads the same variable).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.common import BenchmarkError
from compliance.toxiproxy_api import HOST
from compliance.toxiproxy_api import ToxiproxyApi as SharedApi

#: The pinned release; the stack installs it as <state>/tools/toxiproxy-server-<version>.
TOXIPROXY_VERSION = "2.5.0"
DEFAULT_API_PORT = 8474
#: The repository's default state folder (the stack scripts' ``.stack``).
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[1] / ".stack"
INSTALL_HINT = "install it with: scripts/run-toxiproxy.sh --install (go install, about 40 s)"


def api_port() -> int:
    """The API port: ACTIVESTORAGE_TOXIPROXY_PORT, else 8474."""
    return int(os.environ.get("ACTIVESTORAGE_TOXIPROXY_PORT", DEFAULT_API_PORT))


def state_dir(given: Path | None = None) -> Path:
    """The stack's state folder: as given, else ACTIVESTORAGE_STACK_DIR, else <repo>/.stack."""
    if given is not None:
        return given
    return Path(os.environ.get("ACTIVESTORAGE_STACK_DIR") or DEFAULT_STATE_DIR)


def find_binary(state: Path) -> Path | None:
    """The versioned binary scripts/run-toxiproxy.sh installs (it checks the version), or None."""
    binary = state / "tools" / f"toxiproxy-server-{TOXIPROXY_VERSION}"
    return binary if os.access(binary, os.X_OK) else None


class ToxiproxyApi(SharedApi):
    """The shared API client on 127.0.0.1:``port``; every failure is a one-line BenchmarkError."""

    error = BenchmarkError

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        super().__init__(f"http://{HOST}:{port}", timeout, agent="activestorage-bench")


class ToxiproxyProcess:
    """A Toxiproxy server this process started (bound to 127.0.0.1), stopped by its own PID."""

    def __init__(self, binary: Path, port: int, log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [str(binary), "-host", HOST, "-port", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches the benchmark, which stops it
            )

    def wait_ready(self, api: ToxiproxyApi, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not api.alive():
            if self.process.poll() is not None:
                raise BenchmarkError(
                    f"toxiproxy exited on start (exit {self.process.returncode}; see {self.log})"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise BenchmarkError(f"toxiproxy did not answer within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def connect(state: Path | None = None) -> tuple[ToxiproxyApi, ToxiproxyProcess | None]:
    """A running Toxiproxy (e.g. the stack's, ``up --links``), else one started here.

    The second value is the process this call started (stop it when done), or None.
    """
    port = api_port()
    api = ToxiproxyApi(port)
    if api.alive():
        return api, None
    folder = state_dir(state)
    binary = find_binary(folder)
    if binary is None:
        raise BenchmarkError(
            f"toxiproxy is not running on {HOST}:{port} and not installed in {folder}/tools; "
            + INSTALL_HINT
        )
    process = ToxiproxyProcess(binary, port, folder / "logs" / "toxiproxy-bench.log")
    process.wait_ready(api)
    return api, process

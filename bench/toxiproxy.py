"""A small client of Toxiproxy's HTTP API, and the Toxiproxy server process when none runs.

Toxiproxy (github.com/Shopify/toxiproxy, v2.5.0) is a TCP proxy whose *toxics* slow the bytes it
forwards: ``latency`` delays every chunk by whole milliseconds, ``bandwidth`` passes at most
``rate`` KB/s (1 KB = 1000 bytes). Each proxy has two streams: ``upstream`` (client -> server)
and ``downstream`` (server -> client). Toxics on one stream run in the order they were added.

The API is plain JSON over HTTP on 127.0.0.1, port 8474 unless ACTIVESTORAGE_TOXIPROXY_PORT says
otherwise (scripts/run-toxiproxy.sh reads the same variable): ``POST /proxies {name, listen,
upstream}``, ``DELETE /proxies/{name}``, ``POST /proxies/{name}/toxics {name, type, stream,
toxicity, attributes}``, ``DELETE /proxies/{name}/toxics/{toxic}``.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import BenchmarkError

#: The pinned release; the stack installs it as <state>/tools/toxiproxy-server-<version>.
TOXIPROXY_VERSION = "2.5.0"
DEFAULT_API_PORT = 8474
HOST = "127.0.0.1"
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


class ToxiproxyApi:
    """Calls to one Toxiproxy server; every failure is a one-line BenchmarkError."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.base = f"http://{HOST}:{port}"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "activestorage-bench"  # the API refuses browsers

    def alive(self) -> bool:
        """True when a Toxiproxy answers /version."""
        try:
            return self.session.get(f"{self.base}/version", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        """One API call; a status outside 2xx (and ``ok``) is an error naming the call."""
        try:
            response = self.session.request(
                method, self.base + path, json=body, timeout=self.timeout
            )
        except requests.RequestException as error:
            reason = type(error).__name__
            raise BenchmarkError(f"toxiproxy at {self.base} unreachable ({reason})") from None
        if response.status_code // 100 != 2 and response.status_code not in ok:
            detail = response.text.strip()[:200]
            raise BenchmarkError(
                f"toxiproxy {method} {path} answered {response.status_code}: {detail}"
            )
        return response.json() if response.content else None

    def create_proxy(self, name: str, listen: str, upstream: str) -> bool:
        """Create a proxy; False (not an error) when its listen port is taken or name exists."""
        body = {"name": name, "listen": listen, "upstream": upstream, "enabled": True}
        try:
            self.call("POST", "/proxies", body)
        except BenchmarkError as error:
            if " 409:" in str(error) or " 500:" in str(error):  # name exists / cannot listen
                return False
            raise
        return True

    def delete_proxy(self, name: str) -> None:
        self.call("DELETE", f"/proxies/{name}", ok=(404,))

    def set_toxics(self, proxy: str, toxics: list[dict[str, Any]]) -> None:
        """Replace every toxic of ``proxy`` with ``toxics``, added in the order given."""
        for toxic in self.call("GET", f"/proxies/{proxy}/toxics") or []:
            self.call("DELETE", f"/proxies/{proxy}/toxics/{toxic['name']}", ok=(404,))
        for toxic in toxics:
            self.call("POST", f"/proxies/{proxy}/toxics", toxic)


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

"""The two ways the client gets a reduction of its field, timed as the user sees them.

* **plain**: download the whole netCDF4 file over the S3 link in one GET, open it in memory with
  pyfive and reduce the variable with numpy (float64 accumulation);
* **server**: open the file's metadata over the same link (s3fs + pyfive, ``open_block_size``
  blocks), then let PyActiveStorage (API v2) send one request per chunk through the server link;
  the server fetches the chunks from S3 directly.

Why one GET for plain: Toxiproxy limits the bandwidth of each *connection*, and pyfive reads a
remote variable with fsspec's ``cat_ranges`` (many ranged GETs on up to 10 connections), which
would get several times the emulated link's bandwidth. One GET is the fastest a plain user can
read a bandwidth-bound link, and the one the emulation models correctly (``max_concurrency=1``:
s3fs would otherwise split a big GET into concurrent ranges too).

Why a small block for the metadata: s3fs's default block (50 MiB) makes opening the file read
50-78 MB of it over the link (9-13 s on ``home``) before the first chunk request; that cost
belongs to the file system's defaults, not to active storage. ``--open-block-size`` sets it.

Both times include opening the file, because both users must. Every answer is compared with the
exact answer on the local file (``client_field.answer_problem``); a wrong one stops the run.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bench.client_field import NCVAR, Field, answer_problem
from bench.common import BenchmarkError
from bench.runner import Sample
from compliance.pyactive import reduce_with_client

PLAIN = "plain"
SERVER = "server"


@dataclass(frozen=True)
class Route:
    """Where the client sends its traffic on one link, and where the server fetches from."""

    link: str
    s3_url: str  # the S3 store as the client reaches it (through the link)
    server_url: str  # the active storage server as the client reaches it
    direct_s3_url: str  # the S3 store as the server reaches it (the data centre)


def numpy_reduction(operation: str, array: np.ndarray) -> float:
    """The plain user's reduction of the downloaded variable (float64 accumulation)."""
    if operation == "sum":
        return float(np.sum(array, dtype=np.float64))
    if operation == "mean":
        return float(np.mean(array, dtype=np.float64))
    if operation == "min":
        return float(np.min(array))
    if operation == "max":
        return float(np.max(array))
    raise ValueError(f"unknown operation {operation!r}")


class Client:
    """The client's S3 file systems (one per URL, so connections persist across repeats)."""

    def __init__(self, auth: tuple[str, str], timeout: float, open_block_size: int) -> None:
        self.auth = auth
        self.timeout = timeout
        self.open_block_size = open_block_size
        self._filesystems: dict[str, Any] = {}

    def filesystem(self, url: str) -> Any:
        if url not in self._filesystems:
            import s3fs  # type: ignore[import-untyped]

            self._filesystems[url] = s3fs.S3FileSystem(
                key=self.auth[0],
                secret=self.auth[1],
                client_kwargs={"endpoint_url": url},
                config_kwargs={"connect_timeout": self.timeout, "read_timeout": self.timeout},
                skip_instance_cache=True,
            )
        return self._filesystems[url]

    def open_variable(self, url: str, path: str) -> Any:
        """The field's variable as a pyfive Dataset, its metadata read over ``url``."""
        import pyfive  # type: ignore[import-untyped]

        handle = self.filesystem(url).open(path, "rb", block_size=self.open_block_size)
        return pyfive.File(handle)[NCVAR]

    def time_plain(self, route: Route, field: Field, path: str, operation: str) -> Sample:
        """Download the whole file over the link, reduce the variable locally; answer checked."""
        import pyfive

        t0 = time.perf_counter()
        filesystem = self.filesystem(route.s3_url)
        blob = _guarded(route, PLAIN, lambda: filesystem.cat_file(path, max_concurrency=1))
        t1 = time.perf_counter()
        data = pyfive.File(io.BytesIO(blob))[NCVAR][...]
        t2 = time.perf_counter()
        value = numpy_reduction(operation, data)
        t3 = time.perf_counter()
        _check(route, PLAIN, operation, field, value)
        return Sample(t3 - t0, {"download": t1 - t0, "decode": t2 - t1, "reduce": t3 - t2})

    def time_server(
        self, route: Route, field: Field, path: str, operation: str, max_threads: int
    ) -> Sample:
        """PyActiveStorage through the server link, metadata over the S3 link; answer checked."""
        name = f"{SERVER} (max_threads={max_threads})"
        t0 = time.perf_counter()
        variable = _guarded(route, name, lambda: self.open_variable(route.s3_url, path))
        t1 = time.perf_counter()
        value = _guarded(
            route,
            name,
            lambda: reduce_with_client(
                dataset=variable,
                ncvar=NCVAR,
                server_url=route.server_url,
                s3_url=route.direct_s3_url,
                auth=self.auth,
                operation=operation,
                index=(slice(None),) * 3,
                max_threads=max_threads,
            ),
        )
        t2 = time.perf_counter()
        _check(route, name, operation, field, value)
        return Sample(t2 - t0, {"open": t1 - t0, "reduce": t2 - t1})


def _guarded(route: Route, name: str, call: Callable[[], Any]) -> Any:
    """``call()``, its network and server failures turned into one-line BenchmarkErrors."""
    import requests
    from activestorage.reductionist import ReductionistError  # type: ignore[import-untyped]
    from botocore.exceptions import BotoCoreError

    try:
        return call()
    except (OSError, BotoCoreError, requests.RequestException, ReductionistError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        where = f"S3 {route.s3_url}, server {route.server_url}"
        raise BenchmarkError(
            f"{name} over {route.link} failed ({where}): {type(error).__name__}: {first[:300]}"
        ) from None


def _check(route: Route, name: str, operation: str, field: Field, value: Any) -> None:
    problem = answer_problem(operation, field, value)
    if problem is not None:
        raise BenchmarkError(
            f"WRONG ANSWER: {name} over {route.link} gave {operation} of the {field.layout.name} "
            f"field as {problem} (exact answer from the local file)"
        )

"""The client's field: its two chunk layouts, scaled to this machine, written with netCDF4.

The published experiments reduced a 786 MB float32 field stored as 64 chunks of 12.3 MB, and a
field of 340 chunks of 0.23 MB, on object storage. Here the links are emulated on loopback on a
2-core machine and a run must finish in minutes, so the layouts are scaled (see ``LAYOUTS``):

* **large**: the chunk *count* (64) and the request pattern (one request per chunk) are kept; the
  chunk size is scaled so that reading the whole field over the ``home`` link takes about
  ``HOME_PLAIN_SECONDS`` (tens of seconds instead of the published 125 s). The chunk is a whole
  number of 240 x 240 tiles in time, never more than the published 12.3 MB.
* **small**: kept at the published chunk size (one 240 x 240 tile, 0.23 MB) and count (340),
  because its point is the per-request latency, which scaling the size would hide.
* **smoke**: 8 chunks of 16 KB, for CI.

The values are small integers (0..3, mostly 0) stored as float32, chosen so that the sum of the
whole field stays below 2**24: every partial sum, in any order (the server's per-chunk sums, the
client's sum of those, numpy's pairwise sum), is then an exactly representable integer, and the
answers of both paths are compared with numpy's (float64) answer on the local file with no
tolerance. The chunks are uncompressed, as in the published field (786 MB / 64 = 12.3 MB), so
the values do not change what is timed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import BenchmarkError

#: Elements of one chunk's spatial tile (y, x): 240 x 240 float32 = 230.4 kB, the published
#: small chunk.
TILE = (240, 240)
ITEMSIZE = 4  # float32
NCVAR = "field"
DIMENSIONS = ("time", "y", "x")
#: The field's sum is kept near this (and checked to stay within EXACT_LIMIT), see the docstring.
TARGET_SUM = 2**22
EXACT_LIMIT = 2**24
#: The published large chunk; the scaled one never exceeds it.
PUBLISHED_LARGE_CHUNK_BYTES = 12_300_000
#: How long reading the whole large field over the ``home`` link should take.
HOME_PLAIN_SECONDS = 20.0
#: Operations PyActiveStorage offers (``mean`` is sent to the server as ``sum``).
OPERATIONS = ("mean", "sum", "min", "max")


@dataclass(frozen=True)
class Published:
    """One row of the client's published table (seconds; None where not published)."""

    layout: str
    link: str
    chunks: int
    chunk_mb: float
    plain_s: float | None
    server_s: float | None
    speedup: float


PUBLISHED = (
    Published("large", "home", 64, 12.3, 125.0, 7.2, 17.0),
    Published("large", "university", 64, 12.3, 48.0, 6.9, 7.0),
    Published("small", "home", 340, 0.23, None, None, 4.4),
    Published("small", "university", 340, 0.23, None, None, 3.9),
)


@dataclass(frozen=True)
class Layout:
    """A field's shape as a grid of equal chunks, (time, y, x)."""

    name: str
    grid: tuple[int, int, int]  # chunks along each dimension
    chunk: tuple[int, int, int]  # elements of one chunk along each dimension

    @property
    def shape(self) -> tuple[int, int, int]:
        g, c = self.grid, self.chunk
        return (g[0] * c[0], g[1] * c[1], g[2] * c[2])

    @property
    def nchunks(self) -> int:
        return math.prod(self.grid)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def chunk_bytes(self) -> int:
        return math.prod(self.chunk) * ITEMSIZE

    @property
    def field_bytes(self) -> int:
        return self.elements * ITEMSIZE

    def describe(self) -> str:
        return (
            f"{self.name}: {self.nchunks} chunks of {self.chunk_bytes / 1e6:.3g} MB "
            f"= {self.field_bytes / 1e6:.4g} MB, shape {self.shape}, chunk {self.chunk}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "chunk": list(self.chunk),
            "nchunks": self.nchunks,
            "chunk_bytes": self.chunk_bytes,
            "field_bytes": self.field_bytes,
        }


def time_steps_per_chunk(seconds: float, bandwidth_mbit: float, nchunks: int) -> int:
    """Tiles per chunk so that ``nchunks`` chunks take ``seconds`` over ``bandwidth_mbit``.

    At least one tile; at most the published large chunk.
    """
    field_bytes = seconds * bandwidth_mbit * 1e6 / 8
    tile_bytes = TILE[0] * TILE[1] * ITEMSIZE
    steps = round(field_bytes / nchunks / tile_bytes)
    return max(1, min(steps, PUBLISHED_LARGE_CHUNK_BYTES // tile_bytes))


def scaled_layouts(home_bandwidth_mbit: float, home_seconds: float = HOME_PLAIN_SECONDS) -> dict:
    """The large and small layouts for a ``home`` link of the given bandwidth (docstring above)."""
    steps = time_steps_per_chunk(home_seconds, home_bandwidth_mbit, 64)
    return {
        "large": Layout("large", (4, 4, 4), (steps, *TILE)),
        "small": Layout("small", (17, 4, 5), (1, *TILE)),
    }


SMOKE = Layout("smoke", (2, 2, 2), (1, 64, 64))


@dataclass(frozen=True)
class Field:
    """A written field file and the exact answers numpy gives on it."""

    layout: Layout
    path: Path
    digest: str  # sha256 of the file's bytes
    answers: dict[str, float]  # operation -> exact value (float64)


def divisor_for(elements: int) -> int:
    """The field's values are ``v`` in 0..divisor-1 with v > 3 set to 0: mean 6 / divisor.

    Chosen so that the expected sum is about TARGET_SUM, and at least 4 (values 0..3).
    """
    return max(4, math.ceil(6 * elements / TARGET_SUM))


def slab_values(layout: Layout, slab: int, divisor: int, seed: int) -> np.ndarray:
    """One row of chunks along time: deterministic small integers as float32."""
    rng = np.random.default_rng([seed, layout.nchunks, slab])
    shape = (layout.chunk[0], *layout.shape[1:])
    values = rng.integers(0, divisor, size=shape, dtype=np.uint16)
    values[values > 3] = 0
    return values.astype(np.float32)


def exact_answers(array: np.ndarray) -> dict[str, float]:
    """Every operation's exact answer; the field must sum below EXACT_LIMIT (see docstring)."""
    total = float(np.sum(array, dtype=np.float64))
    if float(np.max(array)) > 3 or float(np.min(array)) < 0 or total >= EXACT_LIMIT:
        raise BenchmarkError(f"field sum {total:.0f} is not exact in float32 (limit 2**24)")
    return {
        "sum": total,
        "mean": total / array.size,
        "min": float(np.min(array)),
        "max": float(np.max(array)),
    }


def write_field(layout: Layout, path: Path, seed: int = 12) -> Field:
    """Write the field with netCDF4 (uncompressed float32 chunks, no fill value); read it back
    locally for the exact answers."""
    import netCDF4

    divisor = divisor_for(layout.elements)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        for name, size in zip(DIMENSIONS, layout.shape):
            ds.createDimension(name, size)
        var = ds.createVariable(NCVAR, "f4", DIMENSIONS, chunksizes=layout.chunk, fill_value=False)
        var.units = "1"
        var.long_name = "client workload benchmark field (small integers)"
        steps = layout.chunk[0]
        for slab in range(layout.grid[0]):
            var[slab * steps : (slab + 1) * steps] = slab_values(layout, slab, divisor, seed)
    with netCDF4.Dataset(path, "r") as ds:
        ds.set_auto_mask(False)
        answers = exact_answers(np.asarray(ds[NCVAR][:]))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Field(layout, path, digest, answers)


def answer_problem(operation: str, field: Field, got: Any) -> str | None:
    """Why ``got`` is not the exact answer (one value, any shape of size 1), or None."""
    values = np.ma.getdata(np.asarray(got))
    masked = np.ma.getmaskarray(got) if np.ma.isMaskedArray(got) else np.zeros(values.shape, bool)
    want = field.answers[operation]
    if values.size != 1:
        return f"{values.size} values (shape {values.shape}) instead of one"
    if bool(masked.ravel()[0]):
        return "a masked value"
    value = float(values.ravel()[0])
    if value != want:
        return f"{value!r} != {want!r}"
    return None

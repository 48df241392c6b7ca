"""What the field's client should answer, and the two checks of the `clients` area
(docs/spec.md#clients).

1. The server's answer to each request the client sent, against the suite's own oracle for that
   request (the chunk decoded from the local file without the server): a wrong answer here is
   the server's, reported as a SpecDifference with its curl like any other.
2. The client's final answer against netCDF4 + NumPy on the local file (``expected_answer``):
   masked where netCDF4 masks, reduced with NumPy's masked reductions, the reduced axes kept
   as the client keeps them. A difference here, with every server answer right, is the
   client's (``ClientDiffers``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

from .checks import values_differ, fail_on, result_differences
from .client import HttpExchange, parse_response
from .data import missing_mask
from .netcdf_files import decode_chunk
from .oracle import AXIS_ABSENT, expected_result, normalise_axes, select
from .profiles import Profile


class ClientDiffers(AssertionError):
    """The client's answer differs from netCDF4 + NumPy (or the client raised) while the
    server answered every request it was sent as the spec says."""


def server_differences(
    exchange: HttpExchange, stored: bytes, profile: Profile, tolerant: bool = False
) -> tuple[list[str], Any]:
    """How the server's answer to one of the client's requests departs from the spec.

    ``tolerant``: the data are realistic floats, so a sum is held to sum_tolerance, not exactly.
    """
    request = json.loads(exchange.body)
    operation = exchange.url.rstrip("/").rsplit("/", 1)[-1]
    offset, size = request["offset"], request["size"]
    chunk = decode_chunk(stored[offset : offset + size], request)
    expected = expected_result(
        operation,
        chunk,
        profile,
        selection=request.get("selection"),
        axis=request.get("axis", AXIS_ABSENT),
        order=request.get("order", "C"),
        missing=request.get("missing"),
    )
    if tolerant and operation == "sum" and chunk.dtype.kind == "f":
        selected = select(chunk, request.get("selection"))
        holes = missing_mask(selected, request.get("missing"))
        axes = normalise_axes(request.get("axis", AXIS_ABSENT), selected.ndim)
        bound = sum_tolerance(np.ma.masked_array(selected, holes), axes)
        expected = dataclasses.replace(expected, tolerance=bound)
    result = parse_response("v2", exchange)
    return result_differences(expected, result, profile), result


def assert_server_right(
    exchanges: list[HttpExchange], stored: bytes, profile: Profile, tolerant: bool = False
) -> None:
    """Fail (SpecDifference, with a curl) on the first of the client's requests the server got
    wrong."""
    __tracebackhide__ = True
    for exchange in exchanges:
        differences, result = server_differences(exchange, stored, profile, tolerant)
        fail_on(differences, result)


@functools.lru_cache(maxsize=32)
def _variable(path: Path, name: str) -> np.ma.MaskedArray:
    """The whole variable as netCDF4 reads it (masked by its attributes), read once: the file
    is small, and opening it for each case was a seventh of the area's time. Read-only."""
    import netCDF4

    with netCDF4.Dataset(path) as dataset:
        whole = np.ma.masked_array(dataset[name][:])
    whole.data.flags.writeable = False
    np.ma.getmaskarray(whole).flags.writeable = False
    return whole


def expected_answer(
    path: Path, name: str, operation: str | None, index: tuple[Any, ...], axis: tuple[int, ...]
) -> tuple[np.ma.MaskedArray, np.ndarray]:
    """netCDF4 + NumPy on the local file: the masked answer (reduced axes kept) and the number
    of valid elements behind each value.

    A mean is NumPy's masked mean in float64, the precision the client's sum / count has.
    """
    stored = np.ma.masked_array(_variable(path, name)[index])
    data = np.ma.masked_array(stored, dtype=stored.dtype.newbyteorder("="))
    if operation is None:
        return data, (~np.ma.getmaskarray(data)).astype(np.int64)
    count = np.ma.count(data, axis=axis, keepdims=True)
    if operation == "mean":
        value = np.ma.mean(data, axis=axis, keepdims=True, dtype=np.float64)
    else:
        value = getattr(np.ma, operation)(data, axis=axis, keepdims=True)
    return np.ma.masked_array(value, mask=np.ma.getmaskarray(value)), np.asarray(count)


def sum_tolerance(data: np.ndarray, axis: tuple[int, ...]) -> float:
    """The bound on a sum of realistic floats computed in another order (docs/spec.md#clients):
    each of the n - 1 additions errs by at most eps times the running magnitude, so
    |error| <= (n - 1) * eps * sum(|x|), per cell; the largest cell's bound is returned."""
    eps = float(np.finfo(data.dtype).eps)
    n = int(np.prod([data.shape[a] for a in axis]))
    magnitude = np.abs(np.ma.filled(data.astype(np.float64), 0)).sum(axis=axis)
    return max(n - 1, 0) * eps * float(np.max(magnitude, initial=0.0))


def answer_differences(
    expected: np.ma.MaskedArray, actual: Any, tolerance: float = 0.0
) -> list[str]:
    """Every way the client's answer departs from netCDF4 + NumPy: shape, dtype (byte order
    aside), mask, then the values where both hold data (exactly, unless ``tolerance``)."""
    got = np.ma.masked_array(actual)
    if got.shape != expected.shape:
        return [f"client answer has shape {got.shape}, netCDF4 + NumPy {expected.shape}"]
    diffs = []
    if got.dtype.newbyteorder("=") != expected.dtype.newbyteorder("="):
        diffs.append(f"client answer dtype {got.dtype} != {expected.dtype}")
    want, have = np.ma.getmaskarray(expected), np.ma.getmaskarray(got)
    if (want != have).any():
        first = tuple(int(i) for i in np.argwhere(want != have)[0])
        diffs.append(
            f"mask differs at {int((want != have).sum())} of {want.size} positions; first at "
            f"{first}: client {'masked' if have[first] else got.data[first]!r}, netCDF4 "
            f"{'masked' if want[first] else expected.data[first]!r}"
        )
    both = want | have
    value_diff = values_differ(
        np.where(both, 0, expected.data).astype(expected.dtype.newbyteorder("=")),
        np.where(both, 0, got.data).astype(expected.dtype.newbyteorder("=")),
        tolerance,
    )
    if value_diff:
        diffs.append(value_diff)
    return diffs


def assert_answer(expected: np.ma.MaskedArray, actual: Any, tolerance: float = 0.0) -> None:
    """Raise ClientDiffers listing every difference of the client's answer."""
    __tracebackhide__ = True
    diffs = answer_differences(expected, actual, tolerance)
    if diffs:
        listed = "\n".join(f"  - {d}" for d in diffs)
        raise ClientDiffers(f"the client's answer differs from netCDF4 + NumPy:\n{listed}")

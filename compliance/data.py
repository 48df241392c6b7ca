"""Deterministic test arrays, missing-data holes, and the stored-object byte pipeline.

Float data are small multiples of a power of two, bounded so that any partial sum is exactly
representable: sums then come out the same in any order, and results compare exactly. Integer data
are bounded so a sum cannot overflow unless a test asks for it (``kind="overflow"``).

The object pipeline mirrors what the server undoes, in this order:
byte order -> filters (in list order) -> compression -> leading and trailing padding bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Sequence

import numpy as np

DataKind = Literal["exact", "positive", "random", "overflow"]

#: Float data are multiples of this step (a power of two, so exactly representable).
FLOAT_STEP = 0.25
#: Upper bound on |value| / step for exact data, before the element-count bound applies.
EXACT_MAGNITUDE = 1 << 7
#: Integer magnitudes that exceed 32 bits for 64-bit dtypes, so a 32-bit server path shows.
WIDE_INT_MAGNITUDE = 1 << 40


def seed_for(*parts: Any) -> int:
    """A stable 64-bit seed from a test's parameters, so a failing case reproduces exactly."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def own_values(owner: str, dtype: str, shape: Sequence[int], part: int = 0) -> tuple[Any, ...]:
    """Exact data seeded by ``owner`` (a test's id), so no other test stores the same object.

    A chunk cache answers by what was read before (docs/spec.md#chunk-cache): a test whose
    answer must be the cold one, whatever ran earlier, reads an object only it stores.
    """
    seed = seed_for("own", owner, part)
    return tuple(make_array(dtype, shape, seed).ravel().tolist())


def _exact_bound(dtype: np.dtype, count: int) -> int:
    """Largest |k| such that summing ``count`` values k*step (or k) stays exact / in range."""
    count = max(count, 1)
    if dtype.kind == "f":
        mantissa_bits = np.finfo(dtype).nmant + 1
        headroom = (1 << (mantissa_bits - 1)) // count
        return max(1, min(EXACT_MAGNITUDE, headroom))
    info = np.iinfo(dtype)
    base = WIDE_INT_MAGNITUDE if dtype.itemsize == 8 else 1 << 20
    return max(1, min(base, int(info.max) // count))


def make_array(dtype: str, shape: Sequence[int], seed: int, kind: DataKind = "exact") -> np.ndarray:
    """A C-ordered array of ``shape`` with deterministic values of the given kind.

    exact: signed (for signed dtypes) values whose sums are exact and cannot overflow.
    positive: like exact but every value is >= 1 step, leaving room below for missing-data holes.
    random: realistic floats (normal distribution) for the tolerance test; ints as for exact.
    overflow: integers near the dtype's maximum, so a sum in the dtype wraps around.
    """
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(seed)
    if kind == "overflow":
        if dt.kind == "f":
            raise ValueError("overflow data is for integer dtypes")
        top = int(np.iinfo(dt).max)
        values = rng.integers(top // 2, top, size=n, dtype=dt, endpoint=True)
        return values.reshape(shape)
    if kind == "random" and dt.kind == "f":
        return rng.normal(0.0, 1000.0, size=n).astype(dt).reshape(shape)
    bound = _exact_bound(dt, n)
    low = 1 if kind == "positive" or dt.kind == "u" else -bound
    ks = rng.integers(low, bound, size=n, endpoint=True)
    if dt.kind == "f":
        return (ks * FLOAT_STEP).astype(dt).reshape(shape)
    return ks.astype(dt).reshape(shape)


def value_step(dtype: str) -> float | int:
    """The spacing of exact data values: FLOAT_STEP for floats, 1 for integers."""
    return FLOAT_STEP if np.dtype(dtype).kind == "f" else 1


def _json_number(dtype: np.dtype, value: float) -> int | float:
    """A value as the JSON number a request carries: an integer literal for integer dtypes."""
    return float(value) if dtype.kind == "f" else int(value)


def add_missing(
    array: np.ndarray, form: str, seed: int, all_missing: bool = False
) -> tuple[np.ndarray, dict[str, Any]]:
    """Punch holes of the given missing-data form into ``positive`` data.

    Returns the new array and the request's ``missing`` descriptor. About a quarter of the
    elements become holes (all of them with ``all_missing``); boundary values of valid_min,
    valid_max and valid_range are planted as valid data, so inclusive bounds are checked.
    """
    dt = array.dtype
    step = value_step(dt.name)
    flat = array.reshape(-1).copy()
    n = flat.size
    rng = np.random.default_rng(seed)
    holes = np.ones(n, bool) if all_missing else rng.random(n) < 0.25
    data_max = float(flat.max()) if n else step
    low, high = step, max(data_max, 2 * step)  # valid data lie in [low, high]
    above = high + step
    below = 0
    descriptor: dict[str, Any]
    if form == "missing_value":
        fill = np.full(n, above)
        descriptor = {"missing_value": _json_number(dt, above)}
    elif form == "missing_values":
        fill = np.where(rng.random(n) < 0.5, above, above + step)
        descriptor = {"missing_values": [_json_number(dt, above), _json_number(dt, above + step)]}
    elif form == "valid_min":
        fill = np.full(n, below)
        descriptor = {"valid_min": _json_number(dt, low)}
    elif form == "valid_max":
        fill = np.full(n, above)
        descriptor = {"valid_max": _json_number(dt, high)}
    elif form == "valid_range":
        fill = np.where(rng.random(n) < 0.5, below, above)
        descriptor = {"valid_range": [_json_number(dt, low), _json_number(dt, high)]}
    else:
        raise ValueError(f"unknown missing-data form {form!r}")
    if form in ("valid_min", "valid_max", "valid_range") and not all_missing and n >= 4:
        flat[0], flat[1] = low, high  # inclusive bounds are valid data
        holes[:2] = False
    flat[holes] = fill[holes].astype(dt)
    return flat.reshape(array.shape), descriptor


def missing_mask(array: np.ndarray, descriptor: dict[str, Any] | None) -> np.ndarray:
    """Which elements the server must treat as missing, by the spec's definitions (§2.3)."""
    if not descriptor:
        return np.zeros(array.shape, bool)
    ((form, value),) = descriptor.items()
    as_dtype = np.asarray  # values compare after conversion to the array's dtype
    if form == "missing_value":
        return array == as_dtype(value, dtype=array.dtype)
    if form == "missing_values":
        mask = np.zeros(array.shape, bool)
        for v in value:
            mask |= array == as_dtype(v, dtype=array.dtype)
        return mask
    if form == "valid_min":
        return array < as_dtype(value, dtype=array.dtype)
    if form == "valid_max":
        return array > as_dtype(value, dtype=array.dtype)
    if form == "valid_range":
        lo, hi = (as_dtype(v, dtype=array.dtype) for v in value)
        return (array < lo) | (array > hi)
    raise ValueError(f"unknown missing-data form {form!r}")


# --- the stored-object byte pipeline -------------------------------------------------------------


def shuffle_bytes(data: bytes, element_size: int) -> bytes:
    """Byte-shuffle: all first bytes of each element, then all second bytes, ... (HDF5 shuffle).

    A trailing remainder shorter than one element is kept as it is, as numcodecs does.
    """
    if element_size <= 1:
        return data
    whole = len(data) - len(data) % element_size
    grid = np.frombuffer(data[:whole], dtype=np.uint8).reshape(-1, element_size)
    return grid.T.tobytes() + data[whole:]


def compress(data: bytes, compression: str | None, typesize: int) -> bytes:
    """Compress as a server's compression id expects it."""
    if compression is None:
        return data
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zlib":
        return zlib.compress(data)
    if compression == "blosc2":
        import blosc2  # imported lazily: optional and slow to import

        return bytes(blosc2.compress2(data, typesize=typesize))
    raise ValueError(f"unknown compression id {compression!r}")


@dataclass(frozen=True)
class EncodedObject:
    """The bytes to store and the request fields that locate the array inside them."""

    data: bytes
    offset: int  # leading padding: the request's `offset`
    size: int  # bytes the server must fetch: the (compressed) payload length
    raw_nbytes: int  # array bytes before filters and compression

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def encode_object(
    array: np.ndarray,
    *,
    order: str = "C",
    byte_order: str | None = None,
    filters: Sequence[str] = (),
    compression: str | None = None,
    leading: int = 0,
    trailing: int = 0,
    seed: int = 0,
) -> EncodedObject:
    """Lay ``array`` out as a stored object: byte order, filters, compression, padding."""
    dt = array.dtype
    if byte_order is not None:
        dt = dt.newbyteorder(">" if byte_order == "big" else "<")
    raw = np.asarray(array, dtype=dt).tobytes(order=order)  # type: ignore[arg-type]
    payload = raw
    for name in filters:
        if name not in ("shuffle", "shuffle_simd"):
            raise ValueError(f"unknown filter id {name!r}")
        payload = shuffle_bytes(payload, dt.itemsize)
    payload = compress(payload, compression, dt.itemsize)
    rng = np.random.default_rng(seed)
    pad_front = rng.integers(0, 256, size=leading, dtype=np.uint8).tobytes()
    pad_back = rng.integers(0, 256, size=trailing, dtype=np.uint8).tobytes()
    return EncodedObject(pad_front + payload + pad_back, leading, len(payload), len(raw))

"""Where the array sits in the object: offset, size, leading and trailing bytes.

Holds the server to docs/spec.md#offset-size.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from . import data
from .cache_warm import Warm
from .case import Case
from .checks import assert_result
from .client import build_body
from .conftest import Verify
from .gating import require
from .oracle import expected_result
from .profiles import ALL_DTYPES, Profile

pytestmark = pytest.mark.offset

# (id, leading bytes, trailing bytes, send size)
LAYOUTS = [
    ("leading", 64, 0, True),
    ("trailing", 0, 48, True),
    ("both", 32, 40, True),
    ("leading-size-omitted", 24, 0, False),
]


@pytest.mark.parametrize("name,leading,trailing,send_size", LAYOUTS, ids=[x[0] for x in LAYOUTS])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ["sum", "select"])
def test_offset_and_size(
    op: str, dtype: str, name: str, leading: int, trailing: int, send_size: bool, verify: Verify
) -> None:
    verify(Case(op, dtype, (5, 6), leading=leading, trailing=trailing, send_size=send_size))


@pytest.mark.parametrize("leading", [1, 3, 5, 7, 13])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_unaligned_offset(leading: int, dtype: str, verify: Verify, profile: Profile) -> None:
    """An offset that is not a multiple of the item size."""
    require(profile, "unaligned_offset")
    verify(Case("sum", dtype, (11,), leading=leading, trailing=3))


@pytest.mark.parametrize("op", ["count", "max", "min", "select", "sum"])
def test_size_without_shape(op: str, verify: Verify) -> None:
    """`size` but no `shape`: the fetched bytes are one 1-D array."""
    verify(Case(op, "float64", (16,), send_shape=False, leading=16, trailing=24))


@pytest.mark.parametrize("op", ["sum", "select"])
def test_offset_with_selection_and_f_order(op: str, verify: Verify) -> None:
    verify(
        Case(
            op, "int32", (4, 6), order="F", leading=12, trailing=8, selection=((1, 4, 2), (0, 6, 2))
        )
    )


# (dtype, shape, seed) of the arrays stored back to back in one object; two share a shape, so a
# server that reads the wrong range answers wrong data rather than an error
CHUNKS = [("int64", (5, 6), 11), ("int64", (5, 6), 12), ("int64", (4, 3), 13)]


@pytest.mark.parametrize("compression", [None, "gzip"], ids=["raw", "gzip"])
@pytest.mark.parametrize("backend", ["s3", "http"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_several_arrays_in_one_object(
    op: str, backend: str, compression: str | None, warm: Warm, profile: Profile
) -> None:
    """Chunks stored back to back in one object, each read by its own offset and size.

    A gap the fault harness found: a chunk cache keyed without the byte range serves the first
    range for all of them, as Reductionist 0.11.0's did. Each read waits for a cache's writer
    (``warm``; nothing to wait for without a cache), so the next range meets the entries of the
    ones before it whatever the timing.
    """
    runner = warm.runner
    if backend == "http":
        require(profile, "http_backend")
    if compression:
        require(profile, "compression", compression)
    arrays = [data.make_array(d, s, seed) for d, s, seed in CHUNKS]
    payloads = [data.compress(a.tobytes(), compression, a.itemsize) for a in arrays]
    blob = b"".join(payloads)
    digest = hashlib.sha256(blob).hexdigest()
    if backend == "s3":
        ref = runner.store.put_s3(runner.bucket, blob, digest)
    else:
        ref = runner.store.put_http(blob, digest)
    auth = runner.store.http_auth if backend == "http" else runner.s3_auth
    offset = 0
    for array, payload in zip(arrays, payloads):
        fields: dict[str, Any] = {
            "dtype": array.dtype.name,
            "offset": offset,
            "size": len(payload),
            "shape": list(array.shape),
        }
        if compression:
            fields["compression"] = {"id": compression}
        result = warm.post(op, build_body(profile.api, ref, fields), auth)
        assert_result(expected_result(op, array, profile), result, profile)
        offset += len(payload)

"""Cases the fault-injection harness showed missing (scripts/mutation-score.py).

Each test here exists because a realistic server bug passed the rest of the suite:

- several arrays in one object, each read by its own offset and size (a chunk cache keyed without
  the byte range serves the first range for all of them, as Reductionist 0.11.0's did);
- float32 missing values that float32 cannot represent exactly (the spec rounds the value to
  float32 before comparing; a server comparing in float64 masks different elements);
- every missing-data form on byte-swapped data (a server comparing before the swap);
- the operation route with the other trailing-slash spelling (Python clients post to
  ``/v2/sum/``; Reductionist normalises the path).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from . import data
from .case import Case, CaseRunner
from .checks import assert_result
from .client import ServerClient, build_body
from .conftest import Verify
from .gating import require
from .oracle import expected_result
from .profiles import ALL_MISSING_FORMS, ALL_OPERATIONS, Profile
from .settings import Settings

# (dtype, shape, seed) of the arrays stored back to back in one object; two share a shape, so a
# server that reads the wrong range answers wrong data rather than an error
CHUNKS = [("int64", (5, 6), 11), ("int64", (5, 6), 12), ("int64", (4, 3), 13)]


@pytest.mark.offset
@pytest.mark.parametrize("compression", [None, "gzip"], ids=["raw", "gzip"])
@pytest.mark.parametrize("backend", ["s3", "http"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_several_arrays_in_one_object(
    op: str, backend: str, compression: str | None, runner: CaseRunner, profile: Profile
) -> None:
    """Chunks stored back to back in one object, each read by its own offset and size."""
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
        result = runner.client.post(op, build_body(profile.api, ref, fields), auth)
        assert_result(expected_result(op, array, profile), result, profile)
        offset += len(payload)


# float32 values that are not exactly representable; the spec rounds the JSON value to float32
_F32 = [float(np.float32(v)) for v in (0.1, 0.7, 1.1)]
ROUNDING_VALUES = (_F32[0], _F32[1], _F32[2], 0.5, 2.0, 0.875, _F32[0], 3.0, _F32[1], -1.5)
ROUNDING_MISSING = [
    ("missing-value-rounds-up", {"missing_value": 0.1}),
    ("missing-values", {"missing_values": [0.1, 0.7]}),
    ("valid-min-rounds-down", {"valid_min": 0.7}),
    ("valid-max-rounds-up", {"valid_max": 1.1}),
    ("valid-range", {"valid_range": [0.7, 1.1]}),
]


@pytest.mark.missing
@pytest.mark.parametrize(
    "missing", [m[1] for m in ROUNDING_MISSING], ids=[m[0] for m in ROUNDING_MISSING]
)
@pytest.mark.parametrize("op", ["count", "max", "min", "select"])
def test_float32_missing_values_are_rounded_to_float32(
    op: str, missing: dict[str, Any], runner: CaseRunner, profile: Profile
) -> None:
    """Spec 2.3: a float32 request's missing value is rounded to float32 before comparing.

    The data hold float32(0.1), float32(0.7) and float32(1.1) exactly, so equality and the
    inclusive bounds only work out when the server rounds the JSON value as the spec says.
    """
    form = next(iter(missing))
    require(profile, "missing", form)
    case = Case(op, "float32", (len(ROUNDING_VALUES),), values=ROUNDING_VALUES)
    prepared = runner.prepare(case)
    prepared.body["missing"] = missing
    _, result = runner.send(case, prepared)
    expected = expected_result(op, prepared.array, profile, missing=missing)
    assert_result(expected, result, profile)


@pytest.mark.byteorder
@pytest.mark.missing
@pytest.mark.parametrize("byte_order", ["big", "little"])
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float64"])
@pytest.mark.parametrize("op", ["count", "sum"])
def test_missing_data_on_byte_swapped_data(
    op: str, dtype: str, form: str, byte_order: str, verify: Verify, profile: Profile
) -> None:
    """Missing values compare with the elements after the byte-order swap (spec 2.1)."""
    require(profile, "byte_order")
    require(profile, "missing", form)
    verify(Case(op, dtype, (6, 5), byte_order=byte_order, missing=form))


@pytest.mark.operations
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_route_with_the_other_trailing_slash(
    op: str, runner: CaseRunner, settings: Settings, profile: Profile
) -> None:
    """``/vN/{op}`` and ``/vN/{op}/`` are the same route (axum NormalizePathLayer, spec 1.1)."""
    require(profile, "error_format", "reductionist")
    require(profile, "operations", op)
    client = ServerClient(
        settings.proxy_url,
        profile.api,
        settings.request_timeout,
        settings.proxy_ca_cert,
        not profile.trailing_slash,
    )
    case = Case(op, "int32", (4, 5), selection=((0, 4, 2), (1, 5, 1)))
    prepared = runner.prepare(case)
    result = client.post(op, prepared.body, prepared.auth)
    assert_result(runner.expect(case, prepared), result, profile)

"""The v2 HTTP backend: the same data through `interface_type: http` as through S3.

Holds the server to docs/spec.md#http-backend.
"""

from __future__ import annotations

import pytest

from .case import Case, CaseRunner
from .checks import assert_result
from .conftest import OwnObject, RejectCheck, Verify
from .gating import require
from .profiles import ALL_DTYPES, ALL_OPERATIONS, Profile

pytestmark = pytest.mark.http


@pytest.fixture(scope="module", autouse=True)
def _needs_http_backend(profile: Profile) -> None:
    require(profile, "http_backend")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_http_same_as_s3(op: str, dtype: str, runner: CaseRunner, profile: Profile) -> None:
    """One case, two backends: both answers must equal the oracle (hence each other)."""
    case = Case(op, dtype, (5, 6), selection=((0, 5, 2), (1, 6, 1)))
    for backend in ("s3", "http"):
        prepared, result = runner.send(case.replace(backend=backend))
        assert_result(runner.expect(case, prepared), result, profile)


@pytest.mark.parametrize("op", ["sum", "select"])
def test_http_public_without_credentials(op: str, verify: Verify) -> None:
    verify(Case(op, "int64", (10,), backend="http", auth="none"))


@pytest.mark.parametrize("op", ["sum", "select"])
def test_http_private_with_credentials(op: str, verify: Verify) -> None:
    """Basic credentials are forwarded to the HTTP store's protected location."""
    verify(Case(op, "float32", (3, 4), backend="http-private"))


def test_http_private_without_credentials(reject: RejectCheck, own_object: OwnObject) -> None:
    """The store refuses; the server reports an error, not data (spec: 400, upstream hidden).
    The object is the test's own, so no chunk cache has seen it (see ``own_object``)."""
    case = own_object(Case("sum", "float32", (3, 4), backend="http-private", auth="none"))
    reject(case, 400, ("HTTP",))


def test_http_offset_and_size(verify: Verify) -> None:
    verify(Case("sum", "int32", (12,), backend="http", leading=20, trailing=12))


def test_http_offset_only(verify: Verify) -> None:
    """`offset` without `size`: the array runs from the offset to the end of the object."""
    verify(Case("sum", "int32", (12,), backend="http", leading=20, send_size=False))


def test_http_size_only(verify: Verify) -> None:
    """`size` without `offset`: the array is the first `size` bytes of the object."""
    verify(Case("sum", "int32", (12,), backend="http", trailing=16))


def test_http_size_only_unaligned(verify: Verify) -> None:
    """The same with an object whose length is not a whole number of items (found by the fuzz
    area: the grid's padding was always a multiple of the item size)."""
    verify(Case("sum", "int32", (12,), backend="http", trailing=3))


@pytest.mark.parametrize("compression", ["gzip", "zlib", "blosc2"])
def test_http_compressed_filtered(compression: str, verify: Verify, profile: Profile) -> None:
    require(profile, "compression", compression)
    require(profile, "filters", "shuffle")
    case = Case(
        "max",
        "float64",
        (7, 3),
        backend="http",
        compression=compression,
        filters=("shuffle",),
        leading=9,
        trailing=4,
    )
    verify(case)


def test_http_missing_object(reject: RejectCheck) -> None:
    def point_at_nothing(body: dict[str, object]) -> None:
        body["url"] = str(body["url"]) + "-does-not-exist"

    reject(Case("sum", "int64", (4,), backend="http"), 400, ("HTTP",), edit=point_at_nothing)

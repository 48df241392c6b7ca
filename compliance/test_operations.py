"""Every operation on every dtype, 1-D to 4-D shapes, C and F order; plus the prototype's mean.

Holds the server to docs/spec.md#operations (and #result-layout, #endpoints, #prototype).
"""

from __future__ import annotations

import pytest

from .case import Case, CaseRunner
from .checks import assert_result
from .client import ServerClient
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, ALL_OPERATIONS, Profile
from .settings import Settings
from .spaces import SHAPES

pytestmark = pytest.mark.operations


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_operation(
    op: str, dtype: str, shape: tuple[int, ...], order: str, verify: Verify, profile: Profile
) -> None:
    require(profile, "dtypes", dtype)
    verify(Case(op, dtype, shape, order=order))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_operation_without_shape(op: str, dtype: str, verify: Verify, profile: Profile) -> None:
    """No `shape`: the whole object is one 1-D array."""
    require(profile, "dtypes", dtype)
    verify(Case(op, dtype, (24,), send_shape=False))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_operation_order_omitted(op: str, dtype: str, verify: Verify, profile: Profile) -> None:
    """No `order`: C order is the default."""
    require(profile, "dtypes", dtype)
    verify(Case(op, dtype, (4, 6), send_order=False))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_mean(dtype: str, verify: Verify, profile: Profile) -> None:
    require(profile, "operations", "mean")
    verify(Case("mean", dtype, (6, 4)))


@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_route_with_the_other_trailing_slash(
    op: str, runner: CaseRunner, settings: Settings, profile: Profile
) -> None:
    """``/vN/{op}`` and ``/vN/{op}/`` are the same route (axum NormalizePathLayer,
    docs/spec.md#endpoints).

    A gap the fault harness found: Python clients post to ``/v2/sum/``, and a server serving
    only one spelling passed the rest.
    """
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

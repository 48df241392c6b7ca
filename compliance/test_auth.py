"""Credentials and buckets: anonymous public reads, private data, wrong credentials.

Holds the server to docs/spec.md#auth (statuses in docs/spec.md#errors-status).
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import OwnValues, RejectCheck, Verify
from .gating import require
from .profiles import Profile

pytestmark = pytest.mark.auth

OPS = ["sum", "select"]


@pytest.mark.parametrize("op", OPS)
def test_public_bucket_anonymous(op: str, verify: Verify, profile: Profile) -> None:
    """No Authorization header: data in a public bucket are still served."""
    require(profile, "anonymous_access")
    verify(Case(op, "int32", (6, 4), backend="s3-public", auth="none"))


@pytest.mark.parametrize("op", OPS)
def test_public_bucket_with_credentials(op: str, verify: Verify) -> None:
    verify(Case(op, "float64", (5,), backend="s3-public"))


@pytest.mark.parametrize("op", OPS)
def test_private_object_without_credentials(
    op: str, reject: RejectCheck, own_values: OwnValues
) -> None:
    """A private object without credentials: 401, whether the server or S3 refuses it.

    Each refusal here reads data of the test's own, which no chunk cache has seen; after a
    cached read a cached server may answer 404 instead (test_cache.py).
    """
    reject(Case(op, "int64", (8,), auth="none", values=own_values("int64", (8,))), 401)


@pytest.mark.parametrize("op", OPS)
def test_private_object_wrong_credentials(
    op: str, reject: RejectCheck, own_values: OwnValues
) -> None:
    reject(Case(op, "int64", (8,), auth="wrong", values=own_values("int64", (8,))), 401)


def test_public_bucket_wrong_credentials(reject: RejectCheck, own_values: OwnValues) -> None:
    """Wrong credentials are refused even where anonymous reads would succeed."""
    values = own_values("int64", (8,))
    reject(Case("sum", "int64", (8,), backend="s3-public", auth="wrong", values=values), 401)


def test_auth_required_for_public_data(
    reject: RejectCheck, profile: Profile, own_values: OwnValues
) -> None:
    """Servers that always require credentials refuse anonymous requests outright."""
    require(profile, "anonymous_access", False)
    values = own_values("int32", (4,))
    reject(Case("sum", "int32", (4,), backend="s3-public", auth="none", values=values), 401)

"""Credentials and buckets: anonymous public reads, private data, wrong credentials.

Holds the server to docs/spec.md#auth (statuses in docs/spec.md#errors-status).
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import OwnObject, RejectCheck, Verify
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
    op: str, reject: RejectCheck, own_object: OwnObject
) -> None:
    """A private object without credentials: 401, whether the server or S3 refuses it.

    Each refusal here reads data of the test's own, which no chunk cache has seen; after a
    cached read a cached server may answer 404 instead (test_cache.py).
    """
    reject(own_object(Case(op, "int64", (8,), auth="none")), 401)


@pytest.mark.parametrize("op", OPS)
def test_private_object_wrong_credentials(
    op: str, reject: RejectCheck, own_object: OwnObject
) -> None:
    reject(own_object(Case(op, "int64", (8,), auth="wrong")), 401)


def test_public_bucket_wrong_credentials(reject: RejectCheck, own_object: OwnObject) -> None:
    """Wrong credentials are refused even where anonymous reads would succeed."""
    reject(own_object(Case("sum", "int64", (8,), backend="s3-public", auth="wrong")), 401)


def test_auth_required_for_public_data(
    reject: RejectCheck, profile: Profile, own_object: OwnObject
) -> None:
    """Servers that always require credentials refuse anonymous requests outright."""
    require(profile, "anonymous_access", False)
    reject(own_object(Case("sum", "int32", (4,), backend="s3-public", auth="none")), 401)

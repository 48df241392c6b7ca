"""The suite's S3 signature (compliance.sigv4) is the one botocore computes for the same
request: uploads, bucket calls and queries."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from compliance.sigv4 import signed_headers

NOW = datetime(2026, 12, 1, 12, 30, 5, tzinfo=timezone.utc)


def _botocore_authorization(
    method: str, url: str, body: bytes, region: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    digest = hashlib.sha256(body).hexdigest()
    request = AWSRequest(
        method=method, url=url, data=body, headers={"x-amz-content-sha256": digest}
    )
    botocore.auth.S3SigV4Auth(
        Credentials("AKIDEXAMPLE", "wJalr/SECRET+key"), "s3", region
    ).add_auth(request)
    return str(request.headers["Authorization"])


@pytest.mark.parametrize(
    "method, url, region",
    [
        ("PUT", "http://127.0.0.1:9000/bucket/compliance-abc/0123abcd", "us-east-1"),
        ("PUT", "http://127.0.0.1:9000/bucket/named/with%20space/and~tilde", "us-east-1"),
        ("GET", "https://s3.example.org/b/k", "eu-west-2"),
        ("POST", "http://127.0.0.1:9000/bucket?delete", "us-east-1"),
        ("PUT", "http://127.0.0.1:9000/bucket?policy", "us-east-1"),
        ("GET", "http://127.0.0.1:9000/bucket?prefix=a%20b&list-type=2", "us-east-1"),
        ("HEAD", "http://127.0.0.1:9000/bucket", "us-east-1"),
    ],
)
def test_the_signature_is_botocores(
    method: str, url: str, region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"some stored object bytes"
    ours = signed_headers(
        method,
        url,
        hashlib.sha256(body).hexdigest(),
        "AKIDEXAMPLE",
        "wJalr/SECRET+key",
        region,
        NOW,
    )
    assert ours["Authorization"] == _botocore_authorization(method, url, body, region, monkeypatch)
    assert ours["x-amz-date"] == "20261201T123005Z"


def test_another_body_or_secret_changes_the_signature() -> None:
    url = "http://127.0.0.1:9000/bucket/key"
    base = signed_headers("PUT", url, "00" * 32, "AKID", "secret", now=NOW)["Authorization"]
    assert signed_headers("PUT", url, "11" * 32, "AKID", "secret", now=NOW)["Authorization"] != base
    assert signed_headers("PUT", url, "00" * 32, "AKID", "secreT", now=NOW)["Authorization"] != base

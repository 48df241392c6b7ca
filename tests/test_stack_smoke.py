"""Smoke test of the local stack (scripts/local-stack.sh up [--tls]): real S3 store, HTTP store and
Reductionist servers answering a `sum` exactly as numpy computes it.

Deliberately independent of the `compliance` package (plain boto3, requests, cbor2, numpy), so a
broken stack and a broken suite are told apart. Endpoints come from environment variables with the
stack's defaults:

    ACTIVESTORAGE_STACK_S3_URL                http://127.0.0.1:9000
    ACTIVESTORAGE_STACK_HTTP_URL              http://127.0.0.1:8000
    ACTIVESTORAGE_STACK_REDUCTIONIST_URL      http://127.0.0.1:8080   (v2 API, 0.13.1)
    ACTIVESTORAGE_STACK_REDUCTIONIST_V1_URL   http://127.0.0.1:8081   (v1 API, 0.11.0; optional)
    ACTIVESTORAGE_STACK_REDUCTIONIST_TLS_URL  https://127.0.0.1:8443  (optional)
    ACTIVESTORAGE_STACK_CA_CERT               <state dir>/tls/ca.pem
    MINIO_ROOT_USER / MINIO_ROOT_PASSWORD     minioadmin / minioadmin
    HTTP_USERNAME / HTTP_PASSWORD             admin / admin (the HTTP store's /private location)
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import cbor2
import numpy as np
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("ACTIVESTORAGE_STACK_DIR", str(REPO / ".stack")))
S3_URL = os.environ.get("ACTIVESTORAGE_STACK_S3_URL", "http://127.0.0.1:9000").rstrip("/")
HTTP_URL = os.environ.get("ACTIVESTORAGE_STACK_HTTP_URL", "http://127.0.0.1:8000").rstrip("/")
V2_URL = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_URL", "http://127.0.0.1:8080").rstrip("/")
V1_URL = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_V1_URL", "http://127.0.0.1:8081")
TLS_URL = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_TLS_URL", "https://127.0.0.1:8443")
CA_CERT = Path(os.environ.get("ACTIVESTORAGE_STACK_CA_CERT", str(STATE_DIR / "tls" / "ca.pem")))
S3_AUTH = (
    os.environ.get("MINIO_ROOT_USER", "minioadmin"),
    os.environ.get("MINIO_ROOT_PASSWORD", "minioadmin"),
)
HTTP_AUTH = (os.environ.get("HTTP_USERNAME", "admin"), os.environ.get("HTTP_PASSWORD", "admin"))
BUCKET = "active-storage-compliance-test-data"
TIMEOUT = 10.0
WELL_KNOWN = "/.well-known/reductionist-schema"
START_HINT = "start the stack with: scripts/local-stack.sh up --tls"

# Small int64 array: 2 x 5, values with both signs so a wrong dtype or byte order shows.
ARRAY = np.array([[3, -7, 11, 0, 25], [-1000, 4096, 8, -2, 9]], dtype=np.int64)


@dataclass(frozen=True)
class Expected:
    """What a sum over the whole of ARRAY must return, computed by numpy."""

    data: bytes
    dtype: str
    shape: list[int]
    count: int


EXPECTED = Expected(data=np.sum(ARRAY).tobytes(), dtype="int64", shape=[], count=int(ARRAY.size))


def _unique_key() -> str:
    return f"stack-smoke/{uuid.uuid4().hex}.bin"


def _answers(url: str, verify: bool | str = True, any_status: bool = False) -> str | None:
    """None if `url` answers 200 (any status with `any_status`), else why it does not."""
    try:
        response = requests.get(url, timeout=3, verify=verify)
    except requests.RequestException as exc:
        return f"{url} does not answer ({type(exc).__name__})"
    if response.status_code != 200 and not any_status:
        return f"{url} answered {response.status_code}"
    return None


def _check_v2_cbor(response: requests.Response, expected: Expected) -> None:
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["Content-Type"] == "application/cbor"
    body: dict[str, Any] = cbor2.loads(response.content)
    assert body["dtype"] == expected.dtype
    assert body["shape"] == expected.shape
    assert body["count"] == [expected.count]
    assert body["byte_order"] == sys.byteorder
    assert body["bytes"] == expected.data
    result = np.frombuffer(body["bytes"], dtype=body["dtype"]).reshape(body["shape"])
    assert result == np.sum(ARRAY)


def _v2_request(url: str, interface_type: str) -> dict[str, Any]:
    return {"interface_type": interface_type, "url": url, "dtype": "int64", "shape": [2, 5]}


@pytest.fixture(scope="module")
def s3() -> "S3Client":
    reason = _answers(S3_URL + "/", any_status=True)
    if reason is not None:
        pytest.fail(f"S3 store: {reason}; {START_HINT}")
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=S3_URL,
        aws_access_key_id=S3_AUTH[0],
        aws_secret_access_key=S3_AUTH[1],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=TIMEOUT),
    )
    try:
        client.head_bucket(Bucket=BUCKET)
    except ClientError:
        client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="module")
def s3_object(s3: "S3Client") -> Iterator[str]:
    """Key of ARRAY's bytes in the S3 test bucket; removed afterwards."""
    key = _unique_key()
    s3.put_object(Bucket=BUCKET, Key=key, Body=ARRAY.tobytes())
    yield key
    s3.delete_object(Bucket=BUCKET, Key=key)


@pytest.fixture(scope="module")
def v2_server() -> str:
    reason = _answers(V2_URL + WELL_KNOWN)
    if reason is not None:
        pytest.fail(f"Reductionist v2: {reason}; {START_HINT}")
    return V2_URL


def test_v2_sum_from_s3(v2_server: str, s3_object: str) -> None:
    response = requests.post(
        f"{v2_server}/v2/sum",
        json=_v2_request(f"{S3_URL}/{BUCKET}/{s3_object}", "s3"),
        auth=S3_AUTH,
        timeout=TIMEOUT,
    )
    _check_v2_cbor(response, EXPECTED)


@pytest.mark.parametrize("location", ["public", "private"])
def test_v2_sum_from_http_store(v2_server: str, location: str) -> None:
    prefix = "/private" if location == "private" else ""
    object_url = f"{HTTP_URL}{prefix}/{_unique_key()}"
    auth = HTTP_AUTH if location == "private" else None
    try:
        put = requests.put(object_url, data=ARRAY.tobytes(), auth=auth, timeout=TIMEOUT)
    except requests.RequestException as exc:
        pytest.fail(f"HTTP store at {HTTP_URL} does not answer ({exc}); {START_HINT}")
    assert put.status_code in (201, 204), f"PUT {object_url}: {put.status_code}"
    try:
        response = requests.post(
            f"{v2_server}/v2/sum",
            json=_v2_request(object_url, "http"),
            auth=auth,
            timeout=TIMEOUT,
        )
        _check_v2_cbor(response, EXPECTED)
    finally:
        requests.delete(object_url, auth=auth, timeout=TIMEOUT)


def test_v1_sum_from_s3(s3_object: str) -> None:
    reason = _answers(V1_URL + WELL_KNOWN)
    if reason is not None:
        pytest.skip(f"no v1 server (Reductionist 0.11.0): {reason}")
    response = requests.post(
        f"{V1_URL}/v1/sum",
        json={
            "source": S3_URL,
            "bucket": BUCKET,
            "object": s3_object,
            "dtype": "int64",
            "shape": [2, 5],
        },
        auth=S3_AUTH,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["x-activestorage-dtype"] == EXPECTED.dtype
    assert json.loads(response.headers["x-activestorage-shape"]) == EXPECTED.shape
    # 0.11.0 sends the count as a JSON list, 0.2.0-0.9.0 as a bare integer.
    assert json.loads(response.headers["x-activestorage-count"]) in (
        [EXPECTED.count],
        EXPECTED.count,
    )
    assert response.headers["x-activestorage-byte-order"] == sys.byteorder
    assert response.content == EXPECTED.data
    assert np.frombuffer(response.content, dtype=np.int64)[0] == np.sum(ARRAY)


def test_v2_sum_over_https(s3_object: str) -> None:
    if not CA_CERT.is_file():
        pytest.skip(f"no CA certificate at {CA_CERT} (the stack was started without --tls)")
    reason = _answers(TLS_URL + WELL_KNOWN, verify=str(CA_CERT))
    if reason is not None:
        pytest.skip(f"no HTTPS Reductionist: {reason}")
    response = requests.post(
        f"{TLS_URL}/v2/sum",
        json=_v2_request(f"{S3_URL}/{BUCKET}/{s3_object}", "s3"),
        auth=S3_AUTH,
        timeout=TIMEOUT,
        verify=str(CA_CERT),
    )
    _check_v2_cbor(response, EXPECTED)

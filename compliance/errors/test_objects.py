"""Where the object is and what it holds: interface type and url, the operation route, objects
that do not exist or do not match the request, compressed data that does not decompress to it.

Holds the server to docs/spec.md#errors-status (and #request-v2, #offset-size, #compression).
"""

from __future__ import annotations

import json

import pytest

from .. import data
from ..case import Case, CaseRunner
from ..checks import assert_error
from ..client import ObjectRef
from ..conftest import OwnObject
from ..gating import require, require_without
from ..params import rows
from ..profiles import Profile
from .common import (
    ABSENT_BUCKET,
    BASE,
    COMPRESSIONS,
    DROP,
    GRID,
    INVALID,
    Changes,
    Refuse,
    array_case,
    locate,
    post_raw,
    store_bytes,
    unknown_operation_status,
)

pytestmark = pytest.mark.errors

# --- v2 location: interface_type and url -------------------------------------------------------

UNSUPPORTED_INTERFACES = ["ftp", "S3", "HTTP", "gs", "file", " s3", "s3a"]


@pytest.mark.parametrize("interface_type", UNSUPPORTED_INTERFACES)
def test_unsupported_interface_type(interface_type: str, refuse: Refuse, profile: Profile) -> None:
    """Only s3, http and https (case-sensitive): 400 'unsupported interface type X'.

    The URL is one no test reads, so no chunk cache holds it: a cache hit skips the check
    (test_cache.py::test_interface_type_checked_on_a_cache_hit).
    """
    require(profile, "api", "v2")
    refuse(
        BASE,
        (interface_type.strip(),),
        {"interface_type": interface_type},
        message=f"unsupported interface type {interface_type}",
        edit=lambda body: body.update(url=f"{body['url']}-never-read"),
    )


RELATIVE_URLS = ["sample-data/key", "/sample-data/key", "", "not a url", "//", "127.0.0.1/x"]


@pytest.mark.parametrize("url", rows((u or "empty", u) for u in RELATIVE_URLS))
def test_relative_url(url: str, refuse: Refuse, profile: Profile) -> None:
    """url must be absolute: a relative string fails deserialisation (400 naming url)."""
    require(profile, "api", "v2")
    refuse(BASE, ("url",), {"url": url})


@pytest.mark.parametrize("path", rows([("no-bucket", ""), ("no-object", "/bucket-only")]))
def test_s3_url_incomplete(path: str, refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """An S3 url needs /bucket/key: 400 'S3 request error' (no cause, #errors-status)."""
    require(profile, "api", "v2")
    url = runner.store.s3_source.rstrip("/") + (path or "/")
    refuse(BASE, ("S3",), {"url": url}, message="S3 request error")


# --- unknown operations ----------------------------------------------------------------------

UNKNOWN_OPERATIONS = ["foo", "mean", "SUM", "Sum", "average", "sum2", "product", "argmax", "std"]


@pytest.mark.parametrize("operation", UNKNOWN_OPERATIONS)
def test_unknown_operation(operation: str, runner: CaseRunner, profile: Profile) -> None:
    """POST /{api}/{name} for an unknown name: 404 JSON 'unsupported operation {name}'."""
    require_without(profile, "operations", operation)
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, operation=operation)
    status = unknown_operation_status(profile)
    # FastAPI names the refused path parameter (operation_name), not the value sent
    mentions = (operation, "operation")
    assert_error(result, status, profile, mentions, message=f"unsupported operation {operation}")


def test_unknown_operation_before_body(runner: CaseRunner, profile: Profile) -> None:
    """The operation is checked before the body is read: 404 even for a malformed body."""
    require(profile, "error_format", "reductionist")
    result = post_raw(runner, BASE, b"{", content_type=None, operation="foo")
    assert_error(result, 404, profile, ("foo",), message="unsupported operation foo")


# --- the object: nonexistent, shorter or longer than the shape -------------------------------


def test_nonexistent_object(refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """S3 NoSuchKey: 400 'error retrieving object from S3 storage' naming NoSuchKey."""
    ref = runner.prepare(BASE).ref
    absent = ObjectRef(ref.backend, ref.base, ref.bucket, ref.key + "-absent")
    refuse(
        BASE,
        ("NoSuchKey",),
        status=400,
        edit=locate(profile, absent),
        message="error retrieving object from S3 storage",
    )


def test_nonexistent_bucket(refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """S3 NoSuchBucket: 400, the causes name NoSuchBucket."""
    ref = runner.prepare(BASE).ref
    absent = ObjectRef(ref.backend, ref.base, ABSENT_BUCKET, ref.key)
    refuse(
        BASE,
        ("NoSuchBucket",),
        status=400,
        edit=locate(profile, absent),
        message="error retrieving object from S3 storage",
    )


# (id, case, changes, mentions, message): the object does not hold what the request says
DATA_SIZE_RULES: list[tuple[str, Case, Changes, tuple[str, ...], str]] = [
    # no size: the bytes from offset to the end must be exactly the shape (post-download check)
    ("shape-one-more", BASE, {"shape": [25]}, ("size",), INVALID),
    ("shape-one-less", BASE, {"shape": [23]}, ("size",), INVALID),
    ("shape-2d-more", BASE, {"shape": [5, 5]}, ("size",), INVALID),
    ("shape-3d-more", BASE, {"shape": [2, 3, 5]}, ("size",), INVALID),
    (
        "offset-without-size-short",
        array_case(leading=8, send_size=False),
        {"offset": 12},
        ("size",),
        INVALID,
    ),
    ("trailing-without-size", array_case(trailing=4, send_size=False), {}, ("size",), INVALID),
    (
        "trailing-not-multiple",
        array_case(trailing=2, send_size=False, send_shape=False),
        {},
        ("size",),
        INVALID,
    ),
    # size given, consistent with the shape, but the object ends first: the array cannot be built
    (
        "size-past-end",
        BASE,
        {"shape": [25], "size": 100},
        ("shape",),
        "failed to create array from shape",
    ),
    (
        "size-past-end-2d",
        GRID,
        {"shape": [5, 6], "size": 120},
        ("shape",),
        "failed to create array from shape",
    ),
    (
        "offset-size-past-end",
        array_case(leading=8),
        {"shape": [25], "size": 100},
        ("shape",),
        "failed to create array from shape",
    ),
]


@pytest.mark.parametrize("case,changes,mentions,message", rows(DATA_SIZE_RULES))
def test_object_does_not_match_shape(
    case: Case,
    changes: Changes,
    mentions: tuple[str, ...],
    message: str,
    refuse: Refuse,
    own_object: OwnObject,
) -> None:
    """Found only once the object is read: a data error, 400 whatever the request model.

    The object is the test's own: these requests read other byte ranges than the case's, and
    0.11.0's chunk cache, keyed without offset and size (docs/spec.md#chunk-cache), would answer
    them with the bytes of whatever range of the same object another test read first.
    """
    refuse(own_object(case), mentions, changes, status=400, message=message)


# --- compressed data: corrupt bytes, sizes after decompression --------------------------------


def corrupt(payload: bytes, raw: bytes, compression: str, mode: str) -> bytes:
    """The stored bytes for a corruption ``mode`` of a ``compression`` payload."""
    if mode == "uncompressed":
        return raw
    if mode == "truncated-half":
        return payload[: len(payload) // 2]
    if mode == "truncated-tail":
        return payload[:-4]
    if mode == "checksum":  # gzip: CRC32 then ISIZE end the stream; zlib: Adler-32
        at = len(payload) - (6 if compression == "gzip" else 1)
        return payload[:at] + bytes([payload[at] ^ 0xFF]) + payload[at + 1 :]
    if mode == "flipped-middle":
        at = len(payload) // 2
        return payload[:at] + bytes([payload[at] ^ 0xFF]) + payload[at + 1 :]
    if mode == "ones":
        return b"\xff" * len(raw)
    if mode == "zeros":
        return bytes(len(raw))
    if mode == "empty":
        return b""
    if mode.startswith("as-"):
        return data.compress(raw, mode[3:], 4)
    raise ValueError(f"unknown corruption mode {mode!r}")


# blosc2 takes the uncompressed size from bytes 4-7 of its header and allocates it before
# decoding, so modes whose bytes there read as gigabytes (all-ones, zlib data) are left out for
# blosc2: they cost seconds and gigabytes of server memory. Header fields a blosc2 decoder may
# tolerate (version, compressed size) are not corrupted either: the data still decodes.
CORRUPTIONS = [
    (compression, mode)
    for compression in COMPRESSIONS
    for mode in (
        "uncompressed",
        "truncated-half",
        "truncated-tail",
        *(("checksum", "flipped-middle", "ones") if compression != "blosc2" else ()),
        "zeros",
        "empty",
        *(
            f"as-{other}"
            for other in COMPRESSIONS
            if other != compression and (compression, other) != ("blosc2", "zlib")
        ),
    )
]


@pytest.mark.parametrize("compression,mode", rows((f"{c}-{m}", c, m) for c, m in CORRUPTIONS))
def test_corrupt_compressed_data(
    compression: str, mode: str, refuse: Refuse, profile: Profile, runner: CaseRunner
) -> None:
    """Bytes that do not decompress: 400 'failed to decompress data', never a crash."""
    require(profile, "compression", compression)
    case = array_case(compression=compression)
    payload = runner.prepare(case).encoded.data
    raw = runner.prepare(BASE).encoded.data
    ref = store_bytes(runner, corrupt(payload, raw, compression, mode))
    refuse(
        case,
        ("decompress",),
        status=400,
        edit=locate(profile, ref),
        message="failed to decompress data",
    )


# (id, stored shape, changes): the decompressed bytes do not fit the request
COMPRESSED_SIZES: list[tuple[str, tuple[int, ...], Changes]] = [
    ("shape-one-more", (24,), {"shape": [25]}),
    ("shape-one-less", (24,), {"shape": [23]}),
    ("shape-2d-less", (24,), {"shape": [4, 5]}),
    ("shape-2d-more", (24,), {"shape": [5, 5]}),
    ("without-shape-not-multiple", (25,), {"shape": DROP, "dtype": "int64"}),
]


@pytest.mark.parametrize("shape,changes", rows(COMPRESSED_SIZES))
@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_decompressed_size_mismatch(
    compression: str,
    shape: tuple[int, ...],
    changes: Changes,
    refuse: Refuse,
    profile: Profile,
) -> None:
    """With compression, size is the compressed length; the decompressed length is checked
    after download against shape x itemsize (or must be a multiple of itemsize): 400."""
    require(profile, "compression", compression)
    refuse(array_case(shape=shape, compression=compression), ("size",), changes, status=400)

"""What only a warm chunk cache can get wrong (docs/spec.md#chunk-cache; also #request-v2 for
``option_disable_chunk_cache``, #errors-status and #auth).

Each test stores objects of its own (values seeded by the test's id, keys under the run's
prefix, so no other test or run warms the cache for them), reads once to warm the server's
cache, then reads the same bytes differently: another byte range, dtype, byte order or
compression, other credentials, or after the object was rewritten. Every answer is compared
exactly with the oracle. Against a server without a cache these are ordinary consistency tests.

Reductionist writes a cache entry from a queue after it has answered (docs/spec.md#chunk-cache);
after every read, ``Warm.settle`` (compliance/cache_warm.py, the ``warm`` fixture) waits for the
cache's writer, so each later read hits or misses deterministically.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from . import data
from .cache_warm import SETTLE_SECONDS, Warm
from .case import Backend, Case
from .checks import assert_error, assert_result, result_differences
from .client import Result, build_body
from .gating import require
from .oracle import Expected, expected_result
from .profiles import Profile

pytestmark = pytest.mark.cache


def assert_refused(result: Result, statuses: tuple[int, ...], profile: Profile) -> None:
    """An error answer with one of ``statuses`` (the first is the one reported when not)."""
    status = result.status if result.status in statuses else statuses[0]
    assert isinstance(status, int)
    assert_error(result, status, profile)


def refusals(profile: Profile, backend: Backend) -> tuple[int, ...]:
    """How a read of data the credentials do not reach may be refused.

    401 from S3 and 400 for the HTTP backend (docs/spec.md#errors-status). A server with its
    cache on may also answer 404: a cache hit whose re-authorisation HEAD is refused gives 404
    on purpose, so as not to reveal that the object exists (#errors-status, with bypass-auth
    off as in 0.11.0, #chunk-cache). Data are never an allowed answer.
    """
    first = 400 if backend.startswith("http") else 401
    return (first, 404) if profile.chunk_cache else (first,)


def assert_one_of(old: Expected, new: Expected, result: Result, profile: Profile) -> None:
    """The answer equals ``old`` exactly, or else ``new`` exactly (reported against ``new``)."""
    if result_differences(old, result, profile):
        assert_result(new, result, profile)


# --- byte ranges ---------------------------------------------------------------------------------

# (shape, part) of int64 arrays stored back to back; the first two share a shape, so a server
# that serves one range for another answers wrong values rather than an error
CHUNKS = [((5, 6), 0), ((5, 6), 1), ((4, 3), 2)]


@pytest.mark.parametrize("compression", [None, "gzip"], ids=["raw", "gzip"])
@pytest.mark.parametrize("backend", ["s3", "http"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_byte_ranges_of_one_object(
    op: str, backend: str, compression: str | None, warm: Warm, profile: Profile
) -> None:
    """Each range of an object answers its own bytes after another range was cached.

    The cache key holds the offset and size (``%offset-%size``); 0.11.0's did not
    (docs/spec.md#chunk-cache).
    """
    if backend == "http":
        require(profile, "http_backend")
    if compression:
        require(profile, "compression", compression)
    arrays = [np.array(warm.values("int64", s, p), "int64").reshape(s) for s, p in CHUNKS]
    payloads = [data.compress(a.tobytes(), compression, a.itemsize) for a in arrays]
    blob = b"".join(payloads)
    store, digest = warm.runner.store, hashlib.sha256(blob).hexdigest()
    if backend == "s3":
        ref = store.put_s3(warm.runner.bucket, blob, digest)
        auth = warm.runner.s3_auth
    else:
        ref = store.put_http(blob, digest)
        auth = store.http_auth
    starts = np.cumsum([0] + [len(p) for p in payloads]).tolist()
    for index in (0, 1, 2, 0):
        fields: dict[str, Any] = {
            "dtype": "int64",
            "offset": starts[index],
            "size": len(payloads[index]),
            "shape": list(arrays[index].shape),
        }
        if compression:
            fields["compression"] = {"id": compression}
        result = warm.post(op, build_body(profile.api, ref, fields), auth)
        assert_result(expected_result(op, arrays[index], profile), result, profile)
    if not compression:  # the whole object, read as one array, is a range of its own
        whole = np.concatenate([a.ravel() for a in arrays])
        result = warm.post(op, build_body(profile.api, ref, {"dtype": "int64"}), auth)
        assert_result(expected_result(op, whole, profile), result, profile)


# --- the same bytes, read as other data ----------------------------------------------------------


def _viewed(case: Case, dtype: str, byte_order: str | None = None) -> Case:
    """The case that reads the bytes of ``case``'s object as ``dtype`` in ``byte_order``."""
    stored = np.array(case.values, case.dtype)
    if case.byte_order is not None:
        stored = stored.astype(stored.dtype.newbyteorder(">" if case.byte_order == "big" else "<"))
    raw = stored.tobytes()
    view_dtype = np.dtype(dtype)
    if byte_order is not None:
        view_dtype = view_dtype.newbyteorder(">" if byte_order == "big" else "<")
    values = np.frombuffer(raw, view_dtype)
    return case.replace(
        dtype=dtype,
        shape=(values.size,),
        byte_order=byte_order,
        values=tuple(values.astype(np.dtype(dtype)).tolist()),
    )


@pytest.mark.parametrize("op", ["sum", "max", "select"])
def test_same_bytes_as_other_dtypes(op: str, warm: Warm) -> None:
    """float32 data read again as int32, uint32 and int64: the bytes are reinterpreted.

    The cache holds raw bytes and its default key has no dtype (docs/spec.md#chunk-cache), so a hit
    must be decoded with the new request's dtype.
    """
    shape = (6, 5)
    stored = Case(op, "float32", shape, values=warm.values("float32", shape))
    warm.check(stored)
    for dtype in ("int32", "uint32", "int64"):
        warm.check(_viewed(stored, dtype))
    warm.check(stored)


@pytest.mark.parametrize("dtype", ["int32", "uint64"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_same_bytes_in_other_byte_orders(op: str, dtype: str, warm: Warm, profile: Profile) -> None:
    """Big-endian data read again as little-endian and with the server's native order."""
    require(profile, "byte_order")
    shape = (5, 4)
    stored = Case(op, dtype, shape, byte_order="big", values=warm.values(dtype, shape))
    warm.check(stored)
    warm.check(_viewed(stored, dtype, "little"))
    warm.check(_viewed(stored, dtype, None))
    warm.check(stored)


def _compressed_to_whole_words(warm: Warm, compression: str) -> Case:
    """A compressed int32 case whose stored object is a whole number of 4-byte words."""
    shape = (8, 6)
    for part in range(64):
        # small magnitudes, so the compressor does not fall back to storing the bytes as they
        # are (a stored deflate block has the same length for every draw)
        values = tuple(v >> 12 for v in warm.values("int32", shape, part))
        array = np.array(values, "int32").reshape(shape)
        if len(data.encode_object(array, compression=compression).data) % 4 == 0:
            return Case("select", "int32", shape, compression=compression, values=values)
    raise AssertionError(f"no {compression} payload of whole words in 64 tries")


@pytest.mark.parametrize("compression", ["gzip", "zlib", "blosc2"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_same_bytes_with_and_without_compression(
    op: str, compression: str, warm: Warm, profile: Profile
) -> None:
    """A compressed object read as compressed, then as plain int32 words, then compressed.

    Both requests name the same byte range (the whole object), so with the default key
    the second hits the first's entry: the cache holds the raw, still compressed bytes
    (docs/spec.md#chunk-cache), and the plain read must see them, not the decompressed array.
    """
    require(profile, "compression", compression)
    stored = _compressed_to_whole_words(warm, compression).replace(op=op)
    prepared = warm.check(stored)
    words = np.frombuffer(prepared.encoded.data, "=i4")
    plain = Case(op, "int32", (words.size,), values=tuple(words.tolist()))
    warm.check(plain)
    warm.check(stored)


@pytest.mark.parametrize("interface_type", ["gs", "S3", "ftp"])
def test_interface_type_checked_on_a_cache_hit(
    interface_type: str, warm: Warm, profile: Profile
) -> None:
    """A cached URL named with an unsupported ``interface_type`` is still refused: 400
    'unsupported interface type X' (docs/spec.md#request-v2, #errors-status), cache or no cache."""
    require(profile, "api", "v2")
    shape = (3, 5)
    case = Case("sum", "int32", shape, values=warm.values("int32", shape))
    prepared = warm.check(case)
    prepared.body["interface_type"] = interface_type
    result = warm.post(case.op, prepared.body, prepared.auth)
    assert_error(result, 400, profile, (f"unsupported interface type {interface_type}",))
    warm.check(case)


# --- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["s3", "s3-public", "http-private"])
def test_credentials_after_a_cached_read(backend: Backend, warm: Warm, profile: Profile) -> None:
    """After an authorised read is cached, other credentials get what S3 would give them.

    Private data: refused without credentials and with wrong ones (docs/spec.md#errors-status,
    #auth; see ``refusals`` for a cached server's 404). Public data: served anonymously, wrong
    credentials still refused. The cache key has the credentials (``%auth``), or every
    hit is re-authorised upstream (bypass-auth off).
    """
    if backend.startswith("http"):
        require(profile, "http_backend")
    if backend == "s3-public":
        require(profile, "anonymous_access")
    shape = (4, 6)
    case = Case("select", "int64", shape, backend=backend, values=warm.values("int64", shape))
    warm.check(case)
    public = backend == "s3-public"
    for auth in ("none", "wrong"):
        reader = case.replace(auth=auth)
        if public and auth == "none":
            warm.check(reader)
        else:
            _, result = warm.send(reader)
            assert_refused(result, refusals(profile, backend), profile)
    warm.check(case)


# --- objects that change -------------------------------------------------------------------------


def _versions(warm: Warm, op: str) -> tuple[Case, Case]:
    """Two cases of the same layout with different data: an object before and after."""
    shape = (4, 5)
    before, after = (warm.values("int32", shape, part) for part in (0, 1))
    return Case(op, "int32", shape, values=before), Case(op, "int32", shape, values=after)


def _opted_out(case: Case) -> Case:
    return case.replace(options=(("option_disable_chunk_cache", True),))


@pytest.mark.parametrize("op", ["sum", "select"])
def test_rewritten_object(op: str, warm: Warm, profile: Profile) -> None:
    """An object rewritten after a cached read (same key, new bytes).

    Without a cache the new bytes are read. With one, a plain read may still answer the old
    bytes: entries live until their TTL and the key has no object version (#chunk-cache). A
    read with ``option_disable_chunk_cache`` neither reads nor writes the cache (#request-v2,
    0.13.0+), so it answers the new bytes exactly.
    """
    old, new = _versions(warm, op)
    prepared_old, prepared_new = warm.runner.prepare(old), warm.runner.prepare(new)
    ref = warm.store_named("object", prepared_old)
    warm.check(old, ref)
    warm.store_named("object", prepared_new)
    if profile.bytes_options:
        warm.check(_opted_out(new), ref)
    _, result = warm.send(new, ref)
    fresh = warm.runner.expect(new, prepared_new)
    if profile.chunk_cache:
        assert_one_of(warm.runner.expect(old, prepared_old), fresh, result, profile)
    else:
        assert_result(fresh, result, profile)
    if profile.bytes_options:
        warm.check(_opted_out(new), ref)


@pytest.mark.parametrize("op", ["sum", "select"])
def test_opted_out_read_caches_nothing(op: str, warm: Warm, profile: Profile) -> None:
    """A read with ``option_disable_chunk_cache`` leaves no entry (docs/spec.md#request-v2):
    after the object is rewritten, a plain read answers the new bytes."""
    require(profile, "bytes_options")
    old, new = _versions(warm, op)
    ref = warm.store_named("object", warm.runner.prepare(old))
    warm.check(_opted_out(old), ref)
    warm.store_named("object", warm.runner.prepare(new))
    warm.check(new, ref)


def test_cache_is_on(warm: Warm, profile: Profile) -> None:
    """A ``-cache`` profile's server answers from its cache (a check of the profile, not the
    spec): else every other test here would pass as a plain consistency test."""
    require(profile, "chunk_cache")
    assert warm.settle(), (
        f"profile {profile.name} says the chunk cache is on, but a rewritten object was never "
        f"answered from the cache within {SETTLE_SECONDS} s: is the server started with "
        "--use-chunk-cache?"
    )

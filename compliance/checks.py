"""Comparison of a server's answer with the oracle: every field, exactly.

Each helper returns a list of human-readable differences (empty when all agree); ``assert_*``
wrappers turn them into one assertion message carrying the request and its curl reproducer.
The helpers are meta-tested in tests/test_checks.py so they cannot quietly stop checking.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .client import Api, Result
from .oracle import Expected
from .profiles import Profile

CONTENT_TYPES = {"v1": "application/octet-stream", "v2": "application/cbor"}
V2_KEYS = ("bytes", "dtype", "shape", "count", "byte_order")


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _values_differ(expected: np.ndarray, actual: np.ndarray) -> str | None:
    if expected.shape != actual.shape:
        return f"values shape {actual.shape} != {expected.shape}"
    equal_nan = expected.dtype.kind == "f"
    if np.array_equal(expected, actual, equal_nan=equal_nan):
        return None
    wrong = np.argwhere(
        ~(
            (expected == actual) | (np.isnan(expected) & np.isnan(actual))
            if equal_nan
            else expected == actual
        )
    )
    first = tuple(int(i) for i in wrong[0]) if wrong.size else ()
    return (
        f"values differ at {len(wrong)} of {expected.size} positions; first at {first}: "
        f"got {actual[first]!r}, expected {expected[first]!r}"
    )


def result_differences(expected: Expected, result: Result, profile: Profile) -> list[str]:
    """Every way ``result`` departs from a successful ``expected`` answer."""
    if result.status is None:
        return [f"no HTTP response ({result.exchange.transport_error})"]
    if result.status != 200:
        return [f"status {result.status} != 200; body: {result.error_body!r}"]
    api: Api = profile.api
    diffs = list(result.parse_problems)
    want_type = CONTENT_TYPES[api]
    if _media_type(result.content_type) != want_type:
        diffs.append(f"content type {result.content_type!r} != {want_type!r}")
    if api == "v2":
        absent = [k for k in V2_KEYS if k not in result.cbor_keys]
        if absent:
            diffs.append(f"CBOR map lacks keys {absent}")
    if result.dtype != expected.dtype:
        diffs.append(f"dtype {result.dtype!r} != {expected.dtype!r}")
    if result.shape != expected.shape:
        diffs.append(f"shape {result.shape!r} != {expected.shape!r}")
    if profile.byte_order or api == "v2":
        if result.byte_order not in ("little", "big"):
            diffs.append(f"byte order {result.byte_order!r} is neither 'little' nor 'big'")
    if profile.count_format != "none":
        if result.count != expected.count:
            diffs.append(f"count {_short(result.count)} != {_short(expected.count)}")
        if result.count_format not in ("none", profile.count_format):
            diffs.append(
                f"count sent as {result.count_format!r}, profile {profile.name} says "
                f"{profile.count_format!r}"
            )
    expected_nbytes = len(expected.to_bytes())
    if len(result.data) != expected_nbytes:
        diffs.append(f"result has {len(result.data)} bytes, expected {expected_nbytes}")
    elif (
        result.dtype == expected.dtype
        and result.shape == expected.shape
        and expected.values is not None
    ):
        actual = result.values(expected.layout)
        problem = _values_differ(
            np.asarray(expected.values), actual.astype(actual.dtype.newbyteorder("="))
        )
        if problem:
            diffs.append(problem)
    if api == "v1":
        length = result.exchange.headers.get("content-length")
        if length is not None and int(length) != len(result.data):
            diffs.append(f"content-length {length} != body length {len(result.data)}")
    return diffs


def _short(values: Iterable[int] | None) -> str:
    if values is None:
        return "None"
    items = list(values)
    text = repr(items[:8])
    return text if len(items) <= 8 else text[:-1] + f", ... ({len(items)} in all)]"


def error_differences(
    result: Result, status: int, profile: Profile, mentions: Iterable[str] = ()
) -> list[str]:
    """How an error answer departs from the expected status, JSON shape and message.

    ``mentions``: words of which at least one must appear in the message (or its causes),
    e.g. the offending field's name, so a user can tell what was wrong with the request.
    """
    if result.status is None:
        return [f"no HTTP response ({result.exchange.transport_error})"]
    diffs: list[str] = []
    if result.status != status:
        diffs.append(f"status {result.status} != {status}")
    if result.status == 200:
        return diffs
    if _media_type(result.content_type) != "application/json":
        diffs.append(f"content type {result.content_type!r} != 'application/json'")
    text = _error_text(result.error_body, profile, diffs)
    words = [w for w in mentions]
    if text is not None and words and not any(w.lower() in text.lower() for w in words):
        diffs.append(f"error message {text!r} names none of {words}")
    return diffs


def _error_text(body: object, profile: Profile, diffs: list[str]) -> str | None:
    """The message text of a JSON error body of the profile's shape, noting shape problems."""
    if profile.error_format == "fastapi":
        if not isinstance(body, dict) or "detail" not in body:
            diffs.append(f"error body is not {{'detail': ...}}: {body!r}")
            return None
        return str(body["detail"])
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        diffs.append(f"error body is not {{'error': {{...}}}}: {body!r}")
        return None
    error = body["error"]
    message = error.get("message")
    if not isinstance(message, str) or not message:
        diffs.append(f"error message missing or empty: {error!r}")
        return None
    causes = error.get("caused_by", [])
    if not isinstance(causes, list) or not all(isinstance(c, str) for c in causes):
        diffs.append(f"caused_by is not a list of strings: {causes!r}")
        causes = []
    return " | ".join([message, *causes])


def assert_result(expected: Expected, result: Result, profile: Profile) -> None:
    """Fail with every difference plus the request and a curl reproducer."""
    diffs = result_differences(expected, result, profile)
    if diffs:
        raise AssertionError(_message(diffs, result))


def assert_error(
    result: Result, status: int, profile: Profile, mentions: Iterable[str] = ()
) -> None:
    diffs = error_differences(result, status, profile, mentions)
    if diffs:
        raise AssertionError(_message(diffs, result))


def _message(diffs: list[str], result: Result) -> str:
    listed = "\n".join(f"  - {d}" for d in diffs)
    return f"server answer differs from the spec:\n{listed}\n{result.exchange.describe()}"

"""Comparison of a server's answer with the oracle: every field, exactly.

Each helper returns a list of human-readable differences (empty when all agree); ``assert_*``
wrappers turn them into one assertion message carrying the request and its curl reproducer.
The helpers are meta-tested in tests/test_checks.py so they cannot quietly stop checking.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .client import Api, HttpExchange, Result
from .oracle import Expected
from .profiles import Profile

CONTENT_TYPES = {"v1": "application/octet-stream", "v2": "application/cbor"}
V2_KEYS = ("bytes", "dtype", "shape", "count", "byte_order")
AS_BYTES_KEYS = ("shape_as_bytes", "count_as_bytes")


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def values_differ(expected: np.ndarray, actual: np.ndarray, tolerance: float = 0.0) -> str | None:
    if expected.shape != actual.shape:
        return f"values shape {actual.shape} != {expected.shape}"
    equal_nan = expected.dtype.kind == "f"
    if tolerance:
        close = np.abs(actual.astype(np.float64) - expected.astype(np.float64)) <= tolerance
        if close.all():
            return None
        wrong = np.argwhere(~close)
        first = tuple(int(i) for i in wrong[0]) if wrong.size else ()
        return (
            f"values differ by more than {tolerance:.3g} at {len(wrong)} of {expected.size} "
            f"positions; first at {first}: got {actual[first]!r}, expected {expected[first]!r}"
        )
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


def refusal_difference(result: Result) -> str:
    """How an error answer differs from a successful one, as every check words it (and as a
    profile's known race is matched against, ``Profile.instability``)."""
    return f"status {result.status} != 200; body: {result.error_body!r}"


def result_differences(expected: Expected, result: Result, profile: Profile) -> list[str]:
    """Every way ``result`` departs from a successful ``expected`` answer."""
    if result.status is None:
        return [f"no HTTP response ({result.exchange.transport_error})"]
    if result.status != 200:
        return [refusal_difference(result)]
    api: Api = profile.api
    diffs = list(result.parse_problems)
    diffs += _content_type_differences(result.content_type, CONTENT_TYPES[api])
    if api == "v2":
        diffs += _key_differences(result.cbor_keys, profile)
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
        problem = values_differ(
            np.asarray(expected.values),
            actual.astype(actual.dtype.newbyteorder("=")),
            expected.tolerance,
        )
        if problem:
            diffs.append(problem)
    return diffs


def _content_type_differences(content_type: str, want: str) -> list[str]:
    """The spec's media type (spec 4.1, 4.2), case-insensitive as RFC 9110 8.3.1 has it.

    No parameters: the spec gives the bare type, application/cbor has none (registered by
    RFC 7049 section 7.3), and a charset on a binary body is junk a strict client refuses.
    """
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != want:
        return [f"content type {content_type!r} != {want!r}"]
    if parameters.strip():
        return [f"content type {content_type!r} has parameters; the spec sends bare {want!r}"]
    return []


def _key_differences(keys: tuple[str, ...], profile: Profile) -> list[str]:
    """The v2 map's keys (docs/spec.md#response-v2): the five of 0.12, plus the *_as_bytes twins
    from 0.13.

    0.13.0 leaves the twins out when empty and 0.13.1 always sends them, so a profile with
    ``bytes_options`` allows both; any other key is not the spec's.
    """
    diffs = []
    absent = [k for k in V2_KEYS if k not in keys]
    if absent:
        diffs.append(f"CBOR map lacks keys {absent}")
    allowed = V2_KEYS + (AS_BYTES_KEYS if profile.bytes_options else ())
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        diffs.append(f"CBOR map has keys {unknown} that profile {profile.name} does not know")
    return diffs


def _short(values: Iterable[int] | None) -> str:
    if values is None:
        return "None"
    items = list(values)
    text = repr(items[:8])
    return text if len(items) <= 8 else text[:-1] + f", ... ({len(items)} in all)]"


#: A mention meaning "the request body as a whole", not one field of it: Reductionist's causes
#: say "JSON"; FastAPI locates such an error at the body itself (``loc: ["body"]``, or a position
#: in it for a JSON syntax error).
WHOLE_BODY = "JSON"

Statuses = int | tuple[int, ...]


def error_differences(
    result: Result, status: Statuses, profile: Profile, mentions: Iterable[str] = ()
) -> list[str]:
    """How an error answer departs from the expected status, JSON shape and message.

    ``status``: the status, or the statuses any of which is right (see
    ``Profile.validation_statuses``). ``mentions``: words of which at least one must appear in
    the message (or its causes, or a FastAPI error's location), e.g. the offending field's name,
    so a user can tell what was wrong with the request.
    """
    if result.status is None:
        return [f"no HTTP response ({result.exchange.transport_error})"]
    allowed = (status,) if isinstance(status, int) else status
    diffs: list[str] = []
    if result.status not in allowed:
        diffs.append(f"status {result.status} != {' or '.join(str(s) for s in allowed)}")
    if result.status == 200:
        return diffs
    if _media_type(result.content_type) != "application/json":
        diffs.append(f"content type {result.content_type!r} != 'application/json'")
    words = list(mentions)
    if profile.error_format == "fastapi":
        named = _fastapi_names(result.error_body, result.status, profile, words, diffs)
    else:
        named = _reductionist_names(result.error_body, words, diffs)
    if named is not None:
        diffs.append(named)
    return diffs


def _names_none(text: str, words: list[str]) -> str | None:
    """A difference if ``text`` contains none of ``words`` (case-insensitively), else None."""
    if not words or any(w.lower() in text.lower() for w in words):
        return None
    return f"error message {text!r} names none of {words}"


def _reductionist_names(body: object, words: list[str], diffs: list[str]) -> str | None:
    """Check ``{"error": {"message", "caused_by"}}`` (docs/spec.md#errors-body); then whether it
    names a word."""
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
    return _names_none(" | ".join([message, *causes]), words)


def _fastapi_names(
    body: object, status: int, profile: Profile, words: list[str], diffs: list[str]
) -> str | None:
    """Check FastAPI's convention (docs/spec.md#prototype); then whether the error names one of
    ``words``.

    Model validation (``profile.schema_error_status``) answers ``{"detail": [{"loc", "msg",
    "type"}, ...]}``; every other error ``{"detail": "text"}``.
    """
    if not isinstance(body, dict) or "detail" not in body:
        diffs.append(f"error body is not {{'detail': ...}}: {body!r}")
        return None
    detail = body["detail"]
    if status != profile.schema_error_status:
        if not isinstance(detail, str) or not detail:
            diffs.append(f"a {status} detail is not a non-empty string: {detail!r}")
            return None
        # FastAPI's own refusal of an unreadable body: "There was an error parsing the body"
        return _names_none(detail, words + ["body"] if WHOLE_BODY in words else words)
    entries = _validation_entries(detail)
    if entries is None:
        diffs.append(f"a {status} detail is not a list of {{loc, msg, type}}: {detail!r}")
        return None
    if WHOLE_BODY in words and any(_locates_whole_body(loc) for loc, _ in entries):
        return None
    text = "; ".join(f"{'.'.join(str(p) for p in loc)}: {msg}" for loc, msg in entries)
    return _names_none(text, [w for w in words if w != WHOLE_BODY] or words)


def _validation_entries(detail: object) -> list[tuple[list[object], str]] | None:
    """The (loc, msg) pairs of a FastAPI validation list, or None if it is not one."""
    if not isinstance(detail, list) or not detail:
        return None
    entries = []
    for entry in detail:
        if not isinstance(entry, dict) or not {"loc", "msg", "type"} <= set(entry):
            return None
        loc, msg = entry["loc"], entry["msg"]
        if not isinstance(loc, list) or not loc or not isinstance(msg, str):
            return None
        entries.append((loc, msg))
    return entries


def _locates_whole_body(loc: list[object]) -> bool:
    """``["body"]`` (missing or not an object) or ``["body", position]`` (JSON syntax)."""
    return loc[0] == "body" and (len(loc) == 1 or (len(loc) == 2 and isinstance(loc[1], int)))


def body_differences(result: Result, profile: Profile, message: str | None) -> list[str]:
    """Details of a Reductionist error body that error_differences leaves open
    (docs/spec.md#errors-body, #errors-status).

    The top-level message starts with the spec's text for the situation (``message``; None
    skips that check); ``caused_by``, when present, is a non-empty list with consecutive
    duplicates removed (the key is omitted, not null or empty, when there is no cause); the
    error object has no other keys. Other error formats have none of these rules.
    """
    if profile.error_format != "reductionist" or not isinstance(result.error_body, dict):
        return []
    error = result.error_body.get("error")
    if not isinstance(error, dict):
        return []  # error_differences has reported the shape
    diffs: list[str] = []
    extra = sorted(set(error) - {"message", "caused_by"})
    if extra:
        diffs.append(f"error object has unexpected keys {extra}")
    text = error.get("message")
    if message is not None and isinstance(text, str) and not text.startswith(message):
        diffs.append(f"error message {text!r} does not start with {message!r}")
    if "caused_by" in error:
        causes = error["caused_by"]
        if not isinstance(causes, list) or not causes:
            diffs.append(f"caused_by present but not a non-empty list: {causes!r}")
        elif any(a == b for a, b in zip(causes, causes[1:])):
            diffs.append(f"caused_by repeats a cause consecutively: {causes!r}")
    return diffs


class SpecDifference(AssertionError):
    """A server answer that differs from the spec: the differences and the exchange, as data.

    The report takes the first difference and the curl reproducer from here (through the
    report's user properties), never by parsing the message text.
    """

    def __init__(self, differences: list[str], exchange: HttpExchange) -> None:
        self.differences = list(differences)
        self.exchange = exchange
        listed = "\n".join(f"  - {d}" for d in self.differences)
        super().__init__(f"server answer differs from the spec:\n{listed}\n{exchange.describe()}")


def fail_on(differences: list[str], result: Result) -> None:
    """Raise SpecDifference if there is any difference (the helper's frame hidden)."""
    __tracebackhide__ = True
    if differences:
        raise SpecDifference(differences, result.exchange)


def assert_result(expected: Expected, result: Result, profile: Profile) -> None:
    """Fail with every difference plus the request and a curl reproducer."""
    __tracebackhide__ = True
    fail_on(result_differences(expected, result, profile), result)


def assert_error(
    result: Result,
    status: Statuses,
    profile: Profile,
    mentions: Iterable[str] = (),
    *,
    message: str | None = None,
) -> None:
    """Fail on every error_differences; with ``message`` (the spec's top-level text, spec
    5.2), on the error body's details too (body_differences)."""
    __tracebackhide__ = True
    diffs = error_differences(result, status, profile, mentions)
    if message is not None:
        diffs += body_differences(result, profile, message)
    fail_on(diffs, result)

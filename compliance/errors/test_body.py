"""The body as a whole: JSON syntax, JSON type, Content-Type, and the error body itself.

Holds the server to docs/spec.md#errors-status (and #request, #errors-body).
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from ..case import CaseRunner
from ..checks import WHOLE_BODY, assert_error
from ..gating import require
from ..params import rows
from ..profiles import Profile
from .common import BASE, INVALID, LOCATION_FIELDS, invalid_status, post_raw

pytestmark = pytest.mark.errors

MALFORMED = [
    ("truncated", lambda text: text[:-1]),
    ("extra-closing-brace", lambda text: text + "}"),
    ("two-objects", lambda text: text + text),
    ("unquoted-key", lambda text: text.replace('"dtype"', "dtype")),
    ("single-quotes", lambda text: text.replace('"', "'")),
    ("trailing-comma", lambda text: text[:-1] + ",}"),
    ("missing-colon", lambda text: text.replace('"dtype": ', '"dtype" ')),
    ("comment", lambda text: "// request\n" + text),
    ("nan-literal", lambda text: text[:-1] + ', "offset": NaN}'),
    ("open-brace-only", lambda text: "{"),
    ("empty", lambda text: ""),
    ("whitespace", lambda text: " \n\t "),
]


@pytest.mark.parametrize("mangle", rows(MALFORMED))
def test_malformed_json(mangle: Callable[[str], str], runner: CaseRunner, profile: Profile) -> None:
    """A body that is not JSON at all: 400 'request data is not valid', the cause says JSON."""
    text = json.dumps(runner.prepare(BASE).body)
    result = post_raw(runner, BASE, mangle(text).encode())
    assert_error(result, invalid_status(profile), profile, (WHOLE_BODY,), message=INVALID)


def test_body_not_utf8(runner: CaseRunner, profile: Profile) -> None:
    text = json.dumps(runner.prepare(BASE).body)
    raw = text.replace('"int32"', '"int32\xff"').encode("latin-1")
    result = post_raw(runner, BASE, raw)
    assert_error(result, invalid_status(profile), profile, (WHOLE_BODY,), message=INVALID)


# (id, body made from a valid one, whether the refusal may name the missing required fields)
NOT_AN_OBJECT: list[tuple[str, Callable[[dict[str, Any]], Any], bool]] = [
    ("array", lambda body: [], False),
    ("array-of-request", lambda body: [body], False),
    ("null", lambda body: None, False),
    ("string", lambda body: "sum", False),
    ("number", lambda body: 42, False),
    ("boolean", lambda body: True, False),
    ("empty-object", lambda body: {}, True),
]


@pytest.mark.parametrize("wrap,names_fields", rows(NOT_AN_OBJECT))
def test_body_not_a_request_object(
    wrap: Callable[[dict[str, Any]], Any],
    names_fields: bool,
    runner: CaseRunner,
    profile: Profile,
) -> None:
    """Valid JSON of the wrong type (or no fields): a deserialisation error, 400.

    An empty object is a request without its required fields: naming them is as good as
    naming the body."""
    body = wrap(runner.prepare(BASE).body)
    result = post_raw(runner, BASE, json.dumps(body).encode())
    required = ("dtype", *LOCATION_FIELDS[profile.api]) if names_fields else ()
    assert_error(result, invalid_status(profile), profile, (WHOLE_BODY, *required), message=INVALID)


REFUSED_CONTENT_TYPES = [
    None,
    "text/plain",
    "text/json",
    "application/octet-stream",
    "application/cbor",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=activestorage",
    "application/jsonx",
    "json",
]


@pytest.mark.parametrize("content_type", rows((str(c), c) for c in REFUSED_CONTENT_TYPES))
def test_content_type_refused(
    content_type: str | None, runner: CaseRunner, profile: Profile
) -> None:
    """A valid JSON body without `Content-Type: application/json` (or +json): 400
    (docs/spec.md#request)."""
    require(profile, "error_format", "reductionist")  # the rule is the axum Json extractor's
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, content_type=content_type)
    assert_error(result, 400, profile, ("Content-Type",), message=INVALID)


ACCEPTED_CONTENT_TYPES = ["application/json; charset=utf-8", "application/vnd.activestorage+json"]


@pytest.mark.parametrize("content_type", ACCEPTED_CONTENT_TYPES)
def test_content_type_accepted(content_type: str, runner: CaseRunner, profile: Profile) -> None:
    """Control for the refusals above: JSON media types with parameters or +json are read."""
    require(profile, "error_format", "reductionist")
    prepared = runner.prepare(BASE)
    result = runner.client.post(
        BASE.op, json.dumps(prepared.body).encode(), prepared.auth, content_type=content_type
    )
    assert result.status == 200, result.exchange.describe()


# --- the error body itself (#errors-body) --------------------------------------------------------


def test_error_body_is_pretty_json_without_empty_causes(
    runner: CaseRunner, profile: Profile
) -> None:
    """Errors are pretty-printed JSON; `caused_by` is omitted when there is no cause."""
    require(profile, "error_format", "reductionist")
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, operation="foo")
    assert_error(result, 404, profile, ("foo",), message="unsupported operation foo")
    assert result.error_body == {
        "error": {"message": "unsupported operation foo"}
    }, result.exchange.describe()
    assert (
        b"\n" in result.exchange.content
    ), f"error body is not pretty-printed: {result.exchange.content!r}"


def test_error_body_lists_causes(runner: CaseRunner, profile: Profile) -> None:
    """A validation error carries its causes, root cause last, as a list of strings."""
    require(profile, "error_format", "reductionist")
    raw = json.dumps({**runner.prepare(BASE).body, "dtype": "int8"}).encode()
    result = post_raw(runner, BASE, raw)
    assert_error(result, 400, profile, ("dtype",), message=INVALID)
    causes = result.error_body["error"].get("caused_by")
    assert isinstance(causes, list) and causes and "int8" in causes[-1], result.exchange.describe()

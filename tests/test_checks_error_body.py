"""Meta-tests of the Reductionist error-body details (checks.body_differences,
docs/spec.md#errors-body).

error_differences checks the status, the JSON shape and that the message names the field;
body_differences the rest: the message starts with the spec's text, ``caused_by`` is omitted
rather than empty and never repeats a cause, the error object has no other keys. Each wrong body
below breaks one rule and must give exactly one difference; each right one must give none.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.checks import SpecDifference, assert_error, body_differences
from compliance.client import HttpExchange, Result, parse_response
from compliance.profiles import BUILTIN_PROFILES

V2 = BUILTIN_PROFILES["reductionist-0.13"]
PROTOTYPE = BUILTIN_PROFILES["prototype"]
INVALID = "request data is not valid"


def answer(body: Any, status: int = 400) -> Result:
    """A JSON error answer as the suite's client parses it."""
    exchange = HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        b"{}",
        "application/json",
        ("user", "password"),
        None,
        status,
        {"content-type": "application/json"},
        json.dumps(body, indent=2).encode(),
    )
    return parse_response("v2", exchange)


def error(message: str = INVALID, **fields: Any) -> dict[str, Any]:
    return {"error": {"message": message, **fields}}


RIGHT = [
    pytest.param(error(), id="no-causes"),
    pytest.param(error(caused_by=["dtype: unknown variant `int8`"]), id="one-cause"),
    pytest.param(error(caused_by=["a", "b", "a"]), id="cause-again-later"),
    pytest.param(error(f"{INVALID}: more"), id="message-continues"),
]


@pytest.mark.parametrize("body", RIGHT)
def test_right_body_has_no_difference(body: dict[str, Any]) -> None:
    assert body_differences(answer(body), V2, INVALID) == []


WRONG = [
    pytest.param(error(code=400), "unexpected keys ['code']", id="extra-key"),
    pytest.param(error("bad request"), "does not start with", id="other-message"),
    pytest.param(error(f" {INVALID}"), "does not start with", id="message-not-at-start"),
    pytest.param(error(caused_by=[]), "not a non-empty list", id="empty-causes"),
    pytest.param(error(caused_by=None), "not a non-empty list", id="null-causes"),
    pytest.param(error(caused_by="a"), "not a non-empty list", id="string-causes"),
    pytest.param(error(caused_by=["a", "a"]), "repeats a cause", id="repeated-cause"),
]


@pytest.mark.parametrize("body,words", WRONG)
def test_wrong_body_has_one_difference(body: dict[str, Any], words: str) -> None:
    diffs = body_differences(answer(body), V2, INVALID)
    assert len(diffs) == 1 and words in diffs[0], diffs


def test_no_message_skips_only_the_prefix() -> None:
    assert body_differences(answer(error("bad request")), V2, None) == []
    assert len(body_differences(answer(error("bad request", code=1)), V2, None)) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"detail": "no"}, id="not-an-error-object"),
        pytest.param({"error": "text"}, id="error-not-an-object"),
        pytest.param(["error"], id="not-a-map"),
    ],
)
def test_shape_left_to_error_differences(body: Any) -> None:
    """A body of the wrong shape is error_differences' one difference, not one more here."""
    assert body_differences(answer(body), V2, INVALID) == []


def test_other_error_formats_have_no_such_rules() -> None:
    assert body_differences(answer(error("bad", code=1, caused_by=[])), PROTOTYPE, INVALID) == []


def test_assert_error_with_message_checks_the_body() -> None:
    with pytest.raises(SpecDifference) as failure:
        assert_error(answer(error("bad dtype")), 400, V2, ("dtype",), message=INVALID)
    assert len(failure.value.differences) == 1, failure.value.differences
    assert "does not start with" in failure.value.differences[0]


def test_assert_error_without_message_leaves_the_body() -> None:
    assert_error(answer(error("bad dtype", caused_by=[])), 400, V2, ("dtype",))


def test_assert_error_with_message_passes_a_right_body() -> None:
    assert_error(answer(error(caused_by=["dtype: int8"])), 400, V2, ("dtype",), message=INVALID)


def test_assert_error_skips_the_body_of_a_success() -> None:
    """A 200 is the status difference alone: a success has no error body to hold to the rules."""
    with pytest.raises(SpecDifference) as failure:
        assert_error(answer(error("other"), status=200), 400, V2, message=INVALID)
    assert failure.value.differences == ["status 200 != 400"]

"""Meta-tests of the error checks for FastAPI's convention (the prototype) and status sets.

FastAPI answers model validation with 422 and a list of ``{loc, msg, type}``, and its own
checks with 400 and a string ``detail`` (docs/spec.md#prototype). Each wrong answer below
breaks that convention in one way and must give exactly one difference; each right one none.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from compliance.checks import WHOLE_BODY, error_differences
from compliance.client import HttpExchange, Result, parse_response
from compliance.profiles import BUILTIN_PROFILES

PROTOTYPE = BUILTIN_PROFILES["prototype"]
V2 = BUILTIN_PROFILES["reductionist-0.13"]
INVALID = PROTOTYPE.validation_statuses()


def answer(status: int, body: Any, content_type: str = "application/json") -> Result:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    exchange = HttpExchange(
        "http://127.0.0.1:8100/v1/sum/",
        b"{}",
        "application/json",
        ("user", "password"),
        None,
        status,
        {"content-type": content_type},
        content,
    )
    return parse_response("v1", exchange)


def entry(*loc: Any, msg: str = "value is not a valid integer") -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": "type_error.integer"}


def only(diffs: list[str], *words: str) -> None:
    assert len(diffs) == 1, diffs
    assert all(w in diffs[0] for w in words), diffs


def test_validation_statuses_by_profile() -> None:
    assert V2.validation_statuses() == (400,)
    assert INVALID == (400, 422)


def test_model_refusal_names_the_field_in_its_location() -> None:
    body = {"detail": [entry("body", "offset")]}
    assert error_differences(answer(422, body), INVALID, PROTOTYPE, ("offset",)) == []


def test_own_check_names_the_field_in_its_text() -> None:
    body = {"detail": "offset must be a multiple of the item size"}
    assert error_differences(answer(400, body), INVALID, PROTOTYPE, ("offset",)) == []


def test_status_outside_the_set() -> None:
    body = {"detail": "Internal Server Error"}
    only(error_differences(answer(500, body), INVALID, PROTOTYPE), "status 500 != 400 or 422")


def test_a_422_with_a_string_detail() -> None:
    diffs = error_differences(answer(422, {"detail": "bad"}), INVALID, PROTOTYPE)
    only(diffs, "422 detail is not a list")


def test_a_400_with_a_validation_list() -> None:
    diffs = error_differences(answer(400, {"detail": [entry("body")]}), INVALID, PROTOTYPE)
    only(diffs, "400 detail is not a non-empty string")


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param([], id="empty-list"),
        pytest.param([{"loc": ["body"], "msg": "x"}], id="no-type"),
        pytest.param([{"loc": [], "msg": "x", "type": "t"}], id="empty-loc"),
        pytest.param([{"loc": "body", "msg": "x", "type": "t"}], id="loc-not-list"),
        pytest.param(["field required"], id="strings"),
    ],
)
def test_malformed_validation_list(detail: Any) -> None:
    diffs = error_differences(answer(422, {"detail": detail}), INVALID, PROTOTYPE)
    only(diffs, "not a list of {loc, msg, type}")


def test_body_without_detail() -> None:
    only(error_differences(answer(400, {"error": "x"}), INVALID, PROTOTYPE), "not {'detail'")


def test_model_refusal_naming_another_field() -> None:
    body = {"detail": [entry("body", "size")]}
    diffs = error_differences(answer(422, body), INVALID, PROTOTYPE, ("offset",))
    only(diffs, "names none of", "body.size")


@pytest.mark.parametrize(
    "loc",
    [pytest.param(["body"], id="missing-body"), pytest.param(["body", 7], id="json-position")],
)
def test_whole_body_located_at_the_body(loc: list[Any]) -> None:
    body = {"detail": [entry(*loc, msg="field required")]}
    assert error_differences(answer(422, body), INVALID, PROTOTYPE, (WHOLE_BODY,)) == []


def test_whole_body_not_satisfied_by_a_field() -> None:
    """A refusal located at one field does not say the body as a whole was wrong."""
    body = {"detail": [entry("body", "offset")]}
    diffs = error_differences(answer(422, body), INVALID, PROTOTYPE, (WHOLE_BODY,))
    only(diffs, "names none of", "body.offset")


def test_whole_body_named_in_a_string_detail() -> None:
    body = {"detail": "There was an error parsing the body"}
    assert error_differences(answer(400, body), INVALID, PROTOTYPE, (WHOLE_BODY,)) == []
    diffs = error_differences(
        answer(400, {"detail": "offset is odd"}), INVALID, PROTOTYPE, ("JSON",)
    )
    only(diffs, "names none of")


def test_whole_body_or_the_missing_fields() -> None:
    body = {"detail": [entry("body", "source", msg="field required")]}
    mentions = (WHOLE_BODY, "dtype", "source")
    assert error_differences(answer(422, body), INVALID, PROTOTYPE, mentions) == []


def test_reductionist_profile_keeps_one_status() -> None:
    body = {"error": {"message": "request data is not valid", "caused_by": ["dtype: bad"]}}
    only(error_differences(answer(422, body), V2.validation_statuses(), V2), "status 422 != 400")

"""Meta-tests of the error checks on Reductionist's error body: each wrong answer alone."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.checks import assert_error, error_differences

from .answers import (
    GOOD_ERROR,
    PROTOTYPE,
    V2,
    error_answer,
    only_difference,
    v2_answer,
)


def test_correct_error_has_no_differences() -> None:
    assert error_differences(error_answer(), 400, V2, ("dtype",)) == []
    assert error_differences(error_answer(), 400, V2) == []
    assert_error(error_answer(), 400, V2, ("int8", "dtype"))


def test_correct_error_without_caused_by() -> None:
    body = {"error": {"message": "unsupported operation foo"}}
    assert error_differences(error_answer(404, body), 404, V2, ("foo",)) == []


def test_correct_prototype_error() -> None:
    body = {"detail": [{"loc": ["body", "dtype"], "msg": "bad", "type": "value_error"}]}
    assert error_differences(error_answer(422, body), 422, PROTOTYPE, ("dtype",)) == []


def test_wrong_error_status() -> None:
    only_difference(error_differences(error_answer(500), 400, V2), "status 500 != 400")


def test_success_where_an_error_was_expected() -> None:
    only_difference(error_differences(v2_answer(), 400, V2), "status 200 != 400")


def test_no_response_where_an_error_was_expected() -> None:
    only_difference(error_differences(error_answer(None), 400, V2), "no HTTP response")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"Internal Server Error", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param({"message": "no error wrapper"}, id="unwrapped"),
        pytest.param(["request data is not valid"], id="list"),
        pytest.param({"error": "flat string"}, id="error-not-object"),
    ],
)
def test_error_body_of_the_wrong_shape(body: Any) -> None:
    only_difference(error_differences(error_answer(body=body), 400, V2), "error body is not")


def test_prototype_body_from_a_reductionist_profile_and_back() -> None:
    fastapi = {"detail": "Bad Request"}
    only_difference(error_differences(error_answer(body=fastapi), 400, V2), "error body is not")
    only_difference(
        error_differences(error_answer(body=GOOD_ERROR), 400, PROTOTYPE), "error body is not"
    )


def test_wrong_error_content_type() -> None:
    answer = error_answer(content_type="text/plain")
    only_difference(error_differences(answer, 400, V2), "content type", "text/plain")


@pytest.mark.parametrize(
    "error",
    [
        pytest.param({"message": ""}, id="empty"),
        pytest.param({"caused_by": ["x"]}, id="absent"),
        pytest.param({"message": None}, id="null"),
        pytest.param({"message": 42}, id="number"),
    ],
)
def test_missing_or_empty_message(error: dict[str, Any]) -> None:
    answer = error_answer(body={"error": error})
    only_difference(error_differences(answer, 400, V2), "message missing or empty")


@pytest.mark.parametrize("causes", ["not a list", [1, 2], [None]])
def test_caused_by_not_a_list_of_strings(causes: Any) -> None:
    answer = error_answer(
        body={"error": {"message": "request data is not valid", "caused_by": causes}}
    )
    only_difference(error_differences(answer, 400, V2), "caused_by")


def test_message_that_does_not_name_the_field() -> None:
    diffs = error_differences(error_answer(), 400, V2, ("selection", "stride"))
    only_difference(diffs, "names none of", "selection", "stride")


def test_field_named_in_a_cause_counts_case_insensitively() -> None:
    assert error_differences(error_answer(), 400, V2, ("DTYPE",)) == []


def test_assert_error_message_carries_the_reproducer() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_error(error_answer(500), 400, V2)
    message = str(caught.value)
    assert "status 500 != 400" in message and "reproduce: curl" in message
    assert "secret-password" not in message

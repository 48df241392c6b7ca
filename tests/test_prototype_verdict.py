"""The Python prototype's verdict, held offline from its recorded answers.

CI cannot run the prototype (it is on no registry), so its answers were recorded by hand from the
real server (commit 89eac5b, FastAPI 0.99.1, pydantic 1.10.27) into
``tests/data/prototype-answers.jsonl``: the request, then status, headers and body verbatim.

Each recorded answer is fed through the suite's own checks with the ``prototype`` profile, as the
suite test it stands for would check it. The verdict the real run must give follows: an answer
that conforms belongs to a test that must pass (no deviation may cover it), an answer that does
not belongs to a test the profile lists as a known deviation. A check or profile change that would
flip a verdict of the real run flips one here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from compliance.checks import WHOLE_BODY, Statuses, error_differences, result_differences
from compliance.client import HttpExchange, Result, parse_response
from compliance.errors.common import LOCATION_FIELDS, invalid_status, unknown_operation_status
from compliance.oracle import expected_result
from compliance.profiles import resolve_profile

PROTOTYPE = resolve_profile("prototype")
ANSWERS = Path(__file__).parent / "data" / "prototype-answers.jsonl"
RECORDS = {r["name"]: r for r in map(json.loads, ANSWERS.read_text().splitlines())}

#: The objects the recorder stored (little-endian raw bytes), by key.
OBJECTS = {
    "i32-10": np.arange(10, dtype="<i4"),
    "i64-10": np.arange(10, dtype="<i8"),
    "f64-12": np.arange(12, dtype="<f8") * 0.5,
}

INVALID = invalid_status(PROTOTYPE)
# The suite test each recorded refusal stands for, with the status(es) and mentions that test
# checks (its table row's, or the literal in its call).
ERRORS: dict[str, tuple[str, Statuses, tuple[str, ...]]] = {
    "no-auth-401": ("test_auth.py::test_private_object_without_credentials[sum]", 401, ()),
    "wrong-credentials-403": ("test_auth.py::test_private_object_wrong_credentials[sum]", 401, ()),
    "wrong-user-403": ("test_auth.py::test_public_bucket_wrong_credentials", 401, ()),
    "unknown-dtype-422": ("errors/test_fields.py::test_unknown_dtype[int16]", INVALID, ("dtype",)),
    "missing-field-422": (
        "errors/test_fields.py::test_required_field_missing[object]",
        INVALID,
        ("object",),
    ),
    "unknown-operation-422": (
        "errors/test_objects.py::test_unknown_operation[foo]",
        unknown_operation_status(PROTOTYPE),
        ("foo", "operation"),
    ),
    "body-json-array-422": (
        "errors/test_body.py::test_body_not_a_request_object[array-of-request]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-empty-array-422": (
        "errors/test_body.py::test_body_not_a_request_object[array]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-json-string-422": (
        "errors/test_body.py::test_body_not_a_request_object[string]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-json-null-422": (
        "errors/test_body.py::test_body_not_a_request_object[null]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-empty-object-422": (
        "errors/test_body.py::test_body_not_a_request_object[empty-object]",
        INVALID,
        (WHOLE_BODY, "dtype", *LOCATION_FIELDS["v1"]),
    ),
    "body-empty": ("errors/test_body.py::test_malformed_json[empty]", INVALID, (WHOLE_BODY,)),
    "body-malformed-json": (
        "errors/test_body.py::test_malformed_json[truncated]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-nan-literal": (
        "errors/test_body.py::test_malformed_json[nan-literal]",
        INVALID,
        (WHOLE_BODY,),
    ),
    "body-not-utf8": ("errors/test_body.py::test_body_not_utf8", INVALID, (WHOLE_BODY,)),
    "order-A-400": ("errors/test_fields.py::test_unknown_order[A]", INVALID, ("order",)),
    "order-number-400": (
        "errors/test_fields.py::test_wrong_json_type[order-number]",
        INVALID,
        ("order",),
    ),
    "offset-float-unaligned-400": (
        "errors/test_fields.py::test_wrong_json_type[offset-float]",
        INVALID,
        ("offset",),
    ),
    "selection-without-shape-400": (
        "errors/test_geometry.py::test_selection_invalid[without-shape]",
        INVALID,
        ("selection",),
    ),
    "selection-length-mismatch-400": (
        "errors/test_geometry.py::test_selection_invalid[shorter-than-shape]",
        INVALID,
        ("selection",),
    ),
    "shape-mismatch-400": (
        "errors/test_objects.py::test_object_does_not_match_shape[shape-one-less]",
        400,
        ("size",),
    ),
    "size-short-of-shape-400": (
        "errors/test_geometry.py::test_size_invalid[one-element-short]",
        INVALID,
        ("size",),
    ),
    "no-such-key-404": ("errors/test_objects.py::test_nonexistent_object", 400, ("NoSuchKey",)),
    "no-such-bucket-404": (
        "errors/test_objects.py::test_nonexistent_bucket",
        400,
        ("NoSuchBucket",),
    ),
    "bucket-number-404": (
        "errors/test_fields.py::test_wrong_json_type[bucket-number]",
        INVALID,
        ("bucket",),
    ),
    "stride-zero-500": (
        "errors/test_geometry.py::test_selection_invalid[stride-zero]",
        INVALID,
        ("stride",),
    ),
    "size-not-multiple-500": (
        "errors/test_geometry.py::test_size_invalid[one-byte-short]",
        INVALID,
        ("size",),
    ),
    "object-not-multiple-500": (
        "errors/test_objects.py::test_object_does_not_match_shape[trailing-not-multiple]",
        400,
        ("size",),
    ),
    "source-relative-500": (
        "errors/test_fields.py::test_wrong_json_type[source-relative]",
        INVALID,
        ("source",),
    ),
    "offset-string-200": (
        "errors/test_fields.py::test_wrong_json_type[offset-string]",
        INVALID,
        ("offset",),
    ),
    "size-string-200": (
        "errors/test_fields.py::test_wrong_json_type[size-string]",
        INVALID,
        ("size",),
    ),
    "size-float-200": (
        "errors/test_fields.py::test_wrong_json_type[size-float]",
        INVALID,
        ("size",),
    ),
    "shape-float-200": (
        "errors/test_fields.py::test_wrong_json_type[shape-float]",
        INVALID,
        ("shape",),
    ),
    "size-one-element-long-200": (
        "errors/test_geometry.py::test_size_invalid[one-element-long]",
        INVALID,
        ("size",),
    ),
    "selection-empty-list-200": (
        "errors/test_geometry.py::test_selection_invalid[empty-list]",
        INVALID,
        ("selection",),
    ),
    "selection-entry-float-200": (
        "errors/test_geometry.py::test_selection_invalid[entry-float]",
        INVALID,
        ("selection",),
    ),
    "selection-entry-strings-200": (
        "errors/test_geometry.py::test_selection_invalid[entry-strings]",
        INVALID,
        ("selection",),
    ),
}
# min, max and mean of nothing: the oracle's error status for the prototype's generation
# (docs/spec.md#empty-selection)
EMPTY_REDUCTIONS = {
    "min-empty-selection-500": "test_missing.py::test_empty_selection[min]",
    "max-empty-selection-gt-500": "test_selection.py::test_selection[max-empty-start-gt-end-C]",
    # a 200 with int32 -2147483648: numpy's mean of nothing (NaN) cast to the dtype
    "mean-empty-selection-200": (
        "test_selection.py::test_mean_of_an_empty_selection[shape0-selection0]"
    ),
}
SUCCESSES = [
    "sum-int32",
    "select-2d-F",
    "select-2d-C",
    "count-int64",
    "mean-int32-truncates",
    "mean-float64",
    "min-int64",
    "max-float64-shape",
    "sum-empty-selection",
]


def recorded(name: str) -> tuple[dict[str, Any], Result]:
    """The record and the Result the suite's client makes of its answer."""
    record = RECORDS[name]
    request = record["request"]
    body = request.encode() if isinstance(request, str) else json.dumps(request).encode()
    exchange = HttpExchange(
        f"http://127.0.0.1:8100{record['path']}",
        body,
        "application/json",
        None if record["credentials"] is None else ("minioadmin", "****"),
        None,
        record["status"],
        record["headers"],
        bytes.fromhex(record["body_hex"]),
    )
    return record, parse_response("v1", exchange)


def nodeid(test: str) -> str:
    return f"compliance/{test}"


def assert_verdict(test: str, diffs: list[str]) -> None:
    """Differences and a known deviation go together; no differences, no deviation."""
    deviation = PROTOTYPE.xfail_reason(nodeid(test))
    if diffs:
        assert deviation is not None, f"{test} would fail the prototype run: {diffs}"
    else:
        assert deviation is None, f"{test} conforms but is listed as a deviation: {deviation}"


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_recorded_refusal(name: str) -> None:
    test, status, mentions = ERRORS[name]
    _, result = recorded(name)
    assert_verdict(test, error_differences(result, status, PROTOTYPE, mentions))


def stored_array(request: dict[str, Any]) -> np.ndarray:
    """The array the request reads: its byte range of the stored object, shaped and ordered."""
    raw = OBJECTS[request["object"]].tobytes()
    offset = request.get("offset", 0)
    chunk = raw[offset : offset + request["size"]] if "size" in request else raw[offset:]
    flat = np.frombuffer(chunk, dtype=request["dtype"])
    return flat.reshape(request.get("shape", flat.shape), order=request.get("order", "C"))


def expected_for(record: dict[str, Any]) -> Any:
    request = record["request"]
    operation = record["path"].strip("/").split("/")[1]
    selection = request.get("selection")
    return expected_result(
        operation,
        stored_array(request),
        PROTOTYPE,
        selection=tuple(map(tuple, selection)) if selection else None,
        order=request.get("order", "C"),
    )


@pytest.mark.parametrize("name", sorted(EMPTY_REDUCTIONS))
def test_recorded_empty_reduction(name: str) -> None:
    record, result = recorded(name)
    expected = expected_for(record)
    assert expected.error_status == 400
    diffs = error_differences(result, expected.error_status, PROTOTYPE)
    assert_verdict(EMPTY_REDUCTIONS[name], diffs)


@pytest.mark.parametrize("name", SUCCESSES)
def test_recorded_success_matches_the_oracle(name: str) -> None:
    """The prototype's answers (no count, no byte order) pass every check of its profile."""
    record, result = recorded(name)
    assert result_differences(expected_for(record), result, PROTOTYPE) == []


def test_every_prototype_deviation_is_held_by_a_recorded_answer() -> None:
    """No deviation entry without a recorded answer that shows the behaviour it names."""
    shown = [test for test, _, _ in ERRORS.values()] + list(EMPTY_REDUCTIONS.values())
    unheld = [
        d.pattern for d in PROTOTYPE.deviations if not any(d.matches(nodeid(t)) for t in shown)
    ]
    assert unheld == []


def test_a_success_with_a_wrong_value_is_reported() -> None:
    """Control: the oracle check above does look at the values."""
    record, result = recorded("sum-int32")
    result.data = np.array([46], dtype="<i4").tobytes()
    assert any(
        "values differ" in d for d in result_differences(expected_for(record), result, PROTOTYPE)
    )

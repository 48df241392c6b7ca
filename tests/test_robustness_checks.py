"""The robustness area's judgement of an answer under a backend fault, on hand-built answers:
a 200 with wrong data, no answer, a 4xx and a wrong body are each reported; a right answer is not.
"""

from __future__ import annotations

import numpy as np
import pytest

from compliance.case import Prepared
from compliance.client import ObjectRef
from compliance.data import encode_object
from compliance.robustness import (
    FAULTS,
    SERVER_ERRORS,
    Outcome,
    Played,
    fault_differences,
    through,
)
from compliance.robustness_toxiproxy import fault_proxy
from tests.answers import EXPECTED, V2, error_answer, only_difference, v2_answer

BY_NAME = {fault.name: fault for fault in FAULTS}
S3_ERROR = {"error": {"message": "error receiving object from S3 storage", "caused_by": ["x"]}}


def outcome(answer: object, seconds: float = 0.5) -> Outcome:
    played = Played(answer, seconds)  # type: ignore[arg-type]
    return Outcome(EXPECTED, played, played)  # the recovery answer is not judged here


def test_every_fault_but_the_answering_ones_expects_an_error() -> None:
    assert {f.name for f in FAULTS if f.answers} == {"latency-modest", "slicer"}
    assert 400 not in SERVER_ERRORS and 500 in SERVER_ERRORS


def test_right_answer_under_an_answering_fault_passes() -> None:
    assert fault_differences(BY_NAME["slicer"], "s3", outcome(v2_answer()), V2) == []


def test_wrong_answer_under_an_answering_fault_fails_with_its_time() -> None:
    wrong = v2_answer(bytes=np.array([6, 16], dtype="<i4").tobytes())
    diffs = fault_differences(BY_NAME["latency-modest"], "s3", outcome(wrong, 0.75), V2)
    assert diffs and "200 in 0.75 s; bound 5 s" in diffs[0], diffs


@pytest.mark.parametrize("fault", ["truncated-body", "reset-mid-body", "black-hole"])
def test_200_with_wrong_data_while_the_store_fails_is_reported(fault: str) -> None:
    wrong = v2_answer(bytes=np.array([6, 0], dtype="<i4").tobytes())
    diffs = fault_differences(BY_NAME[fault], "s3", outcome(wrong), V2)
    only_difference(diffs, "200 with wrong data", "error status")


def test_200_even_right_while_the_store_fails_is_reported() -> None:
    diffs = fault_differences(BY_NAME["store-down"], "http", outcome(v2_answer()), V2)
    only_difference(diffs, "200 while the store fails")


def test_no_answer_within_the_bound_is_reported() -> None:
    diffs = fault_differences(BY_NAME["black-hole"], "s3", outcome(error_answer(None), 5.0), V2)
    only_difference(diffs, "no answer within the bound (no answer (ReadTimeout", "in 5.00 s")


def test_server_error_with_the_json_body_naming_the_store_passes() -> None:
    answer = error_answer(500, S3_ERROR)
    assert fault_differences(BY_NAME["truncated-body"], "s3", outcome(answer), V2) == []


def test_client_error_status_for_a_store_fault_is_reported() -> None:
    answer = error_answer(400, {"error": {"message": "HTTP request error"}})
    diffs = fault_differences(BY_NAME["store-down"], "http", outcome(answer), V2)
    only_difference(diffs, "status 400 != 500 or 502 or 503 or 504")


def test_error_not_naming_the_store_is_reported() -> None:
    answer = error_answer(500, {"error": {"message": "something went wrong"}})
    diffs = fault_differences(BY_NAME["store-down"], "s3", outcome(answer), V2)
    assert len(diffs) == 1 and "S3" in diffs[0], diffs


def test_plain_text_error_is_reported() -> None:
    answer = error_answer(502, b"Bad Gateway", "text/plain")
    diffs = fault_differences(BY_NAME["store-down"], "s3", outcome(answer), V2)
    assert any("content type" in d for d in diffs), diffs


def test_request_names_the_proxy_instead_of_the_store() -> None:
    encoded = encode_object(np.arange(4, dtype="int64"))
    ref = ObjectRef("http", "http://127.0.0.1:8000", "", "abc")
    body = {"interface_type": "http", "url": ref.url, "dtype": "int64", "shape": [4]}
    prepared = Prepared(np.arange(4), None, ref, body, None, encoded)
    proxy = fault_proxy("http", "http://127.0.0.1:8000")
    assert proxy.upstream == "127.0.0.1:8000" and proxy.url == "http://127.0.0.1:8621"
    rewritten = through(prepared, proxy, "v2")
    assert rewritten == {**body, "url": "http://127.0.0.1:8621/abc"}
    s3 = ObjectRef("s3", "http://127.0.0.1:9000", "bucket", "key")
    v1 = through(Prepared(np.arange(4), None, s3, {"dtype": "int64"}, None, encoded), proxy, "v1")
    assert v1 == {"source": "http://127.0.0.1:8621", "bucket": "bucket", "object": "key"} | {
        "dtype": "int64"
    }

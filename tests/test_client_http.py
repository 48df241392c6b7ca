"""The client's error answers, result values and reproducers (no network; the HTTP calls are in
test_http_transport.py)."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

from compliance.client import (
    Api,
    HttpExchange,
    parse_response,
)

from .client_answers import BASE_V2, exchange, v2

# --- error responses ------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_json_error_body_is_parsed(api: Api) -> None:
    body = {"error": {"message": "request data is not valid", "caused_by": ["dtype: unknown"]}}
    headers = {"content-type": "application/json"}
    result = parse_response(api, exchange(400, headers, json.dumps(body, indent=2).encode()))
    assert result.status == 400
    assert result.content_type == "application/json"
    assert result.error_body == body
    assert result.dtype is None and result.data == b""


def test_non_json_error_body_is_kept_as_text() -> None:
    result = parse_response("v2", exchange(500, {"content-type": "text/plain"}, b"panic \xff"))
    assert result.error_body == "panic \ufffd"


def test_empty_404_body_from_the_router() -> None:
    result = parse_response("v2", exchange(404, {}, b""))
    assert (result.status, result.error_body, result.content_type) == (404, "", "")


def test_no_response_at_all() -> None:
    result = parse_response("v2", exchange(None))
    assert result.status is None
    assert "no HTTP response" in result.exchange.describe()


# --- the values of a result -----------------------------------------------------------------------


def test_values_honour_a_big_endian_byte_order() -> None:
    data = np.array([1, 256, -2], dtype=">i4").tobytes()
    result = v2({**BASE_V2, "bytes": data, "byte_order": "big"})
    assert result.values().tolist() == [1, 256, -2]
    wrong = v2({**BASE_V2, "bytes": data, "byte_order": "little"})
    assert wrong.values().tolist() != [1, 256, -2]


def test_values_honour_the_layout() -> None:
    data = np.array([1, 4, 2, 5, 3, 6], dtype="<i4").tobytes()
    result = v2({**BASE_V2, "bytes": data, "shape": [2, 3], "count": [6]})
    assert result.values("F").tolist() == [[1, 2, 3], [4, 5, 6]]
    assert result.values("C").tolist() == [[1, 4, 2], [5, 3, 6]]


# --- reproducers ----------------------------------------------------------------------------------


def test_curl_masks_the_password_and_reproduces_the_body() -> None:
    body = json.dumps({"dtype": "int32", "note": 'it\'s "quoted" $HOME'}).encode()
    ex = exchange(body=body, auth=("alice", "s3cr3t-pass"))
    command = ex.curl()
    assert "s3cr3t-pass" not in command
    words = shlex.split(command)
    assert words[:2] == ["curl", "-sS"]
    assert "http://127.0.0.1:8080/v2/sum" in words
    assert words[words.index("-u") + 1] == "alice:****"
    assert words[words.index("-H") + 1] == "Content-Type: application/json"
    assert words[words.index("--data-binary") + 1].encode() == body
    assert "s3cr3t-pass" not in ex.describe()


def test_curl_without_auth_or_content_type_and_with_a_ca_cert() -> None:
    ex = HttpExchange("https://h/v2/max", b"{}", None, None, "/tmp/ca.pem", 200, {}, b"")
    words = shlex.split(ex.curl())
    assert "-u" not in words and "-H" not in words
    assert words[words.index("--cacert") + 1] == "/tmp/ca.pem"

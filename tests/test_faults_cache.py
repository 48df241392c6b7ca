"""The stateful cache faults: what each remembers, and that a refusal caches nothing. Each test
reads objects of its own, so no test sees another's cached state.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faults.messages import Request, Response

from tests.faults_support import (
    AUTH,
    APIS,
    make_request,
    make_answer,
    FakeServer,
    play,
    ERROR_400,
    _error,
    _own_object,
)


@pytest.mark.parametrize("api", APIS)
def test_cache_ignores_byte_range_serves_the_first_range(api: str) -> None:
    """After a good read, later valid reads of other ranges get the first range's bytes."""

    def request(fields: dict[str, Any]) -> Request:
        located = make_request(api, "sum", fields)
        body = json.loads(located.body)
        body["object" if api == "v1" else "url"] += "-range-cache-test"
        return located.with_json(body)

    def last_sent(fields: dict[str, Any], reply: Response | None = None) -> list[dict[str, Any]]:
        server = FakeServer(reply or make_answer(api, 1, "int32", [1]))
        play("cache-ignores-byte-range", request(fields), server)
        return [json.loads(s.body) for s in server.sent]

    refused = last_sent({"offset": 4, "size": 8}, ERROR_400)  # a refusal caches nothing
    assert [(b["offset"], b["size"]) for b in refused] == [(4, 8)]
    first = last_sent({"offset": 0, "size": 16})
    assert [(b["offset"], b["size"]) for b in first] == [(0, 16)]
    second = last_sent({"offset": 16, "size": 16})
    assert [(b["offset"], b["size"]) for b in second] == [(16, 16), (0, 16)]
    no_range = last_sent({"size": 32})[-1]
    assert (no_range["offset"], no_range["size"]) == (0, 16)
    other_dtype = last_sent({"dtype": "int64", "size": 32})
    assert len(other_dtype) == 1 and "offset" not in other_dtype[0]
    invalid = last_sent({"offset": "0", "size": 16}, ERROR_400)
    assert len(invalid) == 1 and invalid[0]["offset"] == "0"


@pytest.mark.parametrize("api", APIS)
def test_cache_ignores_credentials_reads_with_the_first_readers(api: str) -> None:
    """After a good read of a range, other credentials (or none) read with the first's."""

    def sent(auth: str | None, fields: dict[str, Any], reply: Response | None = None) -> list[Any]:
        server = FakeServer(reply or make_answer(api, 1, "int32", [1]))
        request = _own_object(api, fields, "-credential-cache-test", auth)
        play("cache-ignores-credentials", request, server)
        return [s.headers.get("authorization") for s in server.sent]

    chunk = {"offset": 0, "size": 16}
    assert sent(None, chunk, _error(401)) == [None]  # a refusal caches nothing
    assert sent(AUTH, chunk) == [AUTH]
    assert sent(None, chunk) == [AUTH]
    assert sent("Basic d3Jvbmc6d3Jvbmc=", chunk) == [AUTH]
    assert sent(AUTH, chunk) == [AUTH]
    assert sent(None, {"offset": 16, "size": 16}) == [None]


@pytest.mark.parametrize("api", APIS)
def test_cache_ignores_encoding_replays_the_first_decoding(api: str) -> None:
    """A later read of a cached range with other decoding fields is sent with the first's."""

    def sent(fields: dict[str, Any], reply: Response | None = None) -> list[dict[str, Any]]:
        server = FakeServer(reply or make_answer(api, 1, "int32", [1]))
        play("cache-ignores-encoding", _own_object(api, fields, "-decoded-cache-test"), server)
        return [json.loads(s.body) for s in server.sent]

    chunk = {"size": 16, "shape": [4]}
    assert len(sent({**chunk, "dtype": "int64"}, ERROR_400)) == 1  # a refusal caches nothing
    assert len(sent({**chunk, "compression": {"id": "gzip"}})) == 1
    later = sent({**chunk, "dtype": "float32", "byte_order": "big"})
    assert len(later) == 2 and later[0]["dtype"] == "float32"
    assert later[1]["dtype"] == "int32" and later[1]["compression"] == {"id": "gzip"}
    assert "byte_order" not in later[1] and later[1]["shape"] == [4]
    assert len(sent({"size": 32, "dtype": "float32"})) == 1


@pytest.mark.parametrize("api", APIS)
def test_cache_ignores_opt_out_keeps_the_first_answer(api: str) -> None:
    """The same request (opted out of the cache or not) gets the first good answer again."""
    old, new = make_answer(api, 1, "int32", [1]), make_answer(api, 2, "int32", [1])

    def outcome(fields: dict[str, Any], reply: Response, auth: str | None = AUTH) -> Any:
        server = FakeServer(reply)
        request = _own_object(api, fields, "-answer-cache-test", auth)
        return play("cache-ignores-opt-out", request, server), len(server.sent)

    assert outcome({}, ERROR_400) == (ERROR_400, 1)  # a refusal caches nothing
    assert outcome({}, old) == (old, 1)
    assert outcome({}, new) == (old, 0)
    assert outcome({"option_disable_chunk_cache": True}, new) == (old, 0)
    assert outcome({}, new, auth=None) == (new, 1)
    assert outcome({"size": 8}, new) == (new, 1)

"""Request-side faults beyond the body: the path, the operation, the dtype or the credentials
that go upstream, or a request refused before it gets there.
"""

from __future__ import annotations

import base64

import pytest

from faults.messages import Request, Response

from tests.faults_support import (
    APIS,
    make_request,
    make_answer,
    FakeServer,
    play,
    forwarded,
    decode,
    values_of,
    _error,
)


@pytest.mark.parametrize("api", APIS)
def test_trailing_slash_refused(api: str) -> None:
    server = FakeServer(make_answer(api, 1, "int32", [1]))
    assert play("trailing-slash-refused", make_request(api, "sum", slash=True), server) == Response(
        404, {}, b""
    )
    assert not server.sent
    assert play("trailing-slash-refused", make_request(api, "sum"), server) == server.reply


@pytest.mark.parametrize("api", APIS)
def test_wrong_credentials_fall_back_to_anonymous(api: str) -> None:
    good = make_answer(api, 1, "int32", [1])

    def reply(sent: Request) -> Response:
        return _error(401) if "authorization" in sent.headers else good

    server = FakeServer(reply)
    assert (
        play("wrong-credentials-fall-back-to-anonymous", make_request(api, "sum"), server) == good
    )
    assert [("authorization" in s.headers) for s in server.sent] == [True, False]
    refused = FakeServer(_error(401))
    anonymous = make_request(api, "sum", auth=False)
    assert play("wrong-credentials-fall-back-to-anonymous", anonymous, refused) == refused.reply
    assert len(refused.sent) == 1


@pytest.mark.parametrize("slash", [False, True])
@pytest.mark.parametrize("api", APIS)
def test_min_max_swapped_asks_for_the_other_operation(api: str, slash: bool) -> None:
    for op, other in (("max", "min"), ("min", "max"), ("sum", "sum")):
        server = FakeServer(make_answer(api, 1, "int32", [1]))
        play("min-max-swapped", make_request(api, op, slash=slash), server)
        assert server.sent[0].path == f"/{api}/{other}" + ("/" if slash else "")


@pytest.mark.parametrize("api", APIS)
def test_unsigned_as_signed_reduces_signed_but_answers_unsigned(api: str) -> None:
    request = make_request(api, "max", {"dtype": "uint32"})
    server = FakeServer(make_answer(api, -1, "int32", [4]))
    answer = decode(api, play("unsigned-as-signed", request, server))
    assert server.body["dtype"] == "int32"
    assert answer.dtype == "uint32" and values_of(answer) == [2**32 - 1]
    signed = make_request(api, "max", {"dtype": "int64"})
    assert forwarded("unsigned-as-signed", signed)["dtype"] == "int64"


@pytest.mark.parametrize("api", APIS)
def test_credential_faults(api: str) -> None:
    with_auth = make_request(api, "sum")
    server = FakeServer(make_answer(api, 1, "int32", [1]))
    play("credentials-not-forwarded", with_auth, server)
    assert "authorization" not in server.sent[0].headers

    anonymous = make_request(api, "sum", auth=False)
    server = FakeServer(make_answer(api, 1, "int32", [1]))
    play("private-data-without-credentials", anonymous, server)
    assert (
        server.sent[0].headers["authorization"]
        == "Basic " + base64.b64encode(b"s3user:s3pass").decode()
    )
    server = FakeServer(make_answer(api, 1, "int32", [1]))
    play("private-data-without-credentials", with_auth, server)
    assert server.sent == [with_auth]

    server = FakeServer(make_answer(api, 1, "int32", [1]))
    refused = play("anonymous-refused", anonymous, server)
    assert refused is not None and refused.status == 401 and not server.sent
    assert play("anonymous-refused", with_auth, server) == server.reply


def test_private_data_without_credentials_uses_the_http_stores_for_http() -> None:
    request = make_request("v2", "sum", auth=False, interface="http")
    server = FakeServer(make_answer("v2", 1, "int32", [1]))
    play("private-data-without-credentials", request, server)
    token = base64.b64encode(b"httpuser:httppass").decode()
    assert server.sent[0].headers["authorization"] == f"Basic {token}"

"""Response-side faults in how a good answer is framed: the v2 ``*_as_bytes`` fields, the
content type, the connection, and what a decoding client takes on trust (spec#responses):
trailing bytes, CBOR tags and duplicate keys, float-typed numbers, stray headers.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Callable, Literal

import cbor2
import numpy as np

from .edits import swap_order
from .messages import CONTENT_TYPES, Answer, Request, Response, pack_ints
from .registry import Context, Forward, Outcome, add_fault, answer_fault, fault


@answer_fault(
    "as-bytes-wrong-endian",
    "options",
    "shape_as_bytes/count_as_bytes are encoded in the other byte order",
    apis=("v2",),
)
def _as_bytes_endian(answer: Answer, request: Request) -> None | Literal[False]:
    if not (answer.shape_as_bytes or answer.count_as_bytes):
        return False
    answer.as_bytes_order = swap_order(answer.byte_order)
    return None


@fault(
    "as-bytes-unrequested",
    "response",
    "options",
    "shape_as_bytes/count_as_bytes are filled even when not requested",
    apis=("v2",),
)
def _as_bytes_unrequested(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.api != "v2" or not request.is_reduction or response.status != 200:
        return response
    answer = Answer.decode("v2", response)
    if answer is None or answer.shape_as_bytes or answer.count_as_bytes:
        return response
    payload = cbor2.loads(response.body)
    words = answer.byte_order
    payload["shape_as_bytes"] = pack_ints(answer.shape, words, False)
    payload["count_as_bytes"] = pack_ints(answer.count, words, True)
    return response.replace(body=cbor2.dumps(payload))


@fault(
    "wrong-content-type",
    "response",
    "operations",
    "results are labelled with the other API's content type",
)
def _wrong_content_type(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if not request.is_reduction or response.status != 200:
        return response
    other = CONTENT_TYPES["v1" if request.api == "v2" else "v2"]
    return response.replace(headers={**response.headers, "content-type": other})


@fault(
    "drop-connection-on-empty",
    "response",
    "missing or selection or axis",
    "an empty selection or all-missing data crashes the request (connection dropped)",
)
def _drop_on_empty(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    api = request.api
    if not request.is_reduction or api is None or response.status != 200:
        return response
    answer = Answer.decode(api, response)
    if answer is not None and answer.count and not any(answer.count):
        return None
    return response


@fault(
    "drop-connection-large",
    "response",
    "edge",
    "results over 1 MiB crash the request (connection dropped)",
)
def _drop_large(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.is_reduction and response.status == 200 and len(response.body) > 1 << 20:
        return None
    return response


# --- response framing: what a decoding client takes on trust (spec#responses) -----------------

FramingEdit = Callable[[Response, Request], Response]


def framing_fault(
    name: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[FramingEdit], FramingEdit]:
    """Register a change of a successful answer's bytes or headers, its fields left as they are."""

    def register(edit: FramingEdit) -> FramingEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            if not request.is_reduction or request.api is None or response.status != 200:
                return response
            return edit(response, request)

        add_fault(name, "response", "operations", description, play, apis)
        return edit

    return register


def _cbor_head(major: int, argument: int) -> bytes:
    """A CBOR head: the unsigned-integer encoding of ``argument`` with another major type."""
    head = bytearray(cbor2.dumps(argument))
    head[0] |= major << 5
    return bytes(head)


@framing_fault(
    "trailing-newline", "a newline follows the answer body (after the CBOR map; after v1's bytes)"
)
def _trailing_newline(response: Response, request: Request) -> Response:
    return response.replace(body=response.body + b"\n")


@framing_fault(
    "cbor-self-describe-tag",
    "the CBOR map is wrapped in the self-describe tag 55799, which lenient decoders strip",
    apis=("v2",),
)
def _self_describe_tag(response: Response, request: Request) -> Response:
    return response.replace(body=_cbor_head(6, 55799) + response.body)


@framing_fault(
    "cbor-duplicate-key",
    "the CBOR map repeats its last key (same value), as a hand-rolled encoder might",
    apis=("v2",),
)
def _duplicate_key(response: Response, request: Request) -> Response:
    payload = cbor2.loads(response.body)
    if not isinstance(payload, dict) or not payload:
        return response
    pairs = [cbor2.dumps(k) + cbor2.dumps(v) for k, v in payload.items()]
    body = _cbor_head(5, len(pairs) + 1) + b"".join(pairs) + pairs[-1]
    return response.replace(body=body)


@answer_fault(
    "cbor-extra-key", "operations", "the CBOR map carries a key the spec has not", apis=("v2",)
)
def _extra_key(answer: Answer, request: Request) -> None:
    answer.extra["version"] = "0.13.1"


@framing_fault("numbers-as-floats", "shape and count numbers are sent as floats (2.0, not 2)")
def _numbers_as_floats(response: Response, request: Request) -> Response:
    if request.api == "v1":
        headers = dict(response.headers)
        for name in ("x-activestorage-shape", "x-activestorage-count"):
            value = json.loads(headers.get(name, "null"))
            if isinstance(value, (int, list)):
                headers[name] = json.dumps(np.asarray(value, dtype=float).tolist())
        return response.replace(headers=headers)
    payload = cbor2.loads(response.body)
    for key in ("shape", "count"):
        if isinstance(payload.get(key), list):
            payload[key] = [float(v) for v in payload[key]]
    return response.replace(body=cbor2.dumps(payload))


@framing_fault(
    "content-type-charset", "the content type carries a charset: 'application/cbor; charset=utf-8'"
)
def _content_type_charset(response: Response, request: Request) -> Response:
    content_type = f"{response.headers.get('content-type', '')}; charset=utf-8"
    return response.replace(headers={**response.headers, "content-type": content_type})


@framing_fault(
    "v1-headers-in-v2",
    "v2 answers also carry the v1 x-activestorage-* headers (a half-finished migration)",
    apis=("v2",),
)
def _v1_headers_in_v2(response: Response, request: Request) -> Response:
    answer = Answer.decode("v2", response)
    if answer is None:
        return response
    v1_form = dataclasses.replace(answer, api="v1").encode(Response(200, {}, b""))
    return response.replace(headers={**response.headers, **v1_form.headers})

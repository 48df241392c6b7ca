"""The fault registry: what a fault is, and the decorators that add one to ``FAULTS``.

Each fault is a *player*: a function of the client's request, a ``forward`` callable that sends
a request to the real server and returns its answer, and a ``Context`` (the credentials of the
stack). It returns the answer the client gets, or None to drop the connection unanswered. All
players are pure but the cache faults' (``faults.cache``), which remember what they have served.

- **request** faults rewrite the request before forwarding, as a server that ignores or
  mishandles a feature would; the real server then computes a plausible but wrong answer.
- **response** faults alter a good answer (values, dtype, shape, count, byte order, framing).
- **error** faults alter failures (status, body shape, message) or accept what must be refused.
- **transport** faults hold, reset or truncate answers: a server in trouble (``faults.transport``).

Faults only act on ``POST /v1/{op}`` and ``POST /v2/{op}`` (error faults also on unknown
operations); every other request passes through unchanged. ``areas`` is the pytest marker
expression of the suite's feature areas the fault concerns, which the mutation-score runner uses
to run only the relevant part of the suite. The side modules register their faults on import;
``faults.catalog`` imports them all, in the order ``FAULTS`` (and ``--list``) shows them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Literal

from .messages import Answer, Request, Response

Forward = Callable[[Request], Response]


@dataclass(frozen=True)
class Held:
    """No answer at all: the connection stays open until the client gives up."""


@dataclass(frozen=True)
class Truncated:
    """The answer's headers (with its full Content-Length), ``sent`` bytes of body, a close."""

    response: Response
    sent: int


# None: close the connection without an answer.
Outcome = Response | Held | Truncated | None
Side = Literal["request", "response", "error", "transport"]


@dataclass(frozen=True)
class Context:
    """What a fault may know besides the exchange: the credentials of the stack's stores."""

    s3_auth: tuple[str, str] = ("minioadmin", "minioadmin")
    http_auth: tuple[str, str] = ("admin", "admin")


Player = Callable[[Request, Forward, Context], Outcome]


@dataclass(frozen=True)
class Fault:
    name: str
    side: Side
    description: str
    areas: str  # pytest -m expression: the feature areas this fault concerns
    play: Player
    apis: tuple[str, ...] = ("v1", "v2")  # API generations the fault can occur in


def passthrough(request: Request, forward: Forward, context: Context) -> Outcome:
    return forward(request)


#: The no-fault baseline: the proxy is transparent.
NONE = Fault(
    "none", "request", "no fault: every request and answer passes through", "", passthrough
)

FAULTS: list[Fault] = []


def add_fault(
    name: str, side: Side, areas: str, description: str, play: Player, apis: tuple[str, ...]
) -> None:
    """Add a fault to ``FAULTS``; a name used twice (a side module loaded twice) is an error."""
    if any(f.name == name for f in FAULTS) or name == NONE.name:
        raise ValueError(f"fault {name!r} defined twice")
    FAULTS.append(Fault(name, side, description, areas, play, apis))


# --- player builders -----------------------------------------------------------------------------

BodyEdit = Callable[[dict[str, Any], Request], None]
AnswerEdit = Callable[[Answer, Request], "Response | None | Literal[False]"]
ErrorEdit = Callable[[Response, Request], Outcome]


def request_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[BodyEdit], BodyEdit]:
    """Register an edit of the JSON request body, applied before forwarding.

    The request is re-serialised only when the edit changed something, so bodies the edit does
    not touch (including malformed ones) reach the server byte for byte.
    """

    def register(edit: BodyEdit) -> BodyEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            body = request.json() if request.is_reduction else None
            if body is None:
                return forward(request)
            changed = copy.deepcopy(body)
            edit(changed, request)
            return forward(request.with_json(changed) if changed != body else request)

        add_fault(name, "request", areas, description, play, apis)
        return edit

    return register


def answer_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[AnswerEdit], AnswerEdit]:
    """Register a change of a successful answer's fields (decoded from its v1/v2 framing).

    The edit changes the ``Answer`` in place and returns False (nothing to do: pass the
    answer unchanged) or None (encode the changed answer), or returns a whole new Response.
    """

    def register(edit: AnswerEdit) -> AnswerEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            api = request.api
            if not request.is_reduction or api is None or response.status != 200:
                return response
            answer = Answer.decode(api, response)
            if answer is None:
                return response
            outcome = edit(answer, request)
            if outcome is False:
                return response
            return answer.encode(response) if outcome is None else outcome

        add_fault(name, "response", areas, description, play, apis)
        return edit

    return register


def error_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[ErrorEdit], ErrorEdit]:
    """Register a change of an error answer (status >= 400) to a POST /vN/{anything}."""

    def register(edit: ErrorEdit) -> ErrorEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            if request.operation is None or response.status < 400:
                return response
            return edit(response, request)

        add_fault(name, "error", areas, description, play, apis)
        return edit

    return register


def fault(
    name: str, side: Side, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[Player], Player]:
    """Register a player written out in full (several upstream calls, header changes, ...)."""

    def register(play: Player) -> Player:
        add_fault(name, side, areas, description, play, apis)
        return play

    return register

"""Faults of a server in trouble: it holds requests unanswered, resets them, or cuts answers short.

These do not make an answer wrong; they make it never arrive, or arrive broken. What they check
is the suite's side (docs/spec.md#robustness): every affected test fails fast with a clear message,
the run finishes, and once the server has stopped answering the verdict says so.
"""

from __future__ import annotations

from .messages import Request, Response
from .registry import Context, Forward, Held, Outcome, Truncated, fault

#: Answers larger than this are held by ``hold-large-answers``.
LARGE_ANSWER = 2**20


@fault("hold-every-request", "transport", "operations", "never answers a reduction (a black hole)")
def _hold_every_request(request: Request, forward: Forward, context: Context) -> Outcome:
    return Held() if request.is_reduction else forward(request)


@fault(
    "hold-large-answers",
    "transport",
    "edge",
    f"never answers when the answer would exceed {LARGE_ANSWER // 2**20} MiB",
)
def _hold_large_answers(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.is_reduction and len(response.body) > LARGE_ANSWER:
        return Held()
    return response


@fault("reset-every-request", "transport", "operations", "closes the connection on every reduction")
def _reset_every_request(request: Request, forward: Forward, context: Context) -> Outcome:
    return None if request.is_reduction else forward(request)


@fault(
    "truncate-answers",
    "transport",
    "operations",
    "sends half of each successful answer's body, then closes the connection",
)
def _truncate_answers(request: Request, forward: Forward, context: Context) -> Outcome:
    response: Response = forward(request)
    if request.is_reduction and response.status == 200 and response.body:
        return Truncated(response, len(response.body) // 2)
    return response

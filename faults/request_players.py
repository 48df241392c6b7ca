"""Request-side faults beyond the JSON body: the path, the operation, the dtype or the
credentials change on the way upstream, or the request is refused before it gets there.
"""

from __future__ import annotations

from .edits import SIGNED_OF, basic_auth, operation_path
from .messages import Answer, Request, Response, error_response
from .registry import Context, Forward, Outcome, fault


@fault(
    "trailing-slash-refused",
    "request",
    "operations",
    "POST /vN/{op}/ (with a trailing slash, as Python clients send) gets a bare 404",
)
def _trailing_slash(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction and request.path.split("?")[0].endswith("/"):
        return Response(404, {}, b"")
    return forward(request)


@fault(
    "wrong-credentials-fall-back-to-anonymous",
    "request",
    "auth",
    "refused credentials are retried anonymously, so public data are served to anyone",
)
def _fall_back_anonymous(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.is_reduction and response.status == 401 and "authorization" in request.headers:
        return forward(request.with_headers(authorization=None))
    return response


@fault("min-max-swapped", "request", "operations", "max computes the minimum and vice versa")
def _min_max_swapped(request: Request, forward: Forward, context: Context) -> Outcome:
    swap = {"min": "max", "max": "min"}
    if request.operation in swap:
        return forward(request.with_path(operation_path(request, swap[str(request.operation)])))
    return forward(request)


@fault(
    "unsigned-as-signed",
    "request",
    "operations or edge or missing or errors",
    "uint32/uint64 data are reduced as int32/int64 (the answer still says unsigned)",
)
def _unsigned_as_signed(request: Request, forward: Forward, context: Context) -> Outcome:
    body = request.json() if request.is_reduction else None
    dtype = body.get("dtype") if body else None
    if body is None or request.api is None or not isinstance(dtype, str) or dtype not in SIGNED_OF:
        return forward(request)
    response = forward(request.with_json({**body, "dtype": SIGNED_OF[str(dtype)]}))
    answer = Answer.decode(request.api, response)
    if answer is None or answer.dtype != SIGNED_OF[str(dtype)]:
        return response
    answer.dtype = str(dtype)
    return answer.encode(response)


@fault(
    "credentials-not-forwarded",
    "request",
    "auth or http",
    "the client's credentials are not passed on: every read is anonymous",
)
def _credentials_dropped(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction:
        return forward(request.with_headers(authorization=None))
    return forward(request)


@fault(
    "private-data-without-credentials",
    "request",
    "auth or http",
    "requests without credentials are served with the server's own (private data leak)",
)
def _private_without_credentials(request: Request, forward: Forward, context: Context) -> Outcome:
    if not request.is_reduction or "authorization" in request.headers:
        return forward(request)
    body = request.json() or {}
    http = str(body.get("interface_type", "")).startswith("http")
    credentials = context.http_auth if http else context.s3_auth
    return forward(request.with_headers(authorization=basic_auth(credentials)))


@fault(
    "anonymous-refused",
    "request",
    "auth or http",
    "requests without credentials are refused with 401 even for public data",
)
def _anonymous_refused(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction and "authorization" not in request.headers:
        return error_response(401, "missing credentials", ["Authorization header required"])
    return forward(request)

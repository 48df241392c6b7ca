"""Error-side faults: failures answered with the wrong status, body shape or message, dropped
connections, and invalid requests accepted by a server that retries them without the fault.
"""

from __future__ import annotations

from .edits import KNOWN_FIELDS, OPTIONAL_FIELDS, edit_error, error_text
from .messages import CONTENT_TYPES, Request, Response, json_response
from .registry import Context, Forward, Outcome, error_fault, fault


@fault(
    "lenient-validation",
    "error",
    "errors",
    "invalid input is accepted by silently dropping the offending field",
)
def _lenient(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.is_reduction else None
    if body is None or response.status != 400:
        return response
    known = KNOWN_FIELDS.get(request.api or "", set())
    candidates = [n for n in body if n not in known] + [n for n in OPTIONAL_FIELDS if n in body]
    for name in candidates:
        retry = forward(request.with_json({k: v for k, v in body.items() if k != name}))
        if retry.status == 200:
            return retry
    return response


@error_fault("error-status-500", "errors or auth", "client errors (4xx) are answered 500")
def _status_500(response: Response, request: Request) -> Outcome:
    return response.replace(status=500) if response.status < 500 else response


@error_fault("auth-error-as-403", "auth", "refused credentials are answered 403, not 401")
def _auth_403(response: Response, request: Request) -> Outcome:
    return response.replace(status=403) if response.status == 401 else response


@error_fault("not-found-as-400", "errors", "an unknown operation is answered 400, not 404")
def _not_found_400(response: Response, request: Request) -> Outcome:
    return response.replace(status=400) if response.status == 404 else response


@error_fault("bad-request-as-422", "errors", "invalid requests are answered 422, not 400")
def _bad_request_422(response: Response, request: Request) -> Outcome:
    return response.replace(status=422) if response.status == 400 else response


@error_fault(
    "http-upstream-status-leaked",
    "http",
    "HTTP-store refusals are passed on as 401/404 instead of 400 'HTTP request error'",
    apis=("v2",),
)
def _http_status_leaked(response: Response, request: Request) -> Outcome:
    if response.status == 400 and "HTTP request error" in error_text(response):
        return response.replace(status=404 if "authorization" in request.headers else 401)
    return response


@error_fault(
    "missing-object-as-404",
    "errors",
    "a missing S3 object or bucket is answered 404, not 400",
)
def _missing_object_404(response: Response, request: Request) -> Outcome:
    text = error_text(response)
    if response.status == 400 and ("NoSuchKey" in text or "NoSuchBucket" in text):
        return response.replace(status=404)
    return response


@error_fault(
    "error-as-empty-200", "errors or auth", "errors are answered 200 with an empty result body"
)
def _error_as_200(response: Response, request: Request) -> Outcome:
    api = request.api or "v2"
    return Response(200, {"content-type": CONTENT_TYPES[api]}, b"")


@error_fault("error-plain-text", "errors", "error bodies are plain text, not JSON")
def _error_plain_text(response: Response, request: Request) -> Outcome:
    text = error_text(response)
    return Response(response.status, {"content-type": "text/plain; charset=utf-8"}, text.encode())


@error_fault(
    "error-json-as-text", "errors", "JSON error bodies are labelled Content-Type text/plain"
)
def _error_json_as_text(response: Response, request: Request) -> Outcome:
    return response.replace(headers={**response.headers, "content-type": "text/plain"})


@error_fault("error-empty-message", "errors", "error messages are empty strings")
def _error_empty_message(response: Response, request: Request) -> Outcome:
    return edit_error(response, lambda error: error.update(message=""))


@error_fault("error-without-causes", "errors", "the caused_by chain is left out")
def _error_without_causes(response: Response, request: Request) -> Outcome:
    return edit_error(response, lambda error: error.pop("caused_by", None))


@error_fault("error-generic-message", "errors", "every error message is the generic 'Bad Request'")
def _error_generic(response: Response, request: Request) -> Outcome:
    return edit_error(response, lambda error: error.update(message="Bad Request"))


@error_fault(
    "error-fastapi-shape", "errors", "errors use the prototype's {'detail': ...} body shape"
)
def _error_fastapi(response: Response, request: Request) -> Outcome:
    if response.error_json() is None:
        return response
    return json_response(response.status, {"detail": error_text(response)}, pretty=False)


@error_fault(
    "unknown-operation-empty-404",
    "errors",
    "an unknown operation gets a bare 404 without a JSON body (router default)",
)
def _unknown_op_bare(response: Response, request: Request) -> Outcome:
    return Response(404, {}, b"") if response.status == 404 else response


@error_fault(
    "drop-connection-on-error", "errors or auth", "errors crash the request (connection dropped)"
)
def _drop_on_error(response: Response, request: Request) -> Outcome:
    return None

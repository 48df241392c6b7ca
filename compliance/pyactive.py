"""The one place that drives the field's client, PyActiveStorage, through a server under test.

The `clients` area (compliance/test_clients.py, docs/spec.md#clients) and the client-workload
benchmark both call ``reduce_with_client``. The client is imported lazily, so importing this
module works without it; ``client_missing`` says why the client cannot be used, if it cannot.

What the client does with a call (activestorage 0.8.0, ``Active._version = 2``): it opens the
netCDF4 file with pyfive (over s3fs or fsspec's HTTP file system), walks the chunks a selection
touches and POSTs one ``/v2/{op}/`` request per chunk (``mean`` is sent as ``sum``), then
combines the per-chunk answers itself with NumPy masked arrays, keeping the reduced axes
(``keepdims``). Its chatter on stdout is silenced here.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import requests

from .client import STOPPED_ANSWERING, HttpExchange, tracker_for

if TYPE_CHECKING:
    import pyfive  # type: ignore[import-untyped]

#: The distribution that provides ``activestorage``, for skip reasons and the report.
CLIENT = "PyActiveStorage"
#: Seconds a request of the client may take when nothing else sets a timeout: the client sets
#: none, and a server that holds a request must not hang a benchmark or a test.
DEFAULT_TIMEOUT = 60.0


class _ClientAdapter(requests.adapters.HTTPAdapter):
    """An adapter that gives every request without a timeout ``DEFAULT_TIMEOUT`` and verifies
    TLS with the CA the client's session was made with.

    The client sets ``session.verify`` only; requests lets REQUESTS_CA_BUNDLE (or
    CURL_CA_BUNDLE) in the environment beat a Session.verify, so without this the CA the client
    was handed would lose to whatever bundle the machine names.
    """

    def __init__(self, ca_cert: str | None) -> None:
        super().__init__()
        self.ca_cert = ca_cert

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT
        if self.ca_cert:
            kwargs["verify"] = self.ca_cert
        return super().send(request, **kwargs)


def _with_client_adapter() -> None:
    """Make the client's sessions (``reductionist.get_session``) time out and keep their CA;
    once per process."""
    from activestorage import reductionist  # type: ignore[import-untyped]

    made = reductionist.get_session
    if getattr(made, "with_client_adapter", False):
        return

    def get_session(*args: Any, **kwargs: Any) -> requests.Session:
        session = made(*args, **kwargs)
        ca_cert = session.verify if isinstance(session.verify, str) else None
        for prefix in ("http://", "https://"):
            session.mount(prefix, _ClientAdapter(ca_cert))
        return session

    get_session.with_client_adapter = True  # type: ignore[attr-defined]
    reductionist.get_session = get_session


def _hand_ca(ca_cert: str | None) -> None:
    """Give the client the server's CA the one way it takes one: its configuration value
    ``S3_ACTIVE_STORAGE_CACERT`` (star-imported into ``activestorage.active``, read when a
    call makes its session). Process-wide, as the client's configuration is; each call sets
    its own. The client uses it for ``interface_type`` "s3" only (see ``CLIENT_SKIPS_TLS``).

    Without a CA the client would not verify at all (``session.verify = cacert or False``), so
    it gets True then: the system's CAs, as the suite's own requests use.
    """
    from activestorage import active

    active.S3_ACTIVE_STORAGE_CACERT = ca_cert or True


#: What the client does with TLS for ``interface_type`` "https": it makes that session with
#: ``get_session(username, password, None)``, so ``session.verify = False``.
CLIENT_SKIPS_TLS = (
    "makes its server session for interface_type https with no CA (session.verify = False), so "
    "it would not verify the server's certificate"
)


class ClientSkipsTls(Exception):
    """The client was about to post to an https server without verifying its certificate;
    the suite refuses to send such a request on its behalf."""


def client_missing() -> str | None:
    """Why the client cannot run here (not installed, or broken), or None when it can."""
    try:
        import activestorage.active  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as error:
        return f"{CLIENT} (activestorage) is not importable: {error}"
    return None


class _Quiet:
    """Send stdout to nowhere while any thread is inside; process-wide and reference-counted,
    because the client prints from its own thread pool and callers may run several at once."""

    _lock = threading.Lock()
    _depth = 0
    _saved: Any = None

    def __enter__(self) -> None:
        with _Quiet._lock:
            if _Quiet._depth == 0:
                _Quiet._saved = sys.stdout
                sys.stdout = io.StringIO()
            _Quiet._depth += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with _Quiet._lock:
            _Quiet._depth -= 1
            if _Quiet._depth == 0:
                sys.stdout = _Quiet._saved
                _Quiet._saved = None


def storage_options(s3_url: str, auth: tuple[str, str], interface_type: str) -> dict[str, Any]:
    """The client's ``storage_options``: s3fs arguments for S3, Basic credentials for HTTP(S).

    The same credentials open the file and authenticate every request to the server, which
    forwards them to the store.
    """
    if interface_type == "s3":
        return {"key": auth[0], "secret": auth[1], "client_kwargs": {"endpoint_url": s3_url}}
    return {"username": auth[0], "password": auth[1]}


def _make_active(
    dataset: "str | pyfive.high_level.Dataset",
    ncvar: str,
    server_url: str,
    s3_url: str,
    auth: tuple[str, str],
    operation: str | None,
    axis: tuple[int, ...] | None,
    max_threads: int,
    interface_type: str,
    ca_cert: str | None,
) -> Any:
    """An ``Active`` set up to reduce on the server (API v2) with ``operation`` (None: select),
    trusting ``ca_cert`` for the server's certificate."""
    from activestorage.active import Active

    _with_client_adapter()
    _hand_ca(ca_cert)
    if isinstance(dataset, str) and interface_type != "s3":
        dataset = f"{s3_url.rstrip('/')}/{dataset}"  # the HTTP store's URL of the file
    active = Active(
        dataset,
        ncvar,
        axis=axis,
        interface_type=interface_type,
        max_threads=max_threads,
        storage_options=storage_options(s3_url, auth, interface_type),
        active_storage_url=server_url.rstrip("/"),
    )
    active._version = 2  # 1 (the default) reduces on the client, never asking the server
    active.method = operation
    return active


def reduce_with_client(
    *,
    dataset: "str | pyfive.high_level.Dataset",
    ncvar: str,
    server_url: str,
    s3_url: str,
    auth: tuple[str, str],
    operation: str | None,
    index: tuple[Any, ...],
    axis: tuple[int, ...] | None = None,
    max_threads: int = 30,
    interface_type: str = "s3",
    ca_cert: str | None = None,
) -> np.ma.MaskedArray | np.ndarray:
    """``operation`` ("min", "max", "sum", "mean", or None to select) of ``ncvar[index]``,
    reduced by the server at ``server_url`` as PyActiveStorage does it.

    ``dataset``: "bucket/key" of the file in the S3 store at ``s3_url`` (for
    ``interface_type="https"``: "folder/key" under the HTTP store at ``s3_url``), or a pyfive
    Dataset the caller opened itself; ``s3_url`` is always the store URL the *server* fetches
    from. ``auth``: the store's credentials, sent to the server as Basic auth. ``ca_cert``: the
    CA that signed the server's certificate (None: the system's).
    """
    with _Quiet():  # the client prints from its constructor on, and from its threads
        active = _make_active(
            dataset,
            ncvar,
            server_url,
            s3_url,
            auth,
            operation,
            axis,
            max_threads,
            interface_type,
            ca_cert,
        )
        return active[index]


def reduce_with_counts(
    *,
    dataset: "str | pyfive.high_level.Dataset",
    ncvar: str,
    server_url: str,
    s3_url: str,
    auth: tuple[str, str],
    operation: str,
    index: tuple[Any, ...],
    axis: tuple[int, ...] | None = None,
    interface_type: str = "s3",
    ca_cert: str | None = None,
) -> tuple[np.ma.MaskedArray, np.ma.MaskedArray]:
    """The client's ``components`` answer: the reduced value and the number of valid elements
    behind it (the sum of the server's counts), both with the reduced axes kept.

    For "mean" the value is the sum, as the client hands it to cf-python.
    """
    with _Quiet():
        active = _make_active(
            dataset, ncvar, server_url, s3_url, auth, operation, axis, 30, interface_type, ca_cert
        )
        active.components = True
        parts = active[index]
    key = "sum" if operation == "mean" else operation
    return parts[key], parts["n"]


@contextmanager
def recording_exchanges(timeout: float) -> Iterator[list[HttpExchange]]:
    """Every request the client sends to the server inside the block, with the raw answer,
    so a test can check each of the server's answers before blaming the client.

    Stands in for ``activestorage.reductionist.request``, the client's one call that posts
    (``session.post(url, json=request_data)``), making the same call with a ``timeout``: the
    client sets none, and a server that hangs must fail the test, not hang the suite. Once
    the server has stopped answering (``compliance.client.AnswerTracker``), nothing is sent.
    A request the client would send to an https server unverified is not sent either: it
    raises ClientSkipsTls (the client's limit, not the server's).
    """
    from activestorage import reductionist

    original = reductionist.request
    seen: list[HttpExchange] = []

    def record(session: requests.Session, url: str, request_data: dict[str, Any]) -> Any:
        if url.startswith("https:") and not session.verify:
            raise ClientSkipsTls(f"{CLIENT} {CLIENT_SKIPS_TLS}: not sent to {url}")
        auth = session.auth if isinstance(session.auth, tuple) else None
        answers = tracker_for(url)
        try:
            stopped = answers.stopped_answering()
            if stopped:
                raise requests.ConnectionError(stopped)
            response = session.post(url, json=request_data, timeout=timeout)
        except requests.RequestException as error:
            if not str(error).startswith(STOPPED_ANSWERING):
                answers.note_error(url, error, timeout)
            body = json.dumps(request_data).encode()
            problem = f"{type(error).__name__}: {error}"
            seen.append(_exchange(url, body, auth, None, {}, b"", problem))
            raise
        answers.note(True, url)
        body = json.dumps(request_data).encode()
        headers = {k.lower(): v for k, v in response.headers.items()}
        seen.append(_exchange(url, body, auth, response.status_code, headers, response.content))
        return response

    reductionist.request = record
    try:
        yield seen
    finally:
        reductionist.request = original


def _exchange(
    url: str,
    body: bytes,
    auth: tuple[str, str] | None,
    status: int | None,
    headers: dict[str, str],
    content: bytes,
    transport_error: str | None = None,
) -> HttpExchange:
    return HttpExchange(
        url, body, "application/json", auth, None, status, headers, content, transport_error
    )

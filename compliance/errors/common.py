"""What the error modules share: the spec's refusal texts, request edits, stored bytes."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping

from ..case import Case, CaseRunner
from ..checks import Statuses, body_differences, fail_on
from ..client import ObjectRef, Result, build_body
from ..profiles import Profile

#: The top-level message of every request the server refuses to read or validate
# (docs/spec.md#errors-status).
INVALID = "request data is not valid"
#: Removes a field from the request body in an edit table.
DROP = object()
#: A bucket no test creates, for the nonexistent-bucket case.
ABSENT_BUCKET = "activestorage-compliance-no-such-bucket"

INT_DTYPES = ("int32", "int64", "uint32", "uint64")
UNSIGNED_DTYPES = ("uint32", "uint64")
COMPRESSIONS = ("gzip", "zlib", "blosc2")
LOCATION_FIELDS = {"v1": ("source", "bucket", "object"), "v2": ("interface_type", "url")}

Changes = Mapping[str, Any]
Edit = Callable[[dict[str, Any]], None]


def invalid_status(profile: Profile) -> tuple[int, ...]:
    """The statuses of a request refused at validation: 400 (docs/spec.md#errors-status), and a
    server's own status for its model's refusals (FastAPI's 422; its own checks answer 400,
    #prototype)."""
    return profile.validation_statuses()


def unknown_operation_status(profile: Profile) -> int:
    """404 JSON for Reductionist (docs/spec.md#endpoints); 422 for the prototype's enum path
    parameter (#prototype)."""
    return 422 if profile.error_format == "fastapi" else 404


def apply(changes: Changes) -> Edit:
    """An ``edit=`` function setting (or, with DROP, removing) request fields."""

    def edit(body: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is DROP:
                body.pop(key, None)
            else:
                body[key] = value

    return edit


class Refuse:
    """The ``refuse`` fixture (conftest.py): send ``case`` with its body changed and check the
    refusal, including the message text."""

    def __init__(self, reject: Callable[..., Result], profile: Profile) -> None:
        self.reject = reject
        self.profile = profile

    def __call__(
        self,
        case: Case,
        mentions: tuple[str, ...],
        changes: Changes | None = None,
        *,
        status: Statuses | None = None,
        message: str | None = INVALID,
        edit: Edit | None = None,
    ) -> Result:
        __tracebackhide__ = True
        want = invalid_status(self.profile) if status is None else status
        edits = [f for f in (apply(changes) if changes else None, edit) if f is not None]

        def edit_all(body: dict[str, Any]) -> None:
            for function in edits:
                function(body)

        result = self.reject(case, want, mentions, edit=edit_all)
        fail_on(body_differences(result, self.profile, message), result)
        return result


def post_raw(
    runner: CaseRunner,
    case: Case,
    raw: bytes,
    content_type: str | None = "application/json",
    operation: str | None = None,
) -> Result:
    """Post bytes as they are, with the case's credentials (its object is stored)."""
    prepared = runner.prepare(case)
    return runner.client.post(operation or case.op, raw, prepared.auth, content_type=content_type)


def store_bytes(runner: CaseRunner, blob: bytes) -> ObjectRef:
    """Store arbitrary bytes in the run's private bucket (content-addressed, uploaded once)."""
    return runner.store.put_s3(runner.bucket, blob, hashlib.sha256(blob).hexdigest())


def locate(profile: Profile, ref: ObjectRef) -> Edit:
    """An edit pointing the request at another object, in the profile's API."""

    def edit(body: dict[str, Any]) -> None:
        for key in LOCATION_FIELDS["v1"] + LOCATION_FIELDS["v2"]:
            body.pop(key, None)
        body.update(build_body(profile.api, ref, {}))

    return edit


def array_case(dtype: str = "int32", shape: tuple[int, ...] = (24,), **fields: Any) -> Case:
    """A sum over a stored array: the valid request each refusal starts from."""
    return Case("sum", dtype, shape, **fields)


BASE = array_case()
GRID = array_case(shape=(4, 6))
CUBE = array_case(shape=(2, 3, 4))

"""One description of a test case, and the steps that turn it into a request and an expectation.

``profile + Case -> data.make_array -> data.encode_object -> storage.put (deduped) ->
client.build_body -> HTTP -> client.parse_response -> oracle.expected_result -> compare``.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import data
from .checks import assert_error, assert_result
from .client import ObjectRef, Result, ServerClient, build_body
from .oracle import AXIS_ABSENT, Axis, Expected, expected_result
from .profiles import Profile
from .storage import ObjectStore

Backend = Literal["s3", "s3-public", "http", "http-private"]


@dataclass(frozen=True)
class Case:
    """Everything that defines one request: the data, how it is stored, and the request fields."""

    op: str
    dtype: str
    shape: tuple[int, ...]
    order: str = "C"
    selection: tuple[tuple[int, int, int], ...] | None = None
    axis: Axis = AXIS_ABSENT
    missing: str | None = None
    all_missing: bool = False
    byte_order: str | None = None  # stored byte order, sent as `byte_order`
    compression: str | None = None
    filters: tuple[str, ...] = ()
    leading: int = 0  # bytes before the array: the request's `offset`
    trailing: int = 0  # bytes after the array
    kind: data.DataKind = "exact"
    backend: Backend = "s3"
    send_shape: bool = True
    send_offset: bool = True  # send `offset` (when leading > 0)
    send_size: bool = True  # send `size` (when the payload is not the whole object)
    send_order: bool = True  # send `order` (even when C)
    options: tuple[tuple[str, Any], ...] = ()  # extra request fields, e.g. option_* flags
    auth: Literal["default", "none", "wrong"] = "default"
    values: tuple[Any, ...] | None = None  # explicit data (e.g. inf, NaN) instead of generated

    def replace(self, **changes: Any) -> "Case":
        return dataclasses.replace(self, **changes)

    @property
    def seed(self) -> int:
        return data.seed_for(self.dtype, self.shape, self.kind, self.missing, self.all_missing)


@dataclass
class Prepared:
    """A case made concrete: the logical array, its stored object and the request body."""

    array: np.ndarray
    missing_descriptor: dict[str, Any] | None
    ref: ObjectRef
    body: dict[str, Any]
    auth: tuple[str, str] | None
    encoded: data.EncodedObject = field(repr=False)


def logical_array(case: Case) -> tuple[np.ndarray, dict[str, Any] | None]:
    """The array the server must see after undoing the stored layout, and the missing field."""
    if case.values is not None:
        return np.array(case.values, dtype=case.dtype).reshape(case.shape), None
    kind: data.DataKind = "positive" if case.missing else case.kind
    array = data.make_array(case.dtype, case.shape, case.seed, kind)
    if case.missing:
        return data.add_missing(array, case.missing, case.seed + 1, case.all_missing)
    return array, None


def stored_form(case: Case) -> tuple[np.ndarray, dict[str, Any] | None, data.EncodedObject]:
    """The logical array (read-only), its missing field and the object that stores it."""
    array, missing = logical_array(case)
    array.flags.writeable = False  # shared by every case with this data (_StoredForms)
    encoded = data.encode_object(
        array,
        order=case.order,
        byte_order=case.byte_order,
        filters=case.filters,
        compression=case.compression,
        leading=case.leading,
        trailing=case.trailing,
        seed=case.seed,
    )
    return array, missing, encoded


#: Case fields that shape only the request, never the stored object.
_REQUEST_ONLY: dict[str, Any] = {
    "op": "",
    "selection": None,
    "axis": AXIS_ABSENT,
    "backend": "s3",
    "send_shape": True,
    "send_offset": True,
    "send_size": True,
    "send_order": True,
    "options": (),
    "auth": "default",
}


class _StoredForms:
    """``stored_form`` remembered per object, within a byte budget.

    Most cases share their object with others (the same data under each operation, selection
    and axis), and making it (generate, encode, hash) was a tenth of a run's time. The key is
    the case without its request-only fields, so a field added to Case later is part of it.
    """

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._forms: OrderedDict[Case, tuple[np.ndarray, Any, data.EncodedObject]] = OrderedDict()
        self._bytes = 0

    def get(self, case: Case) -> tuple[np.ndarray, dict[str, Any] | None, data.EncodedObject]:
        key = dataclasses.replace(case, **_REQUEST_ONLY)
        form = self._forms.get(key)
        if form is None:
            form = stored_form(case)
            self._forms[key] = form
            self._bytes += _form_bytes(form)
            while self._bytes > self.budget_bytes and len(self._forms) > 1:
                self._bytes -= _form_bytes(self._forms.popitem(last=False)[1])
        else:
            self._forms.move_to_end(key)
        return form


def _form_bytes(form: tuple[np.ndarray, Any, data.EncodedObject]) -> int:
    return form[0].nbytes + len(form[2].data)


_STORED_FORMS = _StoredForms(budget_bytes=64 << 20)


def request_fields(
    case: Case, encoded: data.EncodedObject, missing: dict[str, Any] | None
) -> dict[str, Any]:
    """The request's JSON fields besides the object location."""
    fields: dict[str, Any] = {"dtype": case.dtype}
    if case.byte_order is not None:
        fields["byte_order"] = case.byte_order
    if case.leading and case.send_offset:
        fields["offset"] = encoded.offset
    whole_tail = not case.trailing and not case.leading
    if case.send_size and not whole_tail:
        fields["size"] = encoded.size
    if case.send_shape:
        fields["shape"] = list(case.shape)
    if case.send_order:
        fields["order"] = case.order
    if case.selection is not None:
        fields["selection"] = [list(s) for s in case.selection]
    if case.axis != AXIS_ABSENT:
        fields["axis"] = case.axis
    if case.compression:
        fields["compression"] = {"id": case.compression}
    if case.filters:
        itemsize = np.dtype(case.dtype).itemsize
        fields["filters"] = [{"id": f, "element_size": itemsize} for f in case.filters]
    if missing:
        fields["missing"] = missing
    fields.update(dict(case.options))
    return fields


def _bytes_to_reduce(encoded: data.EncodedObject) -> int:
    """What a server reads and decodes for a request: the stored object and the raw array."""
    return len(encoded.data) + encoded.raw_nbytes


class CaseRunner:
    """Prepares, sends and predicts cases against one server, profile and object store."""

    def __init__(
        self,
        profile: Profile,
        client: ServerClient,
        store: ObjectStore,
        settings_auth: tuple[str, str],
        buckets: tuple[str, str],
    ) -> None:
        self.profile = profile
        self.client = client
        self.store = store
        self.s3_auth = settings_auth
        self.bucket, self.public_bucket = buckets

    def prepare(self, case: Case) -> Prepared:
        array, missing, encoded = _STORED_FORMS.get(case)
        ref = self.store_object(case.backend, encoded)
        body = build_body(self.profile.api, ref, request_fields(case, encoded, missing))
        return Prepared(array, missing, ref, body, self.auth_for(case), encoded)

    def store_object(self, backend: Backend, encoded: data.EncodedObject) -> ObjectRef:
        if backend == "s3":
            return self.store.put_s3(self.bucket, encoded.data, encoded.digest)
        if backend == "s3-public":
            return self.store.put_s3(self.public_bucket, encoded.data, encoded.digest)
        return self.store.put_http(encoded.data, encoded.digest, private=backend == "http-private")

    def auth_for(self, case: Case) -> tuple[str, str] | None:
        if case.auth == "none":
            return None
        if case.auth == "wrong":
            return (self.s3_auth[0], self.s3_auth[1] + "-wrong")
        if case.backend.startswith("http"):
            return self.store.http_auth
        return self.s3_auth

    def send(self, case: Case, prepared: Prepared | None = None) -> tuple[Prepared, Result]:
        prepared = prepared or self.prepare(case)
        return prepared, self.client.post(
            case.op, prepared.body, prepared.auth, object_bytes=_bytes_to_reduce(prepared.encoded)
        )

    def check(self, case: Case) -> Result:
        """Send ``case`` and compare every field of the answer with the oracle (the ``verify``
        fixture and the fuzz area); raises SpecDifference on the first differing answer."""
        __tracebackhide__ = True
        prepared, result = self.send(case)
        expected = self.expect(case, prepared)
        if expected.error_status is not None:
            assert_error(result, expected.error_status, self.profile)
        else:
            assert_result(expected, result, self.profile)
        return result

    def expect(self, case: Case, prepared: Prepared) -> Expected:
        return expected_result(
            case.op,
            prepared.array,
            self.profile,
            selection=case.selection,
            axis=case.axis,
            order=case.order,
            missing=prepared.missing_descriptor,
        )

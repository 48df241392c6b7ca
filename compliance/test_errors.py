"""Error answers: every validation rule of the spec (sections 2 and 5) and the data errors.

Each case sends one bad request and checks the status, ``Content-Type: application/json``, the
profile's error body shape, the top-level message the spec's table gives (section 5.2) and that
the message or its causes name the offending field or concept (``mentions``: at least one must
appear, case-insensitively). Tables are parametrized in the style of ceph/s3-tests: one row per
rule variant, the status and the words the message must carry next to it.

Most cases start from a valid request (a stored array, uploaded once per run) and edit its body
just before sending, so the only thing wrong with it is the rule under test; raw bodies (malformed
JSON, wrong Content-Type) go through ``ServerClient.post`` directly. Data errors (corrupt
compressed bytes, objects shorter than the shape) store their own bytes under a content-addressed
key, so the cases are independent of each other, of order and of xdist workers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping, Protocol

import numpy as np
import pytest

from . import data
from .case import Case, CaseRunner
from .checks import WHOLE_BODY, Statuses, error_differences, fail_on
from .client import ObjectRef, Result, build_body
from .conftest import RejectCheck
from .gating import require
from .profiles import ALL_DTYPES, ALL_MISSING_FORMS, Profile

pytestmark = pytest.mark.errors

#: The top-level message of every request the server refuses to read or validate (spec 5.2).
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


def invalid_status(profile: Profile) -> tuple[int, ...]:
    """The statuses of a request refused at validation: 400 (spec 5.2), and a server's own
    status for its model's refusals (FastAPI's 422; its own checks answer 400, spec 10)."""
    return profile.validation_statuses()


def unknown_operation_status(profile: Profile) -> int:
    """404 JSON for Reductionist (spec 1.1); 422 for the prototype's enum path parameter (10)."""
    return 422 if profile.error_format == "fastapi" else 404


def apply(changes: Changes) -> Callable[[dict[str, Any]], None]:
    """An ``edit=`` function setting (or, with DROP, removing) request fields."""

    def edit(body: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is DROP:
                body.pop(key, None)
            else:
                body[key] = value

    return edit


def require_some(profile: Profile, capability: str) -> None:
    """Skip unless the profile supports at least one value of a tuple capability."""
    if not getattr(profile, capability):
        pytest.skip(f"capability {capability} is empty in profile {profile.name}")


def require_without(profile: Profile, capability: str, value: str) -> None:
    """Skip unless ``value`` is missing from a tuple capability (a test of its refusal)."""
    have = getattr(profile, capability)
    if value in have:
        pytest.skip(
            f"capability {capability}={have!r} of profile {profile.name} includes {value!r}: "
            "nothing to refuse"
        )


def body_differences(result: Result, profile: Profile, message: str | None) -> list[str]:
    """Details of a Reductionist error body the generic check leaves open (spec 5.1, 5.2).

    The top-level message starts with the spec's text for the situation; ``caused_by``, when
    present, is a non-empty list with consecutive duplicates removed (the key is omitted, not
    null or empty, when there is no cause).
    """
    if profile.error_format != "reductionist" or not isinstance(result.error_body, dict):
        return []
    error = result.error_body.get("error")
    if not isinstance(error, dict):
        return []  # the generic check has reported the shape
    diffs: list[str] = []
    extra = sorted(set(error) - {"message", "caused_by"})
    if extra:
        diffs.append(f"error object has unexpected keys {extra}")
    text = error.get("message")
    if message is not None and isinstance(text, str) and not text.startswith(message):
        diffs.append(f"error message {text!r} does not start with {message!r}")
    if "caused_by" in error:
        causes = error["caused_by"]
        if not isinstance(causes, list) or not causes:
            diffs.append(f"caused_by present but not a non-empty list: {causes!r}")
        elif any(a == b for a, b in zip(causes, causes[1:])):
            diffs.append(f"caused_by repeats a cause consecutively: {causes!r}")
    return diffs


def check_error(
    result: Result,
    profile: Profile,
    status: Statuses,
    mentions: tuple[str, ...],
    message: str | None,
) -> None:
    """The generic error check (checks.error_differences) plus the body details above."""
    __tracebackhide__ = True
    diffs = error_differences(result, status, profile, mentions)
    if result.status is not None and result.status != 200:
        diffs += body_differences(result, profile, message)
    fail_on(diffs, result)


class Refuse(Protocol):
    def __call__(
        self,
        case: Case,
        mentions: tuple[str, ...],
        changes: Changes | None = None,
        *,
        status: Statuses | None = None,
        message: str | None = INVALID,
        edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> Result: ...


@pytest.fixture
def refuse(reject: RejectCheck, profile: Profile) -> Refuse:
    """Send ``case`` with its body changed and check the refusal, including the message text."""

    def check(
        case: Case,
        mentions: tuple[str, ...],
        changes: Changes | None = None,
        *,
        status: Statuses | None = None,
        message: str | None = INVALID,
        edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> Result:
        __tracebackhide__ = True
        want = invalid_status(profile) if status is None else status
        edits = [f for f in (apply(changes) if changes else None, edit) if f is not None]

        def edit_all(body: dict[str, Any]) -> None:
            for function in edits:
                function(body)

        result = reject(case, want, mentions, edit=edit_all)
        fail_on(body_differences(result, profile, message), result)
        return result

    return check


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


def locate(profile: Profile, ref: ObjectRef) -> Callable[[dict[str, Any]], None]:
    """An edit pointing the request at another object, in the profile's API."""

    def edit(body: dict[str, Any]) -> None:
        for key in LOCATION_FIELDS["v1"] + LOCATION_FIELDS["v2"]:
            body.pop(key, None)
        body.update(build_body(profile.api, ref, {}))

    return edit


def array_case(dtype: str = "int32", shape: tuple[int, ...] = (24,), **fields: Any) -> Case:
    return Case("sum", dtype, shape, **fields)


BASE = array_case()
GRID = array_case(shape=(4, 6))
CUBE = array_case(shape=(2, 3, 4))


# --- the body as a whole: JSON syntax, JSON type, Content-Type --------------------------------

MALFORMED = [
    ("truncated", lambda text: text[:-1]),
    ("extra-closing-brace", lambda text: text + "}"),
    ("two-objects", lambda text: text + text),
    ("unquoted-key", lambda text: text.replace('"dtype"', "dtype")),
    ("single-quotes", lambda text: text.replace('"', "'")),
    ("trailing-comma", lambda text: text[:-1] + ",}"),
    ("missing-colon", lambda text: text.replace('"dtype": ', '"dtype" ')),
    ("comment", lambda text: "// request\n" + text),
    ("nan-literal", lambda text: text[:-1] + ', "offset": NaN}'),
    ("open-brace-only", lambda text: "{"),
    ("empty", lambda text: ""),
    ("whitespace", lambda text: " \n\t "),
]


@pytest.mark.parametrize("mangle", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_json(mangle: Callable[[str], str], runner: CaseRunner, profile: Profile) -> None:
    """A body that is not JSON at all: 400 'request data is not valid', the cause says JSON."""
    text = json.dumps(runner.prepare(BASE).body)
    result = post_raw(runner, BASE, mangle(text).encode())
    check_error(result, profile, invalid_status(profile), (WHOLE_BODY,), INVALID)


def test_body_not_utf8(runner: CaseRunner, profile: Profile) -> None:
    text = json.dumps(runner.prepare(BASE).body)
    raw = text.replace('"int32"', '"int32\xff"').encode("latin-1")
    check_error(
        post_raw(runner, BASE, raw), profile, invalid_status(profile), (WHOLE_BODY,), INVALID
    )


# (id, body made from a valid one, whether the refusal may name the missing required fields)
NOT_AN_OBJECT: list[tuple[str, Callable[[dict[str, Any]], Any], bool]] = [
    ("array", lambda body: [], False),
    ("array-of-request", lambda body: [body], False),
    ("null", lambda body: None, False),
    ("string", lambda body: "sum", False),
    ("number", lambda body: 42, False),
    ("boolean", lambda body: True, False),
    ("empty-object", lambda body: {}, True),
]


@pytest.mark.parametrize(
    "wrap,names_fields", [b[1:] for b in NOT_AN_OBJECT], ids=[b[0] for b in NOT_AN_OBJECT]
)
def test_body_not_a_request_object(
    wrap: Callable[[dict[str, Any]], Any],
    names_fields: bool,
    runner: CaseRunner,
    profile: Profile,
) -> None:
    """Valid JSON of the wrong type (or no fields): a deserialisation error, 400.

    An empty object is a request without its required fields: naming them is as good as
    naming the body."""
    body = wrap(runner.prepare(BASE).body)
    result = post_raw(runner, BASE, json.dumps(body).encode())
    required = ("dtype", *LOCATION_FIELDS[profile.api]) if names_fields else ()
    check_error(result, profile, invalid_status(profile), (WHOLE_BODY, *required), INVALID)


REFUSED_CONTENT_TYPES = [
    None,
    "text/plain",
    "text/json",
    "application/octet-stream",
    "application/cbor",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=activestorage",
    "application/jsonx",
    "json",
]


@pytest.mark.parametrize(
    "content_type", REFUSED_CONTENT_TYPES, ids=[str(c) for c in REFUSED_CONTENT_TYPES]
)
def test_content_type_refused(
    content_type: str | None, runner: CaseRunner, profile: Profile
) -> None:
    """A valid JSON body without `Content-Type: application/json` (or +json): 400 (spec 2)."""
    require(profile, "error_format", "reductionist")  # the rule is the axum Json extractor's
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, content_type=content_type)
    check_error(result, profile, 400, ("Content-Type",), INVALID)


ACCEPTED_CONTENT_TYPES = ["application/json; charset=utf-8", "application/vnd.activestorage+json"]


@pytest.mark.parametrize("content_type", ACCEPTED_CONTENT_TYPES)
def test_content_type_accepted(content_type: str, runner: CaseRunner, profile: Profile) -> None:
    """Control for the refusals above: JSON media types with parameters or +json are read."""
    require(profile, "error_format", "reductionist")
    prepared = runner.prepare(BASE)
    result = runner.client.post(
        BASE.op, json.dumps(prepared.body).encode(), prepared.auth, content_type=content_type
    )
    assert result.status == 200, result.exchange.describe()


# --- fields: unknown, missing, of the wrong JSON type ---------------------------------------

UNKNOWN_FIELDS = ["frobnicate", "Dtype", "dtypes", "operation", "axes", "mean", "compress", "_"]


@pytest.mark.parametrize("name", UNKNOWN_FIELDS)
def test_unknown_field(name: str, refuse: Refuse, profile: Profile) -> None:
    """Unknown keys are refused (serde deny_unknown_fields); the cause names the key."""
    require(profile, "unknown_fields_rejected")
    refuse(BASE, (name,), {name: 1})


# (field, API of the profile the case runs on, value)
OTHER_API_FIELDS = [
    ("source", "v2", "http://127.0.0.1:9000"),
    ("bucket", "v2", "sample-data"),
    ("object", "v2", "data.bin"),
    ("interface_type", "v1", "s3"),
    ("url", "v1", "http://127.0.0.1:9000/sample-data/data.bin"),
]


@pytest.mark.parametrize("name,api,value", OTHER_API_FIELDS, ids=[f[0] for f in OTHER_API_FIELDS])
def test_field_of_the_other_api(
    name: str, api: str, value: str, refuse: Refuse, profile: Profile
) -> None:
    """v1 location fields in a v2 request (and the reverse) are unknown fields."""
    require(profile, "unknown_fields_rejected")
    require(profile, "api", api)
    refuse(BASE, (name,), {name: value})


NEWER_FIELDS = [
    ("option_shape_as_bytes", "bytes_options"),
    ("option_count_as_bytes", "bytes_options"),
    ("option_disable_chunk_cache", "bytes_options"),
    ("axis", "axis"),
]
# ids are prefixed: a bare id equal to a feature marker name would file the test under that
# feature in the compliance report, which reads areas from the report's keywords


@pytest.mark.parametrize(
    "name,capability", NEWER_FIELDS, ids=[f"field-{f[0]}" for f in NEWER_FIELDS]
)
def test_field_newer_than_the_server(
    name: str, capability: str, refuse: Refuse, profile: Profile
) -> None:
    """A field a release does not know (added later) is an unknown field there."""
    require(profile, "unknown_fields_rejected")
    require(profile, capability, False)
    refuse(GRID, (name,), {name: 0 if name == "axis" else True})


REQUIRED = [("dtype", None), *((f, api) for api, names in LOCATION_FIELDS.items() for f in names)]


@pytest.mark.parametrize("name,api", REQUIRED, ids=[r[0] for r in REQUIRED])
def test_required_field_missing(
    name: str, api: str | None, refuse: Refuse, profile: Profile
) -> None:
    """dtype and the object's location are required; the cause names the missing field."""
    if api is not None:
        require(profile, "api", api)
    refuse(BASE, (name,), {name: DROP})


EMPTY_STRINGS = [("interface_type", "v2"), ("bucket", "v1"), ("object", "v1")]


@pytest.mark.parametrize("name,api", EMPTY_STRINGS, ids=[e[0] for e in EMPTY_STRINGS])
def test_empty_string_field(name: str, api: str, refuse: Refuse, profile: Profile) -> None:
    """interface_type (v2), bucket and object (v1) must not be empty (validator)."""
    require(profile, "api", api)
    refuse(BASE, (name, name.replace("_", " ")), {name: ""})


# (id, changes, field the cause names, (capability, value) the case needs or None)
Needs = tuple[str, Any] | None
V1: Needs = ("api", "v1")
V2: Needs = ("api", "v2")
WRONG_TYPES: list[tuple[str, Changes, str, Needs]] = [
    ("dtype-number", {"dtype": 32}, "dtype", None),
    ("dtype-null", {"dtype": None}, "dtype", None),
    ("dtype-list", {"dtype": ["int32"]}, "dtype", None),
    ("offset-string", {"offset": "0"}, "offset", None),
    ("offset-float", {"offset": 1.5}, "offset", None),
    ("offset-negative", {"offset": -1}, "offset", None),
    ("offset-negative-aligned", {"offset": -8}, "offset", None),
    ("size-string", {"size": "96"}, "size", None),
    ("size-float", {"size": 96.0}, "size", None),
    ("size-negative", {"size": -96}, "size", None),
    ("shape-string", {"shape": "24"}, "shape", None),
    ("shape-number", {"shape": 24}, "shape", None),
    ("shape-negative", {"shape": [-24]}, "shape", None),
    ("shape-float", {"shape": [24.0]}, "shape", None),
    ("shape-nested", {"shape": [[24]]}, "shape", None),
    ("shape-null-entry", {"shape": [None]}, "shape", None),
    ("order-number", {"order": 0}, "order", None),
    ("order-list", {"order": ["C"]}, "order", None),
    ("selection-string", {"selection": "0:24:1"}, "selection", None),
    ("selection-object", {"selection": {"start": 0, "end": 24, "stride": 1}}, "selection", None),
    ("byte-order-number", {"byte_order": 1}, "byte_order", ("byte_order", True)),
    ("url-number", {"url": 42}, "url", V2),
    ("url-null", {"url": None}, "url", V2),
    ("interface-type-number", {"interface_type": 3}, "interface_type", V2),
    ("source-relative", {"source": "127.0.0.1:9000"}, "source", V1),
    ("bucket-number", {"bucket": 7}, "bucket", V1),
    (
        "option-shape-string",
        {"option_shape_as_bytes": "yes"},
        "option_shape_as_bytes",
        ("bytes_options", True),
    ),
    (
        "option-count-number",
        {"option_count_as_bytes": 1},
        "option_count_as_bytes",
        ("bytes_options", True),
    ),
    (
        "option-cache-string",
        {"option_disable_chunk_cache": "no"},
        "option_disable_chunk_cache",
        ("bytes_options", True),
    ),
]


@pytest.mark.parametrize(
    "changes,name,needs", [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES]
)
def test_wrong_json_type(
    changes: Changes, name: str, needs: Needs, refuse: Refuse, profile: Profile
) -> None:
    """A field of the wrong JSON type (or a negative unsigned integer): 400 naming the field."""
    if needs is not None:
        require(profile, *needs)
    refuse(BASE, (name,), changes)


# --- enumerations: dtype, order, byte_order, compression, filters, missing ------------------

UNKNOWN_DTYPES = [
    "int8",
    "int16",
    "uint8",
    "uint16",
    "float16",
    "bool",
    "complex64",
    "Int32",
    "INT32",
    "float",
    "double",
    "i4",
    "<i4",
    "int",
    "",
]


@pytest.mark.parametrize("dtype", UNKNOWN_DTYPES, ids=[d or "empty" for d in UNKNOWN_DTYPES])
def test_unknown_dtype(dtype: str, refuse: Refuse) -> None:
    refuse(BASE, ("dtype",), {"dtype": dtype})


UNKNOWN_ORDERS = ["c", "f", "A", "K", "", "row-major", "CF"]


@pytest.mark.parametrize("order", UNKNOWN_ORDERS, ids=[o or "empty" for o in UNKNOWN_ORDERS])
def test_unknown_order(order: str, refuse: Refuse) -> None:
    refuse(GRID, ("order",), {"order": order})


UNKNOWN_BYTE_ORDERS = ["native", "Big", "LITTLE", "=", "<", ">", "", "network"]


@pytest.mark.parametrize(
    "byte_order", UNKNOWN_BYTE_ORDERS, ids=[b or "empty" for b in UNKNOWN_BYTE_ORDERS]
)
def test_unknown_byte_order(byte_order: str, refuse: Refuse, profile: Profile) -> None:
    require(profile, "byte_order")
    refuse(BASE, ("byte_order",), {"byte_order": byte_order})


BAD_COMPRESSIONS = [
    ("lz4", {"id": "lz4"}),
    ("zstd", {"id": "zstd"}),
    ("upper-case", {"id": "GZIP"}),
    ("deflate", {"id": "deflate"}),
    ("blosc", {"id": "blosc"}),
    ("empty-id", {"id": ""}),
    ("null-id", {"id": None}),
    ("no-id", {}),
    ("bare-string", "gzip"),
    ("list", [{"id": "gzip"}]),
]


@pytest.mark.parametrize(
    "compression", [c[1] for c in BAD_COMPRESSIONS], ids=[c[0] for c in BAD_COMPRESSIONS]
)
def test_unknown_compression(compression: Any, refuse: Refuse, profile: Profile) -> None:
    require_some(profile, "compression")
    refuse(BASE, ("compression",), {"compression": compression})


def test_compression_newer_than_the_server(refuse: Refuse, profile: Profile) -> None:
    """A compression id the release does not have (blosc2 before 0.12) is an unknown id."""
    compression = "blosc2"
    require_some(profile, "compression")
    require_without(profile, "compression", compression)
    refuse(BASE, ("compression",), {"compression": {"id": compression}})


BAD_FILTERS = [
    ("delta", [{"id": "delta", "element_size": 4}]),
    ("upper-case", [{"id": "SHUFFLE", "element_size": 4}]),
    ("bitshuffle", [{"id": "bitshuffle", "element_size": 4}]),
    ("empty-id", [{"id": "", "element_size": 4}]),
    ("no-id", [{"element_size": 4}]),
    ("no-element-size", [{"id": "shuffle"}]),
    ("negative-element-size", [{"id": "shuffle", "element_size": -4}]),
    ("element-size-string", [{"id": "shuffle", "element_size": "4"}]),
    ("not-a-list", {"id": "shuffle", "element_size": 4}),
    ("bare-strings", ["shuffle"]),
]


@pytest.mark.parametrize("filters", [f[1] for f in BAD_FILTERS], ids=[f[0] for f in BAD_FILTERS])
def test_invalid_filters(filters: Any, refuse: Refuse, profile: Profile) -> None:
    require_some(profile, "filters")
    refuse(BASE, ("filters",), {"filters": filters})


def test_filter_newer_than_the_server(refuse: Refuse, profile: Profile) -> None:
    """A filter id the release does not have (shuffle_simd before 0.12) is an unknown id."""
    name = "shuffle_simd"
    require_some(profile, "filters")
    require_without(profile, "filters", name)
    refuse(BASE, ("filters",), {"filters": [{"id": name, "element_size": 4}]})


BAD_MISSING_SHAPES = [
    ("fill-value", {"fill_value": 1}),
    ("key-missing", {"missing": 1}),
    ("camel-case", {"missingValue": 1}),
    ("pascal-case", {"MissingValue": 1}),
    ("plural-min", {"valid_mins": 1}),
    ("no-key", {}),
    ("two-keys", {"missing_value": 1, "valid_min": 0}),
    ("min-and-max", {"valid_min": 1, "valid_max": 9}),
    ("list", [1]),
    ("number", 1),
    ("string", "missing_value"),
]


@pytest.mark.parametrize(
    "missing", [m[1] for m in BAD_MISSING_SHAPES], ids=[m[0] for m in BAD_MISSING_SHAPES]
)
def test_invalid_missing_descriptor_shape(missing: Any, refuse: Refuse, profile: Profile) -> None:
    """`missing` is an object with exactly one known key (spec 2.1)."""
    require_some(profile, "missing")
    refuse(BASE, ("missing",), {"missing": missing})


# --- offset, size and shape ------------------------------------------------------------------

# (id, case, changes): size given without compression must match shape x itemsize (spec 2.4)
SIZE_RULES: list[tuple[str, Case, Changes]] = [
    ("zero", BASE, {"size": 0}),
    ("zero-without-shape", BASE, {"size": 0, "shape": DROP}),
    ("one-element-short", BASE, {"size": 92}),
    ("one-element-long", BASE, {"size": 100}),
    ("one-byte-short", BASE, {"size": 95}),
    ("double", BASE, {"size": 192}),
    ("itemsize-only", BASE, {"size": 4}),
    ("grid-half", array_case("float64", (4, 6)), {"size": 96}),
    ("cube-int64-as-int32", array_case("int64", (2, 3, 4)), {"size": 96}),
    ("not-multiple-without-shape", BASE, {"size": 94, "shape": DROP}),
    ("less-than-itemsize-without-shape", BASE, {"size": 2, "shape": DROP}),
    ("odd-int64-without-shape", array_case("int64"), {"size": 100, "shape": DROP}),
    ("with-offset", array_case(leading=8), {"size": 88}),
]


@pytest.mark.parametrize(
    "case,changes", [r[1:] for r in SIZE_RULES], ids=[r[0] for r in SIZE_RULES]
)
def test_size_invalid(case: Case, changes: Changes, refuse: Refuse) -> None:
    """size >= 1, and without compression = prod(shape) x itemsize (or a multiple of it)."""
    refuse(case, ("size",), changes)


SHAPE_RULES: list[tuple[str, Changes]] = [
    ("empty", {"shape": []}),
    ("empty-with-size", {"shape": [], "size": 96}),
    ("zero", {"shape": [0]}),
    ("zero-first", {"shape": [0, 24]}),
    ("zero-last", {"shape": [24, 0]}),
    ("zero-middle", {"shape": [4, 0, 6]}),
]


@pytest.mark.parametrize("changes", [r[1] for r in SHAPE_RULES], ids=[r[0] for r in SHAPE_RULES])
def test_shape_invalid(changes: Changes, refuse: Refuse) -> None:
    """shape has at least one entry and no zero entries (validator)."""
    refuse(BASE, ("shape",), changes)


# --- selection --------------------------------------------------------------------------------

SELECTION_RULES: list[tuple[str, Case, Changes, tuple[str, ...]]] = [
    ("without-shape", BASE, {"selection": [[0, 24, 1]], "shape": DROP}, ("selection",)),
    (
        "2d-without-shape",
        GRID,
        {"selection": [[0, 4, 1], [0, 6, 1]], "shape": DROP},
        ("selection",),
    ),
    ("longer-than-shape", BASE, {"selection": [[0, 24, 1], [0, 1, 1]]}, ("selection",)),
    ("shorter-than-shape", GRID, {"selection": [[0, 4, 1]]}, ("selection",)),
    ("cube-two-slices", CUBE, {"selection": [[0, 2, 1], [0, 3, 1]]}, ("selection",)),
    ("empty-list", BASE, {"selection": []}, ("selection",)),
    ("stride-zero", BASE, {"selection": [[0, 24, 0]]}, ("stride",)),
    ("stride-zero-second-dim", GRID, {"selection": [[0, 4, 1], [0, 6, 0]]}, ("stride",)),
    ("stride-zero-empty-range", BASE, {"selection": [[5, 5, 0]]}, ("stride",)),
    ("entry-two-ints", BASE, {"selection": [[0, 24]]}, ("selection",)),
    ("entry-four-ints", BASE, {"selection": [[0, 24, 1, 1]]}, ("selection",)),
    ("entry-empty", BASE, {"selection": [[]]}, ("selection",)),
    ("entry-float", BASE, {"selection": [[0.5, 24, 1]]}, ("selection",)),
    ("entry-strings", BASE, {"selection": [["0", "24", "1"]]}, ("selection",)),
    ("entry-null", BASE, {"selection": [None]}, ("selection",)),
    ("entry-null-start", BASE, {"selection": [[None, 24, 1]]}, ("selection",)),
    ("entry-number", BASE, {"selection": [5]}, ("selection",)),
    ("entry-object-without-stride", BASE, {"selection": [{"start": 0, "end": 24}]}, ("selection",)),
    (
        "entry-object-extra-key",
        BASE,
        {"selection": [{"start": 0, "end": 24, "stride": 1, "step": 1}]},
        ("selection",),
    ),
]


@pytest.mark.parametrize(
    "case,changes,mentions", [r[1:] for r in SELECTION_RULES], ids=[r[0] for r in SELECTION_RULES]
)
def test_selection_invalid(
    case: Case, changes: Changes, mentions: tuple[str, ...], refuse: Refuse
) -> None:
    """selection needs shape, one [start, end, stride] (three ints, stride != 0) per dimension."""
    refuse(case, mentions, changes)


def test_selection_object_stride_zero(refuse: Refuse, profile: Profile) -> None:
    """The object form of a slice is held to the same rules: stride 0 is refused (spec 2.1)."""
    require(profile, "selection_objects")
    refuse(BASE, ("stride",), {"selection": [{"start": 0, "end": 24, "stride": 0}]})


# --- axis -------------------------------------------------------------------------------------

AXIS_MENTIONS = ("axis", "axes")
AXIS_RULES: list[tuple[str, Case, Changes]] = [
    ("int-without-shape", GRID, {"axis": 0, "shape": DROP}),
    ("list-without-shape", GRID, {"axis": [0], "shape": DROP}),
    ("int-equal-to-ndim", GRID, {"axis": 2}),
    ("int-far-out", GRID, {"axis": 99}),
    ("int-1d-out", BASE, {"axis": 1}),
    ("list-out-of-range", GRID, {"axis": [2]}),
    ("list-one-in-one-out", CUBE, {"axis": [0, 3]}),
    ("list-descending", GRID, {"axis": [1, 0]}),
    ("list-descending-3d", CUBE, {"axis": [0, 2, 1]}),
    ("list-duplicates", GRID, {"axis": [0, 0]}),
    ("list-duplicates-last", CUBE, {"axis": [1, 2, 2]}),
    ("list-longer-than-shape", GRID, {"axis": [0, 1, 2]}),
    ("list-long-with-duplicates", BASE, {"axis": [0, 0]}),
    ("negative-int", GRID, {"axis": -1}),
    ("negative-in-list", GRID, {"axis": [-1]}),
    ("negative-after-valid", GRID, {"axis": [0, -1]}),
    ("float", GRID, {"axis": 1.0}),
    ("string", GRID, {"axis": "0"}),
    ("boolean", GRID, {"axis": True}),
    ("nested-list", GRID, {"axis": [[0]]}),
    ("object", GRID, {"axis": {"axis": 0}}),
]


@pytest.mark.parametrize(
    "case,changes", [r[1:] for r in AXIS_RULES], ids=[r[0] for r in AXIS_RULES]
)
def test_axis_invalid(case: Case, changes: Changes, refuse: Refuse, profile: Profile) -> None:
    """axis needs shape; entries are non-negative, < ndim, ascending, unique (spec 2.1)."""
    require(profile, "axis")
    refuse(case, AXIS_MENTIONS, changes)


def test_axis_list_as_long_as_shape(refuse: Refuse, profile: Profile) -> None:
    """Releases before 0.12 need the axis list strictly shorter than the shape (spec 2.2)."""
    require(profile, "axis")
    require(profile, "axis_all_listed", False)
    refuse(GRID, AXIS_MENTIONS, {"axis": [0, 1]})


# --- missing-data descriptors (spec 2.3) ------------------------------------------------------


def descriptor(form: str, value: float, other: float) -> dict[str, Any]:
    """A descriptor of ``form`` carrying the bad ``value`` beside a valid ``other``.

    missing_values lists both; valid_range orders them so that min < max holds and only the
    value itself can be wrong.
    """
    if form == "missing_values":
        return {form: [other, value]}
    if form == "valid_range":
        return {form: [value, other] if value < other else [other, value]}
    return {form: value}


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_float_literal_for_integer_dtype(
    form: str, dtype: str, refuse: Refuse, profile: Profile
) -> None:
    """Integer dtypes need integer literals: 7.0 is refused even though it is whole."""
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, 7.0, 100)})


@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_fraction_for_integer_dtype(form: str, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", form)
    refuse(array_case("int64"), ("missing",), {"missing": descriptor(form, 2.5, 100)})


@pytest.mark.parametrize("dtype", UNSIGNED_DTYPES)
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_negative_for_unsigned_dtype(
    form: str, dtype: str, refuse: Refuse, profile: Profile
) -> None:
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, -1, 100)})


OUT_OF_RANGE = [
    ("int32", 2**31),
    ("int32", -(2**31) - 1),
    ("uint32", 2**32),
    ("int64", 2**63),
    ("int64", -(2**63) - 1),
    ("uint64", 2**64),
]


@pytest.mark.parametrize("form", ["missing_value", "missing_values", "valid_range"])
@pytest.mark.parametrize(
    "dtype,value",
    OUT_OF_RANGE,
    ids=[f"{d}-{'over' if v > 0 else 'under'}" for d, v in OUT_OF_RANGE],
)
def test_missing_out_of_integer_range(
    dtype: str, value: int, form: str, refuse: Refuse, profile: Profile
) -> None:
    """A value the dtype cannot hold (i32 range for int32, >= 0 for unsigned, ...)."""
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, value, 100)})


@pytest.mark.parametrize("value", [1e39, -1e39, 3.5e38], ids=["1e39", "-1e39", "3.5e38"])
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_beyond_float32(form: str, value: float, refuse: Refuse, profile: Profile) -> None:
    """float32 values must stay finite after conversion to f32 (|v| <= f32::MAX)."""
    require(profile, "missing", form)
    refuse(array_case("float32"), ("missing",), {"missing": descriptor(form, value, 1.0)})


NOT_NUMBERS = [
    ("string", "1"),
    ("null", None),
    ("boolean", True),
    ("object", {"value": 1}),
    ("list", [1]),
]


@pytest.mark.parametrize("value", [n[1] for n in NOT_NUMBERS], ids=[n[0] for n in NOT_NUMBERS])
@pytest.mark.parametrize("form", ["missing_value", "valid_min", "missing_values"])
def test_missing_not_a_number(form: str, value: Any, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", form)
    missing = {form: [1, value]} if form == "missing_values" else {form: value}
    refuse(array_case("float64"), ("missing",), {"missing": missing})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_missing_nan_or_infinity(
    dtype: str, literal: str, runner: CaseRunner, profile: Profile
) -> None:
    """JSON has no NaN/Infinity, so they cannot be declared missing: the body is not JSON."""
    require(profile, "missing", "missing_value")
    case = array_case(dtype)
    text = json.dumps({**runner.prepare(case).body, "missing": {"missing_value": 0}})
    raw = text.replace('"missing_value": 0', f'"missing_value": {literal}').encode()
    check_error(
        post_raw(runner, case, raw), profile, invalid_status(profile), (WHOLE_BODY,), INVALID
    )


@pytest.mark.parametrize("relation", ["min-above-max", "min-equals-max"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_valid_range_not_increasing(
    dtype: str, relation: str, refuse: Refuse, profile: Profile
) -> None:
    """valid_range needs min < max strictly."""
    require(profile, "missing", "valid_range")
    pair: list[float | int] = [9, 2] if relation == "min-above-max" else [5, 5]
    if np.dtype(dtype).kind == "f":
        pair = [v + 0.5 for v in pair]
    refuse(array_case(dtype), ("range",), {"missing": {"valid_range": pair}})


def test_valid_range_equal_after_float32_rounding(refuse: Refuse, profile: Profile) -> None:
    """Bounds are rounded to f32 before the min < max check: 1.00000001 == 1.00000002."""
    require(profile, "missing", "valid_range")
    refuse(
        array_case("float32"), ("range",), {"missing": {"valid_range": [1.00000001, 1.00000002]}}
    )


VALID_RANGE_LENGTHS = [("empty", []), ("one", [5]), ("three", [1, 5, 9]), ("scalar", 5)]


@pytest.mark.parametrize(
    "value", [v[1] for v in VALID_RANGE_LENGTHS], ids=[v[0] for v in VALID_RANGE_LENGTHS]
)
def test_valid_range_not_two_values(value: Any, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", "valid_range")
    refuse(BASE, ("valid_range",), {"missing": {"valid_range": value}})


def test_missing_values_not_a_list(refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", "missing_values")
    refuse(BASE, ("missing_values",), {"missing": {"missing_values": 5}})


# --- v2 location: interface_type and url -------------------------------------------------------

UNSUPPORTED_INTERFACES = ["ftp", "S3", "HTTP", "gs", "file", " s3", "s3a"]


@pytest.mark.parametrize("interface_type", UNSUPPORTED_INTERFACES)
def test_unsupported_interface_type(interface_type: str, refuse: Refuse, profile: Profile) -> None:
    """Only s3, http and https (case-sensitive): 400 'unsupported interface type X'.

    The URL is one no test reads, so no chunk cache holds it: a cache hit skips the check
    (test_cache.py::test_interface_type_checked_on_a_cache_hit).
    """
    require(profile, "api", "v2")
    refuse(
        BASE,
        (interface_type.strip(),),
        {"interface_type": interface_type},
        message=f"unsupported interface type {interface_type}",
        edit=lambda body: body.update(url=f"{body['url']}-never-read"),
    )


RELATIVE_URLS = ["sample-data/key", "/sample-data/key", "", "not a url", "//", "127.0.0.1/x"]


@pytest.mark.parametrize("url", RELATIVE_URLS, ids=[u or "empty" for u in RELATIVE_URLS])
def test_relative_url(url: str, refuse: Refuse, profile: Profile) -> None:
    """url must be absolute: a relative string fails deserialisation (400 naming url)."""
    require(profile, "api", "v2")
    refuse(BASE, ("url",), {"url": url})


@pytest.mark.parametrize("path", ["", "/bucket-only"], ids=["no-bucket", "no-object"])
def test_s3_url_incomplete(path: str, refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """An S3 url needs /bucket/key: 400 'S3 request error' (no cause, spec 5.2)."""
    require(profile, "api", "v2")
    url = runner.store.s3_source.rstrip("/") + (path or "/")
    refuse(BASE, ("S3",), {"url": url}, message="S3 request error")


# --- unknown operations ----------------------------------------------------------------------

UNKNOWN_OPERATIONS = ["foo", "mean", "SUM", "Sum", "average", "sum2", "product", "argmax", "std"]


@pytest.mark.parametrize("operation", UNKNOWN_OPERATIONS)
def test_unknown_operation(operation: str, runner: CaseRunner, profile: Profile) -> None:
    """POST /{api}/{name} for an unknown name: 404 JSON 'unsupported operation {name}'."""
    require_without(profile, "operations", operation)
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, operation=operation)
    status = unknown_operation_status(profile)
    # FastAPI names the refused path parameter (operation_name), not the value sent
    mentions = (operation, "operation")
    check_error(result, profile, status, mentions, f"unsupported operation {operation}")


def test_unknown_operation_before_body(runner: CaseRunner, profile: Profile) -> None:
    """The operation is checked before the body is read: 404 even for a malformed body."""
    require(profile, "error_format", "reductionist")
    result = post_raw(runner, BASE, b"{", content_type=None, operation="foo")
    check_error(result, profile, 404, ("foo",), "unsupported operation foo")


# --- the object: nonexistent, shorter or longer than the shape -------------------------------


def test_nonexistent_object(refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """S3 NoSuchKey: 400 'error retrieving object from S3 storage' naming NoSuchKey."""
    ref = runner.prepare(BASE).ref
    absent = ObjectRef(ref.backend, ref.base, ref.bucket, ref.key + "-absent")
    refuse(
        BASE,
        ("NoSuchKey",),
        status=400,
        edit=locate(profile, absent),
        message="error retrieving object from S3 storage",
    )


def test_nonexistent_bucket(refuse: Refuse, profile: Profile, runner: CaseRunner) -> None:
    """S3 NoSuchBucket: 400, the causes name NoSuchBucket."""
    ref = runner.prepare(BASE).ref
    absent = ObjectRef(ref.backend, ref.base, ABSENT_BUCKET, ref.key)
    refuse(
        BASE,
        ("NoSuchBucket",),
        status=400,
        edit=locate(profile, absent),
        message="error retrieving object from S3 storage",
    )


# (id, case, changes, mentions, message): the object does not hold what the request says
DATA_SIZE_RULES: list[tuple[str, Case, Changes, tuple[str, ...], str]] = [
    # no size: the bytes from offset to the end must be exactly the shape (post-download check)
    ("shape-one-more", BASE, {"shape": [25]}, ("size",), INVALID),
    ("shape-one-less", BASE, {"shape": [23]}, ("size",), INVALID),
    ("shape-2d-more", BASE, {"shape": [5, 5]}, ("size",), INVALID),
    ("shape-3d-more", BASE, {"shape": [2, 3, 5]}, ("size",), INVALID),
    (
        "offset-without-size-short",
        array_case(leading=8, send_size=False),
        {"offset": 12},
        ("size",),
        INVALID,
    ),
    ("trailing-without-size", array_case(trailing=4, send_size=False), {}, ("size",), INVALID),
    (
        "trailing-not-multiple",
        array_case(trailing=2, send_size=False, send_shape=False),
        {},
        ("size",),
        INVALID,
    ),
    # size given, consistent with the shape, but the object ends first: the array cannot be built
    (
        "size-past-end",
        BASE,
        {"shape": [25], "size": 100},
        ("shape",),
        "failed to create array from shape",
    ),
    (
        "size-past-end-2d",
        GRID,
        {"shape": [5, 6], "size": 120},
        ("shape",),
        "failed to create array from shape",
    ),
    (
        "offset-size-past-end",
        array_case(leading=8),
        {"shape": [25], "size": 100},
        ("shape",),
        "failed to create array from shape",
    ),
]


@pytest.mark.parametrize(
    "case,changes,mentions,message",
    [r[1:] for r in DATA_SIZE_RULES],
    ids=[r[0] for r in DATA_SIZE_RULES],
)
def test_object_does_not_match_shape(
    case: Case, changes: Changes, mentions: tuple[str, ...], message: str, refuse: Refuse
) -> None:
    """Found only once the object is read: a data error, 400 whatever the request model."""
    refuse(case, mentions, changes, status=400, message=message)


# --- compressed data: corrupt bytes, sizes after decompression --------------------------------


def corrupt(payload: bytes, raw: bytes, compression: str, mode: str) -> bytes:
    """The stored bytes for a corruption ``mode`` of a ``compression`` payload."""
    if mode == "uncompressed":
        return raw
    if mode == "truncated-half":
        return payload[: len(payload) // 2]
    if mode == "truncated-tail":
        return payload[:-4]
    if mode == "checksum":  # gzip: CRC32 then ISIZE end the stream; zlib: Adler-32
        at = len(payload) - (6 if compression == "gzip" else 1)
        return payload[:at] + bytes([payload[at] ^ 0xFF]) + payload[at + 1 :]
    if mode == "flipped-middle":
        at = len(payload) // 2
        return payload[:at] + bytes([payload[at] ^ 0xFF]) + payload[at + 1 :]
    if mode == "ones":
        return b"\xff" * len(raw)
    if mode == "zeros":
        return bytes(len(raw))
    if mode == "empty":
        return b""
    if mode.startswith("as-"):
        return data.compress(raw, mode[3:], 4)
    raise ValueError(f"unknown corruption mode {mode!r}")


# blosc2 takes the uncompressed size from bytes 4-7 of its header and allocates it before
# decoding, so modes whose bytes there read as gigabytes (all-ones, zlib data) are left out for
# blosc2: they cost seconds and gigabytes of server memory. Header fields a blosc2 decoder may
# tolerate (version, compressed size) are not corrupted either: the data still decodes.
CORRUPTIONS = [
    (compression, mode)
    for compression in COMPRESSIONS
    for mode in (
        "uncompressed",
        "truncated-half",
        "truncated-tail",
        *(("checksum", "flipped-middle", "ones") if compression != "blosc2" else ()),
        "zeros",
        "empty",
        *(
            f"as-{other}"
            for other in COMPRESSIONS
            if other != compression and (compression, other) != ("blosc2", "zlib")
        ),
    )
]


@pytest.mark.parametrize("compression,mode", CORRUPTIONS, ids=[f"{c}-{m}" for c, m in CORRUPTIONS])
def test_corrupt_compressed_data(
    compression: str, mode: str, refuse: Refuse, profile: Profile, runner: CaseRunner
) -> None:
    """Bytes that do not decompress: 400 'failed to decompress data', never a crash."""
    require(profile, "compression", compression)
    case = array_case(compression=compression)
    payload = runner.prepare(case).encoded.data
    raw = runner.prepare(BASE).encoded.data
    ref = store_bytes(runner, corrupt(payload, raw, compression, mode))
    refuse(
        case,
        ("decompress",),
        status=400,
        edit=locate(profile, ref),
        message="failed to decompress data",
    )


# (id, stored shape, changes): the decompressed bytes do not fit the request
COMPRESSED_SIZES: list[tuple[str, tuple[int, ...], Changes]] = [
    ("shape-one-more", (24,), {"shape": [25]}),
    ("shape-one-less", (24,), {"shape": [23]}),
    ("shape-2d-less", (24,), {"shape": [4, 5]}),
    ("shape-2d-more", (24,), {"shape": [5, 5]}),
    ("without-shape-not-multiple", (25,), {"shape": DROP, "dtype": "int64"}),
]


@pytest.mark.parametrize(
    "shape,changes", [c[1:] for c in COMPRESSED_SIZES], ids=[c[0] for c in COMPRESSED_SIZES]
)
@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_decompressed_size_mismatch(
    compression: str,
    shape: tuple[int, ...],
    changes: Changes,
    refuse: Refuse,
    profile: Profile,
) -> None:
    """With compression, size is the compressed length; the decompressed length is checked
    after download against shape x itemsize (or must be a multiple of itemsize): 400."""
    require(profile, "compression", compression)
    refuse(array_case(shape=shape, compression=compression), ("size",), changes, status=400)


# --- the error body itself (spec 5.1) --------------------------------------------------------


def test_error_body_is_pretty_json_without_empty_causes(
    runner: CaseRunner, profile: Profile
) -> None:
    """Errors are pretty-printed JSON; `caused_by` is omitted when there is no cause."""
    require(profile, "error_format", "reductionist")
    raw = json.dumps(runner.prepare(BASE).body).encode()
    result = post_raw(runner, BASE, raw, operation="foo")
    check_error(result, profile, 404, ("foo",), "unsupported operation foo")
    assert result.error_body == {
        "error": {"message": "unsupported operation foo"}
    }, result.exchange.describe()
    assert (
        b"\n" in result.exchange.content
    ), f"error body is not pretty-printed: {result.exchange.content!r}"


def test_error_body_lists_causes(runner: CaseRunner, profile: Profile) -> None:
    """A validation error carries its causes, root cause last, as a list of strings."""
    require(profile, "error_format", "reductionist")
    raw = json.dumps({**runner.prepare(BASE).body, "dtype": "int8"}).encode()
    result = post_raw(runner, BASE, raw)
    check_error(result, profile, 400, ("dtype",), INVALID)
    causes = result.error_body["error"].get("caused_by")
    assert isinstance(causes, list) and causes and "int8" in causes[-1], result.exchange.describe()

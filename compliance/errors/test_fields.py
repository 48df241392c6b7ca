"""Request fields: unknown, of the other API or a newer release, required, empty, of the wrong
JSON type; and the enumerations (dtype, order, byte_order, compression, filters, missing).

Holds the server to docs/spec.md#request-types (and #request, #errors-status).
"""

from __future__ import annotations

from typing import Any

import pytest

from ..gating import require, require_some, require_without
from ..params import rows
from ..profiles import Profile
from .common import BASE, DROP, GRID, LOCATION_FIELDS, Changes, Refuse

pytestmark = pytest.mark.errors

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


@pytest.mark.parametrize("name,api,value", rows((f[0], *f) for f in OTHER_API_FIELDS))
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


@pytest.mark.parametrize("name,capability", rows((f"field-{f[0]}", *f) for f in NEWER_FIELDS))
def test_field_newer_than_the_server(
    name: str, capability: str, refuse: Refuse, profile: Profile
) -> None:
    """A field a release does not know (added later) is an unknown field there."""
    require(profile, "unknown_fields_rejected")
    require(profile, capability, False)
    refuse(GRID, (name,), {name: 0 if name == "axis" else True})


REQUIRED = [("dtype", None), *((f, api) for api, names in LOCATION_FIELDS.items() for f in names)]


@pytest.mark.parametrize("name,api", rows((r[0], *r) for r in REQUIRED))
def test_required_field_missing(
    name: str, api: str | None, refuse: Refuse, profile: Profile
) -> None:
    """dtype and the object's location are required; the cause names the missing field."""
    if api is not None:
        require(profile, "api", api)
    refuse(BASE, (name,), {name: DROP})


EMPTY_STRINGS = [("interface_type", "v2"), ("bucket", "v1"), ("object", "v1")]


@pytest.mark.parametrize("name,api", rows((e[0], *e) for e in EMPTY_STRINGS))
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


@pytest.mark.parametrize("changes,name,needs", rows(WRONG_TYPES))
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


@pytest.mark.parametrize("dtype", rows((d or "empty", d) for d in UNKNOWN_DTYPES))
def test_unknown_dtype(dtype: str, refuse: Refuse) -> None:
    refuse(BASE, ("dtype",), {"dtype": dtype})


UNKNOWN_ORDERS = ["c", "f", "A", "K", "", "row-major", "CF"]


@pytest.mark.parametrize("order", rows((o or "empty", o) for o in UNKNOWN_ORDERS))
def test_unknown_order(order: str, refuse: Refuse) -> None:
    refuse(GRID, ("order",), {"order": order})


UNKNOWN_BYTE_ORDERS = ["native", "Big", "LITTLE", "=", "<", ">", "", "network"]


@pytest.mark.parametrize("byte_order", rows((b or "empty", b) for b in UNKNOWN_BYTE_ORDERS))
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


@pytest.mark.parametrize("compression", rows(BAD_COMPRESSIONS))
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


@pytest.mark.parametrize("filters", rows(BAD_FILTERS))
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


@pytest.mark.parametrize("missing", rows(BAD_MISSING_SHAPES))
def test_invalid_missing_descriptor_shape(missing: Any, refuse: Refuse, profile: Profile) -> None:
    """`missing` is an object with exactly one known key (docs/spec.md#missing)."""
    require_some(profile, "missing")
    refuse(BASE, ("missing",), {"missing": missing})

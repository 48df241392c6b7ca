"""Request-side faults that edit the JSON body: each changes its field and nothing else, and
bodies it does not touch reach the server byte for byte.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pytest

from faults.catalog import CATALOG, FAULTS
from faults.messages import Request

from tests.faults_support import (
    S3,
    APIS,
    make_request,
    make_answer,
    FakeServer,
    CONTEXT,
    play,
    forwarded,
    ERROR_400,
)


@pytest.mark.parametrize("api", APIS)
def test_request_faults_edit_only_their_field(api: str) -> None:
    fields = {
        "shape": [10, 4],
        "order": "F",
        "offset": 8,
        "size": 160,
        "selection": [[0, 10, 3], [-3, -1, 1]],
        "axis": [1, 0],
        "byte_order": "big",
        "compression": {"id": "gzip"},
        "filters": [{"id": "shuffle", "element_size": 4}],
        "missing": {"missing_values": [7, 9]},
    }
    request = make_request(api, "sum", fields)
    original = json.loads(request.body)
    expected_changes: dict[str, dict[str, Any]] = {
        "ignore-selection": {"selection": None},
        "ignore-stride": {"selection": [[0, 10, 1], [-3, -1, 1]]},
        "selection-end-inclusive": {"selection": [[0, 11, 3], [-3, 0, 1]]},
        "negative-index-as-zero": {"selection": [[0, 10, 3], [0, 0, 1]]},
        "drop-offset": {"offset": None},
        "drop-size": {"size": None},
        "ignore-missing": {"missing": None},
        "missing-values-first-only": {"missing": {"missing_value": 7}},
        "ignore-byte-order": {"byte_order": None},
        "byte-order-inverted": {"byte_order": "little"},
        "force-order-c": {"order": "C"},
        "drop-axis": {"axis": None},
        "axis-first-only": {"axis": [1]},
        "ignore-filters": {"filters": None},
        "ignore-compression": {"compression": None},
        "accept-unsorted-axes": {"axis": [0, 1]},
    }
    for name, changes in expected_changes.items():
        want = dict(original)
        for key, value in changes.items():
            if value is None:
                del want[key]
            else:
                want[key] = value
        assert forwarded(name, request) == want, name


@pytest.mark.parametrize(
    "name",
    [
        "ignore-selection",
        "ignore-stride",
        "drop-offset",
        "drop-size",
        "ignore-missing",
        "valid-bounds-exclusive",
        "ignore-byte-order",
        "drop-axis",
        "accept-unknown-fields",
        "accept-zero-stride",
    ],
)
@pytest.mark.parametrize("api", APIS)
def test_request_faults_forward_untouched_bodies_byte_for_byte(api: str, name: str) -> None:
    """A request without the feature reaches the server as sent (not re-serialised)."""
    request = make_request(api, "sum", {"shape": [4]})
    raw = request.body.replace(b": ", b":")  # a spelling json.dumps would not reproduce
    request = Request(request.method, request.path, request.headers, raw)
    server = FakeServer(make_answer(api, 1, "int32", [1]))
    play(name, request, server)
    assert server.sent == [request]


@pytest.mark.parametrize("api", APIS)
def test_malformed_bodies_pass_every_request_fault_unchanged(api: str) -> None:
    request = Request("POST", f"/{api}/sum", {"content-type": "application/json"}, b'{"dtype": ')
    for item in (f for f in FAULTS if f.side == "request"):
        server = FakeServer(ERROR_400)
        item.play(request, server, CONTEXT)
        assert all(s.body == request.body for s in server.sent), item.name


@pytest.mark.parametrize("api", APIS)
def test_drop_shape_only_where_the_server_would_still_answer(api: str) -> None:
    assert "shape" not in forwarded("drop-shape", make_request(api, "select", {"shape": [3, 4]}))
    kept = {"shape": [3, 4], "selection": [[0, 3, 1], [0, 4, 2]]}
    assert forwarded("drop-shape", make_request(api, "select", kept))["shape"] == [3, 4]


@pytest.mark.parametrize(
    "dtype,missing,expected",
    [
        ("int32", {"valid_min": 1}, {"valid_min": 2}),
        ("uint64", {"valid_max": 9}, {"valid_max": 8}),
        ("int64", {"valid_range": [1, 9]}, {"valid_range": [2, 8]}),
        (
            "float32",
            {"valid_min": 0.25},
            {"valid_min": float(np.nextafter(np.float32(0.25), np.float32(1)))},
        ),
        ("float64", {"valid_max": 2.0}, {"valid_max": float(np.nextafter(2.0, 0.0))}),
        ("float64", {"missing_value": 2.0}, {"missing_value": 2.0}),
    ],
)
@pytest.mark.parametrize("api", APIS)
def test_valid_bounds_exclusive_moves_each_bound_inwards(
    api: str, dtype: str, missing: dict[str, Any], expected: dict[str, Any]
) -> None:
    request = make_request(api, "sum", {"dtype": dtype, "missing": missing})
    assert forwarded("valid-bounds-exclusive", request)["missing"] == expected


@pytest.mark.parametrize("api", APIS)
def test_selection_object_form_is_understood(api: str) -> None:
    request = make_request(
        api, "sum", {"shape": [9], "selection": [{"start": 0, "end": 9, "stride": 3}]}
    )
    assert forwarded("ignore-stride", request)["selection"] == [[0, 9, 1]]


@pytest.mark.parametrize("api", APIS)
def test_accept_faults_repair_what_must_be_refused(api: str) -> None:
    unknown = make_request(api, "sum", {"shape": [4], "frobnicate": 1, "Dtype": "x"})
    body = forwarded("accept-unknown-fields", unknown)
    assert "frobnicate" not in body and "Dtype" not in body
    assert set(json.loads(unknown.body)) - {"frobnicate", "Dtype"} == set(body)
    zero = make_request(api, "sum", {"shape": [4, 4], "selection": [[0, 4, 0], [0, 4, 2]]})
    assert forwarded("accept-zero-stride", zero)["selection"] == [[0, 4, 1], [0, 4, 2]]
    axes = make_request(api, "sum", {"shape": [2, 3, 4], "axis": [2, -3, 2]})
    assert forwarded("accept-unsorted-axes", axes)["axis"] == [0, 2]
    single = make_request(api, "sum", {"shape": [2, 3], "axis": -1})
    assert forwarded("accept-unsorted-axes", single)["axis"] == 1


def test_accept_unknown_fields_keeps_each_apis_own_fields() -> None:
    v2 = make_request("v2", "sum", {"option_shape_as_bytes": True, "source": S3})
    assert forwarded("accept-unknown-fields", v2) == {
        k: v for k, v in json.loads(v2.body).items() if k != "source"
    }
    v1 = make_request("v1", "sum", {"url": S3, "option_count_as_bytes": True})
    assert set(forwarded("accept-unknown-fields", v1)) == {"source", "bucket", "object", "dtype"}


def test_ignore_as_bytes_options_is_v2_only() -> None:
    request = make_request(
        "v2", "sum", {"option_shape_as_bytes": True, "option_count_as_bytes": True}
    )
    body = forwarded("ignore-as-bytes-options", request)
    assert not any(k.startswith("option_") for k in body)
    assert CATALOG["ignore-as-bytes-options"].apis == ("v2",)


@pytest.mark.parametrize("api", APIS)
def test_axis_empty_as_all(api: str) -> None:
    assert "axis" not in forwarded("axis-empty-as-all", make_request(api, "sum", {"axis": []}))
    assert forwarded("axis-empty-as-all", make_request(api, "sum", {"axis": [0]}))["axis"] == [0]


@pytest.mark.parametrize("api", APIS)
def test_case_insensitive_enums(api: str) -> None:
    fields = {
        "dtype": "INT32",
        "order": "f",
        "byte_order": "Big",
        "compression": {"id": "GZIP"},
        "filters": [{"id": "Shuffle", "element_size": 4}],
    }
    body = forwarded("case-insensitive-enums", make_request(api, "sum", fields))
    assert (body["dtype"], body["order"], body["byte_order"]) == ("int32", "F", "big")
    assert body["compression"] == {"id": "gzip"} and body["filters"][0]["id"] == "shuffle"


@pytest.mark.parametrize("api", APIS)
def test_missing_before_byte_swap(api: str) -> None:
    foreign = "big" if sys.byteorder == "little" else "little"
    fields = {"byte_order": foreign, "missing": {"missing_value": 1}}
    body = forwarded("missing-before-byte-swap", make_request(api, "sum", fields))
    assert body["missing"] == {"missing_value": 1 << 24}
    floats = {"dtype": "float64", "byte_order": foreign, "missing": {"missing_values": [0.25]}}
    body = forwarded("missing-before-byte-swap", make_request(api, "sum", floats))
    swapped = np.array([0.25]).byteswap()[0]
    assert body["missing"] == {"missing_values": [float(swapped)]}
    native = {"byte_order": sys.byteorder, "missing": {"missing_value": 1}}
    assert forwarded("missing-before-byte-swap", make_request(api, "sum", native))["missing"] == {
        "missing_value": 1
    }


@pytest.mark.parametrize(
    "missing,expected",
    [
        ({"missing_value": 0.1}, {"missing_values": []}),
        ({"missing_value": 0.25}, {"missing_value": 0.25}),
        ({"missing_values": [0.1, 0.5]}, {"missing_values": [0.5]}),
        ({"valid_min": 0.7}, {"valid_min": float(np.nextafter(np.float32(0.7), np.float32(1)))}),
        ({"valid_min": 0.1}, {"valid_min": 0.1}),
        ({"valid_max": 0.1}, {"valid_max": float(np.nextafter(np.float32(0.1), np.float32(0)))}),
        ({"valid_max": 0.7}, {"valid_max": 0.7}),
        (
            {"valid_range": [0.7, 0.1]},
            {
                "valid_range": [
                    float(np.nextafter(np.float32(0.7), np.float32(1))),
                    float(np.nextafter(np.float32(0.1), np.float32(0))),
                ]
            },
        ),
    ],
)
@pytest.mark.parametrize("api", APIS)
def test_missing_float32_unrounded(
    api: str, missing: dict[str, Any], expected: dict[str, Any]
) -> None:
    request = make_request(api, "sum", {"dtype": "float32", "missing": missing})
    assert forwarded("missing-float32-unrounded", request)["missing"] == expected
    wide = make_request(api, "sum", {"dtype": "float64", "missing": missing})
    assert forwarded("missing-float32-unrounded", wide)["missing"] == missing

"""The `clients` area's pure helpers: the netCDF4 file, chunk decoding, the client-answer checks
and the client driver's small parts (docs/spec.md#clients)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

from compliance import data
from compliance.client_cases import LIMITS, SELECTIONS, limit_of
from compliance.client_checks import answer_differences, sum_tolerance
from compliance.netcdf_files import (
    BY_NAME,
    SHAPE,
    UNWRITTEN,
    VARIABLES,
    _unshuffle,
    decode_chunk,
    holes_of,
    write_file,
)
from compliance.pyactive import _Quiet, storage_options

netCDF4 = pytest.importorskip("netCDF4", reason="the clients area's files need netCDF4")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_file(tmp_path_factory.mktemp("nc") / "clients.nc")


@pytest.mark.parametrize("size", [4, 8])
def test_unshuffle_undoes_shuffle(size: int) -> None:
    raw = bytes(range(64)) + b"\x01\x02\x03"  # a remainder shorter than one element
    assert _unshuffle(data.shuffle_bytes(raw, size), size) == raw


@pytest.mark.parametrize("byte_order", ["little", "big"])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_decode_chunk_undoes_the_object_pipeline(dtype: str, byte_order: str) -> None:
    array = data.make_array(dtype, (4, 5, 3), 7)
    encoded = data.encode_object(
        array, byte_order=byte_order, filters=("shuffle",), compression="zlib"
    )
    request = {
        "dtype": dtype,
        "byte_order": byte_order,
        "shape": [4, 5, 3],
        "compression": {"id": "zlib"},
        "filters": [{"id": "shuffle", "element_size": array.itemsize}],
    }
    decoded = decode_chunk(encoded.data, request)
    assert decoded.dtype == np.dtype(dtype) and np.array_equal(decoded, array)


def test_file_is_the_same_every_time(written: Path, tmp_path: Path) -> None:
    """xdist workers write it separately and share one content-addressed upload."""
    assert write_file(tmp_path / "again.nc").read_bytes() == written.read_bytes()


@pytest.mark.parametrize("variable", [*VARIABLES, UNWRITTEN], ids=lambda v: v.name)
def test_holes_are_what_netcdf4_masks(variable: object, written: Path) -> None:
    name = getattr(variable, "name")
    with netCDF4.Dataset(written) as dataset:
        mask = np.ma.getmaskarray(dataset[name][:])
    expected = holes_of(variable)  # type: ignore[arg-type]
    if variable is UNWRITTEN:
        expected = expected.copy()
        expected[:4] = True  # never written: read as fill values
    assert mask.shape == SHAPE and np.array_equal(mask, expected)


def test_variables_cover_what_the_issue_names() -> None:
    dtypes = {v.dtype for v in VARIABLES}
    forms = {v.missing for v in VARIABLES}
    assert dtypes == {"float32", "float64", "int32"}
    assert {"_FillValue", "missing_value", "valid_range"} <= forms
    assert any(not v.chunked for v in VARIABLES) and any(v.zlib for v in VARIABLES)
    assert any(v.big_endian for v in VARIABLES) and any(v.empty_chunk for v in VARIABLES)


def _masked(values: list[float], mask: list[bool]) -> np.ma.MaskedArray:
    return np.ma.masked_array(np.array(values, dtype=np.float32), mask=mask)


def test_answer_differences_accepts_the_same_answer() -> None:
    expected = _masked([1.0, 2.0, 3.0], [False, True, False])
    assert answer_differences(expected, expected.copy()) == []


@pytest.mark.parametrize(
    "actual, word",
    [
        (_masked([1.0, 2.0, 3.5], [False, True, False]), "values differ"),
        (_masked([1.0, 2.0, 3.0], [False, False, False]), "mask differs"),
        (_masked([1.0, 2.0], [False, True]), "shape"),
        (np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False]), "dtype"),
        (np.array([1.0, 0.0, 3.0], dtype=np.float32), "mask differs"),
    ],
    ids=["value", "mask", "shape", "dtype", "unmasked-ndarray"],
)
def test_answer_differences_catches(actual: object, word: str) -> None:
    expected = _masked([1.0, 2.0, 3.0], [False, True, False])
    differences = answer_differences(expected, actual)
    assert differences and any(word in d for d in differences)


def test_answer_differences_tolerance_is_a_bound() -> None:
    expected = _masked([1.0, 2.0], [False, False])
    near = _masked([1.0, 2.001], [False, False])
    assert answer_differences(expected, near, tolerance=0.01) == []
    assert answer_differences(expected, near, tolerance=0.0001)


def test_sum_tolerance_grows_with_count_and_magnitude() -> None:
    values = np.ma.masked_array(np.full((4, 5), 2.0, dtype=np.float32))
    eps = float(np.finfo(np.float32).eps)
    assert sum_tolerance(values, (0, 1)) == pytest.approx(19 * eps * 40.0)
    assert sum_tolerance(values, (0,)) == pytest.approx(3 * eps * 8.0)


def test_storage_options_per_interface() -> None:
    s3 = storage_options("http://s3", ("u", "p"), "s3")
    assert s3 == {"key": "u", "secret": "p", "client_kwargs": {"endpoint_url": "http://s3"}}
    assert storage_options("http://web", ("u", "p"), "https") == {"username": "u", "password": "p"}


def test_quiet_silences_and_restores_stdout() -> None:
    before = sys.stdout
    with _Quiet():
        with _Quiet():
            print("hidden")
            assert isinstance(sys.stdout, io.StringIO)
        assert isinstance(sys.stdout, io.StringIO)
    assert sys.stdout is before


@pytest.mark.parametrize(
    "name, operation, selection, limit",
    [
        ("f32_zlib_fill", "sum", "whole", None),
        ("i32_fill", "max", "point", "int-missing"),
        ("f32_zlib_fill", None, "whole", "select-unmasked"),
        ("i32_zlib", None, "whole", None),  # nothing missing: the selection is right
        ("f64_range_from_zero", "sum", "whole", "range-from-zero"),
        ("f64_range_from_zero", "max", "whole", None),  # values below 0 never win a max
    ],
)
def test_limit_of(name: str, operation: str | None, selection: str, limit: str | None) -> None:
    assert limit_of(BY_NAME[name], operation, selection) == limit


def test_limits_are_decided_per_selection() -> None:
    """A point on a hole is a selection with no valid element; one on data is not."""
    variable = BY_NAME["f64_contiguous_missing"]
    point = holes_of(variable)[SELECTIONS["point"]]
    expected = "count-zero-unmasked" if point.all() else None
    assert limit_of(variable, "min", "point") == expected
    assert set(LIMITS) >= {"int-missing", "select-unmasked", "count-zero-unmasked"}

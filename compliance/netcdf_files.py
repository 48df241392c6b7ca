"""The netCDF4 file the `clients` area writes for the field's client (docs/spec.md#clients).

One small file holds every variable the tests read: chunked and contiguous layouts, zlib with
shuffle, the missing-data attributes a netCDF user sets (``_FillValue``, ``missing_value``,
``valid_range``), a chunk with no valid element, big-endian storage, float32, float64 and int32.
Values come from data.make_array, so float sums are exact in any order (except the one variable
of realistic random floats, compared with a derived tolerance). The bytes are the same on every
run (netCDF4 writes no time stamps), so xdist workers share one upload.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .data import DataKind, make_array, seed_for, value_step

#: The dimensions of every variable: small, and not a multiple of the chunk shape on one axis.
DIMENSIONS = (("t", 12), ("y", 10), ("x", 9))
SHAPE = tuple(n for _, n in DIMENSIONS)
CHUNKS = (4, 5, 4)
MissingForm = Literal["_FillValue", "missing_value", "valid_range"]


@dataclass(frozen=True)
class Variable:
    """One variable of the file: how it is stored and which missing-data attribute it has."""

    name: str
    dtype: str
    chunked: bool = True  # False: contiguous
    zlib: bool = True  # zlib with the shuffle filter (netCDF's usual pair); chunked only
    missing: MissingForm | None = None
    big_endian: bool = False
    kind: DataKind = "exact"
    empty_chunk: bool = False  # the first chunk holds missing values only
    range_from_zero: bool = False  # valid_range starts at 0 (the data shifted down one step)

    @property
    def seed(self) -> int:
        return seed_for("netcdf", self.name, self.dtype)


VARIABLES = (
    Variable("f32_zlib_fill", "float32", missing="_FillValue"),
    Variable("f64_contiguous_missing", "float64", chunked=False, missing="missing_value"),
    Variable("f32_zlib_range", "float32", missing="valid_range"),
    Variable("f64_big_fill", "float64", missing="_FillValue", big_endian=True),
    Variable("f32_big_contiguous", "float32", chunked=False, big_endian=True),
    Variable("f64_chunked_plain", "float64", zlib=False),
    Variable("i32_zlib", "int32"),
    Variable("i32_big_contiguous", "int32", chunked=False, big_endian=True),
    Variable("f64_empty_chunk", "float64", missing="_FillValue", empty_chunk=True),
    Variable("f32_random", "float32", kind="random"),
    Variable("i32_fill", "int32", missing="_FillValue"),
    Variable("f64_range_from_zero", "float64", missing="valid_range", range_from_zero=True),
)
BY_NAME = {v.name: v for v in VARIABLES}
#: A variable with a chunk that was never written (HDF5 allocates no storage for it).
UNWRITTEN = Variable("f64_unwritten_chunk", "float64", missing="_FillValue")


def values_of(variable: Variable) -> tuple[np.ndarray, dict[str, Any]]:
    """The stored values (holes planted) and the variable's missing-data attributes."""
    kind: DataKind = "positive" if variable.missing else variable.kind
    values = make_array(variable.dtype, SHAPE, variable.seed, kind)
    if variable.missing is None:
        return values, {}
    dt = np.dtype(variable.dtype)
    top = values.max()
    rng = np.random.default_rng(variable.seed + 1)
    holes = rng.random(SHAPE) < 0.25
    if variable.empty_chunk:
        holes[: CHUNKS[0], : CHUNKS[1], : CHUNKS[2]] = True
    step = dt.type(value_step(variable.dtype))
    if variable.missing == "valid_range":
        if variable.range_from_zero:
            values, top = values - step, top - step
        low = values.min()
        # planted one step below and one above the range, half each
        fill = np.where(rng.random(SHAPE) < 0.5, low - step, top + step).astype(dt)
        attributes: dict[str, Any] = {"valid_range": np.array([low, top], dtype=dt)}
    else:
        marker = dt.type(-999)
        fill = np.full(SHAPE, marker, dtype=dt)
        attributes = {variable.missing: marker}
    return np.where(holes, fill, values).astype(dt), attributes


def holes_of(variable: Variable) -> np.ndarray:
    """Which stored values are missing by the variable's attribute (what netCDF4 masks)."""
    values, attributes = values_of(variable)
    if not attributes:
        return np.zeros(SHAPE, bool)
    ((form, value),) = attributes.items()
    if form == "valid_range":
        return (values < value[0]) | (values > value[1])
    return values == value


def _create(dataset: Any, variable: Variable, fill: Any) -> Any:
    dt = np.dtype(variable.dtype).newbyteorder(">" if variable.big_endian else "<")
    options: dict[str, Any] = {"endian": "big" if variable.big_endian else "little"}
    if variable.chunked:
        options.update(chunksizes=CHUNKS, zlib=variable.zlib, shuffle=variable.zlib)
    else:
        options["contiguous"] = True
    return dataset.createVariable(
        variable.name, dt, [n for n, _ in DIMENSIONS], fill_value=fill, **options
    )


def write_file(path: Path) -> Path:
    """Write every variable (and the one with an unwritten chunk) to ``path``."""
    import netCDF4

    with netCDF4.Dataset(path, "w", format="NETCDF4") as dataset:
        for name, size in DIMENSIONS:
            dataset.createDimension(name, size)
        for variable in VARIABLES:
            values, attributes = values_of(variable)
            fill = attributes.pop("_FillValue", False)  # False: no _FillValue attribute
            stored = _create(dataset, variable, fill)
            for key, value in attributes.items():
                stored.setncattr(key, value)
            stored.set_auto_mask(False)
            stored[:] = values
        values, attributes = values_of(UNWRITTEN)
        stored = _create(dataset, UNWRITTEN, attributes["_FillValue"])
        stored.set_auto_mask(False)
        stored[CHUNKS[0] :] = values[CHUNKS[0] :]  # the first row of chunks is never stored
    return path


def decode_chunk(raw: bytes, request: dict[str, Any]) -> np.ndarray:
    """The logical array of one stored chunk, undone as the request describes it (zlib, then
    shuffle, then byte order): what the server must see, computed without the server."""
    dt = np.dtype(request["dtype"]).newbyteorder("<" if request["byte_order"] == "little" else ">")
    if request.get("compression"):
        raw = zlib.decompress(raw)
    if request.get("filters"):
        raw = _unshuffle(raw, dt.itemsize)
    shape = tuple(request["shape"])
    array = np.frombuffer(raw, dtype=dt).reshape(shape, order=request.get("order", "C"))
    return array.astype(dt.newbyteorder("="))


def _unshuffle(data: bytes, element_size: int) -> bytes:
    """The inverse of data.shuffle_bytes (tested against it in tests/test_netcdf_files.py)."""
    whole = len(data) - len(data) % element_size
    grid = np.frombuffer(data[:whole], dtype=np.uint8).reshape(element_size, -1)
    return grid.T.tobytes() + data[whole:]

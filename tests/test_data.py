"""Test data: deterministic, exact where it must be, holes where asked, and a reversible pipeline.

The pipeline round trips decode with independent tools (numcodecs, gzip, zlib, blosc2), in the
order the server undoes the layout: strip padding, decompress, unfilter in reverse, byte order.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import blosc2
import numcodecs
import numpy as np
import pytest

from compliance.data import (
    FLOAT_STEP,
    add_missing,
    encode_object,
    make_array,
    missing_mask,
    own_values,
    seed_for,
)
from compliance.case import Case, logical_array

DTYPES = ["int32", "int64", "uint32", "uint64", "float32", "float64"]
INT_DTYPES = ["int32", "int64", "uint32", "uint64"]
MISSING_FORMS = ["missing_value", "missing_values", "valid_min", "valid_max", "valid_range"]


# --- seeds and determinism --------------------------------------------------------------------


def test_seed_is_a_stable_function_of_the_parameters() -> None:
    # Pinned: a seed that changed between runs or Python versions would make failures
    # impossible to reproduce.
    assert seed_for("int32", (10,), "exact", None, False) == 2617565636254389803
    assert seed_for("int32", (10,)) == seed_for("int32", (10,))


@pytest.mark.parametrize(
    "other", [("int64", (10,)), ("int32", (11,)), ("int32", (10, 1)), ("int32", (10,), "x")]
)
def test_seed_depends_on_every_parameter(other: tuple[Any, ...]) -> None:
    assert seed_for(*other) != seed_for("int32", (10,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_seed_same_array_other_seed_other_array(dtype: str) -> None:
    first = make_array(dtype, (6, 7), 11)
    assert first.dtype == np.dtype(dtype)
    assert first.shape == (6, 7)
    assert np.array_equal(first, make_array(dtype, (6, 7), 11))
    assert not np.array_equal(first, make_array(dtype, (6, 7), 12))


@pytest.mark.parametrize("dtype", DTYPES)
def test_own_values_are_the_owners_alone(dtype: str) -> None:
    """A test's own data are stable, differ from every other test's and from the data of an
    ordinary case of the same dtype and shape: so no chunk cache has seen the object."""
    owner = "compliance/test_auth.py::test_private_object_without_credentials[sum]"
    mine = own_values(owner, dtype, (8,))
    assert mine == own_values(owner, dtype, (8,))
    assert mine != own_values(owner.replace("[sum]", "[select]"), dtype, (8,))
    assert mine != own_values(owner, dtype, (8,), part=1)
    ordinary, _ = logical_array(Case("sum", dtype, (8,)))
    assert mine != tuple(ordinary.ravel().tolist())


# --- exact float data ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype, n", [("float32", 2_000_000), ("float64", 100_000)])
def test_float_data_sum_exactly_in_any_order(dtype: str, n: int) -> None:
    array = make_array(dtype, (n,), seed_for("exact-sum", dtype, n))
    quarters = array / FLOAT_STEP
    assert np.array_equal(quarters, np.round(quarters)), "values must be multiples of the step"
    exact = sum(int(q) for q in quarters.astype(np.int64)) * FLOAT_STEP  # Python ints: exact
    rng = np.random.default_rng(5)
    for ordering in (array, array[::-1], rng.permutation(array), np.sort(array)):
        # cumsum adds one element at a time in the dtype, like the server; sum is pairwise
        assert float(np.cumsum(ordering, dtype=dtype)[-1]) == exact
        assert float(np.sum(ordering, dtype=dtype)) == exact
    assert np.count_nonzero(array) > n // 2, "data must not be trivially zero"


def test_float_data_have_both_signs_and_positive_data_do_not() -> None:
    exact = make_array("float64", (1000,), 3)
    assert exact.min() < 0 < exact.max()
    positive = make_array("float64", (1000,), 3, "positive")
    assert positive.min() >= FLOAT_STEP


def test_random_float_data_are_not_exact_multiples() -> None:
    array = make_array("float64", (1000,), 3, "random")
    assert not np.array_equal(array / FLOAT_STEP, np.round(array / FLOAT_STEP))


# --- integer data -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("n", [10, 100_000])
def test_integer_data_cannot_overflow_in_a_sum(dtype: str, n: int) -> None:
    array = make_array(dtype, (n,), seed_for("no-overflow", dtype, n))
    info = np.iinfo(dtype)
    values = [int(v) for v in array]
    total = sum(values)
    assert info.min <= total <= info.max
    # every partial sum too, in either order (the server adds sequentially)
    assert info.min <= sum(v for v in values if v < 0)
    assert sum(v for v in values if v > 0) <= info.max
    assert int(np.sum(array, dtype=dtype)) == total


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_64_bit_data_exceed_32_bits(dtype: str) -> None:
    array = make_array(dtype, (1000,), 1)
    assert int(np.abs(array.astype(np.float64)).max()) > 2**32


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_overflow_data_do_overflow(dtype: str) -> None:
    array = make_array(dtype, (8,), 1, "overflow")
    total = sum(int(v) for v in array)
    assert total > np.iinfo(dtype).max
    assert all(int(v) > 0 for v in array)


def test_overflow_is_for_integers_only() -> None:
    with pytest.raises(ValueError):
        make_array("float32", (4,), 1, "overflow")


# --- missing-data holes -------------------------------------------------------------------------


@pytest.mark.parametrize("form", MISSING_FORMS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_holes_are_found_by_missing_mask_and_only_holes_change(dtype: str, form: str) -> None:
    original = make_array(dtype, (20, 10), seed_for("holes", dtype), "positive")
    holed, descriptor = add_missing(original, form, seed=7)
    assert holed.dtype == original.dtype and holed.shape == original.shape
    mask = missing_mask(holed, descriptor)
    assert 0.1 < mask.mean() < 0.4, "about a quarter of the elements are holes"
    changed = holed != original
    assert np.all(changed[mask]), "every hole holds a value the data never had"
    unexpected = changed & ~mask
    unexpected.reshape(-1)[:2] = False  # the planted boundary values (valid)
    assert not unexpected.any(), "only holes and planted boundaries change"


@pytest.mark.parametrize("form", ["valid_min", "valid_max", "valid_range"])
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float32"])
def test_boundary_values_are_kept_as_valid_data(dtype: str, form: str) -> None:
    holed, descriptor = add_missing(make_array(dtype, (50,), 2, "positive"), form, seed=3)
    ((_, bounds),) = descriptor.items()
    bounds = bounds if isinstance(bounds, list) else [bounds]
    flat = holed.reshape(-1)
    present = {v.item() for v in flat[~missing_mask(holed, descriptor).reshape(-1)]}
    for bound in bounds:
        assert bound in present, f"{form} bound {bound} must appear as valid data"


def test_missing_values_uses_both_listed_values() -> None:
    holed, descriptor = add_missing(make_array("int32", (200,), 2, "positive"), "missing_values", 3)
    first, second = descriptor["missing_values"]
    assert np.count_nonzero(holed == first) > 0
    assert np.count_nonzero(holed == second) > 0


@pytest.mark.parametrize("form", MISSING_FORMS)
@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_all_missing_makes_every_element_a_hole(dtype: str, form: str) -> None:
    holed, descriptor = add_missing(make_array(dtype, (3, 4), 2, "positive"), form, 3, True)
    assert missing_mask(holed, descriptor).all()


@pytest.mark.parametrize("form", MISSING_FORMS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_descriptor_values_are_json_numbers_of_the_dtype_kind(dtype: str, form: str) -> None:
    """Integer dtypes need integer literals (42.0 is a 400, docs/spec.md#missing); floats may be
    either."""
    _, descriptor = add_missing(make_array(dtype, (30,), 2, "positive"), form, 3)
    assert list(descriptor) == [form]
    value = descriptor[form]
    items = value if isinstance(value, list) else [value]
    want = float if np.dtype(dtype).kind == "f" else int
    assert items and all(type(v) is want for v in items)
    if form == "valid_range":
        assert len(items) == 2 and items[0] < items[1]


@pytest.mark.parametrize(
    "descriptor, mask",
    [
        (None, [0, 0, 0, 0, 0]),
        ({"missing_value": 3}, [0, 0, 1, 0, 0]),
        ({"missing_values": [1, 5]}, [1, 0, 0, 0, 1]),
        ({"missing_values": []}, [0, 0, 0, 0, 0]),
        ({"valid_min": 2}, [1, 0, 0, 0, 0]),
        ({"valid_max": 4}, [0, 0, 0, 0, 1]),
        ({"valid_range": [2, 4]}, [1, 0, 0, 0, 1]),
    ],
)
def test_missing_mask_follows_the_spec_definitions(
    descriptor: dict[str, Any] | None, mask: list[int]
) -> None:
    array = np.array([1, 2, 3, 4, 5], dtype=np.uint32)
    assert missing_mask(array, descriptor).astype(int).tolist() == mask


def test_unknown_missing_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown missing-data form"):
        add_missing(np.ones(4, dtype=np.int32), "valid_between", 1)
    with pytest.raises(ValueError, match="unknown missing-data form"):
        missing_mask(np.ones(4, dtype=np.int32), {"valid_between": 1})


# --- the object byte pipeline ---------------------------------------------------------------------


def decode(data: bytes, offset: int, size: int, compression: str | None) -> bytes:
    """Strip padding and decompress, with tools independent of compliance.data."""
    payload = data[offset : offset + size]
    if compression == "gzip":
        return gzip.decompress(payload)
    if compression == "zlib":
        return zlib.decompress(payload)
    if compression == "blosc2":
        return bytes(blosc2.decompress2(payload))
    assert compression is None
    return payload


def unshuffle(data: bytes, filters: tuple[str, ...], itemsize: int) -> bytes:
    for _ in reversed(filters):
        data = bytes(numcodecs.Shuffle(elementsize=itemsize).decode(data))
    return data


@pytest.mark.parametrize("compression", [None, "gzip", "zlib", "blosc2"])
@pytest.mark.parametrize("filters", [(), ("shuffle",), ("shuffle_simd",), ("shuffle", "shuffle")])
@pytest.mark.parametrize("byte_order", [None, "big", "little"])
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float32", "float64"])
def test_pipeline_round_trip(
    dtype: str, byte_order: str | None, filters: tuple[str, ...], compression: str | None
) -> None:
    array = make_array(dtype, (30, 7), 4)
    encoded = encode_object(
        array,
        byte_order=byte_order,
        filters=filters,
        compression=compression,
        leading=13,
        trailing=5,
        seed=9,
    )
    assert encoded.offset == 13
    assert len(encoded.data) == 13 + encoded.size + 5
    assert encoded.raw_nbytes == array.nbytes
    itemsize = np.dtype(dtype).itemsize
    raw = unshuffle(decode(encoded.data, 13, encoded.size, compression), filters, itemsize)
    stored = np.dtype(dtype).newbyteorder(
        ">" if byte_order == "big" else "<" if byte_order else "="
    )
    back = np.frombuffer(raw, dtype=stored).reshape(array.shape)
    assert np.array_equal(back, array)


@pytest.mark.parametrize("compression", ["gzip", "zlib", "blosc2"])
def test_compression_shrinks_compressible_data(compression: str) -> None:
    array = np.zeros(10_000, dtype=np.int64)
    encoded = encode_object(array, compression=compression)
    assert encoded.size < array.nbytes // 10
    assert encoded.size == len(encoded.data)


@pytest.mark.parametrize(
    "byte_order, expected",
    [
        ("big", b"\x00\x00\x00\x01\x00\x00\x01\x02"),
        ("little", b"\x01\x00\x00\x00\x02\x01\x00\x00"),
    ],
)
def test_byte_order_by_hand(byte_order: str, expected: bytes) -> None:
    encoded = encode_object(np.array([1, 258], dtype=np.int32), byte_order=byte_order)
    assert encoded.data == expected


def test_shuffle_by_hand() -> None:
    """Little-endian int32 [1, 258] is 01 00 00 00 02 01 00 00; shuffled: first bytes first."""
    array = np.array([1, 258], dtype=np.int32)
    encoded = encode_object(array, byte_order="little", filters=("shuffle",))
    assert encoded.data == b"\x01\x02\x00\x01\x00\x00\x00\x00"


def test_f_order_writes_column_major_bytes() -> None:
    array = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    encoded = encode_object(array, order="F", byte_order="little")
    assert np.frombuffer(encoded.data, "<i4").tolist() == [1, 4, 2, 5, 3, 6]
    c_order = encode_object(array, order="C", byte_order="little")
    assert np.frombuffer(c_order.data, "<i4").tolist() == [1, 2, 3, 4, 5, 6]


def test_padding_is_deterministic_and_the_digest_names_the_content() -> None:
    array = make_array("int32", (10,), 1)
    first = encode_object(array, compression="gzip", leading=8, trailing=8, seed=1)
    again = encode_object(array, compression="gzip", leading=8, trailing=8, seed=1)
    assert first.data == again.data and first.digest == again.digest
    other = encode_object(array, compression="gzip", leading=8, trailing=8, seed=2)
    assert other.data[8:-8] == first.data[8:-8]
    assert other.digest != first.digest
    assert len(first.digest) == 64


def test_unknown_filter_and_compression_are_refused() -> None:
    array = np.ones(4, dtype=np.int32)
    with pytest.raises(ValueError, match="filter"):
        encode_object(array, filters=("bitshuffle",))
    with pytest.raises(ValueError, match="compression"):
        encode_object(array, compression="lz4")

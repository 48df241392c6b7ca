"""The cases of the `clients` area and the client's known limits (docs/spec.md#clients).

Pure data and one rule: which limit of the client a case meets, decided from the file's data,
so a case the limit cannot touch is expected to pass (and a strict xfail stays honest).
"""

from __future__ import annotations

from .netcdf_files import SHAPE, Variable, holes_of, values_of
from .pyactive import CLIENT_SKIPS_TLS

VERSION = "PyActiveStorage 0.8.0"
ALL = (slice(None),) * len(SHAPE)
SELECTIONS = {
    "whole": ALL,
    "slab": (slice(2, 9), slice(1, 7), slice(0, 9)),
    "strided": (slice(1, 12, 3), slice(0, 10, 2), slice(1, 9, 3)),
    "point": (slice(5, 6), slice(3, 4), slice(6, 7)),
}
OPERATIONS = ("min", "max", "sum", "mean", None)


def op_id(operation: str | None) -> str:
    return operation or "select"


#: The client's own limits, each observed against 0.13.1 with every server answer right.
LIMITS = {
    "int-missing": (
        "sends an int32 missing value as numpy.int32, which the JSON encoder of requests "
        "refuses (TypeError before any request leaves)"
    ),
    "select-unmasked": (
        "a selection (no method) comes back unmasked: the client never applies the "
        "missing-data attributes to the values the server returns"
    ),
    "range-from-zero": (
        "valid_range [0, max]: `if valid_min and valid_max` takes 0 for absent and sends "
        "only valid_max, so values below 0 count as data"
    ),
    "count-zero-unmasked": (
        "a result with no valid element is masked by `count == 0` on the CBOR count list, "
        "which is never true: the server's sentinel (or sum 0) comes back as data"
    ),
    "dropped-axis": (
        "an integer index drops an axis: reductions refuse it ('Can't do an active reduction "
        "when the index ... drops the axis'), a selection fails to broadcast the chunk"
    ),
    "mean-axis-counts": (
        "a mean over leading axes keeping two or more: the server's count is a flat list "
        "and the client stores it in the chunk's (1, a, b) slot without reshaping it (fails "
        "to broadcast)"
    ),
    "trailing-axis": (
        "a reduction over non-leading axes: the server leaves the reduced axes out of the "
        "result shape (as the spec says) and the client stores it in a slot that keeps them, "
        "without reshaping; broadcasting hides this only when the reduced axes lead"
    ),
    "unwritten-chunk": (
        "a chunk HDF5 never stored (all fill values) has no chunk index entry: pyfive "
        "raises KeyError instead of the client reading it as fill values"
    ),
    "https-no-ca": (
        f"{CLIENT_SKIPS_TLS}: its one CA setting, S3_ACTIVE_STORAGE_CACERT, serves "
        "interface_type s3 only (the suite does not send the request)"
    ),
}


def limit_of(variable: Variable, operation: str | None, selection: str) -> str | None:
    """The client limit a case of the reduction matrix meets, if any (a LIMITS key): decided
    from the data, so a case the limit cannot touch is expected to pass."""
    index = SELECTIONS[selection]
    holes = holes_of(variable)[index]
    if variable.dtype == "int32" and variable.missing:
        return "int-missing"
    if variable.range_from_zero:
        below = (values_of(variable)[0][index] < 0) & holes
        if below.any() and (operation != "max" or holes.all()):
            return "range-from-zero"
    if holes.all() and operation in ("min", "max", "sum"):
        return "count-zero-unmasked"
    if operation is None and holes.any():
        return "select-unmasked"
    return None

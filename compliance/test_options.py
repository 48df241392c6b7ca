"""v2 response options: `option_shape_as_bytes` and `option_count_as_bytes` (0.13.0+).

Holds the server to docs/spec.md#response-options.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from .case import Case
from .client import Result
from .conftest import Verify
from .gating import require
from .profiles import Profile

pytestmark = pytest.mark.options

FLAGS = [
    ("shape", (("option_shape_as_bytes", True),)),
    ("count", (("option_count_as_bytes", True),)),
    ("both", (("option_shape_as_bytes", True), ("option_count_as_bytes", True))),
    ("both-false", (("option_shape_as_bytes", False), ("option_count_as_bytes", False))),
]
CASES = [
    ("scalar", Case("sum", "int64", (4, 5))),
    ("axis", Case("max", "float32", (3, 4, 5), axis=[0, 2], missing="valid_max")),
    ("select", Case("select", "uint32", (6, 2, 3))),
    ("empty", Case("min", "int32", (6,), selection=((2, 2, 1),))),
]


def _native_ints(blob: bytes, byte_order: Any, kind: str) -> list[int]:
    dt = np.dtype(("<" if byte_order == "little" else ">") + kind + "8")
    return [int(v) for v in np.frombuffer(blob, dtype=dt)]


def _check_encoding(result: Result, options: dict[str, Any]) -> list[str]:
    """The flags move shape/count into byte strings and leave `[]` in the plain keys."""
    payload = result.payload or {}
    problems = []
    for name, kind in (("shape", "u"), ("count", "i")):
        flag = options.get(f"option_{name}_as_bytes", False)
        blob = payload.get(f"{name}_as_bytes") or b""
        plain = payload.get(name)
        if flag:
            if plain != []:
                problems.append(f"{name} is {plain!r} with option_{name}_as_bytes; expected []")
            decoded = _native_ints(blob, result.byte_order, kind)
            wanted = list((result.shape if name == "shape" else result.count) or ())
            if decoded != wanted:
                problems.append(f"{name}_as_bytes decodes to {decoded}, expected {wanted}")
        elif blob:
            problems.append(f"{name}_as_bytes is {blob!r} without the option; expected empty")
    return problems


@pytest.mark.parametrize("case_name,case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("flag_name,flags", FLAGS, ids=[f[0] for f in FLAGS])
def test_as_bytes_options(
    flag_name: str, flags: Any, case_name: str, case: Case, verify: Verify, profile: Profile
) -> None:
    require(profile, "bytes_options")
    if case.axis != "absent":
        require(profile, "axis")
    if case.missing:
        require(profile, "missing", case.missing)
    # verify() compares shape and count whichever way they travel; then the encoding itself.
    result = verify(case.replace(options=flags))
    problems = _check_encoding(result, dict(flags))
    assert not problems, "\n".join(problems) + "\n" + result.exchange.describe()

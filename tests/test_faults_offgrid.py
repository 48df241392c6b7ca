"""The off-grid faults (faults/offgrid.py): each changes the answer to the requests it is narrowed
to, and passes on unchanged the nearest requests the grid does send.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults_support import APIS, FakeServer, answer_after, make_answer, make_request, play
from tests.faults_support import values_of

REVERSED_CLAMPED = [[2, 0, 1], [7, -9, -2]]  # the second slice starts at 7 of 3: it clamps

#: Per fault: fields it triggers on, and fields that miss it by one condition (grid-like).
CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "offgrid-compressed-reversed-slice": (
        {"shape": [4], "selection": [[3, 0, -1]], "compression": {"id": "zlib"}},
        [
            {"shape": [4], "selection": [[3, 0, -1]]},
            {"shape": [4], "selection": [[0, 3, 1]], "compression": {"id": "zlib"}},
        ],
    ),
    "offgrid-big-endian-odd-offset-f-order": (
        {"byte_order": "big", "order": "F", "offset": 3},
        [
            {"byte_order": "big", "order": "F", "offset": 4},
            {"byte_order": "big", "order": "C", "offset": 3},
            {"byte_order": "little", "order": "F", "offset": 3},
        ],
    ),
    "offgrid-clamped-reversed-slice-nd": (
        {"shape": [2, 3], "selection": REVERSED_CLAMPED},
        [
            {"shape": [2, 3], "selection": [[2, 0, 1], [2, -9, -2]]},  # start inside
            {"shape": [2, 3], "selection": [[2, 0, 1], [7, -9, 2]]},  # positive stride
            {"shape": [6], "selection": [[7, -9, -2]]},  # one dimension, as the grid sends
        ],
    ),
    "offgrid-int64-missing-strided": (
        {
            "dtype": "int64",
            "shape": [6],
            "selection": [[0, 6, 2]],
            "missing": {"missing_value": 7},
        },
        [
            {"dtype": "int32", "shape": [6], "selection": [[0, 6, 2]], "missing": {"valid_min": 1}},
            {"dtype": "int64", "shape": [6], "selection": [[0, 6, 1]], "missing": {"valid_min": 1}},
            {"dtype": "int64", "shape": [6], "selection": [[0, 6, 2]]},
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("api", APIS)
def test_offgrid_fault_changes_the_last_element_of_what_it_targets(api: str, name: str) -> None:
    triggering, _ = CASES[name]
    upstream = make_answer(api, [1, 2, 3], "int64", [3])
    assert values_of(answer_after(name, make_request(api, "sum", triggering), upstream)) == [
        1,
        2,
        4,
    ]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("api", APIS)
def test_offgrid_fault_passes_the_nearest_grid_requests(api: str, name: str) -> None:
    _, near_misses = CASES[name]
    upstream = make_answer(api, [1, 2, 3], "int64", [3])
    for fields in near_misses:
        assert play(name, make_request(api, "sum", fields), FakeServer(upstream)) == upstream


@pytest.mark.parametrize("api", APIS)
def test_clamped_reversed_slice_counts_a_start_below_the_dimension(api: str) -> None:
    """-4 in a dimension of 3 clamps to the start as 4 clamps to the end."""
    fields = {"shape": [2, 3], "selection": [[0, 2, 1], [-4, 0, -1]]}
    upstream = make_answer(api, [5, 6], "int64", [2])
    after = answer_after(
        "offgrid-clamped-reversed-slice-nd", make_request(api, "max", fields), upstream
    )
    assert values_of(after) == [5, 7]


@pytest.mark.parametrize("api", APIS)
def test_clamped_reversed_slice_reads_the_object_form(api: str) -> None:
    selection = [{"start": 0, "end": 2, "stride": 1}, {"start": 5, "end": 0, "stride": -1}]
    fields = {"shape": [2, 3], "selection": selection}
    upstream = make_answer(api, [5, 6], "int64", [2])
    after = answer_after(
        "offgrid-clamped-reversed-slice-nd", make_request(api, "sum", fields), upstream
    )
    assert values_of(after) == [5, 7]

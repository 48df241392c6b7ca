"""Known deviations of real servers from the spec, per profile name.

Each entry is a test-id pattern (fnmatch) and the reason; matching tests become strict xfails, so a
server that fixes the deviation turns the run red until the entry is removed. Entries are grouped
by the test module they concern; ``KNOWN_DEVIATIONS`` merges the groups.
"""

from __future__ import annotations

from .profiles import Deviation

Table = dict[str, tuple[Deviation, ...]]

# compliance/test_errors.py
ERRORS: Table = {}

_F_ORDER_AXIS_RESULTS = (
    Deviation(
        r"test_axis\.py::test_axis\[(sum|min|max)-\w+-(int0|int1|int2|list0)-F\]"
        r"|test_axis_f_order_multidimensional_result\[(sum|min|max)-"
        r"|test_axis_f_order_multidimensional_result\[count-\w+-holes\]",
        "reductions over one or more axes with order F return the result (and the count list) "
        "in C element order; select and axis [] follow F order (spec 3.3, 'reading')",
    ),
)

# all other modules
FEATURES: Table = {
    "reductionist-0.13": _F_ORDER_AXIS_RESULTS,
    "reductionist-0.12": _F_ORDER_AXIS_RESULTS,
    "reductionist-0.11": _F_ORDER_AXIS_RESULTS,
}


def _merge(*tables: Table) -> Table:
    merged: Table = {}
    for table in tables:
        for profile, entries in table.items():
            merged[profile] = merged.get(profile, ()) + entries
    return merged


KNOWN_DEVIATIONS: Table = _merge(FEATURES, ERRORS)

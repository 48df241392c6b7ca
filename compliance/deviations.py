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

# all other modules
FEATURES: Table = {}


def _merge(*tables: Table) -> Table:
    merged: Table = {}
    for table in tables:
        for profile, entries in table.items():
            merged[profile] = merged.get(profile, ()) + entries
    return merged


KNOWN_DEVIATIONS: Table = _merge(FEATURES, ERRORS)

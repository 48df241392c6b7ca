"""The fuzz area's strategies draw valid cases for every built-in profile, within its
capabilities (a profile without compression, like the prototype's, included)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.fuzz_strategies import cases, excluded
from compliance.profiles import BUILTIN_PROFILES


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_every_profile_draws_cases_within_its_capabilities(name: str) -> None:
    profile = BUILTIN_PROFILES[name]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def drawn(data: st.DataObject) -> None:
        case = data.draw(cases(profile))
        assert case.op in profile.operations and case.dtype in profile.dtypes
        assert case.compression is None or case.compression in profile.compression
        assert set(case.filters) <= set(profile.filters)
        assert not excluded(case, profile)

    drawn()

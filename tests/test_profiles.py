"""Built-in profiles against the spec's version history (docs/spec.md#versions) and prototype notes
(#prototype); profile lookup, user profiles and known-deviation patterns."""

from __future__ import annotations

import pytest

from compliance.profiles import (
    BUILTIN_PROFILES,
    DEFAULT_PROFILE,
    Deviation,
    Profile,
    ProfileError,
    resolve_profile,
)


def builtin(name: str) -> Profile:
    return BUILTIN_PROFILES[name]


def test_the_profiles_the_issue_names_exist() -> None:
    assert set(BUILTIN_PROFILES) >= {
        "reductionist-0.13",
        "reductionist-0.12",
        "reductionist-0.11",
        "reductionist-0.9",
        "reductionist-0.5",
        "prototype",
    }
    assert DEFAULT_PROFILE == "reductionist-0.13"
    assert all(name == profile.name for name, profile in BUILTIN_PROFILES.items())


def test_reductionist_0_13() -> None:
    p = builtin("reductionist-0.13")
    assert p.api == "v2" and p.http_backend and p.bytes_options
    assert set(p.compression) == {"gzip", "zlib", "blosc2"}
    assert set(p.filters) == {"shuffle", "shuffle_simd"}
    assert p.count_format == "list" and p.empty_reduction == "sentinel"
    assert "mean" not in p.operations
    assert p.axis and p.axis_all_listed and p.anonymous_access and p.unknown_fields_rejected


def test_reductionist_0_12_lacks_only_the_bytes_options() -> None:
    p = builtin("reductionist-0.12")
    assert p.api == "v2" and p.http_backend and "blosc2" in p.compression
    assert not p.bytes_options


def test_reductionist_0_11_is_the_last_v1_release() -> None:
    p = builtin("reductionist-0.11")
    assert p.api == "v1" and not p.http_backend and not p.bytes_options
    assert set(p.compression) == {"gzip", "zlib"}  # blosc2 arrived in 0.12.0
    assert p.filters == ("shuffle",)  # shuffle_simd arrived in 0.12.0
    assert p.axis and not p.axis_all_listed  # all-axes lists allowed from 0.12.0
    assert p.count_format == "list" and p.empty_reduction == "sentinel"


def test_reductionist_0_9() -> None:
    p = builtin("reductionist-0.9")
    assert p.api == "v1" and p.count_format == "int" and not p.axis
    assert p.anonymous_access  # public buckets from 0.9.0
    assert p.empty_reduction == "error"  # sentinels from 0.11.0


def test_reductionist_0_5() -> None:
    p = builtin("reductionist-0.5")
    assert p.byte_order and not p.anonymous_access
    assert set(p.missing) == {
        "missing_value",
        "missing_values",
        "valid_min",
        "valid_max",
        "valid_range",
    }


def test_prototype() -> None:
    p = builtin("prototype")
    assert p.api == "v1" and "mean" in p.operations and p.trailing_slash
    assert p.count_format == "none" and not p.byte_order
    assert p.compression == () and p.filters == () and p.missing == ()
    assert not p.negative_selection and not p.unaligned_offset and not p.anonymous_access
    assert p.error_format == "fastapi" and not p.unknown_fields_rejected


# --- lookup ---------------------------------------------------------------------------------------


def test_resolve_builtin_attaches_its_known_deviations() -> None:
    from compliance.deviations import KNOWN_DEVIATIONS

    for name in BUILTIN_PROFILES:
        profile = resolve_profile(name)
        assert profile.name == name
        assert profile.deviations == KNOWN_DEVIATIONS.get(name, ())


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ProfileError) as caught:
        resolve_profile("reductionist-0.10", {"mine": {}})
    message = str(caught.value)
    assert "reductionist-0.10" in message
    assert all(name in message for name in [*BUILTIN_PROFILES, "mine"])


def test_user_profile_defaults_to_the_default_base_and_converts_deviations() -> None:
    profile = resolve_profile(
        "mine", {"mine": {"dtypes": ("int32",), "deviations": [(r"test_x\[", "why")]}}
    )
    assert profile.api == "v2" and profile.dtypes == ("int32",)
    assert profile.deviations == (Deviation(r"test_x\[", "why"),)


def test_user_profile_rejects_unknown_capabilities_and_names_known_ones() -> None:
    with pytest.raises(ProfileError, match=r"unknown capabilities \['colour'\].*'compression'"):
        resolve_profile("mine", {"mine": {"colour": "blue"}})


# --- known deviations -----------------------------------------------------------------------------

IDS = [
    "compliance/test_axis.py::test_axis[sum-int32-int0-F]",
    "compliance/test_axis.py::test_axis[sum-int32-int0-C]",
    "compliance/test_operations.py::test_operation[max-float32-10-C]",
]


def test_xfail_reason_is_the_first_matching_deviation() -> None:
    profile = Profile(
        "p",
        "test profile",
        deviations=(
            Deviation(r"test_axis\[\w+-\w+-int0-F\]", "F order comes back in C order"),
            Deviation(r"test_axis\[", "second, never reached for F"),
        ),
    )
    assert profile.xfail_reason(IDS[0]) == "F order comes back in C order"
    assert profile.xfail_reason(IDS[1]) == "second, never reached for F"
    assert profile.xfail_reason(IDS[2]) is None


def test_patterns_are_searched_not_anchored() -> None:
    assert Deviation(r"test_operation\[max-", "r").matches(IDS[2])
    assert not Deviation(r"^test_operation", "r").matches(IDS[2])


def test_unmatched_deviations_reports_patterns_matching_nothing() -> None:
    used = Deviation(r"test_axis\[sum-", "used")
    stale = Deviation(r"test_axis\[mean-", "stale")
    also_stale = Deviation(r"test_removed_test", "gone")
    profile = Profile("p", "test profile", deviations=(used, stale, also_stale))
    assert profile.unmatched_deviations(IDS) == [stale, also_stale]
    assert profile.unmatched_deviations(iter(IDS)) == [stale, also_stale]  # a generator works
    assert profile.unmatched_deviations([]) == [used, stale, also_stale]
    assert Profile("q", "none").unmatched_deviations(IDS) == []


def test_deviations_module_imports_nothing_of_the_package() -> None:
    """profiles uses deviations, never the reverse: no import cycle."""
    import ast
    from pathlib import Path

    import compliance.deviations

    tree = ast.parse(Path(compliance.deviations.__file__).read_text())
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
    absolute = [
        a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
        if (getattr(n, "module", None) or a.name).startswith("compliance")
    ]
    assert relative == [] and absolute == []


def test_builtin_profiles_come_with_their_deviations() -> None:
    from compliance.deviations import KNOWN_DEVIATIONS
    from compliance.profiles import BUILTIN_PROFILES, resolve_profile

    for name, profile in BUILTIN_PROFILES.items():
        assert resolve_profile(name) is profile
        assert profile.deviations == KNOWN_DEVIATIONS.get(name, ())

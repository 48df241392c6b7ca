"""Capability gating: skip a test with a reason that names the capability the server lacks."""

from __future__ import annotations

from typing import Any

import pytest

from .profiles import Profile


def lacks(profile: Profile, capability: str, value: Any = True) -> str | None:
    """Why ``profile`` cannot run a test needing ``capability`` (with ``value``), or None."""
    have = getattr(profile, capability)
    if isinstance(have, tuple):
        ok = value in have
    elif isinstance(have, bool):
        ok = have == bool(value)
    else:
        ok = have == value
    if ok:
        return None
    return (
        f"capability {capability}={value!r} not in profile {profile.name} ({capability}={have!r})"
    )


def require(profile: Profile, capability: str, value: Any = True) -> None:
    """Skip the calling test unless the profile has the capability."""
    reason = lacks(profile, capability, value)
    if reason:
        pytest.skip(reason)


def require_some(profile: Profile, capability: str) -> None:
    """Skip unless the profile supports at least one value of a tuple capability."""
    if not getattr(profile, capability):
        pytest.skip(f"capability {capability} is empty in profile {profile.name}")


def require_without(profile: Profile, capability: str, value: str) -> None:
    """Skip unless ``value`` is missing from a tuple capability (a test of its refusal)."""
    have = getattr(profile, capability)
    if value in have:
        pytest.skip(
            f"capability {capability}={have!r} of profile {profile.name} includes {value!r}: "
            "nothing to refuse"
        )

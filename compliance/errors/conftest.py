"""The ``refuse`` fixture of the error modules."""

from __future__ import annotations

import pytest

from ..conftest import RejectCheck
from ..profiles import Profile
from .common import Refuse


@pytest.fixture
def refuse(reject: RejectCheck, profile: Profile) -> Refuse:
    """Send a case with its body changed and check the refusal (common.Refuse)."""
    return Refuse(reject, profile)

"""The ``refuse`` fixture of the error modules."""

from __future__ import annotations

import pytest

from ..conftest import RejectCheck
from ..profiles import Profile
from .common import Refuse


@pytest.fixture(scope="session")
def refuse(reject: RejectCheck, profile: Profile) -> Refuse:
    """Send a case with its body changed and check the refusal (common.Refuse); session-wide
    like ``reject``: it holds nothing of a test's own."""
    return Refuse(reject, profile)

"""The ``refuse`` fixture of the error modules."""

from __future__ import annotations

from typing import Any

import pytest

from ..case import Case
from ..checks import Statuses, body_differences, fail_on
from ..client import Result
from ..conftest import RejectCheck
from ..profiles import Profile
from .common import INVALID, Changes, Edit, Refuse, apply, invalid_status


@pytest.fixture
def refuse(reject: RejectCheck, profile: Profile) -> Refuse:
    """Send ``case`` with its body changed and check the refusal, including the message text."""

    def check(
        case: Case,
        mentions: tuple[str, ...],
        changes: Changes | None = None,
        *,
        status: Statuses | None = None,
        message: str | None = INVALID,
        edit: Edit | None = None,
    ) -> Result:
        __tracebackhide__ = True
        want = invalid_status(profile) if status is None else status
        edits = [f for f in (apply(changes) if changes else None, edit) if f is not None]

        def edit_all(body: dict[str, Any]) -> None:
            for function in edits:
                function(body)

        result = reject(case, want, mentions, edit=edit_all)
        fail_on(body_differences(result, profile, message), result)
        return result

    return check

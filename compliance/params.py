"""Parametrize rows from tables whose rows start with their test id (ceph/s3-tests style).

A table keeps each case's id next to its values, so an edit cannot shift ids against rows the
way two parallel lists (values, ``ids=``) can.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import pytest


def rows(table: Iterable[Sequence[Any]]) -> list[pytest.ParameterSet]:
    """``pytest.param(*values, id=id)`` for every ``(id, *values)`` row of ``table``."""
    return [pytest.param(*row[1:], id=row[0]) for row in table]

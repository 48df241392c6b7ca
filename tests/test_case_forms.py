"""The remembered stored forms of cases (compliance.case._StoredForms): shared only where the
object is the same, read-only, and bounded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from compliance.case import _REQUEST_ONLY, Case, _StoredForms, stored_form

BASE = Case("sum", "int32", (4, 3), missing="missing_value")

#: A value other than the default for each request-only field.
OTHER_REQUEST: dict[str, Any] = {
    "op": "max",
    "selection": ((0, 2, 1), (0, 3, 2)),
    "axis": 1,
    "backend": "http",
    "send_shape": False,
    "send_offset": False,
    "send_size": False,
    "send_order": False,
    "options": (("option_x", True),),
    "auth": "none",
}


def test_every_request_only_field_has_a_changed_value_here() -> None:
    assert set(OTHER_REQUEST) == set(_REQUEST_ONLY)


@pytest.mark.parametrize("name", sorted(OTHER_REQUEST))
def test_a_request_only_field_leaves_the_stored_object_alone(name: str) -> None:
    """Derived, not assumed: making the object for a case that differs in the field gives the
    same array, missing field and bytes, so sharing the form is right."""
    changed = BASE.replace(**{name: OTHER_REQUEST[name]})
    array, missing, encoded = stored_form(BASE)
    other_array, other_missing, other_encoded = stored_form(changed)
    assert np.array_equal(array, other_array) and missing == other_missing
    assert encoded.data == other_encoded.data


def test_cases_with_the_same_object_share_one_form() -> None:
    forms = _StoredForms(budget_bytes=1 << 20)
    first = forms.get(BASE)
    assert forms.get(BASE.replace(op="min", axis=0)) is first


@pytest.mark.parametrize(
    "change",
    [
        {"dtype": "int64"},
        {"order": "F"},
        {"compression": "gzip"},
        {"leading": 3},
        {"kind": "random"},
    ],
)
def test_a_data_field_makes_another_form(change: dict[str, Any]) -> None:
    forms = _StoredForms(budget_bytes=1 << 20)
    assert forms.get(BASE.replace(**change))[2].data != forms.get(BASE)[2].data


def test_a_shared_array_cannot_be_written() -> None:
    array = _StoredForms(budget_bytes=1 << 20).get(BASE)[0]
    with pytest.raises(ValueError, match="read-only"):
        array[0, 0] = 7


def test_the_least_recent_form_goes_when_over_budget() -> None:
    big = Case("sum", "int64", (1 << 14,))  # 128 KiB of array and as much stored
    forms = _StoredForms(budget_bytes=600 << 10)  # room for two
    first = forms.get(big)
    second = forms.get(big.replace(dtype="float64"))
    assert forms.get(big) is first  # both fit; this makes the first the most recent
    forms.get(big.replace(dtype="uint64"))  # a third: the float64 one goes
    assert forms.get(big) is first
    assert forms.get(big.replace(dtype="float64")) is not second

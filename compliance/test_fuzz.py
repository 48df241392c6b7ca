"""Differential fuzzing: requests drawn at random for the profile, checked by the grid's oracle.

Holds the server to docs/spec.md#fuzzing (and every section the grid areas cite).

Each drawn Case goes through the grid's own steps (``CaseRunner.prepare/send/expect`` and
``assert_result``/``assert_error``), so there is no second implementation to trust. The seed is
fixed, so CI draws the same cases each run; Hypothesis' example database lives in the stack's
state folder, so a failure found once (by a long hunt too) is replayed first the next time.
A failure shrinks to a minimal request, printed with its curl reproducer.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from typing import TYPE_CHECKING

import pytest

from .case import Case, CaseRunner
from .checks import SpecDifference
from .profiles import Profile

if TYPE_CHECKING:
    from hypothesis.database import DirectoryBasedExampleDatabase

pytestmark = pytest.mark.fuzz

#: The fixed seed of the default run (any other draws other cases: a long hunt may change it).
SEED = 20261201
_REPOSITORY = Path(__file__).resolve().parent.parent


def example_database(profile: Profile) -> DirectoryBasedExampleDatabase:
    """Hypothesis' examples in <state>/hypothesis/<profile> (state: ACTIVESTORAGE_STACK_DIR or
    <repo>/.stack): one folder per profile, since the same draws make other cases elsewhere."""
    from hypothesis.database import DirectoryBasedExampleDatabase

    state = Path(os.environ.get("ACTIVESTORAGE_STACK_DIR") or _REPOSITORY / ".stack")
    return DirectoryBasedExampleDatabase(state / "hypothesis" / profile.name)


def test_drawn_requests(runner: CaseRunner, profile: Profile, pytestconfig: pytest.Config) -> None:
    """Every drawn valid request is answered as the oracle says, field by field, exactly."""
    # Imported here, not at the top: Hypothesis costs each worker a second to import, and only
    # the one worker that runs this test needs it.
    from hypothesis import HealthCheck, Verbosity, given, reject, seed, settings

    from .fuzz_strategies import cases

    examples = pytestconfig.getoption("fuzz_examples")
    tried = itertools.count(1)
    first_failure: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=example_database(profile),
        verbosity=Verbosity.normal,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
    @seed(SEED)
    @given(case=cases(profile))
    def drawn(case: Case) -> None:
        number = next(tried)
        try:
            runner.check(case)
        except AssertionError as error:
            if isinstance(error, SpecDifference) and profile.instability(
                error.differences, error.exchange.transport_error
            ):
                reject()  # the profile's known race, not evidence: the example is discarded
            if not first_failure:  # how long the hunt took, before shrinking
                first_failure.append(number)
                print(f"fuzz: first failure at example {number} (of at most {examples})")
            raise

    drawn()

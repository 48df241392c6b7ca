"""A known deviation's failure is reported without pytest formatting its traceback
(compliance/conftest.py, ``pytest_runtest_makereport``), and nothing else about it changes.

Run on the stack against Reductionist 0.13.1, with one of its recorded deviations: the test is
xfailed with its reason, the answer's difference and reproducer stay in the report's properties
and the captured output is kept; under ``--runxfail`` it is a failure shown with pytest's own
traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.profiles import resolve_profile
from faults.mutation_runs import REPO

pytestmark = pytest.mark.stack

SERVER = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_URL", "http://127.0.0.1:8080")
PROFILE = "reductionist-0.13"
#: A request 0.13.1 answers 200 where the spec says 400 (a recorded deviation of the profile).
DEVIATION = "compliance/errors/test_body.py::test_malformed_json[extra-closing-brace]"


#: A plugin for the run under test: writes each call-phase report as a JSON line.
RECORDER = """
import json, os

def pytest_runtest_logreport(report):
    if report.when == "call":
        with open(os.environ["RECORDED_REPORTS"], "a") as out:
            fields = dict(outcome=report.outcome, wasxfail=getattr(report, "wasxfail", None),
                          properties=dict(report.user_properties), longrepr=report.longreprtext)
            out.write(json.dumps(fields) + "\\n")
"""


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ACTIVESTORAGE_RUN"))
    }
    (tmp_path / "recorder.py").write_text(RECORDER)
    environment["PYTHONPATH"] = str(tmp_path)
    environment["RECORDED_REPORTS"] = str(tmp_path / "reports.jsonl")
    command = [sys.executable, "-m", "pytest", DEVIATION, "-p", "no:xdist", "-p", "recorder"]
    command += ["-rx", "--proxy-url", SERVER, "--profile", PROFILE, *extra]
    return subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_deviation_is_recorded() -> None:
    assert resolve_profile(PROFILE).xfail_reason(DEVIATION), f"{DEVIATION} is no deviation"


def test_a_known_deviation_is_xfailed_with_its_properties(tmp_path: Path) -> None:
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 xfailed" in run.stdout, run.stdout[-3000:]
    (report,) = [json.loads(line) for line in (tmp_path / "reports.jsonl").read_text().splitlines()]
    assert report["outcome"] == "skipped", report
    assert str(report["wasxfail"]).startswith("known deviation: "), report
    assert report["properties"]["difference"] == "status 200 != 400", report
    assert str(report["properties"]["reproduce"]).startswith("curl "), report
    assert report["properties"]["feature"] == "errors", report
    # the long form is the failure's own text: what differed and the request
    assert "SpecDifference" in report["longrepr"] and "status 200 != 400" in report["longrepr"]


def test_under_runxfail_it_fails_with_pytests_traceback(tmp_path: Path) -> None:
    run = _run(tmp_path, "--runxfail")
    assert run.returncode == 1, run.stdout[-3000:]
    # pytest's short traceback names the test's line and shows its source; the message follows
    assert "compliance/errors/test_body.py:" in run.stdout, run.stdout[-3000:]
    assert "assert_error(result" in run.stdout, run.stdout[-3000:]
    assert "status 200 != 400" in run.stdout, run.stdout[-3000:]

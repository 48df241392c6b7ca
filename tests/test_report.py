"""Unit tests of the compliance report: classification, reasons, reproducers and rendering."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from compliance.client import STOPPED_ANSWERING
from compliance.report import (
    CLIENT_LIMIT,
    ComplianceReport,
    Verdict,
    classify,
    failure_of,
    feature_area,
    render_markdown,
    render_text,
    spec_link_from,
    spec_section,
    to_json,
)

CURL = "curl -sS -i -X POST http://127.0.0.1:8080/v2/sum -u 'minioadmin:****' -d '{}'"
#: What conftest's makereport hook attaches to the report of a SpecDifference.
DIFFERENCE = [
    ("difference", "values differ at 1 of 1 positions; first at (): got 10, expected 11"),
    ("reproduce", CURL),
]


def fake_report(
    nodeid: str = "compliance/test_x.py::test_y[a]",
    when: str = "call",
    outcome: str = "passed",
    feature: str | None = "axis",
    **extra: Any,
) -> Any:
    properties: list[tuple[str, Any]] = [("feature", feature)] if feature else []
    properties += extra.pop("data", [])
    fields = dict(
        nodeid=nodeid,
        when=when,
        outcome=outcome,
        passed=outcome == "passed",
        failed=outcome == "failed",
        skipped=outcome == "skipped",
        user_properties=properties,
        longreprtext="",
        longrepr=None,
    )
    fields.update(extra)
    return SimpleNamespace(**fields)


def test_feature_area_uses_markers_not_ids() -> None:
    assert feature_area(["parametrize", "missing", "axis"], "compliance/test_q.py::t[x]") == "axis"
    assert feature_area(["parametrize"], "compliance/test_errors.py::test_x[axis]") == "errors"


def test_failure_reason_and_reproducer_come_from_the_attached_data() -> None:
    reason, reproduce = failure_of(fake_report(outcome="failed", data=DIFFERENCE))
    assert reason == "values differ at 1 of 1 positions; first at (): got 10, expected 11"
    assert reproduce == CURL


def test_other_failures_give_pytest_crash_line() -> None:
    crash = SimpleNamespace(reprcrash=SimpleNamespace(message="ValueError: boom\nmore"))
    assert failure_of(fake_report(outcome="failed", longrepr=crash)) == ("ValueError: boom", None)
    assert failure_of(fake_report(outcome="failed")) == ("failed", None)


@pytest.mark.parametrize(
    "report, column",
    [
        (fake_report(), "passed"),
        (fake_report(outcome="failed"), "failed"),
        (fake_report(outcome="skipped", when="setup"), "skipped"),
        (fake_report(outcome="failed", when="setup"), "failed"),
        (fake_report(outcome="passed", when="setup"), None),
        (fake_report(outcome="passed", when="teardown"), None),
        (fake_report(outcome="skipped", wasxfail="known deviation: x"), "deviations"),
        (fake_report(outcome="failed", wasxfail="known deviation: x"), "failed"),
    ],
    ids=["pass", "fail", "skip", "setup-error", "setup-ok", "teardown", "xfail", "xpass-strict"],
)
def test_classify(report: Any, column: str | None) -> None:
    assert classify(report) == column


def collect(*reports: Any) -> Verdict:
    verdict = Verdict("http://127.0.0.1:8080", "reductionist-0.13", "v2")
    plugin = ComplianceReport(verdict, None, None)
    for report in reports:
        plugin.pytest_runtest_logreport(report)
    return verdict


def test_verdict_counts_per_feature_and_lists_failures() -> None:
    verdict = collect(
        fake_report(feature="axis"),
        fake_report(feature="axis", outcome="failed", data=DIFFERENCE),
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan"),
        fake_report(
            feature="http", outcome="skipped", when="setup", longrepr=("f", 1, "Skipped: no http")
        ),
    )
    assert verdict.counts["axis"] == {"passed": 1, "failed": 1, "skipped": 0, "deviations": 0}
    assert verdict.counts["edge"]["deviations"] == 1
    assert verdict.skip_reasons == {"no http": 1}
    assert not verdict.complies
    (failure,) = verdict.failures
    assert failure.area == "axis" and failure.reproduce and "curl" in failure.reproduce


def test_text_report_points_at_the_failing_feature() -> None:
    verdict = collect(
        fake_report(feature="operations"),
        fake_report(feature="axis", outcome="failed", data=DIFFERENCE),
    )
    text = render_text(verdict)
    assert "DOES NOT COMPLY: 1 failures in axis" in text
    (axis_row,) = [line for line in text.splitlines() if line.startswith("axis ")]
    assert axis_row.endswith("FAIL   <==")
    (ops_row,) = [line for line in text.splitlines() if line.startswith("operations ")]
    assert "<==" not in ops_row
    assert "reductionist-0.13" in text and "http://127.0.0.1:8080" in text


def test_headline_names_known_deviations_when_otherwise_compliant() -> None:
    verdict = collect(
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan"),
        fake_report(feature="operations"),
    )
    assert "COMPLIES apart from 1 known deviations (in edge)" in render_text(verdict)


def test_markdown_and_json_carry_the_same_verdict() -> None:
    verdict = collect(
        fake_report(feature="selection"),
        fake_report(feature="errors", outcome="failed", data=DIFFERENCE),
    )
    markdown = render_markdown(verdict)
    assert "| **errors** | 0 | 1 | 0 | 0 | **FAIL** |" in markdown
    assert "```sh\ncurl -sS" in markdown
    data = json.loads(json.dumps(to_json(verdict)))
    assert data["complies"] is False
    assert data["totals"] == {"passed": 1, "failed": 1, "skipped": 0, "deviations": 0}
    assert data["failures"][0]["nodeid"] == "compliance/test_x.py::test_y[a]"


@pytest.mark.parametrize("cache,shown", [(False, "chunk cache: off"), (True, "chunk cache: on")])
def test_header_names_the_run_and_its_cache(cache: bool, shown: str) -> None:
    verdict = Verdict("http://127.0.0.1:8084", "reductionist-0.13-cache", "v2", cache)
    line = render_text(verdict).splitlines()[0]
    assert line == (
        f"server: http://127.0.0.1:8084   profile: reductionist-0.13-cache   API: v2   {shown}"
    )
    assert f"- **Chunk cache:** {shown.split(': ')[1]}" in render_markdown(verdict)


def test_known_deviations_are_listed_with_their_reasons() -> None:
    verdict = collect(
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan panics"),
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan panics"),
        fake_report(feature="axis", outcome="skipped", wasxfail="known deviation: F order"),
    )
    assert verdict.deviation_reasons == {"nan panics": 2, "F order": 1}
    markdown = render_markdown(verdict)
    assert "- 2 x nan panics\n- 1 x F order" in markdown
    data = to_json(verdict)
    assert data["headline"] == "COMPLIES apart from 3 known deviations (in axis, edge)"


def test_headline_counts_connections_dropped_by_a_known_race() -> None:
    verdict = collect(
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan"),
        fake_report(feature="axis", outcome="skipped", wasxfail="known instability: a race"),
    )
    assert _headline_of(verdict) == (
        "COMPLIES apart from 2 known deviations (in axis, edge), " "1 of them lost to a known race"
    )
    assert verdict.deviation_reasons == {"nan": 1, "known instability: a race": 1}


def _headline_of(verdict: Verdict) -> str:
    return str(to_json(verdict)["headline"])


def test_failing_test_links_the_section_it_checks(tmp_path: Any) -> None:
    verdict = collect(
        fake_report(outcome="failed", data=[*DIFFERENCE, ("spec", "selection")]),
    )
    (failure,) = verdict.failures
    assert failure.spec == "selection"
    assert "  spec: docs/spec.md#selection" in render_text(verdict)
    link = spec_link_from(str(tmp_path / "reports" / "r.md"))
    assert link.endswith("docs/spec.md") and not link.startswith("/")
    markdown = render_markdown(verdict, link)
    assert f"What it checks: [docs/spec.md#selection]({link}#selection)" in markdown


def test_spec_section_is_the_first_citation_of_a_docstring() -> None:
    assert spec_section("Selections (docs/spec.md#selection, docs/spec.md#axis).") == "selection"
    assert spec_section("no citation") is None
    assert spec_section(None) is None


def test_headline_tells_the_client_limits_from_the_server_deviations() -> None:
    verdict = collect(
        fake_report(feature="edge", outcome="skipped", wasxfail="known deviation: nan"),
        fake_report(feature="clients", outcome="skipped", wasxfail=f"{CLIENT_LIMIT}c 1: a bug"),
    )
    assert _headline_of(verdict) == (
        "COMPLIES apart from 2 known deviations (in clients, edge), "
        "1 of them limits of the client, not the server"
    )


def test_headline_says_when_the_server_stopped_answering() -> None:
    detail = "(3 requests in a row got no answer, the first: http://h/v2/sum (no answer in 10 s))"
    stopped = [("difference", f"no HTTP response ({STOPPED_ANSWERING} {detail})")]
    cause = f"the server stopped answering {detail}"
    verdict = collect(
        fake_report(feature="axis", outcome="failed", data=DIFFERENCE),
        fake_report(feature="edge", outcome="failed", data=stopped),
    )
    assert _headline_of(verdict) == f"DOES NOT COMPLY: 2 failures in axis, edge; {cause}"

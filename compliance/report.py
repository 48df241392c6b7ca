"""The verdict: a per-feature compliance matrix in the terminal, Markdown and JSON.

Outcomes are gathered from test reports in the controller process (pytest-xdist forwards every
worker's reports there), grouped by feature area (the test's feature marker), and printed at the
end with the server URL, profile and API version on top. Each failure carries a one-line reason
and the curl command that reproduces it (password masked).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Sequence

import pytest

from .client import STOPPED_ANSWERING

#: Feature areas in report order, each a pytest marker (registered from here by conftest.py, so
#: ``-m AREA`` and the report's rows come from one table) with its description.
FEATURE_AREAS: dict[str, str] = {
    "operations": "operations x dtypes x shapes x order",
    "selection": "slicing, negative and clamped indices, strides",
    "axis": "reductions over chosen axes",
    "offset": "offset, size, leading and trailing bytes",
    "compression": "gzip, zlib, blosc2 and filters",
    "filters": "byte-shuffle filters",
    "missing": "missing-data descriptors",
    "byteorder": "big- and little-endian data",
    "auth": "credentials, public and private buckets",
    "http": "the HTTP object store backend (v2)",
    "tls": "the server over HTTPS",
    "options": "v2 response options (shape/count as bytes)",
    "errors": "error responses and request validation",
    "edge": "overflow, infinities, NaN, large arrays",
    "cache": "what only a server with its chunk cache on can get wrong",
    "clients": "the field's client (PyActiveStorage) on netCDF4 files, end to end",
    "robustness": "the server when its object store misbehaves (backend faults)",
    "fuzz": "requests drawn at random for the profile (Hypothesis), checked by the grid's oracle",
}
COLUMNS = ("passed", "failed", "skipped", "deviations")
#: The spec this suite holds servers to, relative to the repository root.
SPEC_DOCUMENT = "docs/spec.md"
_REPOSITORY = Path(__file__).resolve().parent.parent
#: How the strict xfail of a limit of a client (not of the server) begins (test_clients.py).
CLIENT_LIMIT = "client limit of "
#: How a deviations entry that is a known instability (not a strict xfail) begins.
INSTABILITY = "known instability: "


@dataclass
class Failure:
    nodeid: str
    area: str
    reason: str
    reproduce: str | None
    spec: str | None = None  # the section of docs/spec.md the test checks, e.g. "selection"


@dataclass
class Verdict:
    """Everything the report shows, built up from test reports."""

    server: str
    profile: str
    api: str
    chunk_cache: bool = False  # the profile says the server runs with its chunk cache on
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    deviation_reasons: dict[str, int] = field(default_factory=dict)

    def add(self, area: str, column: str) -> None:
        row = self.counts.setdefault(area, dict.fromkeys(COLUMNS, 0))
        row[column] += 1

    @property
    def complies(self) -> bool:
        return not self.failures

    def rows(self) -> list[tuple[str, dict[str, int]]]:
        order = {name: i for i, name in enumerate(FEATURE_AREAS)}
        return sorted(self.counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))

    def totals(self) -> dict[str, int]:
        return {c: sum(row[c] for row in self.counts.values()) for c in COLUMNS}


#: How a test module's docstring cites the section of the spec it checks.
SPEC_CITATION = re.compile(r"docs/spec\.md#([a-z0-9-]+)")


def spec_section(docstring: str | None) -> str | None:
    """The first section of docs/spec.md a module docstring cites, if any."""
    match = SPEC_CITATION.search(docstring or "")
    return match.group(1) if match else None


def feature_area(markers: Iterable[str], nodeid: str) -> str:
    """The first feature marker of a test, or its module name without ``test_``.

    Takes marker names, not ``report.keywords``: keywords include parametrize ids, so a case
    with the id "axis" would be filed under the axis feature.
    """
    names = set(markers)
    for area in FEATURE_AREAS:
        if area in names:
            return area
    module = nodeid.split("::")[0].rsplit("/", 1)[-1]
    return module.removeprefix("test_").removesuffix(".py")


def failure_of(report: pytest.TestReport) -> tuple[str, str | None]:
    """The reason and reproducer of a failed report, from the data the checks attached.

    A SpecDifference leaves its first difference and curl command in the report's user
    properties (conftest's makereport hook); any other failure gives pytest's crash line.
    """
    properties = dict(report.user_properties)
    if "difference" in properties:
        reproduce = properties.get("reproduce")
        return str(properties["difference"]), None if reproduce is None else str(reproduce)
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if isinstance(message, str) and message.strip():
        return message.strip().splitlines()[0], None
    text = (report.longreprtext or "").strip()
    return (text.splitlines()[-1] if text else "failed"), None


def classify(report: pytest.TestReport) -> str | None:
    """The report column of one test phase's report, or None if that phase says nothing."""
    if hasattr(report, "wasxfail"):
        return "deviations" if report.skipped else "failed"  # XPASS(strict) fails
    if report.when == "call":
        return report.outcome if report.outcome in ("passed", "failed") else "skipped"
    if report.outcome == "skipped":
        return "skipped"
    if report.outcome == "failed":
        return "failed"
    return None


#: The name the report plugin is registered under (compliance/conftest.py).
REPORT_PLUGIN = "activestorage-compliance-report"


class ComplianceReport:
    """A pytest plugin object: collects outcomes, prints the matrix, writes the files."""

    def __init__(self, verdict: Verdict, markdown: str | None, json_path: str | None) -> None:
        self.verdict = verdict
        self.markdown = markdown
        self.json_path = json_path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        column = classify(report)
        if column is None:
            return
        recorded = dict(report.user_properties).get("feature")
        area = str(recorded) if recorded else feature_area((), report.nodeid)
        self.verdict.add(area, column)
        if column == "failed":
            if hasattr(report, "wasxfail"):
                why = f"known deviation no longer seen (strict xfail passed): {report.wasxfail}"
                reason, reproduce = why, None
            else:
                reason, reproduce = failure_of(report)
            spec = dict(report.user_properties).get("spec")
            failure = Failure(
                report.nodeid, area, reason, reproduce, None if spec is None else str(spec)
            )
            self.verdict.failures.append(failure)
        elif column == "deviations":
            reason = str(report.wasxfail).removeprefix("known deviation: ")
            self.verdict.deviation_reasons[reason] = (
                self.verdict.deviation_reasons.get(reason, 0) + 1
            )
        elif column == "skipped" and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            self.verdict.skip_reasons[reason] = self.verdict.skip_reasons.get(reason, 0) + 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "active storage compliance")
        for line in render_text(self.verdict).splitlines():
            terminalreporter.write_line(line)
        for line in write_reports(self.verdict, self.markdown, self.json_path):
            terminalreporter.write_line(line)


def write_reports(verdict: Verdict, markdown: str | None, json_path: str | None) -> list[str]:
    """Write the Markdown and JSON reports asked for; the lines that say where they went."""
    said = []
    if markdown:
        _write(markdown, render_markdown(verdict, spec_link_from(markdown)))
        said.append(f"compliance report (Markdown): {markdown}")
    if json_path:
        _write(json_path, json.dumps(to_json(verdict), indent=2) + "\n")
        said.append(f"compliance report (JSON): {json_path}")
    return said


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def _table(verdict: Verdict) -> list[list[str]]:
    rows = [["feature", *COLUMNS, "verdict"]]
    for area, row in verdict.rows():
        state = "FAIL" if row["failed"] else ("ok" if row["passed"] or row["deviations"] else "n/a")
        rows.append([area, *(str(row[c]) for c in COLUMNS), state])
    totals = verdict.totals()
    rows.append(["total", *(str(totals[c]) for c in COLUMNS), "FAIL" if totals["failed"] else "ok"])
    return rows


def _headline(verdict: Verdict) -> str:
    deviant = sorted(area for area, row in verdict.counts.items() if row["deviations"])
    if verdict.complies and deviant:
        n = verdict.totals()["deviations"]
        dropped = sum(
            count
            for reason, count in verdict.deviation_reasons.items()
            if reason.startswith(INSTABILITY)
        )
        race = f", {dropped} of them lost to a known race" if dropped else ""
        limits = sum(
            count
            for reason, count in verdict.deviation_reasons.items()
            if reason.startswith(CLIENT_LIMIT)
        )
        client = f", {limits} of them limits of the client, not the server" if limits else ""
        return f"COMPLIES apart from {n} known deviations (in {', '.join(deviant)}){race}{client}"
    if verdict.complies:
        return "COMPLIES: every feature under test behaves as the spec says"
    areas = sorted({f.area for f in verdict.failures})
    headline = f"DOES NOT COMPLY: {len(verdict.failures)} failures in {', '.join(areas)}"
    stopped = next((f.reason for f in verdict.failures if STOPPED_ANSWERING in f.reason), None)
    return headline if stopped is None else f"{headline}; {_stopped_answering(stopped)}"


def _stopped_answering(reason: str) -> str:
    """From "no HTTP response (not sent: the server stopped answering (...))", the cause."""
    cause = reason[reason.index(STOPPED_ANSWERING) + len("not sent: ") :]
    return cause[:-1] if reason.startswith("no HTTP response (") and cause.endswith(")") else cause


def header_line(verdict: Verdict) -> str:
    """Which run this is: the server, the profile, the API and whether its cache is on."""
    cache = "on" if verdict.chunk_cache else "off"
    return (
        f"server: {verdict.server}   profile: {verdict.profile}   API: {verdict.api}"
        f"   chunk cache: {cache}"
    )


def render_text(verdict: Verdict) -> str:
    table = _table(verdict)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        header_line(verdict),
        _headline(verdict),
        "",
    ]
    for i, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        line = "  ".join(cells)
        if row[-1] == "FAIL" and row[0] != "total":
            line += "   <=="
        lines.append(line)
        if i == 0 or i == len(table) - 2:
            lines.append("-" * len("  ".join(c.ljust(w) for c, w in zip(row, widths))))
    for failure in verdict.failures[:50]:
        lines += ["", f"FAILED {failure.nodeid}", f"  {failure.reason}"]
        if failure.reproduce:
            lines.append(f"  {failure.reproduce}")
        if failure.spec:
            lines.append(f"  spec: {SPEC_DOCUMENT}#{failure.spec}")
    if len(verdict.failures) > 50:
        lines.append(f"... and {len(verdict.failures) - 50} more failures (see the report files)")
    return "\n".join(lines)


def spec_link_from(report_path: str) -> str:
    """docs/spec.md as a link from the folder the Markdown report is written to."""
    folder = Path(report_path).resolve().parent
    return os.path.relpath(_REPOSITORY / SPEC_DOCUMENT, folder)


def render_markdown(verdict: Verdict, spec_link: str = SPEC_DOCUMENT) -> str:
    table = _table(verdict)
    out = [
        "# Active storage compliance report",
        "",
        f"- **Server:** `{verdict.server}`",
        f"- **Profile:** `{verdict.profile}`",
        f"- **API:** {verdict.api}",
        f"- **Chunk cache:** {'on' if verdict.chunk_cache else 'off'}",
        f"- **Verdict:** {_headline(verdict)}",
        "",
        "| " + " | ".join(table[0]) + " |",
        "|" + "---|" * len(table[0]),
    ]
    for row in table[1:]:
        cells = [f"**{c}**" if row[-1] == "FAIL" and c in (row[0], row[-1]) else c for c in row]
        out.append("| " + " | ".join(cells) + " |")
    if verdict.failures:
        out += ["", "## Failures", ""]
        for failure in verdict.failures:
            out += [f"### `{failure.nodeid}`", "", f"{failure.reason}", ""]
            if failure.spec:
                target = f"{spec_link}#{failure.spec}"
                out += [f"What it checks: [{SPEC_DOCUMENT}#{failure.spec}]({target})", ""]
            if failure.reproduce:
                out += ["```sh", failure.reproduce, "```", ""]
    if verdict.deviation_reasons:
        out += ["", "## Known deviations seen (strict xfails)", ""]
        for reason, n in sorted(verdict.deviation_reasons.items(), key=lambda kv: -kv[1]):
            out.append(f"- {n} x {reason}")
    if verdict.skip_reasons:
        out += ["", "## Skipped (capabilities the profile does not claim)", ""]
        for reason, n in sorted(verdict.skip_reasons.items(), key=lambda kv: -kv[1]):
            out.append(f"- {n} x {reason}")
    return "\n".join(out) + "\n"


def to_json(verdict: Verdict) -> dict[str, Any]:
    data = asdict(verdict)
    data["complies"] = verdict.complies
    data["totals"] = verdict.totals()
    data["headline"] = _headline(verdict)
    return data


def from_json(data: dict[str, Any]) -> Verdict:
    """The Verdict a JSON report (``to_json``) was made from."""
    names = {f.name for f in fields(Verdict)}
    kept = {k: v for k, v in data.items() if k in names and k != "failures"}
    return Verdict(**kept, failures=[Failure(**failure) for failure in data["failures"]])


def merge(parts: Sequence[Verdict]) -> Verdict:
    """One verdict from the verdicts of the shards of one run (compliance/shard_plugin.py)."""
    first = parts[0]
    for part in parts[1:]:
        ours, theirs = header_line(first), header_line(part)
        if ours != theirs:
            raise ValueError(f"shards ran against different targets: {ours!r} and {theirs!r}")
    merged = Verdict(first.server, first.profile, first.api, first.chunk_cache)
    for part in parts:
        for area, row in part.counts.items():
            for column, number in row.items():
                merged.counts.setdefault(area, dict.fromkeys(COLUMNS, 0))[column] += number
        merged.failures += part.failures
        for mine, theirs_reasons in (
            (merged.skip_reasons, part.skip_reasons),
            (merged.deviation_reasons, part.deviation_reasons),
        ):
            for reason, number in theirs_reasons.items():
                mine[reason] = mine.get(reason, 0) + number
    merged.failures.sort(key=lambda failure: failure.nodeid)
    return merged

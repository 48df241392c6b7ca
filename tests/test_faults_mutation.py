"""The mutation-score runner's pure parts: fault selection, the pytest command, the table and
the score, and argument passing to pytest. No suite is run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.catalog import FAULTS
from faults.mutation import QUICK, parse_args, select_faults
from faults.mutation_runs import (
    HEADER,
    Options,
    Run,
    progress_line,
    pytest_command,
    render_table,
    score_line,
)


def test_runner_selects_faults() -> None:
    assert [f.name for f in select_faults(None, True, "v2")] == list(QUICK)
    assert len(select_faults(None, False, "v2")) == len(FAULTS)
    v1 = select_faults(None, False, "v1")
    assert all("v1" in f.apis for f in v1) and len(v1) < len(FAULTS)
    chosen = select_faults("drop-offset, wrong-dtype", False, "v2")
    assert [f.name for f in chosen] == ["drop-offset", "wrong-dtype"]
    for bad in ("no-such-fault", "none"):
        with pytest.raises(SystemExit):
            select_faults(bad, False, "v2")


def test_runner_builds_the_pytest_command(tmp_path: Path) -> None:
    options = Options("http://127.0.0.1:8080", None, 2, 60.0, ["-x"], tmp_path, False)
    command = pytest_command(options, "http://127.0.0.1:9999", "", tmp_path / "r.json")
    assert command[1:4] == ["-m", "pytest", "compliance"]
    assert "--profile" not in command and "-m" not in command[2:] and command[-1] == "-x"
    assert command[command.index("--proxy-url") + 1] == "http://127.0.0.1:9999"
    options.profile = "reductionist-0.11"
    command = pytest_command(options, "http://x", "axis or errors", tmp_path / "r.json")
    assert command[command.index("--profile") + 1] == "reductionist-0.11"
    assert command[command.index("-m", 3) + 1] == "axis or errors"


def test_runner_table_and_score() -> None:
    runs = [
        Run("drop-offset", "request", "", "caught", failed=3, passed=7, seconds=1.25),
        Run("wrong-dtype", "response", "", "survived", passed=10, altered=0, note="idle"),
        Run("error-plain-text", "error", "", "error", note="pytest exit 3"),
    ]
    table = render_table(runs)
    assert table.splitlines()[0].split() == list(HEADER)
    assert "wrong-dtype: idle" in table and "error-plain-text: pytest exit 3" in table
    assert score_line(runs) == "score: 1/3"
    assert "caught" in progress_line(1, 3, runs[0])


def test_runner_passes_arguments_after_the_separator_to_pytest() -> None:
    args = parse_args(["--quick", "--", "--deselect", "compliance/test_x.py::test_y"])
    assert args.quick and args.pytest_args == ["--deselect", "compliance/test_x.py::test_y"]

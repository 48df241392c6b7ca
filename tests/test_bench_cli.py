"""Where both entry points write: the current directory by default, ``--out DIR`` otherwise.

The run itself is replaced by a function that returns a report at once, so no server is needed;
everything around it (the Bench, its cleanup, the file names, the writes) is the real code.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bench import run_benchmarks, run_parallel
from bench.cli import run_script

ENTRY_POINTS = [run_benchmarks, run_parallel]


def _run(entry: ModuleType, argv: list[str]) -> None:
    """One run of ``entry`` with its real options and output, but no measurements."""
    args = entry.parse_args(argv)

    def measure(args: Any, bench: Any) -> dict[str, Any]:
        return {"benchmark": entry.STEM}

    def plot(report: dict[str, Any], path: Path) -> None:
        path.write_bytes(b"png")

    status = run_script(
        args.prog,
        args,
        auth=entry.AUTH,
        stem=entry.STEM,
        run=measure,
        plot=plot,
        print_summary=lambda report: None,
    )
    assert status == 0


def _outputs(folder: Path, stem: str) -> list[str]:
    """The output files of one run in ``folder``, by suffix, checked to share one stem."""
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".json", ".png"], files
    assert files[0].stem == files[1].stem and files[0].stem.startswith(f"{stem}--")
    return [f.name for f in files]


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda m: m.__name__)
def test_default_output_is_the_current_directory(
    entry: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _run(entry, [])
    _outputs(tmp_path, entry.STEM)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda m: m.__name__)
def test_out_chooses_another_folder(
    entry: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    monkeypatch.chdir(here)
    _run(entry, ["--out", str(elsewhere)])
    assert list(here.iterdir()) == []
    _outputs(elsewhere, entry.STEM)

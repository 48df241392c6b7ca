"""Offline tests of the per-link benchmark: crossover, speedup table, options, the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.common import BYPASS
from bench.linkbench import crossover, describe_crossover, link_results, print_links_summary
from bench.links import PRESETS
from bench.plots import plot_sizes
from bench.results import new_report, size_entry
from bench.run_benchmarks import parse_args

SIZES = [40_000, 400_000, 4_000_000, 16_000_000]


@pytest.mark.parametrize(
    "speedups, kind, at",
    [
        ([1.2, 3.0, 9.0, 20.0], "below_smallest", 40_000),
        ([0.9, 1.1, 2.0, 4.0], "at", 400_000),
        ([1.3, 0.8, 1.5, 4.0], "at", 4_000_000),  # a win below a loss does not count
        ([0.9, 1.1, 1.0, 2.0], "at", 16_000_000),  # even (1.0x) is not a win
        ([0.9, 1.1, 2.0, 0.95], "none_in_range", None),
        ([1.2, 3.0, None, 4.0], "at", 16_000_000),  # no figure is no win
    ],
)
def test_crossover(speedups: list[float | None], kind: str, at: int | None) -> None:
    result = crossover(SIZES, speedups)
    assert (result["kind"], result["size_bytes"] if kind != "none_in_range" else None) == (kind, at)


def test_crossover_names_the_size_before_and_refuses_bad_input() -> None:
    result = crossover(SIZES, [0.9, 1.1, 2.0, 4.0])
    assert result["previous_bytes"] == 40_000
    assert describe_crossover(result) == "between 0.04 MB and 0.4 MB"
    assert describe_crossover(crossover(SIZES, [2.0] * 4)).startswith("below the smallest")
    assert describe_crossover(crossover(SIZES, [0.5] * 4)).startswith("none in range")
    with pytest.raises(ValueError):
        crossover(list(reversed(SIZES)), [1.0] * 4)
    with pytest.raises(ValueError):
        crossover(SIZES, [1.0] * 3)


def _entry(link: str, factor_at: dict[int, float]) -> dict[str, Any]:
    """A link entry whose bypass median is ``factor`` times the server's at each size."""
    rng = np.random.default_rng(1)
    sizes = []
    for nbytes in SIZES[::-1]:  # given largest first: link_results sorts
        server = 0.01 + rng.random(5) * 1e-4
        timings = {"reductionist": list(server), BYPASS: list(server * factor_at[nbytes])}
        sizes.append(size_entry(nbytes, nbytes // 8, "int64", timings, {}, {}))
    check = {"measured_bandwidth_mbit": 49.5, "measured_rtt_ms": 20.4, "ok": link != "remote"}
    return {
        "link": PRESETS[link].to_json(),
        "check": None if link == "loopback" else check,
        "sizes": sizes,
        "results": link_results(sizes, ["reductionist"]),
    }


def _report() -> dict[str, Any]:
    report = new_report("run-benchmarks", {"operation": "sum", "dtype": "int64"}, {})
    report["config"].update(repeats=5, api="v2")
    report["links"] = [
        _entry("loopback", dict(zip(SIZES, [0.9, 0.9, 0.95, 1.1]))),
        _entry("home", dict(zip(SIZES, [1.1, 3.0, 20.0, 60.0]))),
        _entry("remote", dict(zip(SIZES, [0.99, 1.05, 3.0, 8.0]))),
    ]
    return report


def test_link_results_speedups_ascending() -> None:
    result = _report()["links"][1]["results"]["reductionist"]
    assert result["array_bytes"] == SIZES
    assert [round(f, 6) for f in result["speedups"]] == [1.1, 3.0, 20.0, 60.0]
    assert round(result["speedup_at_largest"], 6) == 60.0
    assert result["crossover"]["kind"] == "below_smallest"


def test_summary_prints_checks_table_crossovers_and_warns(capsys: Any) -> None:
    print_links_summary(_report())
    out = capsys.readouterr().out
    assert "\nhome                    50 -> 49.5       20 -> 20.40  ok\n" in out
    assert "\nloopback                    direct            direct  -\n" in out
    assert (
        "\nloopback           0.90x     0.90x     0.95x     1.10x  between 4 MB and 16 MB\n" in out
    )
    assert (
        "\nhome               1.10x     3.00x    20.00x    60.00x  below the smallest size" in out
    )
    assert (
        "\nremote             0.99x     1.05x     3.00x     8.00x  between 0.04 MB and 0.4 MB"
        in out
    )
    assert "WARNING: the emulation of remote is off by more than 10%" in out


def test_links_plot_renders(tmp_path: Path) -> None:
    plot_sizes(_report(), tmp_path / "links.png")
    assert (tmp_path / "links.png").stat().st_size > 10_000


def test_options_links_and_custom_link() -> None:
    args = parse_args(["--links", "home,lan", "--link", "20Mbit,30ms"])
    assert [link.name for link in args.links] == ["home", "lan", "20Mbit-30ms"]
    assert parse_args([]).links == []


def test_options_refuse_an_unknown_link(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--links", "home,moon"])
    assert "unknown link 'moon'" in capsys.readouterr().err

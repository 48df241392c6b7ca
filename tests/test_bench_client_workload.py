"""Offline tests of the client-workload benchmark's pure parts: scaling, exactness, table, CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.client_field import (
    EXACT_LIMIT,
    PUBLISHED,
    PUBLISHED_LARGE_CHUNK_BYTES,
    SMOKE,
    TARGET_SUM,
    Field,
    answer_problem,
    divisor_for,
    exact_answers,
    scaled_layouts,
    slab_values,
    time_steps_per_chunk,
    write_field,
)
from bench.client_paths import PLAIN, numpy_reduction
from bench.client_report import format_table, published_rows, run_entry, table_rows
from bench.client_workload import parse_args
from bench.common import BenchmarkError
from bench.links import PRESETS

TILE_BYTES = 240 * 240 * 4


def test_large_chunks_scaled_to_the_home_link() -> None:
    # 20 s at 50 Mbit/s is 125 MB: 64 chunks of 1.95 MB, i.e. 8.48 tiles of 230.4 kB -> 8
    assert time_steps_per_chunk(20.0, 50.0, 64) == 8
    layout = scaled_layouts(50.0, 20.0)["large"]
    assert layout.nchunks == 64
    assert layout.chunk == (8, 240, 240)
    assert layout.chunk_bytes == 8 * TILE_BYTES
    assert layout.field_bytes == 64 * 8 * TILE_BYTES
    plain_s = layout.field_bytes * 8 / 50e6  # what plain over home then takes
    assert 15 < plain_s < 25


def test_scaling_is_bounded_by_one_tile_and_the_published_chunk() -> None:
    assert time_steps_per_chunk(0.01, 50.0, 64) == 1
    published = time_steps_per_chunk(125.0, 50.0, 64)  # the published plain time at home
    assert published == PUBLISHED_LARGE_CHUNK_BYTES // TILE_BYTES == 53
    assert time_steps_per_chunk(1000.0, 50.0, 64) == published


def test_small_chunks_keep_the_published_size_and_count() -> None:
    small = scaled_layouts(PRESETS["home"].bandwidth_mbit)["small"]
    row = next(p for p in PUBLISHED if p.layout == "small")
    assert small.nchunks == row.chunks == 340
    assert round(small.chunk_bytes / 1e6, 2) == row.chunk_mb == 0.23


@pytest.mark.parametrize("elements", [SMOKE.elements, 19_584_000, 29_491_200, 196_608_000])
def test_expected_field_sum_stays_far_below_the_exact_limit(elements: int) -> None:
    divisor = divisor_for(elements)
    expected_sum = elements * 6 / divisor  # values 1, 2, 3 each with probability 1/divisor
    assert divisor >= 4
    assert expected_sum <= max(TARGET_SUM, elements * 1.5)
    assert expected_sum < EXACT_LIMIT / 3


def test_slab_values_are_deterministic_small_integers() -> None:
    one = slab_values(SMOKE, 1, 4, seed=12)
    assert one.dtype == np.float32 and one.shape == (1, 128, 128)
    assert set(np.unique(one).tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert np.array_equal(one, slab_values(SMOKE, 1, 4, seed=12))
    assert not np.array_equal(one, slab_values(SMOKE, 0, 4, seed=12))


def test_exact_answers_refuse_a_field_that_would_not_sum_exactly() -> None:
    ok = np.full(1000, 3, dtype=np.float32)
    assert exact_answers(ok) == {"sum": 3000.0, "mean": 3.0, "min": 3.0, "max": 3.0}
    too_big = np.full(math.ceil(EXACT_LIMIT / 3), 3, dtype=np.float32)
    with pytest.raises(BenchmarkError, match="not exact"):
        exact_answers(too_big)


def test_written_smoke_field_has_the_layout_and_exact_answers(tmp_path: Path) -> None:
    import netCDF4

    field = write_field(SMOKE, tmp_path / "smoke.nc")
    with netCDF4.Dataset(field.path) as ds:
        var = ds["field"]
        assert var.dtype == np.float32 and var.shape == SMOKE.shape
        assert tuple(var.chunking()) == SMOKE.chunk
        assert var.filters()["zlib"] is False
        data = np.asarray(var[:])
    assert field.answers["sum"] == float(data.astype(np.float64).sum())
    assert field.answers["sum"] == float(data.sum(dtype=np.float32))  # exact in float32 too
    assert field.answers["mean"] == numpy_reduction("mean", data)
    assert write_field(SMOKE, tmp_path / "again.nc").digest == field.digest


def _field(answers: dict[str, float]) -> Field:
    return Field(SMOKE, Path("unused.nc"), "digest", answers)


def test_answer_problem_is_exact() -> None:
    field = _field({"mean": 0.1, "sum": 48999.0})
    assert answer_problem("mean", field, np.ma.masked_array([[[0.1]]])) is None
    assert answer_problem("sum", field, np.float32(48999)) is None
    assert answer_problem("mean", field, np.nextafter(0.1, 1.0)) is not None
    assert answer_problem("sum", field, np.float32(49000)) == "49000.0 != 48999.0"
    masked = np.ma.masked_array([48999.0], mask=[True])
    assert answer_problem("sum", field, masked) == "a masked value"
    assert "2 values" in str(answer_problem("sum", field, np.array([48999.0, 0.0])))


def _runs() -> list[dict]:
    home = {"name": "home", "bandwidth_mbit": 50.0, "rtt_ms": 20.0}
    loop = {"name": "loopback", "bandwidth_mbit": None, "rtt_ms": 0.0}
    timings = {PLAIN: [19.0, 19.2, 19.5], "server-t1": [2.4, 2.3], "server-t30": [0.66, 0.7, 0.6]}
    return [
        run_entry(home, "large", timings, {}, {}),
        run_entry(loop, "small", {PLAIN: [0.5], "server-t30": [1.0]}, {}, {}),
    ]


def test_run_entry_speedup_is_the_ratio_of_medians() -> None:
    summary = _runs()[0]["summary"]
    assert summary[PLAIN]["speedup_vs_plain"] == pytest.approx(1.0)
    assert summary["server-t1"]["speedup_vs_plain"] == pytest.approx(19.2 / 2.35)
    assert summary["server-t30"]["speedup_vs_plain"] == pytest.approx(19.2 / 0.66)


def test_table_rows_like_the_published_table() -> None:
    rows = table_rows(_runs(), [1, 30])
    assert rows[0] == [
        "layout",
        "link",
        "plain s",
        "server s (t=1)",
        "speedup",
        "server s (t=30)",
        "speedup",
    ]
    assert rows[1] == ["large", "home (50 Mbit/s, 20 ms)", "19.2", "2.35", "8.2x", "0.66", "29x"]
    assert rows[2] == ["small", "loopback", "0.5", "-", "-", "1", "0.5x"]
    lines = format_table(rows).splitlines()
    plain_end = lines[0].index("plain s") + len("plain s")  # figures right-aligned under it
    assert (
        lines[1][plain_end - 4 : plain_end] == "19.2"
        and lines[2][plain_end - 3 : plain_end] == "0.5"
    )
    assert lines[1].startswith("large   home (50 Mbit/s, 20 ms)")
    assert lines[1].endswith("29x") and lines[2].endswith("0.5x")


def test_published_rows_repeat_the_published_figures() -> None:
    rows = published_rows()
    assert rows[1] == ["large", "home", "64 x 12.3 MB", "125", "7.2", "17x"]
    assert rows[2] == ["large", "university", "64 x 12.3 MB", "48", "6.9", "7x"]
    assert [row[-1] for row in rows[3:]] == ["4.4x", "3.9x"]


def test_smoke_options() -> None:
    args = parse_args(["--smoke"])
    assert [link.name for link in args.link_list] == ["loopback"]
    assert args.layout_list == [SMOKE] and args.threads == [8] and args.repeats == 1
    assert args.proxies == {"server": "http://127.0.0.1:8080"}


def test_default_options() -> None:
    args = parse_args(["--link", "20Mbit,40ms", "--open-block-size", "1MiB"])
    names = [link.name for link in args.link_list]
    assert names == ["loopback", "lan", "campus", "home", "remote", "20Mbit-40ms"]
    assert [layout.name for layout in args.layout_list] == ["large", "small"]
    assert args.threads == [1, 8, 30] and args.block_size == 2**20


@pytest.mark.parametrize(
    "argv",
    [["--links", "moon"], ["--layouts", "huge"], ["--max-threads", "0"], ["--link-ports", "1-x"]],
)
def test_bad_options_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err

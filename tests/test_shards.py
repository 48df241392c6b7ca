"""The shard runner's parts (compliance/sharding.py, shard_plugin.py, report.merge, the last
shard's cleanup), and one run of it against the local stack whose merged verdict must equal a
plain run's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from compliance.report import Failure, Verdict, from_json, merge, to_json
from compliance import sharding
from compliance.sharding import groups, shard_count, worst
from compliance.storage import ObjectStore, marker_root

from .test_stack_smoke import START_HINT, V2_URL, WELL_KNOWN, _answers

ITEMS = [
    f"test_{group}[{i}]"
    for group, size in (("a", 7), ("b", 4), ("c", 3), ("d", 1))
    for i in range(size)
]


def _group(item: str) -> str:
    return item.split("[")[0]


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_the_runs_hold_every_test_once(n: int) -> None:
    runs = groups(ITEMS, n, _group)
    assert sorted(index for run in runs for index in run) == list(range(len(ITEMS)))


def test_small_functions_stay_whole_and_the_runs_keep_the_collection_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sharding, "GROUPS_PER_SHARD", 1)  # runs of up to 15 // 2 = 7 items
    runs = [[ITEMS[i] for i in run] for run in groups(ITEMS, 2, _group)]
    assert [len(run) for run in runs] == [7, 4, 3, 1]  # a, b, c, d as collected
    assert all(len({_group(item) for item in run}) == 1 for run in runs)


def test_a_big_function_is_cut_so_that_it_spreads() -> None:
    items = [f"test_big[{i}]" for i in range(100)] + ["test_small[0]"]
    most = len(items) // (sharding.GROUPS_PER_SHARD * 2)
    runs = groups(items, 2, _group)
    assert len(runs) > 2 and all(len(run) <= most for run in runs)
    assert [items[i] for i in runs[0]] == [f"test_big[{i}]" for i in range(most)]


@pytest.mark.parametrize("text", ["0", "-1", "two", "1/2", ""])
def test_a_wrong_shard_count_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="--shards"):
        shard_count(text)


def test_a_shard_count_is_a_number_or_one_per_cpu() -> None:
    assert shard_count("3") == 3 and shard_count("auto") >= 1


@pytest.mark.parametrize("refused", [["--junitxml", "x.xml"], ["-n", "2"]])
def test_options_that_cannot_be_split_are_refused(refused: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "compliance", "--shards", "2", *refused, "--co", "-q"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 4, run.stdout[-1000:] + run.stderr[-1000:]
    assert f"--shards cannot be combined with {refused[0]}" in run.stderr


def test_the_worst_exit_status_wins() -> None:
    assert worst([0, 0]) == 0 and worst([0, 1]) == 1 and worst([1, 3, 0]) == 3
    assert worst([5, 0]) == 0 and worst([5, 5]) == 5
    assert worst([0, -9]) == 3  # a shard killed by a signal


def _verdict(passed: int, failures: list[Failure]) -> Verdict:
    verdict = Verdict("http://s", "reductionist-0.13", "v2")
    for _ in range(passed):
        verdict.add("operations", "passed")
    for failure in failures:
        verdict.add(failure.area, "failed")
    verdict.failures += failures
    verdict.skip_reasons["no blosc2"] = 1
    return verdict


def test_merged_verdicts_add_up_through_their_json() -> None:
    late = Failure("compliance/test_x.py::test_b", "selection", "count [1] != [2]", "curl ...")
    early = Failure("compliance/test_x.py::test_a", "selection", "status 500 != 200", None)
    parts = [
        from_json(json.loads(json.dumps(to_json(v))))
        for v in (_verdict(3, [late]), _verdict(2, [early]))
    ]
    merged = merge(parts)
    assert merged.counts["operations"]["passed"] == 5
    assert merged.counts["selection"]["failed"] == 2
    assert [f.nodeid for f in merged.failures] == [early.nodeid, late.nodeid]
    assert merged.skip_reasons == {"no blosc2": 2} and not merged.complies
    other = Verdict("http://elsewhere", "reductionist-0.13", "v2")
    with pytest.raises(ValueError, match="different targets"):
        merge([parts[0], other])


def test_only_the_last_shard_out_cleans_up(tmp_path: Path) -> None:
    store = ObjectStore(
        "http://s3", "id", "pw", "http://http", ("u", "p"), 1.0, run=uuid.uuid4().hex
    )
    assert store.last_shard_out(2, 3) is False
    assert store.last_shard_out(1, 3) is False
    assert store.last_shard_out(3, 3) is True
    assert not store.marker_dir.with_name(store.marker_dir.name + ".shards").exists()
    store.marker_dir.rmdir()


def _totals(path: Path) -> dict[str, int]:
    return dict(json.loads(path.read_text())["totals"])


@pytest.mark.stack
def test_two_shards_give_the_plain_runs_verdict(tmp_path: Path) -> None:
    """Against the stack's 0.13.1: the merged counts equal one plain process's, exactly."""
    reason = _answers(V2_URL + WELL_KNOWN)
    if reason is not None:
        pytest.fail(f"Reductionist v2: {reason}; {START_HINT}")
    common = ["-m", "operations", "--proxy-url", V2_URL, "--profile", "reductionist-0.13", "-q"]
    plain, sharded = tmp_path / "plain.json", tmp_path / "sharded.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "compliance",
            *common,
            "-p",
            "no:xdist",
            "--compliance-report-json",
            str(plain),
        ],
        check=True,
        capture_output=True,
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "compliance",
            "--shards",
            "2",
            *common,
            "--compliance-report-json",
            str(sharded),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert "shard 2/2" in run.stdout
    assert _totals(sharded) == _totals(plain) and _totals(plain)["passed"] > 0


def test_the_runs_come_in_the_order_of_collection() -> None:
    """A chunk cache answers by what was asked before it: the order must stay the suite's."""
    items = ["test_small[0]"] + [f"test_big[{i}]" for i in range(1000)]  # runs of 15
    runs = groups(items, 2, _group)
    assert runs[0] == [0] and [run[0] for run in runs] == sorted(run[0] for run in runs)


def test_markers_live_in_ram_unless_tmpdir_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's upload markers go to /dev/shm (file creation on disk cost 1.1 ms a pair), and
    to TMPDIR when a user has set it."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert marker_root() == tmp_path
    monkeypatch.delenv("TMPDIR")
    if not os.access("/dev/shm", os.W_OK):
        pytest.skip("this machine has no writable /dev/shm")
    assert marker_root() == Path("/dev/shm")
    store = ObjectStore("http://s3", "id", "pw", "http://http", ("u", "p"), 1.0, run="x" * 32)
    assert store.marker_dir == Path("/dev/shm") / ("activestorage-" + "x" * 32)
    store.marker_dir.rmdir()

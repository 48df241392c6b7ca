"""Offline unit tests of the benchmark helpers: parsing, statistics, JSON layout, checks, plots.

No server or store is contacted. The scripts' directory is put on ``sys.path`` the way running a
script does; the hyphenated scripts themselves are loaded by path for the plot smoke tests.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import benchmark_common as bc  # noqa: E402
from compliance.client import HttpExchange, ObjectRef, Result  # noqa: E402
from compliance.oracle import expected_result  # noqa: E402
from compliance.profiles import resolve_profile  # noqa: E402


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, nbytes",
    [
        ("40KB", 40_000),
        ("4MB", 4_000_000),
        ("16 MB", 16_000_000),
        ("4MiB", 4 * 2**20),
        ("1.5kb", 1500),
        ("4096", 4096),
        ("1GB", 10**9),
    ],
)
def test_parse_size(text: str, nbytes: int) -> None:
    assert bc.parse_size(text) == nbytes


@pytest.mark.parametrize("text", ["", "MB", "4XB", "-4MB", "0", "2GiB", "4 M B"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        bc.parse_size(text)


def test_parse_sizes_keeps_order_and_drops_duplicates() -> None:
    assert bc.parse_sizes("4MB, 40KB,4MB,") == [4_000_000, 40_000]
    with pytest.raises(ValueError):
        bc.parse_sizes(" , ")


def test_parse_workers() -> None:
    assert bc.parse_workers("8,1,2,4,2") == [1, 2, 4, 8]
    for bad in ("0,1", "1,x", "", f"{bc.MAX_WORKERS + 1}"):
        with pytest.raises(ValueError):
            bc.parse_workers(bad)


def test_parse_proxy() -> None:
    assert bc.parse_proxy("r13=http://127.0.0.1:8080/") == ("r13", "http://127.0.0.1:8080")
    for bad in ("http://127.0.0.1:8080", "=http://x", "x=127.0.0.1:8080", "bypass=http://x"):
        with pytest.raises(ValueError):
            bc.parse_proxy(bad)


def test_resolve_proxies_replaces_the_defaults() -> None:
    defaults = {"reductionist": "http://127.0.0.1:8080/"}
    assert bc.resolve_proxies(None, defaults) == {"reductionist": "http://127.0.0.1:8080"}
    given = ["a=http://127.0.0.1:1", "b=http://127.0.0.1:2"]
    assert bc.resolve_proxies(given, defaults) == {
        "a": "http://127.0.0.1:1",
        "b": "http://127.0.0.1:2",
    }
    with pytest.raises(ValueError, match="twice"):
        bc.resolve_proxies(["a=http://x", "a=http://y"], defaults)


def test_redact_url_drops_credentials_and_query() -> None:
    assert bc.redact_url("http://user:secret@127.0.0.1:9000/b?X-Amz-Signature=s") == (
        "http://127.0.0.1:9000/b"
    )
    assert bc.redact_url("https://127.0.0.1") == "https://127.0.0.1"


def test_auth_from_env() -> None:
    default = ("minioadmin", "minioadmin")
    assert bc.auth_from_env(default, {}) == default
    env = {"ACTIVESTORAGE_AWS_ID": "id", "ACTIVESTORAGE_AWS_PASSWORD": "pw"}
    assert bc.auth_from_env(default, env) == ("id", "pw")


def test_format_mb() -> None:
    assert bc.format_mb(40_000) == "0.04 MB"
    assert bc.format_mb(16_000_000) == "16 MB"
    assert bc.format_mb(4 * 2**20) == "4.19 MB"


def test_checking_profile_must_speak_the_api() -> None:
    assert bc.checking_profile("v2", None).name == "reductionist-0.13"
    assert bc.checking_profile("v1", None).name == "reductionist-0.11"
    with pytest.raises(bc.BenchmarkError, match="v1 API, not v2"):
        bc.checking_profile("v2", "reductionist-0.11")
    with pytest.raises(bc.BenchmarkError, match="unknown profile"):
        bc.checking_profile("v2", "no-such-server")


# --- statistics ----------------------------------------------------------------------------------


def test_summarize() -> None:
    s = bc.summarize([0.004, 0.001, 0.003, 0.002, 0.005])
    assert s["n"] == 5
    assert s["median_s"] == pytest.approx(0.003)
    assert s["mean_s"] == pytest.approx(0.003)
    assert s["min_s"] == 0.001 and s["max_s"] == 0.005
    assert s["p95_s"] == pytest.approx(0.0048)  # linear interpolation: 0.004 + 0.8 * 0.001
    assert s["p99_s"] == pytest.approx(0.00496)
    assert s["stdev_s"] == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1) / 1000)
    assert bc.summarize([0.5])["stdev_s"] == 0.0
    with pytest.raises(ValueError):
        bc.summarize([])


def test_percentile_matches_numpy_linear() -> None:
    samples = [float(v) for v in range(1, 101)]
    assert bc.percentile(samples, 50) == pytest.approx(50.5)
    assert bc.percentile(samples, 99) == pytest.approx(99.01)


def test_speedup_and_gb_per_s() -> None:
    assert bc.speedup(0.010, 0.005) == pytest.approx(2.0)  # twice as fast as bypass
    assert bc.speedup(0.005, 0.010) == pytest.approx(0.5)
    assert bc.speedup(0.01, 0.0) is None
    assert bc.speedup(0.0, 0.01) is None
    assert bc.gb_per_s(16_000_000, 0.016) == pytest.approx(1.0)
    assert bc.gb_per_s(1, 0.0) is None


def test_summarize_targets_speedup_is_relative_to_bypass_median() -> None:
    timings = {"r": [0.001, 0.002, 0.003], bc.BYPASS: [0.004, 0.006, 0.008]}
    summary = bc.summarize_targets(timings, 4_000_000)
    assert summary["r"]["speedup_vs_bypass"] == pytest.approx(3.0)
    assert summary[bc.BYPASS]["speedup_vs_bypass"] == pytest.approx(1.0)
    assert summary["r"]["gb_per_s"] == pytest.approx(2.0)
    assert summary[bc.BYPASS]["gb_per_s"] == pytest.approx(4_000_000 / 0.006 / 1e9)
    no_baseline = bc.summarize_targets({"r": [0.001]}, 8)
    assert no_baseline["r"]["speedup_vs_bypass"] is None


def test_client_overhead_summary() -> None:
    phases = {"build": [1e-5, 2e-5, 3e-5], "parse": [1e-5, 1e-5, 1e-5], "check": [5e-5] * 3}
    out = bc.client_overhead_summary(phases, [0.001, 0.002, 0.003], [0.0005, 0.0007])
    assert out["median_s"]["client"] == pytest.approx(3e-5)  # median of build + parse
    assert out["median_s"]["check"] == pytest.approx(5e-5)
    assert out["client_share_of_median_latency"] == pytest.approx(3e-5 / 0.002)
    assert out["http_floor_median_s"] == pytest.approx(0.0006)
    assert out["median_latency_s"] == pytest.approx(0.002)


def test_add_throughput_ratios() -> None:
    levels: dict[str, list[dict[str, Any]]] = {
        "r": [{"workers": 1, "requests_per_s": 30.0}, {"workers": 2, "requests_per_s": 50.0}],
        bc.BYPASS: [{"workers": 1, "requests_per_s": 10.0}],
    }
    bc.add_throughput_ratios(levels)
    assert levels["r"][0]["throughput_vs_bypass"] == pytest.approx(3.0)
    assert levels["r"][1]["throughput_vs_bypass"] is None  # no bypass level to compare with
    assert levels[bc.BYPASS][0]["throughput_vs_bypass"] == pytest.approx(1.0)


# --- JSON layout ---------------------------------------------------------------------------------


def test_size_entry_layout_is_plain_json() -> None:
    timings = {"r": [0.001, 0.002], bc.BYPASS: [0.004, np.float64(0.004)]}
    phases = {"r": {"build": [1e-5, 1e-5]}, bc.BYPASS: {"download": [0.003, 0.003]}}
    entry = bc.size_entry(40_000, 5000, "int64", timings, phases, {"r": 9.6, bc.BYPASS: 0.01})
    again = json.loads(json.dumps(entry))
    assert again == entry
    assert set(entry) == {
        "size_bytes",
        "array_bytes",
        "elements",
        "dtype",
        "timings_s",
        "phases_s",
        "first_request_s",
        "summary",
    }
    assert entry["array_bytes"] == 40_000
    assert entry["timings_s"]["r"] == [0.001, 0.002]
    assert entry["summary"]["r"]["speedup_vs_bypass"] == pytest.approx(0.004 / 0.0015)


def test_concurrency_entry() -> None:
    entry = bc.concurrency_entry(4, 2.0, [0.01] * 100, 4_000_000, 0.5)
    assert entry["requests_per_s"] == pytest.approx(50.0)
    assert entry["gb_per_s"] == pytest.approx(0.2)
    assert entry["latency_s"]["p99_s"] == pytest.approx(0.01)
    assert entry["client_cpu_utilisation"] == pytest.approx(0.25)
    assert json.loads(json.dumps(entry)) == entry


def test_new_report_and_output_paths(tmp_path: Path) -> None:
    report = bc.new_report("run-benchmarks", {"repeats": 3}, {"cpu_count": 2})
    assert report["format_version"] == bc.JSON_FORMAT_VERSION
    assert report["complete"] is False
    png, json_path = bc.output_paths(tmp_path, "benchmark", "20260101-120000")
    assert png.name == "benchmark--20260101-120000.png"
    assert json_path == png.with_suffix(".json")
    bc.write_json(json_path, report)
    assert bc.read_json(json_path) == report
    (tmp_path / "other.json").write_text("[1]")
    with pytest.raises(bc.BenchmarkError, match="not a benchmark"):
        bc.read_json(tmp_path / "other.json")


def test_environment_has_no_secrets() -> None:
    env = bc.environment({"r": "http://u:topsecret@127.0.0.1:8080"}, "http://k:pw@127.0.0.1:9000")
    text = json.dumps(env)
    assert "topsecret" not in text and ":pw@" not in text
    assert env["proxies"] == {"r": "http://127.0.0.1:8080"}
    assert env["cpu_count"] and env["packages"]["numpy"] == np.__version__


def test_colours_keep_bypass_grey() -> None:
    colour = bc.colours(["a", "b", bc.BYPASS])
    assert colour[bc.BYPASS] == bc.BYPASS_COLOUR
    assert colour["a"] != colour["b"] != bc.BYPASS_COLOUR


# --- checking answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("operation", bc.OPERATIONS)
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float32", "float64"])
def test_local_reduce_agrees_with_the_oracle(operation: str, dtype: str) -> None:
    array = np.arange(1, 1001, dtype=dtype) * (1 if dtype.startswith(("int", "uint")) else 0.25)
    array = array.astype(dtype)
    expected = expected_result(operation, array, resolve_profile("reductionist-0.13"))
    assert bc.bypass_differences(expected, bc.local_reduce(operation, array)) == []


def test_bypass_differences_catches_a_wrong_value() -> None:
    array = np.arange(10, dtype="int64")
    expected = expected_result("sum", array, resolve_profile("reductionist-0.13"))
    assert bc.bypass_differences(expected, np.asarray(46)) == ["value [46] != [45]"]
    select = expected_result("select", array, resolve_profile("reductionist-0.13"))
    assert bc.bypass_differences(select, array[:9]) == ["shape (9,) != (10,)"]


def _answer(value: int, status: int = 200) -> Result:
    """A v2 answer as parse_response would give it, without a server."""
    exchange = HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        b'{"interface_type": "s3"}',
        "application/json",
        ("minioadmin", "minioadmin"),
        None,
        status,
        {"content-type": "application/cbor"},
        b"",
    )
    return Result(
        exchange,
        status,
        "application/cbor",
        data=np.int64(value).tobytes(),
        dtype="int64",
        shape=(),
        count=(10,),
        byte_order="little",
        cbor_keys=("bytes", "dtype", "shape", "count", "byte_order"),
        error_body={"error": {"message": "bad"}} if status != 200 else None,
    )


@pytest.fixture
def bench() -> Any:
    b = bc.Bench(
        proxies={"r": "http://127.0.0.1:8080"},
        s3_source="http://127.0.0.1:9000",
        auth=("minioadmin", "minioadmin"),
        bucket="b",
        api="v2",
        profile=resolve_profile("reductionist-0.13"),
        operation="sum",
        dtype="int64",
        timeout=5.0,
    )
    yield b
    b.store.cleanup()  # nothing was stored: removes the local marker directory only


def test_check_proxy_accepts_a_right_answer_and_stops_on_a_wrong_one(bench: Any) -> None:
    array = np.arange(10, dtype="int64")
    ref = ObjectRef("s3", "http://127.0.0.1:9000", "b", "k")
    work = bc.Workload(80, array, ref, expected_result("sum", array, bench.profile))
    target = bench.target("r")
    bench.check_proxy(target, work, _answer(45))
    with pytest.raises(bc.BenchmarkError) as wrong:
        bench.check_proxy(target, work, _answer(44))
    message = str(wrong.value)
    assert "\n" not in message
    assert "WRONG ANSWER" in message and "proxy r (http://127.0.0.1:8080)" in message
    assert "curl" in message and "minioadmin:****" in message and ":minioadmin" not in message
    with pytest.raises(bc.BenchmarkError, match=r"failed sum .*\(is --api right\?\)"):
        bench.check_proxy(target, work, _answer(45, status=404))


def test_bench_names_put_bypass_last(bench: Any) -> None:
    assert bench.names == ["r", bc.BYPASS]
    assert bench.store.prefix.startswith("benchmark-")


# --- plots (smoke tests: they render and are written) ---------------------------------------------


def _fake_sizes() -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    sizes = []
    for nbytes in (40_000, 16_000_000):
        base = nbytes / 1e9 + 0.001
        timings = {
            "reductionist": list(base * 0.8 + rng.random(20) * 1e-3),
            bc.BYPASS: list(base + rng.random(20) * 1e-3) + [base * 9],
        }
        sizes.append(bc.size_entry(nbytes, nbytes // 8, "int64", timings, {}, {}))
    return sizes


def test_run_benchmarks_plot(tmp_path: Path) -> None:
    script = load_script("run-benchmarks")
    report = bc.new_report("run-benchmarks", {"operation": "sum", "dtype": "int64"}, {})
    report["config"].update(repeats=20, api="v2")
    report["sizes"] = _fake_sizes()
    script.plot(report, tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 10_000


def test_run_parallel_benchmarks_plot(tmp_path: Path) -> None:
    script = load_script("run-parallel-benchmarks")
    config: dict[str, Any] = {"operation": "sum", "dtype": "int64", "workers": [1, 2, 4, 8]}
    config.update(api="v2", requests_per_target_and_level=16)
    report = bc.new_report("run-parallel-benchmarks", config, {})
    report["array"] = {"array_bytes": 4_000_000, "elements": 500_000}
    report["levels"] = {
        name: [
            bc.concurrency_entry(w, 1.0 / w * scale, [0.01 * w] * 16, 4_000_000, 0.1)
            for w in (1, 2, 4, 8)
        ]
        for name, scale in (("reductionist", 1.0), (bc.BYPASS, 2.0))
    }
    script.plot(report, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 10_000
    assert not math.isnan(report["levels"]["reductionist"][0]["gb_per_s"])

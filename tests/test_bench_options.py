"""Offline tests of the benchmarks' command-line values: sizes, workers, proxies, credentials."""

from __future__ import annotations

import pytest

from bench.common import MAX_WORKERS, BenchmarkError, format_mb
from bench.options import (
    auth_from_env,
    checking_profile,
    parse_proxy,
    parse_size,
    parse_sizes,
    parse_workers,
    resolve_proxies,
)


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
    assert parse_size(text) == nbytes


@pytest.mark.parametrize("text", ["", "MB", "4XB", "-4MB", "0", "2GiB", "4 M B"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_parse_sizes_keeps_order_and_drops_duplicates() -> None:
    assert parse_sizes("4MB, 40KB,4MB,") == [4_000_000, 40_000]
    with pytest.raises(ValueError):
        parse_sizes(" , ")


def test_parse_workers() -> None:
    assert parse_workers("8,1,2,4,2") == [1, 2, 4, 8]
    for bad in ("0,1", "1,x", "", f"{MAX_WORKERS + 1}"):
        with pytest.raises(ValueError):
            parse_workers(bad)


def test_parse_proxy() -> None:
    assert parse_proxy("r13=http://127.0.0.1:8080/") == ("r13", "http://127.0.0.1:8080")
    for bad in ("http://127.0.0.1:8080", "=http://x", "x=127.0.0.1:8080", "bypass=http://x"):
        with pytest.raises(ValueError):
            parse_proxy(bad)


def test_resolve_proxies_replaces_the_defaults() -> None:
    defaults = {"reductionist": "http://127.0.0.1:8080/"}
    assert resolve_proxies(None, defaults) == {"reductionist": "http://127.0.0.1:8080"}
    given = ["a=http://127.0.0.1:1", "b=http://127.0.0.1:2"]
    assert resolve_proxies(given, defaults) == {
        "a": "http://127.0.0.1:1",
        "b": "http://127.0.0.1:2",
    }
    with pytest.raises(ValueError, match="twice"):
        resolve_proxies(["a=http://x", "a=http://y"], defaults)


def test_auth_from_env() -> None:
    default = ("minioadmin", "minioadmin")
    assert auth_from_env(default, {}) == default
    env = {"ACTIVESTORAGE_AWS_ID": "id", "ACTIVESTORAGE_AWS_PASSWORD": "pw"}
    assert auth_from_env(default, env) == ("id", "pw")


def test_format_mb() -> None:
    assert format_mb(40_000) == "0.04 MB"
    assert format_mb(16_000_000) == "16 MB"
    assert format_mb(4 * 2**20) == "4.19 MB"


def test_checking_profile_must_speak_the_api() -> None:
    assert checking_profile("v2", None).name == "reductionist-0.13"
    assert checking_profile("v1", None).name == "reductionist-0.11"
    with pytest.raises(BenchmarkError, match="v1 API, not v2"):
        checking_profile("v2", "reductionist-0.11")
    with pytest.raises(BenchmarkError, match="unknown profile"):
        checking_profile("v2", "no-such-server")

"""Offline tests of the emulated links: presets, parsing, toxics, the link check's arithmetic."""

from __future__ import annotations

import math

import pytest

from bench.common import BenchmarkError
from bench.linkcheck import LinkCheck, big_bytes_for, within
from bench.links import PRESETS, SOURCES, Link, parse_custom_link, parse_links
from bench.linkspec import toxics_for


def test_every_preset_has_a_source_and_the_issue_names() -> None:
    assert {"lan", "campus", "home", "remote"} <= set(PRESETS)
    assert set(SOURCES) == set(PRESETS)
    assert all(link.name == name for name, link in PRESETS.items())


def test_parse_links_keeps_order_and_drops_duplicates() -> None:
    assert parse_links(" home,LAN,home ") == [PRESETS["home"], PRESETS["lan"]]


@pytest.mark.parametrize("text, word", [("home,dsl", "'dsl'"), (" , ", "no links")])
def test_parse_links_rejects_with_one_line(text: str, word: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_links(text)
    assert word in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "text, mbit, rtt",
    [
        ("50Mbit,20ms", 50.0, 20.0),
        ("1.5 Gbit/s, 3 ms", 1500.0, 3.0),
        ("500kbps,0ms", 0.5, 0.0),
        ("100mbit/s,80MS", 100.0, 80.0),
    ],
)
def test_parse_custom_link(text: str, mbit: float, rtt: float) -> None:
    link = parse_custom_link(text)
    assert (link.bandwidth_mbit, link.rtt_ms) == (mbit, rtt)
    assert link.name == f"{mbit:g}Mbit-{rtt:g}ms"


@pytest.mark.parametrize(
    "text, word",
    [
        ("50Mbit", "BANDWIDTH,RTT"),
        ("50MB,20ms", "BANDWIDTH,RTT"),
        ("50Mbit,0.5ms", "whole milliseconds"),
        ("50Mbit,20", "whole milliseconds"),
        ("20Gbit,20ms", "outside"),
        ("50kbit,20ms", "outside"),
        ("50Mbit,3000ms", "over 2000"),
    ],
)
def test_parse_custom_link_rejects_with_one_line(text: str, word: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_custom_link(text)
    assert word in str(error.value) and "\n" not in str(error.value)


def _summary(toxics: list[dict]) -> list[tuple[str, str, dict]]:
    return [(t["type"], t["stream"], t["attributes"]) for t in toxics]


def test_toxics_split_the_rtt_and_limit_both_streams_latency_first() -> None:
    assert _summary(toxics_for(PRESETS["home"])) == [
        ("latency", "upstream", {"latency": 10, "jitter": 0}),
        ("latency", "downstream", {"latency": 10, "jitter": 0}),
        ("bandwidth", "upstream", {"rate": 6250}),  # 50 Mbit/s = 6250 KB/s (1 KB = 1000 B)
        ("bandwidth", "downstream", {"rate": 6250}),
    ]


def test_toxics_odd_and_sub_millisecond_rtts_and_rate_scale() -> None:
    odd = _summary(toxics_for(Link("x", 8, 3), rate_scale=1.5))
    assert odd == [
        ("latency", "upstream", {"latency": 1, "jitter": 0}),
        ("latency", "downstream", {"latency": 2, "jitter": 0}),
        ("bandwidth", "upstream", {"rate": 1500}),
        ("bandwidth", "downstream", {"rate": 1500}),
    ]
    assert [t["type"] for t in toxics_for(PRESETS["lan"])] == ["bandwidth", "bandwidth"]
    assert toxics_for(PRESETS["loopback"]) == []


def test_within_is_relative_with_an_absolute_floor() -> None:
    assert within(21.9, 20.0) and not within(22.1, 20.0)
    assert within(18.1, 20.0) and not within(17.9, 20.0)
    assert within(0.29, 0.2, floor=0.1) and not within(0.31, 0.2, floor=0.1)
    assert not within(0.29, 0.2)
    lan = PRESETS["lan"]
    assert _check(lan, 0.01, 990.0).rtt_ok and not _check(lan, 0.41, 990.0).rtt_ok


def test_big_download_lasts_half_a_second_within_bounds() -> None:
    assert big_bytes_for(PRESETS["home"]) == 3_125_000
    assert big_bytes_for(Link("slow", 1, 10)) == 1_000_000
    assert big_bytes_for(Link("fast", 10_000, 1)) == 64_000_000
    assert big_bytes_for(PRESETS["loopback"]) == 16_000_000


def _check(link: Link, rtt: float, mbit: float | None) -> LinkCheck:
    return LinkCheck(link, "s3", rtt, mbit, 1_000_000, {})


def test_link_check_verdicts_and_problems() -> None:
    home = PRESETS["home"]
    assert _check(home, 19.0, 47.0).ok
    slow = _check(home, 19.0, 44.0)
    assert (slow.rtt_ok, slow.bandwidth_ok) == (True, False)
    assert slow.problems() == ["home: bandwidth 44.0 Mbit/s, configured 50"]
    late = _check(home, 23.0, 50.0)
    assert late.problems() == ["home: RTT 23.00 ms, configured 20"]
    assert _check(PRESETS["loopback"], 0.05, None).ok
    assert _check(PRESETS["lan"], 0.28, 990.0).to_json()["ok"] is True
    assert math.isclose(_check(home, 19.0, 47.0).to_json()["measured_bandwidth_mbit"], 47.0)


def test_stack_link_is_a_preset_or_a_custom_link() -> None:
    from bench.stack_links import parse_link

    assert parse_link("home") is PRESETS["home"]
    custom = parse_link("20Mbit,30ms")
    assert (custom.bandwidth_mbit, custom.rtt_ms) == (20.0, 30.0)
    with pytest.raises(BenchmarkError, match="unknown link 'hom'"):
        parse_link("hom")

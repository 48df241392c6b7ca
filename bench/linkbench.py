"""The size benchmark over emulated links: per link, check the link, then time every size.

The client reaches the server and (for bypass) S3 through Toxiproxy proxies slowed to the link;
the server fetches from S3 directly, as in a data centre. ``loopback`` among the links means the
direct URLs, as a run without ``--links`` times them. Per link the JSON keeps the link check,
the raw timings per size, the crossover and the speedup at the largest size.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Mapping, Sequence

from bench.common import BYPASS, BenchmarkError, format_mb
from bench.linkcheck import LinkCheck, Probe, big_bytes_for
from bench.links import Link, LinkSet, emulated_links
from bench.runner import Bench, Workload
from bench.timing import time_workloads

S3 = "s3"


def crossover(sizes: Sequence[int], speedups: Sequence[float | None]) -> dict[str, Any]:
    """Where the server starts to win: the smallest size from which it is faster (speedup > 1)
    at that and every larger size. ``sizes`` ascending; a missing speedup counts as a loss.

    ``kind``: ``below_smallest`` (faster at every size), ``at`` (``size_bytes``, after a loss at
    ``previous_bytes``) or ``none_in_range`` (slower or even at the largest size).
    """
    if list(sizes) != sorted(sizes) or len(sizes) != len(speedups) or not sizes:
        raise ValueError("crossover needs ascending sizes, one speedup each")
    first = len(sizes)
    while first > 0 and (speedups[first - 1] or 0) > 1:
        first -= 1
    if first == len(sizes):
        return {"kind": "none_in_range", "size_bytes": None, "previous_bytes": None}
    if first == 0:
        return {"kind": "below_smallest", "size_bytes": sizes[0], "previous_bytes": None}
    return {"kind": "at", "size_bytes": sizes[first], "previous_bytes": sizes[first - 1]}


def describe_crossover(entry: Mapping[str, Any]) -> str:
    """One phrase for a crossover dict, e.g. ``between 0.4 MB and 4 MB``."""
    if entry["kind"] == "none_in_range":
        return "none in range (not faster at the largest size)"
    if entry["kind"] == "below_smallest":
        return f"below the smallest size (faster from {format_mb(entry['size_bytes'])} on)"
    return f"between {format_mb(entry['previous_bytes'])} and {format_mb(entry['size_bytes'])}"


def link_results(sizes: Sequence[Mapping[str, Any]], proxies: Sequence[str]) -> dict[str, Any]:
    """Per proxy: speedup per size (ascending), the crossover and the speedup at the largest."""
    ordered = sorted(sizes, key=lambda e: e["array_bytes"])
    nbytes = [e["array_bytes"] for e in ordered]
    out: dict[str, Any] = {}
    for name in proxies:
        factors = [e["summary"][name]["speedup_vs_bypass"] for e in ordered]
        out[name] = {
            "array_bytes": nbytes,
            "speedups": factors,
            "crossover": crossover(nbytes, factors),
            "speedup_at_largest": factors[-1],
        }
    return out


def s3_probe(bench: Bench, key: str, linked: str) -> Probe:
    """Signed S3 requests for the link check: HEAD of the bucket, GET of the probe object."""
    clients = {bench.s3_source: bench.store.s3, linked: bench.bypass_s3.s3}
    bucket = bench.bucket

    def big(base: str) -> int:
        return len(clients[base].get_object(Bucket=bucket, Key=key)["Body"].read())

    return Probe(small=lambda base: clients[base].head_bucket(Bucket=bucket), big=big)


def check_link(bench: Bench, links: LinkSet, link: Link) -> LinkCheck:
    """Upload a probe object sized for the link (content-addressed, removed with the run's
    data), and measure the S3 path of the applied link."""
    from botocore.exceptions import BotoCoreError, ClientError

    blob = bytes(big_bytes_for(link))
    try:
        ref = bench.store.put_s3(bench.bucket, blob, hashlib.sha256(blob).hexdigest())
        return links.check(S3, s3_probe(bench, ref.key, links.url(S3)))
    except (BotoCoreError, ClientError) as error:
        raise BenchmarkError(f"link check of {link.name} through {links.url(S3)}: {error}")


def run_links(
    bench: Bench,
    workloads: Sequence[Workload],
    links: Sequence[Link],
    proxies: Mapping[str, str],
    repeats: int,
    dtype: str,
) -> list[dict[str, Any]]:
    """For each link: apply it, check it (printed at once), time every size through it."""
    upstreams = {**proxies, S3: bench.s3_source}
    entries = []
    with emulated_links(upstreams) as linkset:
        for link in links:
            check: LinkCheck | None = None
            if link.unlimited and link.name == "loopback":
                bench.route(proxies, bench.s3_source)
            else:
                linkset.apply(link)
                bench.route({n: linkset.url(n) for n in proxies}, linkset.url(S3))
                check = check_link(bench, linkset, link)
                print(check_line(check))
            sizes, overhead = time_workloads(bench, workloads, repeats, dtype, desc=link.name)
            entries.append(
                {
                    "link": link.to_json(),
                    "check": check.to_json() if check else None,
                    "urls": {
                        **{t.name: t.url for t in bench.targets},
                        S3: bench.bypass_s3.s3_source,
                    },
                    "sizes": sizes,
                    "client_overhead": overhead,
                    "results": link_results(sizes, list(proxies)),
                }
            )
        bench.route(proxies, bench.s3_source)
    return entries


def check_line(check: LinkCheck) -> str:
    """``link check home (S3 path): bandwidth 50 -> 49.7 Mbit/s ok, RTT 20 -> 19.6 ms ok``."""
    link = check.link
    mark = {True: "ok", False: "OFF BY MORE THAN 10%"}
    measured = f"{check.bandwidth_mbit:.1f}" if check.bandwidth_mbit is not None else "-"
    scale = f" (toxic rate x{check.rate_scale:.2f})" if check.rate_scale != 1 else ""
    return (
        f"link check {link.name} ({check.path} path): bandwidth {link.bandwidth_mbit:g} -> "
        f"{measured} Mbit/s {mark[check.bandwidth_ok]}{scale}, RTT {link.rtt_ms:g} -> "
        f"{check.rtt_ms:.2f} ms {mark[check.rtt_ok]}"
    )


def print_links_summary(report: Mapping[str, Any]) -> None:
    """The link checks, the speedup table per link and size, and each link's crossover."""
    entries = report["links"]
    config = report["config"]
    print(
        f"\n{config['operation']} of {config['dtype']}, {config['repeats']} timed requests per "
        f"target, size and link, API {config['api']}; speedup = {BYPASS} median / server median"
    )
    print(f"\n{'link':<14}{'bandwidth Mbit/s':>20}{'RTT ms':>18}  check (S3 path, vs configured)")
    for entry in entries:
        link, check = entry["link"], entry["check"]
        if check is None:
            print(f"{link['name']:<14}{'direct':>20}{'direct':>18}  -")
            continue
        bandwidth = f"{link['bandwidth_mbit']:g} -> {check['measured_bandwidth_mbit']:.1f}"
        rtt = f"{link['rtt_ms']:g} -> {check['measured_rtt_ms']:.2f}"
        verdict = "ok" if check["ok"] else "OFF BY MORE THAN 10%"
        print(f"{link['name']:<14}{bandwidth:>20}{rtt:>18}  {verdict}")
    proxies = list(entries[0]["results"])
    nbytes = entries[0]["results"][proxies[0]]["array_bytes"]
    for proxy in proxies:
        print(f"\nspeedup of {proxy} over {BYPASS}")
        print(f"{'link':<14}" + "".join(f"{format_mb(n):>10}" for n in nbytes) + "  crossover")
        for entry in entries:
            result = entry["results"][proxy]
            cells = "".join(f"{_factor(f):>10}" for f in result["speedups"])
            print(f"{entry['link']['name']:<14}{cells}  {describe_crossover(result['crossover'])}")
    problems = [e["link"]["name"] for e in entries if e["check"] and not e["check"]["ok"]]
    if problems:
        print(f"\nWARNING: the emulation of {', '.join(problems)} is off by more than 10%")


def _factor(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}x"

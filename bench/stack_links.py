"""Standing link proxies for the local stack: ``scripts/local-stack.sh up --links[=LINK]``.

The benchmarks make and remove their own link proxies; this makes three that stay until
``--clear`` (or ``local-stack.sh down``), so that anything (the suite, curl, PyActiveStorage)
can be pointed at a slow link by hand: 127.0.0.1:8601 to the server, :8602 to S3, :8603 to the
HTTP store, each with the link's bandwidth and latency toxics, while the server keeps reaching
the stores directly. The link is checked (on the HTTP store path, configured against measured)
and the check printed, as with every benchmark run.

    python -m bench.stack_links home          # or lan, campus, remote, loopback, 20Mbit,30ms
    python -m bench.stack_links --clear
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Sequence

import requests

from bench.common import BenchmarkError
from bench.linkcheck import LinkCheck, big_bytes_for, http_probe
from bench.links import PRESETS, Link, LinkSet, parse_custom_link
from bench.toxiproxy import ToxiproxyApi, api_port

#: What the stack's link proxies lead to, in the order they take ports 8601, 8602, 8603.
UPSTREAMS = {
    "server": "http://127.0.0.1:8080",
    "s3": "http://127.0.0.1:9000",
    "http": "http://127.0.0.1:8000",
}
FIRST_PORT = 8601
TAG = "stack"


def parse_link(text: str) -> Link:
    """A preset name, or ``BANDWIDTH,RTT`` (``20Mbit,30ms``)."""
    if text in PRESETS:
        return PRESETS[text]
    if "," in text:
        return parse_custom_link(text)
    raise BenchmarkError(f"unknown link {text!r}: choose {', '.join(PRESETS)} or BANDWIDTH,RTT")


def running_api() -> ToxiproxyApi:
    api = ToxiproxyApi(api_port())
    if not api.alive():
        raise BenchmarkError(
            f"toxiproxy is not running at {api.base}: scripts/local-stack.sh up --links"
        )
    return api


def clear(api: ToxiproxyApi) -> None:
    for name in UPSTREAMS:
        api.delete_proxy(f"{TAG}-{name}")


def check_http_path(links: LinkSet, link: Link) -> LinkCheck:
    """Measure the link on the HTTP store path with a probe file put there for the purpose."""
    direct = links.direct["http"]
    path = f"/links-probe-{uuid.uuid4().hex}.bin"
    put = requests.put(direct + path, data=bytes(big_bytes_for(link)), timeout=60)
    if put.status_code not in (200, 201, 204):
        raise BenchmarkError(f"could not store the link probe at {direct}{path}: {put.status_code}")
    try:
        return links.check("http", http_probe("/healthz", path))
    finally:
        requests.delete(direct + path, timeout=60)


def apply(api: ToxiproxyApi, link: Link) -> tuple[LinkSet, LinkCheck]:
    clear(api)
    links = LinkSet(api, UPSTREAMS)
    links.open(FIRST_PORT, FIRST_PORT + len(UPSTREAMS) - 1, TAG)
    links.apply(link)
    return links, check_http_path(links, link)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Standing Toxiproxy link proxies in front of the local stack (127.0.0.1 only)."
    )
    parser.add_argument("link", nargs="?", default="home", help="preset or BANDWIDTH,RTT")
    parser.add_argument("--clear", action="store_true", help="remove the stack's link proxies")
    args = parser.parse_args(argv)
    try:
        api = running_api()
        if args.clear:
            clear(api)
            print("link proxies removed")
            return 0
        links, check = apply(api, parse_link(args.link))
    except (BenchmarkError, requests.RequestException) as error:
        print(f"stack links: {error}", file=sys.stderr)
        return 2
    link = check.link
    verdict = "ok" if check.ok else "OFF BY MORE THAN 10%: " + "; ".join(check.problems())
    measured = "unlimited" if check.bandwidth_mbit is None else f"{check.bandwidth_mbit:.1f}"
    print(
        f"link {link.name} ({link.describe()}): measured on the HTTP store path RTT "
        f"{check.rtt_ms:.2f} ms, {measured} Mbit/s, toxic rate x{check.rate_scale:.2f}: {verdict}"
    )
    for name in UPSTREAMS:
        print(f"  {name:<7} {links.url(name)}  ->  {links.direct[name]}")
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())

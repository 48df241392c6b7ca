"""The server's own time for a run: Reductionist's ``/metrics`` ``response_time`` histogram.

The suite's cost is judged against this floor (README.md#suite-speed): the wall time of a run
over the summed time the server spent answering the same requests. ``run-compliance.sh`` reads
the totals before and after each run (``python -m compliance.server_metrics URL``) and prints
the ratio. A server without ``/metrics`` (the prototype) has no floor to compare with.
"""

from __future__ import annotations

import re
import sys
from typing import Sequence

import requests

#: One line of the Prometheus text format for the POST side of the histogram.
_LINE = re.compile(r'^response_time_(sum|count)\{[^}]*http_method="POST"[^}]*\}\s+(\S+)$')


def response_time_totals(metrics: str) -> tuple[float, int] | None:
    """Seconds and requests summed over every POST route and status, or None if absent."""
    seconds, count = 0.0, 0
    seen = "# TYPE response_time histogram" in metrics  # no POST yet: zero, not absent
    for line in metrics.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        seen = True
        if match.group(1) == "sum":
            seconds += float(match.group(2))
        else:
            count += int(float(match.group(2)))
    return (seconds, count) if seen else None


def fetch_totals(url: str, ca_cert: str | None = None) -> tuple[float, int] | None:
    """The totals from ``url/metrics`` now; None when the server has no such endpoint."""
    try:
        response = requests.get(url.rstrip("/") + "/metrics", timeout=5, verify=ca_cert or True)
    except requests.RequestException:
        return None
    return response_time_totals(response.text) if response.status_code == 200 else None


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``SECONDS COUNT`` (or ``none``) for the server at argv[0] (CA file at argv[1])."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m compliance.server_metrics URL [CA_FILE]", file=sys.stderr)
        return 2
    totals = fetch_totals(args[0], args[1] if len(args) > 1 else None)
    print("none" if totals is None else f"{totals[0]:.6f} {totals[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

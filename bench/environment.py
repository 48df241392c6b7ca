"""What a run records about where its figures come from: versions, CPUs, URLs without secrets."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

#: The checkout the package runs from (editable install); its commit names the suite's version.
SOURCE_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("numpy", "boto3", "botocore", "requests", "cbor2", "matplotlib", "tqdm")


def redact_url(url: str) -> str:
    """The URL without user:password@ and without a query string, for reports."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _suite_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(SOURCE_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment(
    proxies: Mapping[str, str], s3_source: str, servers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Versions, CPUs and where things are; URLs carry no credentials."""
    try:
        usable_cpus: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable_cpus = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus,
        "packages": {name: _version(name) for name in PACKAGES},
        "suite_commit": _suite_commit(),
        "proxies": {name: redact_url(url) for name, url in proxies.items()},
        "s3_source": redact_url(s3_source),
        "servers": dict(servers or {}),
    }

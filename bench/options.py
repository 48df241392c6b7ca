"""Command-line values: sizes, worker counts, proxies, credentials and the checking profile.

Pure functions, so every rule about what a user may type is unit-tested offline.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from bench.common import BYPASS, MAX_ARRAY_BYTES, MAX_WORKERS, BenchmarkError
from compliance.client import Api
from compliance.profiles import Profile, ProfileError, resolve_profile

#: The checking profile used for each API generation unless ``--profile`` says otherwise.
DEFAULT_PROFILES: dict[str, str] = {"v2": "reductionist-0.13", "v1": "reductionist-0.11"}
#: Environment variables (the suite's names) that override the entry points' AUTH, so a secret
#: need not be edited into a file or typed on a command line.
AUTH_ENV = ("ACTIVESTORAGE_AWS_ID", "ACTIVESTORAGE_AWS_PASSWORD")

_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}
_SIZE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes from ``40KB``, ``4MB``, ``4MiB``, ``1.5MB`` or ``4096`` (KB/MB/GB are decimal)."""
    match = _SIZE_PATTERN.match(text)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (examples: 40KB, 4MB, 4MiB, 4096)")
    nbytes = int(float(match.group(1)) * _SIZE_UNITS[unit])
    if not 1 <= nbytes <= MAX_ARRAY_BYTES:
        raise ValueError(f"size {text!r} is outside 1 B .. {MAX_ARRAY_BYTES // 2**20} MiB")
    return nbytes


def parse_sizes(text: str) -> list[int]:
    """A comma-separated list of sizes, in the order given, duplicates dropped."""
    sizes = [parse_size(part) for part in text.split(",") if part.strip()]
    if not sizes:
        raise ValueError("no sizes given")
    return list(dict.fromkeys(sizes))


def parse_workers(text: str) -> list[int]:
    """A comma-separated list of worker counts, each 1..MAX_WORKERS, sorted, duplicates dropped."""
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(f"not a list of integers: {text!r}") from None
    if not counts or counts[0] < 1 or counts[-1] > MAX_WORKERS:
        raise ValueError(f"worker counts must be 1..{MAX_WORKERS}, got {text!r}")
    return counts


def parse_proxy(text: str) -> tuple[str, str]:
    """``NAME=URL`` -> (name, url without a trailing slash)."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip().rstrip("/")
    if not sep or not name or not url.startswith(("http://", "https://")):
        raise ValueError(f"expected NAME=http(s)://HOST:PORT, got {text!r}")
    if name == BYPASS:
        raise ValueError(f"{BYPASS!r} names the baseline; choose another proxy name")
    return name, url


def resolve_proxies(given: Sequence[str] | None, defaults: Mapping[str, str]) -> dict[str, str]:
    """``--proxy`` values (if any) replace the configured PROXY_URLS."""
    if not given:
        return {name: url.rstrip("/") for name, url in defaults.items()}
    proxies: dict[str, str] = {}
    for text in given:
        name, url = parse_proxy(text)
        if name in proxies:
            raise ValueError(f"proxy name {name!r} given twice")
        proxies[name] = url
    return proxies


def auth_from_env(default: tuple[str, str], environ: Mapping[str, str]) -> tuple[str, str]:
    """S3 credentials: the suite's environment variables win over the entry point's AUTH."""
    return environ.get(AUTH_ENV[0], default[0]), environ.get(AUTH_ENV[1], default[1])


def checking_profile(api: Api, name: str | None) -> Profile:
    """The compliance profile whose rules judge each answer; it must speak ``api``."""
    try:
        profile = resolve_profile(name or DEFAULT_PROFILES[api])
    except ProfileError as error:
        raise BenchmarkError(str(error)) from None
    if profile.api != api:
        raise BenchmarkError(f"profile {profile.name} speaks the {profile.api} API, not {api}")
    return profile

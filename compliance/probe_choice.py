"""From probe answers to a profile: which built-in profile is nearest, and a snippet for config.py.

Pure functions over recorded answers (no network), so the choice is unit-tested offline. A probe's
answer carries what it observed for one capability (``Answer.observed``; None when the server gave
no usable answer); ``choose_profile`` compares those observations with every built-in profile and
takes the one that differs in the fewest, the first in ``BUILTIN_PROFILES`` order on a tie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .profiles import ALL_MISSING_FORMS, BUILTIN_PROFILES, Profile

COMPRESSION_IDS = ("gzip", "zlib", "blosc2")
FILTER_IDS = ("shuffle", "shuffle_simd")


@dataclass(frozen=True)
class Answer:
    """What one probe sent, what came back, and the capability value that answer shows."""

    request: str  # e.g. "POST /v2/sum int32 (2, 3)"
    status: int | None  # None: no HTTP answer (or the probe was not sent)
    detail: str  # short text of the answer, for the header
    observed: Any = None  # the capability value; None: this answer tells nothing


def error_format_of(body: Any) -> str | None:
    """Which error format an error body has: FastAPI's ``detail`` or Reductionist's ``error``."""
    if not isinstance(body, dict):
        return None
    if "detail" in body:
        return "fastapi"
    return "reductionist" if "error" in body else None


def redirects_to_slash(status: int | None, location: str, path: str) -> bool | None:
    """Whether a route without the slash answers with a redirect to ``path`` + "/" (FastAPI)."""
    if status is None:
        return None
    return status in (301, 302, 307, 308) and location.endswith(path + "/")


def profile_features(profile: Profile) -> dict[str, Any]:
    """A profile in probe terms: one value per probe name."""
    features: dict[str, Any] = {
        "api-v2": profile.api == "v2",
        "trailing-slash": profile.trailing_slash,
        "error-format": profile.error_format,
        "mean": "mean" in profile.operations,
        "count": profile.count_format,
        "byte-order": profile.byte_order,
        "axis": profile.axis,
        "axis-all-listed": profile.axis_all_listed,
        "anonymous": profile.anonymous_access,
        "http-backend": profile.http_backend,
        "bytes-options": profile.bytes_options,
        "chunk-cache": profile.chunk_cache,
    }
    for form in ALL_MISSING_FORMS:
        features[f"missing-{form}"] = form in profile.missing
    for algorithm in COMPRESSION_IDS:
        features[f"compression-{algorithm}"] = algorithm in profile.compression
    for algorithm in FILTER_IDS:
        features[f"filter-{algorithm}"] = algorithm in profile.filters
    return features


def observations(answers: Mapping[str, Answer]) -> dict[str, Any]:
    """The probes whose answers told something, with what they told."""
    return {name: a.observed for name, a in answers.items() if a.observed is not None}


def differences(profile: Profile, observed: Mapping[str, Any]) -> list[str]:
    """Probe names whose observation the profile contradicts."""
    features = profile_features(profile)
    return [name for name, value in observed.items() if features.get(name) != value]


def choose_profile(answers: Mapping[str, Answer]) -> tuple[str, list[str]]:
    """The nearest built-in profile's name and why: each probe and its answer, then the choice.

    Raises ValueError when no probe told anything (nothing to choose by).
    """
    observed = observations(answers)
    if not observed:
        raise ValueError("no probe got a usable answer: cannot choose a profile")
    ranked = sorted(BUILTIN_PROFILES.values(), key=lambda p: len(differences(p, observed)))
    best = ranked[0]
    reasons = [
        f"{name}: {a.request} -> {a.detail}"
        + (f" => {a.observed!r}" if a.observed is not None else " => (tells nothing)")
        for name, a in answers.items()
    ]
    missed = differences(best, observed)
    if missed:
        shown = ", ".join(f"{n}={observed[n]!r}" for n in missed)
        reasons.append(
            f"chose {best.name}: nearest, differs in {len(missed)} of {len(observed)} ({shown})"
        )
    else:
        reasons.append(f"chose {best.name}: matches all {len(observed)} observations")
    runner_up = ranked[1]
    reasons.append(
        f"next nearest: {runner_up.name} (differs in {len(differences(runner_up, observed))})"
    )
    return best.name, reasons


def _overrides(base: Profile, observed: Mapping[str, Any]) -> dict[str, Any]:
    """Profile fields to change on ``base`` so that it matches the observations."""
    fields: dict[str, Any] = {}
    simple: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "api-v2": ("api", lambda v: "v2" if v else "v1"),
        "trailing-slash": ("trailing_slash", bool),
        "error-format": ("error_format", str),
        "count": ("count_format", str),
        "byte-order": ("byte_order", bool),
        "axis": ("axis", bool),
        "axis-all-listed": ("axis_all_listed", bool),
        "anonymous": ("anonymous_access", bool),
        "http-backend": ("http_backend", bool),
        "bytes-options": ("bytes_options", bool),
        "chunk-cache": ("chunk_cache", bool),
    }
    for probe, (field_name, convert) in simple.items():
        if probe in observed and convert(observed[probe]) != getattr(base, field_name):
            fields[field_name] = convert(observed[probe])
    if "mean" in observed and observed["mean"] != ("mean" in base.operations):
        others = tuple(op for op in base.operations if op != "mean")
        fields["operations"] = others + ("mean",) if observed["mean"] else others
    for field_name, prefix, ids in (
        ("missing", "missing-", ALL_MISSING_FORMS),
        ("compression", "compression-", COMPRESSION_IDS),
        ("filters", "filter-", FILTER_IDS),
    ):
        have = getattr(base, field_name)
        wanted = tuple(i for i in ids if observed.get(prefix + i, i in have))
        if wanted != have:
            fields[field_name] = wanted
    return fields


def render_profile(chosen: str, answers: Mapping[str, Answer], name: str = "my-server") -> str:
    """A ``PROFILES`` snippet for compliance/config.py: the chosen base plus what differs."""
    base = BUILTIN_PROFILES[chosen]
    entry: dict[str, Any] = {"base": chosen, **_overrides(base, observations(answers))}
    lines = [
        "# From `pytest compliance --profile auto --print-profile`: paste into",
        f"# compliance/config.py and run with --profile {name}.",
        "PROFILES = {",
        f"    {name!r}: {{",
    ]
    lines += [f"        {key!r}: {value!r}," for key, value in entry.items()]
    lines += ["    },", "}"]
    return "\n".join(lines) + "\n"

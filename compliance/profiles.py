"""Named capability sets of real active storage servers.

A profile says what a server release supports, so tests skip with a reason that names the missing
capability instead of failing. Facts come from the version history (docs/spec.md#versions) and the
prototype notes on the prototype (docs/spec.md#prototype). Known deviations of a real server from
the spec are listed per profile; they become strict xfails, so a fixed deviation turns the run red
until removed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping

from .deviations import CACHE_OF, KNOWN_DEVIATIONS, KNOWN_INSTABILITIES, Deviation, Instability

ALL_OPERATIONS = ("count", "max", "min", "select", "sum")
ALL_DTYPES = ("int32", "int64", "uint32", "uint64", "float32", "float64")
ALL_MISSING_FORMS = ("missing_value", "missing_values", "valid_min", "valid_max", "valid_range")

CountFormat = Literal["none", "int", "list"]
ErrorFormat = Literal["reductionist", "fastapi"]
EmptyReduction = Literal["sentinel", "error"]


@dataclass(frozen=True)
class Profile:
    """What one server release supports. Field names are the capability names in skip reasons."""

    name: str
    description: str
    api: Literal["v1", "v2"] = "v2"
    operations: tuple[str, ...] = ALL_OPERATIONS
    dtypes: tuple[str, ...] = ALL_DTYPES
    count_format: CountFormat = "list"
    byte_order: bool = True  # the `byte_order` request field and the response's byte-order field
    missing: tuple[str, ...] = ALL_MISSING_FORMS
    compression: tuple[str, ...] = ("gzip", "zlib", "blosc2")
    filters: tuple[str, ...] = ("shuffle", "shuffle_simd")
    axis: bool = True
    axis_all_listed: bool = True  # an axis list as long as the shape is accepted
    negative_selection: bool = True  # negative indices/strides with NumPy clamping
    unaligned_offset: bool = True  # offsets that are not a multiple of the item size
    anonymous_access: bool = True  # requests without credentials reach public data
    http_backend: bool = False  # v2 interface_type http/https
    bytes_options: bool = False  # option_shape_as_bytes / option_count_as_bytes
    error_format: ErrorFormat = "reductionist"
    # Status of a request its model refuses (types, enums, required fields): the spec's 400;
    # FastAPI answers model validation with 422 and keeps 400 for the server's own checks.
    schema_error_status: int = 400
    selection_objects: bool = True  # a slice may be {"start", "end", "stride"} besides a triple
    unknown_fields_rejected: bool = True
    empty_reduction: EmptyReduction = "sentinel"
    trailing_slash: bool = False  # the route is /v1/{op}/ rather than /v1/{op}
    chunk_cache: bool = False  # the server runs with its chunk cache on (--use-chunk-cache)
    # The race this server is known to lose at random, if any: then a test whose only failure
    # is its symptom is counted as that known instability (deviations.Instability).
    unstable: Instability | None = None
    deviations: tuple[Deviation, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        """Short, for the arguments pytest prints with a failing test."""
        return f"Profile({self.name!r})"

    def validation_statuses(self) -> tuple[int, ...]:
        """Statuses a request refused at validation may get: 400, and the model's own status."""
        return tuple(sorted({400, self.schema_error_status}))

    def instability(self, differences: list[str], transport_error: str | None) -> str | None:
        """The known instability a failure shows, if it is nothing but the race's symptom.

        The symptom is a connection the server closed without answering (the one difference
        is "no HTTP response", the transport error a reset or an abort), or the one
        difference naming an answer the profile's race is known to give: a timeout or any
        other wrong answer is never excused.
        """
        if self.unstable is None or len(differences) != 1:
            return None
        only = differences[0]
        dropped = (
            transport_error is not None
            and only.startswith("no HTTP response")
            and any(word in transport_error for word in _DROPPED_CONNECTION)
        )
        if dropped or self.unstable.explains(only):
            return self.unstable.reason
        return None

    def xfail_reason(self, nodeid: str) -> str | None:
        """The reason of the first known deviation matching this test id, if any."""
        for deviation in self.deviations:
            if deviation.matches(nodeid):
                return deviation.reason
        return None

    def unmatched_deviations(self, nodeids: Iterable[str]) -> list[Deviation]:
        """Deviations whose pattern matches none of the collected test ids (stale entries)."""
        ids = list(nodeids)
        return [d for d in self.deviations if not any(d.matches(i) for i in ids)]


#: How requests reports a connection the server closed without an answer (not a timeout).
_DROPPED_CONNECTION = ("RemoteDisconnected", "Connection aborted", "ConnectionResetError")

_V2_BASE = Profile(
    name="reductionist-0.13",
    description="Reductionist 0.13.x: v2 API, CBOR responses, HTTP backend, *_as_bytes options",
    http_backend=True,
    bytes_options=True,
)

_V1_011 = dataclasses.replace(
    _V2_BASE,
    name="reductionist-0.11",
    description="Reductionist 0.11.0: last v1 API release (axis, count as a list)",
    api="v1",
    compression=("gzip", "zlib"),
    filters=("shuffle",),
    axis_all_listed=False,
    http_backend=False,
    bytes_options=False,
)

_V1_09 = dataclasses.replace(
    _V1_011,
    name="reductionist-0.9",
    description="Reductionist 0.9.0: v1 API, anonymous access, integer count, no axis",
    count_format="int",
    axis=False,
    empty_reduction="error",
)

BUILTIN_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _V2_BASE,
        dataclasses.replace(
            _V2_BASE,
            name="reductionist-0.12",
            description="Reductionist 0.12.x: v2 API without the *_as_bytes options",
            bytes_options=False,
        ),
        _V1_011,
        _V1_09,
        dataclasses.replace(
            _V1_09,
            name="reductionist-0.5",
            description="Reductionist 0.5.0: v1 API, byte order, missing data; auth required",
            anonymous_access=False,
        ),
        Profile(
            name="prototype",
            description="The Python prototype (FastAPI): v1 API with mean, no count or byte order",
            api="v1",
            operations=ALL_OPERATIONS + ("mean",),
            count_format="none",
            byte_order=False,
            missing=(),
            compression=(),
            filters=(),
            axis=False,
            axis_all_listed=False,
            negative_selection=False,
            unaligned_offset=False,
            anonymous_access=False,
            error_format="fastapi",
            schema_error_status=422,
            selection_objects=False,
            unknown_fields_rejected=False,
            empty_reduction="error",
            trailing_slash=True,
        ),
    )
}


def _with_cache(profile: Profile, name: str) -> Profile:
    """The same release started with its chunk cache on: own name, own deviations."""
    return dataclasses.replace(
        profile,
        name=name,
        description=f"{profile.description}; chunk cache on (--use-chunk-cache)",
        chunk_cache=True,
    )


# The cache profiles are those the deviations table names, each with the release it runs.
for _cached, _release in CACHE_OF.items():
    BUILTIN_PROFILES[_cached] = _with_cache(BUILTIN_PROFILES[_release], _cached)
# Each built-in profile comes with the known deviations and instability of its server.
BUILTIN_PROFILES = {
    name: dataclasses.replace(
        profile,
        deviations=KNOWN_DEVIATIONS.get(name, ()),
        unstable=KNOWN_INSTABILITIES.get(name),
    )
    for name, profile in BUILTIN_PROFILES.items()
}

DEFAULT_PROFILE = "reductionist-0.13"


class ProfileError(ValueError):
    """A profile name or override that does not exist."""


def resolve_profile(
    name: str, user_profiles: Mapping[str, Mapping[str, Any]] | None = None
) -> Profile:
    """Find a built-in profile or build a user's from config.PROFILES (``base`` + overrides)."""
    user_profiles = user_profiles or {}
    if name in user_profiles:
        overrides = dict(user_profiles[name])
        base = resolve_profile(str(overrides.pop("base", DEFAULT_PROFILE)), {})
        known = {f.name for f in dataclasses.fields(Profile)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ProfileError(
                f"profile {name!r}: unknown capabilities {unknown}; known: {sorted(known)}"
            )
        if "deviations" in overrides:
            overrides["deviations"] = tuple(
                d if isinstance(d, Deviation) else Deviation(*d) for d in overrides["deviations"]
            )
        return dataclasses.replace(base, name=name, **overrides)
    if name in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[name]
    choices = sorted(BUILTIN_PROFILES) + sorted(user_profiles)
    raise ProfileError(f"unknown profile {name!r}; choose one of {', '.join(choices)}")

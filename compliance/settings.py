"""The effective configuration: pytest option > environment > config.py > profile.

Every setting in ``compliance/config.py`` has an environment variable ``ACTIVESTORAGE_<NAME>`` and a
pytest option ``--<name-with-dashes>``. The capability switches, when set, override the profile.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Mapping

from . import config as default_config
from .profiles import DEFAULT_PROFILE, Profile, resolve_profile

ENV_PREFIX = "ACTIVESTORAGE_"
#: The PROFILE value that has the server probed for its profile (compliance/probe.py).
AUTO_PROFILE = "auto"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the setting."""


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def _parse_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _parse_optional_str(text: str) -> str | None:
    return text or None


@dataclass(frozen=True)
class Setting:
    """One configurable name: how to parse its text form and which profile field it overrides."""

    name: str
    parse: Callable[[str], Any]
    secret: bool = False
    help: str = ""

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name

    @property
    def option(self) -> str:
        return "--" + self.name.lower().replace("_", "-")

    @property
    def dest(self) -> str:
        return "activestorage_" + self.name.lower()


SETTINGS: tuple[Setting, ...] = (
    Setting("PROFILE", str, help="capability profile of the server under test"),
    Setting("PROXY_URL", str, help="URL of the active storage server under test"),
    Setting("PROXY_CA_CERT", _parse_optional_str, help="CA certificate for an https PROXY_URL"),
    Setting("S3_SOURCE", str, help="URL of the S3 store holding the test data"),
    Setting("AWS_ID", str, help="S3 access key id"),
    Setting("AWS_PASSWORD", str, secret=True, help="S3 secret key"),
    Setting("BUCKET_NAME", str, help="private S3 bucket for test data"),
    Setting("PUBLIC_BUCKET_NAME", str, help="anonymous-read S3 bucket for test data"),
    Setting("HTTP_SOURCE", str, help="URL of the HTTP object store"),
    Setting("HTTP_USERNAME", str, help="HTTP store Basic user"),
    Setting("HTTP_PASSWORD", str, secret=True, help="HTTP store Basic password"),
    Setting("REQUEST_TIMEOUT", float, help="seconds allowed per HTTP call"),
    Setting(
        "ROBUSTNESS_PROXY_URL",
        _parse_optional_str,
        help="a server of PROXY_URL's release kept for the robustness tests",
    ),
    Setting("TOXIPROXY_URL", str, help="Toxiproxy API for the robustness tests' fault proxies"),
    Setting("TEST_X_ACTIVESTORAGE_COUNT_HEADER", _parse_bool, help="check response counts"),
    Setting("COMPRESSION_ALGS", _parse_list, help="comma-separated compression ids"),
    Setting("FILTER_ALGS", _parse_list, help="comma-separated filter ids"),
    Setting("MISSING_DATA", _parse_list, help="comma-separated missing-data forms"),
    Setting("TEST_BYTE_ORDER", _parse_bool, help="test the byte_order field"),
    Setting("TEST_PUBLIC_BUCKET", _parse_bool, help="test anonymous public-bucket reads"),
    Setting("TEST_API_V2", _parse_bool, help="server speaks the v2 API"),
    Setting("TEST_HTTP_OBJECT_STORE", _parse_bool, help="test the HTTP backend"),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Everything the suite needs to reach the stores and the server, plus the server's profile."""

    profile: Profile
    proxy_url: str
    proxy_ca_cert: str | None
    s3_source: str
    aws_id: str
    aws_password: str
    bucket_name: str
    public_bucket_name: str
    http_source: str
    http_username: str
    http_password: str
    request_timeout: float
    robustness_proxy_url: str | None
    toxiproxy_url: str
    sources: Mapping[str, str]  # setting name -> where its value came from

    def describe(self) -> list[str]:
        """Lines for the pytest header: each effective value (secrets masked) and its origin."""
        lines = [f"profile: {self.profile.name} ({self.profile.description})"]
        for setting in SETTINGS:
            if setting.name == "PROFILE":
                continue
            value = _effective_value(self, setting.name)
            shown = "****" if setting.secret and value else value
            lines.append(f"{setting.name} = {shown!r}  [{self.sources.get(setting.name, '?')}]")
        return lines


def _effective_value(settings: Settings, name: str) -> Any:
    capability = _capability_value(settings.profile, name)
    if capability is not _NOT_CAPABILITY:
        return capability
    return getattr(settings, name.lower())


_NOT_CAPABILITY = object()


def _capability_value(profile: Profile, name: str) -> Any:
    """The profile's view of an upstream capability switch, in the switch's own terms."""
    views: dict[str, Callable[[Profile], Any]] = {
        "TEST_X_ACTIVESTORAGE_COUNT_HEADER": lambda p: p.count_format != "none",
        "COMPRESSION_ALGS": lambda p: list(p.compression),
        "FILTER_ALGS": lambda p: list(p.filters),
        "MISSING_DATA": lambda p: list(p.missing),
        "TEST_BYTE_ORDER": lambda p: p.byte_order,
        "TEST_PUBLIC_BUCKET": lambda p: p.anonymous_access,
        "TEST_API_V2": lambda p: p.api == "v2",
        "TEST_HTTP_OBJECT_STORE": lambda p: p.http_backend,
    }
    view = views.get(name)
    return view(profile) if view else _NOT_CAPABILITY


def _apply_switches(profile: Profile, switches: Mapping[str, Any]) -> Profile:
    """Override profile capabilities with the upstream TEST_*/..._ALGS switches that are set."""
    changes: dict[str, Any] = {}
    for name, value in switches.items():
        if value is None:
            continue
        if name == "TEST_X_ACTIVESTORAGE_COUNT_HEADER":
            if not value:
                changes["count_format"] = "none"
            elif profile.count_format == "none":
                changes["count_format"] = "list"
        elif name == "COMPRESSION_ALGS":
            changes["compression"] = tuple(value)
        elif name == "FILTER_ALGS":
            changes["filters"] = tuple(value)
        elif name == "MISSING_DATA":
            changes["missing"] = tuple(value)
        elif name == "TEST_BYTE_ORDER":
            changes["byte_order"] = bool(value)
        elif name == "TEST_PUBLIC_BUCKET":
            changes["anonymous_access"] = bool(value)
        elif name == "TEST_API_V2":
            changes["api"] = "v2" if value else "v1"
        elif name == "TEST_HTTP_OBJECT_STORE":
            changes["http_backend"] = bool(value)
    return dataclasses.replace(profile, **changes) if changes else profile


def load_settings(
    options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_module: ModuleType = default_config,
    auto: Callable[[Settings], str] | None = None,
) -> Settings:
    """Resolve every setting; ``options`` maps setting names to pytest option values (or None).

    PROFILE ``auto`` asks ``auto`` for a built-in profile name, given the settings with the
    default profile (it probes the server they name).
    """
    options = options or {}
    environ = environ or {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        option_value = options.get(setting.name)
        if option_value is not None:
            values[setting.name] = _parse(setting, option_value, setting.option)
            sources[setting.name] = f"option {setting.option}"
        elif setting.env_var in environ:
            values[setting.name] = _parse(setting, environ[setting.env_var], setting.env_var)
            sources[setting.name] = f"env {setting.env_var}"
        else:
            values[setting.name] = getattr(config_module, setting.name, None)
            sources[setting.name] = "config.py"
    user_profiles = getattr(config_module, "PROFILES", {}) or {}
    if values["PROFILE"] == AUTO_PROFILE:
        if auto is None:
            raise ConfigError(f"PROFILE ({sources['PROFILE']}): 'auto' needs the server probed")
        values["PROFILE"] = auto(_settings(values, sources, resolve_profile(DEFAULT_PROFILE)))
        sources["PROFILE"] += " (auto: probed)"
    try:
        base = resolve_profile(str(values["PROFILE"]), user_profiles)
    except ValueError as error:
        raise ConfigError(f"PROFILE ({sources['PROFILE']}): {error}") from None
    switches = {
        name: values[name]
        for name in SETTINGS_BY_NAME
        if _capability_value(base, name) is not _NOT_CAPABILITY
    }
    for name, value in switches.items():
        if value is None:
            sources[name] = f"profile {base.name}"
    return _settings(values, sources, _apply_switches(base, switches))


def _settings(values: Mapping[str, Any], sources: dict[str, str], profile: Profile) -> Settings:
    return Settings(
        profile=profile,
        proxy_url=str(values["PROXY_URL"]).rstrip("/"),
        proxy_ca_cert=values["PROXY_CA_CERT"],
        s3_source=str(values["S3_SOURCE"]).rstrip("/"),
        aws_id=str(values["AWS_ID"]),
        aws_password=str(values["AWS_PASSWORD"]),
        bucket_name=str(values["BUCKET_NAME"]),
        public_bucket_name=str(values["PUBLIC_BUCKET_NAME"]),
        http_source=str(values["HTTP_SOURCE"]).rstrip("/"),
        http_username=str(values["HTTP_USERNAME"]),
        http_password=str(values["HTTP_PASSWORD"]),
        request_timeout=float(values["REQUEST_TIMEOUT"]),
        robustness_proxy_url=_stripped(values["ROBUSTNESS_PROXY_URL"]),
        toxiproxy_url=str(values["TOXIPROXY_URL"]).rstrip("/"),
        sources=sources,
    )


def _stripped(url: Any) -> str | None:
    """An optional URL without its trailing slash; None (or empty) stays None."""
    return str(url).rstrip("/") if url else None


def _parse(setting: Setting, value: Any, origin: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return setting.parse(value)
    except ValueError as error:
        raise ConfigError(f"{origin}: {error}") from None

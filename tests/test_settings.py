"""Configuration: option > environment > config.py > profile; clear errors, masked secrets."""

from __future__ import annotations

import types
from typing import Any

import pytest

from compliance import config as shipped_config
from compliance.settings import SETTINGS, ConfigError, Settings, load_settings


def fake_config(**values: Any) -> types.ModuleType:
    """A config module like compliance/config.py with some values replaced."""
    module = types.ModuleType("fake_config")
    for name in dir(shipped_config):
        if name.isupper():
            setattr(module, name, getattr(shipped_config, name))
    setattr(module, "PROFILES", {})
    for name, value in values.items():
        setattr(module, name, value)
    return module


def load(
    options: dict[str, Any] | None = None, env: dict[str, str] | None = None, **config: Any
) -> Settings:
    return load_settings(options or {}, env or {}, fake_config(**config))


# --- precedence -----------------------------------------------------------------------------------


def test_option_beats_env_beats_config() -> None:
    option = {"PROXY_URL": "http://option:1"}
    env = {"ACTIVESTORAGE_PROXY_URL": "http://env:2"}
    assert load(option, env, PROXY_URL="http://config:3").proxy_url == "http://option:1"
    assert load({}, env, PROXY_URL="http://config:3").proxy_url == "http://env:2"
    assert load({}, {}, PROXY_URL="http://config:3").proxy_url == "http://config:3"
    assert load({"PROXY_URL": None}, env, PROXY_URL="x").proxy_url == "http://env:2"


def test_sources_say_where_each_value_came_from() -> None:
    settings = load(
        {"AWS_ID": "from-option"},
        {"ACTIVESTORAGE_BUCKET_NAME": "from-env"},
        HTTP_SOURCE="http://from-config",
    )
    assert settings.sources["AWS_ID"] == "option --aws-id"
    assert settings.sources["BUCKET_NAME"] == "env ACTIVESTORAGE_BUCKET_NAME"
    assert settings.sources["HTTP_SOURCE"] == "config.py"
    assert settings.sources["COMPRESSION_ALGS"] == "profile reductionist-0.13"
    assert (settings.aws_id, settings.bucket_name) == ("from-option", "from-env")


def test_capability_switch_precedence_over_the_profile() -> None:
    profile_default = load().profile
    assert profile_default.compression == ("gzip", "zlib", "blosc2")
    assert load(COMPRESSION_ALGS=["gzip"]).profile.compression == ("gzip",)
    env = {"ACTIVESTORAGE_COMPRESSION_ALGS": "zlib, gzip"}
    assert load({}, env, COMPRESSION_ALGS=["gzip"]).profile.compression == ("zlib", "gzip")
    option = {"COMPRESSION_ALGS": "blosc2"}
    assert load(option, env, COMPRESSION_ALGS=["gzip"]).profile.compression == ("blosc2",)


def test_profile_chosen_by_option_env_or_config() -> None:
    assert load().profile.name == "reductionist-0.13"
    assert load(PROFILE="reductionist-0.12").profile.name == "reductionist-0.12"
    env = {"ACTIVESTORAGE_PROFILE": "reductionist-0.11"}
    assert load({}, env, PROFILE="reductionist-0.12").profile.name == "reductionist-0.11"
    assert load({"PROFILE": "prototype"}, env).profile.name == "prototype"


def test_urls_lose_their_trailing_slash() -> None:
    settings = load(PROXY_URL="http://p:8080/", S3_SOURCE="http://s3/", HTTP_SOURCE="http://h/")
    assert (settings.proxy_url, settings.s3_source, settings.http_source) == (
        "http://p:8080",
        "http://s3",
        "http://h",
    )


def test_text_values_are_parsed_by_type() -> None:
    settings = load(
        {"REQUEST_TIMEOUT": "2.5"},
        {"ACTIVESTORAGE_PROXY_CA_CERT": ""},
    )
    assert settings.request_timeout == 2.5
    assert settings.proxy_ca_cert is None
    assert load({}, {"ACTIVESTORAGE_PROXY_CA_CERT": "/ca.pem"}).proxy_ca_cert == "/ca.pem"


# --- capability switches override profile fields ------------------------------------------------


@pytest.mark.parametrize(
    "switch, text, field, value",
    [
        ("TEST_API_V2", "false", "api", "v1"),
        ("TEST_API_V2", "1", "api", "v2"),
        ("COMPRESSION_ALGS", "", "compression", ()),
        ("FILTER_ALGS", "shuffle", "filters", ("shuffle",)),
        ("MISSING_DATA", "valid_min,valid_max", "missing", ("valid_min", "valid_max")),
        ("MISSING_DATA", "", "missing", ()),
        ("TEST_BYTE_ORDER", "no", "byte_order", False),
        ("TEST_PUBLIC_BUCKET", "off", "anonymous_access", False),
        ("TEST_HTTP_OBJECT_STORE", "False", "http_backend", False),
        ("TEST_X_ACTIVESTORAGE_COUNT_HEADER", "0", "count_format", "none"),
    ],
)
def test_switch_from_env_overrides_the_profile(
    switch: str, text: str, field: str, value: Any
) -> None:
    profile = load({}, {"ACTIVESTORAGE_" + switch: text}).profile
    assert getattr(profile, field) == value
    assert profile.name == "reductionist-0.13"


def test_switches_in_config_py_use_upstream_values() -> None:
    profile = load(
        TEST_API_V2=False,
        COMPRESSION_ALGS=[],
        FILTER_ALGS=["shuffle"],
        MISSING_DATA=["missing_value"],
        TEST_BYTE_ORDER=False,
        TEST_PUBLIC_BUCKET=False,
        TEST_HTTP_OBJECT_STORE=False,
        TEST_X_ACTIVESTORAGE_COUNT_HEADER=False,
    ).profile
    assert profile.api == "v1"
    assert profile.compression == () and profile.filters == ("shuffle",)
    assert profile.missing == ("missing_value",)
    assert not profile.byte_order and not profile.anonymous_access and not profile.http_backend
    assert profile.count_format == "none"


def test_count_switch_on_keeps_the_profiles_count_format() -> None:
    on = {"ACTIVESTORAGE_TEST_X_ACTIVESTORAGE_COUNT_HEADER": "true"}
    assert load({}, on, PROFILE="reductionist-0.9").profile.count_format == "int"
    assert load({}, on, PROFILE="reductionist-0.11").profile.count_format == "list"
    assert load({}, on, PROFILE="prototype").profile.count_format != "none"


def test_unset_switches_leave_the_profile_alone() -> None:
    profile = load(PROFILE="reductionist-0.11").profile
    assert profile.api == "v1"
    assert profile.compression == ("gzip", "zlib")
    assert profile.filters == ("shuffle",)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("TEST_API_V2", "maybe"),
        ("TEST_BYTE_ORDER", ""),
        ("REQUEST_TIMEOUT", "thirty"),
        ("TEST_X_ACTIVESTORAGE_COUNT_HEADER", "2"),
    ],
)
def test_bad_env_value_names_the_variable(name: str, text: str) -> None:
    with pytest.raises(ConfigError, match="ACTIVESTORAGE_" + name):
        load({}, {"ACTIVESTORAGE_" + name: text})


def test_bad_option_value_names_the_option() -> None:
    with pytest.raises(ConfigError, match="--test-public-bucket"):
        load({"TEST_PUBLIC_BUCKET": "perhaps"})


def test_unknown_profile_lists_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        load({}, {"ACTIVESTORAGE_PROFILE": "reductionist-9.9"})
    message = str(caught.value)
    assert "ACTIVESTORAGE_PROFILE" in message and "reductionist-9.9" in message
    for name in ("reductionist-0.13", "reductionist-0.12", "reductionist-0.11", "prototype"):
        assert name in message


# --- user profiles in config.PROFILES -------------------------------------------------------------


def test_user_profile_is_base_plus_overrides() -> None:
    mine = {"my-server": {"base": "reductionist-0.11", "compression": ("gzip",), "axis": False}}
    profile = load(PROFILE="my-server", PROFILES=mine).profile
    assert profile.name == "my-server"
    assert profile.api == "v1"  # from the base
    assert profile.compression == ("gzip",)
    assert profile.axis is False


def test_user_profile_switches_still_apply_on_top() -> None:
    mine = {"my-server": {"base": "reductionist-0.13", "filters": ()}}
    env = {"ACTIVESTORAGE_FILTER_ALGS": "shuffle"}
    profile = load({}, env, PROFILE="my-server", PROFILES=mine).profile
    assert profile.filters == ("shuffle",)


def test_user_profile_with_unknown_capability_is_rejected() -> None:
    mine = {"my-server": {"base": "reductionist-0.13", "compresion": ("gzip",)}}
    with pytest.raises(ConfigError, match="compresion"):
        load(PROFILE="my-server", PROFILES=mine)


def test_user_profiles_are_among_the_choices() -> None:
    mine = {"my-server": {"base": "reductionist-0.13"}}
    with pytest.raises(ConfigError, match="my-server"):
        load(PROFILE="nope", PROFILES=mine)


# --- the pytest header ----------------------------------------------------------------------------


def test_describe_masks_secrets_and_shows_origins() -> None:
    settings = load(
        {"AWS_PASSWORD": "option-secret-1"},
        {"ACTIVESTORAGE_HTTP_PASSWORD": "env-secret-2"},
        AWS_ID="visible-id",
    )
    text = "\n".join(settings.describe())
    assert "option-secret-1" not in text and "env-secret-2" not in text
    assert "AWS_PASSWORD = '****'  [option --aws-password]" in text
    assert "HTTP_PASSWORD = '****'  [env ACTIVESTORAGE_HTTP_PASSWORD]" in text
    assert "AWS_ID = 'visible-id'  [config.py]" in text
    assert settings.describe()[0].startswith("profile: reductionist-0.13 (")


def test_describe_shows_effective_capabilities_and_every_setting() -> None:
    lines = load({}, {"ACTIVESTORAGE_TEST_API_V2": "false"}).describe()
    text = "\n".join(lines)
    assert "TEST_API_V2 = False  [env ACTIVESTORAGE_TEST_API_V2]" in text
    assert "COMPRESSION_ALGS = ['gzip', 'zlib', 'blosc2']  [profile reductionist-0.13]" in text
    for setting in SETTINGS:
        if setting.name != "PROFILE":
            assert any(line.startswith(setting.name + " = ") for line in lines), setting.name


def test_setting_names_map_to_env_vars_and_options() -> None:
    names = {s.name: s for s in SETTINGS}
    assert names["TEST_API_V2"].env_var == "ACTIVESTORAGE_TEST_API_V2"
    assert names["TEST_API_V2"].option == "--test-api-v2"
    upstream = {
        "S3_SOURCE",
        "AWS_ID",
        "AWS_PASSWORD",
        "BUCKET_NAME",
        "PUBLIC_BUCKET_NAME",
        "PROXY_URL",
        "PROXY_CA_CERT",
        "TEST_X_ACTIVESTORAGE_COUNT_HEADER",
        "COMPRESSION_ALGS",
        "FILTER_ALGS",
        "MISSING_DATA",
        "TEST_BYTE_ORDER",
        "TEST_PUBLIC_BUCKET",
        "TEST_API_V2",
        "TEST_HTTP_OBJECT_STORE",
        "HTTP_SOURCE",
        "HTTP_USERNAME",
        "HTTP_PASSWORD",
    }
    assert upstream <= set(names)
    assert all(hasattr(shipped_config, name) for name in names)

"""``--profile auto`` offline: choose_profile on handmade and recorded answers, render_profile."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from compliance import config as default_config
from compliance.client import HttpExchange, parse_response
from compliance.probe_choice import (
    Answer,
    choose_profile,
    error_format_of,
    profile_features,
    redirects_to_slash,
    render_profile,
)
from compliance.profiles import BUILTIN_PROFILES
from compliance.settings import ConfigError, Settings, load_settings

RECORDED = Path(__file__).parent / "data" / "prototype-answers.jsonl"


def answers_like(name: str, **changed: Any) -> dict[str, Answer]:
    """Answers a server with exactly profile ``name``'s capabilities would give, then changes."""
    features = {**profile_features(BUILTIN_PROFILES[name]), **changed}
    return {
        probe: Answer(f"probe {probe}", 200, "handmade", value) for probe, value in features.items()
    }


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_each_builtin_profile_is_chosen_from_its_own_answers(name: str) -> None:
    chosen, reasons = choose_profile(answers_like(name))
    assert chosen == name
    assert (
        reasons[-2]
        == f"chose {name}: matches all {len(profile_features(BUILTIN_PROFILES[name]))} observations"
    )


@pytest.mark.parametrize(
    ("name", "changed", "chosen"),
    [
        ("reductionist-0.13", {"bytes-options": False}, "reductionist-0.12"),
        ("reductionist-0.13", {"chunk-cache": True}, "reductionist-0.13-cache"),
        ("reductionist-0.11", {"chunk-cache": True}, "reductionist-0.11-cache"),
        ("reductionist-0.11-cache", {"chunk-cache": False}, "reductionist-0.11"),
        ("reductionist-0.9", {"anonymous": False}, "reductionist-0.5"),
        ("reductionist-0.11", {"count": "int", "axis": False}, "reductionist-0.9"),
    ],
)
def test_one_answer_moves_the_choice(name: str, changed: dict[str, Any], chosen: str) -> None:
    assert choose_profile(answers_like(name, **changed))[0] == chosen


def test_a_server_matching_no_profile_gets_the_nearest_and_says_where_it_differs() -> None:
    answers = answers_like("reductionist-0.13", **{"compression-blosc2": False})
    chosen, reasons = choose_profile(answers)
    assert chosen == "reductionist-0.13"
    assert (
        reasons[-2]
        == "chose reductionist-0.13: nearest, differs in 1 of 22 (compression-blosc2=False)"
    )


def test_answers_that_tell_nothing_are_left_out_and_none_at_all_is_an_error() -> None:
    answers = answers_like("reductionist-0.13-cache", **{"chunk-cache": None})
    assert choose_profile(answers)[0] == "reductionist-0.13"
    with pytest.raises(ValueError, match="no probe got a usable answer"):
        choose_profile({"api-v2": Answer("POST /v2/sum", None, "no answer", None)})


def _recorded(name: str) -> dict[str, Any]:
    for line in RECORDED.read_text().splitlines():
        entry = json.loads(line)
        if entry["name"] == name:
            return dict(entry)
    raise KeyError(name)


def _recorded_answer(name: str, observe: Any) -> Answer:
    """A recorded prototype exchange as the probe's client would have parsed it."""
    entry = _recorded(name)
    exchange = HttpExchange(
        "http://127.0.0.1:8000" + entry["path"],
        json.dumps(entry["request"]).encode(),
        "application/json",
        None,
        None,
        entry["status"],
        entry["headers"] if "headers" in entry else {},
        bytes.fromhex(entry.get("body_hex", "")),
    )
    result = parse_response("v1", exchange)
    return Answer(entry["path"], result.status, name, observe(result))


def test_the_prototype_is_chosen_from_its_recorded_answers() -> None:
    """Recorded by hand (tests/data/prototype-answers.jsonl): no v2 route, the v1 route with a
    slash (a 307 from the route without), no count header, FastAPI's error body, and mean."""
    answers = {
        "api-v2": _recorded_answer("unknown-api-version-404", lambda r: r.status == 200),
        "trailing-slash": _recorded_answer(
            "no-trailing-slash-307",
            lambda r: redirects_to_slash(r.status, r.exchange.headers["location"], "/v1/sum"),
        ),
        "count": _recorded_answer("sum-int32", lambda r: r.count_format),
        "error-format": _recorded_answer(
            "unknown-dtype-422", lambda r: error_format_of(r.error_body)
        ),
        "mean": _recorded_answer("mean-float64", lambda r: r.status == 200),
    }
    assert [a.observed for a in answers.values()] == [False, True, "none", "fastapi", True]
    assert choose_profile(answers)[0] == "prototype"


def _config_with(snippet: str, profile: str) -> ModuleType:
    module = ModuleType("user_config")
    for name in dir(default_config):
        if name.isupper():
            setattr(module, name, getattr(default_config, name))
    exec(compile(snippet, "<snippet>", "exec"), module.__dict__)
    module.PROFILE = profile  # type: ignore[attr-defined]
    return module


def test_render_profile_is_python_that_load_settings_accepts() -> None:
    answers = answers_like(
        "reductionist-0.13", **{"compression-blosc2": False, "filter-shuffle_simd": False}
    )
    snippet = render_profile("reductionist-0.13", answers)
    assert "'base': 'reductionist-0.13'," in snippet
    profile = load_settings({}, {}, _config_with(snippet, "my-server")).profile
    assert profile.name == "my-server"
    assert profile.compression == ("gzip", "zlib")
    assert profile.filters == ("shuffle",)
    assert profile.deviations == BUILTIN_PROFILES["reductionist-0.13"].deviations


def test_render_profile_of_an_exact_match_is_the_base_alone() -> None:
    snippet = render_profile("reductionist-0.12", answers_like("reductionist-0.12"))
    module = _config_with(snippet, "my-server")
    assert module.PROFILES == {"my-server": {"base": "reductionist-0.12"}}


def test_render_profile_of_the_prototype_adds_mean_back_on_a_reductionist_base() -> None:
    answers = answers_like("reductionist-0.11", mean=True)
    module = _config_with(render_profile("reductionist-0.11", answers), "my-server")
    assert module.PROFILES["my-server"]["operations"] == (
        "count",
        "max",
        "min",
        "select",
        "sum",
        "mean",
    )


def test_profile_auto_asks_the_probe_and_resolves_its_choice() -> None:
    seen: list[str] = []

    def probe(settings: Settings) -> str:
        seen.append(settings.profile.name)
        return "reductionist-0.11"

    settings = load_settings({"PROFILE": "auto"}, {}, auto=probe)
    assert seen == ["reductionist-0.13"]
    assert settings.profile.name == "reductionist-0.11"
    assert settings.sources["PROFILE"] == "option --profile (auto: probed)"
    with pytest.raises(ConfigError, match="'auto' needs the server probed"):
        load_settings({}, {"ACTIVESTORAGE_PROFILE": "auto"})


def test_a_route_answered_directly_is_no_trailing_slash_route() -> None:
    assert redirects_to_slash(200, "", "/v1/sum") is False
    assert redirects_to_slash(307, "http://host/v1/other/", "/v1/sum") is False
    assert redirects_to_slash(None, "", "/v1/sum") is None

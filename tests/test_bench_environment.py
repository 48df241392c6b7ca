"""Offline tests of what a benchmark run records about its machine: no secrets in it."""

from __future__ import annotations

import json

import numpy as np

from bench.environment import environment, redact_url


def test_redact_url_drops_credentials_and_query() -> None:
    assert redact_url("http://user:secret@127.0.0.1:9000/b?X-Amz-Signature=s") == (
        "http://127.0.0.1:9000/b"
    )
    assert redact_url("https://127.0.0.1") == "https://127.0.0.1"


def test_environment_has_no_secrets() -> None:
    env = environment({"r": "http://u:topsecret@127.0.0.1:8080"}, "http://k:pw@127.0.0.1:9000")
    text = json.dumps(env)
    assert "topsecret" not in text and ":pw@" not in text
    assert env["proxies"] == {"r": "http://127.0.0.1:8080"}
    assert env["cpu_count"] and env["packages"]["numpy"] == np.__version__

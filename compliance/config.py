"""User-editable defaults for the compliance suite.

Edit the values below and run ``pytest`` (the upstream habit), or override any of them with
an environment variable ``ACTIVESTORAGE_<NAME>`` or a pytest option ``--<name-with-dashes>``.
Precedence, highest first: pytest option > environment variable > this file > the profile.

A value of ``None`` for a capability switch (``TEST_*``, ``COMPRESSION_ALGS``, ...) means "take it
from the selected profile" (see ``compliance/profiles.py``). No work happens at import time.
"""

from __future__ import annotations

from typing import Any

# --- Where things are -------------------------------------------------------------------------

# Location of upstream S3 data.
S3_SOURCE = "http://127.0.0.1:9000"
# AWS access key ID and secret used for uploads and sent to the server as Basic credentials.
AWS_ID = "minioadmin"
AWS_PASSWORD = "minioadmin"
# S3 bucket in which to generate test data.
BUCKET_NAME = "active-storage-compliance-test-data"
# Public (anonymous read) S3 bucket in which to generate test data.
PUBLIC_BUCKET_NAME = "active-storage-compliance-test-data-public"
# Address of the active storage server under test.
PROXY_URL = "http://127.0.0.1:8080"
# Optional path to a CA certificate for an https PROXY_URL.
PROXY_CA_CERT: str | None = None
# Location of the HTTP object store (v2 ``interface_type: http``) and its Basic credentials,
# which guard the ``/private`` location.
HTTP_SOURCE = "http://127.0.0.1:8000"
HTTP_USERNAME = "admin"
HTTP_PASSWORD = "admin"
# A server of the same release as PROXY_URL kept for the robustness tests (docs/spec.md#robustness):
# they put Toxiproxy between it and the stores and break the stores' answers, which would disturb
# every other test on the main server. None skips them. The local stack's is on 8086
# (`scripts/local-stack.sh up --robustness`).
ROBUSTNESS_PROXY_URL: str | None = None
# Toxiproxy's API, on which the robustness tests make their fault proxies (127.0.0.1:8620-8621).
TOXIPROXY_URL = "http://127.0.0.1:8474"

# --- What the server supports: None means "as the profile says" ---------------------------------

# Named capability set of the server under test (see compliance/profiles.py), or "auto": probe the
# server and take the nearest built-in profile (compliance/probe.py).
PROFILE = "reductionist-0.13"
# Whether to check the count in responses (v1 header x-activestorage-count, v2 CBOR `count`).
TEST_X_ACTIVESTORAGE_COUNT_HEADER: bool | None = None
# Compression ids the server supports, e.g. ["gzip", "zlib", "blosc2"]; [] for none.
COMPRESSION_ALGS: list[str] | None = None
# Filter ids the server supports, e.g. ["shuffle", "shuffle_simd"]; [] for none.
FILTER_ALGS: list[str] | None = None
# Missing-data forms the server supports, from
# ["missing_value", "missing_values", "valid_min", "valid_max", "valid_range"]; [] for none.
MISSING_DATA: list[str] | None = None
# Whether to test big- and little-endian data (the `byte_order` request field).
TEST_BYTE_ORDER: bool | None = None
# Whether to test anonymous reads from a public bucket.
TEST_PUBLIC_BUCKET: bool | None = None
# Whether the server speaks the v2 API (/v2/{op}, interface_type + url, CBOR responses).
TEST_API_V2: bool | None = None
# Whether to test the HTTP object store backend (v2 only).
TEST_HTTP_OBJECT_STORE: bool | None = None

# --- How the suite behaves -----------------------------------------------------------------------

# Seconds allowed for each HTTP call, plus one per 20 MB of the object a request reduces. After
# three requests in a row without an answer the server counts as stopped answering: the remaining
# tests fail at once, and the verdict says so.
REQUEST_TIMEOUT = 10.0

# Your own server's profile: a dict of capability overrides on top of a base profile, e.g.
# PROFILES = {"my-server": {"base": "reductionist-0.13", "compression": ("gzip",)}}
PROFILES: dict[str, dict[str, Any]] = {}

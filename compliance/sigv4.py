"""AWS Signature Version 4 for one S3 request: the suite's uploads, buckets and cleanup.

A run stores hundreds of objects, and boto3 spends more of the client's time on each PUT
(its event hooks, request model and signer) than the store spends storing it; its import and
client cost 0.22 s of CPU at the start and again at the cleanup of every run. So the suite's S3
calls are signed here and sent over its own transport (the benchmarks' whole-array GETs keep
boto3, the client a user would fetch with). Reference: the AWS "Signature Version 4 signing
process" for S3, path-style addressing; tests/test_sigv4.py checks this against botocore's own
signer.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, day: str, region: str) -> bytes:
    """The key of one day, region and service, derived from the secret."""
    key = _hmac(("AWS4" + secret_key).encode(), day)
    for part in (region, SERVICE, "aws4_request"):
        key = _hmac(key, part)
    return key


def _canonical_query(query: str) -> str:
    """Names and values percent-encoded (RFC 3986 unreserved kept), sorted; ``a`` is ``a=``."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}" for name, value in sorted(pairs)
    )


def signed_headers(
    method: str,
    url: str,
    payload_sha256: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign ``method url`` (its path percent-encoded, as it goes on the wire;
    a query such as ``?delete``) with a body whose SHA-256 (hex) is given."""
    parts = urlsplit(url)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    headers = {"host": parts.netloc, "x-amz-content-sha256": payload_sha256, "x-amz-date": stamp}
    names = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            method,
            parts.path or "/",  # as sent: already percent-encoded, and S3 encodes it once
            _canonical_query(parts.query),
            *(f"{name}:{headers[name]}" for name in sorted(headers)),
            "",
            names,
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(
        signing_key(secret_key, day, region), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={names}, "
        f"Signature={signature}"
    )
    return {
        "Host": parts.netloc,  # sent as signed, even where http.client would drop a default port
        "Authorization": authorization,
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": stamp,
    }

"""Waiting for a chunk cache's writer, so that a read after another hits or misses
deterministically (docs/spec.md#chunk-cache).

Reductionist writes a cache entry from a queue after it has answered, so a read right after
another may or may not find its entry, or find it half written. After every read,
``Warm.settle`` waits until the cache's single writer has stored a probe queued after it (the
queue is first in, first out): each later read then hits or misses deterministically, whatever
the load or the xdist order. Used by the cache area and by any test whose reads of one object
a cache could answer from an earlier read (``test_offset_size``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from . import data
from .case import Case, CaseRunner, Prepared
from .checks import assert_result, refusal_difference
from .client import ObjectRef, Result, build_body
from .profiles import Profile

#: Upper bound on the wait for the cache writer; it normally takes milliseconds.
SETTLE_SECONDS = 10.0
#: The pause before each read of the probe after the second. The second follows the first at
#: once: the upload in between (2 ms) is time enough for the writer in 137 of 140 settles of
#: 0.13.1-cache's cache and offset areas, where a 20 ms pause there cost 4.1 s of the run.
SETTLE_POLL = 0.005
LOCATION_FIELDS = ("source", "bucket", "object", "interface_type", "url")


@dataclass
class Warm:
    """One test's own data and object names, and the wait for the server's cache writer."""

    runner: CaseRunner
    profile: Profile
    test_id: str
    probes: int = 0  # settle() calls so far: each has a probe object of its own

    def values(self, dtype: str, shape: tuple[int, ...], part: int = 0) -> tuple[Any, ...]:
        """Exact data no other test stores: seeded by this test's id."""
        return data.own_values(self.test_id, dtype, shape, part)

    def name(self, part: str) -> str:
        """An object name of this test's own, for objects it rewrites."""
        return f"{hashlib.sha256(self.test_id.encode()).hexdigest()[:20]}-{part}"

    def store_named(self, part: str, prepared: Prepared) -> ObjectRef:
        """Store a prepared case's object under this test's name ``part``, replacing it."""
        return self.runner.store.rewrite_s3(
            self.runner.bucket, self.name(part), prepared.encoded.data
        )

    def post(self, op: str, body: dict[str, Any], auth: tuple[str, str] | None) -> Result:
        """One read, then the wait for the cache entry it may have queued (``settle``)."""
        result = self.runner.client.post(op, body, auth)
        self.settle()
        return result

    def send(self, case: Case, where: ObjectRef | None = None) -> tuple[Prepared, Result]:
        """Send ``case``, at its content-addressed object or at ``where``, and settle."""
        prepared = self.runner.prepare(case)
        if where is not None:
            fields = {k: v for k, v in prepared.body.items() if k not in LOCATION_FIELDS}
            prepared.body = build_body(self.profile.api, where, fields)
        return prepared, self.post(case.op, prepared.body, prepared.auth)

    def check(self, case: Case, where: ObjectRef | None = None) -> Prepared:
        """Send ``case`` and compare every field of the answer with the oracle."""
        prepared, result = self.send(case, where)
        assert_result(self.runner.expect(case, prepared), result, self.profile)
        return prepared

    def settle(self) -> bool:
        """Wait until every cache entry the server queued so far is stored; False if unseen.

        A fresh probe object is read (queueing its entry after the test's), then rewritten
        with a new version before each further read: an answer other than the version just
        written came from the cache, so the writer has got past the test's entries. Without a
        cache there is nothing to wait for.
        """
        if not self.profile.chunk_cache:
            return False
        self.probes += 1
        name = self.name(f"probe-{self.probes}")
        deadline = time.monotonic() + SETTLE_SECONDS
        version = 0
        while time.monotonic() < deadline:
            if self._probe(name, version) not in (version, None):
                return True
            if version > 0:
                time.sleep(SETTLE_POLL)
            version += 1
        return False

    def _probe(self, name: str, version: int) -> int | None:
        """Store ``version`` in the probe and read it back; None for a dropped connection
        (Reductionist panics reading an entry whose metadata file is being written) or for
        another symptom of the profile's known race (a chunk file read while it is written):
        the probe met its own entry being written, and is read again."""
        ref = self.runner.store.rewrite_s3(
            self.runner.bucket, name, np.array([version], "=i8").tobytes()
        )
        body = build_body(self.profile.api, ref, {"dtype": "int64", "shape": [1]})
        result = self.runner.client.post("sum", body, self.runner.s3_auth)
        if result.status is None:
            return None
        if result.status != 200 or result.dtype != "int64":
            if self.profile.instability([refusal_difference(result)], None):
                return None
            # the first line is what the verdict shows: what came back, in short
            answer = " ".join(str(result.error_body).split())[:200]
            got = f"HTTP {result.status}, dtype {result.dtype}, {answer}"
            pytest.fail(f"cache probe read failed: {got}\n{result.exchange.describe()}")
        return int(result.values().reshape(-1)[0])

"""Uploads to S3 and the HTTP store with content-addressed keys, and cleanup at the end.

Keys are ``<run prefix>/<sha256 of the bytes>``, so a distinct object is stored once per run. The
run prefix and a marker directory are shared by all xdist workers of one run: the first worker to
claim a key (an exclusive file create) uploads it, the others wait for its "done" marker. The
controller deletes every marked object at the end of the session.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote
from xml.sax.saxutils import escape

from .client import ObjectRef
from .http_transport import TRANSPORT_ERRORS, Connections, RawAnswer
from .sigv4 import signed_headers

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from .settings import Settings

#: How long a worker waits for another worker's upload of the same object.
UPLOAD_WAIT_SECONDS = 60.0
#: How often it looks: an upload takes a few milliseconds, and shards dealt test by test often
#: need the same object at the same moment.
UPLOAD_POLL_SECONDS = 0.002
PRIVATE_HTTP_PREFIX = "private"
PUBLIC_HTTP_PREFIX = "public"


def _s3_error_code(content: bytes) -> str:
    """The <Code> of an S3 error answer, or ""."""
    match = re.search(rb"<Code>([^<]*)</Code>", content)
    return match.group(1).decode(errors="replace") if match else ""


class StoreUnavailable(RuntimeError):
    """A store could not be reached or refused us; the message names the URL."""


def run_id() -> str:
    """One id per pytest run, the same in every xdist worker of that run.

    The controller sets ACTIVESTORAGE_RUN_ID (conftest) before its workers start, so it wins
    over an inherited PYTEST_XDIST_TESTRUNUID: a suite run from inside another xdist run (the
    project's own tests do that) must not share that run's objects.
    """
    return (
        os.environ.get("ACTIVESTORAGE_RUN_ID")
        or os.environ.get("PYTEST_XDIST_TESTRUNUID")
        or os.environ.setdefault("ACTIVESTORAGE_RUN_ID", uuid.uuid4().hex)
    )


def marker_root() -> Path:
    """The folder that holds each run's upload markers (``activestorage-RUN``): /dev/shm, a RAM
    filesystem, where there is one to write to and TMPDIR is not set; else the temp folder.

    Every upload makes two markers, and every process checks them: on this machine's disk a
    pair took 1.1 ms to make (0.47 s of a 0.11.0 run's 418 uploads), in /dev/shm 0.02 ms.
    """
    shm = Path("/dev/shm")
    if "TMPDIR" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


class ObjectStore:
    """The S3 buckets and the HTTP store of one run. No client exists until first used."""

    def __init__(
        self,
        s3_source: str,
        aws_id: str,
        aws_password: str,
        http_source: str,
        http_auth: tuple[str, str],
        timeout: float,
        run: str | None = None,
        key_prefix: str = "compliance",
    ) -> None:
        self.s3_source = s3_source
        self.aws_id = aws_id
        self.aws_password = aws_password
        self.http_source = http_source
        self.http_auth = http_auth
        self.timeout = timeout
        self.run = run or run_id()
        self.prefix = f"{key_prefix}-{self.run[:12]}"
        self.marker_dir = marker_root() / f"activestorage-{self.run}"
        self.marker_dir.mkdir(parents=True, exist_ok=True)
        self._s3: S3Client | None = None
        self.connections = Connections()  # uploads and the HTTP store: the suite's transport
        self._stored: set[ObjectRef] = set()  # objects this process knows are in place

    @classmethod
    def for_settings(
        cls, settings: "Settings", run: str | None = None, key_prefix: str = "compliance"
    ) -> "ObjectStore":
        """The stores a run's settings name, with their credentials and timeout."""
        return cls(
            settings.s3_source,
            settings.aws_id,
            settings.aws_password,
            settings.http_source,
            (settings.http_username, settings.http_password),
            settings.request_timeout,
            run=run,
            key_prefix=key_prefix,
        )

    # --- clients --------------------------------------------------------------------------------

    @property
    def s3(self) -> "S3Client":
        """A boto3 client of the store, for the benchmarks (their whole-array GETs are what a
        user fetching with boto3 pays); the suite's own S3 calls are ``s3_call``'s."""
        if self._s3 is None:
            import boto3
            from botocore.config import Config

            self._s3 = boto3.client(
                "s3",
                endpoint_url=self.s3_source,
                aws_access_key_id=self.aws_id,
                aws_secret_access_key=self.aws_password,
                region_name="us-east-1",
                config=Config(
                    connect_timeout=self.timeout,
                    read_timeout=self.timeout,
                    retries={"max_attempts": 2},
                    s3={"addressing_style": "path"},
                ),
            )
        return self._s3

    # --- set-up ---------------------------------------------------------------------------------

    def ensure_bucket(self, bucket: str, public: bool = False) -> None:
        """Create the bucket if needed; for a public one, allow anonymous reads by policy.

        Stores that manage anonymous access outside bucket policies (SeaweedFS identities)
        may refuse the policy call; whether anonymous reads work is then what the tests see.
        """
        if self.s3_call("HEAD", bucket).status != 200:
            created = self.s3_call("PUT", bucket)
            code = _s3_error_code(created.content)
            if created.status != 200 and code not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise StoreUnavailable(
                    f"S3 store {self.s3_source}: cannot create bucket {bucket}: "
                    f"{created.status} {code or created.content[:200].decode(errors='replace')}"
                )
        if public:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*"]},
                        "Action": ["s3:GetObject"],
                        "Resource": [f"arn:aws:s3:::{bucket}/*"],
                    }
                ],
            }
            self.s3_call("PUT", bucket, "policy", json.dumps(policy).encode())  # see docstring

    def s3_call(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> RawAnswer:
        """One signed S3 request (path-style ``bucket[/key]``); StoreUnavailable when the
        store does not answer."""
        url = self._s3_url(path, query)
        signed = self._s3_signature(method, url, hashlib.sha256(body or b"").hexdigest())
        try:
            return self.connections.request(
                method, url, body, {**signed, **(headers or {})}, timeout=self.timeout
            )
        except TRANSPORT_ERRORS as error:
            raise StoreUnavailable(f"S3 store {self.s3_source} unreachable: {error}") from None

    def check_http_store(self) -> None:
        """One GET of the store root: any HTTP answer means it is there."""
        try:
            self.connections.request("GET", self.http_source + "/", timeout=self.timeout)
        except TRANSPORT_ERRORS as error:
            raise StoreUnavailable(f"HTTP store {self.http_source} unreachable: {error}") from None

    # --- uploads --------------------------------------------------------------------------------

    def put_s3(self, bucket: str, data: bytes, digest: str) -> ObjectRef:
        ref = ObjectRef("s3", self.s3_source, bucket, f"{self.prefix}/{digest}")
        self._once(ref, lambda: self._put_s3_object(ref, data, digest))
        return ref

    def _put_s3_object(self, ref: ObjectRef, data: bytes, digest: str | None = None) -> None:
        """One signed PUT (compliance.sigv4), tried twice; a refusal names the store's answer."""
        url = self._s3_url(f"{ref.bucket}/{ref.key}")
        sha256 = digest or hashlib.sha256(data).hexdigest()
        self._put("S3 store", url, data, None, lambda: self._s3_signature("PUT", url, sha256))

    def _s3_url(self, path: str, query: str = "") -> str:
        """A path-style URL of the store, percent-encoded as it goes on the wire and is signed."""
        return self.s3_source + "/" + quote(path, safe="/~") + (f"?{query}" if query else "")

    def _s3_signature(self, method: str, url: str, sha256: str) -> dict[str, str]:
        return signed_headers(method, url, sha256, self.aws_id, self.aws_password)

    def _put(
        self,
        store: str,
        url: str,
        data: bytes,
        auth: tuple[str, str] | None,
        headers: Callable[[], dict[str, str]] = dict,
    ) -> None:
        """PUT ``data``: once more after a transport error (a PUT may be repeated), and a
        refusal raises StoreUnavailable with the store's status and the start of its answer."""
        for attempt in (1, 2):
            try:
                answer = self.connections.request(
                    "PUT", url, data, headers(), timeout=self.timeout, auth=auth
                )
                break
            except TRANSPORT_ERRORS as error:
                if attempt == 2:
                    raise StoreUnavailable(f"{store}: PUT {url} got no answer: {error}") from None
        if answer.status not in (200, 201, 204):
            detail = f"{answer.status} {answer.content[:200].decode(errors='replace')}"
            raise StoreUnavailable(f"{store} refused PUT {url}: {detail}")

    def put_http(self, data: bytes, digest: str, private: bool = False) -> ObjectRef:
        folder = PRIVATE_HTTP_PREFIX if private else PUBLIC_HTTP_PREFIX
        ref = ObjectRef("http", self.http_source, folder, f"{self.prefix}/{digest}")

        auth = self.http_auth if private else None
        self._once(ref, lambda: self._put("HTTP store", ref.url, data, auth))
        return ref

    def rewrite_s3(self, bucket: str, name: str, data: bytes) -> ObjectRef:
        """Store ``data`` under a key the caller names, replacing what was there.

        For tests that change an object behind a server's cache; unlike put_s3 every call
        uploads. The marker records the key so that cleanup removes it.
        """
        ref = ObjectRef("s3", self.s3_source, bucket, f"{self.prefix}/named/{name}")
        marker = self._marker(ref)
        if not marker.exists():
            marker.write_text(json.dumps({"backend": "s3", "bucket": bucket, "key": ref.key}))
        self._put_s3_object(ref, data)
        return ref

    def _marker(self, ref: ObjectRef) -> Path:
        name = f"{ref.backend}--{ref.bucket}--{ref.key.replace('/', '--')}"
        return self.marker_dir / name

    def _once(self, ref: ObjectRef, upload: Callable[[], Any]) -> None:
        """Upload unless this run already has (or another worker is storing) the object."""
        if ref in self._stored:
            return
        marker = self._marker(ref)
        done = marker.with_suffix(".done")
        if done.exists():
            self._stored.add(ref)
            return
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            deadline = time.monotonic() + UPLOAD_WAIT_SECONDS
            while not done.exists():
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"gave up waiting for another worker to store {ref.url}")
                time.sleep(UPLOAD_POLL_SECONDS)
            self._stored.add(ref)
            return
        with os.fdopen(fd, "w") as handle:
            json.dump({"backend": ref.backend, "bucket": ref.bucket, "key": ref.key}, handle)
        try:
            upload()
        except Exception:
            marker.unlink(missing_ok=True)
            raise
        done.touch()
        self._stored.add(ref)

    def _delete_s3_objects(self, bucket: str, keys: list[str]) -> None:
        """One DeleteObjects call (quiet: the answer lists only what failed)."""
        objects = "".join(f"<Object><Key>{escape(key)}</Key></Object>" for key in keys)
        body = f"<Delete><Quiet>true</Quiet>{objects}</Delete>".encode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        headers = {"Content-MD5": md5, "Content-Type": "application/xml"}
        answer = self.s3_call("POST", bucket, "delete", body, headers)
        if answer.status != 200 or b"<Error>" in answer.content:
            detail = answer.content[:300].decode(errors="replace")
            raise StoreUnavailable(f"S3 store {self.s3_source}: delete in {bucket}: {detail}")

    def forget_connections(self) -> None:
        """Close this process's connections and drop its S3 client, before a fork: a socket
        used by two processes would mix their requests."""
        self.connections.close()
        self._s3 = None

    # --- cleanup --------------------------------------------------------------------------------

    def last_shard_out(self, k: int, n: int) -> bool:
        """Record that shard ``k`` of ``n`` of this run has finished; True for the one shard
        (the last to finish) that is to remove the run's objects."""
        done = self.marker_dir.with_name(self.marker_dir.name + ".shards")
        done.mkdir(exist_ok=True)
        (done / str(k)).touch()
        if sum(1 for path in done.iterdir() if path.name.isdigit()) < n:
            return False
        try:
            (done / "cleaning").mkdir()  # atomic: one shard wins even if two finish together
        except FileExistsError:
            return False
        shutil.rmtree(done)
        return True

    def cleanup(self) -> int:
        """Delete every object this run stored; returns how many. Called once, at the end."""
        removed = 0
        s3_keys: dict[str, list[str]] = {}
        for marker in self.marker_dir.glob("*"):
            if marker.suffix == ".done":
                continue
            try:
                entry = json.loads(marker.read_text())
            except ValueError:
                continue
            if entry["backend"] == "s3":
                s3_keys.setdefault(entry["bucket"], []).append(entry["key"])
            else:
                ref = ObjectRef("http", self.http_source, entry["bucket"], entry["key"])
                auth = self.http_auth if entry["bucket"] == PRIVATE_HTTP_PREFIX else None
                self.connections.request("DELETE", ref.url, timeout=self.timeout, auth=auth)
                removed += 1
        for bucket, keys in s3_keys.items():
            for start in range(0, len(keys), 1000):  # DeleteObjects takes 1,000 at most
                batch = keys[start : start + 1000]
                self._delete_s3_objects(bucket, batch)
                removed += len(batch)
        for path in self.marker_dir.glob("*"):
            path.unlink(missing_ok=True)
        self.marker_dir.rmdir()
        return removed

"""The suite's own side when the server is in trouble (docs/spec.md#robustness), on the stack.

A server that holds every request must cost a run a few timeouts per worker, not one per test,
and the verdict must say the server stopped answering; Ctrl-C in the middle of a run must leave
no object in either store and no process running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from compliance import config
from compliance.client import GIVE_UP_AFTER
from compliance.storage import marker_root
from faults.mutation_runs import REPO, ProxyProcess

pytestmark = pytest.mark.stack

SERVER = os.environ.get("ACTIVESTORAGE_STACK_REDUCTIONIST_URL", "http://127.0.0.1:8080")
S3_URL = os.environ.get("ACTIVESTORAGE_STACK_S3_URL", "http://127.0.0.1:9000")
BUCKETS = (config.BUCKET_NAME, config.PUBLIC_BUCKET_NAME)
WORKERS = 2


def _suite(url: str, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "pytest", "compliance", "-q", "-p", "no:cacheprovider"]
    return command + ["-n", str(WORKERS), "--proxy-url", url, *extra]


def _own_environment() -> dict[str, str]:
    """This process's environment without the outer pytest-xdist run's variables."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ACTIVESTORAGE_RUN"))
    }


def _server_up() -> None:
    try:
        requests.get(SERVER + "/", timeout=3)
    except requests.RequestException as error:
        pytest.fail(f"server {SERVER} does not answer ({error}); scripts/local-stack.sh up")


def test_a_server_that_holds_every_request_costs_a_few_timeouts(tmp_path: Path) -> None:
    _server_up()
    proxy = ProxyProcess("hold-every-request", SERVER, tmp_path / "proxy.log")
    report = tmp_path / "report.json"
    started = time.monotonic()
    try:
        url = proxy.start()
        run = subprocess.run(
            _suite(url, "-m", "operations", "--compliance-report-json", str(report)),
            cwd=REPO,
            env=_own_environment(),
            capture_output=True,
            timeout=600,
        )
    finally:
        stats = proxy.stop()
    seconds = time.monotonic() - started
    print(f"suite against a black hole: {seconds:.1f} s, proxy stats {stats}")
    assert run.returncode == 1, run.stdout[-2000:]
    verdict = json.loads(report.read_text())
    assert "the server stopped answering" in verdict["headline"]
    assert verdict["totals"]["passed"] == 0 and verdict["totals"]["failed"] > 100
    # Each worker waits out GIVE_UP_AFTER requests; every later one is not sent at all.
    assert 0 < stats["held"] <= GIVE_UP_AFTER * WORKERS


S3_AUTH = (
    os.environ.get("MINIO_ROOT_USER", "minioadmin"),
    os.environ.get("MINIO_ROOT_PASSWORD", "minioadmin"),
)


def _s3() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=S3_URL,
        aws_access_key_id=S3_AUTH[0],
        aws_secret_access_key=S3_AUTH[1],
        region_name="us-east-1",
    )


def _objects_under(prefix: str) -> list[str]:
    s3 = _s3()
    keys: list[str] = []
    for bucket in BUCKETS:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        keys += [f"{bucket}/{item['Key']}" for item in listed.get("Contents", [])]
    return keys


def _uploaded(marker_dir: Path) -> list[dict[str, str]]:
    entries = []
    for marker in marker_dir.glob("*"):
        if marker.suffix != ".done":
            try:
                entries.append(json.loads(marker.read_text()))
            except ValueError:
                continue
    return entries


def _enough(uploaded: list[dict[str, str]]) -> bool:
    """Enough stored to interrupt the run meaningfully: objects in both stores."""
    return len(uploaded) >= 50 and any(entry["backend"] == "http" for entry in uploaded)


def _still_running(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("runner", ["xdist", "shards"])
def test_ctrl_c_leaves_no_objects_and_no_processes(tmp_path: Path, runner: str) -> None:
    """pytest -n 2, and forked shards (pytest --shards 2) as run-compliance.sh runs the
    suite."""
    _server_up()
    run_uid = uuid.uuid4().hex
    marker_dir = marker_root() / f"activestorage-{run_uid}"
    log = tmp_path / "suite.log"
    if runner == "xdist":
        command, environment, interrupted = (
            _suite(SERVER, f"--testrunuid={run_uid}"),
            _own_environment(),
            2,  # pytest's "interrupted"
        )
    else:
        shards = [sys.executable, "-m", "pytest", "compliance", "--shards", str(WORKERS), "-q"]
        command, environment, interrupted = (
            shards + ["-p", "no:cacheprovider", "--proxy-url", SERVER],
            {**_own_environment(), "ACTIVESTORAGE_RUN_ID": run_uid},
            130,  # the shards' parent's "interrupted"
        )
    with open(log, "wb") as out:
        suite = subprocess.Popen(
            command,
            cwd=REPO,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    try:
        deadline = time.monotonic() + 60
        while not _enough(_uploaded(marker_dir)) and time.monotonic() < deadline:
            assert suite.poll() is None, log.read_text()[-2000:]
            time.sleep(0.1)
        uploaded = _uploaded(marker_dir)
        assert _enough(uploaded), "the run stored too few objects to interrupt it meaningfully"
        os.killpg(suite.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
        suite.wait(timeout=60)
    finally:
        if suite.poll() is None:
            os.killpg(suite.pid, signal.SIGKILL)
            suite.wait()
    text = log.read_text(errors="replace")
    assert suite.returncode == interrupted, text[-2000:]
    assert not _still_running(suite.pid), "a process of the interrupted run is still running"
    assert not marker_dir.exists()
    assert _objects_under(f"compliance-{run_uid[:12]}") == []
    http_objects = [e for e in uploaded if e["backend"] == "http"]
    for entry in http_objects:
        url = f"http://127.0.0.1:8000/{entry['bucket']}/{entry['key']}"
        assert requests.head(url, auth=("admin", "admin"), timeout=5).status_code == 404, url
    print(f"interrupted after {len(uploaded)} uploads ({len(http_objects)} HTTP): none left")


def test_the_field_client_gives_up_on_a_held_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyActiveStorage sets no timeout of its own; the suite's driver gives its sessions one."""
    pytest.importorskip("activestorage", reason="PyActiveStorage is not installed")
    from compliance import pyactive
    from compliance.netcdf_files import write_file

    _server_up()
    data = write_file(tmp_path / "f.nc").read_bytes()
    s3 = _s3()
    key = f"suite-under-faults/{uuid.uuid4().hex}.nc"
    s3.put_object(Bucket=config.BUCKET_NAME, Key=key, Body=data)
    proxy = ProxyProcess("hold-every-request", SERVER, tmp_path / "proxy.log")
    monkeypatch.setattr(pyactive, "DEFAULT_TIMEOUT", 0.5)
    try:
        url = proxy.start()
        with pytest.raises(requests.Timeout):
            pyactive.reduce_with_client(
                dataset=f"{config.BUCKET_NAME}/{key}",
                ncvar="f32_zlib_fill",
                server_url=url,
                s3_url=S3_URL,
                auth=S3_AUTH,
                operation="sum",
                index=(slice(None), slice(None), slice(None)),
                max_threads=2,
            )
    finally:
        stats = proxy.stop()
        s3.delete_object(Bucket=config.BUCKET_NAME, Key=key)
    assert stats["held"] >= 1

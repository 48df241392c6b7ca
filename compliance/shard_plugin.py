"""``--shards N|auto``: collect once, then run the tests in N forked processes at once.

After collection (and after ``-m`` and ``-k``), the pytest process forks N shards. Each takes
the next run of tests (sharding.groups, from a counter they share) whenever it is free, with
its output in a file of its own; the first shard also shows the warnings of the collection.
All share the run id, so an object is uploaded once, and the last to finish removes the run's
objects. The parent waits, prints the shards' output one after another and the merged verdict
(``--compliance-report`` and ``--compliance-report-json`` get the merged reports), and exits
with the worst status.

Why forks: pytest-xdist's controller relays six messages a test, a quarter of a grid run on
two cores; N pytest processes of their own each paid the start and the collection (0.9 s of
CPU each). A fork shares both (README.md#suite-speed).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from .report import REPORT_PLUGIN, from_json, merge, render_text, write_reports
from .sharding import SHARD_KEY, groups, shard_count, worst

#: Seconds the shards get to stop by themselves after Ctrl-C (it reached them too), then after
#: a SIGINT of the parent's own, before they are killed.
OWN_STOP_SECONDS = 2.0
STOP_SECONDS = 30.0
INTERRUPTED = 130

_COUNT_KEY = pytest.StashKey[int]()
_STATUS_KEY = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("activestorage")
    group.addoption(
        "--shards",
        metavar="N|auto",
        default=None,
        help="after collection, run the tests in N forked processes at once (auto: one per "
        "CPU), with one merged verdict",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("shards", None)
    if text is None or hasattr(config, "workerinput"):
        return
    n = shard_count(text)
    if n == 1:
        return
    for option, name in (("numprocesses", "-n"), ("xmlpath", "--junitxml")):
        if getattr(config.option, option, None):
            raise pytest.UsageError(f"--shards cannot be combined with {name}")
    if not hasattr(os, "fork"):
        raise pytest.UsageError("--shards needs os.fork, which this platform does not have")
    config.stash[_COUNT_KEY] = n


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    """The parent forks the shards here and never returns; each shard runs the runs of tests
    it takes, and returns True (the loop is done)."""
    config = session.config
    n = config.stash.get(_COUNT_KEY, None)
    if n is None or config.option.collectonly or not session.items:
        return None
    if session.testsfailed and not config.option.continue_on_collection_errors:
        return None  # pytest's own loop reports the collection errors
    from .conftest import STORE_KEY

    store = config.stash.get(STORE_KEY, None)
    if store is not None:
        store.forget_connections()  # a socket must not be shared by two processes
    work = Path(tempfile.mkdtemp(prefix="activestorage-shards-"))
    items = list(session.items)
    runs = [[items[i] for i in run] for run in groups(items, n, key=_function_of)]
    taken = multiprocessing.Value("i", 0)  # the next run to take: shared, and locked, by all
    sys.stdout.flush()
    sys.stderr.flush()
    pids: list[int] = []
    for k in range(1, n + 1):
        pid = os.fork()
        if pid == 0:
            _become_shard(session, k, n, work)
            _run_taken(session, lambda: _take(taken, runs))
            return True
        pids.append(pid)
    _finish_parent(config, pids, work)


def _function_of(item: pytest.Item) -> str:
    return item.nodeid.split("[")[0]


def _take(taken: Any, runs: list[list[pytest.Item]]) -> list[pytest.Item]:
    """The next run of tests no shard has taken yet; [] when none is left."""
    with taken.get_lock():
        index = taken.value
        taken.value += 1
    return runs[index] if index < len(runs) else []


def _run_taken(session: pytest.Session, take: Callable[[], list[pytest.Item]]) -> None:
    """pytest's own loop over the tests, on the runs this shard takes. The next run is taken
    as the last test of the current one starts, so each test knows the one after it (pytest
    tears down fixtures by it)."""
    queue = deque(take())
    while queue:
        item = queue.popleft()
        if not queue:
            queue.extend(take())
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=queue[0] if queue else None)
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)


def _become_shard(session: pytest.Session, k: int, n: int, work: Path) -> None:
    """This forked process is shard k of n: its output to a file, its verdict to JSON."""
    config = session.config
    config.stash[SHARD_KEY] = (k, n)
    capture = config.pluginmanager.getplugin("capturemanager")
    capture.stop_global_capturing()  # pytest's capture keeps copies of the output's descriptors
    log = os.open(work / f"{k}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    capture.start_global_capturing()
    capture.suspend_global_capture()
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    if report is not None:
        report.markdown, report.json_path = None, str(work / f"{k}.json")
    if k > 1:
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.stats.pop("warnings", None)  # the collection's: shard 1 shows them


def _finish_parent(config: pytest.Config, pids: list[int], work: Path) -> None:
    """Wait for the shards (stopping them on Ctrl-C), print, merge, and end the process."""
    ended: dict[int, int] = {}
    try:
        for pid in pids:
            ended[pid] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except KeyboardInterrupt:
        _stop([pid for pid in pids if pid not in ended])
        shutil.rmtree(work, ignore_errors=True)
        print("compliance shards: interrupted (the shards stopped and removed their objects)")
        _exit(INTERRUPTED)
    n = len(pids)
    for k in range(1, n + 1):
        print(f"==================== shard {k}/{n} ====================")
        log = work / f"{k}.log"
        print(log.read_text(errors="replace") if log.exists() else "(no output)", end="")
    report = config.pluginmanager.get_plugin(REPORT_PLUGIN)
    status = _merged(work, [ended[pid] for pid in pids], report)
    shutil.rmtree(work, ignore_errors=True)
    _exit(status)


def _merged(work: Path, codes: Sequence[int], report: Any) -> int:
    """Print the merged verdict and write the reports; the run's exit status."""
    n = len(codes)
    paths = [work / f"{k}.json" for k in range(1, n + 1)]
    missing = [str(k) for k, path in enumerate(paths, start=1) if not path.exists()]
    if missing:
        print(f"shards {', '.join(missing)} of {n} wrote no verdict (exit {list(codes)})")
        return worst(codes) if worst(codes) > 1 else 3
    verdict = merge([from_json(json.loads(path.read_text())) for path in paths])
    print(f"==================== active storage compliance ({n} shards) ====================")
    print(render_text(verdict))
    if report is not None:
        for line in write_reports(verdict, report.markdown, report.json_path):
            print(line)
    return worst(codes)


def _stop(pids: Sequence[int]) -> None:
    """Let the shards stop and clean up; one still running gets SIGINT, then is killed."""
    running = _wait_all(pids, OWN_STOP_SECONDS)
    for pid in running:
        os.kill(pid, signal.SIGINT)
    for pid in _wait_all(running, STOP_SECONDS):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _wait_all(pids: Sequence[int], seconds: float) -> list[int]:
    """Reap what ends within ``seconds``; the pids still running then."""
    deadline = time.monotonic() + seconds
    running = list(pids)
    while running and time.monotonic() < deadline:
        running = [pid for pid in running if not _reaped(pid)]
        if running:
            time.sleep(0.05)
    return running


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True  # reaped already


def _exit(status: int) -> None:
    """End this process now: the run is over, and pytest's own ending (its summary of no tests
    run here, the cleanup the last shard did) would only mislead."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SHARD_KEY in session.config.stash:
        session.config.stash[_STATUS_KEY] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A shard ends here, after pytest's summary: it must not return into the code that ran
    pytest in the parent (a program calling pytest.main would go on twice)."""
    if SHARD_KEY in config.stash:
        _exit(config.stash.get(_STATUS_KEY, 3))

"""Fixtures, options and session hooks of the compliance suite.

Options mirror compliance/config.py (``--proxy-url``, ``--profile``, ...). The controller process
checks once that every store and the server answer, so an unreachable URL is one clear line rather
than a traceback per test; it also removes the run's objects at the end unless ``--keep-data``.
"""

from __future__ import annotations

import gc
import os
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from . import auto_profile, data
from .cache_warm import Warm
from .case import Case, CaseRunner, Prepared
from .checks import SpecDifference, Statuses, assert_error
from .client import Result, ServerClient
from .http_transport import TRANSPORT_ERRORS, Connections
from .profiles import Profile
from .report import (
    FEATURE_AREAS,
    REPORT_PLUGIN,
    ComplianceReport,
    Verdict,
    feature_area,
    spec_section,
)
from .settings import SETTINGS, ConfigError, Settings, load_settings
from .sharding import shard_of
from .storage import ObjectStore, StoreUnavailable

pytest_plugins = ["compliance.fuzz_plugin", "compliance.shard_plugin"]

SETTINGS_KEY = pytest.StashKey[Settings]()
STORE_KEY = pytest.StashKey[ObjectStore]()
#: Set on the items whose failure is a known deviation of the profile (a strict xfail of ours).
KNOWN_DEVIATION_KEY = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("activestorage", "active storage compliance suite")
    for setting in SETTINGS:
        group.addoption(
            setting.option,
            dest=setting.dest,
            default=None,
            help=f"{setting.help} (env {setting.env_var}; default from compliance/config.py)",
        )
    group.addoption(
        "--compliance-report",
        metavar="FILE.md",
        default=None,
        help="write the per-feature compliance report as Markdown",
    )
    group.addoption(
        "--compliance-report-json",
        metavar="FILE.json",
        default=None,
        help="write the per-feature compliance report as JSON",
    )
    group.addoption(
        "--keep-data",
        action="store_true",
        default=False,
        help="leave the run's test objects in S3 and the HTTP store",
    )
    auto_profile.add_options(group)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    for area, description in FEATURE_AREAS.items():
        config.addinivalue_line("markers", f"{area}: {description}")
    options = {s.name: config.getoption(s.dest) for s in SETTINGS}
    options["PROFILE"] = auto_profile.worker_profile(config) or options["PROFILE"]
    try:
        settings = load_settings(options, os.environ, auto=auto_profile.chooser(config))
    except ConfigError as error:
        raise pytest.UsageError(f"compliance configuration: {error}") from None
    config.stash[SETTINGS_KEY] = settings
    if not _is_worker(config):
        profile = settings.profile
        verdict = Verdict(settings.proxy_url, profile.name, profile.api, profile.chunk_cache)
        plugin = ComplianceReport(
            verdict,
            config.getoption("compliance_report"),
            config.getoption("compliance_report_json"),
        )
        config.pluginmanager.register(plugin, REPORT_PLUGIN)
    if not _is_worker(config) and config.pluginmanager.hasplugin("xdist"):
        if getattr(config.option, "testrunuid", None) is None:  # a caller's run id, or new
            config.option.testrunuid = os.environ.get("ACTIVESTORAGE_RUN_ID") or uuid.uuid4().hex
        os.environ["ACTIVESTORAGE_RUN_ID"] = config.option.testrunuid


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = config.stash[SETTINGS_KEY].describe() + auto_profile.header_lines(config)
    return ["active storage compliance: " + line for line in lines]


def _make_store(settings: Settings) -> ObjectStore:
    return ObjectStore.for_settings(settings)


def _preflight(settings: Settings, store: ObjectStore) -> None:
    """Reach every store and the server once; raise StoreUnavailable naming the first that fails."""
    store.ensure_bucket(settings.bucket_name)
    store.ensure_bucket(settings.public_bucket_name, public=True)
    if settings.profile.http_backend:
        store.check_http_store()
    connections = Connections(settings.proxy_ca_cert)  # the suite's transport, not requests
    try:
        connections.request("GET", settings.proxy_url + "/", timeout=settings.request_timeout)
    except TRANSPORT_ERRORS as error:
        raise StoreUnavailable(
            f"server under test {settings.proxy_url} unreachable: {error}"
        ) from None
    finally:
        connections.close()


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if _is_worker(config) or config.option.collectonly:
        return
    settings = config.stash[SETTINGS_KEY]
    store = _make_store(settings)
    try:
        _preflight(settings, store)
    except StoreUnavailable as error:
        store.cleanup()  # nothing is stored yet: this removes the run's empty marker folder
        pytest.exit(f"compliance suite cannot start: {error}", returncode=3)
    config.stash[STORE_KEY] = store


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    store = config.stash.get(STORE_KEY, None)
    if store is None or config.getoption("keep_data"):
        return
    shard = shard_of(config)
    if shard is not None and not store.last_shard_out(*shard):
        return  # the run's objects serve the shards still running; the last one removes them
    store.cleanup()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Known deviations of the profile become strict xfails; stale patterns are reported."""
    profile = config.stash[SETTINGS_KEY].profile
    for item in items:
        # Recorded at collection (in the worker), read by the report plugin in the controller.
        markers = [mark.name for mark in item.iter_markers()]
        item.user_properties.append(("feature", feature_area(markers, item.nodeid)))
        module = getattr(item, "module", None)
        section = spec_section(getattr(module, "__doc__", None))
        if section:
            item.user_properties.append(("spec", section))
        reason = profile.xfail_reason(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=f"known deviation: {reason}", strict=True))
            item.stash[KNOWN_DEVIATION_KEY] = True
    if _first_process(config) and _is_full_run(config):
        for deviation in profile.unmatched_deviations(item.nodeid for item in items):
            warnings.warn(
                pytest.PytestWarning(
                    f"profile {profile.name}: deviation pattern {deviation.pattern!r} "
                    "matches no collected test"
                )
            )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the collected test items out of Python's cyclic garbage collector: they live until
    the end anyway, and each full collection scanned all of them (measured: 0.4 s of collections
    per worker of a 0.13.1 grid run before, 0.24 s after)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A known deviation's failure, reported as pytest would but without its traceback.

    pytest formats every failure's traceback before its xfail plugin turns an expected one into
    "xfailed", which nobody is shown: 4-5 ms each (it parses the test module's source), 0.5 s
    of a 0.13.1 run's CPU for its 119 deviations. The long form is the exception's text; the
    xfail plugin and the wrapper below still see the report. A skip, an imperative xfail and
    ``--runxfail`` (where the failure is shown) keep pytest's own report.
    """
    error = call.excinfo
    if (
        call.when != "call"
        or error is None
        or not item.stash.get(KNOWN_DEVIATION_KEY, False)
        or item.config.option.runxfail
        or error.errisinstance((pytest.skip.Exception, pytest.xfail.Exception))
    ):
        return None
    return pytest.TestReport(
        item.nodeid,
        item.location,
        {name: 1 for name in item.keywords},
        "failed",
        f"{error.typename}: {error.value}",
        call.when,
        # the captured output, as pytest gathers it (Item.add_report_section has no reader)
        [(f"Captured {key} {when}", text) for when, key, text in item._report_sections],
        call.duration,
        call.start,
        call.stop,
        user_properties=item.user_properties,
    )


@pytest.hookimpl(hookwrapper=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_annotated(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A differing answer's first difference and curl command go into the report as data
    (xdist forwards user properties). A test of an unstable server whose one difference is its
    race's symptom (``Profile.instability``) is the known instability (counted with the
    deviations), not a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    error = call.excinfo.value if call.excinfo is not None else None
    if not isinstance(error, SpecDifference):
        return
    report.user_properties = [
        *report.user_properties,
        ("difference", error.differences[0]),
        ("reproduce", error.exchange.curl()),
    ]
    if report.when != "call" or not report.failed or item.get_closest_marker("xfail"):
        return
    profile = item.config.stash[SETTINGS_KEY].profile
    instability = profile.instability(error.differences, error.exchange.transport_error)
    if instability:
        report.outcome = "skipped"
        report.wasxfail = f"known instability: {instability}"


def _first_process(config: pytest.Config) -> bool:
    """The one process of a run that speaks for all: plain, xdist's gw0, or shard 1."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    shard = shard_of(config)
    return worker in (None, "gw0") and (shard is None or shard[0] == 1)


def _is_full_run(config: pytest.Config) -> bool:
    """Whether the whole suite was collected: only then is an unmatched deviation stale."""
    if config.option.keyword or config.option.markexpr:
        return False
    here = Path(__file__).parent.resolve()
    return all(Path(arg.split("::")[0]).resolve() == here for arg in config.args)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> Profile:
    return pytestconfig.stash[SETTINGS_KEY].profile


@pytest.fixture(scope="session")
def runner(pytestconfig: pytest.Config) -> CaseRunner:
    """The run's client, stores and credentials. The fixtures most tests use (this one,
    ``verify``, ``reject``, ``profile``) depend on nothing else: pytest resolves each test's
    whole fixture chain again, and every fixture in it costs each test time."""
    settings = pytestconfig.stash[SETTINGS_KEY]
    client = ServerClient(
        settings.proxy_url,
        settings.profile.api,
        settings.request_timeout,
        settings.proxy_ca_cert,
        settings.profile.trailing_slash,
    )
    return CaseRunner(
        settings.profile,
        client,
        _make_store(settings),
        (settings.aws_id, settings.aws_password),
        (settings.bucket_name, settings.public_bucket_name),
    )


@pytest.fixture(scope="session")
def store(runner: CaseRunner) -> ObjectStore:
    return runner.store


@pytest.fixture(scope="session")
def client(runner: CaseRunner) -> ServerClient:
    return runner.client


Verify = Callable[[Case], Result]
OwnObject = Callable[[Case], Case]


@pytest.fixture
def own_object(request: pytest.FixtureRequest) -> OwnObject:
    """The case with data of this test's own (``data.own_values``), so it reads an object no
    other test stores: for an answer that must be a cold cache's.

    With a chunk cache, a refused read of an object another test has read may be 404 instead of
    401 (docs/spec.md#chunk-cache); ``test_cache.py`` tests that on purpose. Elsewhere the
    answer must not hang on which tests ran first.
    """
    nodeid = request.node.nodeid
    return lambda case: case.replace(values=data.own_values(nodeid, case.dtype, case.shape))


@pytest.fixture
def warm(runner: CaseRunner, request: pytest.FixtureRequest) -> Warm:
    """Reads that wait for a chunk cache's writer, with data of this test's own."""
    return Warm(runner, runner.profile, request.node.nodeid)


@pytest.fixture(scope="session")
def verify(runner: CaseRunner) -> Verify:
    """Send a case and compare every field of the answer with the oracle; returns the Result.
    Session-wide: it holds nothing of a test's own, and a fixture made per test costs time."""

    return runner.check


RejectCheck = Callable[..., Result]


@pytest.fixture(scope="session")
def reject(runner: CaseRunner) -> RejectCheck:
    """Send a case (optionally with request-body edits) and check the error answer;
    session-wide like ``verify``."""

    def check(
        case: Case,
        status: Statuses,
        mentions: tuple[str, ...] = (),
        edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> Result:
        __tracebackhide__ = True
        prepared: Prepared = runner.prepare(case)
        if edit is not None:
            edit(prepared.body)
        _, result = runner.send(case, prepared)
        assert_error(result, status, runner.profile, mentions)
        return result

    return check

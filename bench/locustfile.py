"""Locust load of the checked request mix (bench.loadmix): each answer judged by the suite.

    locust -f bench/locustfile.py --headless --host http://127.0.0.1:8080 -u 8 -r 8 -t 30s

Distributed: one ``--master`` and N ``--worker`` processes (``activestorage-locust`` starts them
on loopback). Every node draws the same cases (``--mix-seed``, ``--mix-per-area``) and stores
their objects under the master's run id (``--mix-run``, sent to the workers with the other
custom options), so uploads are shared; the master (or a lone process) uploads first and removes
the objects when it quits. A wrong answer is a failed request named ``WrongAnswer``, an
unexpected status or no answer one named ``ServerError``; any failure makes Locust exit 1 and
any wrong answer exit 3.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from typing import Any, Iterator

from locust import User, constant, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

from bench.loadmix import (
    DEFAULT_PER_AREA,
    DEFAULT_SEED,
    MixRequest,
    MixSetup,
    case_space,
    draw_cases,
    ensure_stores,
    judge,
    mix_setup,
    picks,
    prepare_mix,
    send,
)

#: Exit status of a run that saw a wrong answer (Locust's own is 1 for any failure).
WRONG_ANSWER_EXIT = 3
log = logging.getLogger("activestorage")


class WrongAnswer(Exception):
    """The server answered with the right status but a body the oracle disagrees with."""


class ServerError(Exception):
    """The server answered with another status than the oracle's, or not at all."""


class _Mix:
    """This process's prepared mix (one per process, made when the test starts)."""

    setup: MixSetup | None = None
    requests: list[MixRequest] = []
    users = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    group = parser.add_argument_group("active storage mix")
    group.add_argument("--mix-profile", default="", help="checking profile (default: the suite's)")
    group.add_argument("--mix-seed", type=int, default=DEFAULT_SEED, help="seed of the case draw")
    group.add_argument("--mix-per-area", type=int, default=DEFAULT_PER_AREA, help="cases per area")
    group.add_argument("--mix-run", default="", help="object prefix shared by all nodes")
    group.add_argument("--mix-timeout", type=float, default=30.0, help="seconds per request")


def _prepare(environment: Environment) -> None:
    """Draw the cases and upload their objects (skipped for objects this machine stored)."""
    options = environment.parsed_options
    assert options is not None and environment.host
    setup = mix_setup(
        environment.host, options.mix_profile or None, options.mix_run, options.mix_timeout
    )
    ensure_stores(setup)
    cases = draw_cases(case_space(setup.profile), options.mix_per_area, options.mix_seed)
    _Mix.setup, _Mix.requests = setup, prepare_mix(setup.runner, cases)
    log.info(
        "mix ready: %d cases for %s (%s)", len(cases), setup.settings.proxy_url, options.mix_run
    )


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    """The master (or a lone process) names the run; workers learn it at the first spawn."""
    options = environment.parsed_options
    if options is not None and not isinstance(environment.runner, WorkerRunner):
        options.mix_run = options.mix_run or uuid.uuid4().hex


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_: Any) -> None:
    if _Mix.setup is None:
        _prepare(environment)


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    """Count the wrong answers, fail the run on any, and remove the run's objects."""
    if isinstance(environment.runner, WorkerRunner):
        return
    wrong = sum(
        error.occurrences
        for error in environment.stats.errors.values()
        if "WrongAnswer" in str(error.error)
    )
    total = environment.stats.total.num_requests
    log.info("checked answers: %d requests, %d wrong answers", total, wrong)
    print(f"activestorage: {total} requests, {wrong} wrong answers", flush=True)
    if wrong:
        environment.process_exit_code = WRONG_ANSWER_EXIT
    if _Mix.setup is not None:
        _Mix.setup.store.cleanup()


class ActiveStorageUser(User):
    """Sends mix requests back to back; each answer is judged before the next goes."""

    wait_time = constant(0)

    def on_start(self) -> None:
        runner = self.environment.runner
        worker = runner.worker_index if isinstance(runner, WorkerRunner) else 0
        options = self.environment.parsed_options
        seed = options.mix_seed if options is not None else DEFAULT_SEED
        self.order: Iterator[int] = picks(seed, f"{worker}-{next(_Mix.users)}", len(_Mix.requests))

    @task
    def reduce(self) -> None:
        assert _Mix.setup is not None
        request = _Mix.requests[next(self.order)]
        result, seconds = send(_Mix.setup.client, request)
        outcome = judge(request, result, _Mix.setup.profile)
        exception: Exception | None = None
        if outcome.kind == "wrong":
            exception = WrongAnswer(f"{request.source.test_id}: {outcome.differences[0][:160]}")
        elif outcome.kind == "error":
            exception = ServerError(f"{request.source.test_id}: {outcome.differences[0][:160]}")
        self.environment.events.request.fire(
            request_type="POST",
            name=request.name,
            response_time=seconds * 1000.0,
            response_length=len(result.exchange.content),
            response=None,
            context={},
            exception=exception,
        )

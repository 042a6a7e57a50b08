"""The long-running processes: worker, relay, notifier, projector, and the all-in-one stack.

Every process starts the same way (``run_process``): its operations port first
(``/healthz``, ``/readyz``, ``/metrics``), then it waits — as long as it takes, with
backoff, reporting not-ready — for PostgreSQL and Temporal, then runs its parts.
The relay, the notifier and the projector run only while they hold their
follower's lock (``eventlog.leadership``); a second replica is a hot standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from temporalio.client import Client

from application.service import CareerFlow
from careerflow.logs import configure_logging
from careerflow.ops_server import ProcessStatus, serve_ops
from careerflow.runtime import tune_garbage_collector
from careerflow.settings import DataFiles, Settings
from careerflow.startup import application_when_ready, temporal_when_ready
from careerflow.storage import database_url
from eventlog import follower_metrics
from eventlog.leadership import Leadership
from notifications.channels import (
    Channel,
    EmlFileChannel,
    SmtpChannel,
    WebhookChannel,
)
from notifications.digest import DigestSender
from notifications.directory import RosterDirectory
from notifications.inbox import InboxChannel
from notifications.notifier import Notifier, ScheduleDigest
from notifications.sent_ledger import SentLedger
from projections.catalog import read_models
from projections.database import engine_for
from projections.runner import ProjectionRunner, ReadModel
from workflows.digest_workflow import DigestActivities, schedule_digest
from workflows.payloads import DigestEntry
from workflows.relay import Relay
from workflows.worker import ACTIVITY_THREADS, build_worker

log = logging.getLogger("careerflow")

READ_MODELS: list[ReadModel] = read_models()

Part = Callable[[CareerFlow, Client | None, Settings, asyncio.Event], Coroutine[Any, Any, None]]
"""One job of a process, run until its ``stop`` event is set."""


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def serve_worker(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    """Poll Temporal until stopped; a worker that fails (a long outage) is built again."""
    assert client is not None, "the worker needs Temporal"
    url = database_url(settings)
    sender = DigestSender(
        engine_for(url, settings.db_schema),
        notification_channels(settings, url),
        RosterDirectory(app, settings.mail_domain),
    )
    pause = 0.5
    with ThreadPoolExecutor(ACTIVITY_THREADS, thread_name_prefix="activity") as executor:
        while not stop.is_set():
            worker = build_worker(
                client,
                app,
                settings.task_queue,
                executor,
                DigestActivities(sender),
                cached_workflows=settings.worker_cached_workflows,
                sandboxed=settings.worker_sandbox,
            )
            running = asyncio.create_task(worker.run())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if stop.is_set():
                await worker.shutdown()
                await asyncio.gather(running, return_exceptions=True)
                return
            error = running.exception()
            log.warning("worker stopped (%s); starting again in %.1f s", error, pause)
            await _pause(stop, pause)
            pause = min(pause * 2, 30.0)


async def _relay(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    assert client is not None, "the relay needs Temporal"
    await Relay(app, client, settings.task_queue).run(stop)


def notification_channels(settings: Settings, url: str) -> list[Channel]:
    """Inbox always; e-mail over SMTP when configured, else .eml files; webhook if set."""
    channels: list[Channel] = [InboxChannel(engine_for(url, settings.db_schema))]
    if settings.smtp_host:
        channels.append(SmtpChannel(settings.smtp_host, settings.smtp_port, settings.mail_from))
    else:
        channels.append(EmlFileChannel(settings.in_data_dir(DataFiles.OUTBOX), settings.mail_from))
    if settings.webhook_url:
        channels.append(WebhookChannel(settings.webhook_url, public_url=settings.public_url))
    return channels


NOTIFIER_TAKEOVER_GRACE = 2.0
"""Seconds a notifier that has just become active waits before its first message: a
predecessor that lost its lock mid-send records what it sent first (``SentLedger``)."""


async def _notifier(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    await _pause(stop, NOTIFIER_TAKEOVER_GRACE)
    schedule: ScheduleDigest | None = None
    if client is not None:
        loop, queue = asyncio.get_running_loop(), settings.task_queue

        def schedule(recipient_id: str, event_id: int, send_at: datetime) -> None:
            entry = DigestEntry(event_id=event_id, send_at=send_at)
            asyncio.run_coroutine_threadsafe(
                schedule_digest(client, queue, recipient_id, entry), loop
            ).result(timeout=30)

    url = database_url(settings)
    notifier = Notifier(
        app,
        notification_channels(settings, url),
        RosterDirectory(app, settings.mail_domain),
        schedule,
        ledger=SentLedger(engine_for(url, settings.db_schema)),
    )
    stopping = threading.Event()
    thread = asyncio.create_task(asyncio.to_thread(notifier.run, stopping))
    await stop.wait()
    stopping.set()
    await thread


async def _projector(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    """Every read model, each following the log in its own thread, exactly once."""
    engine = engine_for(database_url(settings), settings.db_schema)
    stopping = threading.Event()
    runners = [ProjectionRunner(app, engine, model) for model in READ_MODELS]
    threads = [asyncio.create_task(asyncio.to_thread(r.run, stopping)) for r in runners]
    await stop.wait()
    stopping.set()
    await asyncio.gather(*threads)
    engine.dispose()


def single_active(follower: str, part: Part) -> Part:
    """Run ``part`` only while this process holds the follower's lock; else stand by.

    Tries for the lock every ``standby_poll`` seconds; once held, checks it as often
    and stops the part when the lock's connection is lost (another replica may
    have it now), then competes again.
    """

    async def when_active(
        app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
    ) -> None:
        leadership = Leadership(
            database_url(settings),
            settings.db_schema,
            follower,
            connect_timeout=settings.db_connect_timeout,
        )
        active = follower_metrics.ACTIVE.labels(follower)
        active.set(0)
        while not stop.is_set():
            FOLLOWER_ROLES[follower] = "standby"
            if not await asyncio.to_thread(leadership.try_acquire):
                await _pause(stop, settings.standby_poll)
                continue
            log.info("%s: active (holding the lock)", follower)
            active.set(1)
            FOLLOWER_ROLES[follower] = "active"
            working = asyncio.Event()
            task = asyncio.create_task(part(app, client, settings, working))
            while not stop.is_set() and not task.done():
                await _pause(stop, settings.standby_poll)
                if not await asyncio.to_thread(leadership.still_held):
                    log.warning("%s: lock lost; stopping and competing again", follower)
                    break
            working.set()
            await asyncio.gather(task, return_exceptions=True)
            active.set(0)
            await asyncio.to_thread(leadership.release)
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("%s stopped: %s", follower, task.exception())
                await _pause(stop, settings.standby_poll)

    return when_active


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


FOLLOWER_ROLES: dict[str, str] = {}
"""active or standby, per follower this process runs (shown on ``/readyz``)."""

serve_relay = single_active("relay", _relay)
serve_notifier = single_active("notifier", _notifier)
serve_projector = single_active("projector", _projector)


class _EmbeddedUvicorn:
    """uvicorn inside our event loop; our signal handlers, not uvicorn's, stop it."""

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        self.server = Server(config)

    async def serve(self, stop: asyncio.Event) -> None:
        task = asyncio.create_task(self.server.serve())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        self.server.should_exit = True
        await task
        stopped.cancel()


async def serve_api(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    """The HTTP API on the same application (threads serve the synchronous handlers)."""
    import uvicorn

    from api.app import create_app
    from careerflow.wiring import build_services

    address = settings.temporal_address
    if address is None and client is not None:
        address = client.service_client.config.target_host
    services = build_services(settings, app, database_url(settings), temporal_address=address)
    config = uvicorn.Config(
        create_app(services),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        access_log=False,
    )
    await _EmbeddedUvicorn(config).serve(stop)


async def run_process(
    settings: Settings,
    address: str | None,
    *parts: Part,
    process: str = "careerflow",
) -> None:
    """Run the parts on one application (and Temporal, given an address) until a signal.

    The operations port answers from the start; PostgreSQL and Temporal are waited
    for (not-ready meanwhile) instead of failing the process.
    """
    configure_logging(settings, process)
    # Followers run their loops on the default executor for as long as the process runs
    # (five read models, the notifier); asyncio's default of min(32, cores + 4) threads was
    # all taken on two cores, and every other to_thread call (readiness checks, the lock's
    # check) queued behind them for ever.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=64, thread_name_prefix="careerflow")
    )
    stop = asyncio.Event()
    stop_on_signals(stop)
    status = ProcessStatus(process, temporal_address=address)
    status.details["followers"] = FOLLOWER_ROLES
    uses_temporal = address is not None
    serve_ops(
        status,
        settings.metrics_host,
        settings.metrics_port,
        temporal_metrics_port=settings.temporal_metrics_port if uses_temporal else 0,
    )
    app = await application_when_ready(settings, status, stop)
    if app is None:
        return
    try:
        client = None
        if address is not None:
            client = await temporal_when_ready(settings, address, status, stop)
            if client is None:
                return
        tune_garbage_collector()
        status.role, status.waiting_for = "serving", None
        tasks = [asyncio.create_task(part(app, client, settings, stop)) for part in parts]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error
    finally:
        app.close()

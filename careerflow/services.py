"""The long-running processes: worker, relay, and the all-in-one dev stack."""

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

from careerflow.runtime import tune_garbage_collector
from careerflow.settings import DataFiles, Settings
from careerflow.storage import build_application, database_url
from domain.application import CareerFlow
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
from projections.catalog import read_models
from projections.database import engine_for
from projections.runner import ProjectionRunner, ReadModel
from workflows.client import connect
from workflows.digest_workflow import DigestActivities, schedule_digest
from workflows.messages import DigestEntry
from workflows.relay import Relay
from workflows.worker import build_worker

log = logging.getLogger("careerflow")

READ_MODELS: list[ReadModel] = read_models()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def serve_worker(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    assert client is not None, "the worker needs Temporal"
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="activity") as executor:
        url = database_url(settings)
        sender = DigestSender(
            engine_for(url, settings.db_schema),
            notification_channels(settings, url),
            RosterDirectory(app, settings.mail_domain),
        )
        worker = build_worker(
            client,
            app,
            settings.task_queue,
            executor,
            DigestActivities(sender),
            cached_workflows=settings.worker_cached_workflows,
        )
        async with worker:
            await stop.wait()


async def serve_relay(
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
        channels.append(WebhookChannel(settings.webhook_url))
    return channels


async def serve_notifier(
    app: CareerFlow, client: Client | None, settings: Settings, stop: asyncio.Event
) -> None:
    schedule: ScheduleDigest | None = None
    if client is not None:
        loop, queue = asyncio.get_running_loop(), settings.task_queue

        def schedule(recipient_id: str, event_id: int, send_at: datetime) -> None:
            entry = DigestEntry(event_id=event_id, send_at=send_at)
            asyncio.run_coroutine_threadsafe(
                schedule_digest(client, queue, recipient_id, entry), loop
            ).result(timeout=30)

    notifier = Notifier(
        app,
        notification_channels(settings, database_url(settings)),
        RosterDirectory(app, settings.mail_domain),
        schedule,
    )
    stopping = threading.Event()
    thread = asyncio.create_task(asyncio.to_thread(notifier.run, stopping))
    await stop.wait()
    stopping.set()
    await thread


async def serve_projector(
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
    *parts: Callable[
        [CareerFlow, Client | None, Settings, asyncio.Event], Coroutine[Any, Any, None]
    ],
) -> None:
    """Run the parts on one application (and Temporal, given an address) until a signal."""
    stop = asyncio.Event()
    stop_on_signals(stop)
    client = None if address is None else await connect(address, settings.temporal_namespace)
    with build_application(settings) as app:
        tune_garbage_collector()
        tasks = [asyncio.create_task(part(app, client, settings, stop)) for part in parts]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error

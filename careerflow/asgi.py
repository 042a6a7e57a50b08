"""The API as an ASGI factory, for uvicorn's worker processes (``careerflow api --workers N``).

Each worker process builds its own application (event store connections, caches)
from the settings in its environment; nothing is shared between workers but the
database, which is what makes them safe to run side by side — and on many
machines (every command checks the aggregate's version when it saves).
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from careerflow.logs import configure_logging
from careerflow.runtime import tune_garbage_collector
from careerflow.settings import Settings
from careerflow.startup import application_blocking
from careerflow.storage import database_url
from careerflow.wiring import build_services


def create_api() -> FastAPI:
    settings = Settings()
    configure_logging(settings, "api")
    application = application_blocking(settings)
    services = build_services(
        settings,
        application,
        database_url(settings),
        temporal_address=settings.temporal_address,
    )
    api = create_app(services, on_shutdown=[application.close])
    tune_garbage_collector()
    return api

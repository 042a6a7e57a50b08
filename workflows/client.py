"""Connecting to Temporal, always with the pydantic data converter."""

from __future__ import annotations

import asyncio
import socket
import time

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

DEFAULT_TASK_QUEUE = "careerflow"


async def connect(
    address: str, namespace: str = "default", wait: float = 30.0, runtime: Runtime | None = None
) -> Client:
    """Connect, waiting up to ``wait`` seconds for a server that is still starting.

    A Temporal server accepts connections before its frontend is ready ("Frontend is
    not healthy yet"); a process started beside it would otherwise die at start-up.
    """
    deadline = time.monotonic() + wait
    pause = 0.2
    while True:
        try:
            return await Client.connect(
                address,
                namespace=namespace,
                data_converter=pydantic_data_converter,
                runtime=runtime,
            )
        except RuntimeError:
            if time.monotonic() + pause > deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)


def temporal_problem(address: str | None) -> str | None:
    """Why the Temporal frontend at ``address`` cannot be reached (None: it can, or none is set)."""
    if address is None:
        return None
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
            return None
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"

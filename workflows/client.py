"""Connecting to Temporal, always with the pydantic data converter."""

from __future__ import annotations

import asyncio
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

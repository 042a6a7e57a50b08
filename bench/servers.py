"""Servers in processes of their own, and a load generator to drive them.

The benchmarks measure HTTP the way it is deployed: ``careerflow api`` (or the
anchor app) runs in its own process(es), the client in this one, so neither
steals the other's interpreter lock. aiohttp drives the load: it costs the client
less per request than httpx, which leaves more of the two cores to the server.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

import aiohttp
import psutil

from bench.common import bench_settings, log_file
from careerflow.settings import Settings
from careerflow.storage import key_encryption_keys

bench_schema = bench_settings


def careerflow_command() -> list[str]:
    """The installed ``careerflow`` script, beside this interpreter."""
    return [str(Path(sys.executable).parent / "careerflow")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes a careerflow process use ``settings``' database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERFLOW_")}
    env.update(
        DATABASE_URL=str(settings.database_url),
        CAREERFLOW_DB_SCHEMA=settings.db_schema,
        CAREERFLOW_DATA_DIR=str(settings.data_dir),
        CAREERFLOW_KEK=key_encryption_keys(settings),  # the same as this process's
        **extra,
    )
    return env


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(_host_port(url), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.split("//", 1)[1].split("/", 1)[0].partition(":")
    return host, int(port)


class Served:
    """A server process (and its uvicorn workers) on a port of its own."""

    def __init__(self, command: Sequence[str], env: dict[str, str], port: int) -> None:
        self.command, self.env, self.port = list(command), env, port
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        out = log_file(Path(self.command[0]).name + "-" + self.command[1])
        self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=out)
        wait_until_up(self.url("/"), self.process)
        time.sleep(0.5)  # let every uvicorn worker bind and import
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def resident_mb(self) -> float:
        """Resident memory of the server and its workers now."""
        assert self.process is not None
        root = psutil.Process(self.process.pid)
        rss: int = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        return rss / 2**20


class ApiProcess(Served):
    """``careerflow api`` on ``settings``' schema, with a JWT secret of the benchmark's."""

    SECRET = "bench-secret-" + "x" * 32

    def __init__(self, settings: Settings, *, workers: int = 1, pool: int = 16) -> None:
        port = free_port()
        env = settings_env(
            settings,
            CAREERFLOW_JWT_SECRET=self.SECRET,
            CAREERFLOW_API_PORT=str(port),
            CAREERFLOW_DB_POOL_SIZE=str(pool),
            CAREERFLOW_SESSION_SECRET="bench-session-secret",
        )
        super().__init__([*careerflow_command(), "api", "--workers", str(workers)], env, port)
        self.settings = settings

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*careerflow_command(), *args], env=self.env, check=True, capture_output=True
        )
        return done.stdout.decode()

    def token(self, employee_id: str, *roles: str) -> str:
        from api.auth import Role, Tokens

        settings = Settings(jwt_secret=self.SECRET, database_url=self.settings.database_url)
        return Tokens(settings).issue(employee_id, frozenset(Role(r) for r in roles))


Request = tuple[str, str, Any, str | None]
"""(method, url, JSON body or None, bearer token or None)."""


async def _drive(
    requests: Callable[[int], Request], count: int, concurrency: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    numbers = iter(range(count))

    async def lane(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for n in numbers:
            method, url, body, token = requests(n)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            start = time.perf_counter()
            async with session.request(method, url, json=body, headers=headers) as response:
                await response.read()
                if response.status >= 400:
                    failures += 1
            latencies.append(time.perf_counter() - start)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(lane(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, failures


def load(
    requests: Callable[[int], Request], count: int, concurrency: int
) -> tuple[list[float], float, int]:
    """Send ``count`` requests, ``concurrency`` at a time: latencies, seconds, failures."""
    return asyncio.run(_drive(requests, count, concurrency))


def latencies(url: str, token: str, count: int, concurrency: int = 1) -> list[float]:
    """GET ``url`` ``count`` times (after a warm-up) and return the latencies."""
    load(lambda n: ("GET", url, None, token), min(200, count), concurrency)
    samples, _, failures = load(lambda n: ("GET", url, None, token), count, concurrency)
    if failures:
        raise RuntimeError(f"{failures} of {count} GET {url} failed")
    return samples


def quantile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

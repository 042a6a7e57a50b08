"""The chaos run's faults: ``kill -9`` and restart of a process, a dependency's restart,
and how long each took to recover (``bench/chaos.py`` runs them)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.chaos_stack import FOLLOWERS, ChaosStack, Process


@dataclass
class Fault:
    kind: str
    target: str
    at: float
    recovered_after: float | None = None
    note: str = ""
    took_over_after: float | None = None
    """A follower's standby: seconds from the kill until it said it was active."""


def until(condition: Callable[[], bool], limit: float = 180) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def _kill_and_restart(stack: ChaosStack, process: Process, fault: Fault) -> None:
    process.kill()
    killed = time.monotonic()
    if process.command in FOLLOWERS:
        taken = until(lambda: bool(stack.active(process.command)), 60)
        fault.took_over_after = taken
    time.sleep(1.0)
    process.start()
    back = until(lambda: process.readyz() is not None)
    fault.recovered_after = None if back is None else time.monotonic() - killed


def _dependency_restart(
    stack: ChaosStack, restart: Callable[[float], None], fault: Fault, down_for: float = 4.0
) -> None:
    """Restart PostgreSQL or Temporal: who stayed up meanwhile, and when all were ready again."""
    seen: dict[str, int] = {}

    def watch() -> None:
        time.sleep(1.5)  # well into the outage
        seen["up"] = sum(p.alive() and p.healthz() for p in stack.processes.values())
        seen["ready"] = sum(p.readyz() is not None for p in stack.processes.values())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    restart(down_for)
    watcher.join()
    fault.recovered_after = until(stack.all_ready)
    fault.note = (
        f"down {down_for:.0f} s: {seen.get('up', '?')}/{len(stack.processes)} up"
        f" and {seen.get('ready', '?')} ready meanwhile"
    )


def run_faults(
    stack: ChaosStack, faults: list[Fault], *, seconds: float, every: float, seed: int
) -> None:
    """``kill -9`` a random process every ``every`` seconds (started again at once), and
    restart PostgreSQL a third of the way in and Temporal two thirds of the way."""
    chance = random.Random(seed)
    started = time.monotonic()
    postgres_at = started + seconds / 3
    temporal_at = started + 2 * seconds / 3
    pending = {"postgres": postgres_at, "temporal": temporal_at}
    helpers: list[threading.Thread] = []
    while time.monotonic() - started < seconds:
        now = time.monotonic()
        due = [name for name, at in pending.items() if at <= now]
        if due:
            name = due[0]
            del pending[name]
            for helper in helpers:  # no kill in flight across a dependency outage
                helper.join()
            fault = Fault(f"{name} restart", name, time.monotonic())
            faults.append(fault)
            restart = stack.restart_postgres if name == "postgres" else stack.restart_temporal
            _dependency_restart(stack, restart, fault)
            continue
        process = chance.choice(list(stack.processes.values()))
        if process.alive():
            fault = Fault("kill -9", process.name, time.monotonic())
            faults.append(fault)
            helper = threading.Thread(
                target=_kill_and_restart, args=(stack, process, fault), daemon=True
            )
            helper.start()
            helpers.append(helper)
        time.sleep(every)
    for helper in helpers:
        helper.join()

"""Chaos run: the processes apart, killed at random, PostgreSQL and Temporal restarted.

    python -m bench.chaos [--employees 10000] [--chaos-seconds 300] [--kill-every 4]

On this machine: an embedded PostgreSQL of the run's own, a Temporal dev server
standing in for the cluster, two API replicas, two workers, and a relay, notifier
and projector each with a hot standby (``bench/chaos_stack.py``). HR imports a
roster of ``--employees`` and opens a cycle whose policy is in seconds, so every
case's preparation reminder and escalations fall due during the run; clients send
a steady stream of commands (goals, self-assessments) with idempotency keys,
retrying on another replica when one fails. Meanwhile a random process is killed
with SIGKILL every ``--kill-every`` seconds and started again, PostgreSQL is
restarted once and Temporal once. Then, once everything due has happened, the
checks of ``bench/chaos_checks.py`` are printed as tables: acknowledged commands
stored once, reminders and escalations per deadline and rung, notifications,
read models against a rebuild, and the time to recover from each fault.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console

from api.auth import Tokens
from bench.chaos_checks import (
    Acknowledged,
    NotificationReport,
    TimerReport,
    expected_messages,
    inbox_keys,
    notifications,
    read_models_against_rebuild,
    stored_commands,
    timers,
    whole_log,
)
from bench.chaos_faults import Fault, run_faults, until
from bench.chaos_report import print_report
from bench.chaos_stack import SECRET, ChaosStack, chaos_stack
from bench.common import parser
from careerflow.storage import build_application
from domain import case_events as ev
from notifications.directory import RosterDirectory
from projections.database import engine_for

console = Console(soft_wrap=True)


@dataclass(frozen=True)
class Scenario:
    employees: int = 10_000
    chaos_seconds: float = 300
    kill_every: float = 4.0
    prep_window: int = 240
    reminder_lead: int = 150
    rung_delay: int = 30
    commands_per_second: float = 20
    settle_seconds: float = 3600
    """The longest each settling phase may take (the timers firing, then their messages
    going out): a deadline, not a pause. 10,000 employees on two cores took about 30
    minutes for the timers alone; a run slowed by other work on the machine needs more,
    and a phase cut short reports late work as missing."""
    seed: int = 14

    @property
    def policy(self) -> dict[str, Any]:
        rung = f"PT{self.rung_delay}S"
        return {
            "prep_window": f"PT{self.prep_window}S",
            "reminder_lead": f"PT{self.reminder_lead}S",
            "meeting_request_window": "P100D",
            "escalation": {"manager": rung, "skip_level": rung, "hr_partner": rung},
            "escalation_digest_hour": None,
        }


@dataclass
class Report:
    scenario: Scenario
    commands: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    timers: TimerReport = field(default_factory=TimerReport)
    notifications: dict[str, int] = field(default_factory=dict)
    """The totals of ``messages``."""
    messages: NotificationReport = field(default_factory=NotificationReport)
    read_models: list[tuple[str, int, int, int]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    settled_after: float = 0.0
    metrics: dict[str, set[str]] = field(default_factory=dict)
    """Metric families each kind of process exposed on /metrics at the end."""

    @property
    def clean(self) -> bool:
        return (
            self.commands.get("lost", 1) == 0
            and self.commands.get("twice", 1) == 0
            and self.timers.missing == 0
            and self.timers.duplicated == 0
            and self.notifications.get("e-mails twice", 1)
            == self.notifications.get("twice, at a notifier's kill", 0)
            and self.notifications.get("e-mails missing", 1) == 0
            and self.notifications.get("e-mails unexpected", 1) == 0
            and self.notifications.get("inbox missing", 1) == 0
            and self.notifications.get("inbox unexpected", 1) == 0
            and all(differ == 0 for *_, differ in self.read_models)
            and all(f.recovered_after is not None for f in self.faults)
        )


# --- the company ------------------------------------------------------------------


def write_roster(path: Path, employees: int) -> None:
    """An HR partner, a head, a manager per ten employees: every rung has someone on it."""
    managers = max(1, employees // 10)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["employee_id", "name", "email", "manager_id", "department", "hr_partner_id"]
        )
        writer.writerow(["hr", "HR Partner", "hr@example.com", "", "People", ""])
        writer.writerow(["head", "Head", "head@example.com", "", "Engineering", "hr"])
        for m in range(managers):
            row = [f"m{m:05d}", f"Manager {m}", f"m{m}@example.com", "head", "Engineering", "hr"]
            writer.writerow(row)
        for e in range(employees):
            manager = f"m{e % managers:05d}"
            row = [f"e{e:06d}", f"Employee {e}", f"e{e}@example.com", manager, "Engineering", "hr"]
            writer.writerow(row)


# --- clients ------------------------------------------------------------------------


def goal_body(goal_id: str) -> dict[str, Any]:
    return {
        "goal_id": goal_id,
        "specific": "Run the quarterly architecture review",
        "measurable": {"metric": "reviews run", "target": 4, "unit": "reviews"},
        "achievable": "Already co-ran one",
        "relevant": "The team's OKR",
        "due_on": (datetime.now(UTC) + timedelta(days=120)).date().isoformat(),
        "emotional_connection": "I enjoy it",
        "reflect_and_readjust": {"every": "P30D", "how": "at check-ins"},
    }


SELF_ASSESSMENT = {
    "skills": [{"skill": "Python", "fit": "The platform is Python"}],
    "achievements": [
        {
            "situation": "Builds took 40 minutes",
            "task": "Make CI fast",
            "action": "Cached dependencies and split the suite",
            "result": {
                "description": "Build time fell",
                "measure": {"metric": "build minutes", "value": 8, "baseline": 40},
            },
        }
    ],
    "aspirations": {"next_roles": ["Tech lead"]},
}


class Clients:
    """Employees sending commands at a steady rate, each retried (same key) until answered."""

    def __init__(self, urls: list[str], cases: dict[str, str], rate: float, seed: int) -> None:
        self.urls = urls
        self.cases = cases
        self.employees = sorted(cases)
        self.rate = rate
        self.random = random.Random(seed)
        self.tokens = Tokens_for(list(cases))
        self.acknowledged: list[Acknowledged] = []
        self.refused = 0
        self.retries = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        lanes = 16
        numbers = iter(range(10**9))
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await asyncio.gather(*(self._lane(session, numbers, lanes) for _ in range(lanes)))

    async def _lane(self, session: aiohttp.ClientSession, numbers: Any, lanes: int) -> None:
        interval = lanes / self.rate
        while not self.stop.is_set():
            started = time.monotonic()
            await self._command(session, next(numbers))
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _command(self, session: aiohttp.ClientSession, number: int) -> None:
        employee = self.random.choice(self.employees)
        case_id = self.cases[employee]
        assess = self.random.random() < 0.2
        goal_id = None if assess else f"chaos-{number}"
        path = "self-assessment" if assess else "goals"
        body = SELF_ASSESSMENT if assess else goal_body(str(goal_id))
        headers = {
            "Authorization": f"Bearer {self.tokens[employee]}",
            "Idempotency-Key": f"chaos-{number}",
        }
        deadline = time.monotonic() + 120
        url = self.random.choice(self.urls)
        while time.monotonic() < deadline:
            try:
                async with session.post(
                    f"{url}/api/v1/cases/{case_id}/{path}", json=body, headers=headers
                ) as answer:
                    await answer.read()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            if 200 <= status < 300:
                kind = "self-assessment" if assess else "goal"
                self.acknowledged.append(Acknowledged(number, case_id, kind, goal_id))
                return
            if 400 <= status < 500 and status not in (408, 429):
                self.refused += 1  # e.g. assessed already: refused, and nothing was written
                return
            self.retries += 1
            url = self.urls[(self.urls.index(url) + 1) % len(self.urls)]
            await asyncio.sleep(0.5)


def Tokens_for(employees: list[str]) -> dict[str, str]:  # noqa: N802
    from careerflow.settings import Settings

    tokens = Tokens(Settings(jwt_secret=SECRET))
    return {e: tokens.issue(e, frozenset(), 24) for e in employees}


# --- the run ------------------------------------------------------------------------------


def case_ids(stack: ChaosStack) -> dict[str, str]:
    app = build_application(stack.settings.model_copy(update={"database_url": stack.url}))
    try:
        return {
            d.event.participants.employee_id: str(d.event.originator_id)
            for d in whole_log(app)
            if isinstance(d.event, ev.CaseOpened)
        }
    finally:
        app.close()


def run(scenario: Scenario, directory: Path, say: Callable[[str], None] = print) -> Report:
    report = Report(scenario)
    with chaos_stack(directory) as stack:
        stack.start_processes()
        if until(stack.all_ready, 120) is None:
            raise RuntimeError(f"the processes did not start; see the logs in {directory}")
        say(f"10 processes ready; importing {scenario.employees} employees")
        roster = directory / "roster.csv"
        write_roster(roster, scenario.employees)
        stack.cli("roster", "import", str(roster), "--yes")
        policy = directory / "policy.json"
        policy.write_text(json.dumps(scenario.policy))
        now = datetime.now(UTC)
        cycle = stack.cli(
            "cycle", "create", "--name", "chaos", "--opens", now.isoformat(),
            "--closes", (now + timedelta(days=300)).isoformat(), "--policy", str(policy),
        ).strip()  # fmt: skip
        stack.cli("cycle", "open", cycle)
        opened = time.monotonic()
        cases = case_ids(stack)
        say(f"cycle open: {len(cases)} cases; chaos for {scenario.chaos_seconds:.0f} s")
        clients = Clients(stack.api_urls(), cases, scenario.commands_per_second, scenario.seed)
        clients.thread.start()
        run_faults(
            stack,
            report.faults,
            seconds=scenario.chaos_seconds,
            every=scenario.kill_every,
            seed=scenario.seed,
        )
        clients.stop.set()
        clients.thread.join(timeout=180)
        report.refused = clients.refused
        for process in stack.processes.values():  # every one running again
            if not process.alive():
                process.start()
        last_due = scenario.prep_window + 3 * scenario.rung_delay
        say(f"chaos over; {len(clients.acknowledged)} commands acknowledged; settling")
        settings = stack.settings.model_copy(update={"database_url": stack.url})
        app = build_application(settings)
        engine = engine_for(stack.url, settings.db_schema)
        try:
            wait = max(0.0, last_due - (time.monotonic() - opened)) + 5
            time.sleep(wait)
            deadline = time.monotonic() + scenario.settle_seconds
            while True:
                report.timers = timers(app, whole_log(app), datetime.now(UTC))
                if report.timers.missing == 0 or time.monotonic() > deadline:
                    break
                say(f"  {report.timers.missing} reminders/escalations still to come")
                time.sleep(15)
            log = whole_log(app)
            expected = expected_messages(
                app, log, RosterDirectory(app, settings.mail_domain).for_batch()
            )
            deadline = time.monotonic() + scenario.settle_seconds
            while True:  # the notifier may still be working through the last escalations
                undelivered = len(expected.keys() - inbox_keys(engine)) + len(
                    expected.keys() - set(stack.sink.received)
                )
                if undelivered == 0 or time.monotonic() > deadline:
                    break
                say(f"  {undelivered} messages (inbox or e-mail) still to deliver")
                time.sleep(15)
            report.settled_after = time.monotonic() - opened
            quiet(app, engine, stack)
            log = whole_log(app)
            report.timers = timers(app, log, datetime.now(UTC))
            report.commands = stored_commands(log, clients.acknowledged)
            expected = expected_messages(
                app, log, RosterDirectory(app, settings.mail_domain).for_batch()
            )
            offset = time.time() - time.monotonic()
            kills = [f.at + offset for f in report.faults if f.target.startswith("notifier")]
            report.messages = notifications(engine, stack.sink.arrivals, expected, kills)
            report.notifications = report.messages.totals()
            report.read_models = read_models_against_rebuild(app, engine)
            _write_evidence(directory, stack, report)
            report.metrics = scraped_metrics(stack)
        finally:
            app.close()
            engine.dispose()
    return report


def scraped_metrics(stack: ChaosStack) -> dict[str, set[str]]:
    """The metric families every process exposes, by command (api, worker, relay, ...)."""
    import urllib.request

    found: dict[str, set[str]] = {}
    for process in stack.processes.values():
        url = f"http://127.0.0.1:{process.ops_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                text = answer.read().decode()
        except OSError:
            continue
        names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
        found.setdefault(process.command, set()).update(names)
    return found


def _write_evidence(directory: Path, stack: ChaosStack, report: Report) -> None:
    """What a failed check needs to be understood: the faults and every repeated e-mail."""
    offset = time.time() - time.monotonic()
    twice = {k for k, n in stack.sink.received.items() if n > 1}
    evidence = {
        "faults": [
            {"kind": f.kind, "target": f.target, "at": f.at + offset, "note": f.note}
            for f in report.faults
        ],
        "e-mails twice": [(at, key) for at, key in stack.sink.arrivals if key in twice],
    }
    (directory / "evidence.json").write_text(json.dumps(evidence, indent=1))


def quiet(app: Any, engine: Any, stack: ChaosStack, still: float = 10, limit: float = 300) -> None:
    """Until the log, the inbox and the e-mails have not moved for ``still`` seconds."""

    def state() -> tuple[int, int, int]:
        from sqlalchemy import text

        with engine.connect() as conn:
            inbox = int(conn.execute(text("SELECT count(*) FROM inbox")).scalar_one())
        head = app.recorder.max_notification_id() or 0
        return head, inbox, sum(stack.sink.received.values())

    started = time.monotonic()
    last, since = state(), time.monotonic()
    while time.monotonic() - started < limit:
        time.sleep(1)
        now = state()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            return


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--employees", type=int, default=Scenario.employees)
    arguments.add_argument("--chaos-seconds", type=float, default=Scenario.chaos_seconds)
    arguments.add_argument("--kill-every", type=float, default=Scenario.kill_every)
    arguments.add_argument("--prep-window", type=int, default=Scenario.prep_window)
    arguments.add_argument("--reminder-lead", type=int, default=Scenario.reminder_lead)
    arguments.add_argument("--rung-delay", type=int, default=Scenario.rung_delay)
    arguments.add_argument("--rate", type=float, default=Scenario.commands_per_second)
    arguments.add_argument("--keep", action="store_true", help="keep the data and logs")
    args = arguments.parse_args()
    scenario = Scenario(
        employees=args.employees,
        chaos_seconds=args.chaos_seconds,
        kill_every=args.kill_every,
        prep_window=args.prep_window,
        reminder_lead=args.reminder_lead,
        rung_delay=args.rung_delay,
        commands_per_second=args.rate,
    )
    directory = Path(tempfile.mkdtemp(prefix="careerflow-chaos-"))
    console.print(f"data and process logs in {directory}")
    signal.signal(signal.SIGTERM, _terminated)  # stop every process it started, too
    report = run(scenario, directory, console.print)
    print_report(report)
    if not args.keep:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
    raise SystemExit(0 if report.clean else 1)


if __name__ == "__main__":
    main()

"""Notifier throughput: messages a second into a local SMTP sink, beside the sink's own limit.

    python -m bench.notifier_bench [--messages 20000]

A cycle of N employees, each of whom asks for a meeting: N events, each one message
to a manager. The SMTP sink (``bench.smtp_sink``) runs in a process of its own.

(a) the raw anchor: the same number of ready-made e-mails sent straight to the sink
    over ``SENDERS`` connections at once — what the sink and the machine take;
(b) the notifier as deployed: following the log, making each message, writing the
    inbox, claiming it in the sent ledger and sending it over SMTP.

Prints (b) in messages/s (goal >= 500) and b/a, the p99 of the time from the
storm's start (every event already in the log) to each e-mail accepted (goal
<= 60 s), and checks the sink got each message exactly once. Uses DATABASE_URL, or
the embedded PostgreSQL, in a schema of its own that it drops.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench.common import T0, bench_settings, log_file, new_cycle, parser, population
from bench.servers import free_port, wait_until_up
from careerflow.storage import build_application, database_url
from domain.commands import RequestMeeting
from notifications.channels import (
    Contact,
    DomainDirectory,
    Notification,
    SmtpChannel,
    email_message,
)
from notifications.inbox import InboxChannel
from notifications.notifier import SENDERS, Notifier
from notifications.sent_ledger import SentLedger
from projections.database import engine_for


def sink_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def received(path: Path) -> int:
    """Messages the sink has written down (counted in C: the notifier shares this process)."""
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for(path: Path, count: int, timeout: float) -> float:
    """Seconds until the sink has ``count`` messages (or the timeout passed)."""
    start = time.perf_counter()
    while received(path) < count and time.perf_counter() - start < timeout:
        time.sleep(0.05)
    return time.perf_counter() - start


def raw_anchor(port: int, sink: Path, count: int) -> float:
    """Ready-made messages straight to the sink over ``SENDERS`` connections: messages/s."""
    contact = Contact("m", "m@bench.invalid", "M")
    messages = [
        email_message(
            Notification(event_id=n, recipient_id="m", subject="s", body="b"), contact, "b"
        )
        for n in range(count)
    ]
    start = time.perf_counter()

    def lane(lane_number: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as session:
            for message in messages[lane_number::SENDERS]:
                session.send_message(message)

    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(lane, range(SENDERS)))
    wait_for(sink, count, 60)
    return count / (time.perf_counter() - start)


def main() -> None:
    args = parser(__doc__, messages=20_000).parse_args()
    with bench_settings("notifier_bench") as settings, tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        anchor_sink, sink = Path(tmp, "anchor.txt"), Path(tmp, "sink.txt")
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink", str(port), str(anchor_sink)],
            stdout=log_file("smtp-sink"),
            stderr=log_file("smtp-sink"),
        )
        app = build_application(settings)
        engine = engine_for(database_url(settings), settings.db_schema)
        try:
            wait_until_up(f"smtp://127.0.0.1:{port}", server)
            anchor = raw_anchor(port, anchor_sink, args.messages)
            server.terminate()
            server.wait()
            server = subprocess.Popen(
                [sys.executable, "-m", "bench.smtp_sink", str(port), str(sink)],
                stdout=log_file("smtp-sink"),
                stderr=log_file("smtp-sink"),
            )
            wait_until_up(f"smtp://127.0.0.1:{port}", server)
            cycle_id = new_cycle(app)
            people = population(args.messages)
            app.open_cycle(cycle_id, population=people, actor="hr", at=T0)
            asks = RequestMeeting(proposed_for=T0 + timedelta(days=8))
            for person in people:
                case = app.case_for(cycle_id, person.employee_id)
                app.execute(case.id, asks, actor=person.employee_id, at=T0)
            channel = SmtpChannel("127.0.0.1", port)
            notifier = Notifier(
                app,
                [InboxChannel(engine), channel],
                DomainDirectory("bench.invalid"),
                ledger=SentLedger(engine),
            )
            stop = threading.Event()
            follower = threading.Thread(target=notifier.run, args=(stop, "notifier_bench"))
            start, storm = time.perf_counter(), time.time()
            follower.start()
            seconds = wait_for(sink, args.messages, 600)
            stop.set()
            follower.join()
            channel.close()
        finally:
            server.terminate()
            server.wait()
            engine.dispose()
            app.close()
        lines = [line.split() for line in sink_lines(sink)]
        keys = [key for _, key in lines]
        delays = sorted(float(at) - storm for at, _ in lines)
        rate = len(keys) / seconds
        print(f"notifier into a local SMTP sink, {args.messages:,} messages, {SENDERS} senders")
        print(f"  (a) raw anchor, ready-made e-mails straight to the sink: {anchor:,.0f}/s")
        print(f"  (b) the notifier (log, message, inbox, sent ledger, SMTP): {rate:,.0f}/s")
        print(f"  b: {rate:,.0f} messages/s (goal >= 500); b/a {rate / anchor:.2f}")
        p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))] if delays else 0.0
        print(
            f"  the storm: all {args.messages:,} events waiting when the notifier starts; "
            f"p99 from its start to the e-mail accepted {p99:.1f} s (goal <= 60 s)"
        )
        print(
            f"  e-mails received {len(keys):,}, distinct {len(set(keys)):,} "
            f"(goal: {args.messages:,} each once); {time.perf_counter() - start:.1f} s in all"
        )


if __name__ == "__main__":
    main()

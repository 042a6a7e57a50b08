"""The chaos run's tables (``bench/chaos.py`` runs it, ``bench/chaos_checks.py`` checks it)."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from bench.chaos import Report
    from bench.chaos_faults import Fault

console = Console(soft_wrap=True, width=150)


def print_report(report: Report) -> None:
    commands = Table(title="commands the clients were told succeeded")
    for column in ("acknowledged", "stored once", "lost", "twice", "refused (4xx, not written)"):
        commands.add_column(column, justify="right")
    c = report.commands
    commands.add_row(
        *(str(c.get(k, "?")) for k in ("acknowledged", "stored once", "lost", "twice")),
        str(report.refused),
    )
    console.print(commands)

    due = _counts_table(
        "reminders and escalations per deadline and rung (due by the end)",
        ("deadline / rung", "due", "recorded", "missing", "twice", "extra*"),
        {
            label: (row.expected, row.recorded, row.missing, row.duplicated, row.extra)
            for label, row in report.timers.rows.items()
        },
    )
    console.print(due)
    console.print(
        "  * extra: sent before the work it was about was recorded (the case no longer needs it)"
    )

    sent = _counts_table(
        "notifications per kind of event (each message: one event, one recipient)",
        ("event", "messages due", "in the inbox", "e-mailed", "e-mails twice", "of those*"),
        {
            kind: (m.due, m.in_inbox, m.emailed, m.twice, m.twice_at_a_kill)
            for kind, m in report.messages.rows.items()
        },
    )
    n = report.notifications
    sent.add_row(
        "all",
        *(str(n.get(k, "?")) for k in ("messages due", "in the inbox", "e-mails received",
                                       "e-mails twice", "twice, at a notifier's kill")),
        style="bold",
    )  # fmt: skip
    console.print(sent)
    console.print(
        f"  inbox: {n.get('inbox missing', '?')} missing, {n.get('inbox unexpected', '?')}"
        f" not called for; e-mail: {n.get('e-mails missing', '?')} missing,"
        f" {n.get('e-mails unexpected', '?')} not called for\n"
        "  * of those: sent again because a notifier was killed between the SMTP server"
        " accepting it and its claim committing (e-mail is at-least-once; same Message-ID)"
    )

    models = Table(title="read models against a rebuild from the whole log")
    for column in ("table", "live rows", "rebuilt rows", "rows that differ"):
        models.add_column(column, justify="right" if column != "table" else "left")
    for name, live, rebuilt, differ in report.read_models:
        models.add_row(name, str(live), str(rebuilt), str(differ))
    console.print(models)

    faults = Table(title="faults and recovery (seconds)")
    columns = ("fault", "count", "recovered", "back: median", "back: max", "standby: max", "note")
    for column in columns:
        faults.add_column(column)
    groups: dict[str, list[Fault]] = {}
    for fault in report.faults:
        key = fault.kind if fault.kind != "kill -9" else f"kill -9 {fault.target.split('-')[0]}"
        groups.setdefault(key, []).append(fault)
    for key, group in sorted(groups.items()):
        times = [f.recovered_after for f in group if f.recovered_after is not None]
        takeovers = [f.took_over_after for f in group if f.took_over_after is not None]
        notes = [f.note for f in group if f.note]
        faults.add_row(
            key,
            str(len(group)),
            f"{len(times)}/{len(group)}",
            f"{statistics.median(times):.1f}" if times else "-",
            f"{max(times):.1f}" if times else "-",
            f"{max(takeovers):.1f}" if takeovers else "-",
            "; ".join(notes),
        )
    console.print(faults)
    console.print(
        "  back: from the kill (or the dependency's return) until the process, started again,"
        " says ready; standby: from the kill until the other replica says it is active"
    )
    verdict = (
        "[green]nothing lost, nothing twice[/green]" if report.clean else "[red]NOT CLEAN[/red]"
    )
    console.print(
        f"everything due had happened and been delivered {report.settled_after:.0f} s "
        f"after the cycle opened; verdict: {verdict}"
    )


def _counts_table(title: str, columns: tuple[str, ...], rows: dict[str, tuple[int, ...]]) -> Table:
    """A table of counts: the first column names the row, the others are right-aligned."""
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for label, counts in sorted(rows.items()):
        table.add_row(label, *(str(c) for c in counts))
    return table

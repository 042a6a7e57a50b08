"""The short chaos run: every process apart, killed at random, PostgreSQL and Temporal restarted.

``make chaos`` runs the long one (10,000 employees); this one (200 employees, one minute
of faults) runs in CI. Nothing a client was told succeeded may be lost or stored
twice, every reminder and escalation due must be in the log exactly once, every
message the log calls for must be in the inbox once and go out by e-mail (twice only
where a notifier was killed mid-send: e-mail is at-least-once), each read model must
equal its rebuild, and every fault must have been recovered from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import Scenario, run
from bench.chaos_checks import resent_at_a_kill
from bench.chaos_report import print_report

SHORT = Scenario(
    employees=200,
    chaos_seconds=60,
    kill_every=4,
    prep_window=40,
    reminder_lead=20,
    rung_delay=8,
    commands_per_second=10,
    settle_seconds=240,
)


@pytest.mark.chaos
def test_nothing_is_lost_or_done_twice_under_chaos(tmp_path: Path) -> None:
    report = run(SHORT, tmp_path)
    print_report(report)
    assert report.commands["acknowledged"] > 100, "the clients hardly got through"
    assert report.commands["lost"] == 0
    assert report.commands["twice"] == 0
    assert report.commands["stored once"] == report.commands["acknowledged"]
    due = sum(row.expected for row in report.timers.rows.values())
    assert due > 200, "too few reminders and escalations fell due to tell anything"
    assert report.timers.missing == 0, report.timers.rows
    assert report.timers.duplicated == 0, report.timers.rows
    twice, at_a_kill = (
        report.notifications["e-mails twice"],
        report.notifications["twice, at a notifier's kill"],
    )
    assert twice == at_a_kill, "an e-mail went out twice with no kill to explain it"
    assert at_a_kill <= sum(f.target.startswith("notifier") for f in report.faults)
    assert report.notifications["e-mails missing"] == 0, report.notifications
    assert report.notifications["e-mails unexpected"] == 0, report.notifications
    assert {"ReminderSent", "Escalated"} <= set(report.messages.rows), report.messages.rows
    assert report.notifications["messages due"] > due, "every reminder is a message, and more"
    assert report.notifications["inbox missing"] == 0, report.notifications
    assert report.notifications["inbox unexpected"] == 0, report.notifications
    assert report.read_models, "no read model was compared"
    assert all(differ == 0 for *_, differ in report.read_models), report.read_models
    kills = [fault for fault in report.faults if fault.kind == "kill -9"]
    assert len(kills) >= 8, "too few processes were killed"
    assert {f.kind for f in report.faults} >= {"postgres restart", "temporal restart"}
    assert all(f.recovered_after is not None for f in report.faults), report.faults
    assert report.clean
    expected = {
        "api": {"careerflow_http_requests_total", "careerflow_http_request_duration_seconds",
                "careerflow_commands_total"},
        "worker": {"careerflow_commands_total", "temporal_workflow_task_execution_latency",
                   "temporal_local_activity_execution_latency"},
        "relay": {"careerflow_follower_lag_events", "careerflow_follower_lag_seconds",
                  "careerflow_follower_active", "temporal_request"},
        "notifier": {"careerflow_notifications_total", "careerflow_follower_lag_seconds"},
        "projector": {"careerflow_follower_lag_events", "careerflow_follower_active"},
    }  # fmt: skip
    for process, names in expected.items():
        missing = names - report.metrics.get(process, set())
        assert not missing, f"{process} does not expose {missing}"


def test_a_repeated_email_counts_as_sent_at_a_kill_only_with_a_kill_of_its_own() -> None:
    arrivals = [(10.0, "a"), (20.0, "a"), (30.0, "b"), (31.0, "b"), (40.0, "c"), (41.0, "c")]
    arrivals += [(50.0, "d"), (51.0, "d"), (52.0, "d"), (60.0, "e")]
    kills = [15.0, 30.5, 50.5]
    # a: the kill at 15 between its copies; b: the kill at 30.5; c: no kill near it;
    # d: three copies are more than one kill explains; e: sent once
    assert resent_at_a_kill(arrivals, kills) == {"a", "b"}
    assert resent_at_a_kill(arrivals, [30.5]) == {"b"}
    assert resent_at_a_kill([(1.0, "x"), (2.0, "x"), (1.5, "y"), (2.5, "y")], [1.8]) == {"x"}

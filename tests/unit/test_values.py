"""Value objects reject incomplete input and name the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from domain.values import (
    Agenda,
    Measure,
    Participants,
    Policy,
    SmartErGoal,
    StarAchievement,
    StarResult,
)
from tests.factories import goal


def error_locations(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


@pytest.mark.parametrize(
    "missing",
    [
        "specific",
        "measurable",
        "achievable",
        "relevant",
        "due_on",
        "emotional_connection",
        "reflect_and_readjust",
    ],
)
def test_every_smart_er_part_is_required(missing: str) -> None:
    fields: dict[str, Any] = goal().model_dump()
    del fields[missing]
    with pytest.raises(ValidationError) as info:
        SmartErGoal.model_validate(fields)
    assert missing in error_locations(info.value)


def test_measurable_needs_a_metric_and_a_target() -> None:
    fields: dict[str, Any] = goal().model_dump()
    fields["measurable"] = {"metric": "reviews run"}
    with pytest.raises(ValidationError) as info:
        SmartErGoal.model_validate(fields)
    assert "measurable.target" in error_locations(info.value)


def test_empty_text_does_not_count_as_a_part() -> None:
    with pytest.raises(ValidationError) as info:
        goal(emotional_connection="   ")
    assert "emotional_connection" in error_locations(info.value)


def test_reflect_and_readjust_needs_a_positive_cadence() -> None:
    fields: dict[str, Any] = goal().model_dump()
    fields["reflect_and_readjust"] = {"every": "PT0S", "how": "at check-ins"}
    with pytest.raises(ValidationError) as info:
        SmartErGoal.model_validate(fields)
    assert "reflect_and_readjust.every" in error_locations(info.value)


def test_a_star_result_carries_a_measure() -> None:
    with pytest.raises(ValidationError) as info:
        StarAchievement.model_validate(
            {"situation": "s", "task": "t", "action": "a", "result": {"description": "better"}}
        )
    assert "result.measure" in error_locations(info.value)
    ok = StarAchievement(
        situation="s",
        task="t",
        action="a",
        result=StarResult(description="d", measure=Measure(metric="m", value=1)),
    )
    assert ok.result.measure.metric == "m"


def test_policy_durations_are_iso_8601_and_positive() -> None:
    policy = Policy.model_validate({"meeting_notice": "PT30S", "escalation": {"manager": "PT5S"}})
    assert policy.meeting_notice == timedelta(seconds=30)
    assert policy.escalation.manager == timedelta(seconds=5)
    assert policy.plan_due == timedelta(days=14)
    assert Policy.model_validate_json(policy.model_dump_json()) == policy
    with pytest.raises(ValidationError) as info:
        Policy.model_validate({"approval_sla": "-P1D"})
    assert "approval_sla" in error_locations(info.value)


def test_an_employee_is_not_their_own_manager() -> None:
    with pytest.raises(ValidationError, match="manager_id"):
        Participants(employee_id="a", manager_id="a")


def test_agenda_topics_are_known_and_unique() -> None:
    with pytest.raises(ValidationError):
        Agenda.model_validate({"topics": ["gossip"]})
    with pytest.raises(ValidationError):
        Agenda.model_validate({"topics": ["goals", "goals"]})
    with pytest.raises(ValidationError):
        Agenda.model_validate({"topics": []})

"""The relay sends workflows ids, times and the policy, never people's free text.

Temporal keeps every signal in the workflow's history (and refuses payloads over
4 MB): what people wrote must stay in the event store.
"""

from __future__ import annotations

import json
from typing import Any

from application.service import CareerFlow
from eventlog.follower import Delivery
from tests.factories import EMP
from tests.integration.test_application_contract import new_cycle, walk_every_step
from workflows.relay import DEADLINE_FIELDS, ROUTES, Relay


def test_every_relayed_event_carries_only_deadline_facts() -> None:
    app = CareerFlow()
    case_id = app.case_for(new_cycle(app), EMP).id
    walk_every_step(app, case_id)
    case = app.get_case(case_id)
    relay = Relay(app, client=None, task_queue="q")  # type: ignore[arg-type]
    texts = {
        "Clear writing",  # never relayed: what people wrote
        case.recap.learned if case.recap else "",
        *(s.skill for s in case.self_assessment.skills),  # type: ignore[union-attr]
    } - {""}
    aggregates = [case_id, *case.action_item_ids]
    relayed: list[Any] = []
    for position, event in enumerate((e for a in aggregates for e in app.events.get(a)), start=1):
        if type(event) in ROUTES:
            _, _, message = relay.message(Delivery(event, position))
            relayed.append(message)
            assert set(message.data) <= set(DEADLINE_FIELDS), message.name
            dumped = json.dumps(message.model_dump(mode="json"))
            assert not any(text in dumped for text in texts), message.name
    names = {m.name for m in relayed}
    assert {"CaseOpened", "MeetingHeld", "PlanSubmitted", "ActionItemAgreed"} <= names

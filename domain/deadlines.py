"""Every deadline a case or an action item can have: what it is called and whose work it is.

The deadline engine keys its timers by these names (``prep``, ``approval:2``,
``action_item_due:<time>``); the messages, the task list and the reports read the
same table to say, in words, what is late and whose work it is. Pure: the Temporal
sandbox imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.values import Party


@dataclass(frozen=True)
class Deadline:
    name: str
    what: str
    """The work, as a sentence names it ("the meeting request")."""
    owner: Party


PREP = Deadline("prep", "the self-assessment", Party.EMPLOYEE)
MEETING_REQUEST = Deadline("meeting_request", "the meeting request", Party.EMPLOYEE)
MEETING_RESPONSE = Deadline("meeting_response", "an answer to the meeting request", Party.MANAGER)
PLAN_DUE = Deadline("plan_due", "the development plan", Party.EMPLOYEE)
APPROVAL = Deadline("approval", "the plan approval", Party.MANAGER)
OKR_PLANNING = Deadline(
    "okr_planning", "the career conversation before OKR planning", Party.EMPLOYEE
)
ACTION_ITEM_DUE = Deadline("action_item_due", "the action item", Party.EMPLOYEE)
"""An action item's owner may be the manager: the item says who (``ItemView.owner``)."""

DEADLINES: dict[str, Deadline] = {
    d.name: d for d in (PREP, MEETING_REQUEST, MEETING_RESPONSE, PLAN_DUE, APPROVAL, OKR_PLANNING)
}
DEADLINES[ACTION_ITEM_DUE.name] = ACTION_ITEM_DUE


def keyed(deadline: Deadline, suffix: object | None = None) -> str:
    """The timer key: the name, and what makes this instance unique (a version, a due time)."""
    return deadline.name if suffix is None else f"{deadline.name}:{suffix}"


def deadline_of(key: str) -> Deadline | None:
    """The deadline a timer key belongs to (None for a key this version does not know)."""
    return DEADLINES.get(key.split(":", 1)[0])

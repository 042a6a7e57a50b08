"""What every careerflow aggregate shares.

* Every event names the acting person (``actor``) and carries the occurred-at time
  supplied by the caller as its ``timestamp``, so replays and workflows stay
  deterministic (nothing reads the clock inside the domain).
* Every event may carry the idempotency key of the command that caused it; a command
  repeated with the same key adds no event, a key reused for another command is refused.
* Deadline follow-up (reminders and the escalation ladder) is recorded the same way on
  every aggregate that has deadlines, and is idempotent by (deadline, rung).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Self, TypeVar

from eventsourcing.domain import Aggregate

from domain.errors import IdempotencyKeyReused, NaiveTimestamp, NoEscalationTarget, NotPermitted
from domain.values import Participants, Rung

if TYPE_CHECKING:
    from domain.absences import Away

SYSTEM_ACTOR = "careerflow:system"
"""The actor of steps the service takes by itself (timers: reminders, escalations, ...)."""


@dataclass(frozen=True)
class By:
    """Who takes a step, when it occurred (the caller's clock), and the client's Idempotency-Key."""

    actor: str
    """Whose step it is: the rules judge this person (the absent one, for a delegate)."""
    at: datetime
    idempotency_key: str | None = None
    fingerprint: str | None = None
    """What the request asked for (a digest): the same key with another request is refused."""
    delegate: str | None = None
    """Who took the step for ``actor`` while they are away (``domain/absences.py``)."""

    @property
    def recorded_key(self) -> str | None:
        """The key as events store it: the client's key and the request's fingerprint."""
        if self.idempotency_key is None or self.fingerprint is None:
            return self.idempotency_key
        return f"{self.idempotency_key}{FINGERPRINT_SEPARATOR}{self.fingerprint}"


FINGERPRINT_SEPARATOR = " "
"""Never in a client's key (keys are printable ASCII without spaces)."""


def split_key(recorded: str) -> tuple[str, str | None]:
    key, _, fingerprint = recorded.partition(FINGERPRINT_SEPARATOR)
    return key, fingerprint or None


class CareerAggregate(Aggregate):
    """Base aggregate: actor + caller-supplied time on every event, idempotency keys."""

    class Event(Aggregate.Event):
        actor: str
        """Who took the step (a delegate, when ``on_behalf_of`` is set)."""
        idempotency_key: str | None
        _: KW_ONLY
        on_behalf_of: str | None = None
        """The absent person a delegate took the step for; None: their own step.
        (Keyword-only, so events declared before it need no change; rows without it
        read as None.)"""

        @property
        def party(self) -> str:
            """Whose step it was: the absent person for a delegate's step, else the actor."""
            return self.on_behalf_of or self.actor

        def mutate(self, aggregate: Any) -> Any:
            result = super().mutate(aggregate)
            if self.idempotency_key is not None and result is not None:
                key, fingerprint = split_key(self.idempotency_key)
                result.idempotency_keys[key] = (type(self).__name__, fingerprint)
            return result

    def __init__(self) -> None:
        self.idempotency_keys: dict[str, tuple[str, str | None]] = {}

    @property
    def data_subject(self) -> str | None:
        """Whose personal data the aggregate's events carry (``domain/personal.py``);
        None: nobody's as a whole (a roster row names its own person)."""
        return None

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """Copy for the repository cache: one level of containers is enough.

        Everything an aggregate holds is immutable (str, datetime, frozen value
        objects and records) except its own dicts, lists and sets, so copying those
        gives a copy that no command on it can corrupt, at a fraction of the cost of
        a full ``copy.deepcopy`` (which dominated the time of a command).
        """
        clone = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, (dict, list, set)):
                setattr(clone, name, value.copy())
        return clone

    def _emit(self, event_class: type[Aggregate.Event], by: By, **fields: Any) -> None:
        require_aware(by.at)
        delegated = {} if by.delegate is None else {"on_behalf_of": by.actor}
        self.trigger_event(
            bound_event(type(self), event_class),
            actor=by.delegate or by.actor,
            timestamp=by.at,
            idempotency_key=by.recorded_key,
            **delegated,
            **fields,
        )

    def _already_done(self, by: By, event_names: frozenset[str]) -> bool:
        """True when this key already recorded this request; refuses a key reused otherwise."""
        key = by.idempotency_key
        if key is None or key not in self.idempotency_keys:
            return False
        recorded, fingerprint = self.idempotency_keys[key]
        if recorded not in event_names:
            raise IdempotencyKeyReused(
                f"idempotency key {key!r} was already used for {recorded}, not {min(event_names)}",
                key=key,
                recorded=recorded,
            )
        if fingerprint is not None and by.fingerprint is not None and fingerprint != by.fingerprint:
            raise IdempotencyKeyReused(
                f"idempotency key {key!r} was already used for a different {recorded} request",
                key=key,
                recorded=recorded,
            )
        return True


A = TypeVar("A", bound=CareerAggregate)
P = ParamSpec("P")

_BOUND: dict[tuple[type, type], type[Aggregate.Event]] = {}


def bound_event(aggregate: type, event_class: type[Aggregate.Event]) -> type[Aggregate.Event]:
    """The class an aggregate records for ``event_class``: itself, or the subclass
    eventsourcing made of it on the aggregate (for events defined in its class body)."""
    key = (aggregate, event_class)
    bound = _BOUND.get(key)
    if bound is None:
        bound = getattr(aggregate, event_class.__name__)
        if not (isinstance(bound, type) and issubclass(bound, event_class)):
            raise TypeError(f"{aggregate.__name__} does not record {event_class.__name__}")
        _BOUND[key] = bound
    return bound


@dataclass(frozen=True)
class Recorded:
    """What a step records when its command may record one of several events."""

    event: type[Aggregate.Event]
    fields: dict[str, Any]


Decision = dict[str, Any] | Recorded | None
"""A step's decision: the fields of its one event, which of its events, or nothing."""


def command(
    *events: type[Aggregate.Event],
) -> Callable[[Callable[Concatenate[A, P], Decision]], Callable[Concatenate[A, P], bool]]:
    """A step that records one of ``events``, named here once.

    The step method checks its rules and returns the event's fields (or a
    ``Recorded`` naming which of several events; ``None`` records nothing); the
    wrapper records it. A repeat with the same Idempotency-Key is a no-op: the
    check comes before validation, since the repeat of an accepted step would
    otherwise fail as out of order. The wrapped step returns False on a repeat.
    """

    event_names = frozenset(event.__name__ for event in events)

    def decorate(
        func: Callable[Concatenate[A, P], Decision],
    ) -> Callable[Concatenate[A, P], bool]:
        @functools.wraps(func)
        def wrapper(self: A, /, *args: P.args, **kwargs: P.kwargs) -> bool:
            by = kwargs.get("by")
            assert isinstance(by, By), "a command takes by=By(actor, at, idempotency_key)"
            if self._already_done(by, event_names):
                return False
            require_aware(by.at)
            decided = func(self, *args, **kwargs)
            if isinstance(decided, Recorded):
                assert decided.event.__name__ in event_names, decided.event
                self._emit(decided.event, by, **decided.fields)
            elif decided is not None:
                self._emit(events[0], by, **decided)
            return True

        wrapper.records = events  # type: ignore[attr-defined]
        return wrapper

    return decorate


def require_aware(at: datetime, field: str = "at") -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveTimestamp(field, "must be a timezone-aware time")


def require_system(actor: str, action: str) -> None:
    if actor != SYSTEM_ACTOR:
        raise NotPermitted(actor, action, "the careerflow service")


def escalation_recipient(participants: Participants, rung: Rung) -> str | None:
    """Who stands on a rung of the ladder for this employee (from the roster)."""
    return ladder(participants)[int(Rung(rung))]


def ladder(participants: Participants) -> tuple[str | None, ...]:
    """The employee, then each rung above them: manager, skip-level, HR partner."""
    p = participants
    return (p.employee_id, p.manager_id, p.skip_level_id, p.hr_partner_id)


def addressed(
    participants: Participants, start: int, away: Away, *, fallback: str | None
) -> tuple[str, str | None]:
    """Who receives what is addressed to rung ``start`` of the employee's ladder, and the
    absent person they receive it for (``Away.stand_in``). Nobody present: ``fallback``
    (a reminder waits for its owner); None: the rung is passed over (an escalation)."""
    recipient, covering = away.stand_in(ladder(participants), start)
    if recipient is not None:
        return recipient, covering
    if fallback is None:
        raise NoEscalationTarget("rung", f"{covering} is away and nobody above stands in")
    return fallback, None


class FollowedUp(CareerAggregate):
    """An aggregate with deadlines: reminders and escalations are recorded events."""

    class ReminderSent(CareerAggregate.Event):
        deadline: str
        recipient_id: str
        reason: str
        due_at: datetime | None = None
        """When the work is due (events recorded before it was kept have none)."""
        covering: str | None = None
        """The absent person the recipient receives it for (their delegate, the next rung)."""

        def apply(self, aggregate: FollowedUp) -> None:
            aggregate.reminders[self.deadline] = self.recipient_id

    class Escalated(CareerAggregate.Event):
        deadline: str
        rung: int
        recipient_id: str
        reason: str
        due_at: datetime | None = None
        covering: str | None = None

        def apply(self, aggregate: FollowedUp) -> None:
            aggregate.escalations[(self.deadline, self.rung)] = self.recipient_id

    def __init__(self) -> None:
        super().__init__()
        self.reminders: dict[str, str] = {}
        self.escalations: dict[tuple[str, int], str] = {}

    def _record_reminder(
        self, *, deadline: str, to: tuple[str, str | None], reason: str,
        due_at: datetime | None, by: By,
    ) -> bool:  # fmt: skip
        """Once per deadline, to ``to`` (the recipient, and whom they stand in for)."""
        require_system(by.actor, "record a reminder")
        if deadline in self.reminders:
            return False
        recipient_id, covering = to
        self._emit(
            self.ReminderSent,
            by,
            deadline=deadline,
            recipient_id=recipient_id,
            reason=reason,
            due_at=due_at,
            covering=covering,
        )
        return True

    def _record_escalation(
        self, deadline: str, rung: Rung, to: tuple[str, str | None], reason: str,
        due_at: datetime | None, by: By,
    ) -> bool:  # fmt: skip
        require_system(by.actor, "escalate")
        if (deadline, int(rung)) in self.escalations:
            return False
        recipient_id, covering = to
        self._emit(
            self.Escalated,
            by,
            deadline=deadline,
            rung=int(rung),
            recipient_id=recipient_id,
            reason=reason,
            due_at=due_at,
            covering=covering,
        )
        return True

"""The application service: a command for every step, and the history queries.

It loads aggregates, lets them decide, and saves what they decided in one
transaction. It never reads a clock: every command takes the acting person and
the occurred-at time. Persistence is chosen by the environment it is given
(the composition root passes eventsourcing's postgres settings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain import errors
from domain.action_item import ActionItem, CaseContext, action_item_id_for
from domain.base import SYSTEM_ACTOR, CareerAggregate
from domain.case import DevelopmentCase, case_id_for
from domain.cycle import CATALOG_ID, Cycle, CycleCatalog, CycleStatus
from domain.history import HistoryEntry, history_entry
from domain.roster import ROSTER_ID, Person, Roster
from domain.transcoding import register_value_transcodings
from domain.values import (
    ActionItemSpec,
    Agenda,
    CaseOutcome,
    ConversationFeedback,
    DevelopmentPlan,
    GoalProgress,
    Participants,
    Party,
    PeerFeedback,
    Policy,
    Recap,
    Rung,
    SelfAssessment,
    SmartErGoal,
)

T = TypeVar("T", bound=CareerAggregate)

DEFAULT_BATCH_SIZE = 500
"""Cases saved per transaction when a cycle opens or closes."""


@dataclass(frozen=True)
class RosterImport:
    """What a roster import recorded, and the open cases it moved to new people."""

    added: int
    changed: int
    removed: int
    cases_moved: int
    version: int


@dataclass(frozen=True)
class BatchResult:
    """What a batched cycle operation did: how many cases it changed, and how many it found done."""

    changed: int
    unchanged: int


ProgressCallback = Callable[[int], None]
"""Called with the number of cases handled by each saved batch."""


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CareerFlow(Application[UUID]):
    """careerflow's event-sourced application."""

    name = "careerflow"
    env = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
    }

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- loading and saving ------------------------------------------------------

    def _get(self, kind: type[T], label: str, aggregate_id: UUID) -> T:
        try:
            aggregate: CareerAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise errors.NotFound(label, aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise errors.NotFound(label, aggregate_id)
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(list(self.events.get(aggregate_id, limit=1)))

    def _store(self, *aggregates: CareerAggregate) -> None:
        """Save in one transaction; a version clash means someone else wrote first.

        This is ``Application.save`` without its per-object runtime-protocol checks,
        which cost more than the insert itself when a cycle opens thousands of cases.
        """
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        try:
            recordings = self._record(processing)
        except IntegrityError as exc:
            ids = ", ".join(str(a.id) for a in aggregates[:3])
            raise errors.ConcurrentWrite(
                f"another write changed {ids} first; reload and retry", ids=ids
            ) from exc
        self._take_snapshots(processing)
        self._notify(recordings)

    def _change_case(
        self, case_id: UUID, change: Callable[[DevelopmentCase], bool]
    ) -> DevelopmentCase:
        case = self.get_case(case_id)
        if change(case):
            self._store(case)
        return case

    # --- cycles -------------------------------------------------------------------

    def create_cycle(
        self,
        *,
        cycle_id: UUID,
        name: str,
        opens_at: datetime,
        closes_at: datetime,
        okr_planning_on: date | None = None,
        policy: Policy | None = None,
        actor: str,
        at: datetime,
    ) -> Cycle:
        """Create a cycle; creating the same cycle again (same id, same definition) is a no-op."""
        policy = policy or Policy()
        if self._exists(cycle_id):
            existing = self.get_cycle(cycle_id)
            if existing.same_definition(name, opens_at, closes_at, okr_planning_on, policy):
                return existing
            raise errors.IdentityConflict(
                f"cycle {cycle_id} already exists with another definition", id=str(cycle_id)
            )
        cycle = Cycle.create(
            id=cycle_id,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            okr_planning_on=okr_planning_on,
            policy=policy,
            actor=actor,
            at=at,
        )
        catalog = self._catalog(actor=actor, at=at)
        catalog.add(cycle.id, actor=actor, at=at)
        self._store(cycle, catalog)
        return cycle

    def _catalog(self, *, actor: str, at: datetime) -> CycleCatalog:
        if self._exists(CATALOG_ID):
            return self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return CycleCatalog.start(actor=actor, at=at)

    def get_cycle(self, cycle_id: UUID) -> Cycle:
        return self._get(Cycle, "cycle", cycle_id)

    def list_cycles(self) -> list[Cycle]:
        """Every cycle, oldest first."""
        if not self._exists(CATALOG_ID):
            return []
        catalog = self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return [self.get_cycle(cycle_id) for cycle_id in catalog.cycle_ids]

    # --- the roster -------------------------------------------------------------------

    def get_roster(self) -> Roster:
        """The roster (an empty one, not yet saved, before the first import)."""
        try:
            roster: Roster = self.repository.get(ROSTER_ID)  # one query: asked on every request
        except AggregateNotFoundError:
            return Roster.start(actor=SYSTEM_ACTOR, at=datetime(1970, 1, 1).astimezone())
        return roster

    def import_roster(
        self,
        people: Sequence[Person],
        *,
        source: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> RosterImport:
        """Record what changed in the roster, then move open cases to their new people.

        ``people`` has been validated as a whole (``validate_roster``). A manager,
        skip-level or HR partner change is recorded on every case still running in
        an open cycle, so future approvals and escalations go to the new person.
        """
        if self._exists(ROSTER_ID):
            roster = self._get(Roster, "roster", ROSTER_ID)
        else:
            roster = Roster.start(actor=actor, at=at)
        before = {e: roster.participants(e) for e in roster.people}
        roster.import_people(
            people=people, source=source, actor=actor, at=at, idempotency_key=idempotency_key
        )
        recorded = [e for e in roster.pending_events if isinstance(e, Roster.RosterImported)]
        if roster.pending_events:
            self._store(roster)
        moved = self._move_cases(roster, before, actor=actor, at=at, batch_size=batch_size)
        imported = recorded[0] if recorded else None
        return RosterImport(
            added=len(imported.added) if imported else 0,
            changed=len({c.employee_id for c in imported.changes}) if imported else 0,
            removed=len(imported.removed) if imported else 0,
            cases_moved=moved,
            version=roster.version,
        )

    def _move_cases(
        self,
        roster: Roster,
        before: dict[str, Participants | None],
        *,
        actor: str,
        at: datetime,
        batch_size: int,
    ) -> int:
        changed = {
            e: after
            for e in roster.people
            if (after := roster.participants(e)) is not None and before.get(e) != after
        }
        moved = 0
        if not changed:
            return moved
        for cycle in self.list_cycles():
            if not cycle.is_open:
                continue
            enrolled = [e for e in changed if e in cycle.enrolled_set]
            for batch in _batches(enrolled, batch_size):
                cases = [self.case_for(cycle.id, e) for e in batch]
                moving = [
                    c
                    for c in cases
                    if not c.is_closed
                    and c.change_manager(participants=changed[c.employee_id], actor=actor, at=at)
                ]
                moving = [c for c in moving if c.pending_events]
                if moving:
                    self._store(*moving)
                moved += len(moving)
        return moved

    def amend_policy(
        self,
        cycle_id: UUID,
        *,
        policy: Policy,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> Cycle:
        cycle = self.get_cycle(cycle_id)
        if cycle.amend_policy(policy=policy, actor=actor, at=at, idempotency_key=idempotency_key):
            self._store(cycle)
        return cycle

    def open_cycle(
        self,
        cycle_id: UUID,
        *,
        population: Sequence[Participants],
        actor: str,
        at: datetime,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Open the cycle and a case per employee, a batch of cases per transaction.

        Re-running it (after a crash, or with new hires added) opens only the cases
        that are missing: the cycle records who is enrolled in the same transaction
        as their cases.
        """
        _check_population(population)
        cycle = self.get_cycle(cycle_id)
        opened_now = cycle.open(actor=actor, at=at)
        if not cycle.is_open:
            raise errors.CycleNotOpen("the cycle is not open", current=cycle.status)
        changed = 0
        for batch in _batches(population, batch_size):
            new_ids = set(
                cycle.enroll(employee_ids=[p.employee_id for p in batch], actor=actor, at=at)
            )
            cases = [
                DevelopmentCase.open(
                    cycle_id=cycle.id,
                    participants=p,
                    policy=cycle.policy,
                    cycle_opens_at=cycle.opens_at,
                    cycle_closes_at=cycle.closes_at,
                    okr_planning_on=cycle.okr_planning_on,
                    actor=actor,
                    at=at,
                )
                for p in batch
                if p.employee_id in new_ids
            ]
            if cases or opened_now:
                self._store(cycle, *cases)
                opened_now = False
            changed += len(cases)
            if progress is not None:
                progress(len(batch))
        return BatchResult(changed=changed, unchanged=len(population) - changed)

    def close_cycle(
        self,
        cycle_id: UUID,
        *,
        actor: str,
        at: datetime,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Close every open case with its outcome, then the cycle itself.

        Cases first: if this stops half-way, running it again finishes the job.
        """
        cycle = self.get_cycle(cycle_id)
        if cycle.status is CycleStatus.DRAFT:
            raise errors.CycleNotOpen("only an open cycle can be closed", current=cycle.status)
        changed = 0
        for batch in _batches(cycle.enrolled, batch_size):
            cases = [self.get_case(case_id_for(cycle.id, e)) for e in batch]
            closing = [c for c in cases if c.close(actor=actor, at=at)]
            if closing:
                self._store(*closing)
            changed += len(closing)
            if progress is not None:
                progress(len(batch))
        if cycle.close(actor=actor, at=at):
            self._store(cycle)
        return BatchResult(changed=changed, unchanged=len(cycle.enrolled) - changed)

    # --- cases: queries --------------------------------------------------------------

    def get_case(self, case_id: UUID) -> DevelopmentCase:
        return self._get(DevelopmentCase, "case", case_id)

    def case_for(self, cycle_id: UUID, employee_id: str) -> DevelopmentCase:
        return self.get_case(case_id_for(cycle_id, employee_id))

    def case_as_of(
        self, case_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> DevelopmentCase:
        """The case as it was at a version, or after the last event that occurred by ``at``.

        With ``at``, the state is the longest prefix of the case's events whose
        occurred-at times are all at or before ``at``.
        """
        if (version is None) == (at is None):
            raise errors.InvalidCommand("as_of", "give either a version or a time")
        if at is not None:
            version = 0
            for event in self.events.get(case_id):
                if cast(CareerAggregate.Event, event).timestamp > at:
                    break
                version = event.originator_version
            if version == 0:
                raise errors.NotFound("case state at that time", case_id)
        assert version is not None
        if version < 1:
            raise errors.InvalidCommand("version", "versions start at 1")
        case = self.get_case(case_id)
        if version > case.version:
            raise errors.InvalidCommand("version", f"the case has {case.version} versions")
        historic: DevelopmentCase = self.repository.get(case_id, version=version)
        return historic

    def case_history(
        self, case_id: UUID, *, include_action_items: bool = True
    ) -> list[HistoryEntry]:
        """The audit trail of a case (and its action items), in the order things occurred."""
        case = self.get_case(case_id)
        entries = [history_entry(e, "case") for e in self.events.get(case_id)]
        if include_action_items:
            for item_id in case.action_item_ids:
                entries.extend(history_entry(e, "action_item") for e in self.events.get(item_id))
        entries.sort(key=lambda e: (e.occurred_at, e.aggregate != "case", e.version))
        return entries

    def action_item_history(self, item_id: UUID) -> list[HistoryEntry]:
        self.get_action_item(item_id)
        return [history_entry(e, "action_item") for e in self.events.get(item_id)]

    # --- cases: people ---------------------------------------------------------------

    def change_manager(
        self,
        case_id: UUID,
        *,
        participants: Participants,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.change_manager(
                participants=participants, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    # --- 1. prepare ------------------------------------------------------------------

    def record_self_assessment(
        self,
        case_id: UUID,
        *,
        assessment: SelfAssessment,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.record_self_assessment(
                assessment=assessment, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def propose_goal(
        self,
        case_id: UUID,
        *,
        goal: SmartErGoal,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.propose_goal(
                goal=goal, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def request_peer_feedback(
        self,
        case_id: UUID,
        *,
        peer_id: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.request_peer_feedback(
                peer_id=peer_id, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def receive_peer_feedback(
        self,
        case_id: UUID,
        *,
        feedback: PeerFeedback,
        anonymous: bool = False,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.receive_peer_feedback(
                feedback=feedback,
                anonymous=anonymous,
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    # --- 2. request the meeting --------------------------------------------------------

    def request_meeting(
        self,
        case_id: UUID,
        *,
        proposed_for: datetime,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.request_meeting(
                proposed_for=proposed_for, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def accept_meeting(
        self, case_id: UUID, *, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.accept_meeting(actor=actor, at=at, idempotency_key=idempotency_key),
        )

    def reschedule_meeting(
        self,
        case_id: UUID,
        *,
        new_time: datetime,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.reschedule_meeting(
                new_time=new_time,
                reason=reason,
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    def decline_meeting(
        self,
        case_id: UUID,
        *,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.decline_meeting(
                reason=reason, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    # --- 3. agenda, 4. the conversation ---------------------------------------------------

    def share_agenda(
        self,
        case_id: UUID,
        *,
        agenda: Agenda,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.share_agenda(
                agenda=agenda, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def hold_meeting(
        self,
        case_id: UUID,
        *,
        held_at: datetime,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.hold_meeting(
                held_at=held_at, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def give_feedback(
        self,
        case_id: UUID,
        *,
        feedback: ConversationFeedback,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.give_feedback(
                feedback=feedback, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def share_recap(
        self,
        case_id: UUID,
        *,
        recap: Recap,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        """Share the recap and create its action items, all in one transaction."""
        case = self.get_case(case_id)
        item_ids = [
            action_item_id_for(case_id, f"recap:{i}") for i in range(len(recap.action_items))
        ]
        if not case.share_recap(
            recap=recap,
            action_item_ids=item_ids,
            actor=actor,
            at=at,
            idempotency_key=idempotency_key,
        ):
            return case
        items = [
            ActionItem.agree(
                id=item_id,
                case_id=case.id,
                cycle_id=case.cycle_id,
                employee_id=case.employee_id,
                spec=spec,
                actor=actor,
                at=at,
            )
            for item_id, spec in zip(item_ids, recap.action_items, strict=True)
        ]
        self._store(case, *items)
        return case

    def add_action_item(
        self,
        case_id: UUID,
        *,
        spec: ActionItemSpec,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> ActionItem:
        """Agree one more action item after the recap (at a check-in, say)."""
        case = self.get_case(case_id)
        key = idempotency_key or f"item:{len(case.action_item_ids)}"
        item_id = action_item_id_for(case_id, key)
        if not case.add_action_item(
            spec=spec,
            action_item_id=item_id,
            actor=actor,
            at=at,
            idempotency_key=idempotency_key,
        ):
            return self.get_action_item(item_id)
        item = ActionItem.agree(
            id=item_id,
            case_id=case.id,
            cycle_id=case.cycle_id,
            employee_id=case.employee_id,
            spec=spec,
            actor=actor,
            at=at,
        )
        self._store(case, item)
        return item

    # --- 5./6. the plan ------------------------------------------------------------------

    def draft_plan(
        self,
        case_id: UUID,
        *,
        plan: DevelopmentPlan,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.draft_plan(plan=plan, actor=actor, at=at, idempotency_key=idempotency_key),
        )

    def submit_plan(
        self, case_id: UUID, *, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> DevelopmentCase:
        return self._change_case(
            case_id, lambda c: c.submit_plan(actor=actor, at=at, idempotency_key=idempotency_key)
        )

    def request_plan_changes(
        self,
        case_id: UUID,
        *,
        comments: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.request_plan_changes(
                comments=comments, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def approve_plan(
        self, case_id: UUID, *, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> DevelopmentCase:
        return self._change_case(
            case_id, lambda c: c.approve_plan(actor=actor, at=at, idempotency_key=idempotency_key)
        )

    # --- 7. check-ins and goals ---------------------------------------------------------

    def hold_check_in(
        self,
        case_id: UUID,
        *,
        notes: str,
        progress: Sequence[GoalProgress] = (),
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.hold_check_in(
                notes=notes,
                progress=list(progress),
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    def record_goal_progress(
        self,
        case_id: UUID,
        *,
        progress: GoalProgress,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.record_goal_progress(
                progress=progress, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    def readjust_goal(
        self,
        case_id: UUID,
        *,
        goal: SmartErGoal,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> DevelopmentCase:
        return self._change_case(
            case_id,
            lambda c: c.readjust_goal(
                goal=goal, reason=reason, actor=actor, at=at, idempotency_key=idempotency_key
            ),
        )

    # --- 8. close ------------------------------------------------------------------------

    def close_case(
        self,
        case_id: UUID,
        *,
        actor: str,
        at: datetime,
        outcome: CaseOutcome | None = None,
    ) -> DevelopmentCase:
        return self._change_case(case_id, lambda c: c.close(actor=actor, at=at, outcome=outcome))

    # --- action items -------------------------------------------------------------------

    def get_action_item(self, item_id: UUID) -> ActionItem:
        return self._get(ActionItem, "action item", item_id)

    def _item_in_context(self, item_id: UUID) -> tuple[ActionItem, CaseContext]:
        item = self.get_action_item(item_id)
        case = self.get_case(item.case_id)
        context = CaseContext(
            participants=case.participants,
            cycle_closes_at=case.cycle_closes_at,
            case_closed=case.is_closed,
        )
        return item, context

    def _change_item(
        self, item_id: UUID, change: Callable[[ActionItem, CaseContext], bool]
    ) -> ActionItem:
        item, context = self._item_in_context(item_id)
        if change(item, context):
            self._store(item)
        return item

    def complete_action_item(
        self,
        item_id: UUID,
        *,
        note: str = "",
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> ActionItem:
        return self._change_item(
            item_id,
            lambda i, c: i.complete(
                note=note,
                context=c,
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    def reschedule_action_item(
        self,
        item_id: UUID,
        *,
        new_due_at: datetime,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> ActionItem:
        return self._change_item(
            item_id,
            lambda i, c: i.reschedule(
                new_due_at=new_due_at,
                reason=reason,
                context=c,
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    def cancel_action_item(
        self,
        item_id: UUID,
        *,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> ActionItem:
        return self._change_item(
            item_id,
            lambda i, c: i.cancel(
                reason=reason,
                context=c,
                actor=actor,
                at=at,
                idempotency_key=idempotency_key,
            ),
        )

    # --- timer steps (issued by workflows; idempotent by domain state) ---------------------

    def _system_on_case(self, case_id: UUID, change: Callable[[DevelopmentCase], bool]) -> bool:
        case = self.get_case(case_id)
        changed = change(case)
        if changed:
            self._store(case)
        return changed

    def _system_on_item(
        self, item_id: UUID, change: Callable[[ActionItem, CaseContext], bool]
    ) -> bool:
        item, context = self._item_in_context(item_id)
        changed = change(item, context)
        if changed:
            self._store(item)
        return changed

    def remind_case(
        self, case_id: UUID, *, deadline: str, owner: Party, reason: str, at: datetime
    ) -> bool:
        return self._system_on_case(
            case_id,
            lambda c: c.record_reminder(
                deadline=deadline, owner=owner, reason=reason, actor=SYSTEM_ACTOR, at=at
            ),
        )

    def escalate_case(
        self, case_id: UUID, *, deadline: str, rung: Rung, reason: str, at: datetime
    ) -> bool:
        return self._system_on_case(
            case_id,
            lambda c: c.escalate(
                deadline=deadline, rung=rung, reason=reason, actor=SYSTEM_ACTOR, at=at
            ),
        )

    def mark_check_in_due(
        self, case_id: UUID, *, number: int, due_at: datetime, at: datetime
    ) -> bool:
        return self._system_on_case(
            case_id,
            lambda c: c.mark_check_in_due(number=number, due_at=due_at, actor=SYSTEM_ACTOR, at=at),
        )

    def mark_check_in_missed(self, case_id: UUID, *, number: int, at: datetime) -> bool:
        return self._system_on_case(
            case_id, lambda c: c.mark_check_in_missed(number=number, actor=SYSTEM_ACTOR, at=at)
        )

    def mark_action_item_overdue(self, item_id: UUID, *, at: datetime) -> bool:
        return self._system_on_item(item_id, lambda i, c: i.mark_overdue(actor=SYSTEM_ACTOR, at=at))

    def remind_action_item(self, item_id: UUID, *, reason: str, at: datetime) -> bool:
        return self._system_on_item(
            item_id, lambda i, c: i.record_reminder(reason=reason, actor=SYSTEM_ACTOR, at=at)
        )

    def escalate_action_item(self, item_id: UUID, *, rung: Rung, reason: str, at: datetime) -> bool:
        return self._system_on_item(
            item_id,
            lambda i, c: i.escalate(
                rung=rung, participants=c.participants, reason=reason, actor=SYSTEM_ACTOR, at=at
            ),
        )


def _check_population(population: Sequence[Participants]) -> None:
    """The population is validated as a whole before anything is written."""
    seen: set[str] = set()
    for i, participant in enumerate(population):
        if participant.employee_id in seen:
            raise errors.DuplicateId(
                f"population[{i}].employee_id",
                f"{participant.employee_id!r} appears more than once",
            )
        seen.add(participant.employee_id)

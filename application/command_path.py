"""The one command path: load the target once, check who may act, apply, save."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from application.aggregate_access import AggregateAccess
from application.outcomes import Authorize, Executed
from domain import errors
from domain.absences import Away
from domain.action_item import CaseContext
from domain.base import By, CareerAggregate
from domain.case import DevelopmentCase
from domain.commands import CaseCommand, ItemCommand, may_take, require_who
from domain.framework_step import FrameworkStep, FrameworkTerms
from domain.step_records import Who
from domain.timer_commands import AddressedStep


class CommandPath(AggregateAccess):
    """``execute``: every step of a case or an action item goes through here."""

    def execute(
        self,
        target: UUID,
        command: CaseCommand | ItemCommand,
        *,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
        authorize: Authorize | None = None,
    ) -> Executed:
        """Load the target once, let ``authorize`` look at it, apply the command, save.

        ``target`` is a case id for a case command and an action item id for an item
        command (whose case is loaded too: the roster around it decides who may act).
        Who may take the step is checked before the aggregate looks at its state.
        """
        fingerprint = None if idempotency_key is None else command.fingerprint()
        by = By(actor=actor, at=at, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if isinstance(command, CaseCommand):
            cached = self._cached_case(target)
            if cached is not None:
                try:
                    done = self._execute_on(cached, command, by, authorize)
                except errors.DomainError:
                    pass  # decided on a case that may be behind: decide again below
                else:
                    if done.changed:
                        return done
            return self._execute_on(self.get_case(target), command, by, authorize)
        item = self.get_action_item(target)
        case = self.get_case(item.case_id)
        if authorize is not None:
            authorize(case, item)
        away = self.away_at(by.at)
        context = CaseContext(
            participants=case.participants,
            cycle_closes_at=case.cycle_closes_at,
            case_closed=case.is_closed,
            away=away,
        )
        parties = (item.owner_id, case.manager_id, case.employee_id)
        command.apply(item, context, _for_whom(by, parties, away, lambda p: p in parties))
        changed = bool(item.pending_events)
        if changed:
            self._store(item)
        return Executed(case=case, item=item, changed=changed)

    def _cached_case(self, case_id: UUID) -> DevelopmentCase | None:
        """A copy of the case as this process last saw it, without asking the database.

        A command decides on it optimistically: the save is refused if anyone wrote
        to the case since (the next version is taken), and then ``execute`` decides
        again on the stored case. Only a saved decision stands on the cached copy;
        a refusal or a no-op is always re-decided on the stored case, so nobody is
        refused because this process was behind. One query per command fewer.
        """
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            cached = cache.get(case_id)
        except KeyError:
            return None
        return deepcopy(cached) if isinstance(cached, DevelopmentCase) else None

    def _execute_on(
        self,
        case: DevelopmentCase,
        command: CaseCommand,
        by: By,
        authorize: Authorize | None,
    ) -> Executed:
        if authorize is not None:
            authorize(case, None)
        if not may_take(case, command, by.actor) and command.who is not Who.SERVICE:
            parties = (case.manager_id, case.employee_id)
            away = self.away_at(by.at)
            by = _for_whom(by, parties, away, lambda p: may_take(case, command, p))
        require_who(case, command, by.actor)
        created = self._apply(case, command, by)
        changed = bool(case.pending_events)
        if changed and case.is_closed:
            created = self._with_items_closed([case], by)[1:]
        if changed or created:
            self._store(case, *created)
            self._remember(case)
        return Executed(case=case, item=None, changed=changed, created=tuple(created))

    def _apply(
        self, case: DevelopmentCase, command: CaseCommand, by: By
    ) -> Sequence[CareerAggregate]:
        """Apply the command; a framework step (or goals naming competencies) is judged
        against the framework version the case keeps."""
        if isinstance(command, AddressedStep):
            return command.apply_addressed(case, self.away_at(by.at), by)
        named = command.competencies_named()
        if not (isinstance(command, FrameworkStep) or named):
            return command.apply(case, by)
        terms = self.framework_terms(case)
        terms.framework.require_competencies(named)
        if isinstance(command, FrameworkStep):
            return command.apply_with(case, terms, by)
        return command.apply(case, by)

    def away_at(self, at: datetime) -> Away:
        """Who is away at ``at``, and their delegates (``Absences``)."""
        raise NotImplementedError

    def framework_terms(self, case: DevelopmentCase) -> FrameworkTerms:
        """The case's framework version and the employee's place on it (``Frameworks``)."""
        raise NotImplementedError

    def _remember(self, case: DevelopmentCase) -> None:
        """Keep the case just saved in the cache, so the next command on it needs no query."""
        cache = self.repository.cache
        if cache is None:
            return
        try:
            known = cache.get(case.id).version
        except KeyError:
            known = 0
        if known < case.version:
            cache.put(case.id, deepcopy(case))


def _for_whom(by: By, parties: Sequence[str], away: Away, may: Callable[[str], bool]) -> By:
    """``by`` as the delegate of the first absent party who may take the step, when the
    actor is that party's delegate now; else ``by`` itself. A party of the case never
    acts for another (the employee does not approve their own plan for their manager)."""
    if by.actor in parties:
        return by
    covered = away.covered_by(by.actor)
    for party in parties:
        if party in covered and may(party):
            return replace(by, actor=party, delegate=by.actor)
    return by

"""One caller taking one step: the dependency every command route shares.

It carries who acts, when, with which Idempotency-Key, and hands the command to
``CareerFlow.execute`` with the caller's access check, which looks at the case
(and the action item) the application loaded — once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from api import access
from api.auth import Caller
from api.deps import CurrentUser, IdempotencyKey, RosterDep, available, framework_for, services_of
from api.shared_cache import SharedCache
from application.outcomes import Authorize, Executed
from application.service import CareerFlow
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.commands import CaseCommand, GivePeerFeedback, ItemCommand
from domain.framework import FrameworkBook
from domain.roster import Roster


@dataclass
class CommandRunner:
    caller: Caller
    app: CareerFlow
    roster: Roster
    now: datetime
    key: str | None
    frameworks: SharedCache[FrameworkBook] | None = None
    """The framework in memory, for the routes that answer with the case (``book_for``)."""

    def book_for(self, case: DevelopmentCase) -> FrameworkBook:
        """The framework the case is shown against (``api.deps.framework_for``)."""
        if self.frameworks is None:
            return self.app.get_framework_book()
        return framework_for(self.frameworks, case)

    @property
    def actor(self) -> str:
        return self.caller.employee_id

    def may_act(self, command: CaseCommand | ItemCommand) -> Authorize:
        """Who may try the command: whoever sees the case (not auditors); an item's owner;
        a coworker asked for feedback. The domain then decides which party takes which step.
        """

        def authorize(case: DevelopmentCase, item: ActionItem | None) -> None:
            if isinstance(command, GivePeerFeedback) and self.actor in case.peer_feedback:
                return
            if item is not None and item.owner_id == self.actor:
                return
            access.require_case_writer(self.caller, self.roster, case, command.action)

        return authorize

    def execute(
        self,
        target: UUID,
        command: CaseCommand | ItemCommand,
        authorize: Authorize | None = None,
    ) -> Executed:
        def check(case: DevelopmentCase, item: ActionItem | None) -> None:
            (authorize or self.may_act(command))(case, item)
            if isinstance(command, CaseCommand):
                for field, person in command.people():
                    self.roster.require(person, field)

        return self.app.execute(
            target,
            command,
            actor=self.actor,
            at=self.now,
            idempotency_key=self.key,
            authorize=check,
        )


async def _runner(
    request: Request,
    caller: CurrentUser,
    roster: RosterDep,
    idempotency_key: IdempotencyKey = None,
) -> CommandRunner:
    services = services_of(request)
    return CommandRunner(
        caller,
        available(services),
        roster,
        services.clock(),
        idempotency_key,
        services.frameworks,
    )


RunnerDep = Annotated[CommandRunner, Depends(_runner)]

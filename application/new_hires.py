"""New hires enrolled in open cycles by the service, a grace period after they start.

A cycle whose policy has ``enrol_new_hires_after`` has its workflow look every day
(``workflows/deadline_engine.CycleView``); this is what the look does. Only people
who joined the roster after the cycle opened are enrolled: whoever was on it then
was in or out of the population HR chose.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from uuid import UUID

from application.cycle_runs import CycleRuns
from application.outcomes import ProgressCallback
from application.roster_imports import RosterImports
from domain.base import SYSTEM_ACTOR


class NewHires(CycleRuns, RosterImports):
    def enrol_new_hires(
        self, cycle_id: UUID, *, at: datetime, progress: ProgressCallback | None = None
    ) -> int:
        """Open the cases of people who joined the roster after the cycle opened and whose
        start date (or the day they were added) is the policy's grace period past; how many.
        Nothing without ``enrol_new_hires_after`` in the cycle's policy, or once it closed."""
        cycle = self.get_cycle(cycle_id)
        grace = cycle.policy.enrol_new_hires_after
        if grace is None or not cycle.is_open or cycle.opened_at is None:
            return 0
        roster = self.get_roster()
        due = []
        for person in roster.population():
            joined = roster.joined.get(person.employee_id)
            if person.employee_id in cycle.enrolled_set or joined is None:
                continue
            if joined <= cycle.opened_at:
                continue  # on the roster when HR opened the cycle: HR chose its population
            started = roster.get(person.employee_id)
            first_day = started.start_date if started is not None else None
            begins = joined if first_day is None else datetime.combine(first_day, time(), UTC)
            if begins + grace <= at:
                due.append(person)
        if not due:
            return 0
        opened = self.open_cycle(
            cycle_id, population=due, actor=SYSTEM_ACTOR, at=at, progress=progress
        )
        return opened.changed

"""Who may see and do what (DESIGN.md §4), decided from the roster and the token's roles.

* HR admins see everything and run cycles and the roster; auditors see everything,
  including full history, and change nothing.
* Everyone else sees a case when it is their own, or they are the employee's
  manager, skip-level manager or HR partner (department) — as the roster says.
  A case they have no tie to does not exist for them (404): whether a colleague
  has a case is private.
* While someone is away, the delegate they named sees the cases on which the absent
  person is the employee or the manager, and takes their steps for them.
* Seeing a case is necessary for acting on it; which party may take which step is
  then the domain's rule (the employee prepares, the manager approves, ...) and a
  step by the wrong party is refused with 403.
"""

from __future__ import annotations

from api.auth import Caller
from domain import errors
from domain.case import DevelopmentCase
from domain.roster import Relation, Roster
from projections.report_queries import Scope

READERS = frozenset({Relation.SELF, Relation.MANAGER, Relation.SKIP_LEVEL, Relation.HR_PARTNER})


def relation(caller: Caller, roster: Roster, employee_id: str) -> Relation:
    return roster.relation(caller.employee_id, employee_id)


def can_see_employee(caller: Caller, roster: Roster, employee_id: str) -> bool:
    if caller.sees_everything:
        return True
    return relation(caller, roster, employee_id) in READERS or roster.in_organisation(
        caller.employee_id, employee_id
    )


def can_see_case(caller: Caller, roster: Roster, case: DevelopmentCase) -> bool:
    if caller.sees_everything:
        return True
    if case.employee_id == caller.employee_id:
        return True
    if caller.covers and not caller.covers.isdisjoint((case.employee_id, case.manager_id)):
        return True  # a delegate, for the absent employee or manager of the case
    return relation(caller, roster, case.employee_id) in READERS


def acting_as(caller: Caller, case: DevelopmentCase) -> str:
    """Whose steps the caller's pages offer on the case: their own, or those of the absent
    manager or employee they are the delegate of (the command path decides the same)."""
    if caller.employee_id in (case.employee_id, case.manager_id):
        return caller.employee_id
    for party in (case.manager_id, case.employee_id):
        if party in caller.covers:
            return party
    return caller.employee_id


def require_case_reader(caller: Caller, roster: Roster, case: DevelopmentCase) -> None:
    if not can_see_case(caller, roster, case):
        raise errors.NotFound("case", case.id)


def require_case_writer(caller: Caller, roster: Roster, case: DevelopmentCase, action: str) -> None:
    """Visible, and the caller is not a read-only auditor; the domain decides the rest."""
    require_case_reader(caller, roster, case)
    if caller.is_auditor and not caller.is_hr_admin:
        raise errors.NotPermitted(caller.employee_id, action, "participants (auditors only read)")


def require_absence_keeper(caller: Caller, roster: Roster, employee_id: str) -> None:
    """Who records and ends someone's absences: they themselves, HR admins, their HR partner."""
    if caller.employee_id == employee_id or caller.is_hr_admin:
        return
    if roster.relation(caller.employee_id, employee_id) is Relation.HR_PARTNER:
        return
    if not can_see_employee(caller, roster, employee_id):
        raise errors.NotFound("employee", employee_id)
    raise errors.NotPermitted(
        caller.employee_id, "record absences for someone else", "the person, HR"
    )


def require_hr_admin(caller: Caller, action: str) -> None:
    if not caller.is_hr_admin:
        raise errors.NotPermitted(caller.employee_id, action, "an HR admin")


def require_reader_of_everything(caller: Caller, action: str) -> None:
    if not caller.sees_everything:
        raise errors.NotPermitted(caller.employee_id, action, "an HR admin or an auditor")


def report_scope(caller: Caller, roster: Roster) -> Scope:
    """Everything, or the employees in the caller's organisation and departments."""
    if caller.sees_everything:
        return None
    visible = roster.overseen_by(caller.employee_id)
    if not visible:
        raise errors.NotPermitted(
            caller.employee_id, "see reports", "managers, HR partners, HR admins and auditors"
        )
    return visible

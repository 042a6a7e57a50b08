"""Whom a viewer may pick by name on a form (a coworker to ask, an action item's owner).

The people they may see (themselves, their organisation, the departments they partner),
their own department, and their chain of managers: names a colleague knows. Anyone
else posted is refused with the field named (``forms.people_out_of_reach``). The select
lists the first ``LISTED`` by name; beyond that, the form also takes an employee id.
"""

from __future__ import annotations

from collections import defaultdict

from domain.roster import Roster

LISTED = 500

_BY_DEPARTMENT: dict[int, tuple[int, dict[str, list[str]]]] = {}
"""Per roster object: (its version, department → people), built once per version."""


def _department(roster: Roster, department: str) -> list[str]:
    known = _BY_DEPARTMENT.get(id(roster))
    if known is None or known[0] != roster.version:
        index: defaultdict[str, list[str]] = defaultdict(list)
        for employee_id, person in roster.people.items():
            index[person.department].append(employee_id)
        _BY_DEPARTMENT.clear()  # one roster at a time: the newest
        known = _BY_DEPARTMENT[id(roster)] = (roster.version, dict(index))
    return known[1].get(department, [])


def reachable(roster: Roster, viewer: str) -> set[str]:
    """Everyone ``viewer`` may pick."""
    found = set(roster.visible_to(viewer))
    me = roster.get(viewer)
    if me is not None:
        found.update(_department(roster, me.department))
    manager = roster.manager_of(viewer)
    while manager is not None and manager not in found:
        found.add(manager)
        manager = roster.manager_of(manager)
    return {e for e in found if e in roster.people}


def choices(roster: Roster, viewer: str) -> tuple[tuple[str, str], ...]:
    """(id, name) of the first ``LISTED`` people ``viewer`` may pick, by name."""
    named = sorted((roster.people[e].name, e) for e in reachable(roster, viewer))
    return tuple((e, name + (" (you)" if e == viewer else "")) for name, e in named[:LISTED])

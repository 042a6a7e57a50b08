"""The roster: who works here, who manages whom, which HR partner looks after them.

HR imports it (CSV or JSON) as a whole; it is validated as a whole before anything
is recorded, and a re-import records only what changed (people added, fields
changed, people removed). Every relationship the service relies on — manager,
skip-level, HR partner, department — comes from here, never from a token.

One aggregate holds the whole roster: imports are rare, every request needs the
relationships, and a single in-memory map answers them without a query.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import NAMESPACE_URL, uuid5

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, ValidationError

from domain import errors
from domain.absences import AbsenceBook
from domain.base import By, CareerAggregate, Decision, command
from domain.personal import PERSONAL, Personal, erased
from domain.values import Participants, PersonId, ValueObject

ROSTER_ID = uuid5(NAMESPACE_URL, "careerflow:roster")
"""The one roster aggregate."""

COLUMNS = ("employee_id", "name", "email", "manager_id", "department", "hr_partner_id")
OPTIONAL_COLUMNS = (
    "timezone",
    "track",
    "level",
    "active",
    "external_id",
    "employee_number",
    "start_date",
    "locale",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an e-mail address (name@domain.tld)")
    return value.lower()


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (like Europe/Paris)") from None
    return value


ERASED_EMAIL = "erased@erased.invalid"
"""An erased person's e-mail: still an address, so their roster row still reads."""

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(_email),
    Personal(erased=ERASED_EMAIL),
]
OptionalPersonId = Annotated[PersonId | None, BeforeValidator(_blank_is_none)]
ExternalId = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None,
    BeforeValidator(_blank_is_none),
]
Position = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None,
    BeforeValidator(_blank_is_none),
]
LocaleCode = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,4})?$"),
    ]
    | None,
    BeforeValidator(_blank_is_none),
]
"""A language (``de``, ``de-AT``, ``en_GB``): pages and messages speak it where careerflow can."""
TimeZone = Annotated[
    str | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(lambda v: None if v is None else _timezone(v)),
]


class Person(ValueObject):
    """One roster row (its name and e-mail are the person's own data)."""

    data_subject_field: ClassVar[str] = "employee_id"
    employee_id: PersonId
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PERSONAL
    ]
    email: Email
    manager_id: OptionalPersonId = Field(None, description="empty for the top of the company")
    department: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    hr_partner_id: OptionalPersonId = None
    timezone: TimeZone = None
    track: Position = None
    """Where the career framework places them (with ``level``), if anywhere."""
    level: Position = None
    active: bool = True
    """False: deactivated by the identity provider (kept, but on no case, in no cycle)."""
    external_id: ExternalId = None
    """The identity provider's own id for them (SCIM ``externalId``)."""
    employee_number: ExternalId = None
    """The company's employee number (SCIM enterprise ``employeeNumber``), if any."""
    start_date: Annotated[date | None, BeforeValidator(_blank_is_none)] = None
    """Their first day (a new hire is enrolled a cycle's grace period after it)."""
    locale: LocaleCode = None
    """Their language (else their browser's, else English)."""

    def model_post_init(self, context: Any, /) -> None:
        """Share one set of given field names among people given the same fields.

        pydantic keeps, per instance, the names of the fields it was given: a set of
        some 700 bytes, half of what a person weighs, and a roster holds 100,000 of
        them (in the API, the worker and the projector alike). A person is frozen, and
        pydantic copies the set before changing it (``model_copy``), so sharing it
        changes nothing but the memory.
        """
        given = self.__pydantic_fields_set__
        names = frozenset(given)
        shared = _GIVEN_FIELDS.get(names)
        if shared is None and len(_GIVEN_FIELDS) < _GIVEN_FIELDS_KEPT:
            shared = _GIVEN_FIELDS[names] = given
        if shared is not None:
            object.__setattr__(self, "__pydantic_fields_set__", shared)


_GIVEN_FIELDS: dict[frozenset[str], set[str]] = {}
_GIVEN_FIELDS_KEPT = 256
"""Distinct sets of given fields shared (a roster file gives every row the same few)."""


ERASED_FIELDS = frozenset({"name", "email"})
NAME_OR_EMAIL = Personal(when=("field", ERASED_FIELDS))


class PersonChange(ValueObject):
    """One field of one person that a re-import changed (a name or an e-mail is theirs)."""

    data_subject_field: ClassVar[str] = "employee_id"
    employee_id: PersonId
    field: str
    old: Annotated[str | bool | None, NAME_OR_EMAIL]
    new: Annotated[str | bool | None, NAME_OR_EMAIL]


class RowProblem(ValueObject):
    """Why one row of an import was refused (row numbers as the file counts them)."""

    row: int
    field: str
    reason: str


class RowsInvalid(errors.InvalidCommand):
    """A file of rows (a roster, a framework) refused as a whole; ``problems`` lists every
    row at fault (the first thousand travel with the error)."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"rows[{first.row}].{first.field}",
            f"{first.reason}{more}",
            problems=[p.model_dump() for p in problems[:1000]],
        )
        self.problems = list(problems)


class RosterInvalid(RowsInvalid):
    code = "roster_invalid"


def row_problems(number: int, invalid: ValidationError) -> list[RowProblem]:
    """A row's validation errors, each naming its field (as the file names it)."""
    return [
        RowProblem(
            row=number,
            field=".".join(str(part) for part in error["loc"]) or "row",
            reason=str(error["msg"]).removeprefix("Value error, "),
        )
        for error in invalid.errors()
    ]


class Relation(StrEnum):
    """How a viewer stands to an employee, strongest first."""

    SELF = "self"
    MANAGER = "manager"
    SKIP_LEVEL = "skip_level"
    HR_PARTNER = "hr_partner"
    NONE = "none"


class Roster(AbsenceBook):
    """Everyone, their relationships, and their absences (``AbsenceBook``)."""

    class RosterStarted(AbsenceBook.Created):
        pass

    class RosterImported(CareerAggregate.Event):
        source: str
        added: list[Person]
        changes: list[PersonChange]
        removed: list[str]

        def apply(self, roster: Roster) -> None:
            people = {**roster.people, **roster.inactive}
            for person in self.added:
                people[person.employee_id] = person
            updates: dict[str, dict[str, Any]] = {}
            for change in self.changes:
                updates.setdefault(change.employee_id, {})[change.field] = change.new
            for employee_id, fields in updates.items():
                people[employee_id] = people[employee_id].model_copy(update=fields)
            for employee_id in self.removed:
                people.pop(employee_id, None)
            roster.joined = {
                **roster.joined,
                **{person.employee_id: self.timestamp for person in self.added},
            }
            roster.inactive = {e: p for e, p in people.items() if not p.active}
            roster._index({e: p for e, p in people.items() if p.active})

    class PersonErased(CareerAggregate.Event):
        """A person's personal data was erased (their key destroyed). The reason is HR's
        and stays readable for the audit trail: it names the request, not the person."""

        employee_id: str
        reason: str

        def apply(self, roster: Roster) -> None:
            roster.erased = roster.erased | {self.employee_id}
            person = roster.people.get(self.employee_id)
            if person is not None:
                roster._index({**roster.people, self.employee_id: erased(person)})
            former = roster.inactive.get(self.employee_id)
            if former is not None:
                roster.inactive = {**roster.inactive, self.employee_id: erased(former)}

    def __init__(self) -> None:
        super().__init__()
        self.erased: frozenset[str] = frozenset()
        """Whose personal data was erased: a re-import does not bring back their name."""
        self.people: dict[str, Person] = {}
        """Everyone active: every relationship, access check and cycle reads these."""
        self.joined: dict[str, datetime] = {}
        """When each person was added to the roster (the import that added them)."""
        self.inactive: dict[str, Person] = {}
        """People the identity provider deactivated: kept as they were, tied to nothing."""
        self.reports: dict[str, tuple[str, ...]] = {}
        self.partnered: dict[str, frozenset[str]] = {}
        self._last_diff: (
            tuple[Sequence[Person], int, tuple[list[Person], list[PersonChange], list[str]]] | None
        ) = None

    @classmethod
    def start(cls, *, by: By) -> Roster:
        return cls._create(
            cls.RosterStarted, id=ROSTER_ID, actor=by.actor, timestamp=by.at, idempotency_key=None
        )

    def _index(self, people: dict[str, Person]) -> None:
        """Rebuild the lookups (new containers: cached copies share nothing mutable)."""
        reports: defaultdict[str, list[str]] = defaultdict(list)
        partnered: defaultdict[str, set[str]] = defaultdict(set)
        for person in people.values():
            if person.manager_id is not None:
                reports[person.manager_id].append(person.employee_id)
            if person.hr_partner_id is not None:
                partnered[person.hr_partner_id].add(person.department)
        self.people = people
        self.reports = {m: tuple(r) for m, r in reports.items()}
        self.partnered = {p: frozenset(d) for p, d in partnered.items()}

    # --- the import ---------------------------------------------------------------

    @command(RosterImported)
    def import_people(
        self,
        *,
        people: Sequence[Person],
        source: str,
        by: By,
    ) -> Decision:
        """Record what differs between the roster and ``people`` (validated as a whole)."""
        added, changes, removed = self.diff(people)
        if not (added or removed or changes):
            return None
        return {"source": source, "added": added, "changes": changes, "removed": removed}

    @command(PersonErased)
    def erase_person(self, *, employee_id: str, reason: str, by: By) -> Decision:
        if employee_id in self.erased:
            return None
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why (the request the erasure answers)")
        return {"employee_id": employee_id, "reason": reason.strip()[:500]}

    def diff(self, people: Sequence[Person]) -> tuple[list[Person], list[PersonChange], list[str]]:
        """What importing ``people`` would add, change (field by field) and remove.

        The application asks before it imports, and the import asks again: the same
        list against the same version gets the answer already worked out (a quarter
        of a second for 100,000 people)."""
        known = self._last_diff
        if known is not None and known[0] is people and known[1] == self.version:
            return known[2]
        result = self._diff(people)
        self._last_diff = (people, self.version, result)
        return result

    def _diff(self, people: Sequence[Person]) -> tuple[list[Person], list[PersonChange], list[str]]:
        incoming = {p.employee_id: p for p in people}
        known = self.by_id()
        added = [p for e, p in incoming.items() if e not in known]
        removed = sorted(e for e in known if e not in incoming)
        changes = [
            PersonChange(
                employee_id=e,
                field=field,
                old=getattr(known[e], field),
                new=getattr(p, field),
            )
            for e, p in incoming.items()
            if e in known and vars(known[e]) != vars(p)  # a dict compare, in C
            for field in Person.model_fields
            if getattr(known[e], field) != getattr(p, field)
            and not (e in self.erased and field in ERASED_FIELDS)
        ]
        return added, changes, removed

    def anyone(self, employee_id: str) -> Person | None:
        """Active or deactivated (the identity provider still manages them)."""
        return self.people.get(employee_id) or self.inactive.get(employee_id)

    def by_id(self) -> Mapping[str, Person]:
        """Everyone on the roster, active or deactivated, by id."""
        return {**self.people, **self.inactive} if self.inactive else self.people

    def everyone(self) -> list[Person]:
        """The whole roster as an import would give it: the active and the deactivated."""
        return [*self.people.values(), *self.inactive.values()]

    # --- relationships --------------------------------------------------------------

    def get(self, employee_id: str) -> Person | None:
        return self.people.get(employee_id)

    def require(self, employee_id: str, field: str = "employee_id") -> Person:
        person = self.people.get(employee_id)
        if person is None:
            raise errors.InvalidCommand(field, f"{employee_id!r} is not on the roster")
        return person

    def manager_of(self, employee_id: str) -> str | None:
        person = self.people.get(employee_id)
        return None if person is None else person.manager_id

    def direct_reports(self, manager_id: str) -> tuple[str, ...]:
        return self.reports.get(manager_id, ())

    def organisation(self, manager_id: str) -> list[str]:
        """Everyone below a manager, at any depth."""
        found: list[str] = []
        queue = list(self.direct_reports(manager_id))
        while queue:
            employee = queue.pop()
            found.append(employee)
            queue.extend(self.direct_reports(employee))
        return found

    def departments_partnered_by(self, partner_id: str) -> frozenset[str]:
        return self.partnered.get(partner_id, frozenset())

    def ties(self, employee_id: str) -> tuple[str, str | None, str | None] | None:
        """What ``participants`` is made of (manager, skip-level, HR partner), cheaply."""
        person = self.people.get(employee_id)
        if person is None or person.manager_id is None:
            return None
        return (person.manager_id, self.manager_of(person.manager_id), person.hr_partner_id)

    def participants(self, employee_id: str) -> Participants | None:
        """The people around an employee's case; None for someone without a manager."""
        person = self.people.get(employee_id)
        if person is None or person.manager_id is None:
            return None
        return Participants(
            employee_id=employee_id,
            manager_id=person.manager_id,
            skip_level_id=self.manager_of(person.manager_id),
            hr_partner_id=person.hr_partner_id,
        )

    def relation(self, viewer_id: str, employee_id: str) -> Relation:
        """How ``viewer_id`` stands to ``employee_id`` (the strongest tie wins)."""
        if viewer_id == employee_id:
            return Relation.SELF
        person = self.people.get(employee_id)
        if person is None:
            return Relation.NONE
        if person.manager_id == viewer_id:
            return Relation.MANAGER
        if person.manager_id is not None and self.manager_of(person.manager_id) == viewer_id:
            return Relation.SKIP_LEVEL
        if person.department in self.departments_partnered_by(viewer_id):
            return Relation.HR_PARTNER
        return Relation.NONE

    def in_organisation(self, viewer_id: str, employee_id: str) -> bool:
        """Whether ``viewer_id`` is anywhere above ``employee_id`` in the chain."""
        seen: set[str] = set()
        current = self.manager_of(employee_id)
        while current is not None and current not in seen:
            if current == viewer_id:
                return True
            seen.add(current)
            current = self.manager_of(current)
        return False

    def overseen_by(self, viewer_id: str) -> set[str]:
        """Everyone in the viewer's organisation and in the departments they partner."""
        seen = set(self.organisation(viewer_id))
        departments = self.departments_partnered_by(viewer_id)
        if departments:
            seen.update(e for e, p in self.people.items() if p.department in departments)
        return seen

    def visible_to(self, viewer_id: str) -> Iterable[str]:
        """Employees a non-admin viewer may see: self, their organisation, their departments."""
        seen = {viewer_id, *self.overseen_by(viewer_id)}
        return (e for e in self.people if e in seen)

    def population(
        self,
        employee_ids: Iterable[str] | None = None,
        departments: Iterable[str] | None = None,
    ) -> list[Participants]:
        """Who a cycle enrols: everyone with a manager, or only these people / departments."""
        wanted = set(employee_ids or ())
        for employee_id in wanted:
            self.require(employee_id, "employee_ids")
        in_departments = set(departments or ())
        people = []
        for employee_id, person in self.people.items():
            if wanted and employee_id not in wanted:
                continue
            if in_departments and person.department not in in_departments:
                continue
            participants = self.participants(employee_id)
            if participants is not None:
                people.append(participants)
        return people

    def enrolment(
        self,
        employee_ids: Iterable[str] | None = None,
        departments: Iterable[str] | None = None,
    ) -> list[Participants]:
        """The population a cycle opens with; refused when it is nobody."""
        people = self.population(employee_ids, departments)
        if not people:
            raise errors.InvalidCommand(
                "employee_ids", "nobody to enrol: import a roster (employees with a manager) first"
            )
        return people

"""Who a message goes to: the roster's name, e-mail address and time zone."""

from __future__ import annotations

from dataclasses import dataclass

from application.service import CareerFlow
from domain.roster import Roster
from notifications.channels import Contact


@dataclass(frozen=True)
class RosterDirectory:
    """People as the roster names them; someone not on it gets ``id@fallback_domain``."""

    app: CareerFlow
    fallback_domain: str = "careerflow.invalid"

    def contact(self, person_id: str) -> Contact:
        return self.for_batch().contact(person_id)

    def for_batch(self) -> RosterAsOf:
        """One look at the roster for a whole batch: each look is a query for newer events,
        and a batch of escalations names hundreds of people."""
        return RosterAsOf(self.app.get_roster(), self.fallback_domain)


@dataclass(frozen=True)
class RosterAsOf:
    """The roster as it was when the batch began."""

    roster: Roster
    fallback_domain: str

    def contact(self, person_id: str) -> Contact:
        person = self.roster.get(person_id)
        if person is None:
            return Contact(person_id, f"{person_id}@{self.fallback_domain}", person_id)
        return Contact(
            person_id, person.email, person.name, person.timezone or "UTC", person.locale
        )

    def for_batch(self) -> RosterAsOf:
        return self

"""Who a message goes to: the roster's name, e-mail address and time zone."""

from __future__ import annotations

from dataclasses import dataclass

from domain.application import CareerFlow
from notifications.channels import Contact


@dataclass(frozen=True)
class RosterDirectory:
    """People as the roster names them; someone not on it gets ``id@fallback_domain``."""

    app: CareerFlow
    fallback_domain: str = "careerflow.invalid"

    def contact(self, person_id: str) -> Contact:
        person = self.app.get_roster().get(person_id)
        if person is None:
            return Contact(person_id, f"{person_id}@{self.fallback_domain}", person_id)
        return Contact(person_id, person.email, person.name, person.timezone or "UTC")

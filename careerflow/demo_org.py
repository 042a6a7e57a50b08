"""The demo company for ``careerflow dev`` / ``make run``: a roster and a live cycle.

Running it again changes nothing: the roster import records no difference and the
cycle has a fixed id (created on the first run, opened for everyone with a manager).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

from api.framework_files import read_framework
from api.roster_files import parse_csv
from application.service import CareerFlow
from careerflow.demo import DEMO_NAMESPACE
from careerflow.demo_framework import DEMO_FRAMEWORK_CSV, with_positions
from domain.career_gap import CompetencyRating, Rating
from domain.commands import AcceptMeeting, RequestMeeting, RequestPeerFeedback
from domain.cycle import Cycle
from domain.framework_commands import NameTarget, RateCompetencies, RateOwnCompetencies
from domain.roster_validation import validate_roster

DEMO_ROSTER_CSV = """\
employee_id,name,email,manager_id,department,hr_partner_id,timezone
barbara,Barbara Liskov,barbara@example.com,,Executive,frances,America/New_York
frances,Frances Allen,frances@example.com,barbara,People,,America/New_York
hedy,Hedy Lamarr,hedy@example.com,frances,People,,Europe/Vienna
edsger,Edsger Dijkstra,edsger@example.com,barbara,Engineering,frances,Europe/Amsterdam
grace,Grace Hopper,grace@example.com,edsger,Engineering,frances,America/New_York
ada,Ada Lovelace,ada@example.com,grace,Engineering,frances,Europe/London
linus,Linus Torvalds,linus@example.com,grace,Engineering,frances,Europe/Helsinki
alan,Alan Turing,alan@example.com,grace,Engineering,frances,Europe/London
katherine,Katherine Johnson,katherine@example.com,barbara,Sales,frances,America/New_York
margaret,Margaret Hamilton,margaret@example.com,katherine,Sales,frances,America/Chicago
"""

DEMO_EMPLOYEE = "ada"
DEMO_MANAGER = "grace"
DEMO_HR_ADMIN = "hedy"
DEMO_AUDITOR = "auditor"
LIVE_CYCLE_ID = uuid5(DEMO_NAMESPACE, "demo-cycle-live")
ACTOR = "careerflow:demo"


def seed_demo_org(app: CareerFlow, now: datetime | None = None) -> Cycle | None:
    """Import the demo roster and open the live demo cycle — only into an empty store.

    A store that already holds a roster or a cycle is left exactly as it is (what a
    user entered is never replaced by demo data); the demo cycle, if seeded earlier,
    is returned.
    """
    cycles = {c.id: c for c in app.list_cycles()}
    if app.get_roster().people or cycles:
        return cycles.get(LIVE_CYCLE_ID)
    now = now or datetime.now(UTC)
    framework = read_framework(DEMO_FRAMEWORK_CSV, "text/csv")
    app.import_framework(framework, source="demo", actor=ACTOR, at=now)
    people = validate_roster(parse_csv(with_positions(DEMO_ROSTER_CSV)), framework.positions())
    app.import_roster(people, source="demo", actor=ACTOR, at=now)
    if LIVE_CYCLE_ID not in {c.id for c in app.list_cycles()}:
        opens = now.replace(microsecond=0)
        app.create_cycle(
            cycle_id=LIVE_CYCLE_ID,
            name="Demo cycle",
            opens_at=opens,
            closes_at=opens + timedelta(days=180),
            actor=ACTOR,
            at=now,
        )
    population = app.get_roster().population()
    app.open_cycle(LIVE_CYCLE_ID, population=population, actor=ACTOR, at=now)
    first_steps(app, now)
    return app.get_cycle(LIVE_CYCLE_ID)


def first_steps(app: CareerFlow, now: datetime) -> None:
    """A cycle already under way, so the inbox, the outbox and the task lists have something:
    Ada's career conversation is requested and accepted (an invitation to Ada and Grace),
    Linus asks Alan for peer feedback, Margaret asks Katherine for a conversation."""

    def case(employee: str) -> UUID:
        return app.case_for(LIVE_CYCLE_ID, employee).id

    meeting = (now + timedelta(days=8)).replace(minute=0, second=0, microsecond=0)
    app.execute(case("ada"), RequestMeeting(proposed_for=meeting), actor="ada", at=now)
    app.execute(case("ada"), AcceptMeeting(), actor="grace", at=now)
    app.execute(case("linus"), RequestPeerFeedback(peer_id="alan"), actor="linus", at=now)
    rate_ada(app, case("ada"), now)
    later = meeting + timedelta(days=1)
    app.execute(case("margaret"), RequestMeeting(proposed_for=later), actor="margaret", at=now)


ADA_SELF = {"Craft": "exceeds", "Delivery": "meets", "Collaboration": "meets"}
ADA_BY_GRACE = {"Craft": "exceeds", "Delivery": "exceeds", "Communication": "below"}


def rate_ada(app: CareerFlow, case_id: UUID, now: datetime) -> None:
    """Ada aims at Senior engineer and rates herself; Grace rates her too (a gap shows)."""

    def sheet(ratings: dict[str, str]) -> list[CompetencyRating]:
        levels = ("Craft", "Delivery", "Collaboration", "Communication", "Leadership")
        return [
            CompetencyRating(competency=c, rating=Rating(ratings.get(c, "meets"))) for c in levels
        ]

    target = NameTarget(track="Engineering", level="Senior engineer")
    app.execute(case_id, target, actor="ada", at=now)
    app.execute(case_id, RateOwnCompetencies(ratings=sheet(ADA_SELF)), actor="ada", at=now)
    app.execute(case_id, RateCompetencies(ratings=sheet(ADA_BY_GRACE)), actor="grace", at=now)

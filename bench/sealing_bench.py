"""What sealing personal fields costs: the same work with and without it, same run.

    python -m bench.sealing_bench [--employees 10000] [--commands 1000] [--cases 5000]

(a) one command on one case (goal progress with a note: a sealed string)   -> events/s
(b) opening a cycle of N employees (nothing personal: CaseOpened)           -> events/s
(c) the case-status read model catching up on N self-assessments           -> events/s

Each is run by careerflow as it is (sealed) and by the same application with sealing
left out (``ClearCareerFlow``: the rows written before sealing existed), each on a
schema of its own, ``--rounds`` times in turn (the best of each kept), and prints the
time ratio sealed/clear (goal <= 1.25).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from application.service import CareerFlow
from application.transcoding import TypedMapper
from bench.common import T0, bench_settings, new_cycle, parser, population
from bench.domain_bench import bench_commands, bench_open_cycle
from careerflow.storage import eventsourcing_env
from domain.commands import RecordSelfAssessment
from domain.values import (
    SelfAssessment,
)
from projections.case_status import CaseStatus
from projections.database import engine_for
from projections.runner import ProjectionRunner


class ClearMapper(TypedMapper):
    """Today's mapper with sealing left out: rows as they were written before it."""

    def _sealed(self, *args: Any) -> bytes | None:
        return None


class ClearCareerFlow(CareerFlow):
    name = CareerFlow.name  # the same event table

    def construct_mapper(self) -> TypedMapper:
        return ClearMapper(self.construct_transcoder())


ASSESSMENT = SelfAssessment.model_validate(
    {
        "skills": [{"skill": "Python", "fit": "Our platform is Python, and I know it well"}],
        "achievements": [
            {
                "situation": "Builds took forty minutes and people waited on them",
                "task": "Make the continuous integration fast again",
                "action": "Cached the dependencies and split the suite in four",
                "result": {
                    "description": "Build time fell to eight minutes",
                    "measure": {"metric": "build minutes", "value": 8, "baseline": 40},
                },
            }
        ],
        "aspirations": {"next_roles": ["Tech lead"], "interests": ["Compilers", "Teaching"]},
    }
)
"""A self-assessment of the usual size: a dozen strings to seal."""


def catch_up(app: CareerFlow, url: str, schema: str, cases: int) -> tuple[int, float]:
    """(c): a log of ``cases`` openings and self-assessments, then the read model's catch-up."""
    cycle_id = new_cycle(app, "assessed")
    people = population(cases)
    app.open_cycle(cycle_id, population=people, actor="hr", at=T0)
    command = RecordSelfAssessment.of(ASSESSMENT)
    for person in people:
        case_id = app.case_for(cycle_id, person.employee_id).id
        app.execute(case_id, command, actor=person.employee_id, at=T0)
    engine = engine_for(url, schema)
    try:
        start = time.perf_counter()
        ProjectionRunner(app, engine, CaseStatus()).catch_up(1000)
        seconds = time.perf_counter() - start
    finally:
        engine.dispose()
    return app.recorder.max_notification_id() or 0, seconds


def measured(kind: type[CareerFlow], work: Callable[[CareerFlow, str, str], Any]) -> Any:
    with bench_settings("cf_seal") as settings:
        url = str(settings.database_url)
        app = kind(env=eventsourcing_env(url, settings))
        try:
            return work(app, url, settings.db_schema)
        finally:
            app.close()


def main() -> None:
    args = parser(__doc__, employees=10_000, commands=1_000, cases=5_000, rounds=2).parse_args()
    rows = []
    for label, work in (
        ("(a) one command", lambda app, u, s: bench_commands(app, args.commands)[:2]),
        ("(b) opening a cycle", lambda app, u, s: bench_open_cycle(app, args.employees)[:2]),
        ("(c) read-model catch-up", lambda app, u, s: catch_up(app, u, s, args.cases)),
    ):
        runs: dict[type, list[tuple[int, float]]] = {CareerFlow: [], ClearCareerFlow: []}
        for round_ in range(args.rounds):  # alternating, so neither always runs first
            kinds = (CareerFlow, ClearCareerFlow) if round_ % 2 else (ClearCareerFlow, CareerFlow)
            for kind in kinds:
                runs[kind].append(measured(kind, work))
        best = {kind: min(found, key=lambda r: r[1] / r[0]) for kind, found in runs.items()}
        rows.append((label, best[CareerFlow], best[ClearCareerFlow]))
    for label, (n, sealed_s), (m, clear_s) in rows:
        print(
            f"{label:<26} sealed {n / sealed_s:9.0f} events/s   clear {m / clear_s:9.0f} events/s"
        )
    for label, (n, sealed_s), (m, clear_s) in rows:
        cost = (sealed_s / n) / (clear_s / m)
        print(f"{label}: sealed/clear time = {cost:.2f}  (goal <= 1.25)")


if __name__ == "__main__":
    main()

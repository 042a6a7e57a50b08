"""The admin commands as HR runs them: tokens, roster import, cycle create/open/status/close."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import jwt
import pytest
import yaml
from typer.testing import CliRunner

from application.service import CareerFlow
from careerflow.cli import app
from careerflow.demo_org import DEMO_ROSTER_CSV
from careerflow.settings import Settings


@pytest.fixture
def cli_env(fresh_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assert fresh_settings.database_url is not None
    monkeypatch.setenv("DATABASE_URL", fresh_settings.database_url)
    monkeypatch.setenv("CAREERFLOW_DB_SCHEMA", fresh_settings.db_schema)
    monkeypatch.setenv("CAREERFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_token_is_signed_with_the_data_dirs_secret(cli_env: Path) -> None:
    token = run("token", "hedy", "--role", "hr_admin").strip()
    secret = (cli_env / "data" / "jwt-secret").read_text().strip()
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="careerflow-api")
    assert (claims["sub"], claims["roles"]) == ("hedy", ["hr_admin"])
    assert run("token", "ada").strip() != token
    bad = CliRunner().invoke(app, ["token", "ada", "--role", "root"])
    assert bad.exit_code == 2
    assert "hr_admin or auditor" in bad.output


def test_a_token_lifetime_must_be_positive_and_service_ids_are_no_one(cli_env: Path) -> None:
    for hours in ("0", "-3"):
        refused = CliRunner().invoke(app, ["token", "ada", "--hours", hours])
        assert refused.exit_code == 2, refused.output
        assert "--hours" in refused.output
    short = run("token", "ada", "--hours", "1").strip()
    secret = (cli_env / "data" / "jwt-secret").read_text().strip()
    claims = jwt.decode(short, secret, algorithms=["HS256"], audience="careerflow-api")
    assert claims["exp"] - claims["iat"] == 3600
    service = CliRunner().invoke(app, ["token", "careerflow:system"])
    assert service.exit_code == 2
    assert "reserved" in service.output


def test_hr_runs_a_cycle_from_the_command_line(cli_env: Path, fresh_app: CareerFlow) -> None:
    bad = cli_env / "bad.csv"
    bad.write_text(DEMO_ROSTER_CSV.replace("ada@example.com", "nope"))
    refused = CliRunner().invoke(app, ["roster", "import", str(bad)])
    assert refused.exit_code == 2
    assert "row 7: email" in refused.output
    assert fresh_app.get_roster().people == {}

    roster = cli_env / "roster.csv"
    roster.write_text(DEMO_ROSTER_CSV)
    assert "10 added, 0 changed, 0 removed" in run("roster", "import", "--yes", str(roster))

    cycle_id = run(
        "cycle", "create", "--name", "CLI cycle", "--opens", "2027-01-04", "--closes", "2027-06-30"
    ).strip()
    opened = run("cycle", "open", cycle_id, "--department", "Engineering")
    assert "5 cases opened, 0 already open" in opened  # edsger, grace, ada, linus, alan
    assert "opening cases" in opened
    listing = run("cycle", "status")
    assert "CLI cycle" in listing
    assert "open" in listing
    assert "preparing" in run("cycle", "status", cycle_id)
    assert "5 cases closed" in run("cycle", "close", cycle_id)
    assert fresh_app.get_cycle(UUID(cycle_id)).status.value == "closed"


def test_projections_rebuild_switches_to_a_new_version(
    cli_env: Path, fresh_app: CareerFlow
) -> None:
    roster = cli_env / "roster.json"
    roster.write_text(
        '[{"employee_id": "b", "name": "B", "email": "b@example.com", "manager_id": "",'
        ' "department": "X", "hr_partner_id": ""}]'
    )
    run("roster", "import", str(roster))
    first = run("projections", "rebuild", "roster_people")
    assert "roster_people: version 2 is live" in first
    assert "roster_people: version 3 is live" in run("projections", "rebuild", "roster_people")
    listing = run("projections", "list")
    assert "roster_people" in listing
    assert "case_status" in listing
    unknown = CliRunner().invoke(app, ["projections", "rebuild", "nope"])
    assert unknown.exit_code == 2


def test_the_demo_is_seeded_only_into_an_empty_store(fresh_app: CareerFlow) -> None:
    """Restarting ``make run`` must not replace a roster the user imported."""
    from careerflow.demo_org import seed_demo_org
    from domain.roster import Person

    own = [
        Person(employee_id="boss", name="Boss", email="b@example.com", department="Ops"),
        Person(
            employee_id="worker",
            name="Worker",
            email="w@example.com",
            manager_id="boss",
            department="Ops",
        ),
    ]
    fresh_app.import_roster(own, source="ours.csv", actor="hr", at=datetime.now(UTC))
    version = fresh_app.get_roster().version
    assert seed_demo_org(fresh_app) is None
    assert seed_demo_org(fresh_app) is None  # a second restart too
    roster = fresh_app.get_roster()
    assert sorted(roster.people) == ["boss", "worker"]
    assert roster.version == version
    assert fresh_app.list_cycles() == []


def test_a_roster_import_shows_its_diff_and_asks_before_removing(
    cli_env: Path, fresh_app: CareerFlow
) -> None:
    full = cli_env / "full.csv"
    full.write_text(DEMO_ROSTER_CSV)
    run("roster", "import", str(full))
    lines = DEMO_ROSTER_CSV.strip().splitlines()
    smaller = cli_env / "smaller.csv"
    smaller.write_text("\n".join(line for line in lines if not line.startswith("ada,")) + "\n")
    preview = run("roster", "import", "--dry-run", str(smaller))
    assert "remove       1: ada" in preview
    assert "ada" in fresh_app.get_roster().people
    declined = CliRunner().invoke(app, ["roster", "import", str(smaller)], input="n\n")
    assert declined.exit_code == 1
    assert "Remove 1 people" in declined.output
    assert "ada" in fresh_app.get_roster().people
    confirmed = CliRunner().invoke(app, ["roster", "import", str(smaller)], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "1 removed" in confirmed.output
    assert "ada" not in fresh_app.get_roster().people


def test_hr_imports_the_framework_from_the_command_line(
    cli_env: Path, fresh_app: CareerFlow
) -> None:
    from careerflow.demo_framework import DEMO_FRAMEWORK_CSV, with_positions

    broken = cli_env / "broken.csv"
    broken.write_text("track,level,competency,expectation\nIC,Junior,Craft,\n")
    refused = CliRunner().invoke(app, ["framework", "import", str(broken)])
    assert refused.exit_code == 2
    assert "row 2: expectation" in refused.output
    framework = cli_env / "framework.yaml"
    rows = list(csv.DictReader(io.StringIO(DEMO_FRAMEWORK_CSV)))
    framework.write_text(yaml.safe_dump({"expectations": rows}))
    preview = run("framework", "import", "--dry-run", str(framework))
    assert "30 expectations added" in preview
    assert fresh_app.get_framework_book().current.version == 0
    assert "version 1 is current" in run("framework", "import", str(framework))
    assert "unchanged" in run("framework", "import", str(framework))
    shown = run("framework", "show")
    assert "Senior engineer" in shown
    assert "Shapes the architecture" in shown
    roster = cli_env / "roster.csv"
    roster.write_text(with_positions(DEMO_ROSTER_CSV))
    run("roster", "import", "--yes", str(roster))
    ada = fresh_app.get_roster().get("ada")
    assert ada is not None
    assert (ada.track, ada.level) == ("Engineering", "Engineer II")


def test_the_demo_company_is_on_its_framework(fresh_app: CareerFlow) -> None:
    """``make run`` shows a framework, positions, ratings and a gap at once."""
    from careerflow.demo_org import seed_demo_org
    from domain.career_gap import Rater

    cycle = seed_demo_org(fresh_app)
    assert cycle is not None
    book = fresh_app.get_framework_book()
    assert [t.name for t in book.current.tracks] == ["Engineering", "Sales"]
    assert len(book.current.competencies) == 5
    case = fresh_app.case_for(cycle.id, "ada")
    assert case.framework_version == 1
    assert case.target is not None
    assert case.sheet(Rater.SELF) is not None
    assert case.sheet(Rater.MANAGER) is not None
    lines = case.standing(book.at(case.framework_version))
    gap = [line.competency for line in lines if line.gap]
    assert gap == ["Collaboration", "Communication", "Leadership"]

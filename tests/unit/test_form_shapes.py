"""The page forms' shapes: repeated parts grown and shrunk, durations, the picker's field."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from api.pages.forms import changed_entries, entries, layout, payload, shaped, step_forms

UTC = ZoneInfo("UTC")


def test_an_entry_added_then_a_middle_one_removed_keeps_the_others_in_order() -> None:
    form = step_forms()["self-assessment"]
    values = {"skills.0.skill": ["Python"]}
    grown = changed_entries(values, "skills", "")
    assert grown is not None
    assert entries(form, grown)["skills"] == 2
    three = {**values, "skills.1.skill": ["Go"], "skills.2.skill": ["Rust"]}
    shrunk = changed_entries(three, "", "skills.1")
    assert shrunk == {"skills.0.skill": ["Python"], "skills.1.skill": ["Rust"]}
    assert changed_entries(three, "", "") is None  # a plain post: send it


def test_every_goal_of_a_plan_gets_its_own_id_and_a_duration_in_days() -> None:
    values = {"goals.0.specific": ["a"], "goals.1.specific": ["b"]}
    plan = shaped(step_forms()["plan"], values, ())
    names = [f.name for f in plan.fields]
    assert "goals.1.reflect_and_readjust.every" in names
    posted = {**values, "goals.1.reflect_and_readjust.every": ["P30D"],
              "goals.1.reflect_and_readjust.every__days": ["45"]}  # fmt: skip
    body = payload(plan, posted, UTC)
    assert [g["goal_id"] for g in body["goals"]] == ["g1", "g2"]
    assert body["goals"][1]["reflect_and_readjust"]["every"] == "P45D"
    rows = [r.kind for r in layout(plan)]
    assert rows.count("open") == 2 + 1 + 1  # two goals, one activity, one alignment
    assert rows.count("add") == 3


def test_a_picker_takes_the_typed_id_before_the_chosen_name() -> None:
    form = shaped(step_forms()["peer-feedback-requests"], {}, (("linus", "Linus"),))
    assert form.fields[0].options == (("linus", "Linus"),)
    body = payload(form, {"peer_id": ["linus"], "peer_id__id": [" alan "]}, UTC)
    assert body == {"peer_id": "alan"}

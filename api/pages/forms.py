"""Step forms: which fields each step asks for, and how a posted form becomes its command.

Fields are named by their path in the command (``achievements.0.result.description``),
so a posted form unflattens into the command's JSON shape and the domain's own
validation (the same command objects the API takes) reports errors by the same
names, shown next to the field. Times are entered in the viewer's time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import step_catalog
from domain.commands import CaseCommand
from domain.framework_step import FrameworkTerms
from domain.step_records import FormField


@dataclass(frozen=True)
class StepForm:
    """A step's form as the pages offer it: the record's form, with its path and command."""

    path: str
    """The step's name in URLs (the API's path under the case)."""
    command: type[CaseCommand]
    title: str
    button: str
    fields: tuple[FormField, ...] = ()
    intro: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Values the page fills in itself (a goal's id)."""


def step_forms() -> dict[str, StepForm]:
    """Every step with a page form, by its path, built from the steps' records."""
    forms = {}
    for command in step_catalog.case_steps():
        record = command.step
        if record.form is not None and record.path is not None:
            form = record.form
            forms[record.path] = StepForm(
                record.path, command, form.title, form.button, form.fields, form.intro, form.fixed
            )
    return forms


def task_forms() -> dict[str, list[str]]:
    """Which forms each task opens on the case page (from the records' ``tasks``)."""
    opened: dict[str, list[str]] = {}
    for command in step_catalog.case_steps():
        record = command.step
        if record.form is None or record.path is None:
            continue
        for task in (*record.tasks, *([record.opens.task] if record.opens else [])):
            opened.setdefault(task, []).append(record.path)
    return opened


def _value(spec: FormField, raw: list[str], zone: ZoneInfo) -> Any:
    if spec.kind in ("topics", "competencies"):
        return raw
    value = raw[-1].strip() if raw else ""
    if spec.kind == "checkbox":
        return value in ("on", "true", "1")
    if spec.kind == "datetime" and value:
        try:
            return datetime.fromisoformat(value).replace(tzinfo=zone).isoformat()
        except ValueError:
            return value  # the command's validation names the field
    return value


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.0.b": 1}`` → ``{"a": [{"b": 1}]}`` (numeric parts are list positions)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node: Any = root
        for part, following in itertools.pairwise(parts):
            key: Any = int(part) if part.isdigit() else part
            empty: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                while len(node) <= key:
                    node.append(None)
                node[key] = node[key] if node[key] is not None else empty
                node = node[key]
            else:
                node = node.setdefault(key, empty)
        last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
        if isinstance(node, list):
            while len(node) <= last:
                node.append(None)
        node[last] = value
    return root


def payload(form: StepForm, posted: Mapping[str, list[str]], zone: ZoneInfo) -> dict[str, Any]:
    """The command's body from a posted form: blank optional fields (and a list entry left
    wholly blank) are left out, so the command's defaults apply."""
    flat: dict[str, Any] = dict(form.fixed)
    for spec in form.fields:
        value = _value(spec, posted.get(spec.name, []), zone)
        if spec.kind == "duration":
            days = (posted.get(f"{spec.name}{DAYS}") or [""])[-1].strip()
            value = f"P{days}D" if days.isdigit() and int(days) > 0 else value
        if spec.kind == "person":
            value = picked(spec.name, posted)
        if value in ("", []) and not spec.required:
            continue
        flat[spec.name] = value
    flat = _drop_blank_entries(form, flat)
    return unflatten(flat)


def _drop_blank_entries(form: StepForm, flat: dict[str, Any]) -> dict[str, Any]:
    """An optional list entry (an action item, an improvement) with every field blank is
    not there at all; one with some fields filled is validated as a whole."""
    optional = {s.name.rsplit(".", 1)[0] for s in form.fields if not s.required and "." in s.name}
    for prefix in optional:
        members = [s for s in form.fields if s.name.rsplit(".", 1)[0] == prefix]
        if any(s.required for s in members) or not any(s.name in flat for s in members):
            continue
        for s in members:  # partly filled: the blank ones go in, to be named as missing
            flat.setdefault(s.name, "")
    return flat


DAYS = "__days"
"""A duration field's companion: a number of days, instead of one of the usual choices."""
DURATIONS = (("P14D", "every 2 weeks"), ("P30D", "monthly"), ("P91D", "quarterly"))
MAX_ENTRIES = 10
"""How many entries of a repeated part a form offers (skills, achievements, goals, ...)."""


def group_of(name: str) -> str | None:
    """The repeated part a field belongs to: its name up to its first list position
    (``achievements.0.result.description`` → ``achievements``); None: not repeated."""
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            return ".".join(parts[:i])
    return None


def entry_name(name: str, group: str, n: int) -> str:
    """A field's name in entry ``n`` of its group."""
    return f"{group}.{n}{name[len(group) + 2 :]}"


def entries(form: StepForm, values: Mapping[str, list[str]]) -> dict[str, int]:
    """How many entries of each repeated part the posted values fill (at least one)."""
    groups = {g: 1 for f in form.fields if (g := group_of(f.name)) is not None}
    for name in values:
        group = group_of(name)
        if group in groups:
            n = int(name[len(group) + 1 :].split(".", 1)[0])
            groups[group] = max(groups[group], min(n + 1, MAX_ENTRIES))
    return groups


def with_entries(form: StepForm, counts: Mapping[str, int]) -> StepForm:
    """The form with ``counts[group]`` entries of each repeated part: the record's first
    entry copied, in place; a fixed value's ``{n}`` is the entry's number (``g{n}``)."""
    fields: list[FormField] = []
    done: set[str] = set()
    for spec in form.fields:
        group = group_of(spec.name)
        if group is None or group not in counts:
            fields.append(spec)
            continue
        if group in done:
            continue
        done.add(group)
        first = [f for f in form.fields if f.name.startswith(f"{group}.0")]
        for n in range(counts[group]):
            fields += [replace(f, name=entry_name(f.name, group, n)) for f in first]
    fixed: dict[str, Any] = {}
    for name, value in form.fixed.items():
        group = group_of(name)
        numbered = isinstance(value, str) and "{n}" in value
        for n in range(counts.get(group, 1) if group else 1):
            key = entry_name(name, group, n) if group else name
            fixed[key] = value.format(n=n + 1) if numbered else value
    return replace(form, fields=tuple(fields), fixed=fixed)


def changed_entries(
    values: dict[str, list[str]], add: str, remove: str
) -> dict[str, list[str]] | None:
    """The posted values with an entry added (``add``: its group) or removed (``remove``:
    ``group.n``, later entries moving up); None when the post asks neither."""
    if add:
        return {**values, f"{add}.{_next(values, add)}.__added": [""]}
    if not remove or "." not in remove:
        return None
    group, _, number = remove.rpartition(".")
    if not number.isdigit():
        return None
    gone, kept = int(number), {}
    for name, value in values.items():
        if group_of(name) != group:
            kept[name] = value
            continue
        n = int(name[len(group) + 1 :].split(".", 1)[0])
        if n != gone:
            kept[entry_name(name, group, n - (n > gone))] = value
    return kept


def _next(values: Mapping[str, list[str]], group: str) -> int:
    found = [
        int(name[len(group) + 1 :].split(".", 1)[0]) for name in values if group_of(name) == group
    ]
    return min(max(found, default=0) + 1, MAX_ENTRIES - 1)


def with_people(form: StepForm, people: tuple[tuple[str, str], ...]) -> StepForm:
    """The form with its person pickers listing ``people`` ((id, name), by name)."""
    if not any(f.kind == "person" for f in form.fields):
        return form
    fields = tuple(replace(f, options=people) if f.kind == "person" else f for f in form.fields)
    return replace(form, fields=fields)


BY_ID = "__id"
"""A person picker's companion: an employee id, for someone beyond the listed names."""


def picked(name: str, posted: Mapping[str, list[str]]) -> str:
    """The person a picker names: the id typed in, else the name chosen."""
    typed = (posted.get(f"{name}{BY_ID}") or [""])[-1].strip()
    return typed or (posted.get(name) or [""])[-1].strip()


def shaped(
    form: StepForm, values: Mapping[str, list[str]], people: tuple[tuple[str, str], ...]
) -> StepForm:
    """The form with as many entries of each repeated part as ``values`` fill, and its
    person pickers listing ``people``."""
    return with_people(with_entries(form, entries(form, values)), people)


def people_out_of_reach(
    form: StepForm, values: Mapping[str, list[str]], reachable: set[str]
) -> dict[str, str]:
    """The person fields naming someone the viewer may not pick (the picker's refusal)."""
    problems = {}
    for spec in form.fields:
        if spec.kind != "person":
            continue
        person = picked(spec.name, values)
        if person and person not in reachable:
            problems[spec.name] = "not someone you can pick here"
    return problems


def field_name(location: tuple[Any, ...]) -> str:
    """A validation error's location as the form field's name."""
    return ".".join(str(part) for part in location)


def with_goals(form: StepForm, goals: list[tuple[str, str]]) -> StepForm:
    """The form with its goal pickers (fields of kind ``goal``) listing these (id, text) goals."""
    if not any(f.kind == "goal" for f in form.fields):
        return form
    fields = tuple(replace(f, options=tuple(goals)) if f.kind == "goal" else f for f in form.fields)
    return replace(form, fields=fields)


RATINGS = (("meets", "meets"), ("below", "below"), ("exceeds", "exceeds"))
"""The rating scale as the forms offer it (meets first: the usual answer)."""


def with_framework(
    form: StepForm, terms: FrameworkTerms, achievements: list[str]
) -> StepForm | None:
    """The form with its framework fields filled from the case's framework version and the
    employee's position: one rating per competency of their level (with the STAR
    achievements to cite), the tracks and levels, the competencies a goal may name.
    None: a framework step the case cannot take (no framework, or no position)."""
    kinds = {f.kind for f in form.fields}
    if not kinds & {"rating", "track", "level", "competencies"}:
        return form
    framework = terms.framework
    fields: list[FormField] = []
    fixed = dict(form.fixed)
    for spec in form.fields:
        if spec.kind == "rating":
            if terms.position is None:
                return None
            expected = framework.expectations(terms.position.track, terms.position.level)
            if not expected:
                return None
            for i, (competency, expectation) in enumerate(expected.items()):
                fixed[f"ratings.{i}.competency"] = competency
                fields.append(
                    FormField(
                        f"ratings.{i}.rating",
                        f"{competency}: {expectation}",
                        "select",
                        options=RATINGS,
                    )
                )
                if achievements:
                    cited = tuple((str(n), a) for n, a in enumerate(achievements, 1))
                    fields.append(
                        FormField(
                            f"ratings.{i}.evidence",
                            f"Evidence for {competency}",
                            "topics",
                            required=False,
                            options=cited,
                        )
                    )
        elif spec.kind == "track":
            if not framework.version:
                return None
            tracks = tuple((t.name, t.name) for t in framework.tracks)
            fields.append(replace(spec, kind="select", options=tracks))
        elif spec.kind == "level":
            names = dict.fromkeys(lv.name for t in framework.tracks for lv in t.levels)
            fields.append(replace(spec, kind="select", options=tuple((n, n) for n in names)))
        elif spec.kind == "competencies":
            if framework.version:
                options = tuple((c, c) for c in framework.competencies)
                fields.append(replace(spec, options=options))
        else:
            fields.append(spec)
    return replace(form, fields=tuple(fields), fixed=fixed)


NOUNS = {
    "skills": "skill",
    "achievements": "achievement",
    "aspirations.next_roles": "next role",
    "goals": "goal",
    "activities": "activity",
    "alignment": "alignment",
    "action_items": "action item",
    "strengths": "strength",
    "improvements": "improvement",
    "feedback.strengths": "strength",
    "feedback.improvements": "improvement",
}
"""A repeated part's entry in words ("Add another skill")."""


@dataclass(frozen=True)
class Row:
    """One line of a form's layout: a field, or where an entry of a repeated part opens
    (``open``), closes (``close``, with its remove button) or may be added to (``add``)."""

    kind: str
    field: FormField | None = None
    group: str = ""
    number: int = 0
    label: str = ""
    removable: bool = False


def layout(form: StepForm) -> list[Row]:
    """The form's fields with each entry of a repeated part in a group of its own (the
    framework's ratings, one per competency, are not a part one adds to)."""
    counts: dict[str, int] = {}
    for spec in form.fields:
        entry = _entry(spec.name)
        if entry is not None:
            counts[entry[0]] = max(counts.get(entry[0], 0), entry[1] + 1)
    rows: list[Row] = []
    current: tuple[str, int] | None = None
    for spec in form.fields:
        entry = _entry(spec.name)
        if entry != current:
            if current is not None:
                rows += _closing(current, counts)
            if entry is not None:
                rows.append(Row("open", group=entry[0], number=entry[1], label=_noun(entry[0])))
            current = entry
        rows.append(Row("field", field=spec))
    if current is not None:
        rows += _closing(current, counts)
    return rows


def _entry(name: str) -> tuple[str, int] | None:
    group = group_of(name)
    if group is None or group == "ratings":
        return None
    return group, int(name[len(group) + 1 :].split(".", 1)[0])


def _noun(group: str) -> str:
    return NOUNS.get(group, group.rsplit(".", 1)[-1].replace("_", " "))


def _closing(entry: tuple[str, int], counts: Mapping[str, int]) -> list[Row]:
    group, n = entry
    noun = _noun(group)
    rows = [Row("close", group=group, number=n, label=noun, removable=counts[group] > 1)]
    if n == counts[group] - 1 and counts[group] < MAX_ENTRIES:
        rows.append(Row("add", group=group, label=noun))
    return rows

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

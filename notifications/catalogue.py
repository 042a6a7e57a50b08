"""The message ids careerflow speaks, and the catalogue files kept from them.

Two sources: the literal ids in the code and the page templates (``_("...")``,
``N_("...")``; Babel's extractors, as ``pybabel extract -F babel.cfg`` reads them), and
the words the domain's records give at run time (form labels and titles, tasks,
phases, deadlines, topics, event names). ``python -m notifications.catalogue`` (``make
messages``) writes ``notifications/locale/careerflow.pot`` and brings each language's
``.po`` up to it (its translations kept); ``tests/unit/test_catalogues.py`` fails when
a language lacks one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from domain import case_events, deadlines, step_catalog
from domain.career_gap import Rating
from domain.case_state import NoteVisibility
from domain.phases import Phase, PlanStatus
from domain.step_records import WHAT, Task
from domain.values import AgendaTopic, CaseOutcome
from notifications.translations import DOMAIN, LOCALES, SUPPORTED, po_path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("api/pages/templates/**.html", "jinja2.ext:babel_extract"),
    ("api/**.py", "python"),
    ("notifications/**.py", "python"),
]
OPTIONS = {"api/pages/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> Iterator[str]:
    """The literal message ids in the code and the templates."""
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        if isinstance(message, tuple):
            yield from (m for m in message if m)
        elif message:
            yield message


def _words(name: str) -> str:
    """As the pages write an event's name (``api.pages.render.words``)."""
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return spaced[:1].upper() + spaced[1:]


def at_run_time() -> Iterator[str]:
    """The words the domain's records and names give the pages and messages."""
    for command in step_catalog.case_steps() + step_catalog.item_steps():
        form = command.step.form
        if form is None:
            continue
        yield from (form.title, form.button, form.intro)
        for field in form.fields:
            yield field.label
            yield from (label for _, label in field.options)
    yield from WHAT.values()
    yield from (rule.what for rule in step_catalog.task_rules())
    yield from (d.what for d in deadlines.DEADLINES.values())
    for words in (Phase, PlanStatus, Task, AgendaTopic, CaseOutcome, Rating, NoteVisibility):
        yield from (member.value.replace("_", " ") for member in words)
    yield from (_words(event.__name__) for event in case_events.case_events())
    yield from ("upcoming", "current", "over", "hr admin", "auditor")


def message_ids() -> list[str]:
    """Every message id, once, in a stable order."""
    return sorted({m for m in (*extracted(), *at_run_time()) if m and m.strip()})


def write() -> None:
    """Write the template and bring every language's catalogue up to it."""
    template = Catalog(domain=DOMAIN, project="careerflow")
    for message in message_ids():
        template.add(message)
    with TEMPLATE.open("wb") as out:
        write_po(out, template, omit_header=True, sort_output=True)
    for language in SUPPORTED[1:]:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as existing:
                catalogue = read_po(existing, locale=language)
        else:
            catalogue = Catalog(locale=language, domain=DOMAIN)
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.fuzzy = False  # a fuzzy header would be left out of the compiled catalogue
        catalogue.project, catalogue.copyright_holder = "careerflow", "careerflow"
        with path.open("wb") as out:
            write_po(out, catalogue, omit_header=False, sort_output=True, ignore_obsolete=True)


def missing(language: str) -> list[str]:
    """The message ids the language's catalogue does not translate."""
    path = po_path(language)
    if not path.exists():
        return message_ids()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language)
    return [
        m
        for m in message_ids()
        if (entry := catalogue.get(m)) is None or not entry.string or entry.fuzzy
    ]


if __name__ == "__main__":
    write()
    for lang in SUPPORTED[1:]:
        print(f"{lang}: {len(missing(lang))} untranslated of {len(message_ids())}")

"""The message catalogues: every message id the code and the records give has its German,
with the same placeholders (a message added without its translation fails here)."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from notifications import translations
from notifications.catalogue import message_ids, missing
from notifications.translations import po_path

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_the_german_catalogue_translates_every_message() -> None:
    assert len(message_ids()) > 500
    assert missing("de") == []


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    with po_path("de").open("rb") as po:
        catalogue = read_po(po, locale="de")
    wrong = [
        m.id
        for m in catalogue
        if m.id
        and sorted(PLACEHOLDER.findall(str(m.id))) != sorted(PLACEHOLDER.findall(str(m.string)))
    ]
    assert wrong == []


def test_a_language_is_the_persons_then_the_browsers_then_english() -> None:
    assert translations.negotiate("de-AT", "en") == "de"
    assert translations.negotiate(None, "fr-FR, de;q=0.8, en;q=0.5") == "de"
    assert translations.negotiate("fr", None) == "en"
    with translations.speaking("de"):
        assert translations.gettext("My tasks") == "Meine Aufgaben"
        assert translations.number(1234.5) == "1.234,5"
    assert translations.gettext("My tasks") == "My tasks"


def test_every_template_parses_so_none_is_left_out_of_the_catalogue() -> None:
    from api.pages.render import HERE, templates

    names = [p.name for p in (HERE / "templates").glob("*.html")]
    assert len(names) > 20
    for name in names:
        templates.env.get_template(name)  # a syntax error raises here

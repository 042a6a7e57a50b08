"""Languages: gettext catalogues (Babel) and dates, times and numbers per locale.

English is the source language (every message id is its English text); German has a
catalogue, ``notifications/locale/de/LC_MESSAGES/careerflow.po``, read and compiled
in memory when first needed (no compiled ``.mo`` to keep in step). A person's
language is the roster's ``locale`` when careerflow speaks it, else the browser's
``Accept-Language`` (pages), else English. ``gettext`` answers in the language of the
current context (``speaking``), so the pages' templates, the messages' composers and
the problem details all ask the same way. ``make messages`` extracts the message ids
(``notifications/catalogue.py``); a test fails when the German catalogue lacks one.
"""

from __future__ import annotations

import contextlib
import functools
import gettext as stdlib_gettext
import io
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import humanize
from babel import Locale, UnknownLocaleError, dates, numbers
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locale"
DOMAIN = "careerflow"
SUPPORTED = ("en", "de")
DEFAULT = "en"

_current: ContextVar[str] = ContextVar("careerflow_locale", default=DEFAULT)


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(language: str) -> stdlib_gettext.NullTranslations:
    """The language's translations (English, and any language without one: the ids)."""
    path = po_path(language)
    if language == DEFAULT or not path.exists():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def supported(locale: str | None) -> str | None:
    """The language careerflow speaks for a locale (``de_AT`` → ``de``), or None."""
    if not locale:
        return None
    try:
        language = Locale.parse(locale.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return None
    return language if language in SUPPORTED else None


def negotiate(preferred: str | None, accept_language: str | None = None) -> str:
    """The person's own locale if careerflow speaks it, else the browser's best, else English."""
    own = supported(preferred)
    if own is not None:
        return own
    if accept_language:
        wanted = [
            part.split(";")[0].strip().replace("-", "_")
            for part in accept_language.split(",")[:20]
            if part.strip()
        ]
        best = negotiate_locale(wanted, list(SUPPORTED), sep="_")
        if best is not None:
            return supported(best) or DEFAULT
    return DEFAULT


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Everything translated inside is in ``language``."""
    token = _current.set(language if language in SUPPORTED else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def language() -> str:
    return _current.get()


def gettext(message: str, **values: Any) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled."""
    text = catalogue(_current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    text = catalogue(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext


def when(moment: datetime, zone: tzinfo, *, with_zone: bool = True) -> str:
    """A time in the current language, in ``zone``, to the minute (and the zone named)."""
    shown = dates.format_datetime(moment, "EEE dd MMM y HH:mm", tzinfo=zone, locale=_current.get())
    return f"{shown} {moment.astimezone(zone).tzname()}" if with_zone else shown


def number(value: float) -> str:
    return numbers.format_decimal(value, locale=_current.get())


def span(delta: timedelta) -> str:
    """A lateness or a lead time as people say it, in the current language ("2 days")."""
    return dates.format_timedelta(
        delta, granularity="hour", threshold=1.5, format="long", locale=_current.get()
    )


def N_(message: str) -> str:  # noqa: N802  (gettext's name for it)
    """Marks a message id for the catalogue where it is defined; ``_`` translates it later."""
    return message


def duration(delta: timedelta) -> str:
    """A lateness or a lead time as people say it: "2 days and 3 hours" (to the minute;
    in other languages than English as Babel says it, to the hour)."""
    if delta < timedelta(minutes=1):
        return gettext("less than a minute")
    if _current.get() != DEFAULT:
        return span(delta)
    rounded = timedelta(minutes=int(delta.total_seconds() // 60))
    text: str = humanize.precisedelta(rounded, minimum_unit="minutes", format="%d")
    return text

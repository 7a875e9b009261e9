"""Checks of the gettext catalogs: every message translated, nothing fuzzy, placeholders kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from livecommerce.config import LOCALES
from livecommerce.i18n import DOMAIN, TRANSLATIONS_DIR

_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%\([^()\s]+\)[sd]|%[sd]")


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    reason: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.msgid!r}: {self.reason}"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (str(message.id),)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(str(s) for s in message.string)
    return (str(message.string or ""),)


def check(directory: Path = TRANSLATIONS_DIR, locales: tuple[str, ...] = LOCALES) -> list[Problem]:
    """Everything wrong with the catalogs against the template `messages.pot`."""
    template = _read(directory / f"{DOMAIN}.pot")
    # A message is its id in its context (msgctxt): "UZS" as a currency's sign is one.
    wanted = {(f"{m.context}|" if m.context else "") + _ids(m)[0]: m for m in template if m.id}
    problems: list[Problem] = []
    for locale in locales:
        path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            problems.append(Problem(locale, "-", "the catalog is missing"))
            continue
        catalog = _read(path, locale)
        forms = catalog.num_plurals
        for key, source in wanted.items():
            message = catalog.get(source.id, context=source.context)
            if message is None:
                problems.append(Problem(locale, key, "missing from the catalog"))
                continue
            strings = _strings(message)
            if message.fuzzy:
                problems.append(Problem(locale, key, "fuzzy"))
            if any(not s.strip() for s in strings) or (
                source.pluralizable and len(strings) < forms
            ):
                problems.append(Problem(locale, key, "untranslated"))
                continue
            expected = {p for i in _ids(source) for p in _PLACEHOLDER.findall(i)}
            for text in strings:
                found = set(_PLACEHOLDER.findall(text))
                if found - expected:
                    problems.append(
                        Problem(locale, key, f"unknown placeholder {sorted(found - expected)}")
                    )
                elif not source.pluralizable and expected - found:
                    problems.append(
                        Problem(locale, key, f"placeholder dropped {sorted(expected - found)}")
                    )
    return problems

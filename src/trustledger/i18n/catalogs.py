"""The compiled gettext catalogs (`locale/*/LC_MESSAGES/messages.mo`, built by `make`) per language."""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import Translations

from trustledger.domain.errors import TrustLedgerError
from trustledger.domain.texts import Language, LocalizedText

ListStyle = Literal["standard", "or"]
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
# The language the templates and the code are written in: it needs no catalog.
SOURCE_LANGUAGE = Language.EN
# Babel's name of each language's locale (its CLDR data: dates, numbers, plural rules).
LOCALES = {Language.ZH_HANS: "zh_Hans", Language.EN: "en"}
# How a day is written: Chinese as in official letters (2026年12月1日); English keeps ISO 8601,
# which the API, the CLI and the pinned English letters use.
DAY_FORMATS = {Language.ZH_HANS: "long", Language.EN: "yyyy-MM-dd"}


class CatalogMissing(TrustLedgerError):
    """A language's compiled catalog is absent: the build (`make install`) compiles the .po files."""

    title = "Catalog missing"


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The catalog of `language`; the source language's is the identity."""
    if language is SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    name = LOCALES[language]
    mo = LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        raise CatalogMissing(f"{mo} is not compiled: run `make install` (pybabel compile)")
    return Translations.load(str(LOCALE_DIR), [name], DOMAIN)


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything one language needs to write for a person: messages, days, numbers, plurals."""

    language: Language

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.language).ngettext(singular, plural, n)

    def day(self, value: date | str | None, empty: str = "—") -> str:
        """A day as the language writes it; ISO text (as letters' facts hold days) is read first."""
        if value is None or value == "":
            return empty
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return _day(value, self.language)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=_locale(self.language))

    def listing(self, items: Sequence[str], *, style: ListStyle = "standard") -> str:
        """Items as the language lists them: "a and b", "a、b和c"; style "or": "a or b"."""
        return format_list(list(items), style=style, locale=_locale(self.language)) if items else ""

    def text(self, value: LocalizedText) -> str:
        return value.in_language(self.language)


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(LOCALES[language])


# Letters and pages write the same few days over and over (a notice's dates, today): Babel parses
# its pattern and locale data on every call, which was a fifth of rendering a notice.
@lru_cache(maxsize=4096)
def _day(value: date, language: Language) -> str:
    return format_date(value, DAY_FORMATS[language], locale=_locale(language))


@cache
def translator(language: Language) -> Translator:
    return Translator(language)

"""Text a person reads, in every language the registry speaks: Simplified Chinese first, English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Language(StrEnum):
    """The languages pages and letters are written in, by BCP 47 tag; the first is the default."""

    ZH_HANS = "zh-Hans"
    EN = "en"


LANGUAGES = tuple(Language)


# What a browser or a contact record may say, lower-cased, and the language it chooses. Every
# Chinese tag that is not explicitly Traditional chooses Simplified Chinese.
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def parse_language(tag: str | None) -> Language | None:
    """The registry's language a BCP 47 tag names (`zh`, `zh-CN`, `zh-Hans`, `en-GB`), or None."""
    if not tag:
        return None
    value = tag.strip().replace("_", "-").lower()
    for language in LANGUAGES:
        if value == language.value.lower():
            return language
    if value == "zh" or (value.startswith("zh-") and not value.startswith(_TRADITIONAL)):
        return Language.ZH_HANS
    if value == "en" or value.startswith("en-"):
        return Language.EN
    return None


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """One text given in each of LANGUAGES (a rule's title, say); `en` is what integrators get."""

    texts: tuple[tuple[Language, str], ...]

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> LocalizedText:
        """The text from a mapping of language tag to text; ValueError names a missing language."""
        missing = [lang.value for lang in LANGUAGES if not texts.get(lang.value, "").strip()]
        if missing:
            raise ValueError(f"the text is not given in {', '.join(missing)}")
        unknown = sorted(set(texts) - {lang.value for lang in LANGUAGES})
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a language of the registry")
        return cls(tuple((lang, texts[lang.value]) for lang in LANGUAGES))

    def in_language(self, language: Language) -> str:
        return dict(self.texts)[language]

    @property
    def en(self) -> str:
        return self.in_language(Language.EN)

    def as_dict(self) -> dict[str, str]:
        return {lang.value: text for lang, text in self.texts}


def N_(message: str) -> str:
    """Marks `message` for the catalog where it is defined; it is translated where it is shown."""
    return message


class Quoted(str):
    """Words a person typed (an appeal's grounds, an officer's reasons): shown as typed, never
    translated."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence for a person, not yet in a language: a catalog message and what fills it in.

    `str()` gives the English (the source language); pages render it in the reader's language,
    translating the message and any parameter that is itself a Message or a LocalizedText.
    """

    text: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, text: str, /, **params: object) -> Message:
        return cls(text, tuple(params.items()))

    def __str__(self) -> str:
        return self.text % {k: _english(v) for k, v in self.params} if self.params else self.text


def _english(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_english(v) for v in value)
    if isinstance(value, LocalizedText):
        return value.en
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# The empty message: a timeline entry with no detail, say.
NO_MESSAGE = Message("")

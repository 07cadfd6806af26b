"""A subject's letter in the other language: written again from the facts it stated when sent."""

from __future__ import annotations

from trustledger.delivery.letters import TEMPLATE_VERSION, JinjaLetters, Letter
from trustledger.domain.notice_letters import NoticeLetter
from trustledger.domain.texts import LANGUAGES, Language
from trustledger.services.due_process.letters import facts_context

# The link to a letter in a language, written in that language (as the language switch is).
READ_IN = {Language.ZH_HANS: "阅读此信的中文版本", Language.EN: "Read this letter in English"}


def other_language(letter: NoticeLetter, default: Language) -> Language | None:
    """The language the letter was not sent in, if it can be written in it (it kept its facts)."""
    if letter.facts is None:
        return None
    sent_in = letter.language or default
    return next(lang for lang in LANGUAGES if lang is not sent_in)


def in_language(letter: NoticeLetter, language: Language) -> Letter | None:
    """The letter in `language` from its facts; None for a letter issued before facts were kept."""
    if letter.facts is None:
        return None
    facts = facts_context(letter.facts, letter=letter)
    titles = letter.facts.get("titles")
    if isinstance(titles, dict) and language.value in titles:
        facts["title"] = titles[language.value]  # the rule's title, kept in every language
    version = letter.template_version or TEMPLATE_VERSION
    return JinjaLetters().render(letter.purpose, facts, language=language, version=version)

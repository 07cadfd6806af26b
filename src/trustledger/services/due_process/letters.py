"""Notice letters: the facts each one states, rendered through the LetterRenderer port.

A letter is written once, when issued, and its SHA-256 taken then (of the letter as kept: the
access code masked, see letter_sha256); the store keeps its facts, its templates' version and
that hash, not its words. Read back, it is written again from them (WrittenLater) and checked:
a letter whose words no longer match is a LetterAltered error naming it (docs/store.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from trustledger.domain.corrections import record_of
from trustledger.domain.errors import LetterAltered
from trustledger.domain.evaluation import (
    Assessment,
    ErasureCase,
    Restriction,
    ReviewCase,
    SubjectState,
)
from trustledger.domain.events import NoticePurpose
from trustledger.domain.notice_letters import MASK, LetterBody, NoticeLetter
from trustledger.domain.notice_requests import IssuedNotice
from trustledger.domain.rulebook import Scope
from trustledger.domain.texts import Language


class Letter(Protocol):
    """A rendered letter (trustledger.delivery.letters.Letter has this shape)."""

    @property
    def subject_line(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


class LetterRenderer(Protocol):
    """Renders a notice's purpose and facts in a language (trustledger.delivery.letters.JinjaLetters)."""

    def render(
        self, purpose: NoticePurpose, context: dict[str, Any], *, language: Language
    ) -> Letter: ...

    def subject_line(self, purpose: NoticePurpose, *, language: Language) -> str:
        """The subject line alone (a letter kept to be written when first read keeps it)."""
        ...


class LetterWriter(Protocol):
    """Writes a kept letter again with the templates of its version (JinjaLetters)."""

    def render(
        self, purpose: NoticePurpose, context: dict[str, Any], *, language: Language, version: str
    ) -> Letter: ...


# Every key a template may ask for, present in every context: templates are strict about names.
CONTEXT_KEYS = (
    "subject",
    "notice_id",
    "purpose",
    "issued_on",
    "appeal_url",
    "access_code",
    "title",
    "reason",
    "legal_basis",
    "scopes",
    "record_id",
    "case_ref",
    "source",
    "decided_on",
    "starts_on",
    "ends_on",
    "lifted_on",
    "appeal_by",
    "lift_on_fulfilment",
    "suspend_on_appeal",
    "review_case_id",
    "score",
    "below",
    "appeal_id",
    "outcome",
    "reasons",
    "changes",
    "adverse",
    "from_correction",
    "erasure_case_id",
    "requested_on",
    "pending_appeal_id",
    "appeal_deadline",
)


def _restriction_facts(r: Restriction) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "reason": r.reason,
        "legal_basis": r.legal_basis,
        "scopes": tuple(s.value for s in Scope if s in r.scopes),
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "lifted_on": r.lifted_on,
        "appeal_by": r.appeal_by,
    }
    return facts


def _record_facts(a: Assessment, language: Language) -> dict[str, Any]:
    rule = a.rule
    return {
        "record_id": a.record.record_id,
        "title": rule.title.in_language(language) if rule else a.record.type,
        "case_ref": a.record.case_ref,
        "source": a.record.source,
        "decided_on": a.record.decided_on,
        "lift_on_fulfilment": bool(rule and rule.lift_on_fulfilment),
        "suspend_on_appeal": bool(rule and rule.suspend_on_appeal),
    }


def _case_facts(c: ReviewCase) -> dict[str, Any]:
    return {"review_case_id": c.case_id, "score": c.score, "below": c.below, "reasons": c.reasons}


def _erasure_facts(c: ErasureCase, state: SubjectState, language: Language) -> dict[str, Any]:
    """A granted request's letter outlives its record (it is sealed under the subject's own
    key): it names the record by its id and rule only, never its case or source."""
    found = next((a for a in state.assessments if a.record.record_id == c.record_id), None)
    rule = found.rule if found is not None else None
    return {
        "erasure_case_id": c.case_id,
        "requested_on": c.filed_on,
        "record_id": c.record_id,
        "title": rule.title.in_language(language) if rule else c.record_id,
    }


def _pending_appeal_facts(state: SubjectState, record_id: str) -> dict[str, Any]:
    """A withdrawal decides no appeal about the record: its letter names the one still open (the
    earliest deadline), which an officer decides by its deadline. None: the keys stay blank, so a
    letter with no such appeal is written as before (its hash is pinned)."""
    pending = sorted(
        (a for a in state.appeals if a.decided_on is None and record_of(a.target) == record_id),
        key=lambda a: (a.deadline, a.appeal_id),
    )
    if not pending:
        return {}
    return {"pending_appeal_id": pending[0].appeal_id, "appeal_deadline": pending[0].deadline}


# Every key, blank: a letter's context starts as a copy (one per notice in a bulk import).
_BLANK: dict[str, Any] = dict.fromkeys(CONTEXT_KEYS) | {
    "lift_on_fulfilment": False,
    "suspend_on_appeal": False,
    "changes": (),
    "adverse": False,
    "from_correction": False,
}


def letter_context(
    notice: IssuedNotice,
    state: SubjectState,
    *,
    appeal_url: str,
    extra: Mapping[str, Any],
    language: Language,
) -> dict[str, Any]:
    """The facts of the notice's target in `state`, then `extra` (a decision's outcome, reasons).

    A rule's title is given in `language`; a review case's restriction has none (the letter names
    the case).
    """
    ctx = _BLANK.copy()
    ctx["subject"] = notice.subject
    ctx["notice_id"] = notice.notice_id
    ctx["purpose"] = notice.purpose.value
    ctx["issued_on"] = notice.issued_on
    ctx["appeal_url"] = appeal_url
    ctx["access_code"] = notice.access_code
    target = notice.target
    case = next((c for c in state.review_cases if c.case_id == target), None)
    if case is not None:
        ctx |= _case_facts(case)
    record_id = record_of(target)
    ctx["from_correction"] = record_id != target
    assessment = next((a for a in state.assessments if a.record.record_id == record_id), None)
    if assessment is not None:
        ctx |= _record_facts(assessment, language)
    restriction = next((r for r in state.restrictions if r.restriction_id == target), None)
    if restriction is not None:
        ctx |= _restriction_facts(restriction)
    erasure = next((c for c in state.erasure_cases if c.case_id == target), None)
    if erasure is not None:
        ctx |= _erasure_facts(erasure, state, language)
    if notice.purpose is NoticePurpose.WITHDRAWAL:
        ctx |= _pending_appeal_facts(state, record_id)
    ctx |= extra
    for key, value in ctx.items():  # dates as ISO text (values change, keys do not)
        if isinstance(value, date):
            ctx[key] = value.isoformat()
    return ctx


@dataclass(frozen=True, slots=True)
class NoticeLetters:
    """Writes each issued notice's letter once, as issued, for the outbox and the portal."""

    renderer: LetterRenderer
    appeal_url: str
    # The deployment's language (TRUSTLEDGER_LANGUAGE): letters to a subject whose contact asked
    # for none are written in it.
    language: Language
    # The version of the renderer's templates (JinjaLetters.version), kept with each letter.
    template_version: str = "1"

    def compose(
        self,
        notice: IssuedNotice,
        state: SubjectState,
        *,
        at: datetime,
        extra: Mapping[str, Any] | None = None,
        language: Language | None = None,
        written: bool = True,
    ) -> NoticeLetter:
        """The letter in `language` (the subject's contact's), else in the deployment's.

        Written now and hashed; or, `written=False` (a record's letters: writing them was half a
        bulk import's time and a fifth of a single write's), kept as its facts only, written when
        first read and hashed when the outbox sends it or an officer posts it: its facts and
        templates' version fix its bytes, and the hash of those (facts_sha256) is checked until then.
        """
        language = language or self.language
        context = letter_context(
            notice, state, appeal_url=self.appeal_url, extra=extra or {}, language=language
        )
        facts = kept_facts(context) | {"titles": rule_titles(notice, state)}
        if not written:
            subject_line = self.renderer.subject_line(notice.purpose, language=language)
            later = NoticeLetter(
                notice_id=notice.notice_id,
                subject=notice.subject,
                purpose=notice.purpose,
                target=notice.target,
                issued_on=notice.issued_on,
                subject_line=subject_line,
                body=Words("", ""),
                created_at=at,
                access_code=notice.access_code,
                next_attempt_at=at,
                language=language,
                facts=facts,
                template_version=self.template_version,
                facts_sha256=facts_sha256(
                    facts,
                    template_version=self.template_version,
                    language=language,
                    subject_line=subject_line,
                    notice=notice,
                ),
            )
            return replace(later, body=WrittenLater(_CurrentTemplates(self.renderer), later))
        letter = self.renderer.render(notice.purpose, context, language=language)
        words = Words(letter.text, letter.html, notice.access_code)
        return NoticeLetter(
            notice_id=notice.notice_id,
            subject=notice.subject,
            purpose=notice.purpose,
            target=notice.target,
            issued_on=notice.issued_on,
            subject_line=letter.subject_line,
            body=words,
            created_at=at,
            access_code=notice.access_code,
            next_attempt_at=at,
            language=language,
            facts=facts,
            template_version=self.template_version,
            sha256=letter_sha256(letter.subject_line, words),
        )


def rule_titles(notice: IssuedNotice, state: SubjectState) -> dict[str, str] | None:
    """The title of the notice's rule in every language (the letter's facts name it in one)."""
    record_id = record_of(notice.target)
    # A granted erasure request's letter is the case's: it names the case's record.
    erasure = next((c for c in state.erasure_cases if c.case_id == notice.target), None)
    if erasure is not None:
        record_id = erasure.record_id
    found = next((a for a in state.assessments if a.record.record_id == record_id), None)
    return found.rule.title.as_dict() if found is not None and found.rule else None


# Facts the notice's row holds in columns of its own: not kept twice.
ROW_FACTS = ("subject", "notice_id", "purpose", "issued_on")
_MISSING = object()


def kept_facts(context: Mapping[str, Any]) -> dict[str, Any]:
    """A letter's facts as JSON values, the access code shown masked (the portal, where they are
    read again, is opened with one). A fact at its blank value, or held in the notice's row, is
    left out (facts_context puts it back): most are blank in any one letter, and every issued
    letter keeps its facts."""
    kept = {}
    for key, value in context.items():
        if key in ROW_FACTS:
            continue
        blank = _KEPT_BLANK.get(key, _MISSING)
        if value is blank:  # most are None or False, as blank: nothing to convert
            continue
        json = _json_value(value)
        if json != blank:
            kept[key] = json
    if context.get("access_code"):
        kept["access_code"] = MASK
    return kept


def facts_context(
    facts: Mapping[str, Any],
    *,
    letter: NoticeLetter | None = None,
    access_code: str | None = None,
) -> dict[str, Any]:
    """The context a letter was written from, again from its kept facts and `letter`'s row;
    with `access_code` (while it is kept, until delivery) in place of its mask."""
    context = _BLANK | {key: value for key, value in facts.items() if key != "titles"}
    if letter is not None:
        row = {
            "subject": letter.subject,
            "notice_id": letter.notice_id,
            "purpose": letter.purpose.value,
            "issued_on": letter.issued_on.isoformat(),
        }
        for key, value in row.items():
            if context.get(key) is None:
                context[key] = value
    if access_code is not None and context.get("access_code") == MASK:
        context["access_code"] = access_code
    return context


# json.dumps with these options, its encoder made once (dumps makes one a call).
_FACTS_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def facts_sha256(
    facts: Mapping[str, Any] | None,
    *,
    template_version: str | None,
    language: Language | None,
    subject_line: str,
    notice: IssuedNotice | NoticeLetter,  # the row's own facts
) -> str:
    """SHA-256 (hex) of everything a letter kept to be written when first read is written from:
    its facts (the access code masked), templates' version, language, subject line and the row's
    own facts. Taken when it is issued, it stands in for the letter's hash until that is taken
    as it is sent: a letter whose facts were changed since is refused, not written differently.
    Given as parts, so that compose makes the letter once, with its hash."""
    kept = {
        "facts": facts,
        "template_version": template_version,
        "language": language.value if language else None,
        "subject_line": subject_line,
        "subject": notice.subject,
        "notice_id": notice.notice_id,
        "purpose": notice.purpose.value,
        "issued_on": notice.issued_on.isoformat(),
    }
    return hashlib.sha256(_FACTS_JSON.encode(kept).encode()).hexdigest()


def letter_sha256(subject_line: str, body: LetterBody) -> str:
    """SHA-256 (hex) of a letter as kept: subject line, text and HTML with its access code
    masked, each in UTF-8 and ended by a NUL. The letter sent is these bytes with the mask
    replaced by the code, whose own hash is in the NOTICE_ISSUED event; so the hash can be
    checked for as long as the letter is kept, also once the code is dropped."""
    kept = body.masked()
    digest = hashlib.sha256()
    for part in (subject_line, kept.text, kept.html):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Words:
    """A letter's words as written (a LetterBody); `access_code` is the code they contain, if
    any, until it is masked."""

    text: str
    html: str
    access_code: str | None = None

    def masked(self) -> Words:
        code = self.access_code
        if code is None:
            return self
        return Words(self.text.replace(code, MASK), self.html.replace(code, MASK))


def kept_words(letter: NoticeLetter, text: str, html: str) -> Words:
    """The words of a letter kept as sent (before facts were kept), checked against its hash."""
    words = Words(text, html, letter.access_code)
    if letter.sha256 is not None and letter_sha256(letter.subject_line, words) != letter.sha256:
        raise LetterAltered(letter.notice_id)
    return words


class WrittenLater:
    """The body of a letter read back from the store: written again from its facts with its
    templates' version when first read (a listing of letters writes none), then checked
    against the hash taken when it was issued."""

    __slots__ = ("_letter", "_words", "_writer")

    def __init__(self, writer: LetterWriter, letter: NoticeLetter) -> None:
        self._writer = writer
        self._letter = letter  # its facts, version, language, code and hash (not its body)
        self._words: Words | None = None

    @property
    def text(self) -> str:
        return self._written().text

    @property
    def html(self) -> str:
        return self._written().html

    def masked(self) -> LetterBody:
        if self._words is not None:
            return self._words.masked()
        return WrittenLater(self._writer, _without_code(self._letter))

    def _written(self) -> Words:
        if self._words is None:
            self._words = _write_again(self._writer, self._letter)
        return self._words


def _without_code(letter: NoticeLetter) -> NoticeLetter:
    return replace(letter, access_code=None)


@dataclass(frozen=True, slots=True)
class _CurrentTemplates:
    """The renderer as a LetterWriter, for letters issued with its own templates' version."""

    renderer: LetterRenderer

    def render(
        self, purpose: NoticePurpose, context: dict[str, Any], *, language: Language, version: str
    ) -> Letter:
        return self.renderer.render(purpose, context, language=language)


def _write_again(writer: LetterWriter, letter: NoticeLetter) -> Words:
    """The letter written from its facts; checked against its hash once it has one (a letter
    kept to be written when first read has none until it is sent), else against its facts'."""
    if letter.facts is None or letter.template_version is None:
        raise LetterAltered(letter.notice_id)
    if letter.sha256 is None and letter.facts_sha256 is not None:
        found = facts_sha256(
            letter.facts,
            template_version=letter.template_version,
            language=letter.language,
            subject_line=letter.subject_line,
            notice=letter,
        )
        if found != letter.facts_sha256:
            raise LetterAltered(letter.notice_id)
    context = facts_context(letter.facts, letter=letter, access_code=letter.access_code)
    language = letter.language or Language.ZH_HANS
    written = writer.render(
        letter.purpose, context, language=language, version=letter.template_version
    )
    words = Words(written.text, written.html, letter.access_code)
    if letter.sha256 is not None and letter_sha256(written.subject_line, words) != letter.sha256:
        raise LetterAltered(letter.notice_id)
    return words


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, _SCALARS):  # most facts: tested first
        return value
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    return str(value)


_SCALARS = (str, bool, int, float)  # a tuple: isinstance takes it faster than a union


_KEPT_BLANK = {key: _json_value(value) for key, value in _BLANK.items()}

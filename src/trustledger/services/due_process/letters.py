"""Notice letters: the facts each one states, rendered through the LetterRenderer port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from trustledger.domain.corrections import record_of
from trustledger.domain.evaluation import Assessment, Restriction, ReviewCase, SubjectState
from trustledger.domain.events import NoticePurpose
from trustledger.domain.notice_letters import MASK, NoticeLetter
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

    def compose(
        self,
        notice: IssuedNotice,
        state: SubjectState,
        *,
        at: datetime,
        extra: Mapping[str, Any] | None = None,
        language: Language | None = None,
    ) -> NoticeLetter:
        """The letter in `language` (the subject's contact's), else in the deployment's."""
        language = language or self.language
        context = letter_context(
            notice, state, appeal_url=self.appeal_url, extra=extra or {}, language=language
        )
        letter = self.renderer.render(notice.purpose, context, language=language)
        return NoticeLetter(
            notice_id=notice.notice_id,
            subject=notice.subject,
            purpose=notice.purpose,
            target=notice.target,
            issued_on=notice.issued_on,
            subject_line=letter.subject_line,
            text=letter.text,
            html=letter.html,
            created_at=at,
            access_code=notice.access_code,
            next_attempt_at=at,
            language=language,
            facts=kept_facts(context) | {"titles": rule_titles(notice, state)},
        )


def rule_titles(notice: IssuedNotice, state: SubjectState) -> dict[str, str] | None:
    """The title of the notice's rule in every language (the letter's facts name it in one)."""
    record_id = record_of(notice.target)
    found = next((a for a in state.assessments if a.record.record_id == record_id), None)
    return found.rule.title.as_dict() if found is not None and found.rule else None


def kept_facts(context: Mapping[str, Any]) -> dict[str, Any]:
    """A letter's facts as JSON values, the access code shown masked (the portal, where they are
    read again, is opened with one)."""
    return {key: _json_value(value) for key, value in context.items()} | {"access_code": MASK}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)

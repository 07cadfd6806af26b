"""Response bodies of a subject's file: its explanation as of a date and its history of events.

The explanation is domain.explanation's (the CLI's --json prints the same); these models give it
an OpenAPI schema and a type. They forbid extra keys, so a field added there and not here fails
the API tests instead of vanishing from the answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

_STRICT = ConfigDict(extra="forbid")


class RuleOut(BaseModel):
    model_config = _STRICT

    code: str
    title: str
    titles: dict[str, str]
    legal_basis: str
    version_from: date | None


class HistoryOut(BaseModel):
    """Which records made the count of the rule's history term (repeat, points_within)."""

    model_config = _STRICT

    measure: str
    within_days: int
    at_least: int
    total: int
    holds: bool
    counted: list[str]


class RecordChangeOut(BaseModel):
    model_config = _STRICT

    on: date | None
    what: str
    text: str


class RecordExplained(BaseModel):
    model_config = _STRICT

    record_id: str
    type: str
    case_ref: str
    source: str
    occurred_on: date | None
    decided_on: date | None
    recorded_on: date | None
    rule: RuleOut | None
    status: str
    status_text: str
    points: int
    counts_until: date | None
    overturned_on: date | None
    fulfilled_on: date | None
    history: HistoryOut | None
    changes: list[RecordChangeOut]


class RecordCause(BaseModel):
    model_config = _STRICT

    record_id: str


class ReviewCause(BaseModel):
    model_config = _STRICT

    review_case_id: str | None


class RestrictionExplained(BaseModel):
    model_config = _STRICT

    restriction_id: str
    scopes: list[str]
    reason: str
    legal_basis: str
    cause: RecordCause | ReviewCause
    status: str
    noticed_on: date | None
    starts_on: date | None
    ends_on: date | None
    lifted_on: date | None
    appeal_by: date | None


class AppealExplained(BaseModel):
    model_config = _STRICT

    appeal_id: str
    target: str
    filed_on: date | None
    deadline: date | None
    decided_on: date | None
    outcome: str | None
    reasons: str | None


class ReviewCaseExplained(BaseModel):
    model_config = _STRICT

    case_id: str
    opened_on: date | None
    score: int
    below: int
    decided_on: date | None
    outcome: str | None


class ErasureRequestExplained(BaseModel):
    model_config = _STRICT

    case_id: str
    record_id: str
    filed_on: date | None
    reason: str
    deadline: date | None
    decided_on: date | None
    outcome: str | None  # granted, refused; None while it waits for an officer
    reasons: str | None


class ErasureExplained(BaseModel):
    """Records erased: how many, on which basis; not which (their ids went with their keys)."""

    model_config = _STRICT

    on: date | None
    basis: str  # "retention", or the granted request's case id
    ended_on: date | None
    records: int
    # The letters telling of it not yet delivered when it erased the subject's last records:
    # the rest of the file (key, address, letters) is erased once each is delivered or posted.
    awaits_letters: list[str]


class FileOut(BaseModel):
    """Why the subject stands where they stand on `as_of`."""

    model_config = _STRICT

    subject: str
    as_of: date | None
    score: int
    band: str
    records: list[RecordExplained]
    restrictions: list[RestrictionExplained]
    appeals: list[AppealExplained]
    review_cases: list[ReviewCaseExplained]
    review_due: bool
    erasure_requests: list[ErasureRequestExplained]
    erasures: list[ErasureExplained]


class EventOut(BaseModel):
    seq: int
    kind: str
    on: date
    record_id: str | None
    actor: str
    data: dict[str, Any]


class EventsOut(BaseModel):
    events: list[EventOut]
    next_after: int | None  # pass as `after` for more; None on the last page

"""The officers' lists: undecided appeals, open review cases and erasure requests, as summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class AppealSummary:
    appeal_id: str
    subject: str
    target: str  # the record_id or review case_id of the restriction appealed
    filed_on: date
    deadline: date
    # Since it was filed the record may have been withdrawn by its source or overturned by
    # another appeal: the appeal stays open (the subject may still want the finding declared
    # wrong) but keeps the record only until its deadline, so officers are shown the day.
    record_withdrawn_on: date | None = None
    record_overturned_on: date | None = None


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    case_id: str
    subject: str
    opened_on: date
    score: int
    below: int


@dataclass(frozen=True, slots=True)
class ErasureSummary:
    case_id: str
    subject: str
    record_id: str  # the record the subject asks to erase
    filed_on: date
    deadline: date

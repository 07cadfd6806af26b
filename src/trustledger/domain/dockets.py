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

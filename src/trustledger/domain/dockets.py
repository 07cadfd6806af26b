"""The officers' lists: undecided appeals and open review cases, as summaries."""

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

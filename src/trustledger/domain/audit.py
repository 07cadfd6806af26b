"""Audit entries (every read of a file and every decision, invariant 7) and a verification's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    subject: str | None
    purpose: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    intact: bool
    entries: int
    first_broken: int | None = None  # the seq of the first entry that does not verify
    reason: str | None = None

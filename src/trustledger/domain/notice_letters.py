"""A notice's letter as issued, where its delivery through the outbox stands, and where it goes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from trustledger.domain.events import NoticePurpose
from trustledger.domain.texts import Language

# Shown in place of a portal access code in a letter kept after it was sent (the outbox's
# `masked`) and in the facts kept with every letter: the code's shape, none of its characters.
MASK = "XXXX-XXXX-XXXX-XXXX"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # sent by email, or posted by an officer
    UNDELIVERED = "undelivered"  # no address, or out of attempts: in the officers' queue


class LetterBody(Protocol):
    """A letter's words: written from its facts when first read (services.due_process.letters),
    or kept as sent for a letter from before facts were kept."""

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...

    def masked(self) -> LetterBody:
        """The same letter with the access code shown as MASK."""
        ...


@dataclass(frozen=True, slots=True)
class NoticeLetter:
    """A notice's letter as issued, and its delivery through the outbox.

    `access_code` (plaintext) is kept only until the letter is delivered, by email or by post:
    the outbox must be able to send it again. Once delivered, the code is masked in `text` and
    `html` and dropped; only its hash stays, in the NOTICE_ISSUED event.

    The words are in `body`: kept as written when issued, or, read back from the store, written
    again from `facts` with the templates of `template_version` when first read; one that does
    not match `sha256` is a LetterAltered error naming the notice, never a different letter.
    """

    notice_id: str
    subject: str
    purpose: NoticePurpose
    target: str
    issued_on: date
    subject_line: str
    body: LetterBody
    created_at: datetime
    access_code: str | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    channel: str | None = None  # "email" or "post" once delivered
    language: Language | None = None  # what it is written in (None: issued before languages)
    # What the letter stated, as JSON values, without the access code: the portal writes the same
    # letter in the subject's other language from them (None: issued before facts were kept).
    facts: Mapping[str, Any] | None = None
    # The letter templates' version its body is written with (None: kept as sent, compressed).
    template_version: str | None = None
    # SHA-256 of the letter as issued, its access code masked (services.due_process.letters.
    # letter_sha256): a letter written again must match it.
    sha256: str | None = None
    # SHA-256 of what a letter kept to be written when first read will be written from (its facts,
    # version, language, subject line and row; services.due_process.letters.facts_sha256), taken
    # when issued: until it is sent and hashed, facts that no longer match are a LetterAltered.
    facts_sha256: str | None = None

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def html(self) -> str:
        return self.body.html


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a subject's letters go, and the language they are written in (None: the default)."""

    email: str
    language: Language | None = None

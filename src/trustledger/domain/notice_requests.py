"""Notices: a restriction cannot start before its subject is told, so intake issues one at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from trustledger.domain.events import NoticeIssued, NoticePurpose
from trustledger.domain.records import Event, EventKind
from trustledger.domain.targets import target_record

# 80 random bits as 16 base32 letters (A-Z, 2-7: no 0 or 1 to mistake for O or I). Only a fast
# hash is stored, so the code itself must resist guessing offline.
ACCESS_CODE_BYTES = 10


@dataclass(frozen=True, slots=True)
class IssuedNotice:
    """A notice just issued; `access_code` is the only copy of the plaintext (for the letter)."""

    notice_id: str
    subject: str
    target: str
    purpose: NoticePurpose
    issued_on: date
    access_code: str


def new_access_code() -> str:
    chars = base64.b32encode(secrets.token_bytes(ACCESS_CODE_BYTES)).decode()
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def hash_access_code(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalized.encode()).hexdigest()


def notice_event(
    subject: str, *, target: str, purpose: NoticePurpose, on: date, actor: str = "system"
) -> tuple[Event, IssuedNotice]:
    notice_id = f"ntc_{secrets.token_hex(10)}"
    code = new_access_code()
    payload = NoticeIssued(notice_id, target, purpose, hash_access_code(code))
    event = payload.as_event(subject, on, record_id=target_record(target), actor=actor)
    return event, IssuedNotice(notice_id, subject, target, purpose, on, code)


# Longer than any code we issue (19 characters with dashes): refuse before hashing.
MAX_ACCESS_CODE = 64


def code_matches(events: Iterable[Event], code: str) -> bool:
    """Whether `code` opens one of these notices; compares with every hash in constant time."""
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_ACCESS_CODE:
        return False
    candidate = hash_access_code(code)
    found = False
    for event in events:
        if event.kind is EventKind.NOTICE_ISSUED:
            stored = NoticeIssued.of(event).access_code_hash or ""
            found |= hmac.compare_digest(stored, candidate)
    return found

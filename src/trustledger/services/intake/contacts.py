"""Subjects' contact addresses, as sources supply them with records; notices go there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from trustledger.domain.audit import AuditEntry
from trustledger.domain.notice_letters import Contact, DeliveryStatus
from trustledger.services.ports import UnitOfWork


def save_contacts(
    uow: UnitOfWork, contacts: Mapping[str, Contact], *, actor: str, now: datetime
) -> None:
    """Keep the latest contact of each subject; letters that found no way out are tried again."""
    emails = uow.contacts.get_many(contacts)
    languages = uow.contacts.languages(contacts)
    changed = {
        s: c
        for s, c in contacts.items()
        if (emails.get(s), languages.get(s)) != (c.email, c.language)
    }
    if not changed:
        return
    uow.contacts.set(changed, at=now)
    retry = [
        replace(
            letter,
            status=DeliveryStatus.PENDING,
            attempts=0,
            last_error=None,
            next_attempt_at=now,
        )
        for subject in sorted(changed)
        for letter in uow.notices.for_subject(subject)
        if letter.status is DeliveryStatus.UNDELIVERED
    ]
    uow.notices.update(retry)
    uow.audit.append(
        [
            AuditEntry(actor, "contact.update", subject, "notice delivery", now, "")
            for subject in sorted(changed)
        ]
    )

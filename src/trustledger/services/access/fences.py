"""An officer's jurisdiction enforced where a file is read or decided for (invariant 11)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import Forbidden
from trustledger.domain.jurisdiction import Jurisdiction, record_sources
from trustledger.domain.records import Event
from trustledger.domain.texts import N_, Message
from trustledger.services.ports import UnitOfWork


def admit(
    uow: UnitOfWork,
    fence: Jurisdiction,
    number: str,
    events: Sequence[Event],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Forbidden outside the actor's jurisdiction; the refused attempt is audited (and only it
    is committed: nothing else was written yet)."""
    if not fence.fenced:
        return
    refusal = fence.refusal(number, record_sources(events))
    if refusal is None:
        return
    entry = AuditEntry(actor, "file.refused", number, "jurisdiction", now, str(refusal))
    uow.audit.append([entry])
    uow.commit()
    raise Forbidden(Message.of(N_("outside your jurisdiction: %(why)s"), why=refusal))

"""Reading the audit chain back: does it verify end to end, and where does it first break."""

from __future__ import annotations

from collections.abc import Sequence

from trustledger.domain.audit import AuditEntry, AuditVerdict
from trustledger.services.ports import UnitOfWorkFactory


class Audit:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def verify(self) -> AuditVerdict:
        with self._uow(readonly=True) as uow:
            return uow.audit.verify()

    def record(self, entries: Sequence[AuditEntry]) -> None:
        """Append entries in a transaction of their own (the check path batches its denials)."""
        if not entries:
            return
        with self._uow() as uow:
            uow.audit.append(entries)
            uow.commit()

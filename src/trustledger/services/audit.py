"""Reading the audit chain back: does it verify end to end, and where does it first break."""

from __future__ import annotations

from trustledger.services.ports import AuditVerdict, UnitOfWorkFactory


class Audit:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def verify(self) -> AuditVerdict:
        with self._uow(readonly=True) as uow:
            return uow.audit.verify()

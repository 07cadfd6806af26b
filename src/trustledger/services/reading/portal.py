"""The subject's portal: sign in with a notice's access code, read one's own notices."""

from __future__ import annotations

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.notice_letters import NoticeLetter
from trustledger.domain.notice_requests import code_matches
from trustledger.domain.texts import N_
from trustledger.services.due_process.outbox import masked
from trustledger.services.ports import Clock, UnitOfWorkFactory


class Portal:
    def __init__(self, uow: UnitOfWorkFactory, *, scheme: IdentityScheme, clock: Clock) -> None:
        self._uow = uow
        self._scheme = scheme
        self._clock = clock

    def verify_access(self, subject: str, code: str) -> bool:
        """Whether `code` is the access code of any notice issued to `subject`."""
        number = self._scheme.normalize(subject, field="subject")
        with self._uow(readonly=True) as uow:
            events = uow.events.for_subjects([number]).get(number, [])
        return code_matches(events, code)

    def notices(self, subject: str, *, actor: str, purpose: str) -> list[NoticeLetter]:
        """The subject's letters, oldest first, access codes masked; the read is audited."""
        if not purpose.strip():
            raise InvalidInput("purpose", N_("a reason for reading the notices is required"))
        number = self._scheme.normalize(subject, field="subject")
        now = self._clock.now()
        with self._uow() as uow:
            letters = uow.notices.for_subject(number)
            entry = AuditEntry(actor, "notices.read", number, purpose.strip(), now, "")
            uow.audit.append([entry])
            uow.commit()
        return [masked(letter) for letter in letters]

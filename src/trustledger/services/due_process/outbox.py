"""The outbox: send notice letters by email with retries; what cannot be sent goes to officers.

Delivery never changes when a restriction starts: that runs from the day the notice was issued.
Letters are sent outside any transaction (a slow mail server must not hold the writer lock): a
batch is first claimed for a while, then sent, then each result recorded. A crash in between
sends a letter twice at worst, never not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import Conflict, DeliveryFailed, LetterAltered, NotFound
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.notice_letters import MASK, DeliveryStatus, NoticeLetter
from trustledger.domain.texts import N_
from trustledger.services.due_process.decisions import LIST_LIMIT, written
from trustledger.services.due_process.letters import Letter, letter_sha256
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

__all__ = ["MASK", "DeliveryReport", "Mailer", "Outbox", "masked", "sent"]

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 minutes...
CLAIM = timedelta(minutes=10)  # a letter being sent is not due again for this long
NO_ADDRESS = N_("no contact address for this subject")
STOP_AFTER_FAILURES = 3


class Mailer(Protocol):
    """Hands a letter to a mail server (trustledger.delivery.smtp.SmtpMailer); DeliveryFailed if not."""

    def send(self, to: str, letter: Letter) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    retrying: int  # failed this time, tried again later
    undelivered: int  # moved to the officers' queue


def masked(letter: NoticeLetter) -> NoticeLetter:
    """The letter without its access code: what is kept once it has reached the subject."""
    code = letter.access_code
    if code is None:
        return letter
    return replace(letter, body=letter.body.masked(), access_code=None)


def sent(letter: NoticeLetter) -> NoticeLetter:
    """The letter as it reached the subject: hashed now if it was kept to be written when first
    read (a bulk import's), so that it reads the same for as long as it is kept; masked."""
    if letter.sha256 is None:
        letter = replace(letter, sha256=letter_sha256(letter.subject_line, letter.body))
    return masked(letter)


class Outbox:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        max_attempts: int = MAX_ATTEMPTS,
        first_retry: timedelta = FIRST_RETRY,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.max_attempts = max_attempts
        self.first_retry = first_retry

    def deliver_pending(
        self, mailer: Mailer, *, now: datetime | None = None, limit: int = 100
    ) -> DeliveryReport:
        """Send up to `limit` letters that are due; return what became of them."""
        at = now or self._clock.now()
        claimed, addresses, undelivered = self._claim(at, limit)
        results: list[tuple[NoticeLetter, str | None]] = []
        altered: set[str] = set()  # notices whose letter no longer matches its hash
        failures = 0
        for letter in claimed:
            # A mail server that keeps failing is down: the rest wait for the next run, their
            # attempts uncounted, rather than each wait out a timeout.
            if failures == STOP_AFTER_FAILURES:
                break
            try:
                mailer.send(addresses[letter.subject], letter)
            except DeliveryFailed as exc:
                results.append((letter, exc.detail))
                failures += 1
            except LetterAltered as exc:
                # Never sent as a different letter: to the officers' queue, the notice named.
                altered.add(letter.notice_id)
                results.append((letter, exc.detail))
            else:
                results.append((letter, None))
                failures = 0
        done = [
            self._outcome(letter, error, at, altered=letter.notice_id in altered)
            for letter, error in results
        ]
        untried = [replace(letter, next_attempt_at=at) for letter in claimed[len(results) :]]
        if done or untried:
            with self._uow() as uow:
                uow.notices.update(done + untried)
                uow.audit.append([_entry(letter, at) for letter in done])
                uow.commit()
        sent = sum(1 for d in done if d.status is DeliveryStatus.DELIVERED)
        retrying = sum(1 for d in done if d.status is DeliveryStatus.PENDING)
        return DeliveryReport(sent, retrying, undelivered + len(done) - sent - retrying)

    def _claim(self, at: datetime, limit: int) -> tuple[list[NoticeLetter], dict[str, str], int]:
        with self._uow() as uow:
            due = uow.notices.due(at, limit=limit)
            addresses = uow.contacts.get_many({letter.subject for letter in due})
            nowhere = [
                replace(
                    letter,
                    status=DeliveryStatus.UNDELIVERED,
                    last_error=NO_ADDRESS,
                    next_attempt_at=None,
                )
                for letter in due
                if letter.subject not in addresses
            ]
            claimed = [
                replace(letter, next_attempt_at=at + CLAIM)
                for letter in due
                if letter.subject in addresses
            ]
            uow.notices.update(nowhere + claimed)
            uow.audit.append([_entry(letter, at) for letter in nowhere])
            uow.commit()
        return claimed, addresses, len(nowhere)

    def _outcome(
        self, letter: NoticeLetter, error: str | None, at: datetime, *, altered: bool = False
    ) -> NoticeLetter:
        attempts = letter.attempts + 1
        if error is None:
            delivered = replace(
                letter,
                status=DeliveryStatus.DELIVERED,
                attempts=attempts,
                last_error=None,
                next_attempt_at=None,
                delivered_at=at,
                channel="email",
            )
            return sent(delivered)
        if attempts >= self.max_attempts or altered:
            return replace(
                letter,
                status=DeliveryStatus.UNDELIVERED,
                attempts=attempts,
                last_error=error,
                next_attempt_at=None,
            )
        wait = self.first_retry * 2 ** (attempts - 1)
        return replace(letter, attempts=attempts, last_error=error, next_attempt_at=at + wait)

    def list_undelivered(
        self, *, limit: int = LIST_LIMIT, fence: Jurisdiction = OPEN
    ) -> list[NoticeLetter]:
        """The officers' queue: letters with no address or out of attempts (codes masked), of
        subjects inside the officer's `fence` only."""
        with self._uow(readonly=True) as uow:
            found = uow.notices.undelivered(limit=limit, fence=fence)
            return [masked(letter) for letter in found]

    def letter_for_post(self, notice_id: str, *, actor: str) -> NoticeLetter:
        """An undelivered letter with its access code, to print and post; the read is audited."""
        actor = written("actor", actor, limit=128)
        with self._uow() as uow:
            letter = _undelivered(uow, notice_id)
            entry = AuditEntry(
                actor,
                "notice.print",
                letter.subject,
                "notice delivery",
                self._clock.now(),
                notice_id,
            )
            uow.audit.append([entry])
            uow.commit()
        return letter

    def mark_posted(self, notice_id: str, *, actor: str) -> NoticeLetter:
        """An officer posted the letter: it is delivered, and its access code is no longer kept."""
        actor = written("actor", actor, limit=128)
        now = self._clock.now()
        with self._uow() as uow:
            letter = _undelivered(uow, notice_id)
            posted = sent(
                replace(letter, status=DeliveryStatus.DELIVERED, delivered_at=now, channel="post")
            )
            uow.notices.update([posted])
            entry = AuditEntry(
                actor, "notice.post", letter.subject, "notice delivery", now, notice_id
            )
            uow.audit.append([entry])
            uow.commit()
        return posted


def _undelivered(uow: UnitOfWork, notice_id: str) -> NoticeLetter:
    letter = uow.notices.get(notice_id)
    if letter is None:
        raise NotFound(f"notice {notice_id!r} does not exist")
    if letter.status is not DeliveryStatus.UNDELIVERED:
        raise Conflict(f"notice {notice_id} is {letter.status.value}, not in the officers' queue")
    return letter


def _entry(letter: NoticeLetter, at: datetime) -> AuditEntry:
    action = {
        DeliveryStatus.DELIVERED: "notice.deliver",
        DeliveryStatus.PENDING: "notice.retry",
        DeliveryStatus.UNDELIVERED: "notice.undelivered",
    }[letter.status]
    detail = f"{letter.notice_id} attempt {letter.attempts}"
    if letter.last_error:
        detail += f": {letter.last_error}"
    return AuditEntry("system", action, letter.subject, "notice delivery", at, detail)

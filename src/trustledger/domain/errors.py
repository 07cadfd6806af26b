"""The one error tree; entrypoints translate it (problem+json over HTTP, exit codes in the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustledger.domain.texts import N_, Message


class TrustLedgerError(Exception):
    """Root of every error trustledger raises on purpose.

    `detail` is English (the API's problem+json and the CLI say it); a page shows `message`, the
    same sentence in its reader's language. A detail with values in it comes as a Message
    (`Message.of(N_("… %(name)s …"), name=…)`) so the catalog can translate it.
    """

    title = N_("Error")

    def __init__(self, detail: str | Message) -> None:
        super().__init__(str(detail))
        self.detail = str(detail)
        self.message = _message(detail)


class InvalidInput(TrustLedgerError):
    """Input that breaks a rule; names the field and the reason (English in `reason`, for people
    in `reason_message`)."""

    title = N_("Invalid input")

    def __init__(self, field: str, reason: str | Message) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = str(reason)
        self.reason_message = _message(reason)


class InvalidIdentity(InvalidInput):
    """An identity number that its scheme rejects; `code` is length, format, birth_date, region or check_digit."""

    def __init__(self, field: str, code: str, reason: str | Message) -> None:
        super().__init__(field, reason)
        self.code = code


def _message(text: str | Message) -> Message:
    return text if isinstance(text, Message) else Message(text)


class TooLarge(TrustLedgerError):
    """A request or batch past its size limit."""

    title = N_("Too large")


class NotFound(TrustLedgerError):
    title = N_("Not found")


class Conflict(TrustLedgerError):
    title = N_("Conflict")


class Unauthorized(TrustLedgerError):
    title = N_("Unauthorized")


class Forbidden(TrustLedgerError):
    title = N_("Forbidden")


class TooManyAttempts(TrustLedgerError):
    """Too many failed sign-ins from one client or for one identity number: wait and retry."""

    title = N_("Too many attempts")

    def __init__(self, detail: str | Message, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(TrustLedgerError):
    """A backing service (the database) does not answer; nothing was changed."""

    title = N_("Service unavailable")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a rulebook file: where and what."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class RulebookInvalid(TrustLedgerError):
    """A rulebook that does not load or does not pass the linter."""

    title = N_("Invalid rulebook")

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


class DeliveryFailed(TrustLedgerError):
    """A mailer could not hand a letter over; the outbox tries again later."""

    title = N_("Delivery failed")


class SealedDataAltered(TrustLedgerError):
    """Sealed personal data that does not open under its key: altered in the database, or
    moved onto another row. Never shown as something else; the transparency log says where."""

    title = N_("Stored data altered")


class LetterAltered(TrustLedgerError):
    """A kept letter that, written again, does not match the hash of what was sent: never shown
    or sent as a different letter."""

    title = N_("Letter altered")

    def __init__(self, notice_id: str) -> None:
        super().__init__(
            Message.of(
                N_("notice %(notice)s does not match the hash of the letter sent"),
                notice=notice_id,
            )
        )
        self.notice_id = notice_id

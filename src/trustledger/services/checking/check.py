"""The check: may this subject travel by this mode and class on this day? If not, why, until when.

A checker learns the answer, the rule code, the restriction's last day and where to appeal: never
the records, the restriction's id or anything else about the subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from trustledger.checks import CheckIndex, Denial, changes_of
from trustledger.checks.numbers import keyed_many
from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.rulebook import Mode, Scope, SeatClass, scopes_for
from trustledger.domain.texts import N_, Message
from trustledger.services.audit.chain import Audit
from trustledger.services.ports import Clock, UnitOfWorkFactory

MAX_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    allowed: bool
    reason: str | None = None  # the rule code, when denied
    until: date | None = None  # the last day barred (inclusive), when denied
    appeal: str | None = None  # where to appeal, when denied

    def as_dict(self) -> dict[str, Any]:
        """The JSON body `{allowed, reason?, until?, appeal?}`, with `until` as an ISO date."""
        if self.allowed:
            return {"allowed": True}
        return {
            "allowed": False,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
            "appeal": self.appeal,
        }


class BatchBars(NamedTuple):
    """A batch's answers as columns: only the barred subjects have an entry beyond `numbers`."""

    numbers: list[str]  # the normalized numbers, in the order asked
    barred: Sequence[int]  # the positions of the barred subjects, in order
    bars: Sequence[Denial]  # what bars each of them


def journey_scopes(
    mode: Mode | str, seat_class: SeatClass | str = SeatClass.STANDARD
) -> frozenset[Scope]:
    """The scopes that bar a journey; InvalidInput names `mode` or `class` when one is unknown."""
    try:
        m = Mode(mode)
    except ValueError as exc:
        raise InvalidInput(
            "mode",
            Message.of(
                N_("must be one of %(names)s, not %(value)r"), names=", ".join(Mode), value=mode
            ),
        ) from exc
    try:
        c = SeatClass(seat_class)
    except ValueError as exc:
        raise InvalidInput(
            "class",
            Message.of(
                N_("must be one of %(names)s, not %(value)r"),
                names=", ".join(SeatClass),
                value=seat_class,
            ),
        ) from exc
    return scopes_for(m, c)


class CheckService:
    """Checks against the in-memory index, of numbers the identity scheme accepts."""

    def __init__(self, index: CheckIndex, scheme: IdentityScheme, *, appeal: str) -> None:
        self.index = index
        self.scheme = scheme
        self.appeal = appeal  # e.g. "/portal": where a denied traveller can see and contest why

    def check(
        self,
        subject: str,
        mode: Mode | str,
        seat_class: SeatClass | str = SeatClass.STANDARD,
        *,
        on: date,
    ) -> CheckAnswer:
        """One check; an invalid number raises InvalidIdentity naming the field `subject`."""
        scopes = journey_scopes(mode, seat_class)
        key = self.scheme.compact_key(self.scheme.normalize(subject, field="subject"))
        denial = self.index.lookup(key, scopes, on)
        if denial is None:
            return CheckAnswer(allowed=True)
        return CheckAnswer(
            allowed=False, reason=denial.reason, until=denial.until, appeal=self.appeal
        )

    def bar_many(
        self,
        subjects: Sequence[str],
        mode: Mode | str,
        seat_class: SeatClass | str = SeatClass.STANDARD,
        *,
        on: date,
    ) -> BatchBars:
        """The normalized numbers and what bars which of them: the columns the HTTP batch answer
        is built from without an object per subject."""
        if len(subjects) > MAX_BATCH:
            raise InvalidInput("subjects", f"at most {MAX_BATCH} in one batch, not {len(subjects)}")
        scopes = journey_scopes(mode, seat_class)
        numbers, keys = keyed_many(self.scheme, subjects, field="subjects")
        return BatchBars(numbers, *self.index.barred(keys, scopes, on))


class StoredCheck:
    """One check answered from the stored restrictions, a denial audited: the CLI's check (a
    server answers from the index it keeps in memory, CheckService)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        audit: Audit,
        scheme: IdentityScheme,
        *,
        clock: Clock,
        appeal: str,
    ) -> None:
        self._uow, self._audit, self._scheme = uow, audit, scheme
        self._clock, self._appeal = clock, appeal

    def check(
        self, subject: str, mode: str, seat_class: str, *, on: date, checker: str
    ) -> CheckAnswer:
        number = self._scheme.normalize(subject)
        with self._uow(readonly=True) as uow:
            found = uow.derived.restrictions_of([number])
        index = CheckIndex.from_subjects(changes_of([number], found, key=self._scheme.compact_key))
        answer = CheckService(index, self._scheme, appeal=self._appeal).check(
            number, mode, seat_class, on=on
        )
        if not answer.allowed:
            detail = f"mode={mode} on={on.isoformat()} reason={answer.reason}"
            entry = AuditEntry(
                checker, "check.deny", number, "ticket check", self._clock.now(), detail
            )
            self._audit.record([entry])
        return answer

"""What every officer decision shares: written reasons, a named actor, the subject's state now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.records import Event
from trustledger.domain.texts import N_, Message
from trustledger.services.ports import UnitOfWork
from trustledger.services.state import Evaluator

MAX_TEXT = 10_000
# Queues longer than this are paged by the caller.
LIST_LIMIT = 500


def written(field: str, value: object, *, limit: int = MAX_TEXT) -> str:
    """A required piece of writing (grounds, reasons, the actor's name), stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, N_("is required"))
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(
            field, Message.of(N_("must be at most %(limit)s characters"), limit=limit)
        )
    return text


def current(
    uow: UnitOfWork, evaluator: Evaluator, subject: str, today: date
) -> tuple[Sequence[Event], SubjectState]:
    """The subject's events and its state today, read inside the writer's transaction."""
    events = uow.events.for_subjects([subject]).get(subject, [])
    return events, evaluator.state_of(subject, events, today)

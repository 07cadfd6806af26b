"""Who may read and decide for a subject: an officer's regions and sources, and four eyes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trustledger.domain.events import Recorded, ReviewDecided
from trustledger.domain.records import Event, EventKind
from trustledger.domain.texts import N_, Message


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Region codes (prefixes of the identity number's 6-digit region: a province's 2 digits,
    a prefecture's 4) and source names; empty means no fence of that kind."""

    regions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def fenced(self) -> bool:
        return bool(self.regions or self.sources)

    def refusal(self, number: str, sources: Iterable[str]) -> Message | None:
        """Why a file with records from `sources` is outside, or None when it is inside."""
        if self.regions and not any(number.startswith(code) for code in self.regions):
            return Message.of(
                N_("region %(region)s is outside this key's regions (%(regions)s)"),
                region=number[:6],
                regions=", ".join(self.regions),
            )
        if self.sources and not set(sources) & set(self.sources):
            return Message.of(
                N_("the file holds no record from this key's sources (%(sources)s)"),
                sources=", ".join(self.sources),
            )
        return None


OPEN = Jurisdiction()


def record_sources(events: Iterable[Event]) -> set[str]:
    """The sources of the records a subject's events hold."""
    return {Recorded.of(e).record.source for e in events if e.kind is EventKind.RECORDED}


def reviewer(events: Sequence[Event], case_id: str) -> str | None:
    """Who decided review case `case_id`: an appeal against it needs another officer."""
    return next(
        (
            e.actor
            for e in reversed(events)
            if e.kind is EventKind.REVIEW_DECIDED and ReviewDecided.of(e).case_id == case_id
        ),
        None,
    )

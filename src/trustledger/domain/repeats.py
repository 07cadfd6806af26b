"""Terms over a subject's history: the records, or the demerit points, within a window.

The 2018 rail rule's repeat fare evader (3 evasions in a year) and the driving-licence demerit
schemes (UK: 12 points within 3 years) judge a record by those before it, not by itself alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from trustledger.domain.rulebook import HistoryTerm, Measure


@dataclass(frozen=True, slots=True)
class Entry:
    """A record as a history term sees it."""

    record_id: str
    type: str
    occurred_on: date
    counts: bool  # in force or lapsed on the date asked about: only those count
    demerit: int  # the negative of its rule version's points


@dataclass(frozen=True, slots=True)
class Tally:
    """What a record's history term counted: the records (itself included) and their total."""

    counted: tuple[str, ...]  # record ids, oldest first
    total: int  # records or demerit points, as the term measures
    holds: bool


def tally_history(entries: Iterable[Entry], terms: Mapping[str, HistoryTerm]) -> dict[str, Tally]:
    """Each record with a term (`terms`: record id -> its rule's term) that counts, tallied."""
    ordered = sorted(entries, key=lambda e: (e.occurred_on, e.record_id))
    found: dict[str, Tally] = {}
    for i, entry in enumerate(ordered):
        term = terms.get(entry.record_id)
        if term is None or not entry.counts:
            continue
        since = entry.occurred_on - timedelta(days=term.within_days)
        window = [
            e
            for e in ordered[: i + 1]
            if e.counts and e.type in term.codes and e.occurred_on >= since
        ]
        total = len(window) if term.measure is Measure.RECORDS else sum(e.demerit for e in window)
        counted = tuple(e.record_id for e in window)
        found[entry.record_id] = Tally(counted, total, total >= term.at_least)
    return found

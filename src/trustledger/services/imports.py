"""Bulk import: good lines go in, committed chunk by chunk; bad lines go to FILE.rejects.jsonl.

A rerun after a crash imports only what is missing: (source, case_ref) makes every line idempotent
and each chunk commits whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

import orjson

from trustledger.domain.errors import Conflict, InvalidInput, TrustLedgerError
from trustledger.domain.records import Record
from trustledger.services.intake import Intake, IntakeResult
from trustledger.services.lines import Line, read_lines
from trustledger.services.ports import Advance, Clock, UnitOfWorkFactory
from trustledger.services.submissions import Source, contact_of

CHUNK = 5000


@dataclass(frozen=True, slots=True)
class ImportReport:
    lines: int
    imported: int
    already: int  # present before this run, with the same contents
    rejected: int
    notices: int
    rejects_path: Path | None  # None when no line was rejected


def rejects_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.jsonl")


class Importer:
    def __init__(self, uow: UnitOfWorkFactory, *, intake: Intake, clock: Clock) -> None:
        self._uow = uow
        self._intake = intake
        self._clock = clock

    def run(
        self, path: Path, *, source: Source, chunk: int = CHUNK, advance: Advance | None = None
    ) -> ImportReport:
        if not path.is_file():
            raise InvalidInput("FILE", f"{path} does not exist or is not a file")
        lines = read_lines(path)
        rejects = rejects_path_for(path)
        counts = {"lines": 0, "imported": 0, "already": 0, "rejected": 0, "notices": 0}
        offset = 0
        # Rewritten on every run: a rerun rejects the same bad lines again, so the file stays whole.
        with closing(lines), rejects.open("wb") as out:
            for batch in _chunks(lines, chunk):
                self._chunk(batch, source, out, counts)
                if advance is not None:
                    advance(batch[-1].offset - offset)
                offset = batch[-1].offset
        if counts["rejected"] == 0:
            rejects.unlink()
        return ImportReport(**counts, rejects_path=rejects if counts["rejected"] else None)

    def _chunk(
        self, batch: list[Line], source: Source, out: IO[bytes], counts: dict[str, int]
    ) -> None:
        today = self._clock.today()
        failed: list[tuple[Line, TrustLedgerError]] = []
        valid: list[tuple[Line, Record]] = []
        for line in batch:
            try:
                if line.error is not None:
                    raise line.error
                assert line.body is not None
                record = self._intake.validate(
                    line.body, source=source, today=today, text_attributes=line.text_attributes
                )
            except TrustLedgerError as exc:
                failed.append((line, exc))
                continue
            valid.append((line, record))
        with self._uow() as uow:
            contacts = [contact_of(line.body or {}) for line, _ in valid]
            outcomes = self._intake.write(
                uow, [r for _, r in valid], source=source, contacts=contacts
            )
            uow.commit()
        for (line, _), outcome in zip(valid, outcomes, strict=True):
            if isinstance(outcome, Conflict):
                failed.append((line, outcome))
            else:
                _count(outcome, counts)
        counts["lines"] += len(batch)
        counts["rejected"] += len(failed)
        for line, error in sorted(failed, key=lambda f: f[0].number):
            out.write(orjson.dumps(_reject(line, error)) + b"\n")
        out.flush()


def _count(outcome: IntakeResult, counts: dict[str, int]) -> None:
    counts["imported" if outcome.created else "already"] += 1
    counts["notices"] += len(outcome.notices)


def _reject(line: Line, error: TrustLedgerError) -> dict[str, object]:
    if isinstance(error, InvalidInput):
        field, reason = error.field, error.reason
    else:  # Forbidden and Conflict details start with the field they concern
        field, _, reason = error.detail.partition(": ")
    return {"line": line.number, "field": field, "reason": reason, "input": line.text}


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch

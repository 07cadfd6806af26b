"""Bulk import: good lines go in, committed chunk by chunk; bad lines go to FILE.rejects.jsonl.

A rerun after a crash imports only what is missing: (source, case_ref) makes every line idempotent
and each chunk commits whole or not at all. A JSONL line with an `action` (`correct`, `withdraw`)
corrects or withdraws a record of the source's instead; it is applied after the chunk's new records,
and a repeat of it writes nothing (services/intake/corrections.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from trustledger.domain.errors import Conflict, InvalidInput, TrustLedgerError
from trustledger.domain.records import Record
from trustledger.domain.submissions import Source, contact_of
from trustledger.services.intake.corrections import Amendment, Corrections, record_id_of
from trustledger.services.intake.lines import Line, read_lines
from trustledger.services.intake.records import Intake, IntakeResult
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from trustledger.services.progress import Advance

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
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        intake: Intake,
        clock: Clock,
        corrections: Corrections | None = None,
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._clock = clock
        self._corrections = corrections

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
                with _collector_paused():
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
        amending: list[Line] = []
        for line in batch:
            try:
                if line.error is not None:
                    raise line.error
                assert line.body is not None
                if "action" in line.body:
                    amending.append(line)
                    continue
                record = self._intake.validate(
                    line.body, source=source, today=today, text_attributes=line.text_attributes
                )
            except TrustLedgerError as exc:
                failed.append((line, exc))
                continue
            valid.append((line, record))
        with self._uow() as uow:
            contacts = [contact_of(line.body or {}) for line, _ in valid]
            # The letters of a bulk import are written when first read (docs/store.md).
            outcomes = self._intake.write(
                uow, [r for _, r in valid], source=source, contacts=contacts, write_letters=False
            )
            amended = [self._amend(uow, line, source) for line in amending]
            uow.commit()
        for line, done in zip(amending, amended, strict=True):
            if isinstance(done, TrustLedgerError):
                failed.append((line, done))
            else:
                counts["imported" if done.created else "already"] += 1
                counts["notices"] += len(done.notice_ids)
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

    def _amend(self, uow: UnitOfWork, line: Line, source: Source) -> Amendment | TrustLedgerError:
        """One correction or withdrawal line; an error rejects the line and writes nothing."""
        body = line.body or {}
        try:
            if self._corrections is None:
                raise InvalidInput("action", "this importer takes new records only")
            return _apply(self._corrections, uow, body, source)
        except TrustLedgerError as exc:
            return exc


AMEND_FIELDS = {
    "correct": frozenset({"action", "record_id", "case_ref", "changes", "reason"}),
    "withdraw": frozenset({"action", "record_id", "case_ref", "reason"}),
}


def _apply(
    corrections: Corrections, uow: UnitOfWork, body: dict[str, Any], source: Source
) -> Amendment:
    action = body.get("action")
    if action not in AMEND_FIELDS:
        raise InvalidInput("action", f"must be correct or withdraw, not {action!r}")
    unknown = sorted(str(k) for k in set(body) - AMEND_FIELDS[str(action)])
    if unknown:
        raise InvalidInput(unknown[0], f"unknown field for action {action}")
    record_id = record_id_of(body, source)
    if action == "correct":
        return corrections.write_correction(
            uow, record_id, source=source, changes=body.get("changes"), reason=body.get("reason")
        )
    return corrections.write_withdrawal(uow, record_id, source=source, reason=body.get("reason"))


def _count(outcome: IntakeResult, counts: dict[str, int]) -> None:
    counts["imported" if outcome.created else "already"] += 1
    counts["notices"] += len(outcome.notices)


def _reject(line: Line, error: TrustLedgerError) -> dict[str, object]:
    if isinstance(error, InvalidInput):
        field, reason = error.field, error.reason
    else:  # Forbidden and Conflict details start with the field they concern
        field, _, reason = error.detail.partition(": ")
    return {"line": line.number, "field": field, "reason": reason, "input": line.text}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk is worked: its objects (records, events,
    states, rows) live until its commit, and the collector scanned them again and again while
    they piled up, ~25% of an import's CPU (bench/RESULTS.md). The first allocation after the
    chunk runs one collection, which frees whatever cycles it left."""
    if not gc.isenabled():  # paused already, by a caller of ours
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch

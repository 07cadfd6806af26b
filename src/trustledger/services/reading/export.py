"""Export every stored record, flattened with its notice, overturn and fulfilment dates, to Parquet.

The file is what trustledger.batch.recompute reads: `attributes` is JSON text, since each rule
declares its own. Records appear as their corrections left them by the time of the export. The
export reads everyone's records, so it is audited with the actor and the purpose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.services.ports import Clock, UnitOfWorkFactory
from trustledger.services.progress import Advance

# The flattened record the batch recompute reads (trustledger.batch.recompute), column by column.
FLAT_COLUMNS = (
    "record_id",
    "subject",
    "type",
    "occurred_on",  # ISO date text, from the record's payload
    "decided_on",  # ISO date text
    "recorded_on",
    "source",
    "case_ref",
    "evidence_ref",
    "attributes",  # JSON object text
    "noticed_on",  # the first restriction notice, or None
    "fulfilled_on",
    "overturned_on",  # by the source or by an appeal decided `overturned`
    # JSON text of the subject's whole history (Event.as_json, by seq) where it holds a kind of
    # CORE_ONLY_KINDS, else None: the batch recompute evaluates those subjects in the domain core.
    "events",
)

CHUNK = 50_000
_DATE_TEXT = frozenset({"occurred_on", "decided_on"})
_DATES = frozenset({"recorded_on", "noticed_on", "fulfilled_on", "overturned_on"})
FLAT_SCHEMA = pa.schema(
    [(name, pa.date32() if name in _DATES | _DATE_TEXT else pa.string()) for name in FLAT_COLUMNS]
)


@dataclass(frozen=True, slots=True)
class ExportReport:
    records: int
    path: Path


def flat_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    """An Arrow table of FLAT_SCHEMA from rows of FLAT_COLUMNS; dates may be ISO text."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FLAT_COLUMNS)
    arrays = []
    for name, values in zip(FLAT_COLUMNS, columns, strict=True):
        if name in _DATE_TEXT:
            arrays.append(pa.array(values, type=pa.string()).cast(pa.date32()))
        else:
            arrays.append(pa.array(values, type=FLAT_SCHEMA.field(name).type))
    return pa.Table.from_arrays(arrays, schema=FLAT_SCHEMA)


class Export:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def count(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.exports.count()

    def write(
        self,
        path: Path,
        *,
        actor: str,
        purpose: str,
        advance: Advance | None = None,
        chunk: int = CHUNK,
    ) -> ExportReport:
        """Write the records to `path` (replaced only once complete); one read transaction.

        The read is audited first, so that no export goes unrecorded, even one that fails."""
        if not purpose.strip():
            raise InvalidInput("purpose", "a reason for exporting everyone's records is required")
        if not path.parent.is_dir():
            raise InvalidInput("out", f"no such directory: {path.parent}")
        self._audit(actor, purpose.strip())
        partial = path.with_name(f".{path.name}.partial")
        records = 0
        try:
            with (
                self._uow(readonly=True) as uow,
                pq.ParquetWriter(partial, FLAT_SCHEMA, compression="zstd") as writer,
            ):
                for rows in uow.exports.chunks(size=chunk):
                    writer.write_table(flat_table(rows))
                    records += len(rows)
                    if advance is not None:
                        advance(len(rows))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return ExportReport(records, path)

    def _audit(self, actor: str, purpose: str) -> None:
        with self._uow() as uow:
            detail = f"records={uow.exports.count()}"
            entry = AuditEntry(actor, "records.export", None, purpose, self._clock.now(), detail)
            uow.audit.append([entry])
            uow.commit()

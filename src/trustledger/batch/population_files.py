"""Write a generated population: Parquet (flattened records) or JSONL/CSV (bodies for import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from trustledger.batch.population import SCHEMA, PopulationSpec, record_tables
from trustledger.domain.errors import InvalidInput

# Parquet row groups are DuckDB's unit of parallel work: big enough to amortize, enough to share.
ROWS_PER_GROUP = 1 << 20


class FileFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"

    @classmethod
    def for_path(cls, path: Path) -> FileFormat:
        suffix = path.suffix.lower().lstrip(".")
        try:
            return cls({"ndjson": "jsonl", "pq": "parquet"}.get(suffix, suffix))
        except ValueError as exc:
            raise InvalidInput("out", f"cannot tell the format of {path.name}; name it") from exc


# The attributes as a JSON object of those the record's rule version declares: the generator
# leaves every other attribute null, and a JSON merge patch (RFC 7396) drops null members.
_ATTRIBUTES_JSON = "json_merge_patch('{}', to_json(attributes))"


# A record body as POST /v1/records and `trustledger import` take it; dates as ISO text. The
# source that would submit it is named beside it, unless the file is for import (`for_import`):
# intake takes the source from the submitting key and refuses a `source` member.
def _body(*, for_import: bool) -> str:
    source = "" if for_import else ", source"
    return f"""
SELECT subject, type, strftime(occurred_on, '%Y-%m-%d') AS occurred_on,
       strftime(decided_on, '%Y-%m-%d') AS decided_on, case_ref, evidence_ref,
       {_ATTRIBUTES_JSON} AS attributes{source}
FROM chunk
"""


class PopulationWriter:
    """Appends record tables to one file, streaming: memory stays at one chunk."""

    def __init__(self, path: Path, file_format: FileFormat, *, for_import: bool = False) -> None:
        self.path = path
        self.format = file_format
        self._body = _body(for_import=for_import)
        self._con = duckdb.connect()
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._text: IO[bytes] | None = None
        self._pending: list[pa.Table] = []
        self.rows = 0
        try:
            self._text = path.open("wb")
        except OSError as exc:
            raise InvalidInput("out", f"cannot write {path}: {exc.strerror}") from exc

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.format is FileFormat.PARQUET:
            self._pending.append(table)
            if sum(t.num_rows for t in self._pending) >= ROWS_PER_GROUP:
                self._flush()
            return
        self._con.register("chunk", table)
        query = self._con.sql(
            self._body
            if self.format is FileFormat.CSV
            else f"SELECT to_json(b) || chr(10) FROM ({self._body}) b"
        )
        bodies = query.to_arrow_table()
        self._con.unregister("chunk")
        if self.format is FileFormat.CSV:
            self._write_csv(bodies)
        elif self._text is not None:
            self._text.write("".join(bodies.column(0).to_pylist()).encode())

    def _write_csv(self, bodies: pa.Table) -> None:
        bodies = bodies.set_column(6, "attributes", bodies.column(6).cast(pa.string()))
        if self._csv is None and self._text is not None:
            self._csv = pacsv.CSVWriter(self._text, bodies.schema)
        if self._csv is not None:
            self._csv.write_table(bodies)

    def _flush(self, *, last: bool = False) -> None:
        if self._parquet is None and self._text is not None and (self._pending or last):
            # The first table's schema rules, so callers may add columns (the bench adds points).
            schema = self._pending[0].schema if self._pending else SCHEMA
            # Snappy, the default of pyarrow and DuckDB: cheaper to read than zstd, a bit bigger.
            self._parquet = pq.ParquetWriter(self._text, schema, compression="snappy")
        if self._parquet is not None and self._pending:
            self._parquet.write_table(
                pa.concat_tables(self._pending), row_group_size=ROWS_PER_GROUP
            )
        self._pending = []

    def close(self) -> None:
        if self.format is FileFormat.PARQUET:
            self._flush(last=True)
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        if self._text is not None:
            self._text.close()
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def write_population(
    spec: PopulationSpec,
    path: Path,
    file_format: FileFormat | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    tables: Iterable[tuple[int, pa.Table]] | None = None,
    for_import: bool = False,
) -> int:
    """Generate `spec` into `path`; `progress` hears of people done. Returns the records.

    `for_import`: JSONL or CSV bodies without the `source` member, as `trustledger import` takes
    them from one source key (of types `*`).
    """
    chosen = file_format or FileFormat.for_path(path)
    with PopulationWriter(path, chosen, for_import=for_import) as writer:
        for people, table in tables if tables is not None else record_tables(spec):
            writer.write(table)
            if progress is not None:
                progress(people)
        return writer.rows

"""Reading record bodies from JSONL or CSV files, one line at a time; bad lines carry an error."""

from __future__ import annotations

import csv
import io
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trustledger.domain.errors import InvalidInput

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
ATTR_PREFIX = "attr_"
CSV_COLUMNS = (
    "subject",
    "type",
    "occurred_on",
    "decided_on",
    "case_ref",
    "evidence_ref",
    "contact",
    "contact_language",
)
OPTIONAL_COLUMNS = ("evidence_ref", "contact", "contact_language")


@dataclass(frozen=True, slots=True)
class Line:
    """One input line: its body, or why it has none. `offset` is the bytes read once it was."""

    number: int
    text: str
    offset: int
    body: dict[str, Any] | None = None
    error: InvalidInput | None = None
    text_attributes: bool = False


def read_lines(path: Path) -> Generator[Line]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return _jsonl(path)
    if suffix in CSV_SUFFIXES:
        return _csv(path)
    raise InvalidInput("FILE", f"{path.name}: expected a .jsonl, .ndjson or .csv file")


def _jsonl(path: Path) -> Generator[Line]:
    offset = 0
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            offset += len(raw)
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not text.strip():
                continue
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Line(number, text, offset, error=InvalidInput("line", f"not JSON: {exc}"))
                continue
            if not isinstance(body, dict):
                yield Line(number, text, offset, error=InvalidInput("line", "not a JSON object"))
                continue
            yield Line(number, text, offset, body=body)


class _CountingReader(io.RawIOBase):
    """Counts the bytes the CSV reader has consumed, for the progress bar."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        self.count += n
        return n


def _csv(path: Path) -> Generator[Line]:
    """Checks the header at once, so a file of the wrong shape fails before anything is written."""
    raw = path.open("rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    try:
        if header is not None:
            _check_header(header)
    except InvalidInput:
        text.close()
        raise
    return _csv_rows(text, reader, header or [], counter)


def _csv_rows(
    text: io.TextIOWrapper, reader: Any, header: list[str], counter: _CountingReader
) -> Generator[Line]:
    with text:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            number = reader.line_num
            line = ",".join(row)
            if len(row) != len(header):
                error = InvalidInput("line", f"has {len(row)} columns, the header {len(header)}")
                yield Line(number, line, counter.count, error=error)
                continue
            yield _csv_line(number, line, counter.count, dict(zip(header, row, strict=True)))


def _check_header(header: list[str]) -> None:
    missing = [c for c in CSV_COLUMNS if c not in OPTIONAL_COLUMNS and c not in header]
    if missing:
        raise InvalidInput("FILE", f"CSV header lacks column {missing[0]!r}")
    known = set(CSV_COLUMNS) | {"attributes"}
    odd = [c for c in header if c not in known and not c.startswith(ATTR_PREFIX)]
    if odd:
        raise InvalidInput("FILE", f"CSV header has unknown column {odd[0]!r}")


def _csv_line(number: int, text: str, offset: int, row: dict[str, str]) -> Line:
    body: dict[str, Any] = {k: v for k, v in row.items() if k in CSV_COLUMNS and v != ""}
    attributes = {
        k[len(ATTR_PREFIX) :]: v for k, v in row.items() if k.startswith(ATTR_PREFIX) and v != ""
    }
    if row.get("attributes"):
        try:
            attributes |= orjson.loads(row["attributes"])
        except (orjson.JSONDecodeError, TypeError) as exc:
            return Line(number, text, offset, error=InvalidInput("attributes", f"not JSON: {exc}"))
    if attributes:
        body["attributes"] = attributes
    return Line(number, text, offset, body=body, text_attributes=True)

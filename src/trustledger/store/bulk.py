"""Inserting many rows fast, in the open transaction: COPY on PostgreSQL, executemany on SQLite.

Both skip SQLAlchemy's per-row parameter processing and convert values the way its types would
(dates as ISO text and JSON as text on SQLite), so what is written reads back the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from trustledger.store.stamps import Stamp, stamp_micros

# Below this many rows a plain executemany beats setting up a COPY.
COPY_THRESHOLD = 64
# Autovacuum analyzes a minute or more behind a bulk load; until it does, the planner takes the
# growing tables for tiny ones and scans them whole for every IN list. So ANALYZE a table when the
# rows copied into it since its last ANALYZE reach what it had then (at least this many).
ANALYZE_AFTER_ROWS = 2000


# Bound parameters per IN list on SQLite: well under its limit.
IN_BATCH = 500


def groups(conn: Connection, values: Iterable[str]) -> list[list[str]]:
    """`values` in the groups `one_of` takes: all in one on PostgreSQL, where the list is one
    array parameter (a statement for the lot, not one per 500), IN_BATCH at a time on SQLite."""
    items = list(values)
    if conn.dialect.name == "postgresql":
        return [items] if items else []
    return [items[i : i + IN_BATCH] for i in range(0, len(items), IN_BATCH)]


def one_of(conn: Connection, column: ColumnElement[Any], group: list[str]) -> ColumnElement[bool]:
    """`column IN group`; on PostgreSQL as `= ANY` of one array (what it makes of an IN list)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, group, type_=ARRAY(String)))
    return column.in_(group)


def one_of_or_in(
    conn: Connection, column: ColumnElement[Any], group: list[str], found: Select[tuple[str]]
) -> ColumnElement[bool]:
    """`column IN group OR column IN (found)`, as each engine indexes it: SQLite searches the
    index for each side (a MULTI-INDEX OR); PostgreSQL would scan the table for an OR with a
    subquery, so there it is `column IN (found UNION ALL unnest(group))`, a semi-join on the
    index, with the group one array parameter as `one_of`'s."""
    if conn.dialect.name == "postgresql":
        listed = select(func.unnest(bindparam(None, group, type_=ARRAY(String))))
        return column.in_(found.union_all(listed))
    return or_(column.in_(group), column.in_(found))


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        _sqlite_executemany(conn, table, rows)  # the engine allows SQLite or PostgreSQL only
    elif len(rows) >= COPY_THRESHOLD:
        _copy(conn, table, rows)
        _analyze_as_it_grows(conn, table, len(rows))
    else:
        _postgres_executemany(conn, table, rows)


def delete_where_in(conn: Connection, table: Table, column: str, values: Iterable[str]) -> None:
    """DELETE the rows whose `column` is one of `values`, as the driver's own SQL: built and
    compiled by SQLAlchemy for each call, such a statement cost ~0.1 ms of CPU, several of them
    a group-committed write (bench/RESULTS.md)."""
    for group in groups(conn, values):
        where, params = _driver_in(conn, column, group)
        conn.exec_driver_sql(f"DELETE FROM {table.name} WHERE {where}", params)


def _driver_in(conn: Connection, column: str, group: list[str]) -> tuple[str, tuple[Any, ...]]:
    """`one_of` as the driver's SQL and its parameters: `= ANY` of one array on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return f'"{column}" = ANY(%s)', (group,)
    return f'"{column}" IN ({", ".join("?" for _ in group)})', tuple(group)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    convert = [_json_text if isinstance(table.c[n].type, JSON) else None for n in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [f(row[n]) if f else row[n] for n, f in zip(names, convert, strict=True)]
            )


def rows_where_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    column: str,
    values: Iterable[str],
    *,
    also: str = "",
) -> list[Any]:
    """The rows (`columns` of `table`, as the driver gives them: text, numbers, bytes; no
    dates or JSON) whose `column` is one of `values`, `also` (driver SQL) holding too: for the
    lookups each group-committed write makes, where SQLAlchemy's statement, built per call, cost
    as much as the query (`delete_where_in`)."""
    names = ", ".join(f'"{c}"' for c in columns)
    extra = f" AND {also}" if also else ""
    found: list[Any] = []
    for group in groups(conn, values):
        where, params = _driver_in(conn, column, group)
        sql = f"SELECT {names} FROM {table.name} WHERE {where}{extra}"
        found += conn.exec_driver_sql(sql, params).all()
    return found


def _postgres_executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    # psycopg adapts dates, times, booleans and bytes as SQLAlchemy's types would; JSON goes as
    # its text, which PostgreSQL casts to the column's type as COPY's text does.
    names = list(rows[0])
    convert: list[Callable[[Any], Any] | None] = [
        _json_text if isinstance(table.c[n].type, JSON) else None for n in names
    ]
    quoted = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("%s" for _ in names)
    statement = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"
    conn.exec_driver_sql(statement, _tuples(rows, names, convert))


def _analyze_as_it_grows(conn: Connection, table: Table, copied: int) -> None:
    # Per database connection (Connection.info outlives the checkout): a doubling schedule.
    counts: dict[str, list[int]] = conn.info.setdefault("trustledger_copied", {})
    analyzed, since = counts.setdefault(table.name, [0, 0])
    since += copied
    if since >= max(ANALYZE_AFTER_ROWS, analyzed):
        conn.exec_driver_sql(f"ANALYZE {table.name}")
        analyzed, since = analyzed + since, 0
    counts[table.name] = [analyzed, since]


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@functools.lru_cache(maxsize=1024)  # rows written together often share a time (audit entries)
def _sqlite_datetime(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format, microseconds always present.
    return None if value is None else value.isoformat(" ", "microseconds")


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


@functools.lru_cache(maxsize=1024)
def _sqlite_stamp(value: datetime | None) -> int | None:
    return None if value is None else stamp_micros(value)


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return _json_text
    if isinstance(column_type, Stamp):  # before DateTime: an integer, not text (store/stamps.py)
        return _sqlite_stamp
    if isinstance(column_type, DateTime):
        return _sqlite_datetime
    if isinstance(column_type, Date):
        return _sqlite_date
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    return None


def _sqlite_executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    convert = [_sqlite_converter(table.c[n].type) for n in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"
    conn.exec_driver_sql(statement, _tuples(rows, names, convert))


def _tuples(
    rows: Sequence[dict[str, Any]],
    names: list[str],
    convert: list[Callable[[Any], Any] | None],
) -> list[tuple[Any, ...]]:
    # itemgetter takes the values in C; only the columns that need it are converted in Python.
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converted = [(i, f) for i, f in enumerate(convert) if f is not None]
    if not converted:
        return [get(row) for row in rows]
    params = []
    for row in rows:
        values = list(get(row))
        for i, f in converted:
            values[i] = f(values[i])
        params.append(tuple(values))
    return params

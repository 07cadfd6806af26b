"""Inserting many rows fast: COPY on PostgreSQL, executemany on SQLite, in the open transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, insert

# Below this many rows a plain (pipelined) executemany beats setting up a COPY.
COPY_THRESHOLD = 64


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy(conn, table, rows)
    else:
        conn.execute(insert(table), list(rows))


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    json_columns = {n for n in names if isinstance(table.c[n].type, JSON)}
    quoted = ", ".join(f'"{n}"' for n in names)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [orjson.dumps(row[n]).decode() if n in json_columns else row[n] for n in names]
            )

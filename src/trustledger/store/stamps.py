"""A time as a column stores it: naive UTC; on SQLite an integer of microseconds since 1970.

SQLAlchemy's DateTime keeps a SQLite time as 26 characters of text; an integer of microseconds
is 8 bytes and says the same to the microsecond, the precision the audit chain and the
transparency log's leaves cover (`YYYY-MM-DDTHH:MM:SS.ffffff`). Used only for columns that no
query compares or sorts (`events.created_at`, `audit_log.at`): a SQLite column may then hold
text in the rows written before and integers in the rows since, and SQLite orders every integer
before any text. Both read back as the same datetime; no row is rewritten. PostgreSQL keeps
its timestamp (8 bytes already).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)


def stamp_micros(value: datetime) -> int:
    """SQLite's integer for a time: its wall time, as SQLite's DateTime stored it (a zone, if
    any, is not kept), in microseconds since 1970."""
    return (value.replace(tzinfo=None) - EPOCH) // MICROSECOND


class _SqliteTime(UserDefinedType[Any]):
    """SQLite's column as migrations declare it (DATETIME), its values passed through as they
    are: an integer, or the text of a row written before."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "DATETIME"


class Stamp(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteTime())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return stamp_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or isinstance(value, datetime):  # PostgreSQL's, read by psycopg
            return value
        if isinstance(value, int):
            return EPOCH + value * MICROSECOND
        return datetime.fromisoformat(str(value))  # "YYYY-MM-DD HH:MM:SS.ffffff", as before

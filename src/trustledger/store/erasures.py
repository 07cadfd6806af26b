"""What an erasure removes besides keys: a subject's contact and derived rows, its tallies kept.

Statistics count the derived `restrictions` and `appeals` rows (store/statistics.py), past days
included. An erased record's rows would go with its subject's next derivation and take those
figures with them; instead they are re-keyed to a subject that names no one (the first two
characters of the identity number, which the regional figures group by, and a random token)
with the links to records, cases and appeals dropped. A real identity number never holds a
space (every scheme refuses white space), so such rows are never anyone's.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable

from sqlalchemy import Connection, and_, delete, or_, select, update

from trustledger.store import tables as t
from trustledger.store.repositories import SqlDerivedStore

# In the subject of rows that count for statistics after their subject was erased.
ANONYMOUS = " erased "


def anonymous_subject(subject: str) -> str:
    return f"{subject[:2]}{ANONYMOUS}{secrets.token_hex(8)}"


class SqlErasures:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def keep_tallies(self, subject: str, record_ids: Collection[str] | None) -> int:
        """Re-key the restrictions from these records of the subject (None: all its restrictions)
        and the appeals about them to an anonymous subject; returns how many rows."""
        r, a = t.restrictions.c, t.appeals.c
        anon = anonymous_subject(subject)
        mine = r.subject == subject
        if record_ids is not None:
            mine = and_(mine, r.record_id.in_(record_ids))
        renamed = {
            rid: _anonymous_id("res")
            for rid in self._conn.execute(select(r.restriction_id).where(mine)).scalars()
        }
        for rid, new in renamed.items():
            self._conn.execute(
                update(t.restrictions)
                .where(r.restriction_id == rid)
                .values(
                    restriction_id=new, subject=anon, compact_key=0, record_id=None, case_id=None
                )
            )
        about = a.subject == subject
        if record_ids is not None:
            about = and_(about, a.target.in_([*record_ids, *renamed]))
        appeals = list(self._conn.execute(select(a.appeal_id, a.target).where(about)))
        for appeal_id, target in appeals:
            self._conn.execute(
                update(t.appeals)
                .where(a.appeal_id == appeal_id)
                .values(
                    appeal_id=_anonymous_id("apl"), subject=anon, target=renamed.get(target, "")
                )
            )
        return len(renamed) + len(appeals)

    def drop_contact(self, subject: str, pseudonym: str) -> None:
        """The subject's contact address, stored under either key (plain rows before 0010)."""
        c = t.contacts.c
        either = or_(c.subject == subject, c.subject == pseudonym)
        self._conn.execute(delete(t.contacts).where(either))

    def drop_derived(self, subjects: Iterable[str]) -> None:
        wanted = sorted(set(subjects))
        for table in SqlDerivedStore.TABLES:
            self._conn.execute(delete(table).where(table.c.subject.in_(wanted)))


def _anonymous_id(prefix: str) -> str:
    return f"{prefix}_erased_{secrets.token_hex(12)}"

"""Data keys in the database, wrapped by the vault's keys: made, destroyed, rotated away."""

from __future__ import annotations

from sqlalchemy import select

from trustledger.bootstrap import Registry
from trustledger.store import tables as t


def test_a_destroyed_key_opens_nothing_and_an_old_copy_of_it_opens_nothing(
    registry: Registry,
) -> None:
    with registry.uow() as uow:
        keys = uow.data_keys
        p, q = keys.pseudonym("110101199003070016"), keys.pseudonym("440305194912310027")
        erased = keys.seal(p, "rec_1", {"case_ref": "(2024)1"})
        kept = keys.seal(p, "", {"email": "a@example.org"})
        neighbour = keys.seal(q, "rec_2", {"case_ref": "(2024)2"})
        uow.commit()
    with registry.uow() as uow:
        # A copy of the rows, as a backup taken now would hold them.
        backup = [tuple(r) for r in uow.data_keys._conn.execute(select(t.data_keys))]
        assert uow.data_keys.open(p, "rec_1", erased) == {"case_ref": "(2024)1"}
        assert uow.data_keys.destroy(p, ["rec_1"]) == ["rec_1"]
        buckets = uow.data_keys.rotate([p])
        uow.commit()
    with registry.uow() as uow:
        uow.data_keys.forget_old(buckets)
    with registry.uow(readonly=True) as uow:
        assert uow.data_keys.open(p, "rec_1", erased) is None
        assert uow.data_keys.open(p, "", kept) == {"email": "a@example.org"}
        assert uow.data_keys.open(q, "rec_2", neighbour) == {"case_ref": "(2024)2"}
        assert uow.data_keys.scopes_of(p) == [""]
    # The backup's wrapped key of the erased record no longer unwraps: its bucket's old
    # key-encryption key is forgotten.
    row = next(r for r in backup if r[0] == p and r[1] == "rec_1")
    with registry.uow(readonly=True) as uow:
        assert uow.data_keys._unwrap(row[0], row[1], row[2], bytes(row[3])) is None

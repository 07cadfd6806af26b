"""Data keys over one connection: made as first needed, unwrapped once per unit of work, destroyed.

A subject's data falls in scopes: "" (the subject's own: review cases, contact, audit details)
and one per record (the record, its notices, appeals and corrections), so erasing one record
destroys one key and rewrites nothing in the append-only tables. What a key sealed is bound to
its pseudonym and scope (the AEAD's associated data), so a sealed value moved to another row
does not open there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, and_, bindparam, delete, select, update

from trustledger.store import tables as t
from trustledger.store.bulk import insert_rows, rows_where_in
from trustledger.store.crypto import (
    MasterKey,
    Unreadable,
    bucket_of,
    new_keys,
    open_json,
    open_sealed,
    scope_aad,
    seal_json_with,
    seal_with,
)
from trustledger.store.vault import Vault

# A row in `data_keys` that holds no key: its pseudonym had keys destroyed. A scope made again
# after that (the subject's own, when a file read after the erasure is audited) cannot open what
# the destroyed key sealed; this row lets `open` tell that from altered data.
ERASED_MARK = "~erased"


@dataclass(frozen=True, slots=True)
class Keyring:
    """The process's keys: the master key and the vault (None on a replica, which has neither
    and reads nothing sealed: checks and the feed need no personal data)."""

    master: MasterKey
    vault: Vault | None


KeyringSource = Callable[[], Keyring]


class NoKeys(Exception):
    """Sealed data asked for where the process has no keyring (a read-only replica)."""


class SqlDataKeys:
    def __init__(self, conn: Connection, keyring: KeyringSource) -> None:
        self._conn = conn
        self._keyring_source = keyring
        self._keyring: Keyring | None = None
        self._registry: str | None = None
        # (pseudonym, scope) -> key, or None once known to be absent (destroyed or never made)
        self._keys: dict[tuple[str, str], bytes | None] = {}
        self._loaded: set[str] = set()
        # Per unit of work, so that a batch pays once per subject and key: the pseudonym (an
        # HMAC), and the AESGCM of a data key or a key-encryption key (see `_aead`).
        self._pseudonyms: dict[str, str] = {}
        self._aeads: dict[bytes, AESGCM] = {}

    @property
    def master(self) -> MasterKey:
        return self._ring().master

    def pseudonym(self, subject: str) -> str:
        found = self._pseudonyms.get(subject)
        if found is None:
            found = self._pseudonyms[subject] = self._ring().master.pseudonym(subject)
        return found

    def keyed_hash(self, *parts: str) -> str:
        return self._ring().master.keyed_hash(*parts)

    def seal(self, pseudonym: str, scope: str, value: Any) -> bytes:
        key = self.key(pseudonym, scope, create=True)
        assert key is not None
        return seal_json_with(self._aead(key), value, aad=scope_aad(pseudonym, scope))

    def open(self, pseudonym: str, scope: str, sealed: bytes) -> Any | None:
        """The value, or None if its key is gone (erased). Altered data raises Unreadable."""
        key = self.key(pseudonym, scope, create=False)
        if key is None:
            return None
        try:
            return open_json(key, bytes(sealed), aad=scope_aad(pseudonym, scope))
        except Unreadable:
            if (pseudonym, ERASED_MARK) in self._keys:  # sealed under a key since destroyed
                return None
            raise

    def key(self, pseudonym: str, scope: str, *, create: bool) -> bytes | None:
        at = (pseudonym, scope)
        if at not in self._keys and pseudonym not in self._loaded:
            self.preload([pseudonym])
        found = self._keys.get(at)
        if found is None and create:
            found = self._make(pseudonym, scope)
        return found

    def preload(self, pseudonyms: Iterable[str]) -> None:
        """Unwrap every key of these subjects in one query per batch (a file, an export page)."""
        wanted = sorted(set(pseudonyms) - self._loaded)
        if not wanted:
            return
        columns = ("pseudonym", "scope", "kek_version", "wrapped")
        for row in rows_where_in(self._conn, t.data_keys, columns, "pseudonym", wanted):
            self._keys[row.pseudonym, row.scope] = self._unwrap(
                row.pseudonym, row.scope, row.kek_version, bytes(row.wrapped)
            )
        self._loaded.update(wanted)

    def provide(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Have a key for each (pseudonym, scope): the known ones unwrapped in one query per
        batch, the missing ones made and inserted at once (a bulk intake's batch makes one key
        per record; one insert each would be a query per record)."""
        wanted = set(wanted)
        self.preload(p for p, _ in wanted)
        missing = sorted(at for at in wanted if self._keys.get(at) is None)
        if not missing:
            return
        c = t.data_keys.c
        # A row whose key no longer unwraps (a copy of the database from before an erasure) is
        # as good as destroyed: replaced, and marked so, its old ciphertext reads as erased.
        for pseudonym, scope in (at for at in missing if at in self._keys):
            stale = delete(t.data_keys).where(c.pseudonym == pseudonym, c.scope == scope)
            if self._conn.execute(stale).rowcount:
                self._mark(pseudonym)
        keks = self._vault().current_many(self._registry_id(), {bucket_of(p) for p, _ in missing})
        # Made together: one read of randomness, one AESGCM per key-encryption key.
        rows = []
        for (pseudonym, scope), key in zip(missing, new_keys(len(missing)), strict=True):
            version, kek = keks[bucket_of(pseudonym)]
            rows.append(
                {
                    "pseudonym": pseudonym,
                    "scope": scope,
                    "kek_version": version,
                    "wrapped": seal_with(self._aead(kek), key, aad=scope_aad(pseudonym, scope)),
                }
            )
            self._keys[pseudonym, scope] = key
        insert_rows(self._conn, t.data_keys, rows)

    def scopes_of(self, pseudonym: str) -> list[str]:
        c = t.data_keys.c
        query = select(c.scope).where(c.pseudonym == pseudonym).order_by(c.scope)
        return [s for s in self._conn.execute(query).scalars() if s != ERASED_MARK]

    def destroy(self, pseudonym: str, scopes: Sequence[str]) -> list[str]:
        """Delete these keys (all of the subject's if `scopes` holds "" (the subject's own) and every
        record scope); returns the scopes that had a key. Call `rotate` after, in the same
        transaction, so that copies of the database taken before no longer open them."""
        c = t.data_keys.c
        had = [s for s in scopes if s in set(self.scopes_of(pseudonym))]
        if had:
            self._conn.execute(
                delete(t.data_keys).where(c.pseudonym == pseudonym, c.scope.in_(had))
            )
        for scope in scopes:
            self._keys[pseudonym, scope] = None
        if had:
            self._mark(pseudonym)
        return had

    def rotate(self, pseudonyms: Iterable[str]) -> set[str]:
        """Rewrap every remaining key in the buckets of these pseudonyms under a new version of
        the bucket's key-encryption key. Returns the buckets; once the transaction commits,
        `forget_old` makes the old versions (and so every earlier copy of these keys) useless."""
        vault = self._vault()
        buckets = {bucket_of(p) for p in pseudonyms}
        registry = self._registry_id()
        made = vault.rotate(registry, buckets)
        c = t.data_keys.c
        for bucket, (version, kek) in made.items():
            rows = self._conn.execute(
                select(c.pseudonym, c.scope, c.kek_version, c.wrapped).where(
                    and_(c.pseudonym >= bucket, c.pseudonym < _next_prefix(bucket))
                )
            ).all()
            rewrapped = []
            wrapper = self._aead(kek)
            for row in rows:
                key = self._unwrap(row.pseudonym, row.scope, row.kek_version, bytes(row.wrapped))
                if key is not None:
                    aad = scope_aad(row.pseudonym, row.scope)
                    rewrapped.append(
                        {"p": row.pseudonym, "s": row.scope, "w": seal_with(wrapper, key, aad=aad)}
                    )
            if rewrapped:  # the bucket's rows in one executemany, not a statement each
                self._conn.execute(
                    update(t.data_keys)
                    .where(c.pseudonym == bindparam("p"), c.scope == bindparam("s"))
                    .values(kek_version=version, wrapped=bindparam("w")),
                    rewrapped,
                )
        return buckets

    def forget_old(self, buckets: set[str]) -> None:
        self._vault().forget(self._registry_id(), buckets)

    def forget_unused(self) -> set[str]:
        """Forget the old versions no stored key is wrapped by: what an erasure that committed
        but stopped before `forget_old` left behind. A version a rolled-back rotation left
        current-but-unused is harmless; an old one still in use is kept. Call it inside a write
        transaction, so that no rotation is under way meanwhile."""
        vault, registry = self._vault(), self._registry_id()
        c = t.data_keys.c
        forgotten = set()
        for bucket, old in sorted(vault.stale(registry).items()):
            used = set(
                self._conn.execute(
                    select(c.kek_version)
                    .distinct()
                    .where(and_(c.pseudonym >= bucket, c.pseudonym < _next_prefix(bucket)))
                ).scalars()
            )
            if unused := old - used:
                vault.drop(registry, bucket, unused)
                forgotten.add(bucket)
        return forgotten

    def _mark(self, pseudonym: str) -> None:
        c = t.data_keys.c
        if not self._conn.execute(
            select(c.scope).where(c.pseudonym == pseudonym, c.scope == ERASED_MARK)
        ).first():
            self._conn.execute(
                t.data_keys.insert().values(
                    pseudonym=pseudonym,
                    scope=ERASED_MARK,
                    kek_version=0,  # no version of any bucket: it unwraps to nothing
                    wrapped=b"",
                )
            )
        self._keys[pseudonym, ERASED_MARK] = None

    def _aead(self, key: bytes) -> AESGCM:
        """The AESGCM of a key, made once per unit of work (a data key seals many values, a
        key-encryption key wraps a bucket's keys)."""
        found = self._aeads.get(key)
        if found is None:
            found = self._aeads[key] = AESGCM(key)
        return found

    def _make(self, pseudonym: str, scope: str) -> bytes:
        self.provide([(pseudonym, scope)])
        key = self._keys[pseudonym, scope]
        assert key is not None
        return key

    def _unwrap(self, pseudonym: str, scope: str, version: int, wrapped: bytes) -> bytes | None:
        if scope == ERASED_MARK:
            return None
        kek = self._vault().kek(self._registry_id(), bucket_of(pseudonym), version)
        if kek is None:  # its bucket rotated since this copy of the row was taken
            return None
        try:
            return open_sealed(kek, wrapped, aad=scope_aad(pseudonym, scope))
        except Unreadable:
            return None

    def _ring(self) -> Keyring:
        if self._keyring is None:
            self._keyring = self._keyring_source()
        return self._keyring

    def _vault(self) -> Vault:
        vault = self._ring().vault
        if vault is None:
            raise NoKeys(
                "this process holds no data keys (a read-only replica reads no personal data)"
            )
        return vault

    def _registry_id(self) -> str:
        if self._registry is None:
            found = self._conn.execute(select(t.registry.c.registry_id)).scalar()
            if found is None:
                raise NoKeys("the database has no registry id: run `trustledger migrate`")
            self._registry = str(found)
        return self._registry


def _next_prefix(prefix: str) -> str:
    """The first string after every string that starts with `prefix` (a hex prefix)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)

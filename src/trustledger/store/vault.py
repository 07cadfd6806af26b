"""The vault: key-encryption keys kept in a file outside the database, sealed by the master key.

One key per registry and bucket of pseudonyms (crypto.bucket_of), each with a version; the
`data_keys` rows of a bucket are wrapped by its current version. Erasing rotates a bucket: a
new version, the bucket's remaining rows rewrapped, then the old version forgotten, so a copy
of the database taken before the erasure no longer opens. Buckets are made as first used.

Several processes share the file (server workers, the CLI): each change is a read-modify-write
under an exclusive lock on `<file>.lock`, written aside, fsynced and renamed into place, so a
reader sees the old file or the new one. Writers of one registry are serialized anyway by the
database's writer lock (store/unit_of_work.py): a change is made inside a write transaction.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trustledger.store.crypto import MasterKey, Unreadable, new_key, open_sealed, seal

_AAD = b"trustledger vault v1"


class Vault:
    def __init__(self, path: Path, master: MasterKey, *, create: bool = True) -> None:
        self.path = path
        self._master = master
        self._create = create
        self._mutex = threading.Lock()
        # registry -> bucket -> {"current": version, "keys": {version: key}}
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self._reload()

    def kek(self, registry: str, bucket: str, version: int) -> bytes | None:
        """The key of `version`, or None if the vault has forgotten it (the bucket rotated)."""
        found = self._key(registry, bucket, version)
        if found is None:  # another process may have made or rotated it since
            self._reload()
            found = self._key(registry, bucket, version)
        return found

    def current(self, registry: str, bucket: str) -> tuple[int, bytes]:
        """The version new data keys of the bucket are wrapped by (the bucket made if new)."""
        return self.current_many(registry, {bucket})[bucket]

    def current_many(self, registry: str, buckets: set[str]) -> dict[str, tuple[int, bytes]]:
        """`current` of each bucket, the new ones made in one write of the file (a bulk intake
        touches thousands of buckets: one fsynced rewrite each would dominate it)."""
        known = self._data.get(registry, {})
        if any(b not in known for b in buckets):
            with self._changing() as data:
                entries = data.setdefault(registry, {})
                for bucket in buckets - entries.keys():
                    entries[bucket] = {"current": 1, "keys": {"1": _b64(new_key())}}
        entries = self._data.get(registry, {})
        return {b: _current(entries[b]) for b in buckets}

    def rotate(self, registry: str, buckets: set[str]) -> dict[str, tuple[int, bytes]]:
        """A new current version for each bucket, old ones kept until `forget`."""
        made: dict[str, tuple[int, bytes]] = {}
        with self._changing() as data:
            for bucket in sorted(buckets):
                entry = data.setdefault(registry, {}).setdefault(bucket, {"current": 0, "keys": {}})
                version = max((int(v) for v in entry["keys"]), default=0) + 1
                key = new_key()
                entry["keys"][str(version)] = _b64(key)
                entry["current"] = version
                made[bucket] = (version, key)
        return made

    def forget(self, registry: str, buckets: set[str]) -> None:
        """Forget every version of each bucket but its current one."""
        with self._changing() as data:
            for bucket in buckets:
                entry = data.get(registry, {}).get(bucket)
                if entry is not None:
                    current = str(entry["current"])
                    entry["keys"] = {current: entry["keys"][current]}

    def stale(self, registry: str) -> dict[str, set[int]]:
        """Each bucket's versions other than its current one."""
        self._reload()
        return {
            bucket: old
            for bucket, entry in self._data.get(registry, {}).items()
            if (old := {int(v) for v in entry["keys"]} - {int(entry["current"])})
        }

    def drop(self, registry: str, bucket: str, versions: set[int]) -> None:
        """Forget these versions of the bucket (never its current one)."""
        with self._changing() as data:
            entry = data.get(registry, {}).get(bucket)
            if entry is not None:
                keep = {k: v for k, v in entry["keys"].items() if int(k) not in versions}
                keep[str(entry["current"])] = entry["keys"][str(entry["current"])]
                entry["keys"] = keep

    def versions(self, registry: str, bucket: str) -> list[int]:
        self._reload()
        entry = self._data.get(registry, {}).get(bucket, {"keys": {}})
        return sorted(int(v) for v in entry["keys"])

    def _key(self, registry: str, bucket: str, version: int) -> bytes | None:
        entry = self._data.get(registry, {}).get(bucket)
        if entry is None or str(version) not in entry["keys"]:
            return None
        return _unb64(entry["keys"][str(version)])

    def _reload(self) -> None:
        with self._mutex:
            self._data = self._read()

    def _read(self) -> dict[str, dict[str, dict[str, Any]]]:
        try:
            sealed = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            loaded: dict[str, dict[str, dict[str, Any]]] = orjson.loads(
                open_sealed(self._master.vault_key, sealed, aad=_AAD)
            )
        except Unreadable as exc:
            raise Unreadable(f"the vault {self.path} does not open under this master key") from exc
        return loaded

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, dict[str, Any]]]]:
        if not self._create:
            raise Unreadable(f"the vault {self.path} is read-only here")
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._mutex, open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            self._write(data)
            self._data = data

    def _write(self, data: dict[str, dict[str, dict[str, Any]]]) -> None:
        sealed = seal(self._master.vault_key, orjson.dumps(data), aad=_AAD)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(sealed)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)


def _current(entry: dict[str, Any]) -> tuple[int, bytes]:
    version = int(entry["current"])
    return version, _unb64(entry["keys"][str(version)])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)

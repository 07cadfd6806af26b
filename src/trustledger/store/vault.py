"""The vault: key-encryption keys kept in files outside the database, sealed by the master key.

One key per registry and bucket of pseudonyms (crypto.bucket_of), each with a version; the
`data_keys` rows of a bucket are wrapped by its current version. Erasing rotates a bucket: a
new version, the bucket's remaining rows rewrapped, then the old version forgotten, so a copy
of the database taken before the erasure no longer opens. Buckets are made as first used, all
those a transaction needs in one write, each with the 4,095 others of its block (`_with_blocks`).

Each registry has its own file, `<vault>.<registry id>` beside the configured path, so a change
rewrites one registry's keys, not every registry's (a test suite or a host with many registries
shares one configured path). The file is sealed with the registry's id as associated data: a
file copied over another registry's does not open there. A vault of the earlier layout (one
file at the configured path for all registries) is split on first open (`_split`).

Several processes share the files (server workers, the CLI): each change is a read-modify-write
under an exclusive lock on `<file>.lock`, written aside, fsynced and renamed into place, so a
reader sees the old file or the new one. Writers of one registry are serialized anyway by the
database's writer lock (store/unit_of_work.py): a change is made inside a write transaction.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import itertools
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import orjson

from trustledger.store.crypto import (
    BUCKET_CHARS,
    MasterKey,
    Unreadable,
    new_key,
    open_sealed,
    seal_pieces,
)

_AAD = b"trustledger vault v1"  # the earlier layout: one file, every registry
_AAD_REGISTRY = b"trustledger vault v2\x1f"  # + the registry id
_REGISTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BUCKET = re.compile(f"[0-9a-f]{{{BUCKET_CHARS}}}")  # crypto.bucket_of's, of a hex pseudonym
_BLOCK = 1  # hex digits a block of buckets shares (`_with_blocks`)
_LOWS = range(16 ** (BUCKET_CHARS - _BLOCK))
_PIECE_KEYS = 200  # keys a piece of a written file: ~12 kB of JSON; writing holds ~120 kB


class _Keys(TypedDict):
    """One registry's keys, flat so that 65,536 buckets parse in milliseconds (a dict per
    bucket took 7 times as long): the current version of each bucket, and every version kept
    as "<bucket>.<version>" -> key (base64). A bucket's current version is its highest."""

    current: dict[str, int]
    keys: dict[str, str]


class Vault:
    def __init__(self, path: Path, master: MasterKey, *, create: bool = True) -> None:
        self.path = path
        self._master = master
        self._create = create
        self._mutex = threading.Lock()
        self._data: dict[str, _Keys] = {}  # registry -> its keys, as last read
        # registry -> its file as `_data` was read from it or written to it: while the file is
        # still that one it is not read again. Read, opened, parsed and sealed whole for each
        # new bucket, a registry's file took ~20 times its size (4 MB once every bucket exists)
        # in transient buffers, each a little larger than the last, and they grew a server's
        # heap by ~4.5 kB a write (issue 17's soak); see also `_json_pieces`.
        self._seen: dict[str, Stamp] = {}
        if create and path.is_file():
            self._split()

    def kek(self, registry: str, bucket: str, version: int) -> bytes | None:
        """The key of `version`, or None if the vault has forgotten it (the bucket rotated)."""
        found = self._loaded(registry)["keys"].get(f"{bucket}.{version}")
        if found is None:  # another process may have made or rotated it since
            found = self._reload(registry)["keys"].get(f"{bucket}.{version}")
        return None if found is None else _unb64(found)

    def current(self, registry: str, bucket: str) -> tuple[int, bytes]:
        """The version new data keys of the bucket are wrapped by (the bucket made if new)."""
        return self.current_many(registry, {bucket})[bucket]

    def current_many(self, registry: str, buckets: set[str]) -> dict[str, tuple[int, bytes]]:
        """`current` of each bucket, the new ones made in one write of the file (a bulk intake
        touches thousands of buckets: one fsynced rewrite each would dominate it)."""
        entries = self._loaded(registry)
        held = entries["current"]
        missing = {b for b in buckets if b not in held}  # `set - keys()` iterates every key
        if missing:
            entries = self._make(registry, _with_blocks(missing))
        return {b: _current(entries, b) for b in buckets}

    def rotate(self, registry: str, buckets: set[str]) -> dict[str, tuple[int, bytes]]:
        """A new current version for each bucket, old ones kept until `forget`."""
        made: dict[str, tuple[int, bytes]] = {}
        with self._changing(registry) as entries:
            for bucket in sorted(buckets):
                version = entries["current"].get(bucket, 0) + 1
                while f"{bucket}.{version}" in entries["keys"]:  # never reuse a version
                    version += 1
                key = new_key()
                entries["keys"][f"{bucket}.{version}"] = _b64(key)
                entries["current"][bucket] = version
                made[bucket] = (version, key)
        return made

    def forget(self, registry: str, buckets: set[str]) -> None:
        """Forget every version of each bucket but its current one."""
        with self._changing(registry) as entries:
            for bucket in buckets:
                if bucket in entries["current"]:
                    old = set(_versions(entries, bucket)) - {entries["current"][bucket]}
                    _drop(entries, bucket, old)

    def stale(self, registry: str) -> dict[str, set[int]]:
        """Each bucket's versions other than its current one."""
        entries = self._reload(registry)
        found: dict[str, set[int]] = {}
        for name in list(entries["keys"]):  # `_make` may add to it meanwhile
            bucket, version = _split_name(name)
            if version != entries["current"].get(bucket):
                found.setdefault(bucket, set()).add(version)
        return found

    def drop(self, registry: str, bucket: str, versions: set[int]) -> None:
        """Forget these versions of the bucket (never its current one)."""
        with self._changing(registry) as entries:
            if bucket in entries["current"]:
                _drop(entries, bucket, versions - {entries["current"][bucket]})

    def versions(self, registry: str, bucket: str) -> list[int]:
        return _versions(self._reload(registry), bucket)

    def file_of(self, registry: str) -> Path:
        """Where the registry's keys are kept: `<vault>.<registry id>`."""
        if not _REGISTRY_ID.fullmatch(registry):
            raise ValueError(f"not a registry id for a vault file name: {registry!r}")
        return self.path.with_name(f"{self.path.name}.{registry}")

    def _loaded(self, registry: str) -> _Keys:
        found = self._data.get(registry)
        return self._reload(registry) if found is None else found

    def _reload(self, registry: str) -> _Keys:
        with self._mutex:
            return self._fresh(registry)

    def _fresh(self, registry: str) -> _Keys:
        """The registry's keys as its file holds them now: those held, if it is unchanged."""
        held = self._data.get(registry)
        seen = self._seen.get(registry)
        if held is not None and seen is not None and _stamp_of(self.file_of(registry)) == seen:
            return held
        self._seen.pop(registry, None)
        entries, stamp = self._read(registry)
        self._data[registry] = entries
        if stamp is not None:
            self._seen[registry] = stamp
        return entries

    def _read(self, registry: str) -> tuple[_Keys, Stamp | None]:
        path = self.file_of(registry)
        try:
            with path.open("rb") as f:
                stamp = _stamp(os.fstat(f.fileno()))
                sealed = f.read()
        except FileNotFoundError:
            if not self._create and self.path.is_file():  # a replica does not split the old file
                return self._read_whole().get(registry, _empty()), None
            return _empty(), None
        try:
            loaded: _Keys = orjson.loads(
                open_sealed(self._master.vault_key, sealed, aad=_AAD_REGISTRY + registry.encode())
            )
        except Unreadable as exc:
            raise Unreadable(f"the vault file {path} does not open under this master key") from exc
        return loaded, stamp

    def _read_whole(self) -> dict[str, _Keys]:
        """The earlier layout's one file, each registry's entries in today's form."""
        try:
            whole: dict[str, dict[str, dict[str, Any]]] = orjson.loads(
                open_sealed(self._master.vault_key, self.path.read_bytes(), aad=_AAD)
            )
        except Unreadable as exc:
            raise Unreadable(f"the vault {self.path} does not open under this master key") from exc
        return {registry: _flattened(buckets) for registry, buckets in whole.items()}

    def _split(self) -> None:
        """Give each registry of a one-file vault its own file, then remove the one file.

        Each new file is written aside, fsynced and renamed into place; the old file goes last.
        A crash at any point leaves the old file, so the next open splits again: it keeps a
        registry's file already made (identical: nothing changes keys before the split is done)
        and makes the rest. Keys are never in two current files once the old one is gone, so an
        erasure's forgotten version is not kept by a leftover copy.
        """
        with self._locked(self.path):
            if not self.path.is_file():  # another process split it meanwhile
                return
            for registry, entries in sorted(self._read_whole().items()):
                if self.file_of(registry).exists():
                    _aside(self.file_of(registry)).unlink(missing_ok=True)
                else:
                    self._write(registry, entries)
            os.unlink(self.path)
            _sync_directory(self.path.parent)

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        with self._mutex, open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _make(self, registry: str, buckets: set[str]) -> _Keys:
        """Make the buckets the file lacks, added to the keys held if the file is unchanged
        since they were read or written (a new bucket reads nothing, it only writes)."""
        if not self._create:
            raise Unreadable(f"the vault {self.path} is read-only here")
        with self._locked(self.file_of(registry)):
            entries = self._fresh(registry)
            made = sorted(buckets - entries["current"].keys())
            # Held before written: writers of one registry are serialized by the database's
            # writer lock, so no one asks for these buckets meanwhile; a failed write takes
            # them back, so nothing is held that the file lacks.
            for bucket in made:
                entries["current"][bucket] = 1
                entries["keys"][f"{bucket}.1"] = _b64(new_key())
            try:
                self._seen[registry] = self._write(registry, entries)
            except BaseException:
                for bucket in made:
                    del entries["current"][bucket], entries["keys"][f"{bucket}.1"]
                self._seen.pop(registry, None)  # the file may have changed: read it next time
                raise
        return entries

    @contextlib.contextmanager
    def _changing(self, registry: str) -> Iterator[_Keys]:
        """A change of existing buckets (an erasure's rotation and forgetting), made on the keys
        as the file holds them now (read only if it changed) and held once written."""
        if not self._create:
            raise Unreadable(f"the vault {self.path} is read-only here")
        with self._locked(self.file_of(registry)):
            held = self._fresh(registry)
            # Changed on a copy, so that a change or a write that fails leaves the keys held as
            # the file has them (no new version held unwritten, no version lost still in it).
            entries: _Keys = {"current": dict(held["current"]), "keys": dict(held["keys"])}
            yield entries
            stamp = self._write(registry, entries)
            self._data[registry], self._seen[registry] = entries, stamp

    def _write(self, registry: str, entries: _Keys) -> Stamp:
        """Write the registry's file (aside, then renamed into place); its stamp now."""
        path = self.file_of(registry)
        aad = _AAD_REGISTRY + registry.encode()
        # One name aside per file, written under its lock: a crash's leftover is overwritten
        # (and so never keeps a forgotten key for long) by the next write.
        tmp = _aside(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                for piece in seal_pieces(self._master.vault_key, _json_pieces(entries), aad=aad):
                    f.write(piece)
                f.flush()
                os.fsync(f.fileno())
                stamp = _stamp(os.fstat(f.fileno()))  # a rename keeps the inode and the mtime
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        _sync_directory(path.parent)  # the rename itself survives a crash
        return stamp


# A file's inode, size and modification time (ns). Every write makes a new file (aside, while
# the one in place still exists, so under another inode) and renames it into place.
Stamp = tuple[int, int, int]


def _stamp(st: os.stat_result) -> Stamp:
    return st.st_ino, st.st_size, st.st_mtime_ns


def _stamp_of(path: Path) -> Stamp | None:
    try:
        return _stamp(os.stat(path))
    except FileNotFoundError:
        return None


def _json_pieces(entries: _Keys) -> Iterator[bytes]:
    """The JSON of `entries`, a couple of hundred keys at a time, so that writing a file holds
    ~120 kB however large it is (whole, orjson's buffer and the sealed copy were ~7 times its
    size: orjson reserves ~4 times what it writes)."""
    yield b"{"
    parts: list[tuple[str, dict[str, Any]]] = [
        ("current", entries["current"]),
        ("keys", entries["keys"]),
    ]
    for i, (name, part) in enumerate(parts):
        yield (b"," if i else b"") + orjson.dumps(name) + b":{"
        items = iter(part.items())
        first = True
        while piece := dict(itertools.islice(items, _PIECE_KEYS)):
            yield (b"" if first else b",") + orjson.dumps(piece)[1:-1]
            first = False
        yield b"}"
    yield b"}"


def _with_blocks(buckets: set[str]) -> set[str]:
    """Each pseudonym bucket with the others of its block, those sharing its first hex digit:
    made together, a registry's 65,536 buckets take 16 writes of its file (the first ~30 ms,
    0.8 s in all) where one write each (up to ~30 ms as the file neared 4 MB) fell on most
    writes of a new deployment's first 100,000 subjects (bench/RESULTS.md)."""
    made = set(buckets)
    # Each block once: a bulk intake's chunk misses thousands of buckets, mostly of one block.
    blocks = {bucket[:_BLOCK] for bucket in buckets if _BUCKET.fullmatch(bucket)}
    for block in blocks:
        made.update(f"{block}{low:0{BUCKET_CHARS - _BLOCK}x}" for low in _LOWS)
    return made


def _empty() -> _Keys:
    return {"current": {}, "keys": {}}


def _flattened(buckets: dict[str, dict[str, Any]]) -> _Keys:
    """An entry of the earlier layout ({bucket: {"current": v, "keys": {v: key}}}) made flat."""
    entries = _empty()
    for bucket, entry in buckets.items():
        entries["current"][bucket] = int(entry["current"])
        for version, key in entry["keys"].items():
            entries["keys"][f"{bucket}.{int(version)}"] = key
    return entries


def _current(entries: _Keys, bucket: str) -> tuple[int, bytes]:
    version = entries["current"][bucket]
    return version, _unb64(entries["keys"][f"{bucket}.{version}"])


def _versions(entries: _Keys, bucket: str) -> list[int]:
    newest = entries["current"].get(bucket, 0)
    return [v for v in range(1, newest + 1) if f"{bucket}.{v}" in entries["keys"]]


def _drop(entries: _Keys, bucket: str, versions: set[int]) -> None:
    for version in versions:
        entries["keys"].pop(f"{bucket}.{version}", None)


def _split_name(name: str) -> tuple[str, int]:
    bucket, _, version = name.rpartition(".")
    return bucket, int(version)


def _aside(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)

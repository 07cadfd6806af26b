"""The vault's files: one per registry, and a vault of the earlier one-file layout split safely."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import orjson
import pytest

from trustledger.store.crypto import MasterKey, Unreadable, new_key, open_sealed, seal
from trustledger.store.vault import Vault

MASTER = MasterKey(b"\x07" * 32)


def one_file_vault(path: Path, registries: dict[str, dict[str, dict[str, bytes]]]) -> None:
    """A vault as the earlier layout wrote it: one sealed JSON file for every registry,
    {registry: {bucket: {"current": version, "keys": {version: base64 key}}}}; the current
    version is the highest given."""
    whole = {
        registry: {
            bucket: {
                "current": max(int(v) for v in keys),
                "keys": {v: base64.b64encode(k).decode() for v, k in keys.items()},
            }
            for bucket, keys in buckets.items()
        }
        for registry, buckets in registries.items()
    }
    path.write_bytes(seal(MASTER.vault_key, orjson.dumps(whole), aad=b"trustledger vault v1"))


def three_registries() -> dict[str, dict[str, dict[str, bytes]]]:
    return {
        "reg-a": {"0000": {"1": new_key()}, "ab12": {"1": new_key(), "2": new_key()}},
        "reg-b": {"0000": {"3": new_key()}},
        "reg-c": {"ffff": {"1": new_key()}},
    }


def assert_holds(vault: Vault, registries: dict[str, dict[str, dict[str, bytes]]]) -> None:
    for registry, buckets in registries.items():
        for bucket, keys in buckets.items():
            assert vault.versions(registry, bucket) == sorted(int(v) for v in keys)
            for version, key in keys.items():
                assert vault.kek(registry, bucket, int(version)) == key
            newest = max(keys, key=int)
            assert vault.current(registry, bucket) == (int(newest), keys[newest])


def test_each_registry_keeps_its_keys_in_a_file_of_its_own(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "test.vault", MASTER)
    a = vault.current("reg-a", "0000")
    vault.current("reg-b", "0000")
    files = {p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")}
    assert files == {"test.vault.reg-a", "test.vault.reg-b"}
    b_before = (tmp_path / "test.vault.reg-b").read_bytes()
    vault.current_many("reg-a", {"0001", "0002"})
    vault.rotate("reg-a", {"0000"})
    assert (tmp_path / "test.vault.reg-b").read_bytes() == b_before  # not rewritten
    assert Vault(tmp_path / "test.vault", MASTER).kek("reg-a", "0000", 1) == a[1]
    # A registry's file put in another's place does not open as that registry's.
    (tmp_path / "test.vault.reg-b").write_bytes((tmp_path / "test.vault.reg-a").read_bytes())
    with pytest.raises(Unreadable, match=r"test\.vault\.reg-b"):
        Vault(tmp_path / "test.vault", MASTER).kek("reg-b", "0000", 1)


def test_a_registry_id_that_is_no_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="registry id"):
        Vault(tmp_path / "test.vault", MASTER).current("../elsewhere", "0000")
    assert list(tmp_path.iterdir()) == []


def test_a_one_file_vault_is_split_on_first_open_and_keeps_every_version(tmp_path: Path) -> None:
    path = tmp_path / "test.vault"
    registries = three_registries()
    one_file_vault(path, registries)
    vault = Vault(path, MASTER)
    assert not path.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "test.vault.reg-a",
        "test.vault.reg-b",
        "test.vault.reg-c",
    ]
    assert_holds(vault, registries)
    assert vault.stale("reg-a") == {"ab12": {1}}
    vault.forget("reg-a", {"ab12"})  # an erasure's last step works on the split vault
    assert Vault(path, MASTER).kek("reg-a", "ab12", 1) is None
    assert Vault(path, MASTER).kek("reg-a", "ab12", 2) == registries["reg-a"]["ab12"]["2"]


def test_a_read_only_vault_reads_a_one_file_vault_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "test.vault"
    registries = three_registries()
    one_file_vault(path, registries)
    before = path.read_bytes()
    vault = Vault(path, MASTER, create=False)
    assert vault.kek("reg-b", "0000", 3) == registries["reg-b"]["0000"]["3"]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["test.vault"]


def test_a_one_file_vault_under_another_master_key_is_not_split(tmp_path: Path) -> None:
    path = tmp_path / "test.vault"
    one_file_vault(path, three_registries())
    with pytest.raises(Unreadable, match="does not open"):
        Vault(path, MasterKey(b"\x08" * 32))
    assert path.exists()
    assert not list(tmp_path.glob("test.vault.reg-*"))


# The split in another process, paused just before its n-th step (a file renamed into place,
# then the old file removed) and killed there with SIGKILL.
_SPLIT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from trustledger.store.crypto import MasterKey
    from trustledger.store.vault import Vault

    path, stop = Path(sys.argv[1]), int(sys.argv[2])
    steps = 0
    replace, unlink = os.replace, os.unlink

    def pause():
        global steps
        steps += 1
        if steps == stop:
            print("paused", flush=True)
            sys.stdin.read()

    def replacing(src, dst):
        pause()
        replace(src, dst)

    def unlinking(target, *args, **kwargs):
        if Path(target) == path:
            pause()
        unlink(target, *args, **kwargs)

    os.replace, os.unlink = replacing, unlinking
    Vault(path, MasterKey(b"\\x07" * 32))
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("stop", [1, 2, 3, 4])
def test_a_split_killed_at_any_step_leaves_a_vault_that_opens(tmp_path: Path, stop: int) -> None:
    path = tmp_path / "test.vault"
    registries = three_registries()  # steps 1-3: each registry's file renamed; 4: old removed
    one_file_vault(path, registries)
    with subprocess.Popen(
        [sys.executable, "-c", _SPLIT, str(path), str(stop)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        try:
            assert child.stdout.readline().strip() == "paused"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert path.exists()  # killed mid-split: the old file is still there
    made = [p for p in tmp_path.glob("test.vault.reg-*") if not p.name.endswith(".lock")]
    assert len(made) == stop - 1
    vault = Vault(path, MASTER)  # opens, and finishes the split
    assert_holds(vault, registries)
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    # Nothing else holds keys: no old file, no file written aside by the killed process.
    assert names == ["test.vault.reg-a", "test.vault.reg-b", "test.vault.reg-c"]


def test_a_file_written_in_pieces_holds_every_key_as_one_json(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    made = vault.current_many("reg-a", {"0000", "0001"})  # a block of 4,096: several pieces
    rotated = vault.rotate("reg-a", {"0001"})
    aad = b"trustledger vault v2\x1freg-a"
    stored = orjson.loads(
        open_sealed(MASTER.vault_key, vault.file_of("reg-a").read_bytes(), aad=aad)
    )
    assert list(stored) == ["current", "keys"]
    assert len(stored["current"]) == 4_096
    assert len(stored["keys"]) == 4_097
    assert stored["current"]["0001"] == 2
    again = Vault(tmp_path / "vault", MASTER)
    assert again.current_many("reg-a", set(made) - {"0001"}) == {
        b: k for b, k in made.items() if b != "0001"
    }
    assert again.current("reg-a", "0001") == rotated["0001"]
    assert again.kek("reg-a", "0001", 1) == made["0001"][1]


def test_a_new_bucket_rereads_the_file_only_if_another_process_changed_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, other = Vault(tmp_path / "vault", MASTER), Vault(tmp_path / "vault", MASTER)
    first = one.current("reg-a", "0000")
    reads: list[Vault] = []
    read = Vault._read
    monkeypatch.setattr(Vault, "_read", lambda self, reg: (reads.append(self), read(self, reg))[1])
    one.current_many("reg-a", {"1000", "2000"})
    assert (
        one.kek("reg-a", "3000", 1) is None
    )  # a miss (another block): the file is unchanged, so not read
    assert reads == []  # what it wrote last is what the file holds
    theirs = other.current("reg-a", "3000")
    assert reads == [other]
    mine = one.current("reg-a", "4000")
    assert reads == [other, one]  # the file changed: read again, and their bucket kept
    assert Vault(tmp_path / "vault", MASTER).current_many("reg-a", {"0000", "3000", "4000"}) == {
        "0000": first,
        "3000": theirs,
        "4000": mine,
    }


def test_a_failed_write_leaves_no_bucket_held_that_the_file_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = Vault(tmp_path / "vault", MASTER)
    vault.current("reg-a", "0000")

    def fail(self: Vault, registry: str, entries: object) -> None:
        raise OSError("disk full")

    write = Vault._write
    monkeypatch.setattr(Vault, "_write", fail)
    with pytest.raises(OSError, match="disk full"):
        vault.current("reg-a", "1000")
    assert vault.kek("reg-a", "1000", 1) is None
    monkeypatch.setattr(Vault, "_write", write)
    made = vault.current("reg-a", "1000")  # made again, and this time written
    assert Vault(tmp_path / "vault", MASTER).current("reg-a", "1000") == made


def test_making_a_bucket_holds_no_copy_of_the_whole_file(tmp_path: Path) -> None:
    # Each new bucket read, parsed and sealed the registry's whole file again: ~18 times its
    # size in transient memory, a little more each time, which grew a server's heap (issue 17's
    # soak). Now it writes the file piece by piece and reads nothing.
    vault = Vault(tmp_path / "vault", MASTER)
    vault.current_many("reg-a", {f"{i:x}000" for i in range(10)})  # blocks 0-9
    size = vault.file_of("reg-a").stat().st_size  # 2.6 MB
    tracemalloc.start()
    try:
        vault.current("reg-a", "odd")  # one new bucket (no hex pseudonym's: no block of them)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 4


def test_buckets_are_made_a_block_of_4096_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One write of the file for each new bucket fell on most writes of a new deployment's first
    # 100,000 subjects (65,536 buckets, the file growing to 4 MB): 15% of a single write's CPU.
    vault = Vault(tmp_path / "vault", MASTER)
    writes: list[int] = []
    write = Vault._write
    monkeypatch.setattr(
        Vault, "_write", lambda self, reg, data: (writes.append(1), write(self, reg, data))[1]
    )
    made = vault.current("reg-a", "12ab")
    assert len(writes) == 1
    assert vault.versions("reg-a", "1000") == vault.versions("reg-a", "1fff") == [1]
    assert vault.versions("reg-a", "2000") == []  # the next block is not made
    block = {vault.current("reg-a", f"1{low:03x}")[1] for low in range(4096)}
    assert made[1] in block
    assert len(block) == 4096  # a key of its own each
    assert len(writes) == 1  # the whole block was there: nothing written
    vault.current("reg-a", "odd")  # no hex pseudonym's bucket: made alone
    assert len(writes) == 2
    assert vault.versions("reg-a", "odd") == [1]
    reopened = Vault(tmp_path / "vault", MASTER)
    assert reopened.current("reg-a", "1bcd") == vault.current("reg-a", "1bcd")
